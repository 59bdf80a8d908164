#include "services/temporal/temporal_model.h"

#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"
#include "common/torch/checkpoint.h"
#include "services/temporal/temporal_net.h"
#include "common/state/trend_features.h"

namespace burnout::temporal {
namespace {

using burnout::v1::TemporalSpec;
using burnout::v1::TrendRequest;
using burnout::v1::TrendResponse;

// Feature values may carry rounding error from the orchestrator's arithmetic.
constexpr float kRangeTolerance = 1e-3f;

burnout::v1::Trend TrendForLabel(const std::string& label) {
  if (label == "improving") return burnout::v1::TREND_IMPROVING;
  if (label == "stable") return burnout::v1::TREND_STABLE;
  if (label == "worsening") return burnout::v1::TREND_WORSENING;
  return burnout::v1::TREND_UNSPECIFIED;
}

absl::Status ValidateSpec(const TemporalSpec& spec) {
  if (spec.feature_names_size() == 0) return absl::InvalidArgumentError("no feature_names");
  std::set<std::string> names(spec.feature_names().begin(), spec.feature_names().end());
  if (static_cast<int>(names.size()) != spec.feature_names_size()) {
    return absl::InvalidArgumentError("feature_names has a duplicate");
  }
  std::set<std::string> labels(spec.trend_labels().begin(), spec.trend_labels().end());
  if (spec.trend_labels_size() != 3 ||
      labels != std::set<std::string>{"improving", "stable", "worsening"}) {
    return absl::InvalidArgumentError(absl::StrCat("trend_labels are [",
                                                   absl::StrJoin(spec.trend_labels(), ", "),
                                                   "]; expected improving, stable, worsening"));
  }
  if (spec.hidden_dim() < 2 || spec.layers() < 1 || spec.max_steps() < 1) {
    return absl::InvalidArgumentError(absl::StrCat("hidden_dim ", spec.hidden_dim(), ", layers ",
                                                   spec.layers(), ", max_steps ", spec.max_steps(),
                                                   " must be positive (hidden_dim >= 2)"));
  }
  if (!(spec.dropout() >= 0.0f && spec.dropout() < 1.0f)) {
    return absl::InvalidArgumentError(absl::StrCat("dropout ", spec.dropout(), " outside [0, 1)"));
  }
  return absl::OkStatus();
}

class TorchTemporalModel final : public TemporalModel {
 public:
  TorchTemporalModel(burnout::v1::ModelManifest manifest, std::string model_path, TemporalNet net)
      : manifest_(std::move(manifest)), model_path_(std::move(model_path)), net_(net.ptr()) {
    info_.set_name(manifest_.name());
    info_.set_version(manifest_.version());
    info_.set_sha256(manifest_.sha256());
    const auto& names = manifest_.temporal().feature_names();
    for (int f = 0; f < names.size(); ++f) {
      if (names[f] == kGapDaysFeature) gap_feature_ = f;
    }
  }

  absl::StatusOr<TrendResponse> Predict(const TrendRequest& request, int max_steps) const override {
    const auto start = std::chrono::steady_clock::now();
    const TemporalSpec& spec = manifest_.temporal();
    const int features = spec.feature_names_size();
    for (int i = 0; i < std::max(features, request.feature_names_size()); ++i) {
      const std::string got = i < request.feature_names_size()
                                  ? absl::StrCat("\"", request.feature_names(i), "\"")
                                  : std::string("nothing");
      const std::string want =
          i < features ? absl::StrCat("\"", spec.feature_names(i), "\"") : std::string("nothing");
      if (got != want) {
        return absl::InvalidArgumentError(
            absl::StrCat("feature_names differ from the trend model's at position ", i, ": got ",
                         got, ", expected ", want, " (the model expects [",
                         absl::StrJoin(spec.feature_names(), ", "), "])"));
      }
    }
    if (request.steps_size() == 0) return absl::InvalidArgumentError("no steps");
    const int limit = max_steps > 0 ? max_steps : spec.max_steps();
    const int used = std::min(request.steps_size(), limit);
    const int first = request.steps_size() - used;
    std::vector<float> values;
    values.reserve(static_cast<size_t>(used) * features);
    for (int t = 0; t < request.steps_size(); ++t) {
      const auto& step = request.steps(t);
      if (step.values_size() != features) {
        return absl::InvalidArgumentError(absl::StrCat("step ", t, " has ", step.values_size(),
                                                       " values; the model expects ", features));
      }
      for (int f = 0; f < features; ++f) {
        const float v = step.values(f);
        if (!std::isfinite(v) || v < -kRangeTolerance || v > 1.0f + kRangeTolerance) {
          return absl::InvalidArgumentError(absl::StrCat("step ", t, " feature ",
                                                         spec.feature_names(f), " is ", v,
                                                         "; expected a finite value in [0, 1]"));
        }
        if (t >= first) values.push_back(std::clamp(v, 0.0f, 1.0f));
      }
    }
    // The first step used has no previous step in what the model sees (it may have one in the
    // request, cut off by max_steps): its gap is 0, as in training.
    if (gap_feature_ >= 0) values[gap_feature_] = 0.0f;
    TrendResponse response;
    try {
      c10::InferenceMode guard;
      const torch::Tensor x = torch::from_blob(values.data(), {1, used, features}, torch::kFloat);
      const torch::Tensor lengths = torch::full({1}, used, torch::kLong);
      const torch::Tensor probs = torch::softmax(net_->Forward(x, lengths), 1).contiguous();
      const float* p = probs.data_ptr<float>();
      int best = 0;
      for (int k = 0; k < spec.trend_labels_size(); ++k) {
        if (!std::isfinite(p[k])) {
          return absl::InternalError(
              absl::StrCat("trend model ", model_path_, " produced a non-finite probability"));
        }
        auto* s = response.add_probabilities();
        s->set_label(spec.trend_labels(k));
        s->set_probability(p[k]);
        if (p[k] > p[best]) best = k;
      }
      response.set_trend(TrendForLabel(spec.trend_labels(best)));
      response.set_confidence(p[best]);
    } catch (const c10::Error& e) {
      return absl::InternalError(absl::StrCat("trend forward failed (model ", model_path_,
                                              ", input [1, ", used, ", ", features,
                                              "]): ", e.what_without_backtrace()));
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("trend forward failed (model ", model_path_,
                                              ", input [1, ", used, ", ", features,
                                              "]): ", e.what()));
    }
    response.set_steps_used(used);
    *response.mutable_model() = info_;
    auto* timing = response.add_timings();
    timing->set_stage("temporal_model");
    timing->set_millis(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    return response;
  }

  const burnout::v1::ModelManifest& manifest() const override { return manifest_; }

 private:
  burnout::v1::ModelManifest manifest_;
  std::string model_path_;
  std::shared_ptr<TemporalNetImpl> net_;  // in eval mode, immutable after Load
  burnout::v1::ModelInfo info_;
  int gap_feature_ = -1;  // position of gap_days in the manifest's features, if there
};

}  // namespace

const std::vector<std::string>& DefaultTrendFeatureNames() {
  static const auto* names = new std::vector<std::string>{
      "energy", "stress", "work", "risk", "anger", "disgust", "fear", "joy", "neutral", "sadness",
      kGapDaysFeature};
  return *names;
}

const std::vector<std::string>& DefaultTrendLabels() {
  static const auto* labels = new std::vector<std::string>{"improving", "stable", "worsening"};
  return *labels;
}

absl::StatusOr<std::unique_ptr<TemporalModel>> TemporalModel::Load(const std::string& model_dir) {
  BR_ASSIGN_OR_RETURN(model::ModelDir dir, model::OpenModelDir(model_dir, kTemporalModelKind));
  const TemporalSpec& spec = dir.manifest.temporal();
  if (absl::Status s = ValidateSpec(spec); !s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(model_dir, "/", model::kManifestName, ": temporal spec: ", s.message()));
  }
  TemporalNet net{nullptr};
  try {
    net = TemporalNet(spec.feature_names_size(), spec.hidden_dim(), spec.layers(), spec.dropout(),
                      spec.trend_labels_size());
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot build the trend network for ", dir.model_path, ": ", e.what()));
  }
  BR_RETURN_IF_ERROR(torchx::LoadWeights(*net, dir.model_path, "temporal weights"));
  net->eval();
  auto model = std::make_unique<TorchTemporalModel>(dir.manifest, dir.model_path, net);
  // Warm-up: one forward over a short neutral sequence.
  TrendRequest warm;
  for (const auto& n : spec.feature_names()) warm.add_feature_names(n);
  for (int t = 0; t < 3; ++t) {
    auto* step = warm.add_steps();
    for (int f = 0; f < spec.feature_names_size(); ++f) step->add_values(0.5f);
  }
  if (auto s = model->Predict(warm, spec.max_steps()); !s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("warm-up of ", dir.model_path, " failed: ", s.status().message()));
  }
  return model;
}

}  // namespace burnout::temporal
