// How a person's passive risk score agrees with their own CBI check-ins, and a personal
// calibration of the passive score to those check-ins. Pure functions, no I/O; thread-safe.
//
// Units: a passive score is the per-assessment risk in [0, 1] (P(moderate)/2 + P(high)); a
// check-in is a CBI scale score in [0, 100] (cbi.h). Comparisons are in CBI points, with the
// passive score read as 100 * passive. The check-ins are the person's own reading of
// themselves; nothing here is a diagnosis.
//
// Pairing. A check-in at time t pairs with the mean passive score of the person's assessments
// with t - window_ms < time <= t (the window ends at, and includes, the check-in time). A
// check-in with no assessment in its window is not paired.
//
// Agreement. Over the pairs: Spearman's rank correlation (tied values get the mean of their
// ranks), Pearson's correlation, the mean absolute difference |100 * passive - check-in| and
// the mean signed difference (bias; positive = the passive estimate reads higher than the
// check-ins). A correlation is undefined (nullopt) with fewer than 3 pairs or when either
// side does not vary.
//
// Calibration. A per-person line, check-in ~ a + b * x with x = 100 * passive, fitted by
// maximum a posteriori (Bayesian ridge regression) under a Gaussian prior centred on the
// identity (a = 0, b = 1). The prior is written as pseudo-observations: the fit is ordinary
// least squares over the person's n pairs plus `prior_pairs` pseudo check-ins lying exactly
// on the identity line (check-in = x), half at mean(x) - prior_spread and half at
// mean(x) + prior_spread, where mean(x) is over the person's pairs. In closed form, with
// mx, my the means of x and of the check-ins y, Sxx = sum (x - mx)^2, Sxy = sum (x - mx)(y - my),
// n0 = prior_pairs and s0 = prior_spread:
//     b     = (Sxy + n0 * s0^2) / (Sxx + n0 * s0^2)        (floored at 0, see below)
//     level = (n * my + n0 * mx) / (n + n0)                 (the fitted value at x = mx)
//     a     = level - b * mx
// So the level moves from the identity towards the person's check-ins by n / (n + n0) of the
// gap (1 pair: 1/5, 4 pairs: 1/2, 12 pairs: 3/4 with the defaults), and the slope moves only
// as far as the spread of the person's own passive scores supports (Sxx against n0 * s0^2 =
// 1600 with the defaults: 8 pairs spread with sd 14 points move it halfway). The prior's
// variance is in units of the check-in noise, which therefore cancels out of the MAP. A
// negative slope (passive running against the check-ins) is floored at 0, the constrained MAP:
// the calibrated estimate then stays at the person's level instead of reversing the passive
// score. The calibration is `active` only with at least `min_pairs` pairs; until then
// Calibrate returns the uncalibrated 100 * passive. Calibrated values are clipped to [0, 100].
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/insight/timed_value.h"

namespace burnout::insight {

inline constexpr int64_t kDefaultPairingWindowMs = 7LL * 24 * 60 * 60 * 1000;  // 7 days
inline constexpr int kMinAgreementPairs = 3;

// TimedValue (timed_value.h): a passive score in [0, 1], or a check-in in [0, 100].

struct CalibrationPair {
  int64_t time_ms = 0;   // the check-in's time
  double passive = 0;    // mean passive score in the window, [0, 1]
  double checkin = 0;    // the check-in, [0, 100]
  int assessments = 0;   // assessments averaged into `passive` (>= 1)
};

// One pair per check-in that has at least one assessment in (t - window_ms, t], ordered by
// check-in time. Inputs may be in any order. Non-finite values are ignored; a window_ms <= 0
// pairs nothing.
std::vector<CalibrationPair> PairCheckins(const std::vector<TimedValue>& checkins,
                                          const std::vector<TimedValue>& assessments,
                                          int64_t window_ms = kDefaultPairingWindowMs);

struct Agreement {
  int pairs = 0;
  std::optional<double> spearman;       // nullopt: fewer than 3 pairs, or a side is constant
  std::optional<double> pearson;        // likewise
  std::optional<double> mean_abs_diff;  // CBI points; nullopt without pairs
  std::optional<double> mean_bias;      // mean(100 * passive - check-in); nullopt without pairs
  // One plain-English sentence (UTF-8), e.g. "Your passive estimate has tracked your check-ins
  // closely (ρ = 0.81 over 9 check-ins), and it reads about 18 points lower than your own
  // check-ins." or "2 check-ins so far; agreement needs at least 3." The offset is mentioned
  // from 5 points of mean bias.
  std::string summary;
};

Agreement MeasureAgreement(const std::vector<CalibrationPair>& pairs);

// Spearman's rank correlation with tied values given their mean rank; nullopt when the sizes
// differ, n < 3, or either side is constant. Exposed for tests and reuse.
std::optional<double> SpearmanCorrelation(const std::vector<double>& x,
                                          const std::vector<double>& y);
std::optional<double> PearsonCorrelation(const std::vector<double>& x,
                                         const std::vector<double>& y);

struct CalibrationOptions {
  double prior_pairs = 4;    // n0: pseudo check-ins on the identity line (negative -> 0)
  // s0, CBI points: their spread around mean(x) (negative -> 0). A person's own passive scores
  // seldom spread this widely over a few weeks, so the slope moves only when they do; on the
  // simulated people in calibration_test.cc, 10 made undistorted people up to 10% worse
  // (noisy slopes) and 20 to 30 about 2-4%, with the same gain for distorted people.
  double prior_spread = 20;
  int min_pairs = 4;         // fewer pairs -> not active
};

struct PersonalCalibration {
  double intercept = 0;  // a, CBI points
  double slope = 1;      // b
  int pairs = 0;         // pairs the fit used
  bool active = false;   // pairs >= min_pairs
};

// The MAP line described above over the pairs with finite values. Without pairs (or with a
// degenerate prior and no data to replace it) it is the identity.
PersonalCalibration FitCalibration(const std::vector<CalibrationPair>& pairs,
                                   const CalibrationOptions& options = {});

// The calibrated estimate in CBI points, [0, 100], of a passive score in [0, 1] (clamped):
// a + b * 100 * passive clipped to [0, 100] when active, else 100 * passive. NaN for NaN.
double Calibrate(const PersonalCalibration& calibration, double passive);

}  // namespace burnout::insight
