// The shipped fusion checkpoint: loading, masking, the input contract, calibration and MC
// dropout. Runs from the source root (models/ is relative to it).
#include "services/fusion/fusion_model.h"

#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/config/config.h"
#include "common/model/model_dir.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "services/fusion/fusion_features.h"
#include "services/fusion/synthetic_profiles.h"
#include "tests/services/fusion/fusion_test_inputs.h"
#include "tests/services/fusion/fusion_test_voice.h"

namespace burnout::fusion {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kShipped[] = "models/fusion-attention/1";

class FusionModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = FusionModel::Load(kShipped);
    ASSERT_TRUE(m.ok()) << m.status();
    model_ = m->release();
  }
  static void TearDownTestSuite() { delete model_; }
  static FusionModel* model_;
};
FusionModel* FusionModelTest::model_ = nullptr;

float Prob(const google::protobuf::RepeatedPtrField<burnout::v1::LabelScore>& scores,
           const std::string& label) {
  for (const auto& s : scores) {
    if (s.label() == label) return s.probability();
  }
  return -1.0f;
}

TEST_F(FusionModelTest, ShippedCheckpointLoadsWithItsRecord) {
  const auto& m = model_->manifest();
  EXPECT_EQ(m.kind(), "fusion-attention");
  EXPECT_EQ(m.name(), "fusion-attention");
  EXPECT_EQ(m.version(), "1");
  ASSERT_EQ(m.fusion().inputs_size(), 3);
  EXPECT_EQ(m.fusion().inputs(0).modality(), burnout::v1::MODALITY_TEXT);
  EXPECT_EQ(m.fusion().inputs(1).modality(), burnout::v1::MODALITY_VOICE);
  EXPECT_EQ(m.fusion().inputs(2).modality(), burnout::v1::MODALITY_FACE);
  for (const char* metric : {"temperature", "ece_before", "ece_after", "val_accuracy_text",
                             "val_accuracy_text+voice+face"}) {
    bool found = false;
    for (const auto& x : m.training().metrics()) found = found || x.name() == metric;
    EXPECT_TRUE(found) << metric;
  }
}

TEST_F(FusionModelTest, EverySubsetGivesValidOutputAndAbsentSlotsExactlyZero) {
  const auto profiles = GenerateProfiles(40, 99, WithVoice(ShippedVoiceModel()));
  for (int subset = 1; subset < 8; ++subset) {
    const std::array<bool, 3> present = {(subset & 1) != 0, (subset & 2) != 0, (subset & 4) != 0};
    for (const auto& p : profiles) {
      auto r = model_->Fuse(ToFuseRequest(p, present), FuseOptions{});
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_EQ(r->attention_size(), 3);
      float sum = 0.0f;
      for (int m = 0; m < 3; ++m) {
        if (present[m]) {
          EXPECT_GT(r->attention(m).weight(), 0.0f);
          sum += r->attention(m).weight();
        } else {
          EXPECT_EQ(r->attention(m).weight(), 0.0f);  // exactly, not approximately
        }
      }
      EXPECT_NEAR(sum, 1.0f, 1e-5f);
      float raw = 0.0f, cal = 0.0f, best = 0.0f;
      ASSERT_EQ(r->calibrated_probabilities_size(), 3);
      for (int k = 0; k < 3; ++k) {
        raw += r->raw_probabilities(k).probability();
        cal += r->calibrated_probabilities(k).probability();
        best = std::max(best, r->calibrated_probabilities(k).probability());
      }
      EXPECT_NEAR(raw, 1.0f, 1e-5f);
      EXPECT_NEAR(cal, 1.0f, 1e-5f);
      EXPECT_FLOAT_EQ(r->confidence(), best);
      EXPECT_NE(r->level(), burnout::v1::RISK_LEVEL_UNSPECIFIED);
      EXPECT_EQ(r->model().sha256(), model_->manifest().sha256());
      ASSERT_EQ(r->timings_size(), 1);
      EXPECT_EQ(r->timings(0).stage(), "fusion_model");
    }
  }
}

TEST_F(FusionModelTest, ClearProfilesGetTheObviousLevel) {
  auto high = model_->Fuse(ClearHighRiskRequest(), FuseOptions{});
  ASSERT_TRUE(high.ok()) << high.status();
  EXPECT_EQ(high->level(), burnout::v1::RISK_LEVEL_HIGH);
  EXPECT_GT(Prob(high->calibrated_probabilities(), "high"), 0.6f);
  auto low = model_->Fuse(ClearLowRiskRequest(), FuseOptions{});
  ASSERT_TRUE(low.ok()) << low.status();
  EXPECT_EQ(low->level(), burnout::v1::RISK_LEVEL_LOW);
  EXPECT_GT(Prob(low->calibrated_probabilities(), "low"), 0.6f);
  // Each channel alone points the same way.
  for (int m = 0; m < 3; ++m) {
    std::array<bool, 3> only = {m == 0, m == 1, m == 2};
    EXPECT_EQ(model_->Fuse(Only(ClearHighRiskRequest(), only), FuseOptions{})->level(),
              burnout::v1::RISK_LEVEL_HIGH)
        << m;
    EXPECT_EQ(model_->Fuse(Only(ClearLowRiskRequest(), only), FuseOptions{})->level(),
              burnout::v1::RISK_LEVEL_LOW)
        << m;
  }
}

// The text slot alone, with the same plain emotions: the dimensions move risk the way
// services/fusion/README.md says. Exhaustion and mental distance raise it most, overload and
// reduced efficacy less, present recovery lowers it, and joy that comes with mental distance
// (words about what the writer used to enjoy) does not lower it the way present joy does.
TEST_F(FusionModelTest, ShippedTextDimensionsMoveRiskAsDocumented) {
  auto text = [&](float joy, double exhaustion, double overload, double distance, double efficacy,
                  double recovery) {
    burnout::v1::FuseRequest req;
    *req.mutable_text() = MakeResult(burnout::v1::MODALITY_TEXT,
                                     {{"anger", 0.08f},
                                      {"disgust", 0.04f},
                                      {"fear", 0.06f},
                                      {"joy", joy},
                                      {"neutral", 0.62f - joy},
                                      {"sadness", 0.12f},
                                      {"surprise", 0.08f}},
                                     {{"absolutist_ratio", 0.01},
                                      {"exhaustion", exhaustion},
                                      {"overload", overload},
                                      {"mental_distance", distance},
                                      {"reduced_efficacy", efficacy},
                                      {"recovery", recovery}},
                                     0.95f);
    auto r = model_->Fuse(req, FuseOptions{});
    EXPECT_TRUE(r.ok()) << r.status();
    return Prob(r->calibrated_probabilities(), "moderate") / 2 + Prob(r->calibrated_probabilities(), "high");
  };
  const double plain = text(0.1f, 0, 0, 0, 0, 0);
  const double exhausted = text(0.1f, 0.86, 0, 0, 0, 0), distant = text(0.1f, 0, 0, 0.86, 0, 0);
  const double overloaded = text(0.1f, 0, 0.86, 0, 0, 0), ineffective = text(0.1f, 0, 0, 0, 0.86, 0);
  const double recovered = text(0.1f, 0, 0, 0, 0, 0.86);
  EXPECT_GT(exhausted, plain + 0.1);
  EXPECT_GT(distant, plain + 0.1);
  EXPECT_GT(overloaded, plain);
  EXPECT_GT(ineffective, plain);
  EXPECT_GT(std::min(exhausted, distant), std::max(overloaded, ineffective));
  EXPECT_LT(recovered, plain);
  // Joy with present recovery is lower risk than the same joy with loss (mental distance).
  EXPECT_LT(text(0.4f, 0, 0, 0, 0, 0.63), text(0.4f, 0, 0, 0.55, 0, 0));
  std::printf("risk score: plain %.3f exhaustion %.3f distance %.3f overload %.3f efficacy %.3f recovery %.3f\n",
              plain, exhausted, distant, overloaded, ineffective, recovered);
}

TEST_F(FusionModelTest, LowerQualityLowersThatModalitysAttention) {
  const auto profiles = GenerateProfiles(300, 4242, WithVoice(ShippedVoiceModel()));
  for (int m = 0; m < 3; ++m) {
    double clean = 0.0, poor = 0.0;
    for (const auto& p : profiles) {
      SyntheticProfile q = p;
      q.results[m].set_quality(0.95f);
      clean +=
          model_->Fuse(ToFuseRequest(q, {true, true, true}), FuseOptions{})->attention(m).weight();
      q.results[m].set_quality(0.25f);
      poor +=
          model_->Fuse(ToFuseRequest(q, {true, true, true}), FuseOptions{})->attention(m).weight();
    }
    clean /= profiles.size();
    poor /= profiles.size();
    EXPECT_LT(poor + 0.1, clean) << "slot " << m << ": " << poor << " vs " << clean;
  }
}

TEST_F(FusionModelTest, EmotionOrderAndExtraIndicatorsDoNotMatter) {
  burnout::v1::FuseRequest a = ClearHighRiskRequest();
  burnout::v1::FuseRequest b = a;
  auto* emotions = b.mutable_text()->mutable_emotions();
  std::reverse(emotions->begin(), emotions->end());
  auto* extra = b.mutable_text()->add_indicators();
  extra->set_name("word_count");
  extra->set_value(120);
  FuseOptions one;
  one.mc_samples = 1;
  auto ra = model_->Fuse(a, one), rb = model_->Fuse(b, one);
  ASSERT_TRUE(ra.ok() && rb.ok());
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(ra->raw_probabilities(k).probability(), rb->raw_probabilities(k).probability());
  }
}

TEST_F(FusionModelTest, RejectsNoModality) {
  auto r = model_->Fuse(burnout::v1::FuseRequest{}, FuseOptions{});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), HasSubstr("no modality present"));
}

TEST_F(FusionModelTest, MislabelledVoiceNamesTheLabels) {
  burnout::v1::FuseRequest req = ClearLowRiskRequest();
  req.mutable_voice()->clear_emotions();
  for (const char* l : {"anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"}) {
    auto* e = req.mutable_voice()->add_emotions();
    e->set_label(l);
    e->set_probability(1.0f / 7);
  }
  auto r = model_->Fuse(req, FuseOptions{});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(),
              AllOf(HasSubstr("voice"), HasSubstr("unexpected [anger, disgust, fear, joy"),
                    HasSubstr("missing [happy, angry, sad]"),
                    HasSubstr("expected [neutral, happy, angry, sad]")));
}

TEST_F(FusionModelTest, MissingIndicatorIsNamed) {
  burnout::v1::FuseRequest req = ClearLowRiskRequest();
  auto* inds = req.mutable_voice()->mutable_indicators();
  for (int i = 0; i < inds->size(); ++i) {
    if (inds->Get(i).name() == "speech_ratio") inds->DeleteSubrange(i, 1);
  }
  auto r = model_->Fuse(req, FuseOptions{});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status().message(), AllOf(HasSubstr("voice"), HasSubstr("\"speech_ratio\"")));
}

TEST_F(FusionModelTest, RejectsNonFiniteAndMisplacedInputs) {
  burnout::v1::FuseRequest nan_emotion = ClearLowRiskRequest();
  nan_emotion.mutable_face()->mutable_emotions(0)->set_probability(std::nanf(""));
  burnout::v1::FuseRequest inf_indicator = ClearLowRiskRequest();
  inf_indicator.mutable_text()->mutable_indicators(0)->set_value(INFINITY);
  burnout::v1::FuseRequest nan_quality = ClearLowRiskRequest();
  nan_quality.mutable_voice()->set_quality(std::nanf(""));
  burnout::v1::FuseRequest wrong_field = ClearLowRiskRequest();
  wrong_field.mutable_text()->set_modality(burnout::v1::MODALITY_FACE);
  for (const auto& req : {nan_emotion, inf_indicator, nan_quality, wrong_field}) {
    auto r = model_->Fuse(req, FuseOptions{});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << req.DebugString();
  }
  FuseOptions zero;
  zero.mc_samples = 0;
  EXPECT_EQ(model_->Fuse(ClearLowRiskRequest(), zero).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(FusionModelTest, CalibrationUsesTheFittedTemperature) {
  auto r = model_->Fuse(ClearHighRiskRequest(), FuseOptions{});
  ASSERT_TRUE(r.ok());
  const float t = model_->manifest().fusion().temperature();
  EXPECT_EQ(r->temperature(), t);
  double z = 0.0;
  for (int k = 0; k < 3; ++k) z += std::exp(std::log(r->raw_probabilities(k).probability()) / t);
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(r->calibrated_probabilities(k).probability(),
                std::exp(std::log(r->raw_probabilities(k).probability()) / t) / z, 1e-4);
  }
}

TEST_F(FusionModelTest, McUncertaintyIsZeroForOnePassAndPositiveForMany) {
  FuseOptions one, many;
  one.mc_samples = 1;
  many.mc_samples = 30;
  auto a = model_->Fuse(ClearHighRiskRequest(), one);
  auto b = model_->Fuse(ClearHighRiskRequest(), many);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->uncertainty(), 0.0f);
  EXPECT_GT(b->uncertainty(), 0.0f);
  EXPECT_LT(b->uncertainty(), 0.5f);
  // MC passes never change the deterministic outputs.
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(a->raw_probabilities(k).probability(), b->raw_probabilities(k).probability());
  }
  EXPECT_EQ(b->reliable(), b->confidence() > 0.5f && b->uncertainty() < 0.15f);
  many.reliable_max_uncertainty = 0.0f;
  EXPECT_FALSE(model_->Fuse(ClearHighRiskRequest(), many)->reliable());
}

TEST_F(FusionModelTest, ConcurrentCallsAgree) {
  const burnout::v1::FuseRequest req = ClearHighRiskRequest();
  FuseOptions opts;
  const auto expected = model_->Fuse(req, opts);
  ASSERT_TRUE(expected.ok());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto r = model_->Fuse(req, opts);
        if (!r.ok() ||
            r->raw_probabilities(2).probability() != expected->raw_probabilities(2).probability() ||
            r->attention(1).weight() != expected->attention(1).weight()) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(FusionModelTest, ReportsPerCallTime) {
  const burnout::v1::FuseRequest req = ClearHighRiskRequest();
  for (int mc : {1, 20}) {
    FuseOptions opts;
    opts.mc_samples = mc;
    constexpr int kCalls = 200;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kCalls; ++i) ASSERT_TRUE(model_->Fuse(req, opts).ok());
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
            .count() /
        kCalls;
    std::printf("fusion Fuse(): %.3f ms per call with mc_samples=%d\n", ms, mc);
    RecordProperty(mc == 1 ? "ms_per_call_mc1" : "ms_per_call_mc20", std::to_string(ms));
  }
}

float Score(const burnout::v1::FuseResponse& r) {
  return 0.5f * Prob(r.calibrated_probabilities(), "moderate") +
         Prob(r.calibrated_probabilities(), "high");
}

burnout::v1::IndicatorBaseline VoiceBaseline(const std::string& name, double median, double scale) {
  burnout::v1::IndicatorBaseline b;
  b.set_modality(burnout::v1::MODALITY_VOICE);
  b.set_name(name);
  b.set_median(median);
  b.set_scale(scale);
  b.set_n(20);
  return b;
}

// A neutral-sounding voice that is flat and slow by population standards. For a person who
// always speaks like that, the same prosody is their normal, and fusion reads it as typical.
TEST_F(FusionModelTest, APersonalBaselineReadsTheVoiceRelativeToThePerson) {
  burnout::v1::FuseRequest req = Only(ClearLowRiskRequest(), {false, true, false});
  auto* voice = req.mutable_voice();
  voice->clear_emotions();
  for (auto [l, p] : std::vector<std::pair<std::string, float>>{
           {"neutral", 0.7f}, {"happy", 0.1f}, {"angry", 0.1f}, {"sad", 0.1f}}) {
    auto* e = voice->add_emotions();
    e->set_label(l);
    e->set_probability(p);
  }
  for (auto& ind : *voice->mutable_indicators()) {
    if (ind.name() == "pitch_variability_st") ind.set_value(1.0);
    if (ind.name() == "speaking_rate_sps") ind.set_value(2.2);
    if (ind.name() == "speech_ratio") ind.set_value(0.5);
  }
  auto general = model_->Fuse(req, FuseOptions{});
  ASSERT_TRUE(general.ok()) << general.status();
  EXPECT_TRUE(general->personalized().empty());

  burnout::v1::FuseRequest usual = req;
  *usual.add_baselines() = VoiceBaseline("pitch_variability_st", 1.0, 0.2);
  *usual.add_baselines() = VoiceBaseline("speaking_rate_sps", 2.2, 0.3);
  *usual.add_baselines() = VoiceBaseline("speech_ratio", 0.5, 0.05);
  auto personal = model_->Fuse(usual, FuseOptions{});
  ASSERT_TRUE(personal.ok()) << personal.status();
  EXPECT_THAT(personal->personalized(),
              ::testing::ElementsAre("voice.pitch_variability_st", "voice.speaking_rate_sps",
                                     "voice.speech_ratio"));
  EXPECT_LT(Score(*personal), Score(*general) - 0.05f)
      << "general " << Score(*general) << " personal " << Score(*personal);

  // For a person who is usually far livelier, today's flat voice reads flatter still.
  burnout::v1::FuseRequest lively = req;
  *lively.add_baselines() = VoiceBaseline("pitch_variability_st", 5.0, 0.5);
  *lively.add_baselines() = VoiceBaseline("speaking_rate_sps", 4.5, 0.4);
  auto flatter = model_->Fuse(lively, FuseOptions{});
  ASSERT_TRUE(flatter.ok());
  std::printf("flat, slow voice: read against people in general %.3f, against a person who always "
              "sounds like that %.3f, against a usually lively person %.3f\n",
              Score(*general), Score(*personal), Score(*flatter));
  EXPECT_GE(Score(*flatter), Score(*general) - 1e-4f);

  // A baseline for an absent modality or an indicator the model does not read changes nothing.
  burnout::v1::FuseRequest other = req;
  auto face = VoiceBaseline("perclos", 0.1, 0.02);
  face.set_modality(burnout::v1::MODALITY_FACE);
  *other.add_baselines() = face;
  *other.add_baselines() = VoiceBaseline("rms_dbfs", -20, 3);
  auto same = model_->Fuse(other, FuseOptions{});
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same->personalized().empty());
  EXPECT_FLOAT_EQ(Score(*same), Score(*general));

  burnout::v1::FuseRequest bad = req;
  *bad.add_baselines() = VoiceBaseline("pitch_variability_st", 1.0, 0.0);
  auto refused = model_->Fuse(bad, FuseOptions{});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("voice.pitch_variability_st"));
}

TEST_F(FusionModelTest, EachPresentModalityAloneIsReportedForContradictions) {
  // Cheerful words, an exhausted voice and face.
  burnout::v1::FuseRequest req = ClearHighRiskRequest();
  *req.mutable_text() = ClearLowRiskRequest().text();
  auto r = model_->Fuse(req, FuseOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->solo_size(), 3);
  std::map<int, float> solo;
  for (const auto& s : r->solo()) solo[s.modality()] = s.risk_score();
  EXPECT_LT(solo[burnout::v1::MODALITY_TEXT], 0.3f);
  EXPECT_GT(solo[burnout::v1::MODALITY_VOICE], solo[burnout::v1::MODALITY_TEXT] + 0.35f);
  EXPECT_GT(solo[burnout::v1::MODALITY_FACE], solo[burnout::v1::MODALITY_TEXT] + 0.35f);
  // Each solo score is what the model says for that modality alone.
  auto text_alone = model_->Fuse(Only(req, {true, false, false}), FuseOptions{});
  ASSERT_TRUE(text_alone.ok());
  EXPECT_NEAR(solo[burnout::v1::MODALITY_TEXT], Score(*text_alone), 1e-5);
  EXPECT_TRUE(text_alone->solo().empty());  // one modality: nothing to contrast
}

TEST_F(FusionModelTest, AbstainsWhenTheEvidenceIsTooWeak) {
  FuseOptions opts;
  opts.abstain_min_evidence = 0.3f;
  // One poor text: too little to go on.
  burnout::v1::FuseRequest weak;
  *weak.mutable_text() = ClearHighRiskRequest().text();
  weak.mutable_text()->set_quality(0.1f);
  auto r = model_->Fuse(weak, opts);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->abstained());
  EXPECT_EQ(r->level(), burnout::v1::RISK_LEVEL_UNSPECIFIED);
  EXPECT_FALSE(r->reliable());
  EXPECT_NEAR(r->evidence(), 0.1f, 1e-6);
  EXPECT_THAT(r->abstain_reason(), AllOf(HasSubstr("not enough signal to estimate a risk"),
                                         HasSubstr("0.10"), HasSubstr("0.30")));
  EXPECT_EQ(r->calibrated_probabilities_size(), 3) << "the probabilities stay, for the record";
  // Two poor modalities together carry enough: 1 - 0.8 * 0.8 = 0.36.
  burnout::v1::FuseRequest two = weak;
  *two.mutable_voice() = ClearHighRiskRequest().voice();
  two.mutable_text()->set_quality(0.2f);
  two.mutable_voice()->set_quality(0.2f);
  r = model_->Fuse(two, opts);
  ASSERT_TRUE(r.ok());
  EXPECT_NEAR(r->evidence(), 0.36f, 1e-5);
  EXPECT_FALSE(r->abstained());
  EXPECT_NE(r->level(), burnout::v1::RISK_LEVEL_UNSPECIFIED);
  // The check is off by default (negative threshold).
  EXPECT_FALSE(model_->Fuse(weak, FuseOptions{})->abstained());
}

TEST_F(FusionModelTest, AbstainsWhenTheMcSpreadIsTooWide) {
  FuseOptions opts;
  opts.mc_samples = 30;
  auto base = model_->Fuse(ClearHighRiskRequest(), opts);
  ASSERT_TRUE(base.ok());
  ASSERT_GT(base->uncertainty(), 0.0f);
  opts.abstain_uncertainty = base->uncertainty() / 2;
  auto r = model_->Fuse(ClearHighRiskRequest(), opts);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->abstained());
  EXPECT_THAT(r->abstain_reason(), HasSubstr("disagree"));
  opts.abstain_uncertainty = base->uncertainty() * 3;
  EXPECT_FALSE(model_->Fuse(ClearHighRiskRequest(), opts)->abstained());
  // The dropout masks are seeded by the input: the same request always gets the same spread,
  // so it cannot flip between a level and an abstention; another input gets other masks.
  opts.abstain_uncertainty = -1.0f;
  auto again = model_->Fuse(ClearHighRiskRequest(), opts);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->uncertainty(), base->uncertainty());
  auto other = model_->Fuse(ClearLowRiskRequest(), opts);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->uncertainty(), base->uncertainty());
  // One pass measures no spread, so it never abstains on it.
  opts.mc_samples = 1;
  opts.abstain_uncertainty = 0.0f;
  EXPECT_FALSE(model_->Fuse(ClearHighRiskRequest(), opts)->abstained());
}

}  // namespace
}  // namespace burnout::fusion
