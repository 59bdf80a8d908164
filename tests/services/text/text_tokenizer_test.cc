// Tokenisation, features, lexicon counts and multi-label scoring of the text model.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/text/features.h"
#include "services/text/lexicon.h"
#include "services/text/text_metrics.h"
#include "services/text/tokenizer.h"

namespace burnout::text {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Texts(std::string_view s) {
  std::vector<std::string> out;
  for (const Token& t : Tokenize(s)) out.push_back(t.text);
  return out;
}

TEST(TokenizerTest, LowercasesAndSplitsOnPunctuation) {
  EXPECT_THAT(Texts("Hello, WORLD... it's-fine"), ElementsAre("hello", "world", "it's", "fine"));
  EXPECT_THAT(Texts("  tabs\tand\nnewlines  "), ElementsAre("tabs", "and", "newlines"));
}

TEST(TokenizerTest, KeepsContractionsAndStraightensApostrophes) {
  EXPECT_THAT(Texts("I\u2019m sure I can't, 'quoted' dogs'"),
              ElementsAre("i'm", "sure", "i", "can't", "quoted", "dogs"));
}

TEST(TokenizerTest, MarksQuestionAndExclamationRuns) {
  const auto tokens = Tokenize("what?!?! wow!!! ok?");
  EXPECT_THAT(Texts("what?!?! wow!!! ok?"), ElementsAre("what", "?", "!", "wow", "!", "ok", "?"));
  EXPECT_FALSE(tokens[1].is_word);
  EXPECT_TRUE(tokens[0].is_word);
}

// Found by fuzz_tokenizers: "\xa0\xff" once decoded (as a 2-byte sequence, unchecked) to '?',
// whose "!?" run scanner then restarted at the same byte forever. Invalid bytes are separators.
TEST(TokenizerTest, InvalidUtf8IsASeparatorAndNeverStallsTheTokenizer) {
  EXPECT_THAT(Texts("feel\xa0\xff tired"), ElementsAre("feel", "tired"));
  EXPECT_THAT(Texts("so\xc0\xbftired\xc0\xa1"), ElementsAre("so", "tired"));  // overlong '?', '!'
  EXPECT_THAT(Texts("\xed\xa0\x80ok\x80"), ElementsAre("ok"));  // a surrogate, a stray continuation
  const std::string found =
      "I'm exhausted. Every day feel\xa0\xff\xff\xff\xff\xff\xff\xff\xff\xff" + std::string(1, '\0') +
      "s an sl'etep!";
  EXPECT_THAT(Texts(found), ElementsAre("i'm", "exhausted", "every", "day", "feel", "s", "an", "sl'etep", "!"));
}

TEST(TokenizerTest, EmojiAreTokensAndModifiersAreDropped) {
  // Face with tears of joy x3, thumbs up + skin tone, red heart + VS16, family with ZWJs.
  EXPECT_THAT(Texts("lol\U0001F602\U0001F602\U0001F602 \U0001F44D\U0001F3FD \u2764\uFE0F"),
              ElementsAre("lol", "\U0001F602", "\U0001F44D", "\u2764"));
  EXPECT_THAT(Texts("\U0001F468\u200D\U0001F469\u200D\U0001F467"),
              ElementsAre("\U0001F468", "\U0001F469", "\U0001F467"));
}

TEST(TokenizerTest, NameMasksElongationAndOtherScripts) {
  EXPECT_THAT(Texts("[NAME] is sooooo happyyyy"), ElementsAre("[name]", "is", "soo", "happyy"));
  EXPECT_THAT(Texts("\u00C9COLE caf\u00E9 \u041F\u0440\u0438\u0432\u0435\u0442 \u65E5\u672C"),
              ElementsAre("\u00E9cole", "caf\u00E9", "\u041F\u0440\u0438\u0432\u0435\u0442",
                          "\u65E5\u672C"));
  EXPECT_TRUE(Tokenize("...  ---").empty());
}

TEST(TokenizerTest, ValidatesUtf8) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("caf\u00E9 \U0001F602"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("abc\xe2\x82"));       // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));              // stray continuation
}

TEST(FeaturesTest, ExtractsKnownTokensPairsAndSubwords) {
  auto vocab = FeatureVocab::Create({"not", "happy", "not happy"}, 2, {"<ha", "app"},
                                    SubwordSpec{3, 3, 1.0f});
  ASSERT_TRUE(vocab.ok()) << vocab.status();
  const auto tokens = Tokenize("Not happy, hap!");
  std::vector<FeatureHit> hits;
  EXPECT_EQ(vocab->Extract(tokens, &hits), 2);  // "not", "happy"; "hap" and "!" unknown
  std::vector<std::string> surfaces;
  float weight = 0;
  for (const auto& h : hits) {
    surfaces.push_back(vocab->Surface(h, tokens));
    weight += h.weight;
  }
  // Tokens and their subwords in token order, then pairs.
  EXPECT_THAT(surfaces, ElementsAre("not", "happy", "happy", "happy", "hap", "not happy"));
  EXPECT_FLOAT_EQ(weight, 5.0f);  // 2 tokens + 2 words' subwords (1 each) + 1 pair

  std::vector<std::string> grams;
  AppendSubwords("\u00E9t\u00E9", 2, 3, &grams);  // code points, not bytes
  EXPECT_THAT(grams, ElementsAre("<\u00E9", "\u00E9t", "t\u00E9", "\u00E9>", "<\u00E9t",
                                 "\u00E9t\u00E9", "t\u00E9>"));
}

TEST(FeaturesTest, RejectsMalformedVocabularies) {
  EXPECT_FALSE(FeatureVocab::Create({"a", "a"}, 2).ok());
  EXPECT_FALSE(FeatureVocab::Create({"a b"}, 1).ok());
  EXPECT_FALSE(FeatureVocab::Create({"a", "ab"}, 1).ok());
  EXPECT_FALSE(FeatureVocab::Create({"a"}, 2).ok());
  EXPECT_FALSE(FeatureVocab::Create({"a"}, 1, {"<a"}).ok());
  EXPECT_FALSE(FeatureVocab::Create({"a"}, 1, {"<a"}, SubwordSpec{3, 2, 1.0f}).ok());
}

TEST(LexiconTest, CountsPerWordOnly) {
  const LexiconCounts c = CountLexicon(Tokenize("I never sleep, I'm worn out!! \U0001F622"));
  EXPECT_EQ(c.words, 6);  // i, never, sleep, i'm, worn, out
  EXPECT_EQ(c.first_person, 2);
  EXPECT_EQ(c.absolutist, 1);
  EXPECT_EQ(c.negation, 1);
  EXPECT_EQ(c.fatigue, 1);
  EXPECT_EQ(CountLexicon(Tokenize("I don't and wouldnt")).negation, 2);
}

TEST(MetricsTest, ArgmaxIsAlwaysPredicted) {
  EXPECT_EQ(PredictLabels({0.2f, 0.5f, 0.3f}, {0.9f, 0.9f, 0.9f}), 0b010u);
  EXPECT_EQ(PredictLabels({0.2f, 0.5f, 0.3f}, {0.9f, 0.9f, 0.25f}), 0b110u);
}

TEST(MetricsTest, PerLabelAndMacroF1) {
  MultiLabelScorer s(2);
  s.Add(0b01, 0b01);  // label 0: tp
  s.Add(0b01, 0b10);  // label 0: fn, label 1: fp
  s.Add(0b10, 0b10);  // label 1: tp
  EXPECT_DOUBLE_EQ(s.label(0).precision(), 1.0);
  EXPECT_DOUBLE_EQ(s.label(0).recall(), 0.5);
  EXPECT_NEAR(s.label(0).f1(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(s.label(1).f1(), 2.0 / 3, 1e-12);
  EXPECT_NEAR(s.MacroF1(), 2.0 / 3, 1e-12);
}

TEST(MetricsTest, TunedThresholdsSeparateTheClasses) {
  // Label 1 is gold whenever its probability reaches 0.3, though label 0 stays the argmax.
  const std::vector<std::vector<float>> probs = {
      {0.9f, 0.1f}, {0.65f, 0.35f}, {0.6f, 0.4f}, {0.8f, 0.2f}};
  const std::vector<uint32_t> gold = {0b01, 0b11, 0b11, 0b01};
  const std::vector<float> t = TuneThresholds(probs, gold, 2);
  EXPECT_GT(t[1], 0.2f);
  EXPECT_LE(t[1], 0.35f);
}

}  // namespace
}  // namespace burnout::text
