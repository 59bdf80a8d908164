// Generator inputs for fusion tests. The synthetic generator needs a voice model (its voice
// emotions come from the voice model's mapping, synthetic_profiles.h 4a) and the face
// expression and text models' measured outputs (3a, 3):
//  - ShippedFaceOutputs(), ShippedTextOutputs(): services/fusion/data/*_outputs.textproto (cwd =
//    source root), the outputs the shipped fusion checkpoint was trained with.
//  - SpecVoiceModel(): built in memory with VoiceMapping::FromSpec: a mapping of the same form
//    as burnout-build-voice-model's (a snapshot of its weights and literature references,
//    made-up scales for the calibrated spectral and MFCC features; it need not track the
//    shipped numbers). Needs no files.
//  - ShippedVoiceModel(): models/voice-acoustic/1 (cwd = source root), the model the
//    shipped fusion checkpoint was trained with. Aborts the test binary if it cannot load.
//  - SyntheticTraining(): trainer options on synthetic profiles with the three above.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "burnout/v1/model.pb.h"
#include "common/config/config.h"
#include "google/protobuf/text_format.h"
#include "services/fusion/fusion_trainer.h"
#include "services/fusion/synthetic_profiles.h"
#include "common/schema/voice_mapping.h"

namespace burnout::fusion {

inline constexpr char kTestVoiceSpec[] = R"pb(
  labels: [ "neutral", "happy", "angry", "sad" ]
  features { name: "speech_ratio" mean: 0.75 std: 0.12 }
  features { name: "pause_mean_s" mean: 0.6 std: 0.3 }
  features { name: "speaking_rate_sps" mean: 3.8 std: 0.9 }
  features { name: "articulation_rate_sps" mean: 4.8 std: 0.9 }
  features { name: "pitch_variability_st" mean: 3.0 std: 1.0 }
  features { name: "f0_range_st" mean: 10.0 std: 3.5 }
  features { name: "f0_peak_st" mean: 5.0 std: 1.8 }
  features { name: "jitter_local" mean: 0.02 std: 0.01 }
  features { name: "shimmer_local_db" mean: 1.0 std: 0.4 }
  features { name: "energy_variability_db" mean: 7.0 std: 2.5 }
  features { name: "hnr_db" mean: 9.0 std: 4.0 }
  features { name: "spectral_centroid_hz" mean: 1500.0 std: 400.0 }
  features { name: "hammarberg_index_db" mean: 16.0 std: 5.0 }
  features { name: "mfcc1_mean" mean: 10.0 std: 5.0 }
  arousal { feature: "pitch_variability_st" weight: 0.35 }
  arousal { feature: "f0_range_st" weight: 0.10 }
  arousal { feature: "f0_peak_st" weight: 0.10 }
  arousal { feature: "speaking_rate_sps" weight: 0.25 }
  arousal { feature: "articulation_rate_sps" weight: 0.10 }
  arousal { feature: "hammarberg_index_db" weight: -0.10 }
  tension { feature: "hnr_db" weight: -0.35 }
  tension { feature: "jitter_local" weight: 0.20 }
  tension { feature: "shimmer_local_db" weight: 0.20 }
  tension { feature: "hammarberg_index_db" weight: -0.25 }
  logits { label: "neutral" bias: 0.6 abs_arousal: -1.0 }
  logits { label: "happy" arousal: 1.0 tension: -0.8 }
  logits { label: "angry" bias: -0.3 arousal: 0.8 tension: 1.0 }
  logits { label: "sad" arousal: -1.2 }
  temperature: 1.0
  evidence_voiced_s: 3.0
  z_clamp: 3.0
)pb";

inline const schema::VoiceMapping& SpecVoiceModel() {
  static const schema::VoiceMapping* model = [] {
    burnout::v1::VoiceAcousticModel spec;
    if (!google::protobuf::TextFormat::ParseFromString(kTestVoiceSpec, &spec)) std::abort();
    auto m = schema::VoiceMapping::FromSpec(std::move(spec));
    if (!m.ok()) {
      std::fprintf(stderr, "test voice spec: %s\n", std::string(m.status().message()).c_str());
      std::abort();
    }
    return m->release();
  }();
  return *model;
}

inline const schema::VoiceMapping& ShippedVoiceModel() {
  static const schema::VoiceMapping* model = [] {
    auto m = schema::VoiceMapping::Load("models/voice-acoustic/1");
    if (!m.ok()) {
      std::fprintf(stderr, "shipped voice model (run from the source root): %s\n",
                   std::string(m.status().message()).c_str());
      std::abort();
    }
    return m->release();
  }();
  return *model;
}

inline const burnout::v1::ExpressionOutputProfile& ShippedOutputs(const char* path) {
  auto* p = new burnout::v1::ExpressionOutputProfile;
  if (auto s = config::LoadTextProto(path, p); !s.ok()) {
    std::fprintf(stderr, "shipped model outputs (run from the source root): %s\n", std::string(s.message()).c_str());
    std::abort();
  }
  return *p;
}
inline const burnout::v1::ExpressionOutputProfile& ShippedFaceOutputs() {
  static const auto& outputs = ShippedOutputs("services/fusion/data/fer2013_expression_outputs.textproto");
  return outputs;
}
inline const burnout::v1::ExpressionOutputProfile& ShippedTextOutputs() {
  static const auto& outputs = ShippedOutputs("services/fusion/data/goemotions_text_outputs.textproto");
  return outputs;
}

// The generator's options with `model` as the voice model and the shipped face and text outputs.
inline ProfileOptions WithVoice(const schema::VoiceMapping& model) {
  ProfileOptions o;
  o.voice_model = &model;
  o.face_outputs = &ShippedFaceOutputs();
  o.text_outputs = &ShippedTextOutputs();
  return o;
}

// Trainer options for a small synthetic run into `out_dir`: the spec voice model and the shipped
// face and text outputs.
inline FusionTrainOptions SyntheticTraining(const std::string& out_dir, int profiles, int epochs) {
  FusionTrainOptions o;
  o.voice_model = &SpecVoiceModel();
  o.face_outputs = &ShippedFaceOutputs();
  o.text_outputs = &ShippedTextOutputs();
  o.profiles = profiles;
  o.epochs = epochs;
  o.out_dir = out_dir;
  return o;
}

}  // namespace burnout::fusion
