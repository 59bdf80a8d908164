// The trend model's time feature, shared by the orchestrator (which computes it from the
// assessments' created_at_ms) and the synthetic sequence generator (which trains on it).
// Header-only, no libtorch, in common/ so the orchestrator and the temporal service share it
// without depending on each other.
#pragma once

#include <cmath>

namespace burnout::temporal {

// Name of the 11th trend feature, after energy ... sadness (DefaultTrendFeatureNames()).
inline constexpr char kGapDaysFeature[] = "gap_days";

// Gaps at or beyond this many days encode as 1.
inline constexpr double kGapDaysSaturation = 30.0;

// The time since the previous assessment in the sequence, in days, encoded in [0, 1] as
// min(1, ln(1 + days) / ln(1 + 30)): 0 -> 0, 1 h -> 0.012, 1 day -> 0.20, 1 week -> 0.61,
// 2 weeks -> 0.79, 30 days or more (and +inf) -> 1. The first assessment of a sequence has 0;
// so do a negative gap (clock skew) and NaN.
inline double EncodeGapDays(double days) {
  if (!(days > 0.0)) return 0.0;  // also NaN
  if (!std::isfinite(days)) return 1.0;
  const double v = std::log1p(days) / std::log1p(kGapDaysSaturation);
  return v < 1.0 ? v : 1.0;
}

}  // namespace burnout::temporal
