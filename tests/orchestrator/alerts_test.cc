#include "orchestrator/insight/alerts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

namespace burnout::insight {
namespace {

// Standard normal draws from mt19937_64's bits (the engine is specified to the bit), by
// Box-Muller, so the series are the same on every platform.
class Gauss {
 public:
  explicit Gauss(uint64_t seed) : rng_(seed) {}
  double operator()() {
    const double u1 = (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53;  // (0, 1)
    const double u2 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;          // [0, 1)
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  uint64_t Bits() { return rng_(); }

 private:
  std::mt19937_64 rng_;
};

constexpr int64_t kDay0 = 19723;  // 2024-01-01

// One daily point per day from `first`, value f(i) + sd * noise.
template <typename F>
std::vector<DailyPoint> Days(int count, F f, double sd, uint64_t seed, int64_t first = kDay0) {
  Gauss g(seed);
  std::vector<DailyPoint> out;
  for (int i = 0; i < count; ++i) out.push_back({first + i, f(i) + sd * g(), 1});
  return out;
}

std::vector<DailyPoint> Stationary(int count, double mean, double sd, uint64_t seed) {
  return Days(
      count, [mean](int) { return mean; }, sd, seed);
}

TEST(AlertsTest, DailyMeansGroupByLocalDay) {
  const int64_t midnight = 19723LL * 86400000;  // 2024-01-01T00:00Z
  const std::vector<TimedValue> v = {
      {midnight - 3600000, 0.2},  // 23:00Z Dec 31: Jan 1 at UTC+2, Dec 31 at UTC
      {midnight + 3600000, 0.4},  // 01:00Z Jan 1
      {midnight + 4 * 3600000, 0.6},
      {midnight + 23 * 3600000, std::nan("")},  // dropped
  };
  auto utc = DailyMeans(v, 0);
  ASSERT_EQ(utc.size(), 2u);
  EXPECT_EQ(utc[0].day, 19722);
  EXPECT_EQ(utc[0].n, 1);
  EXPECT_EQ(utc[1].day, 19723);
  EXPECT_EQ(utc[1].n, 2);
  EXPECT_DOUBLE_EQ(utc[1].mean, 0.5);
  auto plus2 = DailyMeans(v, 120);
  ASSERT_EQ(plus2.size(), 1u);
  EXPECT_EQ(plus2[0].n, 3);
  EXPECT_NEAR(plus2[0].mean, 0.4, 1e-12);
  auto minus5 = DailyMeans(v, -300);  // 01:00Z and 05:00Z are still Dec 31 in New York
  ASSERT_EQ(minus5.size(), 1u);
  EXPECT_EQ(minus5[0].day, 19722);
  EXPECT_EQ(LocalDay(-1, 0), -1);  // floor, not truncation
  EXPECT_EQ(DayString(kDay0), "2024-01-01");
  EXPECT_EQ(DayString(0), "1970-01-01");
  EXPECT_EQ(DayString(19782), "2024-02-29");
}

// False alarms: 100 people, a year each of daily values 0.3 + 0.08 N(0, 1), no change.
TEST(AlertsTest, StationaryNoiseRarelyAlerts) {
  const int people = 100, days = 365;
  int episodes = 0, people_alerted = 0, max_per_person = 0;
  for (int p = 0; p < people; ++p) {
    const auto e = DetectEscalations("stress_rising", Stationary(days, 0.3, 0.08, 1000 + p));
    episodes += static_cast<int>(e.size());
    people_alerted += e.empty() ? 0 : 1;
    max_per_person = std::max(max_per_person, static_cast<int>(e.size()));
  }
  const double per_year = static_cast<double>(episodes) / people;
  std::printf(
      "[ figures  ] stationary sd 0.08 around 0.3, %d person-years: %d false episodes "
      "(%.2f per person-year), %d%% of people alerted at least once, max %d in a year\n",
      people, episodes, per_year, people_alerted, max_per_person);
  // A raise needs the median-of-3 level >= 2 scales on 3 days in a row: in effect 3 of 5
  // consecutive days above the line (b c d, a c d or b c e), about 3 p^3 a day. With a known
  // baseline p = P(N > 2) = 0.023, 0.01 a year; the median and MAD of 28 noisy days roughly
  // double the effective p (the line sits lower when the MAD comes out small), 0.05..0.2 a
  // year. Bound 0.35 a person-year (one false alert in about three years of daily use), and
  // nobody more than twice in a year.
  EXPECT_LE(per_year, 0.35);
  EXPECT_LE(max_per_person, 2);
}

// A rise starting on day 60 of `count` days (values f(i) + 0.08 N(0, 1)), over 100 seeded
// people. Each person's episodes are sorted into: raised before the rise (noise alarms in the
// 60 calm days), raised while it lasts (days 60 .. 60 + length - 1) and after. Delay = the
// raised day - the rise's first day.
struct RiseStudy {
  int people = 0, detected = 0, covered = 0, before = 0, twice = 0, after = 0;
  std::vector<int> delays;          // sorted
  std::vector<AlertEpisode> first;  // each detected person's episode, in seed order
  double MeanDelay() const {
    double s = 0;
    for (int d : delays) s += d;
    return delays.empty() ? 0 : s / delays.size();
  }
  int Quantile(double q) const {
    return delays[std::min(delays.size() - 1, size_t(q * delays.size()))];
  }
};

template <typename F>
RiseStudy StudyRise(F f, int count, int length, uint64_t seed0, const AlertOptions& o = {}) {
  RiseStudy r;
  const int64_t rise = kDay0 + 60, end = rise + length;
  for (int p = 0; p < 100; ++p, ++r.people) {
    const auto e = DetectEscalations("stress_rising", Days(count, f, 0.08, seed0 + p), o);
    int during = 0;
    bool already = false;  // a noise alarm still active when the rise began
    for (const auto& x : e) {
      if (x.raised_day < rise) {
        ++r.before;
        if (!x.cleared_day || *x.cleared_day >= rise) already = true;
      } else if (x.raised_day < end) {
        if (++during == 1) {
          r.delays.push_back(static_cast<int>(x.raised_day - rise));
          r.first.push_back(x);
        }
      } else {
        ++r.after;
      }
    }
    r.detected += during > 0 ? 1 : 0;
    r.covered += during == 0 && already ? 1 : 0;
    r.twice += during > 1 ? 1 : 0;
  }
  std::sort(r.delays.begin(), r.delays.end());
  return r;
}

// Sustained rise: 60 days around 0.3, then 0.65 for 14 days, then back to 0.3.
TEST(AlertsTest, SustainedRiseIsRaisedOnceWithinDays) {
  const AlertOptions o;
  const RiseStudy r =
      StudyRise([](int i) { return i >= 60 && i < 74 ? 0.65 : 0.3; }, 100, 14, 2000, o);
  std::printf(
      "[ figures  ] step 0.3 -> 0.65 (sd 0.08), %d people: detected %d (+%d already "
      "alerted), raised %.2f days after the rise began (median %d, 95%% by %d, max %d); "
      "raised twice %d; %d noise alarms in the 60 days before, %d in the 26 after\n",
      r.people, r.detected, r.covered, r.MeanDelay(), r.Quantile(0.5), r.Quantile(0.95),
      r.delays.back(), r.twice, r.before, r.after);
  EXPECT_EQ(r.detected + r.covered, r.people);
  EXPECT_EQ(r.twice, 0);
  // Without noise the level is up from the rise's 2nd day and raised on its (raise_days+1)th:
  // raise_days days after it began. Noise moves this a day or two either way.
  EXPECT_EQ(r.Quantile(0.5), o.raise_days);
  EXPECT_GE(r.Quantile(0.05), o.raise_days - 1);
  EXPECT_LE(r.Quantile(0.95), o.raise_days + 3);
  EXPECT_LE(r.before, 6);  // 100 x 60 days at <= 0.35 a year: 5.8
  for (const AlertEpisode& e : r.first) {
    EXPECT_GE(e.peak_z, e.z_at_raise);
    EXPECT_GE(e.peak_day, e.raised_day);
    ASSERT_TRUE(e.cleared_day.has_value());  // back to 0.3 from day 74
    EXPECT_GE(*e.cleared_day, kDay0 + 75);
    EXPECT_LE(*e.cleared_day, kDay0 + 74 + 14);
  }
}

// The same rise as a ramp: 0.3 -> 0.65 linearly over a week (days 60..66), then held.
TEST(AlertsTest, WeekLongRampIsRaisedOnce) {
  const AlertOptions o;
  const RiseStudy r = StudyRise(
      [](int i) { return i < 60   ? 0.3
                         : i < 67 ? 0.3 + 0.05 * (i - 59)
                                  : 0.65; }, 88, 28, 3000, o);
  std::printf(
      "[ figures  ] ramp 0.3 -> 0.65 over 7 days (sd 0.08), %d people: detected %d (+%d "
      "already alerted), raised %.2f days after the ramp began (median %d, 95%% by %d, "
      "max %d); raised twice %d; %d noise alarms before\n",
      r.people, r.detected, r.covered, r.MeanDelay(), r.Quantile(0.5), r.Quantile(0.95),
      r.delays.back(), r.twice, r.before);
  EXPECT_EQ(r.detected + r.covered, r.people);
  EXPECT_EQ(r.twice, 0);
  EXPECT_LE(r.Quantile(0.95), 7 + o.raise_days + 3);  // within raise_days + 3 of the ramp's top
  EXPECT_LE(r.before, 6);
  for (const AlertEpisode& e : r.first) EXPECT_FALSE(e.cleared_day.has_value());  // still high
}

// A baseline with median 0.3 and scale 1.4826 * 0.05, then `zs` as z-scores against it.
std::vector<DailyPoint> AgainstKnownBaseline(const std::vector<double>& zs) {
  std::vector<DailyPoint> out;
  for (int i = 0; i < 40; ++i) out.push_back({kDay0 + i, i % 2 ? 0.25 : 0.35, 1});
  const double scale = 1.4826 * 0.05;
  for (size_t i = 0; i < zs.size(); ++i) {
    out.push_back({kDay0 + 40 + static_cast<int64_t>(i), 0.3 + zs[i] * scale, 1});
  }
  return out;
}

TEST(AlertsTest, HoveringAroundTheThresholdDoesNotFlap) {
  // 60 days zig-zagging between z 1.4 and 2.6 around the raise threshold, with noise.
  Gauss g(4);
  std::vector<double> zs;
  for (int i = 0; i < 60; ++i) zs.push_back(2.0 + 0.6 * std::sin(1.7 * i) + 0.2 * g());
  const auto e = DetectEscalations("risk_rising", AgainstKnownBaseline(zs));
  EXPECT_LE(e.size(), 1u);
  // Once raised, dipping to z 1.2..1.9 (inside the band) does not clear it.
  if (!e.empty()) {
    EXPECT_FALSE(e[0].cleared_day.has_value());
  }

  // Strict alternation above / below the raise threshold never makes two elevated levels in a
  // row: nothing is raised.
  std::vector<double> alt;
  for (int i = 0; i < 60; ++i) alt.push_back(i % 2 ? 2.5 : 1.5);
  EXPECT_TRUE(DetectEscalations("risk_rising", AgainstKnownBaseline(alt)).empty());

  // Raised, then hovering inside the band (1.1 .. 1.9): held, not cleared and not re-raised.
  std::vector<double> band = {3, 3, 3, 3};
  for (int i = 0; i < 40; ++i) band.push_back(1.5 + 0.4 * std::sin(2.1 * i));
  const auto held = DetectEscalations("risk_rising", AgainstKnownBaseline(band));
  ASSERT_EQ(held.size(), 1u);
  EXPECT_FALSE(held[0].cleared_day.has_value());
}

TEST(AlertsTest, ImprovementClearsAndCooldownHoldsOffARaise) {
  const AlertOptions o;
  // 60 calm days (0.3, sd 0.02), 10 high (0.7), then back to 0.3.
  auto shape = [](int second_start, int second_len) {
    return [=](int i) {
      if (i >= 60 && i < 70) return 0.7;
      if (i >= second_start && i < second_start + second_len) return 0.7;
      return 0.3;
    };
  };
  const auto first = DetectEscalations("stress_rising", Days(100, shape(0, 0), 0.02, 5), o);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(first[0].cleared_day.has_value());
  const int64_t cleared = *first[0].cleared_day;
  EXPECT_EQ(cleared, kDay0 + 72);  // levels back to usual on days 71 and 72
  EXPECT_NEAR(first[0].value_at_clear, 0.3, 0.1);
  EXPECT_NEAR(first[0].baseline_median, 0.3, 0.03);
  EXPECT_EQ(first[0].onset_day, kDay0 + 60);

  // A second rise right after the clear, 4 days long: raised without the cooldown (its level
  // is up on 4 days in a row), but it is over within the cooldown: not raised.
  const int start = static_cast<int>(cleared - kDay0) + 1;
  auto e = DetectEscalations("stress_rising", Days(100, shape(start, 4), 0.02, 5), o);
  EXPECT_EQ(e.size(), 1u);
  AlertOptions no_cooldown = o;
  no_cooldown.cooldown_days = 0;
  EXPECT_EQ(
      DetectEscalations("stress_rising", Days(100, shape(start, 4), 0.02, 5), no_cooldown).size(),
      2u);
  // The same rise lasting past the cooldown: raised on the first day after it.
  e = DetectEscalations("stress_rising", Days(100, shape(start, 10), 0.02, 5), o);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].raised_day, cleared + o.cooldown_days + 1);
  // The first episode's days are not part of the second's baseline.
  EXPECT_NEAR(e[1].baseline_median, 0.3, 0.03);
  // A 4-day rise after the cooldown is raised as usual.
  e = DetectEscalations("stress_rising", Days(100, shape(start + o.cooldown_days + 2, 4), 0.02, 5),
                        o);
  ASSERT_EQ(e.size(), 2u);
  EXPECT_EQ(e[1].raised_day, cleared + 1 + o.cooldown_days + 2 + 3);  // 4th elevated day
}

TEST(AlertsTest, RelativeToThePerson) {
  // Chronically high stress, steady around 0.7: that is this person's usual.
  int chronic = 0;
  for (int p = 0; p < 20; ++p) {
    chronic += static_cast<int>(
        DetectEscalations("stress_rising", Stationary(365, 0.7, 0.05, 6000 + p)).size());
  }
  EXPECT_LE(chronic, 2);  // 20 person-years, same false-alarm regime as above
  EXPECT_TRUE(DetectEscalations("stress_rising", Stationary(365, 0.7, 0.05, 6000)).empty());
  // A calm person going from 0.2 to 0.5 (below the other's usual) is alerted.
  const auto calm = DetectEscalations("stress_rising",
                                      Days(
                                          90, [](int i) { return i < 60 ? 0.2 : 0.5; }, 0.05, 7));
  ASSERT_EQ(calm.size(), 1u);
  EXPECT_LE(calm[0].raised_day - (kDay0 + 60), 5);
  EXPECT_NEAR(calm[0].baseline_median, 0.2, 0.05);
}

TEST(AlertsTest, OneBadDayDoesNotAlert) {
  for (double bad : {0.8, 1.0, 100.0}) {
    auto days = Stationary(90, 0.3, 0.04, 8);
    days[60].mean = bad;
    EXPECT_TRUE(DetectEscalations("stress_rising", days).empty()) << bad;
  }
  // Two bad days apart (a normal day between) neither.
  auto days = Stationary(90, 0.3, 0.04, 8);
  days[60].mean = days[62].mean = 1.0;
  EXPECT_TRUE(DetectEscalations("stress_rising", days).empty());
}

TEST(AlertsTest, NeedsABaselineFirst) {
  const AlertOptions o;
  // 4 calm days, then high: the baseline never had min_baseline_days days of calm.
  auto days = Days(
      7, [](int i) { return i < 4 ? 0.2 : 0.9; }, 0.0, 9);
  EXPECT_TRUE(DetectEscalations("stress_rising", days, o).empty());
  // The first decision needs min_baseline_days baseline days before a smooth_days window:
  // 5 calm days and a rise from day 5: the first decision is on day 14 (window 12..14, guard
  // 5..11, baseline 0..4), raised on day 16 (levels up on days 14, 15, 16).
  days = Days(
      20, [](int i) { return i < 5 ? 0.2 : 0.9; }, 0.0, 9);
  auto e = DetectEscalations("stress_rising", days, o);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].raised_day, kDay0 + 16);
  days.resize(16);
  EXPECT_TRUE(DetectEscalations("stress_rising", days, o).empty());
  // No history at all, or one day.
  EXPECT_TRUE(DetectEscalations("stress_rising", {}, o).empty());
  EXPECT_TRUE(DetectEscalations("stress_rising", {{kDay0, 0.9, 1}}, o).empty());
}

TEST(AlertsTest, IrregularDays) {
  // Every 1..4 days (random), a year: few false alarms; a rise is still found.
  int false_episodes = 0, found = 0, people = 50;
  for (int p = 0; p < people; ++p) {
    Gauss g(9000 + p);
    std::vector<DailyPoint> calm, rise;
    int64_t day = kDay0;
    while (day < kDay0 + 365) {
      const double noise = 0.08 * g();
      calm.push_back({day, 0.3 + noise, 1});
      rise.push_back({day, (day >= kDay0 + 200 && day < kDay0 + 230 ? 0.7 : 0.3) + noise, 1});
      day += 1 + static_cast<int64_t>(g.Bits() % 4);
    }
    false_episodes += static_cast<int>(DetectEscalations("stress_rising", calm).size());
    for (const auto& e : DetectEscalations("stress_rising", rise)) {
      if (e.raised_day >= kDay0 + 200 && e.raised_day < kDay0 + 230) ++found;
    }
  }
  std::printf(
      "[ figures  ] irregular (every 1-4 days), %d person-years: %d false episodes; "
      "a 30-day rise to 0.7 found for %d/%d\n",
      people, false_episodes, found, people);
  EXPECT_LE(false_episodes, people / 2);
  EXPECT_EQ(found, people);
}

TEST(AlertsTest, LongGaps) {
  const AlertOptions o;
  // Raised, then no data for 40 days: the episode stays active and says so.
  auto days = Days(
      70, [](int i) { return i < 60 ? 0.3 : 0.7; }, 0.04, 10);
  auto e = DetectEscalations("stress_rising", days, o);
  ASSERT_EQ(e.size(), 1u);
  ASSERT_FALSE(e[0].cleared_day.has_value());
  EXPECT_EQ(e[0].last_day, kDay0 + 69);
  const int64_t today = kDay0 + 69 + 20;
  EXPECT_TRUE(NoRecentData(e[0], today, o));
  EXPECT_FALSE(NoRecentData(e[0], kDay0 + 69 + 14, o));
  EXPECT_NE(EscalationMessage(e[0], today, o).find("No recent data since then."),
            std::string::npos);
  // Data resumes at the usual level: cleared against the frozen baseline once smooth_days new
  // days are in and clear_days of them are calm (days 110, 111, 112 -> levels on 112, 113).
  for (int i = 0; i < 10; ++i) days.push_back({kDay0 + 110 + i, 0.3, 1});
  e = DetectEscalations("stress_rising", days, o);
  ASSERT_EQ(e.size(), 1u);
  ASSERT_TRUE(e[0].cleared_day.has_value());
  EXPECT_EQ(*e[0].cleared_day, kDay0 + 113);

  // No active episode and a gap longer than baseline_days: the baseline is learned again, so
  // returning already high is not raised (there is no usual to compare with) ...
  auto back = Stationary(60, 0.3, 0.04, 11);
  for (int i = 0; i < 20; ++i) back.push_back({kDay0 + 100 + i, 0.7, 1});
  EXPECT_TRUE(DetectEscalations("stress_rising", back, o).empty());
  // ... while a gap shorter than baseline_days keeps the usual.
  back = Stationary(60, 0.3, 0.04, 11);
  for (int i = 0; i < 20; ++i) back.push_back({kDay0 + 70 + i, 0.7, 1});
  e = DetectEscalations("stress_rising", back, o);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].raised_day, kDay0 + 74);  // a new run: levels from its 3rd day (72, 73, 74)
}

TEST(AlertsTest, DeterministicUnderShuffledInput) {
  // Several readings a day with coarse, tied times; a rise in the middle.
  Gauss g(12);
  std::vector<TimedValue> values;
  for (int d = 0; d < 120; ++d) {
    const int per_day = 1 + static_cast<int>(g.Bits() % 3);
    for (int k = 0; k < per_day; ++k) {
      const double level = d >= 70 && d < 85 ? 0.7 : 0.3;
      values.push_back({(kDay0 + d) * 86400000LL + 3600000LL * (k % 2), level + 0.08 * g()});
    }
  }
  const auto ref = DetectEscalations("stress_rising", DailyMeans(values, 60));
  ASSERT_FALSE(ref.empty());
  std::mt19937_64 rng(13);
  for (int t = 0; t < 20; ++t) {
    std::shuffle(values.begin(), values.end(), rng);
    auto daily = DailyMeans(values, 60);
    std::shuffle(daily.begin(), daily.end(), rng);
    const auto e = DetectEscalations("stress_rising", daily);
    ASSERT_EQ(e.size(), ref.size());
    for (size_t i = 0; i < e.size(); ++i) {
      EXPECT_EQ(e[i].raised_day, ref[i].raised_day);
      EXPECT_EQ(e[i].cleared_day, ref[i].cleared_day);
      EXPECT_EQ(e[i].baseline_median, ref[i].baseline_median);  // bit-identical
      EXPECT_EQ(e[i].baseline_scale, ref[i].baseline_scale);
      EXPECT_EQ(e[i].peak_z, ref[i].peak_z);
      EXPECT_EQ(e[i].value_at_clear, ref[i].value_at_clear);
    }
  }
  // Split points for one day merge by weight, whatever their order.
  const auto merged =
      DetectEscalations("stress_rising", {{kDay0, 0.2, 1}, {kDay0, 0.5, 2}, {kDay0 + 1, 0.3, 1}});
  EXPECT_TRUE(merged.empty());
}

TEST(AlertsTest, FallingKindsAndMessages) {
  AlertEpisode e;
  e.kind = "stress_rising";
  e.onset_day = kDay0 + 60;
  e.raised_day = kDay0 + 61;
  e.last_day = kDay0 + 62;
  e.latest_value = 0.68;
  e.baseline_median = 0.35;
  EXPECT_EQ(EscalationMessage(e, kDay0 + 62),
            "Your stress has been above your usual for 3 days (0.68 against your usual 0.35).");
  EXPECT_EQ(EscalationMessage(e, kDay0 + 80),
            "Your stress was above your usual for 3 days up to 2024-03-03 (0.68 against your "
            "usual 0.35). No recent data since then.");
  e.cleared_day = kDay0 + 66;
  EXPECT_EQ(EscalationMessage(e, kDay0 + 80),
            "Cleared on 2024-03-07: your stress came back toward your usual.");
  e.kind = "risk_rising";
  e.cleared_day.reset();
  EXPECT_EQ(EscalationMessage(e, kDay0 + 62).substr(0, 44),
            "Your risk score has been above your usual fo");

  // energy_falling: a drop is the escalation, a rise is not.
  const auto drop = DetectEscalations("energy_falling",
                                      Days(
                                          80, [](int i) { return i < 60 ? 0.6 : 0.3; }, 0.04, 14));
  ASSERT_EQ(drop.size(), 1u);
  EXPECT_GT(drop[0].z_at_raise, 2.0);
  EXPECT_NE(
      EscalationMessage(drop[0], drop[0].last_day).find("Your energy has been below your usual"),
      std::string::npos);
  EXPECT_TRUE(DetectEscalations("energy_falling",
                                Days(
                                    80, [](int i) { return i < 60 ? 0.3 : 0.6; }, 0.04, 14))
                  .empty());
}

}  // namespace
}  // namespace burnout::insight
