// The fusion model's input contract, shared by the model (serving) and the trainer, so the
// features a checkpoint was trained on are computed by the same code that serves it.
//
// Per modality slot (FusionSpec.inputs, in attention-slot order) the input vector is:
//   [emotion probabilities, looked up BY NAME from ModalityResult.emotions, in the spec's
//    emotion_labels order]
//   [each spec indicator, looked up by name from ModalityResult.indicators, standardised
//    as (value - mean) / std with the spec's statistics; an optional one is followed by a
//    presence input, 1 when the result carries it, and enters as 0, 0 when it does not]
//   [quality, when use_quality]
//   [the embedding's values, when the slot takes one (embedding_dim > 0): it must come from
//    exactly the spec's embedding_model_id with that dimension, else FAILED_PRECONDITION]
// Indicators the spec does not name are ignored (analyzers may emit more than a model uses).
// No libtorch here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/fusion.pb.h"
#include "burnout/v1/model.pb.h"

namespace burnout::fusion {

// Classifier output order of the shipped model and the default for training.
const std::vector<std::string>& DefaultRiskLabels();

// The analyzers' output layout the trainer writes into a new manifest: slots text, voice,
// face with their emotion labels and indicators (mean 0, std 1 until the trainer fills in
// the training-set statistics), quality used.
std::vector<burnout::v1::ModalityInputSpec> DefaultInputSpecs();

// "text", "voice", "face" (lower case, as used in messages and TSV column names).
std::string ModalityName(burnout::v1::Modality modality);

// Length of one slot's feature vector (without the embedding), and of its whole input.
int InputDim(const burnout::v1::ModalityInputSpec& input);
int SlotDim(const burnout::v1::ModalityInputSpec& input);
// The column of indicator j in a slot's vector, and of its presence input (-1 when the
// indicator is not optional).
int IndicatorColumn(const burnout::v1::ModalityInputSpec& input, int j);
int PresenceColumn(const burnout::v1::ModalityInputSpec& input, int j);

// Checks a manifest's FusionSpec: 1..3 slots of distinct known modalities, each with at least
// one emotion label, no duplicate names, finite means and positive finite stds; risk labels
// exactly low / moderate / high (any order); positive dims; dropout in [0, 1); temperature
// positive and finite. Messages name the offending field.
absl::Status ValidateFusionSpec(const burnout::v1::FusionSpec& spec);

// The RiskLevel enum value for a risk label name; RISK_LEVEL_UNSPECIFIED when unknown.
burnout::v1::RiskLevel RiskLevelForLabel(const std::string& label);

// The request's result for `modality`, or nullptr when that field is unset (absent).
const burnout::v1::ModalityResult* FindModality(const burnout::v1::FuseRequest& request,
                                                burnout::v1::Modality modality);

struct FusionFeatures {
  std::vector<std::vector<float>> slots;  // one per spec input (SlotDim); all zeros when absent
  std::vector<uint8_t> present;           // 1 = present, per spec input
  std::vector<float> quality;             // per spec input; 0 when absent
};

// 1 - prod_m (1 - quality_m) over the present slots: the chance that at least one present
// modality is informative, read from the analyzers' own quality values.
float Evidence(const FusionFeatures& features);

// Builds the model input from a request. INVALID_ARGUMENT when no modality is present; when a
// present modality's emotion label set differs from the spec (the message names the
// modality, the missing and the unexpected labels and the expected list); when a label or a
// needed indicator is duplicated; when a needed (not optional) indicator is missing (named); when an
// emotion probability, indicator, quality or embedding value is NaN/Inf or out of range; or when
// a result's `modality` field contradicts the request field it was sent in. FAILED_PRECONDITION
// when a slot takes an embedding and the result's is missing, from another model (an upgraded
// analyzer: the message names both and says to retrain fusion) or of another dimension.
absl::StatusOr<FusionFeatures> ExtractFusionFeatures(const burnout::v1::FusionSpec& spec,
                                                     const burnout::v1::FuseRequest& request);

// Reads the request's indicators relative to the person: for each of `request.baselines` whose
// modality is present, whose indicator the result carries and the spec reads, the value
// becomes mean + std * clamp((value - median) / scale, -3, 3), with the spec's (training
// population's) mean and std. So a person whose pitch always varies little is read as typical
// on a typical day for them, and as flat only when flatter than their own usual. Returns the
// indicators so read ("voice.pitch_variability_st"), in request order. INVALID_ARGUMENT for a
// baseline with a non-finite median or a scale that is not positive, or an unknown modality.
absl::StatusOr<std::vector<std::string>> PersonalizeIndicators(const burnout::v1::FusionSpec& spec,
                                                               burnout::v1::FuseRequest* request);

}  // namespace burnout::fusion
