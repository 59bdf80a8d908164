#include "services/fusion/fusion_model.h"

#include <ATen/CPUGeneratorImpl.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"
#include "common/torch/checkpoint.h"
#include "services/fusion/fusion_features.h"
#include "services/fusion/fusion_net.h"

namespace burnout::fusion {
namespace {

using burnout::v1::FuseRequest;
using burnout::v1::FuseResponse;
using burnout::v1::FusionSpec;

// FNV-1a over the model input and the number of passes: the MC-dropout seed of a request.
uint64_t InputSeed(const FusionFeatures& features, int mc) {
  uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  };
  for (const auto& slot : features.slots) mix(slot.data(), slot.size() * sizeof(float));
  mix(features.present.data(), features.present.size());
  mix(&mc, sizeof(mc));
  return h;
}

class TorchFusionModel final : public FusionModel {
 public:
  TorchFusionModel(burnout::v1::ModelManifest manifest, std::string model_path, FusionNet net)
      : manifest_(std::move(manifest)),
        model_path_(std::move(model_path)),
        net_(net.ptr()),
        variant_(VariantName(net_->shape().variant)) {
    const FusionSpec& spec = manifest_.fusion();
    info_.set_name(manifest_.name());
    info_.set_version(manifest_.version());
    info_.set_sha256(manifest_.sha256());
    for (const auto& l : spec.risk_labels()) levels_.push_back(RiskLevelForLabel(l));
  }

  absl::StatusOr<FuseResponse> Fuse(const FuseRequest& request,
                                    const FuseOptions& options) const override {
    const auto start = std::chrono::steady_clock::now();
    if (options.mc_samples < 1 || options.mc_samples > kMaxMcSamples) {
      return absl::InvalidArgumentError(
          absl::StrCat("mc_samples ", options.mc_samples, " outside [1, ", kMaxMcSamples, "]"));
    }
    const int mc = options.mc_samples;
    const FusionSpec& spec = manifest_.fusion();
    FuseRequest personal;
    const FuseRequest* input = &request;
    std::vector<std::string> personalized;
    if (request.baselines_size() > 0) {
      personal = request;
      BR_ASSIGN_OR_RETURN(personalized, PersonalizeIndicators(spec, &personal));
      input = &personal;
    }
    BR_ASSIGN_OR_RETURN(FusionFeatures features, ExtractFusionFeatures(spec, *input));
    const float temperature = spec.temperature();
    FuseResponse response;
    try {
      c10::InferenceMode guard;
      std::vector<torch::Tensor> inputs;
      for (auto& slot : features.slots) {
        inputs.push_back(
            torch::from_blob(slot.data(), {1, static_cast<int64_t>(slot.size())}, torch::kFloat));
      }
      const torch::Tensor present =
          torch::from_blob(features.present.data(),
                           {1, static_cast<int64_t>(features.present.size())}, torch::kUInt8)
              .to(torch::kBool);
      const FusionNetOutput out = net_->Forward(inputs, present, /*stochastic=*/false);
      const torch::Tensor raw = torch::softmax(out.logits, 1).contiguous();
      const torch::Tensor calibrated = torch::softmax(out.logits / temperature, 1).contiguous();
      const torch::Tensor attention = out.weights.contiguous();
      float uncertainty = 0.0f;
      if (mc > 1) {
        std::vector<torch::Tensor> repeated;
        for (const auto& t : inputs) repeated.push_back(t.expand({mc, t.size(1)}).contiguous());
        // Dropout masks from a generator seeded by the input: the same request always gets the
        // same spread (and abstains or not the same way), and concurrent calls share nothing.
        const FusionNetOutput sampled =
            net_->Forward(repeated, present.expand({mc, present.size(1)}).contiguous(),
                          /*stochastic=*/true,
                          at::make_generator<at::CPUGeneratorImpl>(InputSeed(features, mc)));
        const torch::Tensor probs = torch::softmax(sampled.logits / temperature, 1);
        uncertainty = probs.std(0, /*unbiased=*/false).mean().item<float>();
      }
      // Each present modality alone (deterministic, calibrated), when there is more than one:
      // what the model makes of that side by itself, for contradictions.
      std::vector<int> present_slots;
      for (size_t i = 0; i < features.present.size(); ++i) {
        if (features.present[i]) present_slots.push_back(static_cast<int>(i));
      }
      if (present_slots.size() > 1) {
        const int64_t k = static_cast<int64_t>(present_slots.size());
        std::vector<torch::Tensor> solo_inputs;
        for (const auto& t : inputs) solo_inputs.push_back(t.expand({k, t.size(1)}).contiguous());
        torch::Tensor solo_present = torch::zeros({k, present.size(1)}, torch::kBool);
        for (int64_t j = 0; j < k; ++j) solo_present[j][present_slots[j]] = true;
        const FusionNetOutput solo = net_->Forward(solo_inputs, solo_present, /*stochastic=*/false);
        const torch::Tensor solo_p = torch::softmax(solo.logits / temperature, 1).contiguous();
        const float* sp = solo_p.data_ptr<float>();
        const int classes = spec.risk_labels_size();
        for (int64_t j = 0; j < k; ++j) {
          float score = 0.0f;
          int solo_best = 0;
          for (int c = 0; c < classes; ++c) {
            const float p = sp[j * classes + c];
            if (levels_[c] == burnout::v1::RISK_LEVEL_MODERATE) score += 0.5f * p;
            if (levels_[c] == burnout::v1::RISK_LEVEL_HIGH) score += p;
            if (p > sp[j * classes + solo_best]) solo_best = c;
          }
          auto* r = response.add_solo();
          r->set_modality(spec.inputs(present_slots[j]).modality());
          r->set_risk_score(score);
          r->set_level(levels_[solo_best]);
        }
      }
      const float* raw_p = raw.data_ptr<float>();
      const float* cal_p = calibrated.data_ptr<float>();
      int best = 0;
      for (int k = 0; k < spec.risk_labels_size(); ++k) {
        if (!std::isfinite(raw_p[k]) || !std::isfinite(cal_p[k])) {
          return absl::InternalError(
              absl::StrCat("fusion model ", model_path_, " produced a non-finite probability"));
        }
        auto* r = response.add_raw_probabilities();
        r->set_label(spec.risk_labels(k));
        r->set_probability(raw_p[k]);
        auto* c = response.add_calibrated_probabilities();
        c->set_label(spec.risk_labels(k));
        c->set_probability(cal_p[k]);
        if (cal_p[k] > cal_p[best]) best = k;
      }
      const float* att = attention.data_ptr<float>();
      for (int m = 0; m < spec.inputs_size(); ++m) {
        auto* w = response.add_attention();
        w->set_modality(spec.inputs(m).modality());
        w->set_weight(att[m]);  // exactly 0 for absent slots: masked before softmax
      }
      response.set_level(levels_[best]);
      response.set_confidence(cal_p[best]);
      response.set_uncertainty(uncertainty);
      response.set_reliable(cal_p[best] > 0.5f && uncertainty < options.reliable_max_uncertainty);
      const float evidence = Evidence(features);
      response.set_evidence(evidence);
      std::string reason;
      if (options.abstain_min_evidence >= 0 && evidence < options.abstain_min_evidence) {
        reason = absl::StrFormat(
            "not enough signal to estimate a risk: what was given carries too little evidence "
            "(%.2f, below %.2f; a longer text, a longer or clearer recording, or a well-lit face "
            "would help)",
            evidence, options.abstain_min_evidence);
      } else if (options.abstain_uncertainty >= 0 && mc > 1 &&
                 uncertainty > options.abstain_uncertainty) {
        reason = absl::StrFormat(
            "not enough signal to estimate a risk: the model's estimates disagree too much "
            "(spread %.3f over %d passes, above %.3f)",
            uncertainty, mc, options.abstain_uncertainty);
      }
      if (!reason.empty()) {
        response.set_abstained(true);
        response.set_abstain_reason(reason);
        response.set_level(burnout::v1::RISK_LEVEL_UNSPECIFIED);
        response.set_reliable(false);
      }
    } catch (const c10::Error& e) {
      return absl::InternalError(absl::StrCat("fusion forward failed (model ", model_path_,
                                              ", mc_samples ", mc,
                                              "): ", e.what_without_backtrace()));
    } catch (const std::exception& e) {
      return absl::InternalError(absl::StrCat("fusion forward failed (model ", model_path_,
                                              ", mc_samples ", mc, "): ", e.what()));
    }
    response.set_temperature(temperature);
    response.set_variant(variant_);
    for (auto& p : personalized) response.add_personalized(std::move(p));
    *response.mutable_model() = info_;
    auto* timing = response.add_timings();
    timing->set_stage("fusion_model");
    timing->set_millis(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count());
    return response;
  }

  const burnout::v1::ModelManifest& manifest() const override { return manifest_; }

 private:
  burnout::v1::ModelManifest manifest_;
  std::string model_path_;
  std::shared_ptr<FusionNetImpl> net_;  // immutable after Load
  burnout::v1::ModelInfo info_;
  std::vector<burnout::v1::RiskLevel> levels_;
  std::string variant_;
};

struct VariantNames {
  FusionVariant variant;
  const char* name;
  const char* kind;
};

constexpr VariantNames kVariants[] = {
    {FusionVariant::kAttention, "attention", "fusion-attention"},
    {FusionVariant::kCrossAttention, "cross_attention", "fusion-cross-attention"},
    {FusionVariant::kConcat, "concat", "fusion-concat"},
    {FusionVariant::kGated, "gated", "fusion-gated"},
    {FusionVariant::kWeighted, "weighted", "fusion-weighted"},
};

}  // namespace

const std::vector<FusionVariant>& AllFusionVariants() {
  static const auto* all = [] {
    auto* v = new std::vector<FusionVariant>;
    for (const auto& n : kVariants) v->push_back(n.variant);
    return v;
  }();
  return *all;
}

std::string VariantName(FusionVariant variant) {
  for (const auto& n : kVariants) {
    if (n.variant == variant) return n.name;
  }
  return "unknown";
}

std::string VariantKind(FusionVariant variant) {
  for (const auto& n : kVariants) {
    if (n.variant == variant) return n.kind;
  }
  return "unknown";
}

std::optional<FusionVariant> VariantFromName(const std::string& name) {
  for (const auto& n : kVariants) {
    if (name == n.name) return n.variant;
  }
  return std::nullopt;
}

std::optional<FusionVariant> VariantFromKind(const std::string& kind) {
  for (const auto& n : kVariants) {
    if (kind == n.kind) return n.variant;
  }
  return std::nullopt;
}

absl::StatusOr<std::unique_ptr<FusionModel>> FusionModel::Load(const std::string& model_dir) {
  BR_ASSIGN_OR_RETURN(burnout::v1::ModelManifest peek, model::ReadManifest(model_dir));
  const std::optional<FusionVariant> variant = VariantFromKind(peek.kind());
  if (!variant) {
    std::vector<std::string> kinds;
    for (FusionVariant v : AllFusionVariants()) kinds.push_back(VariantKind(v));
    return absl::FailedPreconditionError(absl::StrCat(
        model_dir, "/", model::kManifestName, ": kind \"", peek.kind(),
        "\" is not a fusion model; expected one of ", absl::StrJoin(kinds, ", ")));
  }
  BR_ASSIGN_OR_RETURN(model::ModelDir dir, model::OpenModelDir(model_dir, peek.kind()));
  const FusionSpec& spec = dir.manifest.fusion();
  if (absl::Status s = ValidateFusionSpec(spec); !s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(model_dir, "/", model::kManifestName, ": ", s.message()));
  }
  FusionNet net{nullptr};
  try {
    net = FusionNet(NetShape(*variant, spec));
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot build the fusion network for ", dir.model_path, ": ", e.what()));
  }
  BR_RETURN_IF_ERROR(torchx::LoadWeights(*net, dir.model_path, "fusion weights"));
  auto model = std::make_unique<TorchFusionModel>(dir.manifest, dir.model_path, net);
  // Warm-up: one forward with every slot present, so the first request pays no lazy setup.
  FuseRequest warm;
  for (const auto& in : spec.inputs()) {
    burnout::v1::ModalityResult r;
    r.set_modality(in.modality());
    for (const auto& l : in.emotion_labels()) {
      auto* e = r.add_emotions();
      e->set_label(l);
      e->set_probability(1.0f / in.emotion_labels_size());
    }
    for (const auto& f : in.indicators()) {
      auto* ind = r.add_indicators();
      ind->set_name(f.name());
      ind->set_value(f.mean());
    }
    r.set_quality(1.0f);
    if (in.embedding_dim() > 0) {
      r.mutable_embedding()->set_model_id(in.embedding_model_id());
      r.mutable_embedding()->set_dimension(in.embedding_dim());
      for (int i = 0; i < in.embedding_dim(); ++i) r.mutable_embedding()->add_values(0.0f);
    }
    if (in.modality() == burnout::v1::MODALITY_TEXT) *warm.mutable_text() = r;
    if (in.modality() == burnout::v1::MODALITY_VOICE) *warm.mutable_voice() = r;
    if (in.modality() == burnout::v1::MODALITY_FACE) *warm.mutable_face() = r;
  }
  FuseOptions warm_options;
  warm_options.mc_samples = 2;
  if (auto s = model->Fuse(warm, warm_options); !s.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("warm-up of ", dir.model_path, " failed: ", s.status().message()));
  }
  return model;
}

}  // namespace burnout::fusion
