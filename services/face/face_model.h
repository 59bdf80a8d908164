// The default face expression model ("face-cues"): measured facial cues -> the seven FER
// labels (angry, disgust, fear, happy, neutral, sad, surprise), as documented on
// FaceCueModel in proto/burnout/v1/model.proto and in services/face/README.md; the
// embedding is a uniform-LBP face descriptor. No libtorch, no gRPC.
//
// Lifecycle: Load() once, then use from any number of threads (immutable after Load).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "absl/status/statusor.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/config.pb.h"
#include "burnout/v1/model.pb.h"
#include "services/face/face_cues.h"
#include "services/face/face_detect.h"

namespace burnout::face {

inline constexpr char kFaceModelKind[] = "face-cues";

// Quality checks and their defaults (FaceQualityConfig fields left at 0 get these).
burnout::v1::FaceQualityConfig DefaultFaceQualityConfig();

struct FaceQualityVerdict {
  float quality = 1.0f;             // 0..1; each failed check multiplies it down
  std::vector<std::string> issues;  // one readable reason per failed check
};

// No detected face (centre crop), face too small, cut at the border, too dark, overexposed,
// low contrast, blurred, turned away (|yaw|), several faces (the largest was analysed).
FaceQualityVerdict AssessFaceQuality(const FaceCues& cues, const FaceBox& face,
                                     const burnout::v1::FaceQualityConfig& config);

struct ExpressionEstimate {
  std::vector<float> probabilities;  // in spec.labels() order, sums to 1
  double evidence = 0.0;             // e in [0, 1]: how far the estimate leaves uniform
  // Exact per-cue logit contributions (before temperature): logit(l) = bias_l + sum.
  std::vector<burnout::v1::Evidence> contributions;
};

// Uniform LBP (8 neighbours, radius 1; 58 uniform patterns + 1 for the rest = 59 bins) per
// cell of a grid x grid split of `gray`; each cell's histogram L1-normalised, then the
// square root taken (Hellinger), and the whole vector L2-normalised.
// Size grid * grid * 59.
std::vector<float> LbpDescriptor(const cv::Mat& gray, int grid);

class FaceModel {
 public:
  // Opens a model directory (manifest + face_cues.textproto, checksum verified).
  // FAILED_PRECONDITION naming the file when it is missing, corrupt or inconsistent
  // (unknown cue names, labels without logits, non-positive std ...).
  static absl::StatusOr<std::unique_ptr<FaceModel>> Load(const std::string& model_dir);
  // Validates a spec and builds the model from it (tests, the model builder).
  static absl::StatusOr<std::unique_ptr<FaceModel>> FromSpec(burnout::v1::FaceCueModel spec,
                                                             burnout::v1::ModelInfo info);

  // e = quality * confidence (the detector's; the centre crop's is low).
  ExpressionEstimate Estimate(const FaceCues& cues, double quality, double confidence) const;

  const burnout::v1::FaceCueModel& spec() const { return spec_; }
  const burnout::v1::ModelInfo& info() const { return info_; }

 private:
  FaceModel(burnout::v1::FaceCueModel spec, burnout::v1::ModelInfo info);
  burnout::v1::FaceCueModel spec_;
  burnout::v1::ModelInfo info_;
  std::vector<int> cue_index_;                // spec_.cues()[i] -> FaceCueNames() index
  std::vector<std::vector<double>> weights_;  // [label][cue position]
};

// The shipped face-cues model's spec (face_cue_spec.cc; burnout-build-face-model writes it to
// models/face-cues/1). Its cue references (a relaxed, frontal face) and descriptor_side also
// serve the findings and the cue measurements when a TorchScript expression model is served.
burnout::v1::FaceCueModel DefaultFaceCueSpec();

// Plain-language observations a person can check against their own picture ("You were
// smiling clearly (smile 0.82)", "Your eyes looked half-closed", "No face was found; the
// centre of the picture was analysed instead").
std::vector<std::string> DescribeFace(const FaceCues& cues, const FaceBox& face,
                                      const burnout::v1::FaceCueModel& spec);

}  // namespace burnout::face
