#include "orchestrator/state_engine.h"

#include <gtest/gtest.h>

#include "orchestrator/explainer.h"

namespace burnout::orchestrator {
namespace {

v1::ModalityOutcome Outcome(v1::Modality m, float weight,
                            std::vector<std::pair<std::string, float>> emotions,
                            std::vector<std::pair<std::string, double>> indicators = {}) {
  v1::ModalityOutcome o;
  o.set_modality(m);
  o.set_used(true);
  o.set_attention_weight(weight);
  for (auto& [l, p] : emotions) {
    auto* e = o.mutable_result()->add_emotions();
    e->set_label(l);
    e->set_probability(p);
  }
  for (auto& [n, v] : indicators) {
    auto* i = o.mutable_result()->add_indicators();
    i->set_name(n);
    i->set_value(v);
  }
  return o;
}

void AddEvidence(v1::ModalityOutcome* o, const std::string& label, const std::string& feature, float contribution,
                 const std::string& context = "") {
  auto* e = o->mutable_result()->add_evidence();
  e->set_label(label);
  e->set_feature(feature);
  e->set_contribution(contribution);
  e->set_context(context);
}

TEST(StateEngineTest, MapsOtherLabelSetsOntoCanonicalNames) {
  EXPECT_EQ(CanonicalEmotion("happy"), "joy");
  EXPECT_EQ(CanonicalEmotion("sad"), "sadness");
  EXPECT_EQ(CanonicalEmotion("angry"), "anger");
  EXPECT_EQ(CanonicalEmotion("fear"), "fear");
  EXPECT_EQ(CanonicalEmotion("contempt"), "");
}

TEST(StateEngineTest, CombinesByAttentionWeight) {
  std::vector<v1::ModalityOutcome> o = {
      Outcome(v1::MODALITY_TEXT, 0.75f, {{"joy", 1.0f}}),
      Outcome(v1::MODALITY_VOICE, 0.25f, {{"sad", 1.0f}})};
  EmotionProfile p = CombineEmotions(o);
  EXPECT_NEAR(p[3], 0.75f, 1e-5);  // joy
  EXPECT_NEAR(p[5], 0.25f, 1e-5);  // sadness
  o[1].set_used(false);            // a masked modality contributes nothing
  p = CombineEmotions(o);
  EXPECT_NEAR(p[3], 1.0f, 1e-5);
}

TEST(StateEngineTest, DimensionsMoveTheDocumentedWay) {
  const std::vector<v1::ModalityOutcome> happy = {Outcome(v1::MODALITY_TEXT, 1, {{"joy", 1}})};
  const std::vector<v1::ModalityOutcome> sad = {
      Outcome(v1::MODALITY_TEXT, 1, {{"sadness", 0.6f}, {"fear", 0.4f}}, {{"fatigue_term_ratio", 0.1}})};
  auto h = ComputeState(CombineEmotions(happy), happy);
  auto s = ComputeState(CombineEmotions(sad), sad);
  EXPECT_GT(h.energy(), s.energy());
  EXPECT_LT(h.stress(), s.stress());
  EXPECT_GT(h.work(), s.work());
  for (float v : {h.energy(), h.stress(), h.work(), s.energy(), s.stress(), s.work()}) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
}

TEST(StateEngineTest, TrendFeaturesFollowTheNamedOrder) {
  v1::StateDimensions st;
  st.set_energy(0.1f);
  st.set_stress(0.2f);
  st.set_work(0.3f);
  EmotionProfile e{};
  e[5] = 1.0f;
  auto f = TrendFeatures(st, 0.4f, e);
  ASSERT_EQ(f.size(), kTrendFeatureNames.size());
  EXPECT_FLOAT_EQ(f[0], 0.1f);
  EXPECT_FLOAT_EQ(f[3], 0.4f);
  EXPECT_EQ(kTrendFeatureNames[9], "sadness");
  EXPECT_FLOAT_EQ(f[9], 1.0f);
}

TEST(ExplainerTest, CitesEvidenceAndMaskReasons) {
  v1::Assessment a;
  a.mutable_risk()->set_level(v1::RISK_LEVEL_HIGH);
  a.mutable_risk()->set_confidence(0.7f);
  auto o = Outcome(v1::MODALITY_TEXT, 1, {{"sadness", 0.8f}, {"joy", 0.2f}});
  auto* ev = o.mutable_result()->add_evidence();
  ev->set_label("sadness");
  ev->set_feature("exhausted");
  ev->set_contribution(1.2f);
  *a.add_modalities() = o;
  auto* masked = a.add_modalities();
  masked->set_modality(v1::MODALITY_VOICE);
  masked->set_mask_reason("service unavailable (connection refused)");
  auto narratives = Explain(a);
  std::string all;
  for (const auto& n : narratives) all += n.text() + "\n";
  EXPECT_NE(all.find("high burnout risk"), std::string::npos) << all;
  EXPECT_NE(all.find("\"exhausted\""), std::string::npos) << all;
  EXPECT_NE(all.find("voice was not used: service unavailable"), std::string::npos) << all;
}

TEST(ExplainerTest, MeasurementsAreNamedAndFindingsQuoted) {
  v1::Assessment a;
  auto o = Outcome(v1::MODALITY_VOICE, 1, {{"sad", 0.6f}, {"neutral", 0.4f}});
  auto* ev = o.mutable_result()->add_evidence();
  ev->set_label("sad");
  ev->set_feature("pitch_variability_st");
  ev->set_contribution(0.9f);
  o.mutable_result()->add_findings("Your pitch varied 43% less than a typical animated voice.");
  *a.add_modalities() = o;
  std::string voice;
  for (const auto& n : Explain(a)) {
    if (n.topic() == "voice") voice = n.text();
  }
  EXPECT_NE(voice.find("What pushed it most: pitch variability."), std::string::npos) << voice;
  EXPECT_NE(voice.find("43% less than a typical animated voice"), std::string::npos) << voice;
}

// The text's burnout dimensions move the state: exhaustion lowers energy, overload raises
// stress, mental distance lowers engagement with work; recovery raises energy and engagement.
TEST(StateEngineTest, TextDimensionsMoveEnergyStressAndWork) {
  auto text = [](double exhaustion, double overload, double distance, double recovery) {
    return std::vector<v1::ModalityOutcome>{
        Outcome(v1::MODALITY_TEXT, 1, {{"neutral", 1.0f}},
                {{"exhaustion", exhaustion}, {"overload", overload}, {"mental_distance", distance},
                 {"reduced_efficacy", 0.0}, {"recovery", recovery}})};
  };
  const auto plain = text(0, 0, 0, 0), tired = text(0.86, 0, 0, 0), pressed = text(0, 0.86, 0, 0),
             distant = text(0, 0, 0.86, 0), rested = text(0, 0, 0, 0.86);
  auto state = [](const std::vector<v1::ModalityOutcome>& o) { return ComputeState(CombineEmotions(o), o); };
  EXPECT_LT(state(tired).energy(), state(plain).energy() - 0.2f);
  EXPECT_GT(state(pressed).stress(), state(plain).stress() + 0.2f);
  EXPECT_LT(state(distant).work(), state(plain).work() - 0.2f);
  EXPECT_GT(state(rested).energy(), state(plain).energy());
  EXPECT_GT(state(rested).work(), state(plain).work());
}

// "I used to love this work": the joy the emotion model gives "love" is moved to neutral in
// the share the lexicon reads as loss rather than present enjoyment.
TEST(StateEngineTest, PastTenseJoyIsNotCountedAsPresentJoy) {
  auto o = Outcome(v1::MODALITY_TEXT, 1, {{"joy", 0.6f}, {"neutral", 0.4f}},
                   {{"recovery", 0.0}, {"mental_distance", 0.55}});
  AddEvidence(&o, "mental_distance", "used to love this work", 0.8f, "loss");
  const std::vector<v1::ModalityOutcome> loss = {o};
  EmotionProfile p = CombineEmotions(loss);
  EXPECT_LT(p[3], 0.05f);  // joy
  EXPECT_NEAR(p[4], 1.0f, 1e-4);  // neutral
  // Present enjoyment stays joy.
  auto now = Outcome(v1::MODALITY_TEXT, 1, {{"joy", 0.6f}, {"neutral", 0.4f}}, {{"recovery", 0.63}});
  AddEvidence(&now, "recovery", "love this work", 1.0f);
  const std::vector<v1::ModalityOutcome> present = {now};
  EXPECT_NEAR(CombineEmotions(present)[3], 0.6f, 1e-4);
}

TEST(ExplainerTest, TextDimensionsAreCitedWithTheirWords) {
  v1::Assessment a;
  auto o = Outcome(v1::MODALITY_TEXT, 1, {{"sadness", 0.5f}, {"joy", 0.3f}, {"neutral", 0.2f}},
                   {{"exhaustion", 0.86}, {"overload", 0.55}, {"mental_distance", 0.45}, {"reduced_efficacy", 0.0},
                    {"recovery", 0.0}, {"fatigue_term_ratio", 0.2}});
  AddEvidence(&o, "exhaustion", "exhausted", 1.0f);
  AddEvidence(&o, "exhaustion", "cannot sleep", 1.0f);
  AddEvidence(&o, "overload", "deadlines never stop", 0.8f, "chronic");
  AddEvidence(&o, "mental_distance", "used to love this work", 0.6f, "loss");
  AddEvidence(&o, "exhaustion", "not tired", 0.0f, "negated");
  *a.add_modalities() = o;
  std::string text;
  std::vector<std::string> evidence;
  for (const auto& n : Explain(a)) {
    if (n.topic() == "text") {
      text = n.text();
      evidence.assign(n.evidence().begin(), n.evidence().end());
    }
  }
  EXPECT_NE(text.find("exhaustion (high): \"exhausted\", \"cannot sleep\""), std::string::npos) << text;
  EXPECT_NE(text.find("overload (moderate): \"deadlines never stop\""), std::string::npos) << text;
  EXPECT_NE(text.find("in the past tense (\"used to love this work\")"), std::string::npos) << text;
  EXPECT_NE(text.find("\"not tired\" (negated)"), std::string::npos) << text;
  // The old per-word ratio is not restated when the dimensions say it better.
  EXPECT_EQ(text.find("words of tiredness"), std::string::npos) << text;
  bool cited = false;
  for (const auto& e : evidence) cited |= e.find("exhaustion = 0.86") != std::string::npos;
  EXPECT_TRUE(cited);

  // When the emotion model's joy came from those past-tense words, the sentence says so where
  // it names them, and the loss is not repeated.
  v1::Assessment b;
  auto joy = Outcome(v1::MODALITY_TEXT, 1, {{"joy", 0.5f}, {"sadness", 0.2f}, {"neutral", 0.3f}},
                     {{"exhaustion", 0.63}, {"mental_distance", 0.45}, {"recovery", 0.0}});
  AddEvidence(&joy, "joy", "love", 0.9f);
  AddEvidence(&joy, "exhaustion", "exhausted", 1.0f);
  AddEvidence(&joy, "mental_distance", "used to love this work", 0.6f, "loss");
  *b.add_modalities() = joy;
  for (const auto& n : Explain(b)) {
    if (n.topic() == "text") text = n.text();
  }
  EXPECT_NE(text.find("What pushed it most: \"love\" - but you wrote about what you enjoyed in the past tense "
                      "(\"used to love this work\")"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("past tense"), text.rfind("past tense")) << text;
}

}  // namespace
}  // namespace burnout::orchestrator
