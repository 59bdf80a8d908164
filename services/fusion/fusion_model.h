// The attention fusion model (libtorch): per-modality projector -> Bahdanau attention with
// absent modalities masked to exactly zero weight -> classifier (low / moderate / high),
// temperature-scaled, with MC-dropout uncertainty.
//
// Lifecycle: Load() once (checks the manifest, loads the weights, runs a warm-up forward),
// then Fuse() from any number of threads: forwards run under torch::InferenceMode and the
// module is never switched between train/eval modes (MC dropout is applied functionally).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "burnout/v1/fusion.pb.h"
#include "burnout/v1/model.pb.h"

namespace burnout::fusion {

inline constexpr char kFusionModelKind[] = "fusion-attention";

struct FuseOptions {
  int mc_samples = 20;
  float reliable_max_uncertainty = 0.15f;
};

class FusionModel {
 public:
  static absl::StatusOr<std::unique_ptr<FusionModel>> Load(const std::string& model_dir);

  // INVALID_ARGUMENT when no modality is present, or when a present modality does not match
  // what the model was trained on: the message names the modality and the missing / extra
  // label or indicator.
  virtual absl::StatusOr<burnout::v1::FuseResponse> Fuse(const burnout::v1::FuseRequest& request,
                                                         const FuseOptions& options) const = 0;
  virtual const burnout::v1::ModelManifest& manifest() const = 0;
  virtual ~FusionModel() = default;
};

}  // namespace burnout::fusion
