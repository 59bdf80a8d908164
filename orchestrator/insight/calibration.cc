#include "orchestrator/insight/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace burnout::insight {
namespace {

constexpr double kBiasWorthSaying = 5;  // CBI points; a smaller mean offset is "no offset"

bool ByTime(const TimedValue& a, const TimedValue& b) { return a.time_ms < b.time_ms; }

double Mean(const std::vector<double>& v) {
  return std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

bool Constant(const std::vector<double>& v) {
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *lo == *hi;
}

// 1-based ranks; a run of tied values gets the mean of the ranks it spans.
std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&v](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> ranks(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

std::string Tracking(double rho) {
  if (rho >= 0.7) return "has tracked your check-ins closely";
  if (rho >= 0.4) return "has tracked your check-ins moderately";
  if (rho >= 0.1) return "has tracked your check-ins only weakly";
  if (rho > -0.1) return "has not tracked your check-ins";
  return "has tended to move against your check-ins";
}

std::string CheckinCount(int n) { return absl::StrCat(n, n == 1 ? " check-in" : " check-ins"); }

std::string Summary(const Agreement& a) {
  if (a.pairs == 0) {
    return absl::StrCat("No check-ins paired with an assessment yet; agreement needs at least ",
                        kMinAgreementPairs, ".");
  }
  if (a.pairs < kMinAgreementPairs) {
    return absl::StrCat(CheckinCount(a.pairs), " so far; agreement needs at least ",
                        kMinAgreementPairs, ".");
  }
  std::string s;
  if (a.spearman.has_value()) {
    s = absl::StrFormat("Your passive estimate %s (\u03c1 = %.2f over %s)", Tracking(*a.spearman),
                        *a.spearman, CheckinCount(a.pairs));
  } else {
    s = absl::StrCat("Over ", CheckinCount(a.pairs),
                     ", your check-ins or your passive estimate have not varied enough to tell "
                     "whether they move together");
  }
  const long bias = std::lround(*a.mean_bias);
  if (std::labs(bias) >= kBiasWorthSaying) {
    absl::StrAppend(&s, ", and it reads about ", std::labs(bias), " points ",
                    bias < 0 ? "lower" : "higher", " than your own check-ins.");
  } else {
    absl::StrAppend(&s, ", with no consistent offset from your own check-ins.");
  }
  return s;
}

}  // namespace

std::vector<CalibrationPair> PairCheckins(const std::vector<TimedValue>& checkins,
                                          const std::vector<TimedValue>& assessments,
                                          int64_t window_ms) {
  std::vector<CalibrationPair> pairs;
  if (window_ms <= 0) return pairs;
  std::vector<TimedValue> sorted;
  for (const auto& a : assessments) {
    if (std::isfinite(a.value)) sorted.push_back(a);
  }
  std::stable_sort(sorted.begin(), sorted.end(), ByTime);
  std::vector<double> prefix(sorted.size() + 1, 0.0);  // prefix[i] = sum of the first i values
  for (size_t i = 0; i < sorted.size(); ++i) prefix[i + 1] = prefix[i] + sorted[i].value;

  std::vector<TimedValue> ordered;
  for (const auto& c : checkins) {
    if (std::isfinite(c.value)) ordered.push_back(c);
  }
  std::stable_sort(ordered.begin(), ordered.end(), ByTime);
  for (const auto& c : ordered) {
    // Assessments with c.time_ms - window_ms < time <= c.time_ms.
    const auto first = std::upper_bound(sorted.begin(), sorted.end(),
                                        TimedValue{c.time_ms - window_ms, 0}, ByTime);
    const auto last = std::upper_bound(sorted.begin(), sorted.end(), c, ByTime);
    const auto count = last - first;
    if (count <= 0) continue;
    const size_t lo = first - sorted.begin(), hi = last - sorted.begin();
    CalibrationPair p;
    p.time_ms = c.time_ms;
    p.passive = (prefix[hi] - prefix[lo]) / static_cast<double>(count);
    p.checkin = c.value;
    p.assessments = static_cast<int>(count);
    pairs.push_back(p);
  }
  return pairs;
}

std::optional<double> PearsonCorrelation(const std::vector<double>& x,
                                         const std::vector<double>& y) {
  if (x.size() != y.size() || x.size() < static_cast<size_t>(kMinAgreementPairs)) {
    return std::nullopt;
  }
  if (Constant(x) || Constant(y)) return std::nullopt;
  const double mx = Mean(x), my = Mean(y);
  double sxx = 0, syy = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  if (!(sxx > 0) || !(syy > 0)) return std::nullopt;
  const double r = sxy / std::sqrt(sxx * syy);
  if (!std::isfinite(r)) return std::nullopt;
  return std::clamp(r, -1.0, 1.0);
}

std::optional<double> SpearmanCorrelation(const std::vector<double>& x,
                                          const std::vector<double>& y) {
  if (x.size() != y.size()) return std::nullopt;
  return PearsonCorrelation(Ranks(x), Ranks(y));
}

Agreement MeasureAgreement(const std::vector<CalibrationPair>& pairs) {
  Agreement a;
  std::vector<double> passive, checkin;
  for (const auto& p : pairs) {
    if (!std::isfinite(p.passive) || !std::isfinite(p.checkin)) continue;
    passive.push_back(100.0 * p.passive);
    checkin.push_back(p.checkin);
  }
  a.pairs = static_cast<int>(passive.size());
  if (a.pairs > 0) {
    double abs_sum = 0, signed_sum = 0;
    for (size_t i = 0; i < passive.size(); ++i) {
      abs_sum += std::fabs(passive[i] - checkin[i]);
      signed_sum += passive[i] - checkin[i];
    }
    a.mean_abs_diff = abs_sum / a.pairs;
    a.mean_bias = signed_sum / a.pairs;
  }
  a.pearson = PearsonCorrelation(passive, checkin);
  a.spearman = SpearmanCorrelation(passive, checkin);
  a.summary = Summary(a);
  return a;
}

PersonalCalibration FitCalibration(const std::vector<CalibrationPair>& pairs,
                                   const CalibrationOptions& options) {
  std::vector<double> x, y;
  for (const auto& p : pairs) {
    if (!std::isfinite(p.passive) || !std::isfinite(p.checkin)) continue;
    x.push_back(100.0 * p.passive);
    y.push_back(p.checkin);
  }
  PersonalCalibration c;
  c.pairs = static_cast<int>(x.size());
  c.active = c.pairs >= options.min_pairs;
  if (x.empty()) return c;  // the identity

  const double n0 = std::max(0.0, options.prior_pairs);
  const double s0 = std::max(0.0, options.prior_spread);
  const double n = static_cast<double>(x.size());
  const double mx = Mean(x), my = Mean(y);
  double sxx = 0, sxy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
  }
  const double prior = n0 * s0 * s0;
  const double denom = sxx + prior;
  // No spread in the data nor in the prior: the slope is not identified; keep the prior's.
  const double slope = denom > 0 ? (sxy + prior) / denom : 1.0;
  c.slope = std::max(0.0, slope);
  const double level = (n * my + n0 * mx) / (n + n0);
  c.intercept = level - c.slope * mx;
  return c;
}

double Calibrate(const PersonalCalibration& calibration, double passive) {
  if (std::isnan(passive)) return passive;
  const double x = 100.0 * std::clamp(passive, 0.0, 1.0);
  if (!calibration.active) return x;
  return std::clamp(calibration.intercept + calibration.slope * x, 0.0, 100.0);
}

}  // namespace burnout::insight
