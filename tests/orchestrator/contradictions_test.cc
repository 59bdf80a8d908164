#include "orchestrator/insight/contradictions.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace burnout::insight {
namespace {

using burnout::v1::Assessment;
using burnout::v1::Contradiction;
using burnout::v1::ModalityOutcome;

ModalityOutcome* AddOutcome(Assessment* a, v1::Modality m, float weight,
                            std::vector<std::pair<std::string, float>> emotions,
                            std::vector<std::pair<std::string, double>> indicators = {}) {
  auto* o = a->add_modalities();
  o->set_modality(m);
  o->set_used(true);
  o->set_attention_weight(weight);
  auto* r = o->mutable_result();
  r->set_modality(m);
  r->set_quality(0.9f);
  for (auto& [l, p] : emotions) {
    auto* e = r->add_emotions();
    e->set_label(l);
    e->set_probability(p);
  }
  for (auto& [n, v] : indicators) {
    auto* i = r->add_indicators();
    i->set_name(n);
    i->set_value(v);
  }
  return o;
}

void AddEvidence(ModalityOutcome* o, const std::string& label, const std::string& feature,
                 float contribution, const std::string& context = "") {
  auto* e = o->mutable_result()->add_evidence();
  e->set_label(label);
  e->set_feature(feature);
  e->set_contribution(contribution);
  e->set_context(context);
}

void AddSolo(Assessment* a, v1::Modality m, float score) {
  auto* s = a->mutable_risk()->add_solo();
  s->set_modality(m);
  s->set_risk_score(score);
  s->set_level(score < 0.35f ? v1::RISK_LEVEL_LOW : score < 0.65f ? v1::RISK_LEVEL_MODERATE
                                                                  : v1::RISK_LEVEL_HIGH);
}

// "I'm fine, all good." as the text analyzer reads it: joy from "fine" and "all good", no
// burnout dimension.
ModalityOutcome* FineText(Assessment* a, float weight) {
  auto* o = AddOutcome(a, v1::MODALITY_TEXT, weight,
                       {{"anger", 0.02f}, {"disgust", 0.01f}, {"fear", 0.02f}, {"joy", 0.71f},
                        {"neutral", 0.2f}, {"sadness", 0.03f}, {"surprise", 0.01f}},
                       {{"word_count", 4}, {"exhaustion", 0}, {"overload", 0}, {"mental_distance", 0},
                        {"reduced_efficacy", 0}, {"recovery", 0}});
  AddEvidence(o, "joy", "fine", 0.8f);
  AddEvidence(o, "joy", "all good", 0.61f);
  AddEvidence(o, "neutral", "i'm", 0.1f);
  return o;
}

// A flat, slow voice as the voice analyzer reports it.
ModalityOutcome* FlatVoice(Assessment* a, float weight) {
  auto* o = AddOutcome(a, v1::MODALITY_VOICE, weight,
                       {{"neutral", 0.3f}, {"happy", 0.05f}, {"angry", 0.05f}, {"sad", 0.6f}},
                       {{"speech_ratio", 0.62}, {"speaking_rate_sps", 2.4}, {"pitch_variability_st", 1.1},
                        {"rms_dbfs", -31.0}, {"arousal", -0.9}, {"valence", -0.4}});
  auto* r = o->mutable_result();
  r->add_findings("Your pitch varied 63% less than a typical animated voice (1.1 vs 3.0 semitones).");
  r->add_findings("You spoke at 2.4 syllables per second (typical conversation: about 3.8).");
  AddEvidence(o, "sad", "pitch_variability_st", 0.9f);
  return o;
}

ModalityOutcome* LivelyVoice(Assessment* a, float weight) {
  return AddOutcome(a, v1::MODALITY_VOICE, weight,
                    {{"neutral", 0.3f}, {"happy", 0.55f}, {"angry", 0.05f}, {"sad", 0.1f}},
                    {{"speech_ratio", 0.8}, {"speaking_rate_sps", 4.1}, {"pitch_variability_st", 3.9},
                     {"arousal", 0.7}, {"valence", 0.5}});
}

ModalityOutcome* TiredFace(Assessment* a, float weight) {
  auto* o = AddOutcome(a, v1::MODALITY_FACE, weight,
                       {{"angry", 0.05f}, {"disgust", 0.02f}, {"fear", 0.03f}, {"happy", 0.05f},
                        {"sad", 0.35f}, {"surprise", 0.02f}, {"neutral", 0.48f}},
                       {{"smile", 0.08}, {"eyes_open", 0.45}, {"perclos", 0.24}, {"yawns", 3},
                        {"blink_rate_per_min", 9}, {"long_eye_closures", 0}, {"head_nods", 0}});
  o->mutable_result()->add_findings(
      "Over the last 60 s your eyes were at least 80% closed 24% of the time (PERCLOS 0.24; "
      "drowsiness studies treat 0.15 and more as drowsy).");
  return o;
}

std::string Dump(const std::vector<Contradiction>& cs) {
  std::string s;
  for (const auto& c : cs) s += c.DebugString() + "\n";
  return s;
}

TEST(ContradictionsTest, FineTextAgainstFlatVoice) {
  Assessment a;
  a.mutable_risk()->set_level(v1::RISK_LEVEL_MODERATE);
  FineText(&a, 0.38f);
  FlatVoice(&a, 0.62f);
  AddSolo(&a, v1::MODALITY_TEXT, 0.12f);
  AddSolo(&a, v1::MODALITY_VOICE, 0.71f);
  const auto cs = FindContradictions(a);
  ASSERT_EQ(cs.size(), 1u) << Dump(cs);
  const auto& c = cs[0];
  EXPECT_EQ(c.lighter().modality(), v1::MODALITY_TEXT);
  EXPECT_EQ(c.heavier().modality(), v1::MODALITY_VOICE);
  EXPECT_NEAR(c.gap(), 0.59f, 1e-5);
  EXPECT_FLOAT_EQ(c.lighter().risk_score(), 0.12f);
  EXPECT_FLOAT_EQ(c.heavier().risk_score(), 0.71f);
  EXPECT_FLOAT_EQ(c.lighter().weight(), 0.38f);
  EXPECT_FLOAT_EQ(c.heavier().weight(), 0.62f);
  EXPECT_EQ(c.weighed(), v1::MODALITY_VOICE);
  EXPECT_EQ(c.lighter().reading(), "writes that things are fine");
  EXPECT_EQ(c.heavier().reading(), "sounds flat and slow");
  ASSERT_GE(c.lighter().evidence_size(), 2);
  EXPECT_EQ(c.lighter().evidence(0), "\"fine\" pushed joy (+0.80)");
  EXPECT_EQ(c.lighter().evidence(1), "\"all good\" pushed joy (+0.61)");
  ASSERT_EQ(c.heavier().evidence_size(), 2);
  EXPECT_EQ(c.heavier().evidence(0), "pitch varied 1.1 st");
  EXPECT_EQ(c.heavier().evidence(1), "2.4 syllables/s");
  EXPECT_NE(c.text().find("You wrote that things are fine (\"fine\", \"all good\"), but your voice "
                          "sounded flat and slow (pitch varied 1.1 st, 2.4 syllables/s)."),
            std::string::npos)
      << c.text();
  EXPECT_NE(c.text().find("The estimate leaned on your voice (weight 0.62 against 0.38)."),
            std::string::npos)
      << c.text();
}

TEST(ContradictionsTest, LeaningCanBeOnTheLighterSide) {
  Assessment a;
  a.mutable_risk()->set_level(v1::RISK_LEVEL_LOW);
  FineText(&a, 0.7f);
  FlatVoice(&a, 0.3f);
  AddSolo(&a, v1::MODALITY_TEXT, 0.1f);
  AddSolo(&a, v1::MODALITY_VOICE, 0.6f);
  const auto cs = FindContradictions(a);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].weighed(), v1::MODALITY_TEXT);
  EXPECT_NE(cs[0].text().find("leaned on what you wrote (weight 0.70 against 0.30)"), std::string::npos)
      << cs[0].text();
}

TEST(ContradictionsTest, ExhaustedTextAgainstLivelyVoice) {
  Assessment a;
  a.mutable_risk()->set_level(v1::RISK_LEVEL_HIGH);
  auto* t = AddOutcome(&a, v1::MODALITY_TEXT, 0.55f, {{"sadness", 0.6f}, {"joy", 0.1f}, {"neutral", 0.3f}},
                       {{"exhaustion", 0.75}, {"overload", 0.45}, {"mental_distance", 0.1}, {"recovery", 0.26}});
  AddEvidence(t, "exhaustion", "so exhausted", 1.4f, "intensified");
  AddEvidence(t, "overload", "too much", 0.6f);
  AddEvidence(t, "exhaustion", "not tired", 0.0f, "negated");  // not the writer's heaviness
  AddEvidence(t, "exhaustion", "he is tired", 0.21f, "other");
  AddEvidence(t, "recovery", "not tired", 0.3f, "negated");
  LivelyVoice(&a, 0.45f);
  AddSolo(&a, v1::MODALITY_VOICE, 0.15f);
  AddSolo(&a, v1::MODALITY_TEXT, 0.82f);
  const auto cs = FindContradictions(a);
  ASSERT_EQ(cs.size(), 1u);
  const auto& c = cs[0];
  EXPECT_EQ(c.lighter().modality(), v1::MODALITY_VOICE);
  EXPECT_EQ(c.heavier().modality(), v1::MODALITY_TEXT);
  EXPECT_EQ(c.lighter().reading(), "sounds lively");
  EXPECT_EQ(c.heavier().reading(), "writes about exhaustion and having too much on");
  ASSERT_EQ(c.heavier().evidence_size(), 2) << c.DebugString();
  EXPECT_EQ(c.heavier().evidence(0), "\"so exhausted\" pushed exhaustion (+1.40)");
  EXPECT_EQ(c.heavier().evidence(1), "\"too much\" pushed overload (+0.60)");
  EXPECT_EQ(c.weighed(), v1::MODALITY_TEXT);
  EXPECT_NE(c.text().find("Your voice sounded lively (pitch varied 3.9 st, 4.1 syllables/s), but you "
                          "wrote about exhaustion and having too much on (\"so exhausted\", \"too much\")."),
            std::string::npos)
      << c.text();
}

TEST(ContradictionsTest, AgreeingModalitiesGiveNone) {
  Assessment a;
  FineText(&a, 0.5f);
  LivelyVoice(&a, 0.5f);
  AddSolo(&a, v1::MODALITY_TEXT, 0.12f);
  AddSolo(&a, v1::MODALITY_VOICE, 0.18f);
  EXPECT_TRUE(FindContradictions(a).empty());
}

TEST(ContradictionsTest, ThreeModalitiesWithOneOutlier) {
  Assessment a;
  a.mutable_risk()->set_level(v1::RISK_LEVEL_MODERATE);
  FineText(&a, 0.3f);
  LivelyVoice(&a, 0.25f);
  TiredFace(&a, 0.45f);
  // Solo readings listed in another order than the modalities: the result does not depend on it.
  AddSolo(&a, v1::MODALITY_FACE, 0.8f);
  AddSolo(&a, v1::MODALITY_VOICE, 0.25f);
  AddSolo(&a, v1::MODALITY_TEXT, 0.2f);
  const auto cs = FindContradictions(a);
  ASSERT_EQ(cs.size(), 2u) << Dump(cs);
  for (const auto& c : cs) {
    EXPECT_EQ(c.heavier().modality(), v1::MODALITY_FACE);
    EXPECT_EQ(c.heavier().reading(), "looks tired");
    EXPECT_EQ(c.weighed(), v1::MODALITY_FACE);
  }
  // Largest gap first.
  EXPECT_EQ(cs[0].lighter().modality(), v1::MODALITY_TEXT);
  EXPECT_NEAR(cs[0].gap(), 0.6f, 1e-5);
  EXPECT_EQ(cs[1].lighter().modality(), v1::MODALITY_VOICE);
  EXPECT_NEAR(cs[1].gap(), 0.55f, 1e-5);
  const auto& face = cs[0].heavier();
  ASSERT_EQ(face.evidence_size(), 3) << face.DebugString();
  EXPECT_EQ(face.evidence(0), "PERCLOS 0.24");
  EXPECT_EQ(face.evidence(1), "3 yawns");
  EXPECT_EQ(face.evidence(2), "eyes open 0.45");
  EXPECT_NE(cs[0].text().find("but your face looked tired (PERCLOS 0.24, 3 yawns, eyes open 0.45)"),
            std::string::npos)
      << cs[0].text();

  // Deterministic: the same assessment gives the same contradictions.
  const auto again = FindContradictions(a);
  EXPECT_EQ(Dump(cs), Dump(again));
}

TEST(ContradictionsTest, BelowThresholdGivesNone) {
  Assessment a;
  FineText(&a, 0.4f);
  FlatVoice(&a, 0.6f);
  AddSolo(&a, v1::MODALITY_TEXT, 0.3f);
  AddSolo(&a, v1::MODALITY_VOICE, 0.6f);  // gap 0.30 < 0.35
  EXPECT_TRUE(FindContradictions(a).empty());
  EXPECT_EQ(FindContradictions(a, 0.25f).size(), 1u);  // the threshold is the caller's
}

TEST(ContradictionsTest, SingleModalityGivesNone) {
  Assessment a;
  FlatVoice(&a, 1.0f);
  EXPECT_TRUE(FindContradictions(a).empty());  // fusion gives no solo readings for one modality
  AddSolo(&a, v1::MODALITY_VOICE, 0.9f);
  EXPECT_TRUE(FindContradictions(a).empty());
}

TEST(ContradictionsTest, MaskedModalityIsNotCompared) {
  Assessment a;
  FineText(&a, 1.0f);
  auto* v = FlatVoice(&a, 0.0f);
  v->set_used(false);
  v->set_mask_reason("service unavailable: connection refused");
  AddSolo(&a, v1::MODALITY_TEXT, 0.1f);
  AddSolo(&a, v1::MODALITY_VOICE, 0.9f);
  EXPECT_TRUE(FindContradictions(a).empty());
}

TEST(ContradictionsTest, AbstainedClaimsNoLeaning) {
  Assessment a;
  a.mutable_risk()->set_abstained(true);
  a.mutable_risk()->set_abstain_reason("the signals carried too little evidence");
  FineText(&a, 0.38f);
  FlatVoice(&a, 0.62f);
  AddSolo(&a, v1::MODALITY_TEXT, 0.12f);
  AddSolo(&a, v1::MODALITY_VOICE, 0.71f);
  const auto cs = FindContradictions(a);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_EQ(cs[0].text().find("leaned"), std::string::npos) << cs[0].text();
  EXPECT_EQ(cs[0].text().find("weighed them"), std::string::npos) << cs[0].text();
  EXPECT_NE(cs[0].text().find("No risk level was estimated"), std::string::npos) << cs[0].text();
  EXPECT_NE(cs[0].text().find("You wrote that things are fine"), std::string::npos) << cs[0].text();
}

TEST(ContradictionsTest, FindingsStandInForMissingMeasurements) {
  v1::ModalityResult r;
  r.set_modality(v1::MODALITY_VOICE);
  auto* e = r.add_emotions();
  e->set_label("sad");
  e->set_probability(0.7f);
  r.add_findings("40% of the clip was pauses or silence.");
  const auto side = DescribeSide(r, v1::MODALITY_VOICE, /*heavier=*/true);
  EXPECT_EQ(side.reading(), "sounds low");
  ASSERT_EQ(side.evidence_size(), 1);
  EXPECT_EQ(side.evidence(0), "40% of the clip was pauses or silence.");
}

}  // namespace
}  // namespace burnout::insight
