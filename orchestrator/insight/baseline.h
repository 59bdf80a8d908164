// Personal baselines: each person's own usual value of every indicator, and how far a new
// value sits from it, in words a tired person can read. Pure functions, no I/O; thread-safe.
//
// Names are the stored indicator/dimension names ("risk", "stress", "energy", "work",
// "voice.pitch_variability_st", "face.perclos", ...), values in the indicator's own unit.
//
// ComputeBaseline, per name:
//   1. non-finite values are dropped;
//   2. the newest `window` observations are kept: sorted by time_ms descending, ties (same
//      time) by value ascending, so the kept multiset depends only on the observations, not
//      on the order they arrived in;
//   3. with n >= min_observations kept values:
//        median = middle value (mean of the two middle values for even n)
//        mad    = median of |value - median|
//        scale  = max(1.4826 mad, floor), floor = max(ScaleFloor(name), relative_floor |median|)
//      1.4826 mad is the standard deviation of normally spread values, unmoved by a few odd
//      days; the floor keeps a person whose value never changed from getting infinite z-scores.
//   With fewer, only the count is kept (cold start).
//
// Deviate(name, value): z = (value - median) / scale clipped to +-kMaxZ, and the relative change
// (value - median) / |median| when |median| >= kMinRelativeMedian.
//
// DescribeDeviation phrases a deviation: empty when not ready or |z| < 1. Indicators marked
// ratio-scale in the wording table (strictly positive quantities: pitch variability, speaking
// rate, PERCLOS, blink rate, pause length, ...) are phrased by their relative change ("your
// pitch varied 40% less than it usually does for you"); the others (the 0..1 scores, dB
// levels, unknown names) by z: 1 <= |z| < 2 "above"/"below", |z| >= 2 "well above"/"well
// below" ("stress is well above your usual (0.53 against your usual 0.35)").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace burnout::insight {

inline constexpr double kMadToSd = 1.4826;          // 1 / Phi^-1(3/4)
inline constexpr double kMaxZ = 6.0;                // |z| is clipped here
inline constexpr double kMinRelativeMedian = 1e-6;  // below, no relative change

// One stored value: an assessment's time, the indicator's name, its value.
struct Observation {
  int64_t time_ms = 0;
  std::string name;
  double value = 0;
};

struct RobustStats {
  double median = 0;
  double mad = 0;    // median absolute deviation from the median
  double scale = 0;  // max(1.4826 mad, floor) > 0
  int n = 0;         // values the stats are computed from
};

// The default absolute scale floors by name: 0.05 for the 0..1 scores (risk, stress, energy,
// work, and the text's exhaustion, overload, mental_distance, reduced_efficacy, recovery: a
// twentieth of their range), 0.02 for PERCLOS (a share of time, typically 0.03..0.15), 0.5 dB
// for the dB measures (about the smallest loudness step a listener notices), 0.1 st for the
// pitch measures. The relative floor still applies on top (5% of |median|: 1.25 dB for an
// rms_dbfs of -25, 10 Hz for an f0_mean_hz of 200).
std::map<std::string, double> DefaultScaleFloors();

struct BaselineOptions {
  int window = 30;           // newest observations kept per name
  int min_observations = 5;  // fewer: not ready (cold start)
  // The scale floor: max(absolute floor, relative_floor |median|). The absolute floor is
  // scale_floors[name] when given (exact name first, then the part after the last '.'),
  // else absolute_floor.
  double relative_floor = 0.05;
  double absolute_floor = 1e-3;
  std::map<std::string, double> scale_floors = DefaultScaleFloors();
};

// The absolute scale floor for a name under `options` (see BaselineOptions).
double ScaleFloor(const std::string& name, const BaselineOptions& options);

// The robust stats of `values` (any order) with the given absolute floor and relative floor;
// n = 0 and all zero for no values. Exposed for tests and the alerts.
RobustStats ComputeRobustStats(std::vector<double> values, double absolute_floor,
                               double relative_floor);

struct IndicatorBaseline {
  int count = 0;                         // observations kept (<= window)
  std::optional<RobustStats> stats;      // set when count >= min_observations
  int64_t newest_ms = 0, oldest_ms = 0;  // time span of the kept observations
};

struct Baseline {
  int min_observations = 5;  // copied from the options, for the cold-start message
  std::map<std::string, IndicatorBaseline> indicators;           // by name, sorted
  const IndicatorBaseline* Find(const std::string& name) const;  // nullptr when absent
};

Baseline ComputeBaseline(const std::vector<Observation>& observations,
                         const BaselineOptions& options = {});

struct Deviation {
  std::string name;
  double value = 0;
  bool ready = false;  // the name has stats; all below are 0 / unset otherwise
  double median = 0, scale = 0;
  double z = 0;                    // (value - median) / scale, clipped to +-kMaxZ
  std::optional<double> relative;  // (value - median) / |median|, when |median| >= 1e-6
  int have = 0, need = 0;          // observations kept / needed (for ColdStartMessage)
};

Deviation Deviate(const std::string& name, double value, const Baseline& baseline);

// The plain-words name of an indicator ("voice.pitch_variability_st" -> "your pitch varied");
// the name itself when the wording table does not know it.
std::string DisplayName(const std::string& name);

// "your pitch varied 40% less than it usually does for you" / "stress is well above your usual
// (0.53 against your usual 0.35)"; empty when not ready or |z| < 1 (see the header comment).
std::string DescribeDeviation(const Deviation& deviation);

// "3 more assessments to learn your baseline", "1 more assessment to learn your baseline";
// empty when have >= need.
std::string ColdStartMessage(int have, int need);

}  // namespace burnout::insight
