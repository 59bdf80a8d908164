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
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/temporal/synthetic_sequences.h"
#include "services/temporal/temporal_trainer.h"
#include "tests/testing/temp_dir.h"

namespace burnout::temporal {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

using testutil::ScratchRoot;

constexpr char kShipped[] = "models/temporal-gru/1";

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

burnout::v1::TrendRequest Sequence(const std::vector<double>& burden) {
  burnout::v1::TrendRequest req;
  for (const auto& n : DefaultTrendFeatureNames()) req.add_feature_names(n);
  for (double b : burden) {
    auto* step = req.add_steps();
    for (float v : StepAt(b)) step->add_values(v);
  }
  return req;
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
  EXPECT_EQ(m.version(), "1");
  EXPECT_EQ(std::vector<std::string>(m.temporal().feature_names().begin(),
                                     m.temporal().feature_names().end()),
            DefaultTrendFeatureNames());
  EXPECT_GT(m.training().metrics_size(), 3);
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
  EXPECT_THAT(r.status().message(), HasSubstr("\"sadness\""));
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
    for (const auto& step : a[i].steps) {
      ASSERT_EQ(step.size(), DefaultTrendFeatureNames().size());
      for (float v : step) ASSERT_TRUE(v >= 0.0f && v <= 1.0f);
    }
    if (a[i].latent_trend == 2) EXPECT_GT(a[i].end_burden, a[i].start_burden);
    if (a[i].latent_trend == 0) EXPECT_LT(a[i].end_burden, a[i].start_burden);
  }
  EXPECT_EQ(shortest, 3);
  EXPECT_EQ(longest, 20);
  for (int c : per_class) EXPECT_GT(c, 250);
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
