// The GRU trend model (libtorch): a sequence of per-assessment feature vectors, oldest
// first -> improving / stable / worsening.
//
// Lifecycle: Load() once (manifest, weights, warm-up forward), then Predict() from any
// number of threads (forwards under torch::InferenceMode; the module is immutable).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/model.pb.h"
#include "burnout/v1/temporal.pb.h"

namespace burnout::temporal {

inline constexpr char kTemporalModelKind[] = "temporal-gru";

// The per-assessment features the trainer writes into a new manifest, in order, each in
// [0, 1]: energy, stress, work (the orchestrator's state dimensions; work = engagement), risk (=
// P(moderate) * 0.5 + P(high) of the fusion result), then the assessment's combined emotion
// profile: anger, disgust, fear, joy, neutral, sadness, then gap_days: EncodeGapDays() of the
// days since the previous assessment (trend_features.h; 0 for the first). A loaded model uses
// its manifest's names.
const std::vector<std::string>& DefaultTrendFeatureNames();

// Classifier output order: improving, stable, worsening.
const std::vector<std::string>& DefaultTrendLabels();

class TemporalModel {
 public:
  // Opens a model directory (manifest.textproto + model.pt, checksum verified), checks the
  // TemporalSpec and that the weights have the shapes it implies, and runs one warm-up
  // forward. FAILED_PRECONDITION / DATA_LOSS naming the file otherwise.
  static absl::StatusOr<std::unique_ptr<TemporalModel>> Load(const std::string& model_dir);

  // INVALID_ARGUMENT when feature_names differ from the model's (the message names
  // the first difference), a step has the wrong length, a value is non-finite or outside
  // [0, 1], or there are no steps. Only the newest `max_steps` steps are used (max_steps <= 0:
  // the manifest's max_steps). If the model has a gap_days feature, the first step used gets
  // gap_days 0 whatever the request says: the model sees no step before it. INTERNAL if
  // libtorch fails (the message names the model file).
  virtual absl::StatusOr<burnout::v1::TrendResponse> Predict(
      const burnout::v1::TrendRequest& request, int max_steps) const = 0;
  virtual const burnout::v1::ModelManifest& manifest() const = 0;
  virtual ~TemporalModel() = default;
};

}  // namespace burnout::temporal
