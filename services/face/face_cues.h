// What the face analyzer measures on one face: alignment to the detector's landmarks, the
// crops the models expect, and the named cues (smile, eye openness, mouth geometry, image
// quality) that the default expression model maps to emotions and the service reports as
// indicators. Each cue has a unit and a one-line definition in FaceCueTable().
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "services/face/face_detect.h"

namespace burnout::face {

struct CueDef {
  const char* name;
  const char* unit;        // "score" (0..1), "ratio", "count", "deg", "grey level", ...
  const char* definition;  // one line, for the README and --help of the tools
};

// Every cue, in the order of FaceCues::values. Names are the indicator names.
//   face_detected   1 when a detector found the face, 0 for the centre-crop fallback
//   face_count      faces found in the image
//   face_size       face box side / image short side
//   detector_score  the detector's confidence
//   face_cut        1 when the face box crosses the image border
//   smile           0..1, smile cascade response in the mouth region and mouth widening
//   eyes_open       0..1, eye cascade response in each eye region
//   mouth_open      0..1, dark mouth cavity between the mouth corners
//   mouth_width     mouth-corner distance / inter-ocular distance (landmarks)
//   corner_lift     (nose-to-mouth-corner drop) / inter-ocular distance, lower = corners up
//   roll_deg        head roll from the eye line
//   yaw             nose offset from the eyes' midpoint / inter-ocular distance (-1..1)
//   brightness      mean grey level of the face, 0..255
//   contrast        grey-level standard deviation of the face
//   sharpness       variance of the Laplacian on the descriptor-size grey face
const std::vector<CueDef>& FaceCueTable();
const std::vector<std::string>& FaceCueNames();
int FaceCueIndex(const std::string& name);  // -1 when unknown

struct FaceCues {
  std::vector<double> values;  // FaceCueTable() order; geometry cues fall back to a neutral
                               // value (documented per cue) without landmarks
  bool has_landmarks = false;
  double get(const char* name) const;
};

// The face, aligned: rotated so the eyes are level when landmarks exist, the box squared and
// padded by 10% on each side (the seed's "face region with 10% padding"), parts beyond the
// image filled by border replication.
struct AlignedFace {
  cv::Mat bgr;   // model_side x model_side, 8-bit BGR: the seed ViT's input before
                 // normalisation (224 x 224; FaceModelInput in face_vit.h makes the tensor)
  cv::Mat gray;  // descriptor_side x descriptor_side, 8-bit grey, for cues and the descriptor
  double roll_deg = 0.0;
  bool aligned = false;  // rotated to the landmarks
};

AlignedFace AlignFace(const cv::Mat& bgr, const FaceBox& face, int model_side,
                      int descriptor_side);

// All cues for `face` in `bgr` (the full-resolution image), using `detector`'s eye and smile
// cascades on the aligned crop. `faces_found` is the detection's face count.
FaceCues MeasureCues(const cv::Mat& bgr, const FaceBox& face, const AlignedFace& aligned,
                     int faces_found, FaceDetector& detector);

}  // namespace burnout::face
