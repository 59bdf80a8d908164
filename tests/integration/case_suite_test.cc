// The case suite (tests/cases/): short journal entries in three groups, spoken clips and the
// shared photographs, assessed through the real stack (every service a process, the shipped
// models, burnoutctl as a person runs it). It guards what a reader would call obvious:
//  - every entry of the "burnout" group is assessed moderate or high, the demo's entry too;
//  - the groups' mean risk is ordered: burnout > ordinary > thriving;
//  - the same words spoken flat and slow read as more at risk than spoken lively and fast;
//  - a smiling face lowers an ordinary entry's risk no more than the words themselves allow:
//    a face alone never outweighs clear burnout language.
// The suite is the guard, not the target: entries are added, never edited to pass.
// journal_holdout.tsv is printed (deploy/eval-cases.sh), not asserted on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "burnout/v1/burnout_risk.pb.h"
#include "common/schema/face_schema.h"
#include "common/schema/text_schema.h"
#include "google/protobuf/util/json_util.h"
#include "services/voice/espeak.h"

namespace {

namespace fs = std::filesystem;

constexpr char kDemoEntry[] =
    "I am exhausted. Every day feels the same, the deadlines never stop and I cannot sleep. I used to "
    "love this work.";

struct Entry {
  std::string group, text;
};

std::vector<Entry> ReadCases(const std::string& path) {
  std::ifstream in(path);
  std::vector<Entry> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// P(moderate) / 2 + P(high): the store's risk score.
double RiskScore(const burnout::v1::Assessment& a) {
  double s = 0;
  for (const auto& p : a.risk().calibrated_probabilities()) {
    if (p.label() == "moderate") s += 0.5 * p.probability();
    if (p.label() == "high") s += p.probability();
  }
  return s;
}

class CaseSuiteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    run_ = fs::temp_directory_path() / ("case_suite_" + std::to_string(::getpid()));
    fs::remove_all(run_);
    fs::create_directories(run_);
    std::string out;
    ASSERT_EQ(Ctl("up --base_port 0", &out), 0) << out;
  }
  static void TearDownTestSuite() {
    std::string out;
    Ctl("down", &out);
    fs::remove_all(run_);
  }
  static int Ctl(const std::string& args, std::string* out) {
    const fs::path o = run_ / "ctl.out", e = run_ / "ctl.err";
    const std::string cmd = std::string(BURNOUT_BIN_DIR) + "/burnoutctl --config config/stack.textproto --run_dir " +
                            run_.string() + " " + args + " >" + o.string() + " 2>" + e.string();
    const int rc = std::system(cmd.c_str());
    *out = Slurp(o) + Slurp(e);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  // One assessment for a user of its own (no history, so no trend colours it). `inputs` are
  // burnoutctl flags; the text, when any, goes through a file so no shell quoting touches it.
  static burnout::v1::Assessment Assess(const std::string& text, const std::string& inputs = "") {
    std::string args = absl::StrFormat("assess --json --user case-%d %s", next_user_++, inputs);
    if (!text.empty()) {
      const fs::path f = run_ / "entry.txt";
      std::ofstream(f) << text;
      args += " --text_file " + f.string();
    }
    std::string out;
    const int rc = Ctl(args, &out);
    burnout::v1::Assessment a;
    EXPECT_EQ(rc, 0) << out;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(out, &a).ok()) << out;
    return a;
  }
  static fs::path run_;
  static int next_user_;
};
fs::path CaseSuiteTest::run_;
int CaseSuiteTest::next_user_ = 0;

TEST_F(CaseSuiteTest, JournalGroupsAreOrderedAndEveryBurnoutEntryIsAtLeastModerate) {
  const auto cases = ReadCases("tests/cases/journal_cases.tsv");
  std::map<std::string, std::vector<double>> scores;
  std::map<std::string, std::map<std::string, int>> levels;
  std::vector<std::string> missed;
  for (const auto& c : cases) {
    const auto a = Assess(c.text);
    ASSERT_TRUE(a.modalities(0).used()) << c.text << ": " << a.modalities(0).mask_reason();
    const double score = RiskScore(a);
    scores[c.group].push_back(score);
    ++levels[c.group][burnout::v1::RiskLevel_Name(a.risk().level())];
    if (c.group == "burnout" && a.risk().level() != burnout::v1::RISK_LEVEL_MODERATE &&
        a.risk().level() != burnout::v1::RISK_LEVEL_HIGH) {
      missed.push_back(absl::StrFormat("%.3f %s", score, c.text));
    }
  }
  ASSERT_GE(scores["burnout"].size(), 20u);
  ASSERT_GE(scores["ordinary"].size(), 20u);
  ASSERT_GE(scores["thriving"].size(), 20u);
  EXPECT_GE(cases.size(), 60u);
  auto mean = [&](const std::string& g) {
    double s = 0;
    for (double v : scores[g]) s += v;
    return s / static_cast<double>(scores[g].size());
  };
  for (const char* g : {"burnout", "ordinary", "thriving"}) {
    std::printf("%-9s n=%2zu mean risk %.3f  low %d moderate %d high %d\n", g, scores[g].size(), mean(g),
                levels[g]["RISK_LEVEL_LOW"], levels[g]["RISK_LEVEL_MODERATE"], levels[g]["RISK_LEVEL_HIGH"]);
  }
  EXPECT_TRUE(missed.empty()) << "burnout entries assessed low:\n" << absl::StrJoin(missed, "\n");
  EXPECT_GT(mean("burnout"), mean("ordinary"));
  EXPECT_GT(mean("ordinary"), mean("thriving"));
}

TEST_F(CaseSuiteTest, TheDemoEntryIsModerateOrHighAndExplainedInItsOwnWords) {
  const auto a = Assess(kDemoEntry);
  EXPECT_TRUE(a.risk().level() == burnout::v1::RISK_LEVEL_MODERATE || a.risk().level() == burnout::v1::RISK_LEVEL_HIGH)
      << burnout::v1::RiskLevel_Name(a.risk().level()) << " " << RiskScore(a);
  std::string text;
  for (const auto& n : a.narratives()) {
    if (n.topic() == "text") text = n.text();
  }
  // The dimensions with the words that drove them, and "used to love" read as loss.
  EXPECT_THAT(text, ::testing::HasSubstr("exhaustion"));
  EXPECT_THAT(text, ::testing::HasSubstr("\"exhausted\""));
  EXPECT_THAT(text, ::testing::HasSubstr("\"cannot sleep\""));
  EXPECT_THAT(text, ::testing::HasSubstr("past tense (\"used to love this work\")"));
  // The demo script assesses the same words, with them read aloud slowly (espeak-ng -s 115
  // -p 35) and the smiling astronaut: still moderate or high.
  EXPECT_THAT(Slurp("deploy/run-demo.sh"), ::testing::HasSubstr(kDemoEntry));
  EXPECT_THAT(Slurp("deploy/run-demo.sh"), ::testing::HasSubstr("-s 115 -p 35"));
  std::string inputs;
  if (burnout::voice::EspeakAvailable()) {
    burnout::voice::SpeechSpec spec;
    spec.text = kDemoEntry, spec.pitch = 35, spec.speed = 115;
    const auto wav = burnout::voice::SynthesizeWav(spec);
    ASSERT_TRUE(wav.ok()) << wav.status();
    std::ofstream(run_ / "demo.wav", std::ios::binary) << *wav;
    inputs += " --audio " + (run_ / "demo.wav").string();
  }
  if (fs::exists("../shared/data/faces/astronaut.png")) inputs += " --image ../shared/data/faces/astronaut.png";
  const auto all = Assess(kDemoEntry, inputs);
  EXPECT_TRUE(all.risk().level() == burnout::v1::RISK_LEVEL_MODERATE ||
              all.risk().level() == burnout::v1::RISK_LEVEL_HIGH)
      << burnout::v1::RiskLevel_Name(all.risk().level()) << " " << RiskScore(all) << " with" << inputs;
  std::printf("demo entry: text alone %.3f, as the demo runs it %.3f\n", RiskScore(a), RiskScore(all));
}

TEST_F(CaseSuiteTest, NegatedAndThirdPersonComplaintsDoNotRaiseRisk) {
  const double tired = RiskScore(Assess("I am exhausted and burnt out, I cannot sleep and I dread work."));
  const double not_tired = RiskScore(Assess("I am not exhausted and not burnt out at all, I sleep fine and I "
                                            "look forward to work."));
  const double colleague = RiskScore(Assess("My colleague says he is exhausted and burnt out, he cannot "
                                            "sleep and dreads work."));
  EXPECT_GT(tired, not_tired + 0.2);
  EXPECT_GT(tired, colleague);
}

// The same sentences, spoken by espeak-ng flat and slow (low pitch, narrow intonation) and
// lively and fast (higher pitch, wide intonation): voice alone, and with an ordinary entry.
TEST_F(CaseSuiteTest, FlatSlowSpeechReadsAsMoreAtRiskThanLivelySpeech) {
  if (!burnout::voice::EspeakAvailable()) GTEST_SKIP() << "espeak-ng is not installed";
  const std::vector<std::string> sentences = {
      "I went to work, answered my email and came home again. Tomorrow is the same.",
      "We met the team this morning and planned the next release together.",
      "I cooked dinner, read for a while and went to bed at ten."};
  double flat = 0, lively = 0, flat_with_text = 0, lively_with_text = 0;
  for (size_t i = 0; i < sentences.size(); ++i) {
    burnout::voice::SpeechSpec slow, fast;
    slow.text = fast.text = sentences[i];
    slow.pitch = 25, slow.speed = 110, slow.pitch_range = "x-low";
    fast.pitch = 60, fast.speed = 190, fast.pitch_range = "x-high";
    for (auto* spec : {&slow, &fast}) {
      const auto wav = burnout::voice::SynthesizeWav(*spec);
      ASSERT_TRUE(wav.ok()) << wav.status();
      const fs::path clip = run_ / absl::StrFormat("%s_%zu.wav", spec->Name(), i);
      std::ofstream(clip, std::ios::binary) << *wav;
      const auto alone = Assess("", "--audio " + clip.string());
      ASSERT_TRUE(alone.modalities(1).used()) << alone.modalities(1).mask_reason();
      const double with_text = RiskScore(Assess(sentences[i], "--audio " + clip.string()));
      (spec == &slow ? flat : lively) += RiskScore(alone);
      (spec == &slow ? flat_with_text : lively_with_text) += with_text;
    }
  }
  std::printf("voice alone: flat/slow %.3f lively/fast %.3f; with the words: %.3f %.3f (means)\n", flat / 3,
              lively / 3, flat_with_text / 3, lively_with_text / 3);
  EXPECT_GT(flat, lively);
  EXPECT_GT(flat_with_text, lively_with_text);
}

// The burnout seed's claim, as cases through the real analyzers: someone who writes "I'm fine"
// in a flat, slow voice gets a contradiction naming both sides and the side fusion weighed;
// agreeing signals get none.
TEST_F(CaseSuiteTest, ContradictionsAreFoundWhereTheSignalsDisagreeAndOnlyThere) {
  if (!burnout::voice::EspeakAvailable()) GTEST_SKIP() << "espeak-ng is not installed";
  const std::string fine = "I'm fine, really. Everything is good and work is going well, no complaints.";
  auto clip = [&](const std::string& name, const std::string& text, bool flat) {
    burnout::voice::SpeechSpec spec;
    spec.text = text;
    if (flat) {
      spec.pitch = 25, spec.speed = 110, spec.pitch_range = "x-low";
    } else {
      spec.pitch = 60, spec.speed = 190, spec.pitch_range = "x-high";
    }
    const auto wav = burnout::voice::SynthesizeWav(spec);
    EXPECT_TRUE(wav.ok()) << wav.status();
    const fs::path f = run_ / (name + ".wav");
    std::ofstream(f, std::ios::binary) << wav.value_or("");
    return "--audio " + f.string();
  };
  const auto modality_of = [](const burnout::v1::ContradictionSide& s) { return s.modality(); };

  const auto contradicted = Assess(fine, clip("fine_flat", fine, true));
  ASSERT_EQ(contradicted.contradictions_size(), 1) << contradicted.DebugString();
  const auto& c = contradicted.contradictions(0);
  EXPECT_EQ(modality_of(c.lighter()), burnout::v1::MODALITY_TEXT);
  EXPECT_EQ(modality_of(c.heavier()), burnout::v1::MODALITY_VOICE);
  EXPECT_GT(c.gap(), 0.35f);
  EXPECT_TRUE(c.weighed() == burnout::v1::MODALITY_TEXT || c.weighed() == burnout::v1::MODALITY_VOICE);
  EXPECT_NE(c.text().find("You wrote that things are fine"), std::string::npos) << c.text();
  EXPECT_NE(c.text().find("but your voice sounded"), std::string::npos) << c.text();
  EXPECT_NE(c.text().find("leaned on"), std::string::npos) << c.text();
  EXPECT_FALSE(c.lighter().evidence().empty());
  EXPECT_FALSE(c.heavier().evidence().empty());
  bool narrated = false;
  for (const auto& n : contradicted.narratives()) narrated |= n.topic() == "contradiction";
  EXPECT_TRUE(narrated);
  std::printf("\"I'm fine\" + flat voice: text alone %.2f, voice alone %.2f, fused %.2f\n",
              c.lighter().risk_score(), c.heavier().risk_score(), RiskScore(contradicted));

  // Exhausted words in a flat voice agree; so do happy words in a lively one.
  EXPECT_EQ(Assess(kDemoEntry, clip("demo_flat", kDemoEntry, true)).contradictions_size(), 0);
  const std::string happy = "Slept well, felt energised all day and really enjoyed the work with my team.";
  EXPECT_EQ(Assess(happy, clip("happy_lively", happy, false)).contradictions_size(), 0);

  // The demo's words with the smiling astronaut: the face is the lighter side.
  const fs::path faces = "../shared/data/faces";
  if (fs::exists(faces / "astronaut.png")) {
    const auto smiling = Assess(kDemoEntry, "--image " + (faces / "astronaut.png").string());
    ASSERT_EQ(smiling.contradictions_size(), 1);
    EXPECT_EQ(modality_of(smiling.contradictions(0).lighter()), burnout::v1::MODALITY_FACE);
    EXPECT_EQ(smiling.contradictions(0).weighed(), burnout::v1::MODALITY_TEXT);
  }
}

// The shared photographs: the smiling astronaut and the cameraman. A face is one signal: with
// clear burnout words it may lower the risk but not to low; with thriving words it does not
// raise it to high.
TEST_F(CaseSuiteTest, AFaceNeverOverridesWhatTheWordsSayPlainly) {
  const fs::path faces = "../shared/data/faces";
  if (!fs::exists(faces / "astronaut.png")) GTEST_SKIP() << "../shared/data/faces is missing";
  for (const char* photo : {"astronaut.png", "camera.png"}) {
    const std::string image = "--image " + (faces / photo).string();
    const auto alone = Assess("", image);
    ASSERT_TRUE(alone.modalities(2).used()) << photo << ": " << alone.modalities(2).mask_reason();
    const auto tired = Assess(kDemoEntry, image);
    EXPECT_NE(tired.risk().level(), burnout::v1::RISK_LEVEL_LOW) << photo << " " << RiskScore(tired);
    const auto thriving = Assess("Slept well, felt energised all day and really enjoyed the work with my team.", image);
    EXPECT_NE(thriving.risk().level(), burnout::v1::RISK_LEVEL_HIGH) << photo << " " << RiskScore(thriving);
    std::printf("%s: alone %.3f, with the demo entry %.3f, with a thriving entry %.3f\n", photo, RiskScore(alone),
                RiskScore(tired), RiskScore(thriving));
  }
  // The smiling astronaut alone reads as lower risk than the demo's words alone.
  EXPECT_LT(RiskScore(Assess("", "--image " + (faces / "astronaut.png").string())), RiskScore(Assess(kDemoEntry)));
}

// What fusion reads from the text and face analyzers is what they publish (common/schema):
// the labels in order, and the indicators by name, unit and range.
TEST_F(CaseSuiteTest, TheAnalyzersEmitWhatTheyPublish) {
  const bool photo = fs::exists("../shared/data/faces/astronaut.png");
  const auto a = Assess(kDemoEntry, photo ? "--image ../shared/data/faces/astronaut.png" : "");
  auto check = [](const burnout::v1::ModalityResult& r, const burnout::schema::IndicatorSpec& spec) {
    for (const auto& i : r.indicators()) {
      if (i.name() != spec.name) continue;
      EXPECT_EQ(i.unit(), spec.unit) << spec.name;
      EXPECT_GE(i.value(), spec.min) << spec.name;
      EXPECT_LE(i.value(), spec.max) << spec.name;
      return;
    }
    ADD_FAILURE() << spec.name << " is not reported";
  };
  const auto& text = a.modalities(0).result();
  ASSERT_EQ(text.emotions_size(), static_cast<int>(std::size(burnout::schema::kTextEmotionLabels)));
  for (int i = 0; i < text.emotions_size(); ++i) EXPECT_EQ(text.emotions(i).label(), burnout::schema::kTextEmotionLabels[i]);
  for (const auto& d : burnout::schema::kTextDimensions) check(text, d);
  check(text, burnout::schema::kTextAbsolutistRatio);
  if (!photo) return;
  const auto& face = a.modalities(2).result();
  ASSERT_EQ(face.emotions_size(), static_cast<int>(std::size(burnout::schema::kFaceEmotionLabels)));
  for (int i = 0; i < face.emotions_size(); ++i) EXPECT_EQ(face.emotions(i).label(), burnout::schema::kFaceEmotionLabels[i]);
  check(face, burnout::schema::kFaceSmile);
  check(face, burnout::schema::kFaceEyesOpen);
}

}  // namespace
