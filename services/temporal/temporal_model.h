// The GRU trend model (libtorch): a sequence of per-assessment feature vectors, oldest
// first -> improving / stable / worsening.
//
// Lifecycle: Load() once (manifest, weights, warm-up forward), then Predict() from any
// number of threads (forwards under torch::InferenceMode; the module is immutable).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "burnout/v1/model.pb.h"
#include "burnout/v1/temporal.pb.h"

namespace burnout::temporal {

inline constexpr char kTemporalModelKind[] = "temporal-gru";

class TemporalModel {
 public:
  static absl::StatusOr<std::unique_ptr<TemporalModel>> Load(const std::string& model_dir);

  // INVALID_ARGUMENT when feature_names differ from the model's (the message names the first
  // difference), a step has the wrong length or a non-finite value, or there are no steps.
  // Only the newest `max_steps` steps are used.
  virtual absl::StatusOr<burnout::v1::TrendResponse> Predict(
      const burnout::v1::TrendRequest& request, int max_steps) const = 0;
  virtual const burnout::v1::ModelManifest& manifest() const = 0;
  virtual ~TemporalModel() = default;
};

}  // namespace burnout::temporal
