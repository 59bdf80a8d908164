// The shipped text emotion model: predictions on clear sentences, evidence, indicators,
// quality, input validation, thread safety, and its score on GoEmotions dev (skipped without
// ../shared).
#include "services/text/text_model.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_join.h"
#include "burnout/v1/model.pb.h"
#include "common/config/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/text/evaluate.h"
#include "services/text/goemotions.h"

namespace burnout::text {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kShipped[] = BURNOUT_SOURCE_DIR "/models/text-emotion-goemotions/1";
constexpr char kDataDir[] = BURNOUT_SOURCE_DIR "/../shared/data/goemotions";

class TextModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto loaded = TextModel::Load(kShipped);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    model_ = loaded->release();
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }

  static burnout::v1::ModalityResult Analyze(const std::string& text, AnalyzeOptions options = {}) {
    auto r = model_->Analyze(text, options);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : burnout::v1::ModalityResult();
  }

  static std::string TopEmotion(const burnout::v1::ModalityResult& r) {
    std::string best;
    float p = -1;
    for (const auto& e : r.emotions()) {
      if (e.probability() > p) p = e.probability(), best = e.label();
    }
    return best;
  }

  static double Indicator(const burnout::v1::ModalityResult& r, const std::string& name) {
    for (const auto& i : r.indicators()) {
      if (i.name() == name) return i.value();
    }
    ADD_FAILURE() << "no indicator " << name;
    return NAN;
  }

  static std::vector<std::string> Evidence(const burnout::v1::ModalityResult& r,
                                           const std::string& label) {
    std::vector<std::string> out;
    for (const auto& e : r.evidence()) {
      if (e.label() == label) out.push_back(e.feature());
    }
    return out;
  }

  static TextModel* model_;
};

TextModel* TextModelTest::model_ = nullptr;

TEST_F(TextModelTest, LoadsTheShippedModelWithItsProvenance) {
  EXPECT_THAT(model_->labels(), ElementsAreArray(EkmanLabels()));
  EXPECT_EQ(model_->info().name(), "text-emotion-goemotions");
  EXPECT_EQ(model_->info().version(), "1");
  burnout::v1::ModelManifest manifest;
  ASSERT_TRUE(config::LoadTextProto(std::string(kShipped) + "/manifest.textproto", &manifest).ok());
  EXPECT_EQ(model_->info().sha256(), manifest.sha256());
  EXPECT_EQ(model_->info().sha256().size(), 64u);
  ASSERT_EQ(model_->thresholds().size(), 7u);
  for (float t : model_->thresholds()) EXPECT_TRUE(t > 0 && t < 1) << t;
  // The trainer's prior correction brings the labels' thresholds close together, so the top
  // emotion is the one furthest past its own threshold, not the most frequent label.
  const auto [lo, hi] = std::minmax_element(model_->thresholds().begin(), model_->thresholds().end());
  EXPECT_LT(*hi / *lo, 1.5f) << *lo << " .. " << *hi;
}

struct Case {
  const char* text;
  const char* emotion;
};

class TopEmotionTest : public TextModelTest, public ::testing::WithParamInterface<Case> {};

TEST_P(TopEmotionTest, ClearSentenceGetsTheRightTopEmotion) {
  const auto r = Analyze(GetParam().text);
  EXPECT_EQ(TopEmotion(r), GetParam().emotion) << r.ShortDebugString();
}

INSTANTIATE_TEST_SUITE_P(Sentences, TopEmotionTest,
                         ::testing::Values(Case{"I am so happy and grateful today", "joy"},
                                           Case{"I'm furious, this is outrageous", "anger"},
                                           Case{"I'm terrified of what happens next", "fear"},
                                           Case{"I feel so sad and lonely", "sadness"}));

TEST_F(TextModelTest, ResultIsComplete) {
  const auto r = Analyze("I am so happy and grateful today");
  EXPECT_EQ(r.modality(), burnout::v1::MODALITY_TEXT);
  ASSERT_EQ(r.emotions_size(), 7);
  double sum = 0;
  for (int i = 0; i < r.emotions_size(); ++i) {
    EXPECT_EQ(r.emotions(i).label(), EkmanLabels()[i]);
    EXPECT_GE(r.emotions(i).probability(), 0.0f);
    sum += r.emotions(i).probability();
  }
  EXPECT_NEAR(sum, 1.0, 1e-5);
  EXPECT_EQ(r.embedding().model_id(), "text-emotion-goemotions/1");
  EXPECT_GT(r.embedding().dimension(), 0);
  EXPECT_EQ(r.embedding().values_size(), r.embedding().dimension());
  EXPECT_EQ(r.model().sha256(), model_->info().sha256());
  ASSERT_EQ(r.timings_size(), 1);
  EXPECT_EQ(r.timings(0).stage(), "text_model");
  EXPECT_GE(r.timings(0).millis(), 0.0);
  EXPECT_FLOAT_EQ(r.quality(), 1.0f);
  EXPECT_EQ(r.quality_issues_size(), 0);
}

TEST_F(TextModelTest, EvidenceNamesTheWordsThatPushedEachEmotion) {
  const auto r = Analyze("I am so happy and grateful today");
  EXPECT_THAT(Evidence(r, "joy"), ::testing::Contains("happy"));
  std::vector<int> per_label(7, 0);
  for (const auto& e : r.evidence()) {
    EXPECT_GT(e.contribution(), 0.0f) << e.ShortDebugString();
    const auto it = std::find(EkmanLabels().begin(), EkmanLabels().end(), e.label());
    ASSERT_NE(it, EkmanLabels().end());
    ++per_label[it - EkmanLabels().begin()];
  }
  for (int n : per_label) EXPECT_LE(n, AnalyzeOptions().evidence_per_label);
  // Strongest first within a label.
  for (int i = 1; i < r.evidence_size(); ++i) {
    if (r.evidence(i).label() == r.evidence(i - 1).label()) {
      EXPECT_GE(r.evidence(i - 1).contribution(), r.evidence(i).contribution());
    }
  }
  AnalyzeOptions none;
  none.evidence_per_label = 0;
  EXPECT_EQ(Analyze("I am so happy and grateful today", none).evidence_size(), 0);
}

TEST_F(TextModelTest, IndicatorsCountTheLexicons) {
  // 11 words: i, am, exhausted, and, drained, i, always, feel, like, nothing, works.
  const auto r = Analyze("I am exhausted and drained, I always feel like nothing works.");
  EXPECT_EQ(Indicator(r, "word_count"), 11);
  EXPECT_NEAR(Indicator(r, "first_person_ratio"), 2.0 / 11, 1e-9);
  EXPECT_NEAR(Indicator(r, "absolutist_ratio"), 2.0 / 11, 1e-9);
  EXPECT_NEAR(Indicator(r, "fatigue_term_ratio"), 2.0 / 11, 1e-9);
  EXPECT_NEAR(Indicator(r, "negation_ratio"), 1.0 / 11, 1e-9);
  EXPECT_GT(Indicator(r, "known_token_ratio"), 0.9);
  EXPECT_LE(Indicator(r, "known_token_ratio"), 1.0);
  for (const auto& i : r.indicators()) EXPECT_FALSE(i.unit().empty()) << i.name();

  // Two-word terms and contractions: "burnt out", "can't cope"; "I’m" with a curly apostrophe.
  const auto pairs = Analyze("I\u2019m burnt out and can't cope");
  EXPECT_EQ(Indicator(pairs, "word_count"), 6);
  EXPECT_NEAR(Indicator(pairs, "fatigue_term_ratio"), 2.0 / 6, 1e-9);
  EXPECT_NEAR(Indicator(pairs, "negation_ratio"), 1.0 / 6, 1e-9);
  EXPECT_NEAR(Indicator(pairs, "first_person_ratio"), 1.0 / 6, 1e-9);

  // Hedging idioms are not all-or-nothing words; the same words used absolutely are.
  EXPECT_EQ(Indicator(Analyze("Nothing much to report, all good."), "absolutist_ratio"), 0);
  EXPECT_EQ(Indicator(Analyze("Worked on the budget. Nothing special happened."), "absolutist_ratio"), 0);
  EXPECT_NEAR(Indicator(Analyze("Nothing I do is ever good enough."), "absolutist_ratio"), 2.0 / 7, 1e-9);

  EXPECT_GT(Indicator(Analyze("I am exhausted and drained"), "fatigue_term_ratio"), 0);
  EXPECT_EQ(Indicator(Analyze("What a lovely sunny day"), "fatigue_term_ratio"), 0);
}

TEST_F(TextModelTest, QualityDropsForShortOrUnknownText) {
  const auto short_text = Analyze("ok thanks");
  EXPECT_LT(short_text.quality(), 0.7f);
  ASSERT_GE(short_text.quality_issues_size(), 1);
  EXPECT_THAT(short_text.quality_issues(0), HasSubstr("only 2 words"));

  const auto unknown = Analyze("zxqvj blorfek wuggletrof frumiouszk snarkelby glimpfst");
  EXPECT_LT(unknown.quality(), 0.3f);
  EXPECT_THAT(absl::StrJoin(unknown.quality_issues(), "; "), HasSubstr("known to the model"));
  EXPECT_LT(Indicator(unknown, "known_token_ratio"), 0.2);

  const auto emoji = Analyze("\U0001F602\U0001F602\U0001F602");
  EXPECT_LT(emoji.quality(), 0.2f);
  EXPECT_EQ(Indicator(emoji, "word_count"), 0);
  for (float v : {short_text.quality(), unknown.quality(), emoji.quality()}) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
}

TEST_F(TextModelTest, RejectsEmptyBlankAndInvalidUtf8) {
  for (const std::string bad :
       {std::string(), std::string("   \n\t "), std::string("\u00A0\u3000"),
        std::string("\xff\xfe"), std::string("ok \xc0\xaf"), std::string("\xed\xa0\x80"),
        std::string("caf\xc3"), std::string("\xf4\x90\x80\x80")}) {
    auto r = model_->Analyze(bad, AnalyzeOptions());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << "input: " << bad;
  }
}

TEST_F(TextModelTest, AnalyzeIsThreadSafeAndDeterministic) {
  const std::vector<std::string> texts = {"I am so happy and grateful today",
                                          "I'm furious, this is outrageous",
                                          "I feel so sad and lonely \U0001F622"};
  std::vector<std::string> expected;
  for (const auto& t : texts) {
    auto r = Analyze(t);
    r.clear_timings();
    expected.push_back(r.SerializeAsString());
  }
  std::vector<int> mismatches(2, 0);
  std::vector<std::thread> threads;
  for (int k = 0; k < 2; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 200; ++i) {
        auto r = model_->Analyze(texts[i % texts.size()], AnalyzeOptions());
        if (!r.ok()) {
          ++mismatches[k];
          continue;
        }
        r->clear_timings();
        if (r->SerializeAsString() != expected[i % texts.size()]) ++mismatches[k];
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches, std::vector<int>(2, 0));
}

TEST_F(TextModelTest, ShippedModelScoresAsRecordedOnGoEmotionsDev) {
  if (!CheckDataDir(kDataDir).ok()) GTEST_SKIP() << "GoEmotions not at " << kDataDir;
  auto dev = LoadGoEmotions(kDataDir, "dev");
  ASSERT_TRUE(dev.ok()) << dev.status();
  ASSERT_EQ(dev->size(), 5426u);
  const EvalReport report = Evaluate(*model_, *dev);
  EXPECT_EQ(report.skipped, 0);
  EXPECT_GE(report.scorer.MacroF1(), 0.60);
  burnout::v1::ModelManifest manifest;
  ASSERT_TRUE(config::LoadTextProto(std::string(kShipped) + "/manifest.textproto", &manifest).ok());
  bool found = false;
  for (const auto& m : manifest.training().metrics()) {
    if (m.name() == "dev_macro_f1") {
      found = true;
      EXPECT_NEAR(m.value(), report.scorer.MacroF1(), 1e-9);
    }
  }
  EXPECT_TRUE(found) << "manifest records no dev_macro_f1";
}

}  // namespace
}  // namespace burnout::text
