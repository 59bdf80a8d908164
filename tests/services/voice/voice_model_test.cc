// The default voice emotion model: the documented mapping, its evidence, quality verdicts,
// findings, and the shipped model directory.
#include "services/voice/voice_model.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/voice/wav_util.h"
#include "tests/testing/temp_dir.h"

namespace burnout::voice {
namespace {

using ::testing::HasSubstr;

constexpr char kShippedModel[] = "models/voice-acoustic/1";

// An analysis whose indicators are all 0 except `values`; 10 s, 60% voiced, clean.
AcousticAnalysis Analysis(const std::map<std::string, double>& values) {
  std::map<std::string, double> v = {{"duration_s", 10.0}, {"speech_ratio", 0.8},
                                     {"voiced_ratio", 0.6}, {"rms_dbfs", -26.0},
                                     {"snr_db", 40.0}};
  for (const auto& [k, x] : values) v[k] = x;
  AcousticAnalysis a;
  a.duration_s = v["duration_s"];
  for (const auto& name : AcousticIndicatorNames()) {
    a.indicators.push_back({name, v.count(name) ? v[name] : 0.0, ""});
  }
  return a;
}

void Feature(v1::VoiceAcousticModel* m, const std::string& name, float mean, float std) {
  auto* f = m->add_features();
  f->set_name(name);
  f->set_mean(mean);
  f->set_std(std);
}

// A small spec in the shape of the shipped one.
v1::VoiceAcousticModel Spec() {
  v1::VoiceAcousticModel m;
  for (const char* l : {"neutral", "happy", "angry", "sad"}) m.add_labels(l);
  Feature(&m, "pitch_variability_st", 3.0f, 1.0f);
  Feature(&m, "speaking_rate_sps", 3.8f, 0.9f);
  Feature(&m, "speech_ratio", 0.75f, 0.12f);
  Feature(&m, "hnr_db", 10.0f, 4.0f);
  auto w = [](auto* out, const char* f, float x) {
    auto* e = out->Add();
    e->set_feature(f);
    e->set_weight(x);
  };
  w(m.mutable_arousal(), "pitch_variability_st", 0.5f);
  w(m.mutable_arousal(), "speaking_rate_sps", 0.5f);
  w(m.mutable_tension(), "hnr_db", -1.0f);
  auto logit = [&m](const char* l, float b, float a, float t, float n) {
    auto* x = m.add_logits();
    x->set_label(l);
    x->set_bias(b);
    x->set_arousal(a);
    x->set_tension(t);
    x->set_abs_arousal(n);
  };
  logit("neutral", 0.6f, 0, 0, -1.0f);
  logit("happy", 0, 1.0f, -0.8f, 0);
  logit("angry", -0.3f, 0.8f, 1.0f, 0);
  logit("sad", 0, -1.2f, 0, 0);
  m.set_temperature(1.0f);
  m.set_evidence_voiced_s(3.0f);
  m.set_z_clamp(3.0f);
  return m;
}

std::unique_ptr<VoiceModel> Model(v1::VoiceAcousticModel spec = Spec()) {
  auto m = VoiceModel::FromSpec(std::move(spec), {});
  EXPECT_TRUE(m.ok()) << m.status();
  return std::move(*m);
}

std::string Top(const VoiceModel& m, const EmotionEstimate& e) {
  const auto it = std::max_element(e.probabilities.begin(), e.probabilities.end());
  return m.spec().labels(static_cast<int>(it - e.probabilities.begin()));
}

TEST(VoiceMappingTest, ArousalAndTensionPickTheLabel) {
  auto m = Model();
  // Typical speech: neutral.
  auto typical = m->Estimate(Analysis({{"pitch_variability_st", 3.0}, {"speaking_rate_sps", 3.8},
                                       {"hnr_db", 10}}),
                             1.0);
  EXPECT_EQ(Top(*m, typical), "neutral");
  EXPECT_NEAR(typical.arousal, 0.0, 1e-6);
  // Lively, fast, clear voice: happy.
  auto lively = m->Estimate(Analysis({{"pitch_variability_st", 5.5}, {"speaking_rate_sps", 5.5},
                                      {"hnr_db", 14}}),
                            1.0);
  EXPECT_EQ(Top(*m, lively), "happy");
  EXPECT_GT(lively.arousal, 1.0);
  // Equally lively but harsh (low harmonics-to-noise): angry.
  auto harsh = m->Estimate(Analysis({{"pitch_variability_st", 5.5}, {"speaking_rate_sps", 5.5},
                                     {"hnr_db", 2}}),
                           1.0);
  EXPECT_EQ(Top(*m, harsh), "angry");
  EXPECT_GT(harsh.tension, 1.0);
  // Flat, slow speech: sad / fatigued.
  auto flat = m->Estimate(Analysis({{"pitch_variability_st", 1.0}, {"speaking_rate_sps", 2.0},
                                    {"hnr_db", 10}}),
                          1.0);
  EXPECT_EQ(Top(*m, flat), "sad");
  EXPECT_LT(flat.arousal, -1.0);
}

TEST(VoiceMappingTest, ContributionsAddUpToTheLogits) {
  auto m = Model();
  auto e = m->Estimate(Analysis({{"pitch_variability_st", 1.2}, {"speaking_rate_sps", 4.6},
                                 {"hnr_db", 6}}),
                       1.0);
  ASSERT_DOUBLE_EQ(e.evidence, 1.0);
  std::vector<double> logits;
  for (const auto& l : m->spec().logits()) {
    double logit = l.bias();
    for (const auto& c : e.contributions) {
      if (c.label() == l.label()) logit += c.contribution();
    }
    logits.push_back(logit);
  }
  double sum = 0;
  for (double x : logits) sum += std::exp(x);
  for (size_t i = 0; i < logits.size(); ++i) {
    EXPECT_NEAR(e.probabilities[i], std::exp(logits[i]) / sum, 1e-5) << m->spec().labels(i);
  }
  // The strongest contribution comes first.
  ASSERT_GE(e.contributions.size(), 2u);
  EXPECT_GE(std::abs(e.contributions[0].contribution()),
            std::abs(e.contributions[1].contribution()));
}

TEST(VoiceMappingTest, WeakEvidenceStaysNearUniform) {
  auto m = Model();
  const std::map<std::string, double> flat = {{"pitch_variability_st", 0.5},
                                              {"speaking_rate_sps", 1.5}};
  auto unusable = m->Estimate(Analysis(flat), 0.0);
  for (float p : unusable.probabilities) EXPECT_NEAR(p, 0.25, 1e-6);
  // 0.3 s voiced of the 3 s needed: at most a tenth of the way from uniform.
  auto brief = m->Estimate(Analysis({{"pitch_variability_st", 0.5}, {"speaking_rate_sps", 1.5},
                                     {"voiced_ratio", 0.03}}),
                           1.0);
  EXPECT_NEAR(brief.evidence, 0.1, 1e-9);
  for (float p : brief.probabilities) EXPECT_NEAR(p, 0.25, 0.076);
  auto full = m->Estimate(Analysis(flat), 1.0);
  EXPECT_GT(*std::max_element(full.probabilities.begin(), full.probabilities.end()), 0.5);
  EXPECT_NEAR(std::accumulate(full.probabilities.begin(), full.probabilities.end(), 0.0), 1.0, 1e-5);
}

TEST(VoiceMappingTest, EmbeddingIsTheClampedZScores) {
  auto m = Model();
  auto e = m->Estimate(Analysis({{"pitch_variability_st", 4.0}, {"speaking_rate_sps", 100.0},
                                 {"speech_ratio", 0.75}, {"hnr_db", 2.0}}),
                       1.0);
  ASSERT_EQ(e.embedding.size(), 4u);
  EXPECT_NEAR(e.embedding[0], 1.0, 1e-6);
  EXPECT_NEAR(e.embedding[1], 3.0, 1e-6);  // clamped
  EXPECT_NEAR(e.embedding[2], 0.0, 1e-6);
  EXPECT_NEAR(e.embedding[3], -2.0, 1e-6);
}

TEST(VoiceMappingTest, InconsistentSpecsAreRejected) {
  auto unknown = Spec();
  unknown.mutable_features(0)->set_name("pitch_wobble");
  EXPECT_THAT(VoiceModel::FromSpec(unknown, {}).status().message(),
              HasSubstr("'pitch_wobble' is not an acoustic indicator"));
  auto zero_std = Spec();
  zero_std.mutable_features(1)->set_std(0);
  EXPECT_THAT(VoiceModel::FromSpec(zero_std, {}).status().message(), HasSubstr("positive std"));
  auto no_logit = Spec();
  no_logit.mutable_logits()->RemoveLast();
  EXPECT_THAT(VoiceModel::FromSpec(no_logit, {}).status().message(),
              HasSubstr("label 'sad' has no logit"));
  auto stray = Spec();
  stray.mutable_arousal(0)->set_feature("jitter_local");
  EXPECT_THAT(VoiceModel::FromSpec(stray, {}).status().message(),
              HasSubstr("'jitter_local', which is not a feature"));
  auto cold = Spec();
  cold.set_temperature(0);
  EXPECT_FALSE(VoiceModel::FromSpec(cold, {}).ok());
}

TEST(VoiceQualityTest, EachCheckLowersQualityAndSaysWhy) {
  const auto config = DefaultQualityConfig();
  AudioSourceInfo clean;
  auto ok = AssessQuality(Analysis({}), clean, config);
  EXPECT_FLOAT_EQ(ok.quality, 1.0f);
  EXPECT_TRUE(ok.issues.empty());

  auto short_clip = AssessQuality(Analysis({{"duration_s", 0.5}, {"voiced_ratio", 1.0}}), clean, config);
  EXPECT_NEAR(short_clip.quality, 0.5, 1e-6);
  EXPECT_THAT(short_clip.issues, ::testing::ElementsAre(HasSubstr("too short: 0.50 s")));

  auto silent = AssessQuality(Analysis({{"speech_ratio", 0.0}, {"voiced_ratio", 0.0}}), clean, config);
  EXPECT_LE(silent.quality, 0.05f);
  EXPECT_THAT(silent.issues, ::testing::Contains(HasSubstr("silent")));

  auto quiet = AssessQuality(Analysis({{"rms_dbfs", -70}}), clean, config);
  EXPECT_THAT(quiet.issues, ::testing::Contains(HasSubstr("nearly silent: speech level -70 dBFS")));

  auto unvoiced = AssessQuality(Analysis({{"voiced_ratio", 0.02}}), clean, config);
  EXPECT_NEAR(unvoiced.quality, 0.4, 1e-6);
  EXPECT_THAT(unvoiced.issues, ::testing::Contains(HasSubstr("too little voiced speech")));

  AudioSourceInfo clipped;
  clipped.clipped_ratio = 0.05;
  auto c = AssessQuality(Analysis({}), clipped, config);
  EXPECT_THAT(c.issues, ::testing::ElementsAre(HasSubstr("clipped: 5.0% of samples")));

  auto noisy = AssessQuality(Analysis({{"snr_db", 4}}), clean, config);
  EXPECT_THAT(noisy.issues, ::testing::ElementsAre(HasSubstr("noisy")));
  EXPECT_LT(noisy.quality, 1.0f);
}

TEST(VoiceFindingsTest, StatedAgainstTheReference) {
  auto spec = Spec();
  auto a = Analysis({{"pitch_variability_st", 1.8}, {"speech_ratio", 0.65}, {"pause_count", 3},
                     {"pause_max_s", 1.2}, {"speaking_rate_sps", 2.9}});
  auto f = DescribeVoice(a, spec);
  EXPECT_THAT(f, ::testing::Contains(HasSubstr(
                     "pitch varied 40% less than a typical animated voice (1.8 vs 3.0 semitones)")));
  EXPECT_THAT(f, ::testing::Contains(HasSubstr(
                     "35% of the clip was pauses or silence (3 pauses inside your speech, the "
                     "longest 1.2 s)")));
  EXPECT_THAT(f, ::testing::Contains(HasSubstr("2.9 syllables per second (typical conversation: "
                                               "about 3.8)")));
  // No speech: nothing to say.
  EXPECT_TRUE(DescribeVoice(Analysis({{"speech_ratio", 0.0}}), spec).empty());
}

TEST(ShippedVoiceModelTest, LoadsAndAnalyzesAVowel) {
  auto m = VoiceModel::Load(kShippedModel);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ((*m)->info().name(), "voice-acoustic");
  EXPECT_EQ((*m)->info().sha256().size(), 64u);
  DecodedAudio audio;
  audio.samples = testutil::Vowel(140, 4.0, 16000, 2.0, 4.0);
  audio.source.sample_rate = 16000;
  audio.source.channels = 1;
  auto r = (*m)->Analyze(audio, DefaultQualityConfig());
  EXPECT_EQ(r.modality(), v1::MODALITY_VOICE);
  ASSERT_EQ(r.emotions_size(), 4);
  double sum = 0;
  for (const auto& e : r.emotions()) sum += e.probability();
  EXPECT_NEAR(sum, 1.0, 1e-4);
  EXPECT_EQ(r.embedding().dimension(), (*m)->spec().features_size());
  EXPECT_EQ(r.embedding().model_id(), "voice-acoustic/1");
  std::map<std::string, double> ind;
  for (const auto& i : r.indicators()) {
    ind[i.name()] = i.value();
    EXPECT_TRUE(std::isfinite(i.value())) << i.name();
    EXPECT_FALSE(i.unit().empty()) << i.name();
  }
  EXPECT_NEAR(ind["f0_mean_hz"], 140, 10);
  EXPECT_GT(ind["voiced_ratio"], 0.2);
  EXPECT_FALSE(r.findings().empty());
  EXPECT_EQ(r.model().name(), "voice-acoustic");
}

TEST(ShippedVoiceModelTest, LevelAloneDoesNotMoveTheEstimate) {
  auto m = VoiceModel::Load(kShippedModel);
  ASSERT_TRUE(m.ok()) << m.status();
  // Neither the weights nor the features (the embedding) use an absolute level.
  for (const auto& f : (*m)->spec().features()) {
    EXPECT_NE(f.name(), "rms_dbfs");
    EXPECT_NE(f.name(), "noise_floor_dbfs");
  }
  for (const auto* weights : {&(*m)->spec().arousal(), &(*m)->spec().tension()}) {
    for (const auto& w : *weights) EXPECT_NE(w.feature(), "rms_dbfs");
  }
  // The same voice 30 dB quieter or 12 dB louder (noise floor moving with it): the same
  // arousal, valence, tension, emotions and embedding.
  const std::map<std::string, double> voice = {
      {"pitch_variability_st", 2.2}, {"f0_range_st", 8.0},   {"f0_peak_st", 4.0},
      {"speaking_rate_sps", 4.4},    {"articulation_rate_sps", 5.2},
      {"hnr_db", 12.0},              {"jitter_local", 0.012}, {"shimmer_local_db", 0.9},
      {"hammarberg_index_db", 14.0}, {"loudness_peak_db", 9.0}};
  std::vector<EmotionEstimate> estimates;
  for (double level : {-26.0, -56.0, -14.0}) {
    auto v = voice;
    v["rms_dbfs"] = level;
    v["noise_floor_dbfs"] = level - 40.0;
    estimates.push_back((*m)->Estimate(Analysis(v), 1.0));
  }
  for (size_t k = 1; k < estimates.size(); ++k) {
    EXPECT_DOUBLE_EQ(estimates[k].arousal, estimates[0].arousal);
    EXPECT_DOUBLE_EQ(estimates[k].valence, estimates[0].valence);
    EXPECT_DOUBLE_EQ(estimates[k].tension, estimates[0].tension);
    EXPECT_EQ(estimates[k].probabilities, estimates[0].probabilities);
    EXPECT_EQ(estimates[k].embedding, estimates[0].embedding);
  }
  // While the voice itself does move it: livelier pitch, more arousal; a rougher voice,
  // less valence.
  auto livelier = voice;
  livelier["pitch_variability_st"] = 4.2;
  EXPECT_GT((*m)->Estimate(Analysis(livelier), 1.0).arousal, estimates[0].arousal + 0.5);
  auto rougher = voice;
  rougher["hnr_db"] = 4.0;
  rougher["jitter_local"] = 0.03;
  EXPECT_LT((*m)->Estimate(Analysis(rougher), 1.0).valence, estimates[0].valence - 0.5);
}

TEST(ShippedVoiceModelTest, ATamperedFileIsRefused) {
  const auto dir = testutil::ScratchRoot() / "voice-tampered";
  std::filesystem::create_directories(dir);
  std::filesystem::copy(kShippedModel, dir, std::filesystem::copy_options::recursive);
  std::ofstream(dir / "voice_acoustic.textproto", std::ios::app) << "\n# edited\n";
  auto m = VoiceModel::Load(dir.string());
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("voice_acoustic.textproto"));
}

}  // namespace
}  // namespace burnout::voice
