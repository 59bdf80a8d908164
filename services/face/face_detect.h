// Face detection, a fallback chain in the spirit of the facial-model seed's: YuNet (a CNN,
// through OpenCV 4.6's cv::FaceDetectorYN) when its model file is present, then the Haar
// frontal-face cascade, then the LBP cascade (Debian's opencv-data), and only then a centre
// crop that is flagged as not a detected face. Detection runs on a copy downscaled to
// detect_max_side; boxes and landmarks come back in the input's pixels.
//
// A FaceDetector owns OpenCV classifiers and a dnn::Net, which are not safe to share across
// threads: use one per worker thread (FacePipeline keeps a pool).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "absl/status/statusor.h"
#include "burnout/v1/config.pb.h"

namespace burnout::face {

// kTracked: a stream frame whose face was followed from the previous frame's landmarks;
// kWholeImage: a small picture taken as a face crop (no detector fires on a face that fills it).
enum class DetectorKind { kNone, kYuNet, kHaar, kLbp, kCenterCrop, kTracked, kWholeImage };
// "none", "yunet", "haar", "lbp", "center-crop", "tracked", "whole-image"
const char* DetectorName(DetectorKind kind);

struct FaceBox {
  cv::Rect2f box;    // in the input image's pixels; may extend past the border when cut
  float score = 0;   // detector confidence in [0, 1] (the centre crop has a low fixed one)
  DetectorKind detector = DetectorKind::kNone;
  bool has_landmarks = false;
  // YuNet's order: right eye, left eye, nose tip, right mouth corner, left mouth corner
  // ("right" is the subject's right, on the image's left in a frontal face).
  std::array<cv::Point2f, 5> landmarks{};
  bool cut_at_border = false;  // the face box crosses the image's edge
  float area() const { return box.width * box.height; }
};

struct Detection {
  std::vector<FaceBox> faces;   // largest first; a centre crop is the only entry when used
  DetectorKind detector = DetectorKind::kNone;  // the chain's first detector that found faces
  std::vector<DetectorKind> tried;              // in order
};

class FaceDetector {
 public:
  // Loads the cascades (FAILED_PRECONDITION naming the file when one is missing or corrupt).
  // YuNet is optional: a missing model file, or one whose SHA-256 differs from
  // config.yunet_sha256(), leaves it out and yunet_status() says why.
  static absl::StatusOr<std::unique_ptr<FaceDetector>> Create(
      const burnout::v1::FaceDetectorConfig& config);
  ~FaceDetector();

  // `refine_landmarks`: level YuNet's eye points with the eye cascade (the cascade cues need
  // it; a landmark model places the eyes itself).
  Detection Detect(const cv::Mat& bgr, bool refine_landmarks = true);

  bool has_yunet() const;
  const std::string& yunet_status() const;  // "loaded <path>" or why it is not used

  // Cue cascades, on 8-bit grey regions: eyes (haar_eye) and smiles (haar_smile). Raw
  // detections (no grouping threshold) so callers can grade how strongly a cue fires.
  std::vector<cv::Rect> DetectEyes(const cv::Mat& gray, int min_neighbors);
  std::vector<cv::Rect> DetectSmiles(const cv::Mat& gray, int min_neighbors);

 private:
  struct Impl;
  explicit FaceDetector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace burnout::face
