// Trains a fusion model (any variant, fusion_model.h) and writes a model directory (model.pt +
// manifest.textproto), keeping what the evaluation report needs (FusionEvaluation). No
// libtorch in this header.
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
#include "services/fusion/fusion_model.h"

namespace burnout::schema {
class VoiceMapping;  // common/schema/voice_mapping.h
}  // namespace burnout::schema

namespace burnout::fusion {

struct FusionTrainOptions {
  std::string out_dir;  // created if missing
  FusionVariant variant = FusionVariant::kAttention;
  std::string version = "1";  // the manifest's version; its name is VariantKind(variant)
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
  int embedding_projection = 256;               // where the TSV carries embeddings
  int mc_samples = 20;                          // MC-dropout passes for the spread figures
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

// What the evaluation report (fusion_report.h) shows of one trained variant, measured on the
// validation split (held out from training and from the temperature fit).
struct FusionEvaluation {
  std::string variant;                  // VariantName
  std::vector<std::string> labels;      // risk labels, classifier order
  std::vector<std::string> modalities;  // slot names, slot order
  double temperature = 1.0;
  double train_seconds = 0.0;
  int mc_samples = 0;
  // Validation rows, each shown its own modality subset.
  std::vector<int> truth;
  std::vector<std::vector<double>> raw;         // softmax(logits)
  std::vector<std::vector<double>> calibrated;  // softmax(logits / T)
  std::vector<double> spread;                   // MC-dropout spread of the calibrated probs
  std::vector<double> evidence;                 // 1 - prod(1 - quality) of the shown slots
  std::vector<std::string> subset;              // "text+voice"
  // Every non-empty subset shown on every validation row that observed it.
  struct Subset {
    std::string name;
    std::vector<int> truth, predicted;
  };
  std::vector<Subset> subsets;
  // The five most confident wrong predictions (calibrated), with their inputs in words.
  struct Error {
    double confidence = 0;
    std::string truth, predicted, subset, inputs;
  };
  std::vector<Error> confident_errors;
  // Representations of up to `kReprRows` validation rows shown all they observed: each slot's
  // h_m (rows where it is present) and the fused vector the classifier reads.
  std::vector<std::vector<std::vector<double>>> slot_repr;  // [slot][row][H]
  std::vector<std::vector<int>> slot_repr_truth;            // [slot][row]
  std::vector<std::vector<double>> fused_repr;              // [row][F]
  std::vector<int> fused_repr_truth;
};

inline constexpr int kReprRows = 900;

struct FusionTrainReport {
  burnout::v1::ModelManifest manifest;  // as written (sha256 filled)
  double temperature = 1.0;
  double seconds = 0.0;
  FusionEvaluation evaluation;
};

absl::StatusOr<FusionTrainReport> TrainFusion(const FusionTrainOptions& options);

// The metric named `name` in `manifest`'s training record, or NaN.
double FindMetric(const burnout::v1::ModelManifest& manifest, const std::string& name);

}  // namespace burnout::fusion
