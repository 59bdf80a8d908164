// The pure parts of a live session: accumulated aggregates, rolling windows, bounded series,
// the stress-spike detector and the beginning / middle / end segments.
#include "orchestrator/session_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <utility>
#include <vector>

namespace burnout::orchestrator {
namespace {

using Emotions = std::vector<std::pair<std::string, float>>;

v1::ModalityResult Result(float quality, const Emotions& emotions,
                          v1::Modality modality = v1::MODALITY_FACE) {
  v1::ModalityResult r;
  r.set_modality(modality);
  r.set_quality(quality);
  for (const auto& [l, p] : emotions) {
    auto* e = r.add_emotions();
    e->set_label(l);
    e->set_probability(p);
  }
  return r;
}

void AddIndicator(v1::ModalityResult& r, const std::string& name, double value,
                  const std::string& unit = "") {
  auto* i = r.add_indicators();
  i->set_name(name);
  i->set_value(value);
  i->set_unit(unit);
}

void SetEmbedding(v1::ModalityResult& r, const std::string& model_id, std::vector<float> values) {
  auto* e = r.mutable_embedding();
  e->set_model_id(model_id);
  e->set_dimension(static_cast<int>(values.size()));
  for (float v : values) e->add_values(v);
}

std::vector<std::string> Labels(const google::protobuf::RepeatedPtrField<v1::LabelScore>& e) {
  std::vector<std::string> out;
  for (const auto& s : e) out.push_back(s.label());
  return out;
}

float Prob(const google::protobuf::RepeatedPtrField<v1::LabelScore>& e, const std::string& l) {
  for (const auto& s : e) {
    if (s.label() == l) return s.probability();
  }
  ADD_FAILURE() << "no label " << l;
  return -1;
}

v1::FusedPoint Fused(double t, float risk, float confidence, float stress, float energy = 0,
                     float work = 0, v1::RiskLevel level = v1::RISK_LEVEL_LOW) {
  v1::FusedPoint p;
  p.set_t_s(t);
  p.set_risk_score(risk);
  p.set_confidence(confidence);
  p.set_stress(stress);
  p.set_energy(energy);
  p.set_work(work);
  p.set_level(level);
  return p;
}

// ---------------------------------------------------------------------------------------------
// ResultAccumulator

TEST(ResultAccumulatorTest, NothingAddedGivesOnlyTheModality) {
  ResultAccumulator acc;
  EXPECT_EQ(acc.count(), 0);
  const v1::ModalityResult r = acc.Result();
  EXPECT_EQ(r.modality(), v1::MODALITY_UNSPECIFIED);
  EXPECT_EQ(r.emotions_size(), 0);
  EXPECT_EQ(r.indicators_size(), 0);
  EXPECT_FALSE(r.has_embedding());
  EXPECT_FALSE(r.has_model());
  EXPECT_EQ(r.quality(), 0.0f);
  EXPECT_EQ(r.quality_issues_size(), 0);
}

TEST(ResultAccumulatorTest, EmotionsAreQualityWeightedInFirstLabelOrderAndRenormalised) {
  ResultAccumulator acc;
  acc.Add(Result(1.0f, {{"joy", 0.8f}, {"sadness", 0.2f}}));
  // Another order, and a label the first result does not have: it is ignored.
  acc.Add(Result(0.5f, {{"anger", 0.5f}, {"sadness", 0.3f}, {"joy", 0.2f}}));
  EXPECT_EQ(acc.count(), 2);
  const v1::ModalityResult r = acc.Result();
  ASSERT_EQ(Labels(r.emotions()), (std::vector<std::string>{"joy", "sadness"}));
  // joy (0.8*1 + 0.2*0.5)/1.5 = 0.6, sadness (0.2 + 0.15)/1.5 = 0.2333; sum 0.8333.
  EXPECT_NEAR(r.emotions(0).probability(), 0.6 / (0.6 + 0.35 / 1.5), 1e-5);  // 0.72
  EXPECT_NEAR(r.emotions(1).probability(), 0.28, 1e-5);
  EXPECT_NEAR(r.quality(), 0.75, 1e-6);  // the plain mean, not weighted
}

TEST(ResultAccumulatorTest, QualityZeroKeepsTheFloorWeight) {
  ResultAccumulator acc;
  acc.Add(Result(0.0f, {{"a", 1.0f}, {"b", 0.0f}}));
  acc.Add(Result(0.95f, {{"a", 0.0f}, {"b", 1.0f}}));
  const v1::ModalityResult r = acc.Result();
  EXPECT_NEAR(Prob(r.emotions(), "a"), 0.05, 1e-6);  // 0.05 / (0.05 + 0.95)
  EXPECT_NEAR(Prob(r.emotions(), "b"), 0.95, 1e-6);
  EXPECT_NEAR(r.quality(), 0.475, 1e-6);
}

TEST(ResultAccumulatorTest, MissingLabelsCountAsZero) {
  ResultAccumulator acc;
  acc.Add(Result(1.0f, {{"a", 0.5f}, {"b", 0.5f}}));
  acc.Add(Result(1.0f, {{"a", 1.0f}}));
  const v1::ModalityResult r = acc.Result();
  // a (0.5 + 1)/2 = 0.75, b 0.25: sums to 1 already.
  EXPECT_NEAR(Prob(r.emotions(), "a"), 0.75, 1e-6);
  EXPECT_NEAR(Prob(r.emotions(), "b"), 0.25, 1e-6);
}

TEST(ResultAccumulatorTest, AllZeroEmotionsStayZero) {
  ResultAccumulator acc;
  acc.Add(Result(1.0f, {{"a", 0.0f}, {"b", 0.0f}}));
  const v1::ModalityResult r = acc.Result();
  ASSERT_EQ(r.emotions_size(), 2);
  EXPECT_EQ(r.emotions(0).probability(), 0.0f);
  EXPECT_EQ(r.emotions(1).probability(), 0.0f);
}

TEST(ResultAccumulatorTest, LabelsComeFromTheFirstResultThatHasEmotions) {
  ResultAccumulator acc;
  acc.Add(Result(1.0f, {}));  // e.g. no face in the frame
  acc.Add(Result(1.0f, {{"b", 0.4f}, {"a", 0.6f}}));
  const v1::ModalityResult r = acc.Result();
  ASSERT_EQ(Labels(r.emotions()), (std::vector<std::string>{"b", "a"}));
  EXPECT_NEAR(r.emotions(0).probability(), 0.4, 1e-6);  // renormalised past the empty one
  EXPECT_NEAR(r.emotions(1).probability(), 0.6, 1e-6);
}

TEST(ResultAccumulatorTest, IndicatorsAreWeightedOverTheResultsCarryingThem) {
  ResultAccumulator acc;
  v1::ModalityResult r1 = Result(1.0f, {});
  AddIndicator(r1, "f0_mean_hz", 10, "Hz");
  v1::ModalityResult r2 = Result(0.5f, {});
  AddIndicator(r2, "speech_ratio", 1, "ratio");
  AddIndicator(r2, "f0_mean_hz", 4, "Hz");
  v1::ModalityResult r3 = Result(0.25f, {});
  AddIndicator(r3, "speech_ratio", 3);  // no unit: the known one is kept
  acc.Add(r1);
  acc.Add(r2);
  acc.Add(r3);
  const v1::ModalityResult r = acc.Result();
  ASSERT_EQ(r.indicators_size(), 2);
  EXPECT_EQ(r.indicators(0).name(), "f0_mean_hz");  // order of first appearance
  EXPECT_NEAR(r.indicators(0).value(), (10 * 1.0 + 4 * 0.5) / 1.5, 1e-9);  // 8
  EXPECT_EQ(r.indicators(0).unit(), "Hz");
  EXPECT_EQ(r.indicators(1).name(), "speech_ratio");
  EXPECT_NEAR(r.indicators(1).value(), (1 * 0.5 + 3 * 0.25) / 0.75, 1e-9);
  EXPECT_EQ(r.indicators(1).unit(), "ratio");
}

TEST(ResultAccumulatorTest, EmbeddingsOfOneModelAreWeightedMeans) {
  ResultAccumulator acc;
  v1::ModalityResult r1 = Result(1.0f, {});
  SetEmbedding(r1, "face/1", {1, 0});
  v1::ModalityResult r2 = Result(0.5f, {});
  SetEmbedding(r2, "face/1", {0, 1});
  acc.Add(r1);
  acc.Add(r2);
  const v1::ModalityResult r = acc.Result();
  ASSERT_EQ(r.embedding().values_size(), 2);
  EXPECT_NEAR(r.embedding().values(0), 1.0 / 1.5, 1e-6);
  EXPECT_NEAR(r.embedding().values(1), 0.5 / 1.5, 1e-6);
  EXPECT_EQ(r.embedding().model_id(), "face/1");
  EXPECT_EQ(r.embedding().dimension(), 2);
}

TEST(ResultAccumulatorTest, EmbeddingsOfDifferentModelsNeverMix) {
  ResultAccumulator acc;
  v1::ModalityResult r1 = Result(1.0f, {});
  SetEmbedding(r1, "face/1", {1, 0});
  v1::ModalityResult r2 = Result(0.5f, {});
  SetEmbedding(r2, "face/2", {0, 1});
  v1::ModalityResult r3 = Result(0.5f, {});
  SetEmbedding(r3, "face/1", {0.5f, 0.5f});
  acc.Add(r1);
  acc.Add(r2);
  acc.Add(r3);  // back to face/1: the history is still mixed, so the newest stands
  const v1::ModalityResult r = acc.Result();
  EXPECT_EQ(r.embedding().model_id(), "face/1");
  ASSERT_EQ(r.embedding().values_size(), 2);
  EXPECT_EQ(r.embedding().values(0), 0.5f);
  EXPECT_EQ(r.embedding().values(1), 0.5f);
}

TEST(ResultAccumulatorTest, EmbeddingsOfDifferentDimensionsNeverMix) {
  ResultAccumulator acc;
  v1::ModalityResult r1 = Result(1.0f, {});
  SetEmbedding(r1, "face/1", {1, 0});
  v1::ModalityResult r2 = Result(1.0f, {});
  SetEmbedding(r2, "face/1", {0, 1, 2});
  acc.Add(r1);
  acc.Add(r2);
  const v1::ModalityResult r = acc.Result();
  ASSERT_EQ(r.embedding().values_size(), 3);
  EXPECT_EQ(r.embedding().values(0), 0.0f);
  EXPECT_EQ(r.embedding().values(2), 2.0f);
  EXPECT_EQ(r.embedding().dimension(), 3);
}

TEST(ResultAccumulatorTest, QualityIssuesMostFrequentFirstTiesAlphabeticalAtMostFive) {
  ResultAccumulator acc;
  auto with_issues = [](std::vector<std::string> issues) {
    v1::ModalityResult r = Result(0.5f, {});
    for (auto& i : issues) r.add_quality_issues(i);
    return r;
  };
  acc.Add(with_issues({"noise", "dark", "noise"}));  // twice in one result counts once
  acc.Add(with_issues({"noise", "blur", "dark"}));
  acc.Add(with_issues({"noise", "zoom", "clipped", "echo"}));
  acc.Add(with_issues({"zoom", "blur"}));
  // noise 3; blur, dark, zoom 2; clipped, echo 1.
  const v1::ModalityResult r = acc.Result();
  ASSERT_EQ(r.quality_issues_size(), 5);
  EXPECT_EQ(r.quality_issues(0), "noise");
  EXPECT_EQ(r.quality_issues(1), "blur");
  EXPECT_EQ(r.quality_issues(2), "dark");
  EXPECT_EQ(r.quality_issues(3), "zoom");
  EXPECT_EQ(r.quality_issues(4), "clipped");  // "echo" is the sixth and goes
}

TEST(ResultAccumulatorTest, DistinctIssuesAreBoundedOverALongSession) {
  ResultAccumulator acc;
  for (int i = 0; i < 10000; ++i) {  // a number in every issue, as "face too small: 41 px"
    v1::ModalityResult r = Result(0.5f, {});
    r.add_quality_issues("face too small: " + std::to_string(i) + " px");
    if (i % 2 == 0) r.add_quality_issues("dark");
    acc.Add(r);
  }
  const v1::ModalityResult r = acc.Result();
  ASSERT_EQ(r.quality_issues_size(), 5);
  EXPECT_EQ(r.quality_issues(0), "dark");  // tracked from the start, the most frequent
  EXPECT_EQ(r.quality_issues(1), "face too small: 0 px");
}

TEST(ResultAccumulatorTest, ProvenanceComesFromTheNewestResult) {
  ResultAccumulator acc;
  v1::ModalityResult r1 = Result(1.0f, {{"a", 1}}, v1::MODALITY_VOICE);
  r1.mutable_model()->set_name("old");
  (*r1.mutable_details())["detector"] = "haar";
  r1.add_findings("old finding");
  r1.add_evidence()->set_feature("old");
  v1::ModalityResult r2 = Result(1.0f, {{"a", 1}}, v1::MODALITY_FACE);
  r2.mutable_model()->set_name("new");
  r2.mutable_model()->set_version("2");
  (*r2.mutable_details())["detector"] = "yunet";
  r2.add_findings("new finding");
  r2.add_evidence()->set_feature("new");
  acc.Add(r1);
  acc.Add(r2);
  const v1::ModalityResult r = acc.Result();
  EXPECT_EQ(r.modality(), v1::MODALITY_FACE);
  EXPECT_EQ(r.model().name(), "new");
  EXPECT_EQ(r.model().version(), "2");
  EXPECT_EQ(r.details().at("detector"), "yunet");
  ASSERT_EQ(r.findings_size(), 1);
  EXPECT_EQ(r.findings(0), "new finding");
  ASSERT_EQ(r.evidence_size(), 1);
  EXPECT_EQ(r.evidence(0).feature(), "new");
}

TEST(ResultAccumulatorTest, ClearStartsOver) {
  ResultAccumulator acc;
  v1::ModalityResult r1 = Result(1.0f, {{"a", 1}}, v1::MODALITY_VOICE);
  AddIndicator(r1, "x", 1);
  SetEmbedding(r1, "voice/1", {1});
  r1.add_quality_issues("noise");
  acc.Add(r1);
  acc.Clear();
  EXPECT_EQ(acc.count(), 0);
  v1::ModalityResult empty = acc.Result();
  EXPECT_EQ(empty.modality(), v1::MODALITY_UNSPECIFIED);
  EXPECT_EQ(empty.emotions_size(), 0);

  v1::ModalityResult r2 = Result(0.5f, {{"b", 1}}, v1::MODALITY_FACE);
  SetEmbedding(r2, "face/1", {0, 2});  // a different model: mixing starts afresh
  acc.Add(r2);
  const v1::ModalityResult r = acc.Result();
  EXPECT_EQ(Labels(r.emotions()), (std::vector<std::string>{"b"}));
  EXPECT_EQ(r.indicators_size(), 0);
  EXPECT_EQ(r.quality_issues_size(), 0);
  EXPECT_NEAR(r.quality(), 0.5, 1e-6);
  ASSERT_EQ(r.embedding().values_size(), 2);
  EXPECT_NEAR(r.embedding().values(1), 2.0, 1e-6);
}

// ---------------------------------------------------------------------------------------------
// ResultWindow

TEST(ResultWindowTest, EmptyWindowHasNoAggregate) {
  ResultWindow w(10, 5);
  EXPECT_EQ(w.size(), 0);
  EXPECT_EQ(w.oldest_s(), 0.0);
  EXPECT_EQ(w.newest_s(), 0.0);
  EXPECT_FALSE(w.Aggregate().has_value());
}

TEST(ResultWindowTest, HoldsAtMostMaxResultsDroppingTheOldest) {
  ResultWindow w(1000, 3);
  for (int i = 0; i < 5; ++i) {
    w.Add(i, Result(1.0f, {{"a", i * 0.25f}, {"b", 1 - i * 0.25f}}));
  }
  EXPECT_EQ(w.size(), 3);
  EXPECT_EQ(w.oldest_s(), 2.0);
  EXPECT_EQ(w.newest_s(), 4.0);
  auto agg = w.Aggregate();
  ASSERT_TRUE(agg.has_value());
  // Only a = 0.5, 0.75, 1.0 remain.
  EXPECT_NEAR(Prob(agg->emotions(), "a"), 0.75, 1e-6);
}

TEST(ResultWindowTest, ExpireDropsResultsOlderThanTheWindow) {
  ResultWindow w(10, 100);
  w.Add(0, Result(1.0f, {{"a", 1}}));
  w.Add(5, Result(1.0f, {{"a", 0}, {"b", 1}}));
  w.Add(10, Result(1.0f, {{"a", 0}, {"b", 1}}));
  w.Add(15, Result(1.0f, {{"a", 0}, {"b", 1}}));
  w.Expire(15);  // cutoff 5: t = 5 is not older, it stays
  EXPECT_EQ(w.size(), 3);
  EXPECT_EQ(w.oldest_s(), 5.0);
  auto agg = w.Aggregate();
  ASSERT_TRUE(agg.has_value());
  // The labels are now those of the t = 5 result: the expired one no longer counts.
  EXPECT_NEAR(Prob(agg->emotions(), "b"), 1.0, 1e-6);
  EXPECT_NEAR(Prob(agg->emotions(), "a"), 0.0, 1e-6);

  w.Expire(24.5);  // cutoff 14.5
  EXPECT_EQ(w.size(), 1);
  w.Expire(100);
  EXPECT_EQ(w.size(), 0);
  EXPECT_FALSE(w.Aggregate().has_value());
}

TEST(ResultWindowTest, ClearEmptiesTheWindow) {
  ResultWindow w(10, 5);
  w.Add(1, Result(1.0f, {{"a", 1}}));
  w.Clear();
  EXPECT_EQ(w.size(), 0);
  EXPECT_FALSE(w.Aggregate().has_value());
}

// ---------------------------------------------------------------------------------------------
// EmotionSeries

TEST(EmotionSeriesTest, EmptySeries) {
  EmotionSeries s(v1::MODALITY_VOICE, 2.0, 10);
  EXPECT_EQ(s.size(), 0);
  const v1::ModalitySeries p = s.ToProto();
  EXPECT_EQ(p.modality(), v1::MODALITY_VOICE);
  EXPECT_EQ(p.step_s(), 2.0);
  EXPECT_EQ(p.points_size(), 0);
}

TEST(EmotionSeriesTest, ResultsInOneStepArePlainMeans) {
  EmotionSeries s(v1::MODALITY_FACE, 1.0, 10);
  s.Add(0.1, Result(1.0f, {{"a", 1}, {"b", 0}}));
  s.Add(0.9, Result(0.2f, {{"b", 1}, {"a", 0}}));  // same step; not quality-weighted
  s.Add(1.0, Result(0.4f, {{"a", 0.25f}, {"b", 0.75f}}));
  s.Add(5.5, Result(0.8f, {{"b", 0.5f}}));  // a gap: no empty points in between
  ASSERT_EQ(s.size(), 3);
  const v1::ModalitySeries p = s.ToProto();
  ASSERT_EQ(p.points_size(), 3);
  EXPECT_EQ(p.points(0).t_s(), 0.0);
  EXPECT_EQ(p.points(0).results(), 2);
  ASSERT_EQ(Labels(p.points(0).emotions()), (std::vector<std::string>{"a", "b"}));
  EXPECT_NEAR(p.points(0).emotions(0).probability(), 0.5, 1e-6);
  EXPECT_NEAR(p.points(0).emotions(1).probability(), 0.5, 1e-6);
  EXPECT_NEAR(p.points(0).quality(), 0.6, 1e-6);
  EXPECT_EQ(p.points(1).t_s(), 1.0);
  EXPECT_EQ(p.points(1).results(), 1);
  EXPECT_NEAR(p.points(1).emotions(0).probability(), 0.25, 1e-6);
  EXPECT_EQ(p.points(2).t_s(), 5.0);
  // The missing label counts as 0; the label order stays the first result's.
  ASSERT_EQ(Labels(p.points(2).emotions()), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(p.points(2).emotions(0).probability(), 0.0f);
  EXPECT_NEAR(p.points(2).emotions(1).probability(), 0.5, 1e-6);
  EXPECT_NEAR(p.points(2).quality(), 0.8, 1e-6);
}

TEST(EmotionSeriesTest, CompactionDoublesTheStepAndMergesByResultCount) {
  EmotionSeries s(v1::MODALITY_FACE, 1.0, 2);
  for (double t : {0.1, 0.2, 0.3}) s.Add(t, Result(0.9f, {{"a", 1}, {"b", 0}}));
  s.Add(1.5, Result(0.1f, {{"a", 0}, {"b", 1}}));
  s.Add(2.5, Result(0.5f, {{"a", 0.5f}, {"b", 0.5f}}));  // a third point: compaction
  ASSERT_EQ(s.size(), 2);
  v1::ModalitySeries p = s.ToProto();
  EXPECT_EQ(p.step_s(), 2.0);
  ASSERT_EQ(p.points_size(), 2);
  EXPECT_EQ(p.points(0).t_s(), 0.0);
  EXPECT_EQ(p.points(0).results(), 4);
  EXPECT_NEAR(p.points(0).emotions(0).probability(), 0.75, 1e-6);  // 3 of 4, not 1 of 2
  EXPECT_NEAR(p.points(0).quality(), (3 * 0.9 + 0.1) / 4, 1e-6);
  EXPECT_EQ(p.points(1).t_s(), 2.0);
  EXPECT_EQ(p.points(1).results(), 1);

  // A later result lands in the doubled step: t = 3.9 is in [2, 4).
  s.Add(3.9, Result(0.5f, {{"a", 1}, {"b", 0}}));
  p = s.ToProto();
  ASSERT_EQ(p.points_size(), 2);
  EXPECT_EQ(p.points(1).results(), 2);
  EXPECT_NEAR(p.points(1).emotions(0).probability(), 0.75, 1e-6);
}

TEST(EmotionSeriesTest, StaysBoundedOverALongSessionAndKeepsEveryResult) {
  constexpr int kMax = 64;
  constexpr int kAdds = 100000;
  EmotionSeries s(v1::MODALITY_TEXT, 0.5, kMax);
  double a_sum = 0, quality_sum = 0;
  for (int i = 0; i < kAdds; ++i) {
    const float a = static_cast<float>(i % 7) / 6.0f;
    const float q = static_cast<float>(i % 5) / 4.0f;
    s.Add(i * 0.25, Result(q, {{"a", a}, {"b", 1 - a}}));
    a_sum += a;
    quality_sum += q;
    ASSERT_LE(s.size(), kMax);
  }
  const v1::ModalitySeries p = s.ToProto();
  ASSERT_LE(p.points_size(), kMax);
  ASSERT_GT(p.points_size(), 0);
  // 25000 s of session in at most 64 points: the step doubled to at least 25000 / 64.
  const double doublings = std::log2(p.step_s() / 0.5);
  EXPECT_NEAR(doublings, std::round(doublings), 1e-9);
  EXPECT_GE(p.step_s() * kMax, 25000.0);
  int64_t results = 0;
  double a_weighted = 0, quality_weighted = 0, previous_t = -1;
  for (const auto& pt : p.points()) {
    EXPECT_GT(pt.t_s(), previous_t);
    EXPECT_NEAR(std::fmod(pt.t_s(), p.step_s()), 0.0, 1e-9);
    previous_t = pt.t_s();
    results += pt.results();
    a_weighted += static_cast<double>(Prob(pt.emotions(), "a")) * pt.results();
    quality_weighted += static_cast<double>(pt.quality()) * pt.results();
  }
  EXPECT_EQ(results, kAdds);
  // Merging by result count keeps the overall means (up to float rounding in the protos).
  EXPECT_NEAR(a_weighted / kAdds, a_sum / kAdds, 1e-5);
  EXPECT_NEAR(quality_weighted / kAdds, quality_sum / kAdds, 1e-5);
}

TEST(EmotionSeriesTest, LabelsComeFromTheFirstResultWithEmotions) {
  EmotionSeries s(v1::MODALITY_FACE, 1.0, 10);
  s.Add(0.0, Result(0.0f, {}));  // no face: counted, with no emotions
  s.Add(1.0, Result(1.0f, {{"x", 0.3f}, {"y", 0.7f}}));
  const v1::ModalitySeries p = s.ToProto();
  ASSERT_EQ(p.points_size(), 2);
  ASSERT_EQ(Labels(p.points(0).emotions()), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(p.points(0).emotions(0).probability(), 0.0f);
  EXPECT_EQ(p.points(0).results(), 1);
  EXPECT_NEAR(p.points(1).emotions(1).probability(), 0.7, 1e-6);
}

// ---------------------------------------------------------------------------------------------
// FusedSeries

TEST(FusedSeriesTest, AppendsUntilFull) {
  FusedSeries s(1.0, 4);
  EXPECT_TRUE(s.points().empty());
  for (int i = 0; i < 4; ++i) s.Add(Fused(i, 0.1f * i, 0.5f, 0.5f));
  ASSERT_EQ(s.points().size(), 4u);
  EXPECT_EQ(s.step_s(), 1.0);
  EXPECT_EQ(s.points()[3].t_s(), 3.0);
}

TEST(FusedSeriesTest, MergesNeighboursPairwiseWhenFull) {
  FusedSeries s(1.0, 4);
  s.Add(Fused(0, 0.1f, 0.9f, 0.2f, 0.6f, 0.4f, v1::RISK_LEVEL_LOW));
  s.Add(Fused(1, 0.5f, 0.7f, 0.4f, 0.2f, 0.8f, v1::RISK_LEVEL_MODERATE));
  s.Add(Fused(2, 0.7f, 0.5f, 0.6f, 0.1f, 0.3f, v1::RISK_LEVEL_HIGH));
  s.Add(Fused(3, 0.3f, 0.3f, 0.8f, 0.3f, 0.1f, v1::RISK_LEVEL_MODERATE));
  s.Add(Fused(4, 0.9f, 0.1f, 1.0f, 0.0f, 0.0f, v1::RISK_LEVEL_HIGH));
  ASSERT_EQ(s.points().size(), 3u);
  EXPECT_EQ(s.step_s(), 2.0);
  const auto& m0 = s.points()[0];
  EXPECT_EQ(m0.t_s(), 0.0);
  EXPECT_NEAR(m0.risk_score(), 0.3, 1e-6);
  EXPECT_NEAR(m0.confidence(), 0.8, 1e-6);
  EXPECT_NEAR(m0.stress(), 0.3, 1e-6);
  EXPECT_NEAR(m0.energy(), 0.4, 1e-6);
  EXPECT_NEAR(m0.work(), 0.6, 1e-6);
  EXPECT_EQ(m0.level(), v1::RISK_LEVEL_MODERATE);  // the higher risk score's
  const auto& m1 = s.points()[1];
  EXPECT_EQ(m1.t_s(), 2.0);
  EXPECT_NEAR(m1.risk_score(), 0.5, 1e-6);
  EXPECT_EQ(m1.level(), v1::RISK_LEVEL_HIGH);  // the earlier one is higher here
  const auto& odd = s.points()[2];  // the trailing point stays as it was
  EXPECT_EQ(odd.t_s(), 4.0);
  EXPECT_NEAR(odd.risk_score(), 0.9, 1e-6);
  EXPECT_EQ(odd.level(), v1::RISK_LEVEL_HIGH);
}

TEST(FusedSeriesTest, LaterMergesAreWeightedByTheUpdatesInEachPoint) {
  FusedSeries s(1.0, 2);
  s.Add(Fused(0, 0.0f, 1.0f, 0.0f));
  s.Add(Fused(1, 0.3f, 0.7f, 0.3f));
  s.Add(Fused(2, 0.9f, 0.4f, 0.9f, 0, 0, v1::RISK_LEVEL_HIGH));  // [(0,1) w2, 2 w1]
  ASSERT_EQ(s.points().size(), 2u);
  s.Add(Fused(3, 0.1f, 0.9f, 0.1f));  // [(0,1,2) w3, 3 w1]
  ASSERT_EQ(s.points().size(), 2u);
  EXPECT_EQ(s.step_s(), 4.0);
  // The mean of the three updates, not the mean of (0.15, 0.9).
  EXPECT_NEAR(s.points()[0].risk_score(), 0.4, 1e-6);
  EXPECT_NEAR(s.points()[0].confidence(), 0.7, 1e-6);
  EXPECT_EQ(s.points()[0].t_s(), 0.0);
  EXPECT_EQ(s.points()[0].level(), v1::RISK_LEVEL_HIGH);
  EXPECT_EQ(s.points()[1].t_s(), 3.0);
}

TEST(FusedSeriesTest, StaysBoundedOverALongSession) {
  constexpr int kMax = 50;
  FusedSeries s(1.0, kMax);
  for (int i = 0; i < 100000; ++i) {
    s.Add(Fused(i, static_cast<float>(i % 10) / 10.0f, 0.5f, 0.5f));
    ASSERT_LE(s.points().size(), static_cast<size_t>(kMax));
  }
  EXPECT_GE(s.step_s() * kMax, 100000.0);  // 100000 s in at most 50 points
  EXPECT_EQ(s.points().front().t_s(), 0.0);
  for (size_t i = 1; i < s.points().size(); ++i) {
    EXPECT_GT(s.points()[i].t_s(), s.points()[i - 1].t_s());
  }
}

// ---------------------------------------------------------------------------------------------
// SpikeDetector

TEST(SpikeDetectorTest, NothingBeforeLookbackPoints) {
  SpikeDetector d(SpikeOptions{});  // lookback 3
  EXPECT_TRUE(d.Add(Fused(0, 0, 0.9f, 0.1f)).empty());
  EXPECT_TRUE(d.Add(Fused(1, 0, 0.9f, 0.1f)).empty());
  // Only two previous points: a crash and a surge still say nothing.
  EXPECT_TRUE(d.Add(Fused(2, 0, 0.1f, 0.9f)).empty());
  EXPECT_TRUE(d.spikes().empty());
  EXPECT_EQ(d.total(), 0);
}

TEST(SpikeDetectorTest, ConfidenceDropAgainstTheRecentAverage) {
  SpikeDetector d(SpikeOptions{});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(d.Add(Fused(i, 0, 0.8f, 0.3f)).empty());
  const auto found = d.Add(Fused(3.5, 0, 0.6f, 0.3f));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind(), "confidence_drop");
  EXPECT_EQ(found[0].t_s(), 3.5);
  EXPECT_NEAR(found[0].value(), 0.6, 1e-6);
  EXPECT_NEAR(found[0].recent_average(), 0.8, 1e-6);
  EXPECT_NEAR(found[0].magnitude(), 0.2, 1e-6);
  ASSERT_EQ(d.spikes().size(), 1u);
  EXPECT_EQ(d.spikes()[0].kind(), "confidence_drop");
  EXPECT_EQ(d.total(), 1);
}

TEST(SpikeDetectorTest, SmallChangesAndImprovementsAreNotSpikes) {
  SpikeDetector d(SpikeOptions{});
  for (int i = 0; i < 3; ++i) d.Add(Fused(i, 0, 0.8f, 0.5f));
  EXPECT_TRUE(d.Add(Fused(3, 0, 0.7f, 0.6f)).empty());  // 0.1 either way: under 0.15
  EXPECT_TRUE(d.Add(Fused(4, 0, 1.0f, 0.0f)).empty());  // rising confidence, falling stress
  EXPECT_EQ(d.total(), 0);
}

TEST(SpikeDetectorTest, StressJump) {
  SpikeDetector d(SpikeOptions{});
  for (int i = 0; i < 3; ++i) d.Add(Fused(i, 0, 0.8f, 0.2f));
  const auto found = d.Add(Fused(3, 0, 0.8f, 0.5f));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].kind(), "stress_jump");
  EXPECT_NEAR(found[0].value(), 0.5, 1e-6);
  EXPECT_NEAR(found[0].recent_average(), 0.2, 1e-6);
  EXPECT_NEAR(found[0].magnitude(), 0.3, 1e-6);
}

TEST(SpikeDetectorTest, BothInOnePoint) {
  SpikeDetector d(SpikeOptions{});
  for (int i = 0; i < 3; ++i) d.Add(Fused(i, 0, 0.8f, 0.2f));
  const auto found = d.Add(Fused(3, 0, 0.4f, 0.7f));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].kind(), "confidence_drop");
  EXPECT_NEAR(found[0].magnitude(), 0.4, 1e-6);
  EXPECT_EQ(found[1].kind(), "stress_jump");
  EXPECT_NEAR(found[1].magnitude(), 0.5, 1e-6);
  EXPECT_EQ(d.spikes().size(), 2u);
  EXPECT_EQ(d.total(), 2);
}

TEST(SpikeDetectorTest, AverageIsOfThePreviousLookbackPointsOnly) {
  SpikeOptions o;
  o.lookback = 2;
  SpikeDetector d(o);
  d.Add(Fused(0, 0, 1.0f, 0.0f));
  d.Add(Fused(1, 0, 0.5f, 0.0f));
  // Against (1.0 + 0.5) / 2 = 0.75: a drop of 0.25.
  auto found = d.Add(Fused(2, 0, 0.5f, 0.0f));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NEAR(found[0].recent_average(), 0.75, 1e-6);
  // The 1.0 has slid out: against (0.5 + 0.5) / 2 only (against all three it would be 0.667).
  found = d.Add(Fused(3, 0, 0.3f, 0.0f));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_NEAR(found[0].recent_average(), 0.5, 1e-6);
  EXPECT_NEAR(found[0].magnitude(), 0.2, 1e-6);
  // The current point is not in its own average: 0.5, 0.3 -> 0.4; 0.3 is not 0.15 below.
  EXPECT_TRUE(d.Add(Fused(4, 0, 0.3f, 0.0f)).empty());
}

TEST(SpikeDetectorTest, KeepsAtMostMaxSpikesButCountsThemAll) {
  SpikeOptions o;
  o.lookback = 1;
  o.max_spikes = 2;
  SpikeDetector d(o);
  for (int i = 0; i < 10; ++i) {
    d.Add(Fused(2 * i, 0, 0.9f, 0.0f));
    // Reported even when no longer kept.
    EXPECT_EQ(d.Add(Fused(2 * i + 1, 0, 0.1f, 0.0f)).size(), 1u);
  }
  EXPECT_EQ(d.total(), 10);
  ASSERT_EQ(d.spikes().size(), 2u);
  EXPECT_EQ(d.spikes()[0].t_s(), 1.0);  // the first ones are kept
  EXPECT_EQ(d.spikes()[1].t_s(), 3.0);
}

// ---------------------------------------------------------------------------------------------
// Segments

v1::SeriesPoint Point(double t, int results, float quality, const Emotions& emotions) {
  v1::SeriesPoint p;
  p.set_t_s(t);
  p.set_results(results);
  p.set_quality(quality);
  for (const auto& [l, v] : emotions) {
    auto* e = p.add_emotions();
    e->set_label(l);
    e->set_probability(v);
  }
  return p;
}

// The face's fatigue measures follow the session: each step the mean over the results that
// carry them, merged by result count; the segments the result-weighted means.
TEST(EmotionSeriesTest, FollowedIndicatorsAreMeansOverTheResultsCarryingThem) {
  EmotionSeries s(v1::MODALITY_FACE, 1.0, 4, {"perclos", "yawns"});
  auto frame = [](double perclos, bool with_perclos, double yawns) {
    v1::ModalityResult r = Result(1.0f, {{"neutral", 1.0f}});
    if (with_perclos) AddIndicator(r, "perclos", perclos, "ratio");
    AddIndicator(r, "yawns", yawns, "count");
    AddIndicator(r, "smile", 0.9);  // not followed
    return r;
  };
  s.Add(0.1, frame(0.10, true, 0));
  s.Add(0.5, frame(0.30, true, 2));
  s.Add(0.9, frame(0.0, false, 1));  // a frame without the fatigue window yet
  s.Add(1.2, frame(0.50, true, 3));
  const v1::ModalitySeries proto = s.ToProto();
  ASSERT_EQ(proto.points_size(), 2);
  const auto& p0 = proto.points(0);
  ASSERT_EQ(p0.indicators_size(), 2);
  EXPECT_EQ(p0.indicators(0).name(), "perclos");
  EXPECT_EQ(p0.indicators(0).unit(), "ratio");
  EXPECT_NEAR(p0.indicators(0).value(), 0.20, 1e-9);  // over the two frames that carried it
  EXPECT_EQ(p0.indicators(1).name(), "yawns");
  EXPECT_NEAR(p0.indicators(1).value(), 1.0, 1e-9);
  EXPECT_NEAR(proto.points(1).indicators(0).value(), 0.50, 1e-9);
  // Compaction keeps them exact: one step of 2 s holds all four frames.
  for (int i = 2; i < 10; ++i) s.Add(i + 0.1, frame(0.2, true, 0));
  const v1::ModalitySeries compact = s.ToProto();
  EXPECT_GT(compact.step_s(), 1.0);
  EXPECT_NEAR(compact.points(0).indicators(0).value(), (0.1 + 0.3 + 0.5 + 0.2 * (compact.step_s() - 2)) /
                                                           (3 + compact.step_s() - 2), 1e-9);
  // Segments: result-weighted means of the points that carry the indicator.
  const auto seg = Segments(10.0, {compact}, {});
  ASSERT_EQ(seg[0].modalities_size(), 1);
  bool found = false;
  for (const auto& ind : seg[0].modalities(0).indicators()) {
    if (ind.name() != "perclos") continue;
    found = true;
    EXPECT_GT(ind.value(), 0.0);
    EXPECT_LT(ind.value(), 0.5);
  }
  EXPECT_TRUE(found);
  for (const auto& ind : seg[0].modalities(0).indicators()) EXPECT_NE(ind.name(), "smile");
}

TEST(SegmentsTest, EmptyInputsStillGiveThreeSegments) {
  const auto segs = Segments(60, {}, {});
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].name(), "beginning");
  EXPECT_EQ(segs[1].name(), "middle");
  EXPECT_EQ(segs[2].name(), "end");
  for (const auto& s : segs) {
    EXPECT_EQ(s.fused_points(), 0);
    EXPECT_EQ(s.mean_risk_score(), 0.0f);
    EXPECT_EQ(s.mean_confidence(), 0.0f);
    EXPECT_EQ(s.modalities_size(), 0);
  }
}

TEST(SegmentsTest, BoundariesAreTwentySixtyTwentyPercent) {
  const std::vector<v1::FusedPoint> fused = {
      Fused(-5, 0.1f, 0.9f, 0.1f, 0.8f),   // before the start: beginning
      Fused(0, 0.2f, 0.8f, 0.2f, 0.6f),    // beginning
      Fused(19.9, 0.3f, 0.7f, 0.3f, 0.4f), // beginning
      Fused(20, 0.5f, 0.5f, 0.5f, 0.5f),   // exactly 0.2d: middle
      Fused(79.9, 0.7f, 0.3f, 0.7f, 0.1f), // middle
      Fused(80, 0.8f, 0.2f, 0.6f, 0.2f),   // exactly 0.8d: end
      Fused(100, 0.9f, 0.1f, 0.8f, 0.0f),  // exactly d: end, not dropped
      Fused(130, 1.0f, 0.0f, 1.0f, 0.4f),  // after d: end
  };
  const auto segs = Segments(100, {}, fused);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].start_s(), 0.0);
  EXPECT_EQ(segs[0].end_s(), 20.0);
  EXPECT_EQ(segs[1].start_s(), 20.0);
  EXPECT_EQ(segs[1].end_s(), 80.0);
  EXPECT_EQ(segs[2].start_s(), 80.0);
  EXPECT_EQ(segs[2].end_s(), 100.0);

  EXPECT_EQ(segs[0].fused_points(), 3);
  EXPECT_NEAR(segs[0].mean_risk_score(), 0.2, 1e-6);
  EXPECT_NEAR(segs[0].mean_confidence(), 0.8, 1e-6);
  EXPECT_NEAR(segs[0].mean_stress(), 0.2, 1e-6);
  EXPECT_NEAR(segs[0].mean_energy(), 0.6, 1e-6);
  EXPECT_EQ(segs[1].fused_points(), 2);
  EXPECT_NEAR(segs[1].mean_risk_score(), 0.6, 1e-6);
  EXPECT_NEAR(segs[1].mean_energy(), 0.3, 1e-6);
  EXPECT_EQ(segs[2].fused_points(), 3);
  EXPECT_NEAR(segs[2].mean_risk_score(), 0.9, 1e-6);
  EXPECT_NEAR(segs[2].mean_confidence(), 0.1, 1e-6);
  EXPECT_NEAR(segs[2].mean_stress(), 0.8, 1e-6);
  EXPECT_NEAR(segs[2].mean_energy(), 0.2, 1e-6);
}

TEST(SegmentsTest, ModalitiesAreResultWeightedPerSegmentInSeriesOrder) {
  v1::ModalitySeries face;
  face.set_modality(v1::MODALITY_FACE);
  *face.add_points() = Point(0, 3, 0.9f, {{"sad", 0.6f}, {"happy", 0.4f}});
  *face.add_points() = Point(10, 1, 0.5f, {{"sad", 0.0f}, {"happy", 1.0f}});
  *face.add_points() = Point(20, 2, 0.7f, {{"sad", 0.3f}, {"happy", 0.1f}});  // not summing to 1
  *face.add_points() = Point(100, 1, 0.4f, {{"sad", 0.2f}, {"happy", 0.8f}});
  v1::ModalitySeries voice;  // no points at all
  voice.set_modality(v1::MODALITY_VOICE);

  const auto segs = Segments(100, {face, voice}, {});
  ASSERT_EQ(segs.size(), 3u);
  for (const auto& s : segs) {
    ASSERT_EQ(s.modalities_size(), 2);  // every series in every segment, in order
    EXPECT_EQ(s.modalities(0).modality(), v1::MODALITY_FACE);
    EXPECT_EQ(s.modalities(1).modality(), v1::MODALITY_VOICE);
    EXPECT_EQ(s.modalities(1).results(), 0);
    EXPECT_EQ(s.modalities(1).dominant(), "");
    EXPECT_EQ(s.modalities(1).emotions_size(), 0);
    EXPECT_EQ(s.modalities(1).quality(), 0.0f);
  }

  const auto& b = segs[0].modalities(0);
  EXPECT_EQ(b.results(), 4);
  ASSERT_EQ(Labels(b.emotions()), (std::vector<std::string>{"sad", "happy"}));
  EXPECT_NEAR(b.emotions(0).probability(), (3 * 0.6 + 0.0) / 4, 1e-6);  // 0.45
  EXPECT_NEAR(b.emotions(1).probability(), (3 * 0.4 + 1.0) / 4, 1e-6);  // 0.55
  EXPECT_EQ(b.dominant(), "happy");
  EXPECT_NEAR(b.quality(), (3 * 0.9 + 0.5) / 4, 1e-6);

  const auto& m = segs[1].modalities(0);
  EXPECT_EQ(m.results(), 2);
  EXPECT_NEAR(m.emotions(0).probability(), 0.75, 1e-6);  // 0.3 / (0.3 + 0.1)
  EXPECT_NEAR(m.emotions(1).probability(), 0.25, 1e-6);
  EXPECT_EQ(m.dominant(), "sad");
  EXPECT_NEAR(m.quality(), 0.7, 1e-6);

  const auto& e = segs[2].modalities(0);
  EXPECT_EQ(e.results(), 1);
  EXPECT_EQ(e.dominant(), "happy");
  EXPECT_NEAR(e.emotions(1).probability(), 0.8, 1e-6);
}

TEST(SegmentsTest, EmptySegmentOfASeriesStillAppearsWithZeroCounts) {
  v1::ModalitySeries text;
  text.set_modality(v1::MODALITY_TEXT);
  *text.add_points() = Point(5, 2, 1.0f, {{"joy", 1.0f}});
  const auto segs = Segments(100, {text}, {});
  ASSERT_EQ(segs[1].modalities_size(), 1);
  EXPECT_EQ(segs[1].modalities(0).modality(), v1::MODALITY_TEXT);
  EXPECT_EQ(segs[1].modalities(0).results(), 0);
  EXPECT_EQ(segs[1].modalities(0).dominant(), "");
  EXPECT_EQ(segs[0].modalities(0).results(), 2);
  EXPECT_EQ(segs[0].modalities(0).dominant(), "joy");
}

TEST(SegmentsTest, DominantTiesGoToTheFirstLabelAndAllZeroHasNone) {
  v1::ModalitySeries face;
  face.set_modality(v1::MODALITY_FACE);
  *face.add_points() = Point(0, 1, 1.0f, {{"a", 0.5f}, {"b", 0.5f}});
  *face.add_points() = Point(50, 1, 1.0f, {{"a", 0.0f}, {"b", 0.0f}});
  const auto segs = Segments(100, {face}, {});
  EXPECT_EQ(segs[0].modalities(0).dominant(), "a");
  const auto& m = segs[1].modalities(0);
  EXPECT_EQ(m.results(), 1);
  EXPECT_EQ(m.dominant(), "");  // nothing dominates zeros
  ASSERT_EQ(m.emotions_size(), 2);
  EXPECT_EQ(m.emotions(0).probability(), 0.0f);  // not renormalised into a uniform guess
}

TEST(SegmentsTest, NonPositiveDurationPutsEverythingFromZeroOnInTheEnd) {
  for (double d : {0.0, -5.0, std::nan("")}) {
    v1::ModalitySeries face;
    face.set_modality(v1::MODALITY_FACE);
    *face.add_points() = Point(0, 1, 1.0f, {{"a", 1.0f}});
    *face.add_points() = Point(3, 1, 1.0f, {{"a", 1.0f}});
    const auto segs = Segments(d, {face}, {Fused(0, 0.5f, 0.5f, 0.5f), Fused(-1, 0.1f, 0, 0)});
    ASSERT_EQ(segs.size(), 3u);
    for (const auto& s : segs) {
      EXPECT_EQ(s.start_s(), 0.0);
      EXPECT_EQ(s.end_s(), 0.0);
      EXPECT_TRUE(std::isfinite(s.mean_risk_score()));
    }
    EXPECT_EQ(segs[0].fused_points(), 1);  // t < 0 is still "before the start"
    EXPECT_EQ(segs[1].fused_points(), 0);
    EXPECT_EQ(segs[2].fused_points(), 1);
    EXPECT_NEAR(segs[2].mean_risk_score(), 0.5, 1e-6);
    EXPECT_EQ(segs[2].modalities(0).results(), 2);
    EXPECT_EQ(segs[0].modalities(0).results(), 0);
  }
}

TEST(SegmentsTest, OfACompactedSeriesMatchTheRawResults) {
  // The series merges by result count and the segments weight by it: together the segment
  // mean is the plain mean of the results in it, whatever the compaction did.
  EmotionSeries s(v1::MODALITY_VOICE, 0.5, 8);
  double a_sum = 0;
  int n = 0;
  for (int i = 0; i < 400; ++i) {
    const double t = i * 0.25;  // session of 100 s
    const float a = (i % 3 == 0) ? 1.0f : 0.0f;
    s.Add(t, Result(1.0f, {{"a", a}, {"b", 1 - a}}));
    a_sum += a;
    ++n;
  }
  ASSERT_LE(s.size(), 8);
  const auto segs = Segments(100, {s.ToProto()}, {});
  int results = 0;
  double a_weighted = 0;
  for (const auto& seg : segs) {
    const auto& m = seg.modalities(0);
    results += m.results();
    if (m.results() > 0) a_weighted += Prob(m.emotions(), "a") * m.results();
  }
  EXPECT_EQ(results, n);
  EXPECT_NEAR(a_weighted / n, a_sum / n, 1e-5);
}

}  // namespace
}  // namespace burnout::orchestrator
