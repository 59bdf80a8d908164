// The default voice model's mapping, as the voice analyzer publishes it: acoustic indicators
// (voice_schema.h) -> arousal, tension and valence -> neutral / happy / angry / sad, read from a
// VoiceAcousticModel (proto/burnout/v1/model.proto; models/voice-acoustic/<N>/). The voice
// service computes its emotions with it, and fusion's trainer computes the emotions it trains
// on with the same code from the same file, so neither needs the other's code. Immutable and
// thread-safe after FromSpec / Load.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/model.pb.h"

namespace burnout::schema {

// valence = kValenceArousalWeight * arousal - tension (z-like). Lively speech leans positive
// and a strained, irregular voice negative (Juslin & Laukka 2003: happiness is lively with
// very little microstructural irregularity; anger and sadness are irregular, sadness also
// slow and flat). Fixed here because VoiceAcousticModel has no valence field; the logits,
// being linear in arousal and tension, are linear in arousal and valence too.
inline constexpr double kValenceArousalWeight = 0.5;

struct VoiceEstimate {
  std::vector<float> probabilities;  // in spec.labels() order, sums to 1
  std::vector<float> embedding;      // z over spec.features(), in order
  double arousal = 0.0;
  double tension = 0.0;
  double valence = 0.0;              // kValenceArousalWeight * arousal - tension
  double evidence = 0.0;             // e in [0, 1]: how far the estimate leaves uniform
  // Exact per-feature logit contributions (before temperature): logit(l) = bias_l + sum.
  std::vector<burnout::v1::Evidence> contributions;
};

class VoiceMapping {
 public:
  // Validates `spec`: every feature an indicator of kVoiceIndicators with a finite mean and a
  // positive std, listed once; weights naming features; one logit per label; positive
  // temperature, evidence_voiced_s and z_clamp. FAILED_PRECONDITION saying what is wrong.
  static absl::StatusOr<std::unique_ptr<const VoiceMapping>> FromSpec(burnout::v1::VoiceAcousticModel spec);
  // A model directory of kind kVoiceModelKind (manifest checked, sha256 verified); errors name
  // the file.
  static absl::StatusOr<std::unique_ptr<const VoiceMapping>> Load(const std::string& model_dir,
                                                                  burnout::v1::ModelInfo* info = nullptr);

  // `values`: every indicator of kVoiceIndicators, in order. `quality` in [0, 1] and the
  // voiced seconds (voiced_ratio x duration) set the evidence: the estimate is shrunk towards
  // uniform by e = quality x min(1, voiced_s / evidence_voiced_s).
  VoiceEstimate Estimate(const std::vector<double>& values, double quality) const;

  const burnout::v1::VoiceAcousticModel& spec() const { return spec_; }

 private:
  explicit VoiceMapping(burnout::v1::VoiceAcousticModel spec) : spec_(std::move(spec)) {}
  burnout::v1::VoiceAcousticModel spec_;
  std::vector<int> feature_index_;             // spec_.features()[i] in kVoiceIndicators
  std::vector<double> arousal_w_, tension_w_;  // per feature position
  int voiced_ratio_ = -1, duration_ = -1;      // indices in kVoiceIndicators
};

}  // namespace burnout::schema
