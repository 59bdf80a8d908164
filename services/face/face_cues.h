// What the face analyzer measures on one face: alignment to the detector's landmarks, the
// crops the models expect, and the named cues (smile, eye openness, mouth geometry, head pose,
// image quality) that the service reports as indicators, the findings explain and the
// face-cues model maps to emotions. Each cue has a unit and a one-line definition in
// FaceCueTable(). Two ways to measure them: from the FaceMesh and Iris landmarks
// (MeasureLandmarkCues, the default), or, when the landmark model is not installed, from
// OpenCV's eye and smile cascades and the detector's five points (MeasureCues, the fallback).
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

// Every cue, in the order of FaceCues::values. Names are the indicator names; the definitions
// (landmarks / cascades) are in face_cues.cc and services/face/README.md.
//   face_detected   1 when a detector (or, for a whole-picture face crop, the landmarks)
//                   found the face, 0 for the centre-crop fallback
//   face_count      faces found in the image
//   face_size       face box side / image short side
//   detector_score  the detector's confidence
//   face_cut        1 when the face box crosses the image border
//   smile           0..1: lip-corner pull and mouth widening (cascades: smile windows)
//   eyes_open       0..1: the mean eye openness (cascades: eye windows)
//   mouth_open      0..1: the inner-lip gap over 0.5 mouth widths (cascades: dark cavity)
//   mouth_width     mouth-corner distance / eye distance
//   corner_lift     (mouth corners' drop below the nose tip) / eye distance, lower = up
//   roll_deg        head roll from the eye line
//   yaw             nose offset from the eyes' midpoint / eye distance (-1..1)
//   brightness      mean grey level of the face, 0..255
//   contrast        grey-level standard deviation of the face
//   sharpness       variance of the Laplacian on the descriptor-size grey face
// Landmarks only:
//   landmark_score      FaceMesh's probability that its crop held a face
//   eye_openness_right  0 closed .. 1 as open as a relaxed eye (above 1: widened), per eye
//   eye_openness_left
//   eye_aspect_ratio    the mean eye aspect ratio (lid gaps / 2 eye widths)
//   mouth_aspect_ratio  inner-lip gap / mouth width
//   lip_corner_pull     (lip centre height - corner height) / eye distance; + = corners raised
//   brow_height         (upper lid - mid brow) / eye distance; lower = brows lowered
//   yaw_deg, pitch_deg  head turn (+: towards the image's right) and tilt (+: down), 3-D mesh
const std::vector<CueDef>& FaceCueTable();
const std::vector<std::string>& FaceCueNames();
int FaceCueIndex(const std::string& name);  // -1 when unknown

struct FaceCues {
  std::vector<double> values;  // FaceCueTable() order; geometry cues fall back to a neutral
                               // value (documented per cue) without landmarks
  std::vector<bool> measured;  // false: not measured this way (reported neither as indicator
                               // nor in findings; the face-cues model counts it at z = 0)
  bool has_landmarks = false;  // geometry from landmarks (FaceMesh, or the detector's 5 points)
  bool from_mesh = false;      // measured from the FaceMesh and Iris landmarks
  double get(const char* name) const;  // NaN when unknown or not measured
};

// The reference eye aspect ratios of MediaPipe Iris contours that eye openness is measured
// against: a relaxed open eye (the median over FER2013 test faces labelled neutral) and a
// closed one (a shared photograph with its lids painted shut).
inline constexpr double kOpenEyeAspect = 0.31;
inline constexpr double kClosedEyeAspect = 0.08;
// Openness from an eye aspect ratio: 0 closed, 1 relaxed-open, clamped to [0, 1.5].
double EyeOpenness(double eye_aspect, double open_reference = kOpenEyeAspect);

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
// cascades on the aligned crop: the fallback when no landmark model is installed.
// `faces_found` is the detection's face count. The landmark-only cues are not measured.
FaceCues MeasureCues(const cv::Mat& bgr, const FaceBox& face, const AlignedFace& aligned,
                     int faces_found, FaceDetector& detector);

// Only the detection and image-quality cues (a face whose landmarks could not be placed, or a
// centre crop, when the landmark model is installed).
FaceCues MeasureImageCues(const cv::Mat& bgr, const FaceBox& face, const AlignedFace& aligned,
                          int faces_found);

struct LandmarkMeasures;  // face_landmarks.h
// All cues from FaceMesh and Iris landmarks (`landmark_score` is FaceMesh's face score): the
// detection and image-quality cues as MeasureCues measures them, the rest from the landmarks.
FaceCues MeasureLandmarkCues(const cv::Mat& bgr, const FaceBox& face, const AlignedFace& aligned,
                             int faces_found, const LandmarkMeasures& landmarks,
                             double landmark_score);

}  // namespace burnout::face
