// The fatigue a face shows over time, as driver-drowsiness research measures it, from the
// landmark measures of a stream's analysed frames: PERCLOS (the share of time the eyes are at
// least 80% closed; Wierwille et al. 1994, Dinges & Grace 1998), blink rate and mean blink
// duration (Schleicher et al. 2008; Caffier et al. 2003), long eye closures, yawns and head
// nods — each over a rolling window (60 s by default) ending at the newest frame. Plain C++,
// no OpenCV, no models; not thread-safe (one per stream).
//
// Eye closure is measured against the person's own open eye: the 90th percentile of their eye
// aspect ratio in the window (once 5 s of frames are in it; before, the population reference
// kOpenEyeAspect), so narrow eyes are not read as closing ones:
//   closure = 1 - (EAR - kClosedEyeAspect) / (open reference - kClosedEyeAspect), in [0, 1].
// A frame's duration is the time to the next frame, at most `max_gap_ms` (a gap in the stream
// does not count as open or closed time). The measures need frames at least every ~100 ms to
// see every blink; at the 5 frames a second live sessions analyse by default a short blink can
// fall between two frames, so the blink rate is a lower bound and durations are coarse (one
// frame = 200 ms); PERCLOS, long closures, yawns and nods are resolved at that rate.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace burnout::face {

struct FatigueOptions {
  int64_t window_us = 60'000'000;       // the rolling window
  int64_t min_span_us = 10'000'000;     // measures are reported once the window spans this
  int64_t max_gap_us = 500'000;         // a frame counts for at most this long
  double closed_closure = 0.8;          // PERCLOS: eyes at least this closed
  double blink_closure = 0.5;           // a blink starts when closure passes this ...
  int64_t max_blink_us = 500'000;       // ... and ends within this; longer is a long closure
  double yawn_mouth_aspect = 0.55;      // inner-lip gap / mouth width of a yawn ...
  int64_t min_yawn_us = 1'000'000;      // ... held at least this long
  double nod_pitch_deg = 15.0;          // a nod: the head drops this far below its median ...
  int64_t max_nod_us = 3'000'000;       // ... and comes back (to half of it) within this
};

// One analysed frame.
struct FatigueSample {
  int64_t time_us = 0;
  bool face = false;         // landmarks were placed (otherwise the frame only marks time)
  double ear_right = 0, ear_left = 0;
  double mouth_aspect = 0;
  double pitch_deg = 0;
};

struct FatigueMeasures {
  bool ready = false;               // the window spans min_span_us of frames with a face
  double span_s = 0;                // time the window covers
  double sample_fps = 0;            // analysed frames per second in it
  double perclos = 0;               // 0..1
  double blink_rate_per_min = 0;
  double blink_duration_ms = 0;     // mean over the window's blinks (0 without blinks)
  int blinks = 0;
  int long_closures = 0;            // closures longer than max_blink_us
  int yawns = 0;
  int head_nods = 0;
  double open_eye_aspect = 0;       // the open reference in use
  double mean_closure = 0;          // 0..1
};

class FatigueTracker {
 public:
  explicit FatigueTracker(FatigueOptions options = {}) : options_(options) {}

  // `sample.time_us` must not go backwards (a backwards sample is ignored).
  void Add(const FatigueSample& sample);
  // The measures over the window ending at the newest sample.
  FatigueMeasures Measures() const;
  int samples() const { return static_cast<int>(samples_.size()); }

 private:
  FatigueOptions options_;
  std::deque<FatigueSample> samples_;
};

// The indicator names FatigueMeasures become (perclos, blink_rate_per_min, ...), in order.
const std::vector<std::string>& FatigueIndicatorNames();

// One plain-language finding about the measures ("Over the last 60 s your eyes were at least
// 80% closed 12% of the time (PERCLOS 0.12) ..."), or, before they are ready, how long until
// they are. Observations with the research's reference points, never a diagnosis.
std::string DescribeFatigue(const FatigueMeasures& m, const FatigueOptions& options);

}  // namespace burnout::face
