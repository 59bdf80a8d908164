// The default voice emotion model ("voice-acoustic"): acoustic indicators -> arousal and
// tension -> neutral / happy / angry / sad, as documented on VoiceAcousticModel in
// proto/burnout/v1/model.proto and in services/voice/README.md. No libtorch, no gRPC.
//
// Lifecycle: Load() once, then Analyze() from any number of threads (immutable after Load).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/config.pb.h"
#include "burnout/v1/model.pb.h"
#include "common/schema/voice_mapping.h"
#include "common/schema/voice_schema.h"
#include "services/voice/acoustics.h"
#include "services/voice/audio_decode.h"

namespace burnout::voice {

// The model kind, the valence weight and the mapping itself are what the voice analyzer
// publishes (common/schema/voice_mapping.h), so fusion's trainer can use them without this code.
using schema::kValenceArousalWeight;
using schema::kVoiceModelKind;

// Quality checks and their defaults (VoiceQualityConfig fields left at 0 get these).
burnout::v1::VoiceQualityConfig DefaultQualityConfig();

struct QualityVerdict {
  float quality = 1.0f;             // 0..1; each failed check multiplies it down
  std::vector<std::string> issues;  // one readable reason per failed check
};

// Too short, silent, too little voiced speech, clipped, noisy.
QualityVerdict AssessQuality(const AcousticAnalysis& acoustics, const AudioSourceInfo& source,
                             const burnout::v1::VoiceQualityConfig& config);

// The mapping itself, exposed for tests.
using EmotionEstimate = schema::VoiceEstimate;

class VoiceModel {
 public:
  // Opens a model directory (manifest + voice_acoustic.textproto, checksum verified).
  // FAILED_PRECONDITION naming the file when it is missing, corrupt or inconsistent
  // (unknown feature names, labels without logits, non-positive std ...).
  static absl::StatusOr<std::unique_ptr<VoiceModel>> Load(const std::string& model_dir);
  // Validates a spec and builds the model from it (tests, the model builder).
  static absl::StatusOr<std::unique_ptr<VoiceModel>> FromSpec(burnout::v1::VoiceAcousticModel spec,
                                                              burnout::v1::ModelInfo info);

  EmotionEstimate Estimate(const AcousticAnalysis& acoustics, double quality) const;

  // The whole analysis of decoded audio: acoustics, quality, emotions, embedding, evidence,
  // findings a person can check, model info and timings. MODALITY_VOICE.
  burnout::v1::ModalityResult Analyze(const DecodedAudio& audio,
                                      const burnout::v1::VoiceQualityConfig& quality) const;

  const burnout::v1::VoiceAcousticModel& spec() const { return spec_; }
  const burnout::v1::ModelInfo& info() const { return info_; }

 private:
  VoiceModel(std::unique_ptr<const schema::VoiceMapping> mapping, burnout::v1::ModelInfo info);
  std::unique_ptr<const schema::VoiceMapping> mapping_;
  const burnout::v1::VoiceAcousticModel& spec_;
  burnout::v1::ModelInfo info_;
};

// The hand-set mapping with its literature reference values: labels, the reference value of
// every indicator a person can read (speaking and articulation rate, pauses, pitch
// variability, range and peak height, jitter, shimmer, HNR, Hammarberg index; each with its source
// in reference_source), the arousal and tension weights (which use only these), the logits,
// temperature, evidence and clamp. burnout-build-voice-model adds the calibrated spectral and
// MFCC scales to it to write models/voice-acoustic; a TorchScript model's findings and
// acoustic arousal/tension are measured against it, so they match the default model's
// without loading it.
burnout::v1::VoiceAcousticModel ReferenceVoiceSpec();

// The half of a result every voice model shares, all signal processing: the acoustic
// analysis of the whole clip, the quality verdict, the indicators (acoustic ones, clipping,
// source rate and channels), quality and its issues, the findings against `reference`, and the
// "acoustics" timing. MODALITY_VOICE. `signal` (optional) receives the analysis and verdict.
struct SignalAnalysis {
  AcousticAnalysis acoustics;
  QualityVerdict quality;
};
burnout::v1::ModalityResult AnalyzeSignal(const DecodedAudio& audio,
                                          const burnout::v1::VoiceQualityConfig& quality,
                                          const burnout::v1::VoiceAcousticModel& reference,
                                          SignalAnalysis* signal = nullptr);

// Adds one indicator (a non-finite value is written as 0).
void AddIndicator(burnout::v1::ModalityResult* r, const std::string& name, double value,
                  const std::string& unit);

// Plain-language observations against the reference values ("your pitch varied 40% less
// than a typical animated voice (1.8 vs 3.0 semitones)").
std::vector<std::string> DescribeVoice(const AcousticAnalysis& acoustics,
                                       const burnout::v1::VoiceAcousticModel& spec);

}  // namespace burnout::voice
