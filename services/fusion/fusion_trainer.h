// Trains the attention fusion model and writes a model directory (model.pt +
// manifest.textproto). No libtorch in this header.
//
// Data: synthetic profiles (synthetic_profiles.h; their voice emotions come from
// `voice_model`'s mapping, their face emotions from `face_outputs`) or a TSV file
// (fusion_dataset.h), split
// 70% train / 15% calibration / 15% validation. Indicator standardisation statistics come
// from the training split. After training, the temperature T is fitted on the calibration
// split (minimum NLL of softmax(logits / T), golden-section search over 1/T); accuracy per
// modality subset, ECE and NLL before/after scaling are measured on the validation split and
// recorded in the manifest's TrainingRecord.
//
// Deterministic: the same options, data and libtorch intra-op thread count give
// byte-identical model.pt and manifest (the trainer program pins one thread).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/model.pb.h"

namespace burnout::schema {
class VoiceMapping;  // common/schema/voice_mapping.h
}  // namespace burnout::schema

namespace burnout::fusion {

struct FusionTrainOptions {
  std::string out_dir;  // created if missing
  uint64_t seed = 17;
  int profiles = 30000;  // synthetic profiles (ignored with data_path)
  int epochs = 30;
  int batch_size = 128;
  double learning_rate = 3e-3;
  double weight_decay = 1e-4;
  int hidden_dim = 64;
  int attention_dim = 32;
  double dropout = 0.2;
  std::string data_path;                        // TSV data set instead of synthetic profiles
  // Synthetic profiles only (required without data_path; not owned): the voice model whose
  // mapping turns the generator's voice indicators into voice emotions
  // (synthetic_profiles.h, 4a), and its model info: name, version and sha256 are recorded in
  // the manifest (empty: "an unnamed voice model").
  const burnout::schema::VoiceMapping* voice_model = nullptr;
  burnout::v1::ModelInfo voice_model_info;
  // Synthetic profiles only (required without data_path; not owned): the face expression
  // model's outputs per true label (synthetic_profiles.h, 3a); its model id is recorded.
  const burnout::v1::ExpressionOutputProfile* face_outputs = nullptr;
  // Required for synthetic profiles: the text model's outputs per true label (not owned).
  const burnout::v1::ExpressionOutputProfile* text_outputs = nullptr;
  std::string program;                          // command line recorded in the manifest
  std::function<void(const std::string&)> log;  // progress lines; null = silent
};

struct FusionTrainReport {
  burnout::v1::ModelManifest manifest;  // as written (sha256 filled)
  double temperature = 1.0;
  double seconds = 0.0;
};

absl::StatusOr<FusionTrainReport> TrainFusion(const FusionTrainOptions& options);

// The metric named `name` in `manifest`'s training record, or NaN.
double FindMetric(const burnout::v1::ModelManifest& manifest, const std::string& name);

}  // namespace burnout::fusion
