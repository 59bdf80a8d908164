#include "services/face/face_fatigue.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/face/face_cues.h"

namespace burnout::face {
namespace {

constexpr int64_t kOwnReferenceSpanUs = 5'000'000;
// The person's open reference stays within this factor of the population's.
constexpr double kMinOwnReference = 0.7, kMaxOwnReference = 1.3;

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::lround(q * (v.size() - 1)))];
}

// When a linear interpolation between (t0, v0) and (t1, v1) crosses `level`.
double Crossing(double t0, double v0, double t1, double v1, double level) {
  if (std::abs(v1 - v0) < 1e-12) return 0.5 * (t0 + t1);
  return t0 + std::clamp((level - v0) / (v1 - v0), 0.0, 1.0) * (t1 - t0);
}

}  // namespace

const std::vector<std::string>& FatigueIndicatorNames() {
  static const auto* names = new std::vector<std::string>{
      "perclos", "blink_rate_per_min", "blink_duration_ms", "long_eye_closures",
      "yawns",   "head_nods",          "fatigue_window_s",  "fatigue_sample_fps"};
  return *names;
}

void FatigueTracker::Add(const FatigueSample& sample) {
  if (!samples_.empty() && sample.time_us < samples_.back().time_us) return;
  samples_.push_back(sample);
  while (samples_.size() > 1 && samples_.front().time_us < sample.time_us - options_.window_us) {
    samples_.pop_front();
  }
}

FatigueMeasures FatigueTracker::Measures() const {
  FatigueMeasures m;
  if (samples_.empty()) return m;
  const auto& o = options_;
  std::vector<const FatigueSample*> face;
  for (const auto& s : samples_) {
    if (s.face) face.push_back(&s);
  }
  const double span_us = static_cast<double>(samples_.back().time_us - samples_.front().time_us);
  m.span_s = span_us / 1e6;
  m.sample_fps = span_us > 0 ? (samples_.size() - 1) / (span_us / 1e6) : 0.0;
  if (face.size() < 2) return m;
  const int64_t face_span = face.back()->time_us - face.front()->time_us;
  m.ready = face_span >= o.min_span_us;

  // The open-eye reference: the person's own once there is enough of them.
  std::vector<double> ears;
  for (const auto* s : face) ears.push_back(0.5 * (s->ear_right + s->ear_left));
  double reference = kOpenEyeAspect;
  if (face_span >= kOwnReferenceSpanUs) {
    reference = std::clamp(Percentile(ears, 0.9), kMinOwnReference * kOpenEyeAspect,
                           kMaxOwnReference * kOpenEyeAspect);
  }
  m.open_eye_aspect = reference;
  std::vector<double> closure(face.size());
  for (size_t i = 0; i < face.size(); ++i) {
    closure[i] = std::clamp(1.0 - (ears[i] - kClosedEyeAspect) / (reference - kClosedEyeAspect), 0.0, 1.0);
  }

  // Each frame lasts until the next one (at most max_gap); the last one the median interval.
  std::vector<double> intervals;
  for (size_t i = 0; i + 1 < face.size(); ++i) {
    intervals.push_back(static_cast<double>(std::min(face[i + 1]->time_us - face[i]->time_us, o.max_gap_us)));
  }
  const double last = Percentile(intervals, 0.5);
  double total = 0, closed = 0, closure_sum = 0;
  for (size_t i = 0; i < face.size(); ++i) {
    const double d = i + 1 < face.size() ? intervals[i] : last;
    total += d;
    closure_sum += d * closure[i];
    if (closure[i] >= o.closed_closure) closed += d;
  }
  m.perclos = total > 0 ? closed / total : 0.0;
  m.mean_closure = total > 0 ? closure_sum / total : 0.0;

  // Closure episodes (blinks or long closures): from the interpolated crossing of
  // blink_closure on the way down to the one on the way up; a gap ends an episode, and
  // episodes still open at either end of the window are not counted yet.
  double blink_time = 0;
  for (size_t i = 1; i < face.size(); ++i) {
    if (closure[i] < o.blink_closure || closure[i - 1] >= o.blink_closure) continue;
    if (face[i]->time_us - face[i - 1]->time_us > o.max_gap_us) continue;
    const double start = Crossing(face[i - 1]->time_us, closure[i - 1], face[i]->time_us, closure[i], o.blink_closure);
    size_t j = i;
    while (j + 1 < face.size() && closure[j + 1] >= o.blink_closure &&
           face[j + 1]->time_us - face[j]->time_us <= o.max_gap_us) {
      ++j;
    }
    if (j + 1 >= face.size() || face[j + 1]->time_us - face[j]->time_us > o.max_gap_us) break;
    const double end = Crossing(face[j]->time_us, closure[j], face[j + 1]->time_us, closure[j + 1], o.blink_closure);
    if (end - start <= o.max_blink_us) {
      ++m.blinks;
      blink_time += end - start;
    } else {
      ++m.long_closures;
    }
    i = j + 1;
  }
  const double minutes = total / 60e6;
  m.blink_rate_per_min = minutes > 0 ? m.blinks / minutes : 0.0;
  m.blink_duration_ms = m.blinks ? blink_time / m.blinks / 1000.0 : 0.0;

  // Yawns: the mouth held wide open for at least min_yawn (one in progress counts once it has).
  for (size_t i = 0; i < face.size(); ++i) {
    if (face[i]->mouth_aspect < o.yawn_mouth_aspect) continue;
    size_t j = i;
    while (j + 1 < face.size() && face[j + 1]->mouth_aspect >= o.yawn_mouth_aspect &&
           face[j + 1]->time_us - face[j]->time_us <= o.max_gap_us) {
      ++j;
    }
    const double held = face[j]->time_us - face[i]->time_us + (j + 1 < face.size() ? intervals[j] : last);
    if (held >= o.min_yawn_us) ++m.yawns;
    i = j;
  }

  // Nods: the head drops nod_pitch_deg below its median pitch and comes back (to half of that)
  // within max_nod.
  std::vector<double> pitch;
  for (const auto* s : face) pitch.push_back(s->pitch_deg);
  const double baseline = Percentile(pitch, 0.5);
  for (size_t i = 0; i < face.size(); ++i) {
    if (pitch[i] - baseline < o.nod_pitch_deg) continue;
    size_t j = i;
    while (j + 1 < face.size() && pitch[j + 1] - baseline > 0.5 * o.nod_pitch_deg) ++j;
    if (j + 1 >= face.size()) break;  // still down
    if (face[j + 1]->time_us - face[i]->time_us <= o.max_nod_us) ++m.head_nods;
    i = j + 1;
  }
  return m;
}

std::string DescribeFatigue(const FatigueMeasures& m, const FatigueOptions& o) {
  if (!m.ready) {
    return absl::StrFormat(
        "Tiredness over time (eyelid closure, blinks, yawns, head nods) is measured once %.0f s of frames "
        "with your face are in (%.0f s so far).",
        o.min_span_us / 1e6, m.span_s);
  }
  std::string out = absl::StrFormat(
      "Over the last %.0f s your eyes were at least %.0f%% closed %.0f%% of the time (PERCLOS %.2f; "
      "drowsiness studies treat 0.15 and more as drowsy).",
      m.span_s, 100 * o.closed_closure, 100 * m.perclos, m.perclos);
  absl::StrAppend(&out, absl::StrFormat(
                            " You blinked %.0f times a minute (about 15-20 is usual at rest)", m.blink_rate_per_min));
  if (m.blinks > 0) {
    absl::StrAppend(&out, absl::StrFormat(", %.0f ms on average (drowsy blinks last longer than about 300 ms)",
                                          m.blink_duration_ms));
  }
  absl::StrAppend(&out, ".");
  if (m.sample_fps > 0 && m.sample_fps < 10) {
    absl::StrAppend(&out, absl::StrFormat(" At %.0f analysed frames a second short blinks can fall between frames, "
                                          "so the rate is a lower bound.",
                                          m.sample_fps));
  }
  std::vector<std::string> events;
  if (m.long_closures > 0) {
    events.push_back(absl::StrFormat("%d eye closure%s longer than %.1f s", m.long_closures,
                                     m.long_closures == 1 ? "" : "s", o.max_blink_us / 1e6));
  }
  if (m.yawns > 0) events.push_back(absl::StrFormat("%d yawn%s", m.yawns, m.yawns == 1 ? "" : "s"));
  if (m.head_nods > 0) events.push_back(absl::StrFormat("%d head nod%s", m.head_nods, m.head_nods == 1 ? "" : "s"));
  if (events.empty()) {
    absl::StrAppend(&out, " No long eye closures, yawns or head nods.");
  } else {
    std::string list;
    for (size_t i = 0; i < events.size(); ++i) {
      absl::StrAppend(&list, i == 0 ? "" : (i + 1 == events.size() ? " and " : ", "), events[i]);
    }
    absl::StrAppend(&out, " There ", events.size() == 1 && (m.long_closures + m.yawns + m.head_nods) == 1 ? "was " : "were ",
                    list, ".");
  }
  return out;
}

}  // namespace burnout::face
