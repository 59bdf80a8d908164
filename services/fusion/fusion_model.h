// The fusion models (libtorch): per-modality projector -> one of five fusion variants
// (attention, cross-modal attention, masked concatenation, gated, weighted average; see
// fusion_net.h), in every one of which an absent modality has exactly zero influence ->
// classifier (low / moderate / high), temperature-scaled, with MC-dropout uncertainty, and an
// abstention when the evidence is too weak or the spread too wide. The manifest's kind names
// the variant, so a model repository can switch variants by hot reload.
//
// Lifecycle: Load() once (checks the manifest, loads the weights, runs a warm-up forward),
// then Fuse() from any number of threads: forwards run under torch::InferenceMode and the
// module is never switched between train/eval modes (MC dropout is applied functionally).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/fusion.pb.h"
#include "burnout/v1/model.pb.h"

namespace burnout::fusion {

enum class FusionVariant { kAttention, kCrossAttention, kConcat, kGated, kWeighted };

// Every variant, in the order reports list them.
const std::vector<FusionVariant>& AllFusionVariants();
// "attention", "cross_attention", "concat", "gated", "weighted" (burnout-train-fusion --variant).
std::string VariantName(FusionVariant variant);
// The manifest kind: "fusion-attention", "fusion-cross-attention", "fusion-concat",
// "fusion-gated", "fusion-weighted".
std::string VariantKind(FusionVariant variant);
std::optional<FusionVariant> VariantFromName(const std::string& name);
std::optional<FusionVariant> VariantFromKind(const std::string& kind);

// Abstention defaults (FusionServiceConfig.abstain_*), chosen from the variants' validation
// figures in the fusion report (services/fusion/README.md, "Abstaining").
inline constexpr float kDefaultAbstainUncertainty = 0.12f;
inline constexpr float kDefaultAbstainMinEvidence = 0.4f;

// Largest number of MC-dropout passes Fuse() accepts.
inline constexpr int kMaxMcSamples = 256;

struct FuseOptions {
  // MC-dropout passes, 1..kMaxMcSamples; 1 = no sampling, uncertainty 0. Fuse() reads only
  // this: the caller (the service) resolves FuseRequest.mc_samples against its default.
  int mc_samples = 20;
  // `reliable` requires confidence > 0.5 and uncertainty below this.
  float reliable_max_uncertainty = 0.15f;
  // Abstain when the MC-dropout spread is above abstain_uncertainty (only measured when
  // mc_samples > 1), or when the evidence 1 - prod(1 - quality) of the present modalities is
  // below abstain_min_evidence. Negative: that check is off.
  float abstain_uncertainty = -1.0f;
  float abstain_min_evidence = -1.0f;
};

class FusionModel {
 public:
  // Opens a model directory (manifest.textproto + model.pt, checksum verified) of any fusion
  // kind (VariantKind), checks the manifest's FusionSpec and that the weights have the shapes it implies, and runs one
  // warm-up forward. FAILED_PRECONDITION / DATA_LOSS naming the file otherwise.
  static absl::StatusOr<std::unique_ptr<FusionModel>> Load(const std::string& model_dir);

  // INVALID_ARGUMENT when no modality is present, or when a present modality does not match
  // what the model was trained on (see fusion_features.h: the message names the modality and
  // the missing / extra label or indicator), on NaN/Inf inputs, or when options.mc_samples is
  // outside [1, kMaxMcSamples]. Probabilities, level and attention come from one
  // deterministic forward; `uncertainty` is the mean over classes of the std of the
  // calibrated probabilities over options.mc_samples dropout passes (0 when mc_samples is 1).
  // INTERNAL if libtorch fails (the message names the model file).
  virtual absl::StatusOr<burnout::v1::FuseResponse> Fuse(const burnout::v1::FuseRequest& request,
                                                         const FuseOptions& options) const = 0;
  virtual const burnout::v1::ModelManifest& manifest() const = 0;
  virtual ~FusionModel() = default;
};

}  // namespace burnout::fusion
