// The burnout dimensions of a text (the shipped lexicon and small hand-built ones): what the
// words count for, negation, the past, intensity, chronicity, who the text is about, clauses,
// the evidence, wrong lexicon files, the byte-for-byte rebuild; and the language check.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/model/model_dir.h"
#include "google/protobuf/text_format.h"
#include "services/text/burnout_lexicon.h"
#include "services/text/goemotions.h"
#include "services/text/text_analyzer.h"
#include "services/text/text_language.h"
#include "tests/testing/temp_dir.h"

namespace burnout::text {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const BurnoutLexicon& Shipped() {
  static const std::shared_ptr<const BurnoutLexicon> lex = [] {
    auto l = BurnoutLexicon::Load(BURNOUT_SOURCE_DIR "/models/text-burnout-lexicon");
    EXPECT_TRUE(l.ok()) << l.status();
    return l.ok() ? *l : nullptr;
  }();
  return *lex;
}

double Score(const BurnoutReading& r, const char* dimension) {
  const int d = Shipped().DimensionIndex(dimension);
  EXPECT_GE(d, 0) << dimension;
  return d >= 0 ? r.scores[d] : NAN;
}

const DimensionMatch* Find(const BurnoutReading& r, const std::string& surface_part) {
  for (const auto& m : r.matches) {
    if (m.surface.find(surface_part) != std::string::npos) return &m;
  }
  return nullptr;
}

std::string Dim(const DimensionMatch* m) {
  return m && m->dimension >= 0 ? Shipped().dimensions()[m->dimension] : "-";
}

TEST(BurnoutLexiconTest, TheShippedLexiconHasTheFiveDimensions) {
  EXPECT_THAT(Shipped().dimensions(), ::testing::ElementsAre("exhaustion", "overload", "mental_distance",
                                                             "reduced_efficacy", "recovery"));
  EXPECT_TRUE(Shipped().positive(Shipped().DimensionIndex("recovery")));
  EXPECT_FALSE(Shipped().positive(Shipped().DimensionIndex("exhaustion")));
  EXPECT_GT(Shipped().proto().terms_size(), 500);
  EXPECT_EQ(Shipped().info().name(), "text-burnout-lexicon");
}

TEST(BurnoutLexiconTest, TheDemoEntryIsExhaustionDistanceAndLossNotJoy) {
  const BurnoutReading r = Shipped().Read(
      "I am exhausted. Every day feels the same, the deadlines never stop and I cannot sleep. I used to love "
      "this work.");
  EXPECT_GT(Score(r, "exhaustion"), 0.8);  // "exhausted", "cannot sleep"
  EXPECT_GT(Score(r, "mental_distance"), 0.6);
  EXPECT_GT(Score(r, "overload"), 0.3);
  EXPECT_EQ(Score(r, "recovery"), 0.0);
  const DimensionMatch* love = Find(r, "love");
  ASSERT_NE(love, nullptr);
  EXPECT_EQ(Dim(love), "mental_distance");
  EXPECT_EQ(love->context, "loss");
  EXPECT_EQ(love->surface, "used to love this work");
  EXPECT_EQ(Dim(Find(r, "cannot sleep")), "exhaustion");
  EXPECT_THAT(Find(r, "feels the same")->context, HasSubstr("chronic"));
}

TEST(BurnoutLexiconTest, NegationTurnsATermIntoWhatItsAbsenceMeans) {
  BurnoutReading r = Shipped().Read("I'm not tired at all.");
  EXPECT_EQ(Score(r, "exhaustion"), 0.0);
  EXPECT_GT(Score(r, "recovery"), 0.0);
  EXPECT_EQ(Find(r, "tired")->context, "negated");
  EXPECT_EQ(Find(r, "tired")->surface, "not tired");

  r = Shipped().Read("I don't enjoy my job anymore.");
  EXPECT_EQ(Score(r, "recovery"), 0.0);
  EXPECT_GT(Score(r, "mental_distance"), 0.4);

  r = Shipped().Read("I didn't sleep well.");
  EXPECT_GT(Score(r, "exhaustion"), 0.4);
  EXPECT_EQ(Score(r, "recovery"), 0.0);

  // A term with a negation of its own ("no energy", "can't sleep") is not negated again.
  r = Shipped().Read("No energy, can't sleep.");
  EXPECT_GT(Score(r, "exhaustion"), 0.8);

  // A negated complaint without a meaning of its own counts for nothing but is reported.
  r = Shipped().Read("I am not failing.");
  EXPECT_EQ(Score(r, "reduced_efficacy"), 0.0);
  ASSERT_NE(Find(r, "failing"), nullptr);
  EXPECT_EQ(Find(r, "failing")->weight, 0.0);

  // Negation stays in its clause: the comma ends it.
  r = Shipped().Read("I am not sure, but I am exhausted.");
  EXPECT_GT(Score(r, "exhaustion"), 0.6);
  // "never stop" is chronic, not a negation of what follows.
  r = Shipped().Read("I never stop worrying about work.");
  EXPECT_GT(Score(r, "overload"), 0.5);
}

TEST(BurnoutLexiconTest, ThePastIsLossForGoodThingsAndReliefForBadOnes) {
  BurnoutReading r = Shipped().Read("I used to enjoy every project.");
  EXPECT_EQ(Score(r, "recovery"), 0.0);
  EXPECT_GT(Score(r, "mental_distance"), 0.3);
  EXPECT_EQ(Find(r, "enjoy")->context, "loss");

  r = Shipped().Read("I used to be exhausted all the time.");
  EXPECT_EQ(Score(r, "exhaustion"), 0.0);
  EXPECT_GT(Score(r, "recovery"), 0.0);
  EXPECT_EQ(Find(r, "exhausted")->context, "past");

  // Loss said after the good thing: "X is gone", "X has faded".
  for (const char* text : {"My motivation is gone.", "My enthusiasm for this job has faded.",
                           "I lost interest in my work."}) {
    r = Shipped().Read(text);
    EXPECT_EQ(Score(r, "recovery"), 0.0) << text;
    EXPECT_GT(Score(r, "mental_distance"), 0.3) << text;
  }
  // ... and a complaint that is gone is not a loss: "gone" leaves complaints as they are.
  r = Shipped().Read("My headache is gone but I am still exhausted.");
  EXPECT_GT(Score(r, "exhaustion"), 0.5);
  EXPECT_EQ(Score(r, "mental_distance"), 0.0);

  // The present tense is the present.
  r = Shipped().Read("I love this work.");
  EXPECT_GT(Score(r, "recovery"), 0.6);
  EXPECT_EQ(Score(r, "mental_distance"), 0.0);
}

TEST(BurnoutLexiconTest, IntensityAndChronicityScaleTheWeight) {
  const double plain = Score(Shipped().Read("I am tired."), "exhaustion");
  const double very = Score(Shipped().Read("I am so tired."), "exhaustion");
  const double bit = Score(Shipped().Read("I am a bit tired."), "exhaustion");
  const double daily = Score(Shipped().Read("I am tired every day."), "exhaustion");
  EXPECT_GT(very, plain);
  EXPECT_LT(bit, plain);
  EXPECT_GT(daily, plain);
  EXPECT_GT(plain, 0.3);
  EXPECT_EQ(Find(Shipped().Read("I am a bit tired."), "tired")->surface, "a bit tired");
}

TEST(BurnoutLexiconTest, AboutSomeoneElseCountsLess) {
  const double me = Score(Shipped().Read("I am exhausted."), "exhaustion");
  const double boss = Score(Shipped().Read("My boss is exhausted."), "exhaustion");
  EXPECT_LT(boss, me / 2);
  // The subject carries over "and" and commas, not over a full stop.
  BurnoutReading r = Shipped().Read("My boss is stressed and tired.");
  EXPECT_THAT(Find(r, "stressed")->context, HasSubstr("other"));
  EXPECT_THAT(Find(r, "tired")->context, HasSubstr("other"));
  r = Shipped().Read("My wife was stressed. Tired.");
  EXPECT_THAT(Find(r, "tired")->context, ::testing::Not(HasSubstr("other")));
  r = Shipped().Read("My wife is exhausted but I feel great.");
  EXPECT_LT(Score(r, "exhaustion"), 0.3);
  EXPECT_GT(Score(r, "recovery"), 0.4);
}

TEST(BurnoutLexiconTest, OrdinaryAndThrivingDaysReadAsSuch) {
  BurnoutReading r = Shipped().Read("Had a great day, got a lot done and went for a run after work.");
  EXPECT_GT(Score(r, "recovery"), 0.7);
  for (const char* d : {"exhaustion", "overload", "mental_distance", "reduced_efficacy"}) EXPECT_EQ(Score(r, d), 0.0) << d;
  r = Shipped().Read("Meetings in the morning, lunch with the team, then some emails.");
  for (size_t d = 0; d < r.scores.size(); ++d) EXPECT_LT(r.scores[d], 0.3) << Shipped().dimensions()[d];
}

TEST(BurnoutLexiconTest, EvidenceIsExact) {
  const BurnoutReading r = Shipped().Read("So drained. I can't concentrate, too many meetings, but the team is great.");
  burnout::v1::ModalityResult result;
  Shipped().AddTo(r, &result);
  std::vector<double> sums(Shipped().dimensions().size(), 0.0);
  for (const auto& e : result.evidence()) {
    const int d = Shipped().DimensionIndex(e.label());
    ASSERT_GE(d, 0) << e.label();
    sums[d] += e.contribution();
  }
  for (size_t d = 0; d < sums.size(); ++d) {
    EXPECT_NEAR(sums[d], r.raw[d], 1e-5) << Shipped().dimensions()[d];
    EXPECT_NEAR(r.scores[d], 1 - std::exp(-r.raw[d]), 1e-12);
  }
  int dimension_indicators = 0;
  for (const auto& i : result.indicators()) dimension_indicators += Shipped().DimensionIndex(i.name()) >= 0;
  EXPECT_EQ(dimension_indicators, 5);
  EXPECT_EQ(Find(r, "drained")->surface, "so drained");
  EXPECT_EQ(Find(r, "drained")->context, "intensified");
}

TEST(BurnoutLexiconTest, EmptyAndStrangeTextsReadAsNothing) {
  for (const char* t : {"", "   ", "!!!", "😀😀", "a", "\n\n"}) {
    const BurnoutReading r = Shipped().Read(t);
    EXPECT_TRUE(r.matches.empty()) << t;
    for (double s : r.scores) EXPECT_EQ(s, 0.0);
  }
  // A long text: linear, no crash; every repeat counts.
  std::string long_text;
  for (int i = 0; i < 2000; ++i) long_text += "I am tired. ";
  const BurnoutReading r = Shipped().Read(long_text);
  EXPECT_EQ(r.matches.size(), 2000u);
  EXPECT_GT(Score(r, "exhaustion"), 0.99);
}

burnout::v1::BurnoutLexicon Tiny() {
  burnout::v1::BurnoutLexicon p;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(R"pb(
    dimensions { name: "exhaustion" }
    dimensions { name: "recovery" positive: true }
    loss_dimension: "exhaustion"
    relief_dimension: "recovery"
    terms { dimension: "exhaustion" words: "tire*" weight: 1 }
    terms { dimension: "exhaustion" words: "can't" words: "_" words: "sleep" weight: 0.5 }
    modifiers { kind: "negator" phrases: "not" }
  )pb", &p));
  return p;
}

TEST(BurnoutLexiconTest, PrefixesAndGapsMatch) {
  auto lex = BurnoutLexicon::Compile(Tiny());
  ASSERT_TRUE(lex.ok()) << lex.status();
  BurnoutReading r = (*lex)->Read("tiredness, tired. I can't ever really sleep. I can't sleep. Tiring.");
  ASSERT_EQ(r.matches.size(), 4u);
  EXPECT_EQ(r.matches[2].surface, "can't ever really sleep");
  EXPECT_NEAR(r.raw[0], 3.0, 1e-9);
  // Three words in the gap are too many.
  r = (*lex)->Read("I can't ever really truly sleep.");
  EXPECT_TRUE(r.matches.empty());
}

TEST(BurnoutLexiconTest, BadLexiconsAreRefusedByName) {
  auto expect_error = [](burnout::v1::BurnoutLexicon p, const std::string& what) {
    auto lex = BurnoutLexicon::Compile(std::move(p));
    ASSERT_FALSE(lex.ok()) << what;
    EXPECT_EQ(lex.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(lex.status().message()), HasSubstr(what));
  };
  auto p = Tiny();
  p.mutable_terms(0)->set_dimension("sleepiness");
  expect_error(p, "unknown dimension \"sleepiness\"");
  p = Tiny();
  p.mutable_terms(1)->clear_words();
  p.mutable_terms(1)->add_words("_");
  expect_error(p, "may not start or end with a gap");
  p = Tiny();
  p.mutable_terms(0)->set_weight(-1);
  expect_error(p, "weight must be in (0, 3]");
  p = Tiny();
  (*p.mutable_params())["saturation"] = 0;
  expect_error(p, "param saturation");
  p = Tiny();
  (*p.mutable_params())["saturaton"] = 1;
  expect_error(p, "\"saturaton\" is unknown");
  p = Tiny();
  p.add_modifiers()->set_kind("sarcasm");
  expect_error(p, "\"sarcasm\" is unknown");
  p = Tiny();
  p.clear_loss_dimension();
  expect_error(p, "loss_dimension");
}

TEST(BurnoutLexiconTest, ATamperedOrMissingLexiconIsRefused) {
  const fs::path dir = testutil::CopyDirectory(BURNOUT_SOURCE_DIR "/models/text-burnout-lexicon/1", "lexicon_files");
  {
    std::ofstream out(dir / "lexicon.textproto", std::ios::app);
    out << "\n# an edit\n";
  }
  auto lex = BurnoutLexicon::Load(dir.string());
  ASSERT_FALSE(lex.ok());
  EXPECT_THAT(std::string(lex.status().message()), HasSubstr("lexicon.textproto"));
  EXPECT_FALSE(BurnoutLexicon::Load(testutil::FreshPath("no_lexicon")).ok());
}

TEST(BurnoutLexiconTest, TheBuilderRebuildsTheShippedLexiconByteForByte) {
  if (!fs::exists("/usr/share/wordnet/data.adj")) {
    GTEST_SKIP() << "WordNet (Debian's wordnet-base) is not installed; the shipped lexicon includes its synonyms";
  }
  const std::string out = testutil::FreshPath("lexicon_build");
  const std::string cmd = absl::StrCat(BURNOUT_BIN_DIR, "/burnout-build-lexicon --out_dir=", out, " > /dev/null");
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto read = [](const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  EXPECT_EQ(read(fs::path(out) / "lexicon.textproto"),
            read(BURNOUT_SOURCE_DIR "/models/text-burnout-lexicon/1/lexicon.textproto"))
      << "services/text/data/burnout_terms.tsv changed: rebuild with burnout-build-lexicon "
         "--out_dir=models/text-burnout-lexicon/1";
}

// ---- The language check ----

TEST(TextLanguageTest, EnglishGermanFrenchMixedAndShort) {
  LanguageVerdict v = DetectLanguage("I am exhausted. Every day feels the same and I cannot sleep any more.");
  EXPECT_FALSE(v.too_short());
  EXPECT_DOUBLE_EQ(v.english_share, 1.0);
  v = DetectLanguage("Ich bin total erschöpft und kann nicht mehr schlafen. Jeden Tag dasselbe, die Arbeit hört nie auf.");
  EXPECT_LT(v.english_share, 0.2);
  EXPECT_EQ(v.main_language, "German");
  v = DetectLanguage("Je suis épuisé, je ne dors plus, tous les jours la même chose.");
  EXPECT_EQ(v.main_language, "French");
  v = DetectLanguage(
      "Today was a long day at work and I feel tired, but the evening was nice. Ich bin müde und kann nicht "
      "schlafen, die Arbeit hört nie auf und jeden Tag ist es dasselbe.");
  EXPECT_GT(v.english_share, 0.2);
  EXPECT_LT(v.english_share, 0.8);
  EXPECT_TRUE(DetectLanguage("Long day.").too_short());
  EXPECT_TRUE(DetectLanguage("lol same").too_short());
}

TEST(TextLanguageTest, QualityFollowsTheEnglishShare) {
  burnout::v1::ModalityResult r;
  r.set_quality(1.0f);
  LanguageVerdict german;
  german.judged_bytes = 80;
  german.english_share = 0.0;
  german.main_language = "German";
  german.main_code = "de";
  ApplyLanguage(german, &r);
  EXPECT_FLOAT_EQ(r.quality(), 0.2f);
  ASSERT_EQ(r.quality_issues_size(), 1);
  EXPECT_EQ(r.quality_issues(0), "text looks German; the text model reads English only");
  EXPECT_EQ(r.details().at("language"), "de");

  burnout::v1::ModalityResult mixed;
  mixed.set_quality(1.0f);
  LanguageVerdict half = german;
  half.english_share = 0.6;
  ApplyLanguage(half, &mixed);
  EXPECT_FLOAT_EQ(mixed.quality(), 0.6f);
  EXPECT_THAT(mixed.quality_issues(0), HasSubstr("partly German (about 40%)"));

  burnout::v1::ModalityResult shortr;
  shortr.set_quality(0.5f);
  ApplyLanguage(LanguageVerdict{}, &shortr);
  EXPECT_FLOAT_EQ(shortr.quality(), 0.5f);
  EXPECT_EQ(shortr.details().at("language"), "too short to tell");
}

TEST(TextLanguageTest, RedditEnglishIsNotMistakenForAnotherLanguage) {
  const std::string dir = BURNOUT_SOURCE_DIR "/../shared/data/goemotions";
  if (!fs::exists(dir + "/dev.tsv")) GTEST_SKIP() << "GoEmotions is not in ../shared/data/goemotions";
  auto rows = LoadGoEmotions(dir, "dev");
  ASSERT_TRUE(rows.ok()) << rows.status();
  int flagged = 0;
  for (const auto& row : *rows) {
    const LanguageVerdict v = DetectLanguage(row.text);
    flagged += !v.too_short() && v.english_share < 0.8;
  }
  // Short, informal English ("Sober AF.") is the risk; a handful in 5,426 at most.
  EXPECT_LE(flagged, 5) << "of " << rows->size();
}

}  // namespace
}  // namespace burnout::text
