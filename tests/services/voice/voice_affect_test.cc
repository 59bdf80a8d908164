// Arousal, valence and the emotion mapping of the shipped default model on espeak-ng speech
// whose prosody we control, and their independence from the recording's gain. Needs
// espeak-ng (skipped without it); cwd = the source root (models/voice-acoustic/1).
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "gtest/gtest.h"
#include "services/voice/espeak.h"
#include "services/voice/voice_model.h"
#include "tests/services/voice/espeak_util.h"

namespace burnout::voice {
namespace {

constexpr char kShippedModel[] = "models/voice-acoustic/1";
constexpr char kSentence[] =
    "The quick brown fox jumps over the lazy dog, and then it runs away into the forest.";

struct Reading {
  std::map<std::string, double> indicators;
  std::map<std::string, double> emotions;
  double Get(const std::string& name) const {
    auto it = indicators.find(name);
    return it == indicators.end() ? NAN : it->second;
  }
};

class VoiceAffectTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = VoiceModel::Load(kShippedModel);
    ASSERT_TRUE(m.ok()) << m.status() << " (run from the source root)";
    model_ = std::move(*m).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  void SetUp() override {
    if (!EspeakAvailable()) GTEST_SKIP() << "espeak-ng is not on PATH (apt-get install espeak-ng)";
  }

  // espeak-ng's default voice at -p `pitch`, -s `speed`, SSML prosody range `range`
  // ("" = its own intonation), scaled so its peak is 0.4.
  static std::vector<float> Speak(int pitch, int speed, const std::string& range) {
    std::vector<float> x = testutil::Speak(kSentence, pitch, speed, range);
    if (x.empty()) return {};
    float peak = 0.0f;
    for (float v : x) peak = std::max(peak, std::fabs(v));
    EXPECT_GT(peak, 0.0f);
    for (float& v : x) v *= 0.4f / peak;
    return x;
  }

  static Reading Analyze(const std::vector<float>& x, double gain = 1.0) {
    DecodedAudio audio;
    audio.samples = x;
    float peak = 0.0f;
    for (float& v : audio.samples) {
      v = static_cast<float>(v * gain);
      peak = std::max(peak, std::fabs(v));
    }
    EXPECT_LT(peak, 0.999f) << "the scaled clip must not clip";
    audio.source.sample_rate = kAnalysisRate;
    audio.source.channels = 1;
    audio.source.frames = static_cast<int64_t>(x.size());
    audio.source.peak = peak;
    const burnout::v1::ModalityResult r = model_->Analyze(audio, DefaultQualityConfig());
    Reading out;
    for (const auto& i : r.indicators()) out.indicators[i.name()] = i.value();
    for (const auto& e : r.emotions()) out.emotions[e.label()] = e.probability();
    return out;
  }

  static VoiceModel* model_;
};

VoiceModel* VoiceAffectTest::model_ = nullptr;

TEST_F(VoiceAffectTest, LivelyFastSpeechHasMoreArousalThanFlatSlowSpeech) {
  // Flat: intonation range 10%, -s 110. Lively: range 200%, -s 190, a little higher.
  const Reading flat = Analyze(Speak(50, 110, "10%"));
  const Reading lively = Analyze(Speak(70, 190, "200%"));
  EXPECT_GT(lively.Get("arousal"), flat.Get("arousal") + 1.0);
  EXPECT_LT(flat.Get("arousal"), -1.0);  // far below typical conversational speech
  // Flat, slow speech reads as sad / low energy; lively speech much less so.
  EXPECT_GT(flat.emotions.at("sad"), 0.5);
  EXPECT_LT(lively.emotions.at("sad"), flat.emotions.at("sad") - 0.25);
  EXPECT_GT(lively.emotions.at("happy"), flat.emotions.at("happy"));
  // Valence and tension are reported beside arousal, as valence = 0.5 arousal - tension.
  for (const Reading* r : {&flat, &lively}) {
    ASSERT_TRUE(std::isfinite(r->Get("valence")));
    EXPECT_NEAR(r->Get("valence"), kValenceArousalWeight * r->Get("arousal") - r->Get("tension"),
                1e-4);
  }
}

TEST_F(VoiceAffectTest, PitchLevelAloneMovesArousalLittle) {
  // The same prosody at a low and a high pitch setting: absolute F0 depends on the speaker
  // (no baseline yet), so it is not an arousal cue; only F0 movement relative to the clip
  // is.
  const Reading low = Analyze(Speak(35, 175, ""));
  const Reading high = Analyze(Speak(80, 175, ""));
  ASSERT_GT(high.Get("f0_mean_hz"), 1.3 * low.Get("f0_mean_hz"));
  const Reading flat = Analyze(Speak(50, 110, "10%"));
  const Reading lively = Analyze(Speak(70, 190, "200%"));
  const double prosody_gap = lively.Get("arousal") - flat.Get("arousal");
  EXPECT_LT(std::fabs(high.Get("arousal") - low.Get("arousal")), 0.5);
  EXPECT_LT(std::fabs(high.Get("arousal") - low.Get("arousal")), 0.3 * prosody_gap);
  // Both are ordinary speech: between the flat and the lively reading.
  for (const Reading* r : {&low, &high}) {
    EXPECT_GT(r->Get("arousal"), flat.Get("arousal") + 0.5);
    EXPECT_LT(r->Get("arousal"), lively.Get("arousal") + 0.3);
  }
}

TEST_F(VoiceAffectTest, GainDoesNotMoveTheEstimates) {
  for (const auto& [pitch, speed, range] :
       std::vector<std::tuple<int, int, std::string>>{{50, 110, "10%"}, {70, 190, "200%"}}) {
    const std::vector<float> x = Speak(pitch, speed, range);
    const Reading ref = Analyze(x);
    // 0.25 and 2.0 (-12 and +6 dB; the peak stays at 0.8), and a gain that is not a power
    // of two (-4.4 dB), so float rounding differs too.
    for (double gain : {0.25, 2.0, 0.6}) {
      SCOPED_TRACE(testing::Message() << "-p " << pitch << " -s " << speed << " gain " << gain);
      const Reading g = Analyze(x, gain);
      // The level does move (so the scaling took effect; digital-silence frames inside
      // speech stay at the -100 dB floor, so the mean moves a little less than the gain) ...
      EXPECT_NEAR(g.Get("rms_dbfs"), ref.Get("rms_dbfs") + 20.0 * std::log10(gain), 1.5);
      EXPECT_GT(std::fabs(g.Get("rms_dbfs") - ref.Get("rms_dbfs")), 3.0);
      // ... and nothing the estimate is built on does.
      for (const char* name : {"arousal", "valence", "tension"}) {
        EXPECT_NEAR(g.Get(name), ref.Get(name), 0.01) << name;
      }
      for (const auto& [label, p] : ref.emotions) {
        EXPECT_NEAR(g.emotions.at(label), p, 0.002) << label;
      }
      EXPECT_NEAR(g.Get("loudness_peak_db"), ref.Get("loudness_peak_db"), 0.05);
      EXPECT_NEAR(g.Get("emotion_evidence"), ref.Get("emotion_evidence"), 1e-6);
    }
  }
}

}  // namespace
}  // namespace burnout::voice
