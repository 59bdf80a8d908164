// The synthetic profile generator, the TSV loader and the trainer (tiny runs).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "common/model/model_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/fusion/fusion_dataset.h"
#include "services/fusion/fusion_features.h"
#include "services/fusion/fusion_model.h"
#include "services/fusion/fusion_trainer.h"
#include "services/fusion/synthetic_profiles.h"
#include "services/voice/acoustics.h"
#include "services/voice/voice_model.h"
#include "tests/services/fusion/fusion_test_voice.h"
#include "tests/testing/temp_dir.h"

namespace burnout::fusion {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

burnout::v1::FusionSpec DefaultSpec() {
  burnout::v1::FusionSpec spec;
  for (auto& in : DefaultInputSpecs()) *spec.add_inputs() = std::move(in);
  for (const auto& l : DefaultRiskLabels()) spec.add_risk_labels(l);
  spec.set_hidden_dim(8);
  spec.set_attention_dim(4);
  spec.set_temperature(1.0f);
  return spec;
}

// The generator's voice emotions come from a voice model; these tests use one built from a
// spec (no files needed).
ProfileOptions Voice() { return WithVoice(SpecVoiceModel()); }

// A path under the scratch root that does not exist yet (its parent does).
std::string TempDir(const std::string& name) { return testutil::FreshPath(name); }

double Value(const burnout::v1::ModalityResult& r, const std::string& name) {
  for (const auto& e : r.emotions()) {
    if (e.label() == name) return e.probability();
  }
  for (const auto& i : r.indicators()) {
    if (i.name() == name) return i.value();
  }
  return std::nan("");
}

TEST(SyntheticProfilesTest, ProducesEverySubsetAndEveryLevel) {
  const auto profiles = GenerateProfiles(2100, 5, Voice());
  std::map<int, int> subsets, labels;
  for (const auto& p : profiles) {
    ++subsets[p.present[0] + 2 * p.present[1] + 4 * p.present[2]];
    ++labels[p.label];
  }
  EXPECT_EQ(subsets.count(0), 0u);
  for (int s = 1; s < 8; ++s) EXPECT_GT(subsets[s], 200) << "subset " << s;
  for (int l = 0; l < 3; ++l) EXPECT_GT(labels[l], 600) << "label " << l;
}

TEST(SyntheticProfilesTest, IsAPureFunctionOfTheSeed) {
  const auto a = GenerateProfiles(50, 11, Voice()), b = GenerateProfiles(50, 11, Voice()),
             c = GenerateProfiles(50, 12, Voice());
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(ToFuseRequest(a[i]).SerializeAsString(), ToFuseRequest(b[i]).SerializeAsString());
  }
  EXPECT_NE(ToFuseRequest(a[0]).SerializeAsString(), ToFuseRequest(c[0]).SerializeAsString());
}

TEST(SyntheticProfilesTest, ObservationsMatchTheContractAndRanges) {
  const burnout::v1::FusionSpec spec = DefaultSpec();
  int zero_fatigue = 0;
  for (const auto& p : GenerateProfiles(500, 8, Voice())) {
    ASSERT_TRUE(ExtractFusionFeatures(spec, ToFuseRequest(p)).ok());
    for (const auto& r : p.results) {
      double sum = 0.0;
      for (const auto& e : r.emotions()) sum += e.probability();
      EXPECT_NEAR(sum, 1.0, 1e-4);
      EXPECT_GE(r.quality(), 0.2f);
      EXPECT_LE(r.quality(), 1.0f);
    }
    const double fatigue = Value(p.results[0], "fatigue_term_ratio");
    EXPECT_TRUE(fatigue >= 0.0 && fatigue <= 1.0);
    zero_fatigue += fatigue == 0.0;
    EXPECT_TRUE(Value(p.results[1], "pitch_variability_st") >= 0.3);
    EXPECT_TRUE(Value(p.results[1], "speech_ratio") >= 0.15);
    EXPECT_TRUE(Value(p.results[1], "speaking_rate_sps") <= 7.0);
    for (const char* n : {"smile", "eyes_open"}) {
      EXPECT_TRUE(Value(p.results[2], n) >= 0.0 && Value(p.results[2], n) <= 1.0);
    }
  }
  // Quality mixing spreads fatigue terms a little, but most texts still have none.
  EXPECT_GT(zero_fatigue, 250);
}

TEST(SyntheticProfilesTest, HighRiskLooksSadderAndFlatterThanLowRisk) {
  double sad[3] = {}, joy[3] = {}, pitch[3] = {}, smile[3] = {}, n[3] = {};
  for (const auto& p : GenerateProfiles(3000, 21, Voice())) {
    const int l = p.latent_level;
    sad[l] += Value(p.results[0], "sadness");
    joy[l] += Value(p.results[0], "joy");
    pitch[l] += Value(p.results[1], "pitch_variability_st");
    smile[l] += Value(p.results[2], "smile");
    n[l] += 1;
  }
  EXPECT_GT(sad[2] / n[2], sad[0] / n[0] + 0.05);
  EXPECT_LT(joy[2] / n[2], joy[0] / n[0] - 0.05);
  EXPECT_LT(pitch[2] / n[2], pitch[0] / n[0] - 1.0);
  EXPECT_LT(smile[2] / n[2], smile[0] / n[0] - 0.1);
}

// The analysis the generator handed to the voice model: the result's indicators, every other
// indicator the model uses at its reference mean.
voice::AcousticAnalysis AnalysisOf(const burnout::v1::ModalityResult& r,
                                   const voice::VoiceModel& model) {
  voice::AcousticAnalysis a;
  for (const auto& name : voice::AcousticIndicatorNames()) {
    double v = 0.0;
    for (const auto& f : model.spec().features()) {
      if (f.name() == name) v = f.mean();
    }
    for (const auto& i : r.indicators()) {
      if (i.name() == name) v = i.value();
    }
    a.indicators.push_back({name, v, ""});
  }
  a.duration_s = a.Get("duration_s");
  return a;
}

TEST(SyntheticProfilesTest, VoiceEmotionsAreTheVoiceModelsMappingOfTheIndicators) {
  const voice::VoiceModel& model = SpecVoiceModel();
  for (const auto& p : GenerateProfiles(300, 31, Voice())) {
    const auto& r = p.results[1];
    const voice::AcousticAnalysis a = AnalysisOf(r, model);
    const voice::EmotionEstimate e = model.Estimate(a, r.quality());
    ASSERT_EQ(r.emotions_size(), 4);
    for (int k = 0; k < 4; ++k) {
      EXPECT_EQ(r.emotions(k).label(), model.spec().labels(k));
      // The generator used the unrounded quality; the result carries it as a float.
      EXPECT_NEAR(r.emotions(k).probability(), e.probabilities[k], 1e-5);
    }
    EXPECT_NEAR(Value(r, "emotion_evidence"), e.evidence, 1e-5);
    // The analyzer's identities hold after quality mixing.
    EXPECT_NEAR(Value(r, "speaking_rate_sps"),
                Value(r, "articulation_rate_sps") * Value(r, "speech_ratio"), 1e-9);
    EXPECT_LT(Value(r, "voiced_ratio"), Value(r, "speech_ratio"));
    EXPECT_NEAR(Value(r, "f0_range_st") / Value(r, "pitch_variability_st"), 3.3, 1.5);
    EXPECT_TRUE(a.duration_s >= 2.0 && a.duration_s <= 60.0) << a.duration_s;
    const double rms = Value(r, "rms_dbfs");
    EXPECT_TRUE(rms >= -60.0 && rms <= -3.0) << rms;
  }
}

TEST(SyntheticProfilesTest, VoiceEmotionsFollowTheStateAndFlattenWithLowEvidence) {
  double sad[3] = {}, happy[3] = {}, n[3] = {};
  double peak_poor = 0.0, n_poor = 0.0, peak_clean = 0.0, n_clean = 0.0;
  for (const auto& p : GenerateProfiles(3000, 23, Voice())) {
    const auto& r = p.results[1];
    const int l = p.latent_level;
    sad[l] += Value(r, "sad");
    happy[l] += Value(r, "happy");
    n[l] += 1;
    double peak = 0.0;
    for (const auto& e : r.emotions()) peak = std::max<double>(peak, e.probability());
    if (Value(r, "emotion_evidence") < 0.3) peak_poor += peak, n_poor += 1;
    if (Value(r, "emotion_evidence") > 0.8) peak_clean += peak, n_clean += 1;
  }
  EXPECT_GT(sad[2] / n[2], sad[0] / n[0] + 0.1);
  EXPECT_LT(happy[2] / n[2], happy[0] / n[0] - 0.1);
  ASSERT_GT(n_poor, 100);
  ASSERT_GT(n_clean, 100);
  // Little evidence keeps the voice emotions close to uniform (0.25 each).
  EXPECT_LT(peak_poor / n_poor, 0.35);
  EXPECT_GT(peak_clean / n_clean, peak_poor / n_poor + 0.1);
}

// Writes profiles as the documented TSV format.
void WriteTsv(const std::string& path, const std::vector<SyntheticProfile>& profiles) {
  std::ofstream out(path);
  out << "# synthetic rows for a loader test\nlabel";
  const auto inputs = DefaultInputSpecs();
  for (const auto& in : inputs) {
    const std::string m = ModalityName(in.modality());
    for (const auto& l : in.emotion_labels()) out << "\t" << m << ".emotion." << l;
    for (const auto& f : in.indicators()) out << "\t" << m << "." << f.name();
    out << "\t" << m << ".quality";
  }
  out << "\n";
  for (const auto& p : profiles) {
    out << DefaultRiskLabels()[p.label];
    for (size_t s = 0; s < inputs.size(); ++s) {
      const auto& r = p.results[s];
      for (const auto& l : inputs[s].emotion_labels()) {
        out << "\t";
        if (p.present[s]) out << Value(r, l);
      }
      for (const auto& f : inputs[s].indicators()) {
        out << "\t";
        if (p.present[s]) out << Value(r, f.name());
      }
      out << "\t";
      if (p.present[s]) out << r.quality();
    }
    out << "\n";
  }
}

TEST(FusionTsvTest, LoadsRowsWithAbsentModalities) {
  const std::string path = TempDir("fusion_rows.tsv");
  const auto profiles = GenerateProfiles(40, 3, Voice());
  WriteTsv(path, profiles);
  auto rows = LoadFusionTsv(path, DefaultSpec());
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 40u);
  for (size_t i = 0; i < rows->size(); ++i) {
    EXPECT_EQ((*rows)[i].label, profiles[i].label);
    EXPECT_EQ((*rows)[i].observed.has_voice(), profiles[i].present[1]);
  }
}

TEST(FusionTsvTest, ErrorsNameTheLineAndTheColumn) {
  const std::string path = TempDir("fusion_bad.tsv");
  WriteTsv(path, GenerateProfiles(3, 3, Voice()));
  {
    std::ofstream out(path, std::ios::app);
    out << "severe";
    for (int i = 0; i < 29; ++i) out << "\t";
    out << "\n";
  }
  auto rows = LoadFusionTsv(path, DefaultSpec());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(rows.status().message(), AllOf(HasSubstr(":6:"), HasSubstr("severe")));

  std::ofstream(path, std::ios::trunc) << "label\ttext.emotion.joy\ttext.quality\nlow\t\t0.5\n";
  rows = LoadFusionTsv(path, DefaultSpec());
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(rows.status().message(), HasSubstr("text.emotion.joy"));

  std::ofstream(path, std::ios::trunc) << "label\tmood.score\n";
  EXPECT_THAT(LoadFusionTsv(path, DefaultSpec()).status().message(), HasSubstr("mood.score"));
}

TEST(FusionTrainerTest, SameSeedGivesIdenticalWeights) {
  FusionTrainOptions o;
  o.voice_model = &SpecVoiceModel();
  o.profiles = 500;
  o.epochs = 2;
  o.seed = 5;
  const std::string dir_a = TempDir("fusion_train_a");
  o.out_dir = dir_a;
  auto a = TrainFusion(o);
  ASSERT_TRUE(a.ok()) << a.status();
  o.out_dir = TempDir("fusion_train_b");
  auto b = TrainFusion(o);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->manifest.sha256(), b->manifest.sha256());
  EXPECT_EQ(*model::Sha256File(dir_a + "/model.pt"), a->manifest.sha256())
      << "the report's checksum is the file's";
  o.seed = 6;
  o.out_dir = TempDir("fusion_train_c");
  auto c = TrainFusion(o);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_NE(a->manifest.sha256(), c->manifest.sha256());
}

TEST(FusionTrainerTest, SyntheticDataNeedsAVoiceModel) {
  FusionTrainOptions o;
  o.profiles = 100;
  o.epochs = 1;
  o.out_dir = TempDir("fusion_train_no_voice");
  auto report = TrainFusion(o);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(report.status().message(), HasSubstr("voice model"));
  EXPECT_FALSE(std::filesystem::exists(o.out_dir));
}

TEST(FusionTrainerTest, WritesALoadableModelWithItsRecord) {
  FusionTrainOptions o;
  o.voice_model = &SpecVoiceModel();
  o.profiles = 600;
  o.epochs = 2;
  o.out_dir = TempDir("fusion_train_record");
  o.program = "fusion_training_test";
  auto report = TrainFusion(o);
  ASSERT_TRUE(report.ok()) << report.status();
  const auto& m = report->manifest;
  EXPECT_EQ(m.kind(), "fusion-attention");
  EXPECT_EQ(m.training().program(), "fusion_training_test");
  EXPECT_GT(m.fusion().temperature(), 0.0f);
  for (const char* name :
       {"val_accuracy_text", "val_accuracy_voice", "val_accuracy_face", "val_accuracy_text+voice",
        "val_accuracy_text+face", "val_accuracy_voice+face", "val_accuracy_text+voice+face",
        "ece_before", "ece_after", "temperature"}) {
    EXPECT_FALSE(std::isnan(FindMetric(m, name))) << name;
  }
  // Standardisation statistics come from the data, not the defaults.
  EXPECT_NE(m.fusion().inputs(1).indicators(0).mean(), 0.0f);
  auto model = FusionModel::Load(o.out_dir);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_THAT(m.training().data(), HasSubstr("voice emotions from the mapping of"));
  EXPECT_TRUE(
      (*model)->Fuse(ToFuseRequest(GenerateProfiles(1, 1, Voice())[0]), FuseOptions{}).ok());
}

TEST(FusionTrainerTest, TrainsFromATsvDataSet) {
  const std::string path = TempDir("fusion_train.tsv");
  WriteTsv(path, GenerateProfiles(300, 77, Voice()));
  FusionTrainOptions o;
  o.data_path = path;
  o.epochs = 2;
  o.out_dir = TempDir("fusion_train_tsv");
  auto report = TrainFusion(o);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->manifest.training().data(), HasSubstr(path));
  EXPECT_TRUE(FusionModel::Load(o.out_dir).ok());
}

}  // namespace
}  // namespace burnout::fusion
