// The rolling result of a face stream: the analysed frames of the last window_ms (by capture
// time), summarised as one ModalityResult. Plain C++ over results; no OpenCV.
//
// Summary: emotions are the quality-weighted mean of the frames' (uniform when every frame
// has quality 0); indicators are per-name means (face_detected becomes the fraction of frames
// with a detected face); quality is the mean quality; the embedding is the L2-normalised mean
// of the frames with a detected face (all frames when none); quality issues carry how many
// frames had them; details count the detectors used. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>

#include "burnout/v1/common.pb.h"

namespace burnout::face {

class FaceWindow {
 public:
  explicit FaceWindow(int64_t window_us) : window_us_(window_us) {}

  // Adds an analysed frame and drops frames older than window_us before it.
  void Add(int64_t capture_time_us, const burnout::v1::ModalityResult& frame);

  burnout::v1::ModalityResult Summary() const;
  int frames() const { return static_cast<int>(frames_.size()); }
  double span_s() const;  // newest - oldest capture time

 private:
  struct Frame {
    int64_t time_us;
    burnout::v1::ModalityResult result;
  };
  int64_t window_us_;
  std::deque<Frame> frames_;
};

}  // namespace burnout::face
