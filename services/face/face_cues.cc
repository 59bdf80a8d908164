#include "services/face/face_cues.h"

#include <cmath>
#include <string>
#include <vector>

namespace burnout::face {

const std::vector<CueDef>& FaceCueTable() {
  static const auto* table = new std::vector<CueDef>{
      {"face_detected", "flag", "1 when a detector found the face, 0 for the centre-crop fallback"},
      {"face_count", "count", "faces found in the image"},
      {"face_size", "ratio", "face box side / the image's short side"},
      {"detector_score", "score", "the detector's confidence in the analysed face"},
      {"face_cut", "flag", "1 when the face box crosses the image border"},
      {"smile", "score", "smile cascade response in the mouth region, and mouth widening"},
      {"eyes_open", "score", "eye cascade response in each eye region"},
      {"mouth_open", "score", "dark mouth cavity between the mouth corners"},
      {"mouth_width", "ratio", "mouth-corner distance / inter-ocular distance"},
      {"corner_lift", "ratio", "nose-to-mouth-corner drop / inter-ocular distance (lower: corners up)"},
      {"roll_deg", "deg", "head roll: the eye line's angle to the horizontal"},
      {"yaw", "ratio", "nose offset from the eyes' midpoint / inter-ocular distance"},
      {"brightness", "grey level", "mean grey level of the face, 0..255"},
      {"contrast", "grey level", "standard deviation of the face's grey levels"},
      {"sharpness", "variance", "variance of the Laplacian of the descriptor-size grey face"},
  };
  return *table;
}

const std::vector<std::string>& FaceCueNames() {
  static const auto* names = [] {
    auto* n = new std::vector<std::string>;
    for (const auto& c : FaceCueTable()) n->push_back(c.name);
    return n;
  }();
  return *names;
}

int FaceCueIndex(const std::string& name) {
  const auto& names = FaceCueNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

double FaceCues::get(const char* name) const {
  const int i = FaceCueIndex(name);
  return i < 0 || i >= static_cast<int>(values.size()) ? std::nan("") : values[i];
}

// AlignFace and MeasureCues: below.

}  // namespace burnout::face
