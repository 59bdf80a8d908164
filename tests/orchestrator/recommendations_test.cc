#include "orchestrator/insight/recommendations.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "common/config/config.h"

namespace burnout::insight {
namespace {

using burnout::v1::Assessment;
using burnout::v1::Recommendation;
using burnout::v1::RecommendationCatalog;

// Tests run from the repository root.
constexpr char kCatalogPath[] = "config/recommendations.textproto";
constexpr int64_t kDayMs = 86400000;

RecommendationCatalog Shipped() {
  auto c = LoadRecommendationCatalog(kCatalogPath);
  EXPECT_TRUE(c.ok()) << c.status();
  return c.ok() ? *c : RecommendationCatalog();
}

RecommendationCatalog Parse(const std::string& text) {
  RecommendationCatalog c;
  const absl::Status s = burnout::config::ParseTextProto(text, "test", &c);
  EXPECT_TRUE(s.ok()) << s;
  return c;
}

void AddUsed(Assessment* a, v1::Modality m, float weight,
             std::vector<std::pair<std::string, double>> indicators) {
  auto* o = a->add_modalities();
  o->set_modality(m);
  o->set_used(true);
  o->set_attention_weight(weight);
  for (auto& [n, v] : indicators) {
    auto* i = o->mutable_result()->add_indicators();
    i->set_name(n);
    i->set_value(v);
  }
}

void SetRisk(Assessment* a, v1::RiskLevel level, float low, float moderate, float high) {
  auto* r = a->mutable_risk();
  r->set_level(level);
  for (auto [label, p] : {std::pair<const char*, float>{"low", low}, {"moderate", moderate}, {"high", high}}) {
    auto* ls = r->add_calibrated_probabilities();
    ls->set_label(label);
    ls->set_probability(p);
  }
}

// energy, stress, work, risk, anger, disgust, fear, joy, neutral, sadness
void SetTrendFeatures(Assessment* a, std::vector<float> f) {
  for (float v : f) a->add_trend_features(v);
}

std::vector<std::string> Ids(const std::vector<Recommendation>& rs) {
  std::vector<std::string> ids;
  for (const auto& r : rs) ids.push_back(r.id());
  return ids;
}

const Recommendation* Find(const std::vector<Recommendation>& rs, const std::string& id) {
  for (const auto& r : rs) {
    if (r.id() == id) return &r;
  }
  return nullptr;
}

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

Assessment Exhausted() {
  Assessment a;
  a.set_created_at_ms(1765000000000);
  SetRisk(&a, v1::RISK_LEVEL_HIGH, 0.08f, 0.22f, 0.70f);
  a.mutable_state()->set_energy(0.18f);
  a.mutable_state()->set_stress(0.7f);
  a.mutable_state()->set_work(0.35f);
  SetTrendFeatures(&a, {0.18f, 0.7f, 0.35f, 0.81f, 0.05f, 0.02f, 0.1f, 0.05f, 0.3f, 0.48f});
  AddUsed(&a, v1::MODALITY_TEXT, 0.5f,
          {{"exhaustion", 0.75}, {"overload", 0.3}, {"mental_distance", 0.1}, {"reduced_efficacy", 0},
           {"recovery", 0}});
  AddUsed(&a, v1::MODALITY_FACE, 0.5f, {{"perclos", 0.24}, {"yawns", 3}, {"smile", 0.05}});
  return a;
}

Assessment Thriving() {
  Assessment a;
  a.set_created_at_ms(1765000000000);
  SetRisk(&a, v1::RISK_LEVEL_LOW, 0.86f, 0.11f, 0.03f);
  a.mutable_state()->set_energy(0.78f);
  a.mutable_state()->set_stress(0.18f);
  a.mutable_state()->set_work(0.72f);
  SetTrendFeatures(&a, {0.78f, 0.18f, 0.72f, 0.085f, 0.02f, 0.01f, 0.02f, 0.62f, 0.3f, 0.03f});
  AddUsed(&a, v1::MODALITY_TEXT, 0.45f,
          {{"exhaustion", 0}, {"overload", 0.05}, {"mental_distance", 0}, {"reduced_efficacy", 0},
           {"recovery", 0.71}});
  AddUsed(&a, v1::MODALITY_VOICE, 0.3f, {{"pitch_variability_st", 3.6}, {"speaking_rate_sps", 4.0}});
  AddUsed(&a, v1::MODALITY_FACE, 0.25f, {{"perclos", 0.05}, {"yawns", 0}, {"smile", 0.6}});
  a.mutable_baseline()->set_ready(true);
  for (auto [name, z] : {std::pair<const char*, float>{"energy", 0.4f}, {"stress", -0.6f}, {"work", 0.2f}}) {
    auto* d = a.mutable_baseline()->add_deviations();
    d->set_name(name);
    d->set_z(z);
  }
  return a;
}

TEST(RecommendationsTest, ShippedCatalogueLoads) {
  const RecommendationCatalog c = Shipped();
  EXPECT_TRUE(ValidateRecommendationCatalog(c).ok());
  EXPECT_EQ(c.max_recommendations(), 3);
  std::vector<std::string> ids;
  for (const auto& r : c.rules()) ids.push_back(r.id());
  for (const char* id : {"sleep", "breaks", "workload", "social", "recovery", "professional"}) {
    EXPECT_NE(std::find(ids.begin(), ids.end(), id), ids.end()) << id;
  }
  // Never clinical: no diagnosis or treatment words in what a person reads.
  for (const auto& r : c.rules()) {
    std::string all = r.title() + " " + r.text();
    for (const auto& t : r.triggers()) all += " " + t.reason();
    for (const char* word : {"diagnos", "disorder", "depress", "therapy", "medication", "treatment",
                             "symptom", "patient", "must "}) {
      EXPECT_FALSE(Contains(all, word)) << r.id() << " says \"" << word << "\"";
    }
  }
}

TEST(RecommendationsTest, ExhaustedHighRiskGetsSleepAndProfessional) {
  const auto rs = Recommend(Exhausted(), Shipped());
  ASSERT_EQ(Ids(rs), (std::vector<std::string>{"professional", "sleep", "breaks"}));
  const Recommendation* sleep = Find(rs, "sleep");
  ASSERT_NE(sleep, nullptr);
  EXPECT_TRUE(Contains(sleep->why(), "your writing is about exhaustion (0.75)")) << sleep->why();
  EXPECT_TRUE(Contains(sleep->why(), "your energy reads low (0.18)")) << sleep->why();
  EXPECT_TRUE(Contains(sleep->why(), "your eyes were often nearly closed (0.24)")) << sleep->why();
  EXPECT_TRUE(Contains(sleep->why(), "you yawned several times (3)")) << sleep->why();
  EXPECT_EQ(sleep->why().rfind("Because ", 0), 0u) << sleep->why();
  EXPECT_EQ(sleep->evidence_size(), 4);
  EXPECT_EQ(sleep->evidence(0), "text.exhaustion = 0.75 (at least 0.45)");
  EXPECT_FALSE(sleep->title().empty());
  EXPECT_FALSE(sleep->text().empty());
  const Recommendation* pro = Find(rs, "professional");
  ASSERT_NE(pro, nullptr);
  EXPECT_TRUE(Contains(pro->why(), "high risk (level 3 of 3)")) << pro->why();
  EXPECT_TRUE(Contains(pro->text(), "counsellor"));
  EXPECT_TRUE(Contains(pro->text(), "employee assistance programme"));
  // Deterministic.
  const auto again = Recommend(Exhausted(), Shipped());
  ASSERT_EQ(again.size(), rs.size());
  for (size_t i = 0; i < rs.size(); ++i) EXPECT_EQ(again[i].DebugString(), rs[i].DebugString());
}

TEST(RecommendationsTest, ThrivingGetsNone) {
  const auto rs = Recommend(Thriving(), Shipped());
  EXPECT_TRUE(rs.empty()) << rs.size() << " first: " << (rs.empty() ? "" : rs[0].DebugString());
}

TEST(RecommendationsTest, ProfessionalIsNeverCut) {
  RecommendationCatalog c = Parse(R"pb(
    max_recommendations: 1
    rules {
      id: "sleep" title: "Sleep" text: "Rest." priority: 80
      triggers { quantity: "energy" at_most: 0.3 reason: "energy is low" }
    }
    rules {
      id: "breaks" title: "Breaks" text: "Pause." priority: 70
      triggers { quantity: "stress" at_least: 0.65 reason: "stress is high" }
    }
    rules {
      id: "professional" title: "Talk" text: "Someone who listens." priority: 10
      triggers { quantity: "risk_level" at_least: 3 reason: "the risk is high" }
    }
  )pb");
  ASSERT_TRUE(ValidateRecommendationCatalog(c).ok());
  EXPECT_EQ(Ids(Recommend(Exhausted(), c)), (std::vector<std::string>{"sleep", "professional"}));
  // Without its trigger it is not added.
  Assessment moderate = Exhausted();
  moderate.mutable_risk()->set_level(v1::RISK_LEVEL_MODERATE);
  EXPECT_EQ(Ids(Recommend(moderate, c)), (std::vector<std::string>{"sleep"}));
}

TEST(RecommendationsTest, TiesAreOrderedById) {
  RecommendationCatalog c = Parse(R"pb(
    rules { id: "b" title: "B" text: "b" priority: 5
            triggers { quantity: "stress" at_least: 0.5 reason: "stress" } }
    rules { id: "a" title: "A" text: "a" priority: 5
            triggers { quantity: "stress" at_least: 0.5 reason: "stress" } }
    rules { id: "c" title: "C" text: "c" priority: 9
            triggers { quantity: "stress" at_least: 0.5 reason: "stress" } }
    rules { id: "d" title: "D" text: "d" priority: 1
            triggers { quantity: "stress" at_least: 0.5 reason: "stress" } }
  )pb");
  // max_recommendations 0: the default of 3.
  EXPECT_EQ(Ids(Recommend(Exhausted(), c)), (std::vector<std::string>{"c", "a", "b"}));
}

TEST(RecommendationsTest, AlertTriggers) {
  Assessment a = Thriving();
  auto* al = a.add_alerts();
  al->set_kind("stress_rising");
  al->set_state(v1::ALERT_STATE_CLEARED);
  al->set_raised_at_ms(a.created_at_ms() - 30 * kDayMs);
  EXPECT_TRUE(Recommend(a, Shipped()).empty());  // a cleared alert is not active

  al->set_state(v1::ALERT_STATE_ACTIVE);
  al->set_raised_at_ms(a.created_at_ms() - 3 * kDayMs);
  auto rs = Recommend(a, Shipped());
  ASSERT_EQ(Ids(rs), (std::vector<std::string>{"breaks"}));
  EXPECT_EQ(rs[0].why(), "Because your stress has been above your usual for several days.");
  EXPECT_EQ(*RecommendationQuantity(a, "alert.stress_rising.days"), 3.0);
  EXPECT_EQ(*RecommendationQuantity(a, "alert.risk_rising"), 0.0);
  EXPECT_FALSE(RecommendationQuantity(a, "alert.risk_rising.days").has_value());

  // Active for long: the professional suggestion, with the days.
  al->set_raised_at_ms(a.created_at_ms() - 20 * kDayMs);
  rs = Recommend(a, Shipped());
  ASSERT_EQ(Ids(rs), (std::vector<std::string>{"professional", "breaks"}));
  EXPECT_TRUE(Contains(rs[0].why(), "your stress has stayed above your usual for a while (20 days)"))
      << rs[0].why();

  Assessment b = Thriving();
  auto* risk = b.add_alerts();
  risk->set_kind("risk_rising");
  risk->set_state(v1::ALERT_STATE_ACTIVE);
  risk->set_raised_at_ms(b.created_at_ms() - 2 * kDayMs);
  EXPECT_EQ(Ids(Recommend(b, Shipped())), (std::vector<std::string>{"workload"}));
}

TEST(RecommendationsTest, CheckInTriggers) {
  Assessment a = Thriving();
  a.mutable_self_report()->mutable_latest()->set_work(55);
  auto rs = Recommend(a, Shipped());
  ASSERT_EQ(Ids(rs), (std::vector<std::string>{"workload"}));
  EXPECT_EQ(rs[0].why(), "Because your work-related check-in is raised (55 of 100).");

  a.mutable_self_report()->mutable_latest()->set_personal(79.2f);
  rs = Recommend(a, Shipped());
  ASSERT_EQ(Ids(rs), (std::vector<std::string>{"professional", "workload"}));
  EXPECT_EQ(rs[0].why(), "Because your own check-in put personal burnout high (79 of 100).");
  EXPECT_EQ(rs[0].evidence(0), "checkin.personal = 79.2 (at least 75)");
}

TEST(RecommendationsTest, MissingQuantitiesNeverFire) {
  RecommendationCatalog c = Parse(R"pb(
    rules { id: "low-energy" title: "t" text: "x"
            triggers { quantity: "energy" at_most: 0.3 reason: "r" } }
    rules { id: "face" title: "t" text: "x"
            triggers { quantity: "face.perclos" at_most: 0.5 reason: "r" } }
    rules { id: "z" title: "t" text: "x"
            triggers { quantity: "z.stress" at_most: 10 reason: "r" } }
    rules { id: "level" title: "t" text: "x"
            triggers { quantity: "risk_level" at_most: 3 reason: "r" } }
    rules { id: "risk" title: "t" text: "x"
            triggers { quantity: "risk" at_most: 1 reason: "r" } }
    rules { id: "checkin" title: "t" text: "x"
            triggers { quantity: "checkin.work" at_most: 100 reason: "r" } }
    rules { id: "emotion" title: "t" text: "x"
            triggers { quantity: "emotion.sadness" at_most: 1 reason: "r" } }
    rules { id: "alert-days" title: "t" text: "x"
            triggers { quantity: "alert.risk_rising.days" at_most: 1000 reason: "r" } }
  )pb");
  // An empty assessment has none of these: nothing fires, even the at_most triggers a zero
  // would satisfy.
  EXPECT_TRUE(Recommend(Assessment(), c).empty());

  // Abstained: no level and no risk score, although the probabilities are kept.
  Assessment abstained = Exhausted();
  abstained.mutable_risk()->set_abstained(true);
  abstained.mutable_risk()->set_level(v1::RISK_LEVEL_UNSPECIFIED);
  EXPECT_FALSE(RecommendationQuantity(abstained, "risk_level").has_value());
  EXPECT_FALSE(RecommendationQuantity(abstained, "risk").has_value());
  EXPECT_EQ(Find(Recommend(abstained, Shipped()), "professional"), nullptr);

  // A masked modality's indicators are not read.
  Assessment masked = Exhausted();
  masked.mutable_modalities(1)->set_used(false);
  EXPECT_FALSE(RecommendationQuantity(masked, "face.perclos").has_value());
  EXPECT_NEAR(*RecommendationQuantity(Exhausted(), "face.perclos"), 0.24, 1e-6);
  EXPECT_FALSE(RecommendationQuantity(Exhausted(), "voice.pitch_variability_st").has_value());
  EXPECT_FALSE(RecommendationQuantity(Exhausted(), "z.stress").has_value());
}

TEST(RecommendationsTest, ReadsQuantities) {
  const Assessment a = Exhausted();
  EXPECT_NEAR(*RecommendationQuantity(a, "risk"), 0.81, 1e-6);  // the trend feature
  Assessment no_features = a;
  no_features.clear_trend_features();
  EXPECT_NEAR(*RecommendationQuantity(no_features, "risk"), 0.22 / 2 + 0.70, 1e-6);
  EXPECT_EQ(*RecommendationQuantity(a, "risk_level"), 3.0);
  EXPECT_NEAR(*RecommendationQuantity(a, "emotion.sadness"), 0.48, 1e-6);
  EXPECT_NEAR(*RecommendationQuantity(a, "text.exhaustion"), 0.75, 1e-6);
  EXPECT_NEAR(*RecommendationQuantity(a, "stress"), 0.7, 1e-6);
  EXPECT_NEAR(*RecommendationQuantity(Thriving(), "z.stress"), -0.6, 1e-6);
}

TEST(RecommendationsTest, ValidationNamesTheRule) {
  struct Case {
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {R"pb(rules { id: "a" title: "t" text: "x" triggers { quantity: "stress" at_least: 1 reason: "r" } }
            rules { id: "a" title: "t" text: "x" triggers { quantity: "stress" at_least: 1 reason: "r" } })pb",
       "\"a\": id is used by an earlier rule"},
      {R"pb(rules { id: "sleep" text: "x" triggers { quantity: "energy" at_most: 0.3 reason: "r" } })pb",
       "\"sleep\": has no title"},
      {R"pb(rules { id: "sleep" title: "t" triggers { quantity: "energy" at_most: 0.3 reason: "r" } })pb",
       "\"sleep\": has no text"},
      {R"pb(rules { id: "sleep" title: "t" text: "x" })pb", "\"sleep\": has no trigger"},
      {R"pb(rules { id: "sleep" title: "t" text: "x" triggers { quantity: "energy" reason: "r" } })pb",
       "\"sleep\": trigger 1 (\"energy\"): needs at_least or at_most"},
      {R"pb(rules { id: "sleep" title: "t" text: "x"
                    triggers { quantity: "energy" at_most: 0.3 reason: "r" }
                    triggers { quantity: "txt.exhaustion" at_least: 0.5 reason: "r" } })pb",
       "\"sleep\": trigger 2 (\"txt.exhaustion\"): unknown quantity"},
      {R"pb(rules { id: "sleep" title: "t" text: "x" triggers { quantity: "face." at_least: 0.5 reason: "r" } })pb",
       "\"sleep\": trigger 1 (\"face.\"): \"face.\" needs a name"},
      {R"pb(rules { id: "sleep" title: "t" text: "x" triggers { quantity: "energy" at_least: 0.5 at_most: 0.2 reason: "r" } })pb",
       "\"sleep\": trigger 1 (\"energy\"): at_least is above at_most"},
      {R"pb(rules { id: "sleep" title: "t" text: "x" triggers { quantity: "energy" at_most: 0.3 } })pb",
       "\"sleep\": trigger 1 (\"energy\"): has no reason"},
      {R"pb(rules { title: "t" text: "x" triggers { quantity: "energy" at_most: 0.3 reason: "r" } })pb",
       "rule #1: has no id"},
      {R"pb(max_recommendations: -1)pb", "max_recommendations must be >= 0"},
  };
  for (const auto& c : cases) {
    const absl::Status s = ValidateRecommendationCatalog(Parse(c.text));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_TRUE(Contains(std::string(s.message()), c.expect)) << s << "\nexpected: " << c.expect;
  }
}

TEST(RecommendationsTest, LoadErrorsNameTheFile) {
  const std::string path = ::testing::TempDir() + "recommendations_bad.textproto";
  {
    std::ofstream out(path);
    out << "rules { id: \"workload\" title: \"t\" text: \"x\"\n"
           "  triggers { quantity: \"work.hours\" at_least: 50 reason: \"r\" } }\n";
  }
  auto c = LoadRecommendationCatalog(path);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(std::string(c.status().message()), path)) << c.status();
  EXPECT_TRUE(Contains(std::string(c.status().message()), "\"workload\"")) << c.status();
  {
    std::ofstream out(path);
    out << "rules { id: \"x\" titel: \"t\" }\n";  // a misspelt key
  }
  c = LoadRecommendationCatalog(path);
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(Contains(std::string(c.status().message()), "titel")) << c.status();
  std::remove(path.c_str());
  EXPECT_EQ(LoadRecommendationCatalog(path).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace burnout::insight
