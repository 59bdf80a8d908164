#include "common/schema/voice_mapping.h"

#include <algorithm>
#include <cmath>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/model/model_dir.h"
#include "common/schema/voice_schema.h"
#include "common/status/macros.h"

namespace burnout::schema {

using burnout::v1::VoiceAcousticModel;

absl::StatusOr<std::unique_ptr<const VoiceMapping>> VoiceMapping::FromSpec(VoiceAcousticModel spec) {
  if (spec.labels_size() < 2) {
    return absl::FailedPreconditionError("voice model needs at least two labels");
  }
  if (!(spec.temperature() > 0) || !(spec.evidence_voiced_s() > 0) || !(spec.z_clamp() > 0)) {
    return absl::FailedPreconditionError(
        "voice model: temperature, evidence_voiced_s and z_clamp must be positive");
  }
  std::unique_ptr<VoiceMapping> m(new VoiceMapping(std::move(spec)));
  const auto& s = m->spec_;
  absl::flat_hash_map<std::string, int> position;
  for (int i = 0; i < s.features_size(); ++i) {
    const auto& f = s.features(i);
    const int idx = VoiceIndicatorIndex(f.name().c_str());
    if (idx < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("voice model: feature '", f.name(), "' is not an acoustic indicator"));
    }
    if (!(f.std() > 0) || !std::isfinite(f.mean())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "voice model: feature '", f.name(), "' needs a finite mean and a positive std"));
    }
    if (!position.emplace(f.name(), i).second) {
      return absl::FailedPreconditionError(
          absl::StrCat("voice model: feature '", f.name(), "' is listed twice"));
    }
    m->feature_index_.push_back(idx);
  }
  m->arousal_w_.assign(s.features_size(), 0.0);
  m->tension_w_.assign(s.features_size(), 0.0);
  auto resolve = [&](const auto& weights, std::vector<double>* out, const char* what) -> absl::Status {
    for (const auto& w : weights) {
      auto it = position.find(w.feature());
      if (it == position.end()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "voice model: ", what, " weight names '", w.feature(), "', which is not a feature"));
      }
      (*out)[it->second] += w.weight();
    }
    return absl::OkStatus();
  };
  BR_RETURN_IF_ERROR(resolve(s.arousal(), &m->arousal_w_, "arousal"));
  BR_RETURN_IF_ERROR(resolve(s.tension(), &m->tension_w_, "tension"));
  absl::flat_hash_set<std::string> with_logit;
  for (const auto& l : s.logits()) with_logit.insert(l.label());
  for (const auto& label : s.labels()) {
    if (!with_logit.contains(label)) {
      return absl::FailedPreconditionError(absl::StrCat("voice model: label '", label, "' has no logit"));
    }
  }
  if (s.logits_size() != s.labels_size()) {
    return absl::FailedPreconditionError("voice model: one logit per label is expected");
  }
  m->voiced_ratio_ = VoiceIndicatorIndex("voiced_ratio");
  m->duration_ = VoiceIndicatorIndex("duration_s");
  return std::unique_ptr<const VoiceMapping>(std::move(m));
}

absl::StatusOr<std::unique_ptr<const VoiceMapping>> VoiceMapping::Load(const std::string& model_dir,
                                                                       burnout::v1::ModelInfo* info) {
  VoiceAcousticModel spec;
  std::string path;
  BR_ASSIGN_OR_RETURN(burnout::v1::ModelInfo loaded, model::LoadTextModel(model_dir, kVoiceModelKind, &spec, &path));
  auto m = FromSpec(std::move(spec));
  if (!m.ok()) return absl::FailedPreconditionError(absl::StrCat(path, ": ", m.status().message()));
  if (info != nullptr) *info = std::move(loaded);
  return m;
}

VoiceEstimate VoiceMapping::Estimate(const std::vector<double>& values, double quality) const {
  const auto& s = spec_;
  const int nf = s.features_size();
  VoiceEstimate e;
  e.embedding.resize(nf);
  std::vector<double> z(nf);
  for (int i = 0; i < nf; ++i) {
    const auto& f = s.features(i);
    const double v = values[static_cast<size_t>(feature_index_[i])];
    z[i] = std::clamp((v - f.mean()) / f.std(), -static_cast<double>(s.z_clamp()), static_cast<double>(s.z_clamp()));
    if (!std::isfinite(z[i])) z[i] = 0.0;
    e.embedding[i] = static_cast<float>(z[i]);
    e.arousal += arousal_w_[i] * z[i];
    e.tension += tension_w_[i] * z[i];
  }
  e.valence = kValenceArousalWeight * e.arousal - e.tension;
  const double voiced_s = values[static_cast<size_t>(voiced_ratio_)] * values[static_cast<size_t>(duration_)];
  e.evidence = std::clamp(quality, 0.0, 1.0) * std::min(1.0, voiced_s / s.evidence_voiced_s());
  const double sign = e.arousal >= 0 ? 1.0 : -1.0;
  std::vector<double> logits;
  for (const auto& label : s.labels()) {
    const auto& l = *std::find_if(s.logits().begin(), s.logits().end(),
                                  [&](const auto& x) { return x.label() == label; });
    // Linear in z: coefficient of feature i = a_l * w_a[i] + t_l * w_t[i] + n_l * sign * w_a[i].
    double logit = l.bias();
    for (int i = 0; i < nf; ++i) {
      const double c = (l.arousal() + l.abs_arousal() * sign) * arousal_w_[i] + l.tension() * tension_w_[i];
      const double contribution = c * z[i];
      logit += contribution;
      if (c != 0.0) {
        burnout::v1::Evidence ev;
        ev.set_label(label);
        ev.set_feature(s.features(i).name());
        ev.set_contribution(static_cast<float>(contribution));
        e.contributions.push_back(std::move(ev));
      }
    }
    logits.push_back(logit);
  }
  std::sort(e.contributions.begin(), e.contributions.end(),
            [](const auto& x, const auto& y) { return std::abs(x.contribution()) > std::abs(y.contribution()); });
  const double mx = *std::max_element(logits.begin(), logits.end());
  double sum = 0.0;
  std::vector<double> p(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) {
    p[i] = std::exp((logits[i] - mx) / s.temperature());
    sum += p[i];
  }
  const double uniform = 1.0 / logits.size();
  for (size_t i = 0; i < p.size(); ++i) {
    e.probabilities.push_back(static_cast<float>(e.evidence * p[i] / sum + (1.0 - e.evidence) * uniform));
  }
  return e;
}

}  // namespace burnout::schema
