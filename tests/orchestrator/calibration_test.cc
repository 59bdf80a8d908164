// Pairing, agreement and personal calibration; then simulated people: a latent burnout
// trajectory over 63 days, weekly CBI check-ins (latent + noise, sd 8 points) and passive
// assessments on most days (a person-specific distortion of the latent + noise). The random
// numbers come from std::mt19937_64 with fixed seeds through our own uniform and Box-Muller
// transforms (no std:: distributions, whose output differs between standard libraries), so the
// figures printed are the same on every platform.
#include "orchestrator/insight/calibration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

namespace burnout::insight {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kHour = 60LL * 60 * 1000;
constexpr int64_t kDay = 24 * kHour;

CalibrationPair Pair(double passive, double checkin, int64_t t = 0) {
  CalibrationPair p;
  p.time_ms = t;
  p.passive = passive;
  p.checkin = checkin;
  p.assessments = 1;
  return p;
}

// ---- pairing ----

TEST(PairCheckinsTest, MeansTheAssessmentsInTheWindowEndingAtTheCheckin) {
  const int64_t t0 = 1'700'000'000'000;
  // Unsorted on purpose.
  std::vector<TimedValue> assessments = {
      {t0 + 10 * kDay, 0.9},           // after the first check-in, before the second
      {t0 + 1 * kDay, 0.2},
      {t0 + 7 * kDay, 0.4},            // exactly at the first check-in: included
      {t0 + 0 * kDay, 0.7},            // exactly 7 days before it: outside (t - w, t]
      {t0 + 3 * kDay, std::nan("")},   // ignored
  };
  std::vector<TimedValue> checkins = {
      {t0 + 30 * kDay, 50},  // nothing in (day 23, day 30]: not paired
      {t0 + 14 * kDay, 60},  // (day 7, day 14]: 0.9
      {t0 + 7 * kDay, 40},   // (day 0, day 7]: 0.2, 0.4
  };
  auto pairs = PairCheckins(checkins, assessments);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_EQ(pairs[0].time_ms, t0 + 7 * kDay);
  EXPECT_DOUBLE_EQ(pairs[0].passive, 0.3);
  EXPECT_DOUBLE_EQ(pairs[0].checkin, 40);
  EXPECT_EQ(pairs[0].assessments, 2);
  EXPECT_EQ(pairs[1].time_ms, t0 + 14 * kDay);
  EXPECT_DOUBLE_EQ(pairs[1].passive, 0.9);
  EXPECT_EQ(pairs[1].assessments, 1);

  // A wider window reaches the day-0 assessment.
  pairs = PairCheckins(checkins, assessments, 7 * kDay + 1);
  ASSERT_EQ(pairs.size(), 2u);
  EXPECT_NEAR(pairs[0].passive, (0.7 + 0.2 + 0.4) / 3, 1e-12);
  EXPECT_EQ(pairs[0].assessments, 3);
}

TEST(PairCheckinsTest, EmptyInputsAndBadWindowPairNothing) {
  EXPECT_TRUE(PairCheckins({}, {{0, 0.5}}).empty());
  EXPECT_TRUE(PairCheckins({{0, 50}}, {}).empty());
  EXPECT_TRUE(PairCheckins({{0, 50}}, {{0, 0.5}}, 0).empty());
  EXPECT_EQ(PairCheckins({{0, 50}}, {{0, 0.5}}, 1).size(), 1u);
}

// ---- agreement ----

TEST(AgreementTest, PerfectTrackingIsRhoOneWithoutBias) {
  std::vector<CalibrationPair> pairs;
  for (double c : {20.0, 55.0, 35.0, 80.0, 60.0}) pairs.push_back(Pair(c / 100, c));
  Agreement a = MeasureAgreement(pairs);
  EXPECT_EQ(a.pairs, 5);
  ASSERT_TRUE(a.spearman && a.pearson);
  EXPECT_NEAR(*a.spearman, 1.0, 1e-12);
  EXPECT_NEAR(*a.pearson, 1.0, 1e-12);
  EXPECT_NEAR(*a.mean_abs_diff, 0.0, 1e-9);
  EXPECT_NEAR(*a.mean_bias, 0.0, 1e-9);
  EXPECT_EQ(a.summary,
            "Your passive estimate has tracked your check-ins closely (\u03c1 = 1.00 over 5 "
            "check-ins), with no consistent offset from your own check-ins.");
}

TEST(AgreementTest, AntiTrackingIsNegative) {
  std::vector<CalibrationPair> pairs;
  for (double c : {20.0, 55.0, 35.0, 80.0, 60.0}) pairs.push_back(Pair(1.0 - c / 100, c));
  Agreement a = MeasureAgreement(pairs);
  ASSERT_TRUE(a.spearman && a.pearson);
  EXPECT_LT(*a.spearman, 0);
  EXPECT_NEAR(*a.spearman, -1.0, 1e-12);
  EXPECT_THAT(a.summary, HasSubstr("has tended to move against your check-ins"));
  EXPECT_THAT(a.summary, HasSubstr("\u03c1 = -1.00 over 5 check-ins"));
}

TEST(AgreementTest, BiasSignAndSummary) {
  std::vector<CalibrationPair> lower, higher;
  for (double c : {30.0, 50.0, 45.0, 70.0}) {
    lower.push_back(Pair((c - 18) / 100, c));
    higher.push_back(Pair((c + 12) / 100, c));
  }
  Agreement a = MeasureAgreement(lower);
  EXPECT_NEAR(*a.mean_bias, -18, 1e-9);
  EXPECT_NEAR(*a.mean_abs_diff, 18, 1e-9);
  EXPECT_EQ(a.summary,
            "Your passive estimate has tracked your check-ins closely (\u03c1 = 1.00 over 4 "
            "check-ins), and it reads about 18 points lower than your own check-ins.");
  Agreement b = MeasureAgreement(higher);
  EXPECT_NEAR(*b.mean_bias, 12, 1e-9);
  EXPECT_THAT(b.summary, HasSubstr("reads about 12 points higher than your own check-ins."));
}

TEST(AgreementTest, TooFewPairsLeaveCorrelationsUndefined) {
  Agreement none = MeasureAgreement({});
  EXPECT_EQ(none.pairs, 0);
  EXPECT_FALSE(none.spearman || none.pearson || none.mean_abs_diff || none.mean_bias);
  EXPECT_EQ(none.summary,
            "No check-ins paired with an assessment yet; agreement needs at least 3.");

  Agreement one = MeasureAgreement({Pair(0.5, 40)});
  EXPECT_EQ(one.summary, "1 check-in so far; agreement needs at least 3.");
  EXPECT_NEAR(*one.mean_bias, 10, 1e-9);

  Agreement two = MeasureAgreement({Pair(0.5, 40), Pair(0.7, 60)});
  EXPECT_FALSE(two.spearman.has_value());
  EXPECT_FALSE(two.pearson.has_value());
  EXPECT_EQ(two.summary, "2 check-ins so far; agreement needs at least 3.");
}

TEST(AgreementTest, ConstantSideIsUndefinedNotNan) {
  Agreement a = MeasureAgreement({Pair(0.3, 50), Pair(0.5, 50), Pair(0.7, 50), Pair(0.1, 50)});
  EXPECT_EQ(a.pairs, 4);
  EXPECT_FALSE(a.spearman.has_value());
  EXPECT_FALSE(a.pearson.has_value());
  EXPECT_NEAR(*a.mean_bias, -10, 1e-9);
  EXPECT_THAT(a.summary, HasSubstr("have not varied enough"));
  EXPECT_THAT(a.summary, HasSubstr("10 points lower"));
  EXPECT_EQ(a.summary.find("nan"), std::string::npos);
  // Constant up to rounding noise in the mean still counts as constant.
  EXPECT_FALSE(PearsonCorrelation({0.1, 0.1, 0.1}, {1, 2, 3}).has_value());
}

TEST(AgreementTest, SpearmanAveragesTies) {
  // Ranks of x: 1, 2.5, 2.5, 4 against 1, 2, 3, 4 -> 4.5 / sqrt(4.5 * 5).
  auto rho = SpearmanCorrelation({1, 2, 2, 3}, {10, 20, 30, 40});
  ASSERT_TRUE(rho.has_value());
  EXPECT_NEAR(*rho, 4.5 / std::sqrt(22.5), 1e-12);
  // Monotone but not linear: Spearman 1, Pearson below 1.
  std::vector<double> x = {1, 2, 3, 4, 5}, y = {1, 4, 9, 16, 100};
  EXPECT_NEAR(*SpearmanCorrelation(x, y), 1.0, 1e-12);
  EXPECT_LT(*PearsonCorrelation(x, y), 0.95);
  EXPECT_FALSE(SpearmanCorrelation({1, 2, 3}, {1, 2}).has_value());
}

// ---- calibration ----

TEST(CalibrationTest, NoPairsIsTheIdentityAndInactive) {
  PersonalCalibration c = FitCalibration({});
  EXPECT_EQ(c.pairs, 0);
  EXPECT_FALSE(c.active);
  EXPECT_DOUBLE_EQ(c.intercept, 0);
  EXPECT_DOUBLE_EQ(c.slope, 1);
  EXPECT_DOUBLE_EQ(Calibrate(c, 0.37), 37);
}

TEST(CalibrationTest, OnePairMovesTheLevelAFifthOfTheGap) {
  // n / (n + n0) = 1 / 5 of the gap between 100 * passive = 30 and the check-in 80.
  PersonalCalibration c = FitCalibration({Pair(0.3, 80)});
  EXPECT_DOUBLE_EQ(c.slope, 1);
  EXPECT_NEAR(c.intercept, 10, 1e-9);
  EXPECT_FALSE(c.active);                      // 1 < min_pairs
  EXPECT_DOUBLE_EQ(Calibrate(c, 0.3), 30);     // inactive: uncalibrated
  c.active = true;
  EXPECT_NEAR(Calibrate(c, 0.3), 40, 1e-9);    // the MAP line itself
}

TEST(CalibrationTest, MatchesTheClosedFormInTheHeader) {
  std::vector<CalibrationPair> pairs = {Pair(0.20, 35), Pair(0.40, 48), Pair(0.35, 52),
                                        Pair(0.60, 70), Pair(0.50, 58)};
  // By hand: x = 20, 40, 35, 60, 50 (mean 41); y mean 52.6.
  double sxx = 0, sxy = 0;
  for (const auto& p : pairs) {
    sxx += (100 * p.passive - 41) * (100 * p.passive - 41);
    sxy += (100 * p.passive - 41) * (p.checkin - 52.6);
  }
  const double prior = 4 * 20 * 20;
  const double b = (sxy + prior) / (sxx + prior);
  const double level = (5 * 52.6 + 4 * 41) / 9.0;
  PersonalCalibration c = FitCalibration(pairs);
  EXPECT_TRUE(c.active);
  EXPECT_EQ(c.pairs, 5);
  EXPECT_NEAR(c.slope, b, 1e-9);
  EXPECT_NEAR(c.intercept, level - b * 41, 1e-9);
  EXPECT_NEAR(Calibrate(c, 0.41), level, 1e-9);
}

TEST(CalibrationTest, WithoutPriorItIsLeastSquares) {
  std::vector<CalibrationPair> pairs;
  for (double x : {10.0, 30.0, 45.0, 70.0}) pairs.push_back(Pair(x / 100, 12 + 0.8 * x));
  CalibrationOptions o;
  o.prior_pairs = 0;
  PersonalCalibration c = FitCalibration(pairs, o);
  EXPECT_NEAR(c.slope, 0.8, 1e-9);
  EXPECT_NEAR(c.intercept, 12, 1e-9);
}

TEST(CalibrationTest, ManyPairsDominateThePrior) {
  std::vector<CalibrationPair> pairs;
  for (int i = 0; i < 200; ++i) {
    const double x = 10 + (i % 20) * 4;  // 10..86
    pairs.push_back(Pair(x / 100, 20 + 0.7 * x));
  }
  PersonalCalibration c = FitCalibration(pairs);
  EXPECT_NEAR(c.slope, 0.7, 0.01);
  EXPECT_NEAR(Calibrate(c, 0.5), 55, 0.5);
}

TEST(CalibrationTest, NegativeSlopeIsFlooredAtZero) {
  std::vector<CalibrationPair> pairs;
  for (int i = 0; i < 30; ++i) {
    const double x = 10 + (i % 10) * 8;
    pairs.push_back(Pair(x / 100, 100 - x));
  }
  PersonalCalibration c = FitCalibration(pairs);
  EXPECT_DOUBLE_EQ(c.slope, 0);
  EXPECT_DOUBLE_EQ(Calibrate(c, 0.1), Calibrate(c, 0.9));
}

TEST(CalibrationTest, OutputIsClippedAndInputClamped) {
  PersonalCalibration c;
  c.active = true;
  c.intercept = 30;
  c.slope = 1.2;
  EXPECT_DOUBLE_EQ(Calibrate(c, 0.9), 100);
  EXPECT_DOUBLE_EQ(Calibrate(c, 1.7), 100);
  c.intercept = -40;
  EXPECT_DOUBLE_EQ(Calibrate(c, 0.1), 0);
  EXPECT_DOUBLE_EQ(Calibrate(c, -3), 0);
  EXPECT_TRUE(std::isnan(Calibrate(c, std::nan(""))));
  PersonalCalibration inactive;
  EXPECT_DOUBLE_EQ(Calibrate(inactive, 1.5), 100);
}

TEST(CalibrationTest, ActiveFromMinPairs) {
  std::vector<CalibrationPair> pairs = {Pair(0.2, 30), Pair(0.4, 50), Pair(0.5, 60)};
  EXPECT_FALSE(FitCalibration(pairs).active);
  pairs.push_back(Pair(0.6, 70));
  EXPECT_TRUE(FitCalibration(pairs).active);
  CalibrationOptions o;
  o.min_pairs = 6;
  EXPECT_FALSE(FitCalibration(pairs, o).active);
}

// ---- simulated people ----

constexpr double kPi = 3.14159265358979323846;

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  // Uniform in (0, 1) from the top 53 bits.
  double Uniform() { return (static_cast<double>(gen_() >> 11) + 0.5) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Box-Muller; one of the pair is used.
  double Normal(double sd) {
    const double u1 = Uniform(), u2 = Uniform();
    return sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }

 private:
  std::mt19937_64 gen_;
};

constexpr int kDays = 63;
constexpr int kPeople = 200;
constexpr double kCheckinNoiseSd = 8;   // CBI points
constexpr double kPassiveNoiseSd = 10;  // CBI points, per assessment

struct Person {
  double offset = 0, slope = 1;  // passive (points) = 50 + slope * (latent - 50) + offset + noise
  std::vector<TimedValue> checkins, assessments;
};

double Clip(double v, double lo, double hi) { return std::min(hi, std::max(lo, v)); }

Person SimulatePerson(Rng& rng, bool distorted) {
  Person p;
  if (distorted) {
    p.offset = rng.Uniform(-25, 25);
    p.slope = rng.Uniform(0.6, 1.4);
  }
  const int64_t t0 = 1'700'000'000'000;
  // Latent: a level, a drift, a slow wave and day-to-day AR(1) wobble.
  const double level = rng.Uniform(20, 75), drift = rng.Uniform(-0.5, 0.5);
  const double amp = rng.Uniform(0, 12), period = rng.Uniform(14, 40);
  const double phase = rng.Uniform(0, 2 * kPi);
  double wobble = 0;
  for (int day = 0; day <= kDays; ++day) {
    wobble = 0.8 * wobble + rng.Normal(2);
    const double latent =
        Clip(level + drift * day + amp * std::sin(2 * kPi * day / period + phase) + wobble, 0,
             100);
    if (day > 0 && day % 7 == 0) {
      p.checkins.push_back(
          {t0 + day * kDay + 20 * kHour, Clip(latent + rng.Normal(kCheckinNoiseSd), 0, 100)});
    }
    if (rng.Uniform() < 0.8) {  // most days
      const double points = 50 + p.slope * (latent - 50) + p.offset + rng.Normal(kPassiveNoiseSd);
      p.assessments.push_back(
          {t0 + day * kDay + static_cast<int64_t>(rng.Uniform(8, 19) * kHour),
           Clip(points / 100, 0, 1)});
    }
  }
  return p;
}

struct KFigures {
  int people = 0;
  double uncalibrated = 0;  // mean over people of the held-out MAE, CBI points
  double calibrated = 0;    // as served: Calibrate with the default options (active rule)
  double map_fit = 0;       // the MAP line used regardless of min_pairs
  double shift = 0;         // mean |MAP line - uncalibrated| on the held-out pairs
};

// Fits on each person's first k pairs and predicts their later ones; k = 1..8.
std::vector<KFigures> Evaluate(uint64_t seed, bool distorted) {
  Rng rng(seed);
  std::vector<std::vector<CalibrationPair>> people;
  for (int i = 0; i < kPeople; ++i) {
    Person p = SimulatePerson(rng, distorted);
    people.push_back(PairCheckins(p.checkins, p.assessments));
  }
  std::vector<KFigures> out(9);
  for (int k = 1; k <= 8; ++k) {
    KFigures& f = out[k];
    for (const auto& pairs : people) {
      if (pairs.size() <= static_cast<size_t>(k)) continue;
      const std::vector<CalibrationPair> train(pairs.begin(), pairs.begin() + k);
      const PersonalCalibration served = FitCalibration(train);
      PersonalCalibration map = served;
      map.active = true;
      double u = 0, c = 0, m = 0, s = 0;
      const size_t held = pairs.size() - k;
      for (size_t i = k; i < pairs.size(); ++i) {
        const double raw = 100 * pairs[i].passive, y = pairs[i].checkin;
        u += std::fabs(raw - y);
        c += std::fabs(Calibrate(served, pairs[i].passive) - y);
        m += std::fabs(Calibrate(map, pairs[i].passive) - y);
        s += std::fabs(Calibrate(map, pairs[i].passive) - raw);
      }
      ++f.people;
      f.uncalibrated += u / held;
      f.calibrated += c / held;
      f.map_fit += m / held;
      f.shift += s / held;
    }
    if (f.people > 0) {
      f.uncalibrated /= f.people;
      f.calibrated /= f.people;
      f.map_fit /= f.people;
      f.shift /= f.people;
    }
  }
  return out;
}

void Print(const std::string& title, const std::vector<KFigures>& figures) {
  std::cout << title << "\n  k pairs | people | MAE uncalibrated | MAE calibrated (served) | "
            << "MAE MAP line | change vs uncal. | mean |shift|\n";
  for (int k = 1; k <= 8; ++k) {
    const KFigures& f = figures[k];
    char line[200];
    std::snprintf(line, sizeof line, "  %7d | %6d | %16.2f | %23.2f | %12.2f | %+15.1f%% | %6.2f\n",
                  k, f.people, f.uncalibrated, f.calibrated, f.map_fit,
                  100 * (f.calibrated / f.uncalibrated - 1), f.shift);
    std::cout << line;
  }
}

TEST(SimulatedPeopleTest, CalibrationCutsErrorForDistortedPeople) {
  const auto f = Evaluate(20240611, /*distorted=*/true);
  Print("Simulated people with a personal distortion (offset +-25, slope 0.6-1.4), CBI points:",
        f);
  for (int k = 1; k <= 8; ++k) {
    ASSERT_GE(f[k].people, kPeople * 9 / 10) << k;  // almost everyone has 9 paired check-ins
    RecordProperty("distorted_k" + std::to_string(k) + "_mae_uncalibrated",
                   std::to_string(f[k].uncalibrated));
    RecordProperty("distorted_k" + std::to_string(k) + "_mae_calibrated",
                   std::to_string(f[k].calibrated));
  }
  // Below min_pairs (4) nothing is served: exactly the uncalibrated error.
  for (int k = 1; k <= 3; ++k) EXPECT_DOUBLE_EQ(f[k].calibrated, f[k].uncalibrated) << k;
  // From 6 pairs, at least 25% lower on average.
  for (int k = 6; k <= 8; ++k) EXPECT_LE(f[k].calibrated, 0.75 * f[k].uncalibrated) << k;
  // More pairs, lower error (served; the held-out check-ins differ with k, so not step by step).
  EXPECT_LT(f[6].calibrated, f[4].calibrated);
  EXPECT_LT(f[8].calibrated, f[6].calibrated);
}

TEST(SimulatedPeopleTest, OneOrTwoPairsBarelyMoveTheEstimate) {
  const auto f = Evaluate(20240611, /*distorted=*/true);
  // Served, 1-2 pairs change nothing (min_pairs). The MAP line itself, were it served, moves
  // the estimate by a small fraction of the typical gap (1/5 and 1/3 of the level gap), and
  // only towards the check-ins: it does not make the error worse.
  for (int k = 1; k <= 2; ++k) {
    EXPECT_DOUBLE_EQ(f[k].calibrated, f[k].uncalibrated) << k;
    EXPECT_LT(f[k].shift, 0.35 * f[k].uncalibrated) << k;
    EXPECT_LE(f[k].map_fit, f[k].uncalibrated) << k;
  }
  // A single wild check-in cannot swing it: 100 against a passive 20 moves it 16 points.
  PersonalCalibration c = FitCalibration({Pair(0.2, 100)});
  c.active = true;
  EXPECT_NEAR(Calibrate(c, 0.2), 36, 1e-9);
}

TEST(SimulatedPeopleTest, UndistortedPeopleAreNotMadeWorse) {
  const auto f = Evaluate(7, /*distorted=*/false);
  Print("Simulated people with no distortion (passive = latent + noise), CBI points:", f);
  for (int k = 1; k <= 8; ++k) {
    RecordProperty("undistorted_k" + std::to_string(k) + "_mae_uncalibrated",
                   std::to_string(f[k].uncalibrated));
    RecordProperty("undistorted_k" + std::to_string(k) + "_mae_calibrated",
                   std::to_string(f[k].calibrated));
    // Not materially worse: within 8% of uncalibrated, served or (1-2 pairs) the MAP line.
    EXPECT_LE(f[k].calibrated, 1.08 * f[k].uncalibrated) << k;
  }
  for (int k = 1; k <= 2; ++k) EXPECT_LE(f[k].map_fit, 1.05 * f[k].uncalibrated) << k;
}

TEST(SimulatedPeopleTest, AgreementOnSimulatedPeople) {
  Rng rng(99);
  // Undistorted people's passive estimates track their check-ins; a strong positive offset
  // shows as a positive bias.
  int tracking = 0, positive_bias = 0;
  for (int i = 0; i < 50; ++i) {
    Person p = SimulatePerson(rng, /*distorted=*/false);
    Agreement a = MeasureAgreement(PairCheckins(p.checkins, p.assessments));
    if (a.spearman && *a.spearman > 0) ++tracking;
    Person q = SimulatePerson(rng, /*distorted=*/false);
    for (auto& v : q.assessments) v.value = Clip(v.value + 0.2, 0, 1);
    Agreement b = MeasureAgreement(PairCheckins(q.checkins, q.assessments));
    if (b.mean_bias && *b.mean_bias > 0) ++positive_bias;
  }
  EXPECT_GE(tracking, 40);
  EXPECT_GE(positive_bias, 48);
}

}  // namespace
}  // namespace burnout::insight
