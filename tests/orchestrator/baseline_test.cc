#include "orchestrator/insight/baseline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace burnout::insight {
namespace {

std::vector<Observation> Series(const std::string& name, const std::vector<double>& values,
                                int64_t start_ms = 0, int64_t step_ms = 86400000) {
  std::vector<Observation> out;
  for (size_t i = 0; i < values.size(); ++i) {
    out.push_back({start_ms + static_cast<int64_t>(i) * step_ms, name, values[i]});
  }
  return out;
}

TEST(BaselineTest, MedianAndMadOddCount) {
  const RobustStats s = ComputeRobustStats({5, 1, 3, 9, 2}, 0.0, 0.0);
  EXPECT_EQ(s.n, 5);
  EXPECT_DOUBLE_EQ(s.median, 3);  // 1 2 3 5 9
  EXPECT_DOUBLE_EQ(s.mad, 2);     // |dev| 2 1 0 2 6 -> 0 1 2 2 6
  EXPECT_DOUBLE_EQ(s.scale, 1.4826 * 2);
}

TEST(BaselineTest, MedianAndMadEvenCount) {
  const RobustStats s = ComputeRobustStats({4, 1, 2, 10}, 0.0, 0.0);
  EXPECT_DOUBLE_EQ(s.median, 3);  // (2 + 4) / 2
  EXPECT_DOUBLE_EQ(s.mad, 1.5);   // |dev| 2 1 1 7 -> 1 1 2 7 -> (1 + 2) / 2
  EXPECT_EQ(s.n, 4);
}

TEST(BaselineTest, FloorKeepsAConstantPersonFinite) {
  BaselineOptions o;
  // No floor configured for this name: the relative floor (5% of |median|) wins over 1e-3.
  Baseline b = ComputeBaseline(Series("voice.speaking_rate_sps", {4, 4, 4, 4, 4, 4}), o);
  const RobustStats& s = *b.Find("voice.speaking_rate_sps")->stats;
  EXPECT_DOUBLE_EQ(s.mad, 0);
  EXPECT_DOUBLE_EQ(s.scale, 0.2);
  EXPECT_NEAR(Deviate("voice.speaking_rate_sps", 4.4, b).z, 2.0, 1e-9);
  // A 0..1 score near 0: the per-name floor 0.05 wins over 5% of 0.02.
  b = ComputeBaseline(Series("stress", {0.02, 0.02, 0.02, 0.02, 0.02}), o);
  EXPECT_DOUBLE_EQ(b.Find("stress")->stats->scale, 0.05);
  EXPECT_NEAR(Deviate("stress", 0.12, b).z, 2.0, 1e-9);
  // Any jump is clipped to +-6.
  EXPECT_DOUBLE_EQ(Deviate("stress", 1.0, b).z, kMaxZ);
  // Per-name floors are looked up by the full name first, then the part after the last dot.
  o.scale_floors["voice.loudness_db"] = 2.0;
  EXPECT_DOUBLE_EQ(ScaleFloor("voice.loudness_db", o), 2.0);
  EXPECT_DOUBLE_EQ(ScaleFloor("face.perclos", o), 0.02);
  EXPECT_DOUBLE_EQ(ScaleFloor("text.unknown", o), 1e-3);
}

TEST(BaselineTest, WindowKeepsTheNewestWithDeterministicTies) {
  BaselineOptions o;
  o.window = 3;
  o.min_observations = 3;
  // Newest first: t=10 (2 and 7), t=9 (5); the older 1 and 100s fall outside the window.
  std::vector<Observation> obs = {{1, "x", 100}, {2, "x", 100}, {9, "x", 5},
                                  {10, "x", 7},  {10, "x", 2},  {8, "x", 1}};
  Baseline b = ComputeBaseline(obs, o);
  const IndicatorBaseline* ib = b.Find("x");
  ASSERT_NE(ib, nullptr);
  EXPECT_EQ(ib->count, 3);
  EXPECT_EQ(ib->newest_ms, 10);
  EXPECT_EQ(ib->oldest_ms, 9);
  EXPECT_DOUBLE_EQ(ib->stats->median, 5);
  // Three rows at the same newest time and a window of 2: the two smaller values are kept.
  o.window = 2;
  o.min_observations = 2;
  b = ComputeBaseline({{5, "y", 3}, {5, "y", 1}, {5, "y", 2}, {4, "y", 0}}, o);
  EXPECT_DOUBLE_EQ(b.Find("y")->stats->median, 1.5);
  EXPECT_EQ(b.Find("y")->oldest_ms, 5);
}

TEST(BaselineTest, NamesAreIndependentAndNonFiniteValuesDropped) {
  std::vector<Observation> obs = Series("stress", {0.3, 0.4, 0.35, 0.3, 0.5});
  for (const auto& o : Series("energy", {0.6, 0.6})) obs.push_back(o);
  obs.push_back({99, "stress", std::nan("")});
  const Baseline b = ComputeBaseline(obs);
  EXPECT_EQ(b.Find("stress")->count, 5);
  EXPECT_TRUE(b.Find("stress")->stats.has_value());
  EXPECT_EQ(b.Find("energy")->count, 2);
  EXPECT_FALSE(b.Find("energy")->stats.has_value());
  EXPECT_EQ(b.Find("risk"), nullptr);
  const Deviation d = Deviate("energy", 0.1, b);
  EXPECT_FALSE(d.ready);
  EXPECT_EQ(d.have, 2);
  EXPECT_EQ(d.need, 5);
  EXPECT_EQ(DescribeDeviation(d), "");
  EXPECT_EQ(ColdStartMessage(d.have, d.need), "3 more assessments to learn your baseline");
}

TEST(BaselineTest, DeterministicUnderShuffling) {
  std::mt19937_64 rng(7);
  std::vector<Observation> obs;
  const std::vector<std::string> names = {"risk", "stress", "voice.pitch_variability_st",
                                          "face.perclos"};
  for (int i = 0; i < 60; ++i) {
    for (const auto& n : names) {
      // Coarse times so that many rows tie; values from the raw bits.
      obs.push_back({(i / 3) * 1000, n, static_cast<double>(rng() % 1000) / 1000.0});
    }
  }
  const Baseline ref = ComputeBaseline(obs);
  for (int k = 0; k < 20; ++k) {
    std::shuffle(obs.begin(), obs.end(), rng);
    const Baseline b = ComputeBaseline(obs);
    for (const auto& n : names) {
      const IndicatorBaseline& x = *ref.Find(n);
      const IndicatorBaseline& y = *b.Find(n);
      EXPECT_EQ(x.count, y.count);
      EXPECT_EQ(x.oldest_ms, y.oldest_ms);
      // Bit-identical, not just close.
      EXPECT_EQ(x.stats->median, y.stats->median);
      EXPECT_EQ(x.stats->mad, y.stats->mad);
      EXPECT_EQ(x.stats->scale, y.stats->scale);
    }
  }
}

TEST(BaselineTest, ColdStartText) {
  EXPECT_EQ(ColdStartMessage(2, 5), "3 more assessments to learn your baseline");
  EXPECT_EQ(ColdStartMessage(4, 5), "1 more assessment to learn your baseline");
  EXPECT_EQ(ColdStartMessage(0, 5), "5 more assessments to learn your baseline");
  EXPECT_EQ(ColdStartMessage(5, 5), "");
  EXPECT_EQ(ColdStartMessage(9, 5), "");
}

TEST(BaselineTest, PhrasesFortyPercentLessPitchVariability) {
  // Usual pitch variability about 3 semitones; today 1.8 st: 40% less.
  const Baseline b =
      ComputeBaseline(Series("voice.pitch_variability_st", {2.8, 3.0, 3.2, 3.0, 2.9, 3.1, 3.0}));
  const Deviation d = Deviate("voice.pitch_variability_st", 1.8, b);
  ASSERT_TRUE(d.ready);
  EXPECT_DOUBLE_EQ(d.median, 3.0);
  ASSERT_TRUE(d.relative.has_value());
  EXPECT_NEAR(*d.relative, -0.4, 1e-12);
  EXPECT_LT(d.z, -1);
  EXPECT_EQ(DescribeDeviation(d), "your pitch varied 40% less than it usually does for you");
  EXPECT_EQ(DisplayName("voice.pitch_variability_st"), "your pitch varied");
}

TEST(BaselineTest, PhrasesOtherIndicators) {
  const Baseline b = ComputeBaseline([] {
    auto o = Series("stress", {0.30, 0.35, 0.40, 0.35, 0.30, 0.40, 0.35});
    for (const auto& x : Series("voice.speaking_rate_sps", {4.0, 4.2, 3.8, 4.0, 4.1, 3.9})) {
      o.push_back(x);
    }
    for (const auto& x : Series("face.perclos", {0.10, 0.08, 0.12, 0.10, 0.09, 0.11})) {
      o.push_back(x);
    }
    for (const auto& x : Series("voice.jitter_local", {0.010, 0.012, 0.011, 0.010, 0.013})) {
      o.push_back(x);
    }
    return o;
  }());
  // stress: median 0.35, MAD 0.05 -> scale 0.0741; 0.53 is z = 2.4.
  EXPECT_EQ(DescribeDeviation(Deviate("stress", 0.53, b)),
            "stress is well above your usual (0.53 against your usual 0.35)");
  EXPECT_EQ(DescribeDeviation(Deviate("stress", 0.26, b)), "stress is below your usual (0.26 against your usual 0.35)");
  EXPECT_EQ(DescribeDeviation(Deviate("stress", 0.40, b)), "");  // |z| < 1
  EXPECT_EQ(DescribeDeviation(Deviate("voice.speaking_rate_sps", 3.0, b)),
            "you spoke 25% slower than you usually do");
  EXPECT_EQ(DescribeDeviation(Deviate("face.perclos", 0.2, b)),
            "your eyes were closed 100% more of the time than they usually are");
  // Unknown names fall back to the name and to the values.
  EXPECT_EQ(DisplayName("voice.jitter_local"), "voice.jitter_local");
  EXPECT_EQ(DescribeDeviation(Deviate("voice.jitter_local", 0.02, b)),
            "voice.jitter_local is well above your usual (0.02 against your usual 0.011)");
}

}  // namespace
}  // namespace burnout::insight
