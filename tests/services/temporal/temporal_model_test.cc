// The shipped trend checkpoint, its input contract, broken model directories, the sequence
// generator and the trainer (tiny runs). Runs from the source root.
#include "services/temporal/temporal_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/model/model_dir.h"
#include "common/random/rng.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/temporal/synthetic_sequences.h"
#include "services/temporal/temporal_trainer.h"
#include "common/state/trend_features.h"
#include "tests/testing/temp_dir.h"

namespace burnout::temporal {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

using testutil::ScratchRoot;

constexpr char kShipped[] = "models/temporal-gru/2";

// One assessment at burden b (0 = thriving, 1 = burnt out): features interpolated between
// typical state-engine outputs of a thriving and a burnt-out day, risk from the burden.
std::vector<float> StepAt(double b) {
  constexpr float kThriving[10] = {0.62f, 0.30f, 0.55f, 0.0f,  0.09f,
                                   0.05f, 0.06f, 0.37f, 0.26f, 0.08f};
  constexpr float kBurntOut[10] = {0.37f, 0.60f, 0.33f, 0.0f,  0.16f,
                                   0.08f, 0.20f, 0.03f, 0.25f, 0.25f};
  const float t = static_cast<float>((b - 0.1) / 0.8);
  std::vector<float> out;
  for (int k = 0; k < 10; ++k) out.push_back(kThriving[k] + t * (kBurntOut[k] - kThriving[k]));
  out[3] = static_cast<float>(1.0 / (1.0 + std::exp(-7.0 * (b - 0.5))));
  for (float& v : out) v = std::clamp(v, 0.0f, 1.0f);
  return out;
}

// Steps at the given burdens; gaps[i] days between step i - 1 and step i (gaps[0] unused).
burnout::v1::TrendRequest Sequence(const std::vector<double>& burden,
                                   const std::vector<double>& gaps) {
  burnout::v1::TrendRequest req;
  for (const auto& n : DefaultTrendFeatureNames()) req.add_feature_names(n);
  for (size_t i = 0; i < burden.size(); ++i) {
    auto* step = req.add_steps();
    for (float v : StepAt(burden[i])) step->add_values(v);
    step->add_values(static_cast<float>(i > 0 ? EncodeGapDays(gaps.at(i)) : 0.0));
  }
  return req;
}

// Every two days.
burnout::v1::TrendRequest Sequence(const std::vector<double>& burden) {
  return Sequence(burden, std::vector<double>(burden.size(), 2.0));
}

std::vector<double> Ramp(double from, double to, int n) {
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(from + (to - from) * i / (n - 1));
  return out;
}

class TemporalModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = TemporalModel::Load(kShipped);
    ASSERT_TRUE(m.ok()) << m.status();
    model_ = m->release();
  }
  static void TearDownTestSuite() { delete model_; }
  static TemporalModel* model_;
};
TemporalModel* TemporalModelTest::model_ = nullptr;

TEST_F(TemporalModelTest, ShippedCheckpointLoadsWithItsRecord) {
  const auto& m = model_->manifest();
  EXPECT_EQ(m.kind(), "temporal-gru");
  EXPECT_EQ(m.name(), "temporal-gru");
  EXPECT_EQ(m.version(), "2");
  EXPECT_EQ(std::vector<std::string>(m.temporal().feature_names().begin(),
                                     m.temporal().feature_names().end()),
            DefaultTrendFeatureNames());
  EXPECT_GT(m.training().metrics_size(), 3);
  int probes = 0;
  for (const auto& metric : m.training().metrics()) {
    probes += metric.name() == "probe_clustered_p_worsening_mean" ||
              metric.name() == "probe_spread_p_worsening_mean";
  }
  EXPECT_EQ(probes, 2);
}

TEST_F(TemporalModelTest, ClearTrajectoriesGetTheObviousTrend) {
  struct Case {
    std::vector<double> burden;
    burnout::v1::Trend trend;
  };
  for (const auto& c : {Case{Ramp(0.2, 0.8, 10), burnout::v1::TREND_WORSENING},
                        Case{Ramp(0.85, 0.25, 10), burnout::v1::TREND_IMPROVING},
                        Case{Ramp(0.5, 0.5, 10), burnout::v1::TREND_STABLE},
                        Case{Ramp(0.8, 0.8, 8), burnout::v1::TREND_STABLE},
                        Case{Ramp(0.15, 0.15, 8), burnout::v1::TREND_STABLE}}) {
    auto r = model_->Predict(Sequence(c.burden), 20);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->trend(), c.trend) << r->DebugString();
    EXPECT_GT(r->confidence(), 0.6f);
    ASSERT_EQ(r->probabilities_size(), 3);
    EXPECT_EQ(r->probabilities(0).label(), "improving");
    EXPECT_EQ(r->probabilities(2).label(), "worsening");
    EXPECT_EQ(r->steps_used(), static_cast<int>(c.burden.size()));
    EXPECT_EQ(r->model().sha256(), model_->manifest().sha256());
    ASSERT_EQ(r->timings_size(), 1);
    EXPECT_EQ(r->timings(0).stage(), "temporal_model");
  }
}

TEST_F(TemporalModelTest, OneBadDayIsNotWorsening) {
  std::vector<double> burden = Ramp(0.35, 0.35, 9);
  burden.push_back(0.75);
  auto r = model_->Predict(Sequence(burden), 20);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->trend(), burnout::v1::TREND_WORSENING) << r->DebugString();
}

// A stable person's assessments (burden around `level`, every 1-3 days), then 4 assessments of
// a bad day (burden + 0.4): all within a few hours (clustered), or a week apart (spread). The
// feature values are the same in both; only gap_days differs.
struct BurstPair {
  burnout::v1::TrendRequest clustered, spread;
};
BurstPair MakeBurstPair(random::Rng& rng) {
  const int stable_steps = rng.UniformInt(6, 12);
  const double level = rng.Uniform(0.15, 0.45);
  std::vector<double> burden, clustered_gaps, spread_gaps;
  for (int i = 0; i < stable_steps + 4; ++i) {
    const bool bad = i >= stable_steps;
    burden.push_back(std::clamp(level + (bad ? 0.4 : 0.0) + rng.Normal(0.0, 0.03), 0.0, 1.0));
    const double usual = rng.Uniform(1.0, 3.0);
    clustered_gaps.push_back(i > stable_steps ? rng.Uniform(0.05, 0.15) : usual);
    spread_gaps.push_back(i > stable_steps ? rng.Uniform(6.0, 9.0) : usual);
  }
  return {Sequence(burden, clustered_gaps), Sequence(burden, spread_gaps)};
}

// What gap_days is for: a stable person who assesses 4 times on one bad day is not worsening;
// the same values over 3-4 weeks are. A model that dropped or ignored the gaps would give both
// the same probabilities.
TEST_F(TemporalModelTest, ABadDaysBurstIsNotWorseningButTheSameValuesOverWeeksAre) {
  random::Rng rng(2024);
  constexpr int kPairs = 40;
  double clustered = 0.0, spread = 0.0;
  int spread_higher = 0, clustered_worsening = 0, spread_worsening = 0;
  for (int i = 0; i < kPairs; ++i) {
    const BurstPair pair = MakeBurstPair(rng);
    for (int s = 0; s < pair.clustered.steps_size(); ++s) {
      for (int f = 0; f < 10; ++f) {
        ASSERT_EQ(pair.clustered.steps(s).values(f), pair.spread.steps(s).values(f));
      }
    }
    auto a = model_->Predict(pair.clustered, 20);
    auto b = model_->Predict(pair.spread, 20);
    ASSERT_TRUE(a.ok() && b.ok());
    const float pa = a->probabilities(2).probability(), pb = b->probabilities(2).probability();
    clustered += pa / kPairs;
    spread += pb / kPairs;
    spread_higher += pb > pa;
    clustered_worsening += a->trend() == burnout::v1::TREND_WORSENING;
    spread_worsening += b->trend() == burnout::v1::TREND_WORSENING;
  }
  std::printf(
      "P(worsening), mean of %d: bad-day burst %.3f, spread over weeks %.3f; "
      "called worsening %d vs %d\n",
      kPairs, clustered, spread, clustered_worsening, spread_worsening);
  RecordProperty("p_worsening_clustered_mean", std::to_string(clustered));
  RecordProperty("p_worsening_spread_mean", std::to_string(spread));
  EXPECT_GT(spread - clustered, 0.3);
  EXPECT_LT(clustered, 0.4);
  EXPECT_GT(spread, 0.6);
  EXPECT_GE(spread_higher, kPairs * 9 / 10);
  EXPECT_GT(spread_worsening, clustered_worsening + kPairs / 3);
}

TEST_F(TemporalModelTest, TheSameRiseIsATrendOverWeeksButNotWithinADay) {
  // A steady rise from 0.25 to 0.7 in 8 assessments: over 5 weeks, or within one afternoon
  // after weeks of calm at 0.25.
  std::vector<double> burden = Ramp(0.25, 0.25, 6);
  const std::vector<double> rise = Ramp(0.25, 0.7, 8);
  burden.insert(burden.end(), rise.begin() + 1, rise.end());
  std::vector<double> weeks(burden.size(), 5.0), afternoon(burden.size(), 5.0);
  for (size_t i = 6; i < burden.size(); ++i) afternoon[i] = 0.04;
  auto slow = model_->Predict(Sequence(burden, weeks), 20);
  auto fast = model_->Predict(Sequence(burden, afternoon), 20);
  ASSERT_TRUE(slow.ok() && fast.ok());
  EXPECT_EQ(slow->trend(), burnout::v1::TREND_WORSENING) << slow->DebugString();
  EXPECT_NE(fast->trend(), burnout::v1::TREND_WORSENING) << fast->DebugString();
}

TEST_F(TemporalModelTest, TheFirstStepsGapIsIgnored) {
  burnout::v1::TrendRequest req = Sequence(Ramp(0.3, 0.6, 6));
  auto zero = model_->Predict(req, 20);
  req.mutable_steps(0)->set_values(10, 0.9f);  // 21 days after an assessment not sent
  auto set = model_->Predict(req, 20);
  ASSERT_TRUE(zero.ok() && set.ok());
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(zero->probabilities(k).probability(), set->probabilities(k).probability());
  }
  req.mutable_steps(1)->set_values(10, 0.9f);  // ... but not the second's
  auto second = model_->Predict(req, 20);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(zero->probabilities(2).probability(), second->probabilities(2).probability());
}

TEST_F(TemporalModelTest, WiderRangesThanTrainedOnStillReadAsTheirDirection) {
  // Energy 0.8 -> 0.2, stress 0.2 -> 0.8: beyond the generator's typical ranges.
  for (bool worse : {true, false}) {
    burnout::v1::TrendRequest req = Sequence({});
    for (int i = 0; i < 8; ++i) {
      const float x = worse ? i / 7.0f : 1.0f - i / 7.0f;
      auto* s = req.add_steps();
      for (float v : {0.8f - 0.6f * x, 0.2f + 0.6f * x, 0.7f - 0.4f * x, 0.1f + 0.8f * x, 0.05f,
                      0.02f, 0.1f + 0.2f * x, 0.4f - 0.35f * x, 0.3f, 0.1f + 0.3f * x}) {
        s->add_values(v);
      }
      s->add_values(i > 0 ? static_cast<float>(EncodeGapDays(3.0)) : 0.0f);
    }
    auto r = model_->Predict(req, 20);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->trend(), worse ? burnout::v1::TREND_WORSENING : burnout::v1::TREND_IMPROVING)
        << r->DebugString();
  }
}

TEST_F(TemporalModelTest, WrongFeatureNamesAreNamed) {
  burnout::v1::TrendRequest req = Sequence(Ramp(0.2, 0.8, 5));
  req.set_feature_names(1, "tiredness");
  auto r = model_->Predict(req, 20);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              AllOf(HasSubstr("position 1"), HasSubstr("\"tiredness\""), HasSubstr("\"stress\"")));
  req = Sequence(Ramp(0.2, 0.8, 5));
  req.mutable_feature_names()->RemoveLast();
  r = model_->Predict(req, 20);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("\"gap_days\""));
}

TEST_F(TemporalModelTest, TheInputIsElevenFeaturesEndingWithGapDays) {
  ASSERT_EQ(DefaultTrendFeatureNames().size(), 11u);
  EXPECT_EQ(DefaultTrendFeatureNames()[9], "sadness");
  EXPECT_EQ(DefaultTrendFeatureNames()[10], "gap_days");
  EXPECT_EQ(model_->manifest().temporal().feature_names_size(), 11);
  EXPECT_EQ(model_->manifest().temporal().feature_names(10), "gap_days");

  // The 10 names and values of the model before gap_days.
  burnout::v1::TrendRequest old_contract;
  for (int f = 0; f < 10; ++f) old_contract.add_feature_names(DefaultTrendFeatureNames()[f]);
  for (double b : Ramp(0.2, 0.8, 5)) {
    auto* step = old_contract.add_steps();
    for (float v : StepAt(b)) step->add_values(v);
  }
  auto r = model_->Predict(old_contract, 20);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), AllOf(HasSubstr("position 10"), HasSubstr("got nothing"),
                                          HasSubstr("expected \"gap_days\"")));

  // 11 names, but a step without its gap.
  burnout::v1::TrendRequest no_gap = Sequence(Ramp(0.2, 0.8, 5));
  no_gap.mutable_steps(3)->mutable_values()->RemoveLast();
  r = model_->Predict(no_gap, 20);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("step 3 has 10 values; the model expects 11"));

  // Days sent instead of the encoding.
  burnout::v1::TrendRequest raw_days = Sequence(Ramp(0.2, 0.8, 5));
  raw_days.mutable_steps(2)->set_values(10, 7.0f);
  r = model_->Predict(raw_days, 20);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), AllOf(HasSubstr("step 2"), HasSubstr("gap_days")));
}

TEST(TrendFeaturesTest, GapDaysEncoding) {
  EXPECT_EQ(EncodeGapDays(0.0), 0.0);
  EXPECT_EQ(EncodeGapDays(-2.0), 0.0);  // clock skew
  EXPECT_EQ(EncodeGapDays(std::nan("")), 0.0);
  EXPECT_NEAR(EncodeGapDays(1.0), std::log(2.0) / std::log(31.0), 1e-12);
  EXPECT_NEAR(EncodeGapDays(7.0), 0.6055, 1e-4);
  EXPECT_EQ(EncodeGapDays(30.0), 1.0);
  EXPECT_EQ(EncodeGapDays(400.0), 1.0);
  EXPECT_EQ(EncodeGapDays(INFINITY), 1.0);
  double last = 0.0;
  for (double d = 0.01; d < 40.0; d *= 1.3) {
    EXPECT_GT(EncodeGapDays(d), last - 1e-15);
    last = EncodeGapDays(d);
    EXPECT_LE(last, 1.0);
  }
  EXPECT_LT(EncodeGapDays(0.1), 0.03);  // a few hours: same day
}

TEST_F(TemporalModelTest, RejectsBadSteps) {
  burnout::v1::TrendRequest empty = Sequence({});
  EXPECT_EQ(model_->Predict(empty, 20).status().code(), absl::StatusCode::kInvalidArgument);
  burnout::v1::TrendRequest short_step = Sequence(Ramp(0.2, 0.8, 4));
  short_step.mutable_steps(2)->mutable_values()->RemoveLast();
  auto r = model_->Predict(short_step, 20);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("step 2"));
  burnout::v1::TrendRequest nan = Sequence(Ramp(0.2, 0.8, 4));
  nan.mutable_steps(0)->set_values(3, std::nanf(""));
  EXPECT_EQ(model_->Predict(nan, 20).status().code(), absl::StatusCode::kInvalidArgument);
  burnout::v1::TrendRequest range = Sequence(Ramp(0.2, 0.8, 4));
  range.mutable_steps(1)->set_values(0, 3.0f);
  r = model_->Predict(range, 20);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("energy"));
}

TEST_F(TemporalModelTest, LongSequencesUseOnlyTheNewestMaxSteps) {
  // 30 improving steps, then 20 worsening ones: only the newest 20 count.
  std::vector<double> burden = Ramp(0.9, 0.2, 30);
  const std::vector<double> tail = Ramp(0.2, 0.85, 20);
  burden.insert(burden.end(), tail.begin(), tail.end());
  auto whole = model_->Predict(Sequence(burden), 20);
  auto newest = model_->Predict(Sequence(tail), 20);
  ASSERT_TRUE(whole.ok() && newest.ok());
  EXPECT_EQ(whole->steps_used(), 20);
  EXPECT_EQ(whole->trend(), burnout::v1::TREND_WORSENING);
  for (int k = 0; k < 3; ++k) {
    EXPECT_FLOAT_EQ(whole->probabilities(k).probability(), newest->probabilities(k).probability());
  }
  auto by_manifest = model_->Predict(Sequence(burden), 0);
  ASSERT_TRUE(by_manifest.ok());
  EXPECT_EQ(by_manifest->steps_used(), model_->manifest().temporal().max_steps());
  EXPECT_EQ(model_->Predict(Sequence(burden), 5)->steps_used(), 5);
}

TEST_F(TemporalModelTest, ReportsPerCallTime) {
  const burnout::v1::TrendRequest req = Sequence(Ramp(0.2, 0.8, 20));
  constexpr int kCalls = 200;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCalls; ++i) ASSERT_TRUE(model_->Predict(req, 20).ok());
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() /
      kCalls;
  std::printf("temporal Predict(): %.3f ms per call, 20 steps\n", ms);
  RecordProperty("ms_per_call_20_steps", std::to_string(ms));
  EXPECT_LT(ms, 50.0);
}

std::string CopyShipped(const std::string& name) {
  return testutil::CopyDirectory(kShipped, "temporal_ckpt_" + name);
}

TEST(TemporalCheckpointTest, BrokenDirectoriesAreRejectedByName) {
  const std::string garbage = CopyShipped("garbage");
  burnout::v1::ModelManifest m;
  ASSERT_TRUE(config::LoadTextProto(garbage + "/manifest.textproto", &m).ok());
  std::ofstream(garbage + "/model.pt", std::ios::trunc) << "not a libtorch archive";
  ASSERT_TRUE(model::WriteManifest(garbage, m).ok());
  auto loaded = TemporalModel::Load(garbage);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(loaded.status().message(), HasSubstr(garbage + "/model.pt"));

  const std::string dims = CopyShipped("dims");
  m.mutable_temporal()->set_hidden_dim(32);
  ASSERT_TRUE(model::WriteManifest(dims, m).ok());
  loaded = TemporalModel::Load(dims);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(loaded.status().message(), AllOf(HasSubstr("shape"), HasSubstr("manifest")));

  EXPECT_FALSE(TemporalModel::Load("models/temporal-gru/missing").ok());
}

TEST(SyntheticSequencesTest, CoversLengthsAndClassesDeterministically) {
  const auto a = GenerateSequences(900, 4), b = GenerateSequences(900, 4);
  int per_class[3] = {}, shortest = 100, longest = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    ++per_class[a[i].latent_trend];
    const int n = static_cast<int>(a[i].steps.size());
    shortest = std::min(shortest, n);
    longest = std::max(longest, n);
    ASSERT_EQ(a[i].steps, b[i].steps);
    ASSERT_EQ(a[i].days, b[i].days);
    for (const auto& step : a[i].steps) {
      ASSERT_EQ(step.size(), DefaultTrendFeatureNames().size());
      for (float v : step) ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
    }
    if (a[i].latent_trend == 2) EXPECT_GT(a[i].end_burden, a[i].start_burden);
    if (a[i].latent_trend == 0) EXPECT_LT(a[i].end_burden, a[i].start_burden);
  }
  EXPECT_EQ(shortest, 3);
  EXPECT_EQ(longest, 20);
  for (int c : per_class) EXPECT_GT(c, 220);
}

TEST(SyntheticSequencesTest, IrregularTimesAndOutlierDays) {
  const auto seqs = GenerateSequences(2000, 5);
  int same_day = 0, daily = 0, weekly = 0, breaks = 0, gaps = 0;
  int stable_bad_bursts = 0, worsening_bad_bursts = 0;
  for (const auto& s : seqs) {
    ASSERT_EQ(s.days.size(), s.steps.size());
    ASSERT_EQ(s.days[0], 0.0);
    ASSERT_EQ(s.steps[0].back(), 0.0f);
    for (size_t i = 1; i < s.days.size(); ++i) {
      const double gap = s.days[i] - s.days[i - 1];
      ASSERT_GT(gap, 0.0);
      ASSERT_FLOAT_EQ(s.steps[i].back(), static_cast<float>(EncodeGapDays(gap)));
      ++gaps;
      same_day += gap < 0.5;
      daily += gap >= 0.5 && gap < 3.0;
      weekly += gap >= 3.0 && gap < 12.0;
      breaks += gap >= 14.0;
    }
    // A trend needs time (assumption 2).
    if (s.latent_trend != 1) EXPECT_GE(s.days.back(), 10.0);
    if (s.newest_day_is_bad && s.newest_day_assessments >= 2) {
      EXPECT_TRUE(s.newest_is_outlier);
      stable_bad_bursts += s.latent_trend == 1;
      worsening_bad_bursts += s.latent_trend == 2;
    }
  }
  // The mixture of assumption 1, roughly 15 / 45 / 30 / 10%, plus bad days' repeats.
  EXPECT_GT(same_day, gaps / 10);
  EXPECT_GT(daily, gaps / 4);
  EXPECT_GT(weekly, gaps / 6);
  EXPECT_GT(breaks, gaps / 25);
  // Bad days with several assessments at the end of a sequence, in every class.
  EXPECT_GT(stable_bad_bursts, 60);
  EXPECT_GT(worsening_bad_bursts, 25);
}

TEST(SyntheticSequencesTest, BurstProbesDifferOnlyInTheirGaps) {
  const auto probes = GenerateBurstProbes(50, 9);
  ASSERT_EQ(probes.size(), 50u);
  for (const auto& p : probes) {
    ASSERT_EQ(p.clustered.steps.size(), p.spread.steps.size());
    const size_t n = p.clustered.steps.size();
    ASSERT_GE(n, 10u);
    for (size_t i = 0; i < n; ++i) {
      ASSERT_TRUE(std::equal(p.clustered.steps[i].begin(), p.clustered.steps[i].end() - 1,
                             p.spread.steps[i].begin()));
    }
    EXPECT_LT(p.clustered.days[n - 1] - p.clustered.days[n - 4], 0.5);
    EXPECT_GT(p.spread.days[n - 1] - p.spread.days[n - 4], 18.0);
    EXPECT_EQ(p.clustered.latent_trend, 1);
    EXPECT_EQ(p.spread.latent_trend, 2);
  }
}

TEST(TemporalTrainerTest, SameSeedGivesIdenticalWeights) {
  TemporalTrainOptions o;
  o.sequences = 200;
  o.epochs = 2;
  const fs::path base = ScratchRoot();
  std::string sha[2];
  for (int run = 0; run < 2; ++run) {
    o.out_dir = (base / ("temporal_train_" + std::to_string(run))).string();
    fs::remove_all(o.out_dir);
    auto report = TrainTemporal(o);
    ASSERT_TRUE(report.ok()) << report.status();
    sha[run] = report->manifest.sha256();
    EXPECT_EQ(*model::Sha256File(o.out_dir + "/model.pt"), sha[run]);
  }
  EXPECT_EQ(sha[0], sha[1]);
  auto loaded = TemporalModel::Load(o.out_dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE((*loaded)->Predict(Sequence(Ramp(0.2, 0.8, 6)), 0).ok());
}

}  // namespace
}  // namespace burnout::temporal
