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
#include "common/schema/voice_mapping.h"
#include "common/schema/voice_schema.h"
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

bool Has(const burnout::v1::ModalityResult& r, const std::string& name) {
  for (const auto& i : r.indicators()) {
    if (i.name() == name) return true;
  }
  return false;
}

double Value(const burnout::v1::ModalityResult& r, const std::string& name) {
  for (const auto& e : r.emotions()) {
    if (e.label() == name) return e.probability();
  }
  for (const auto& i : r.indicators()) {
    if (i.name() == name) return i.value();
  }
  return std::nan("");
}

// The face's landmark cues and fatigue measures are optional: left out, each enters as 0
// with a presence input of 0; given, as its standardised value and 1.
TEST(FusionFeaturesTest, OptionalIndicatorsMayBeLeftOut) {
  burnout::v1::FusionSpec spec = DefaultSpec();
  const auto& face_in = spec.inputs(2);
  ASSERT_EQ(face_in.modality(), burnout::v1::MODALITY_FACE);
  burnout::v1::FuseRequest bare;
  auto* face = bare.mutable_face();
  face->set_modality(burnout::v1::MODALITY_FACE);
  for (const auto& l : face_in.emotion_labels()) {
    auto* e = face->add_emotions();
    e->set_label(l);
    e->set_probability(1.0f / face_in.emotion_labels_size());
  }
  face->set_quality(0.8f);
  auto features = ExtractFusionFeatures(spec, bare);
  ASSERT_TRUE(features.ok()) << features.status();
  const auto& slot = features->slots[2];
  ASSERT_EQ(static_cast<int>(slot.size()), InputDim(face_in));
  for (int j = 0; j < face_in.indicators_size(); ++j) {
    ASSERT_TRUE(face_in.indicators(j).optional()) << face_in.indicators(j).name();
    EXPECT_EQ(slot[IndicatorColumn(face_in, j)], 0.0f);
    EXPECT_EQ(slot[PresenceColumn(face_in, j)], 0.0f);
  }
  EXPECT_FLOAT_EQ(slot.back(), 0.8f);  // quality
  burnout::v1::FuseRequest full = bare;
  for (const auto& f : face_in.indicators()) {
    auto* i = full.mutable_face()->add_indicators();
    i->set_name(f.name());
    i->set_value(2.5);
  }
  features = ExtractFusionFeatures(spec, full);
  ASSERT_TRUE(features.ok());
  for (int j = 0; j < face_in.indicators_size(); ++j) {
    EXPECT_EQ(features->slots[2][IndicatorColumn(face_in, j)], 2.5f);  // mean 0, std 1 here
    EXPECT_EQ(features->slots[2][PresenceColumn(face_in, j)], 1.0f);
  }
  // A required indicator is still required: the text slot's.
  burnout::v1::FuseRequest text;
  text.mutable_text()->set_modality(burnout::v1::MODALITY_TEXT);
  for (const auto& l : spec.inputs(0).emotion_labels()) text.mutable_text()->add_emotions()->set_label(l);
  EXPECT_THAT(ExtractFusionFeatures(spec, text).status().message(),
              HasSubstr("indicator \"absolutist_ratio\" is missing"));
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
  int zero_fatigue = 0, with_landmarks = 0, streams = 0;
  for (const auto& p : GenerateProfiles(500, 8, Voice())) {
    ASSERT_TRUE(ExtractFusionFeatures(spec, ToFuseRequest(p)).ok());
    for (const auto& r : p.results) {
      double sum = 0.0;
      for (const auto& e : r.emotions()) sum += e.probability();
      EXPECT_NEAR(sum, 1.0, 1e-4);
      EXPECT_GE(r.quality(), 0.2f);
      EXPECT_LE(r.quality(), 1.0f);
    }
    // Text dimensions are optional and 0..1; most texts mention no exhaustion at all.
    for (const char* n : {"exhaustion", "overload", "mental_distance", "reduced_efficacy", "recovery"}) {
      if (Has(p.results[0], n)) {
        EXPECT_TRUE(Value(p.results[0], n) >= 0.0 && Value(p.results[0], n) <= 1.0) << n;
      }
    }
    const double absolutist = Value(p.results[0], "absolutist_ratio");
    EXPECT_TRUE(absolutist >= 0.0 && absolutist <= 1.0);
    zero_fatigue += !Has(p.results[0], "exhaustion") || Value(p.results[0], "exhaustion") == 0.0;
    EXPECT_TRUE(Value(p.results[1], "pitch_variability_st") >= 0.3);
    EXPECT_TRUE(Value(p.results[1], "speech_ratio") >= 0.15);
    EXPECT_TRUE(Value(p.results[1], "speaking_rate_sps") <= 7.0);
    // The face's landmark cues and fatigue measures are optional: in range when reported,
    // the fatigue measures only with the landmark cues.
    const auto& face = p.results[2];
    for (const char* n : {"smile", "eyes_open", "perclos"}) {
      if (Has(face, n)) EXPECT_TRUE(Value(face, n) >= 0.0 && Value(face, n) <= 1.0) << n;
    }
    if (Has(face, "perclos")) EXPECT_TRUE(Has(face, "smile") && Has(face, "yawns"));
    if (Has(face, "yawns")) EXPECT_GE(Value(face, "yawns"), 0.0);
    with_landmarks += Has(face, "smile");
    streams += Has(face, "perclos");
  }
  // About 92% of faces have landmarks, half of them come from a stream.
  EXPECT_GT(with_landmarks, 420);
  EXPECT_LT(with_landmarks, 495);
  EXPECT_GT(streams, 180);
  EXPECT_LT(streams, 290);
  // Many texts mention no exhaustion at all (low-risk writers rarely do), many do.
  EXPECT_GT(zero_fatigue, 150);
  EXPECT_LT(zero_fatigue, 400);
}

TEST(SyntheticProfilesTest, HighRiskLooksSadderAndFlatterThanLowRisk) {
  double sad[3] = {}, joy[3] = {}, pitch[3] = {}, n[3] = {};
  double smile[3] = {}, eyes[3] = {}, n_face[3] = {}, perclos[3] = {}, yawns[3] = {}, n_stream[3] = {};
  double face_sad[3] = {}, face_happy[3] = {};
  for (const auto& p : GenerateProfiles(3000, 21, Voice())) {
    const int l = p.latent_level;
    sad[l] += Value(p.results[0], "sadness");
    joy[l] += Value(p.results[0], "joy");
    pitch[l] += Value(p.results[1], "pitch_variability_st");
    face_sad[l] += Value(p.results[2], "sad");
    face_happy[l] += Value(p.results[2], "happy");
    n[l] += 1;
    if (Has(p.results[2], "smile")) {
      smile[l] += Value(p.results[2], "smile");
      eyes[l] += Value(p.results[2], "eyes_open");
      n_face[l] += 1;
    }
    if (Has(p.results[2], "perclos")) {
      perclos[l] += Value(p.results[2], "perclos");
      yawns[l] += Value(p.results[2], "yawns");
      n_stream[l] += 1;
    }
  }
  // The text model's outputs are soft (its normalised sigmoids put 0.35-0.65 on the true label
  // of a GoEmotions text), and high-risk writers' words about what they used to enjoy read as
  // joy (3b), so the text emotions move less than the dimensions do; they still move.
  EXPECT_GT(sad[2] / n[2], sad[0] / n[0] + 0.015);
  EXPECT_LT(joy[2] / n[2], joy[0] / n[0] - 0.015);
  EXPECT_LT(pitch[2] / n[2], pitch[0] / n[0] - 1.0);
  // The face: fewer smiles, heavier eyelids, more eye closure and yawns; the FER model reads
  // sadder, less happy faces (through its own confusions).
  EXPECT_LT(smile[2] / n_face[2], smile[0] / n_face[0] - 0.1);
  EXPECT_LT(eyes[2] / n_face[2], eyes[0] / n_face[0] - 0.1);
  EXPECT_GT(perclos[2] / n_stream[2], perclos[0] / n_stream[0] + 0.05);
  EXPECT_GT(yawns[2] / n_stream[2], yawns[0] / n_stream[0] + 0.5);
  EXPECT_GT(face_sad[2] / n[2], face_sad[0] / n[0] + 0.02);
  EXPECT_LT(face_happy[2] / n[2], face_happy[0] / n[0] - 0.05);
}

TEST(SyntheticProfilesTest, FaceEmotionsFollowTheExpressionModelsMeasuredOutputs) {
  // A generator whose faces always show the same expression gives that label's measured mean.
  burnout::v1::ExpressionOutputProfile only_sad = ShippedFaceOutputs();
  only_sad.clear_truths();
  for (const auto& t : ShippedFaceOutputs().truths()) {
    if (t.label() == "sad") *only_sad.add_truths() = t;
  }
  ASSERT_EQ(only_sad.truths_size(), 1);
  ProfileOptions o = Voice();
  o.face_outputs = &only_sad;
  o.masking_rate = 0.0;
  std::map<std::string, double> mean;
  double count = 0;
  for (const auto& p : GenerateProfiles(2000, 77, o)) {
    for (const auto& e : p.results[2].emotions()) mean[e.label()] += e.probability();
    count += 1;
  }
  const auto& truth = only_sad.truths(0);
  for (int i = 0; i < only_sad.labels_size(); ++i) {
    // Quality mixing blends in another face, also drawn "sad": the mean stays the label's.
    EXPECT_NEAR(mean[only_sad.labels(i)] / count, truth.mean(i), 0.02) << only_sad.labels(i);
  }
}

// The analysis the generator handed to the voice model: the result's indicators, every other
// indicator the model uses at its reference mean.
std::vector<double> AnalysisOf(const burnout::v1::ModalityResult& r, const schema::VoiceMapping& model) {
  std::vector<double> a;
  for (const auto& spec : schema::kVoiceIndicators) {
    double v = 0.0;
    for (const auto& f : model.spec().features()) {
      if (f.name() == spec.name) v = f.mean();
    }
    for (const auto& i : r.indicators()) {
      if (i.name() == spec.name) v = i.value();
    }
    a.push_back(v);
  }
  return a;
}

TEST(SyntheticProfilesTest, VoiceEmotionsAreTheVoiceModelsMappingOfTheIndicators) {
  const schema::VoiceMapping& model = SpecVoiceModel();
  for (const auto& p : GenerateProfiles(300, 31, Voice())) {
    const auto& r = p.results[1];
    const std::vector<double> a = AnalysisOf(r, model);
    const schema::VoiceEstimate e = model.Estimate(a, r.quality());
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
    const double peak_share = Value(r, "f0_peak_st") / Value(r, "f0_range_st");
    EXPECT_TRUE(peak_share >= 0.25 - 1e-9 && peak_share <= 0.9 + 1e-9) << peak_share;
    const double duration = Value(r, "duration_s");
    EXPECT_TRUE(duration >= 2.0 && duration <= 60.0) << duration;
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
        if (p.present[s] && Has(r, f.name())) out << Value(r, f.name());  // optional: may be empty
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
    int columns = 1;  // label
    for (const auto& in : DefaultInputSpecs()) columns += in.emotion_labels_size() + in.indicators_size() + 1;
    std::ofstream out(path, std::ios::app);
    out << "severe";
    for (int i = 1; i < columns; ++i) out << "\t";
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
  const std::string dir_a = TempDir("fusion_train_a");
  FusionTrainOptions o = SyntheticTraining(dir_a, 500, 2);
  o.seed = 5;
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

TEST(FusionTrainerTest, SyntheticDataNeedsTheFaceOutputs) {
  FusionTrainOptions o;
  o.voice_model = &SpecVoiceModel();
  o.profiles = 100;
  o.epochs = 1;
  o.out_dir = TempDir("fusion_train_no_face");
  auto report = TrainFusion(o);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(report.status().message(), HasSubstr("face expression model's outputs"));
  EXPECT_FALSE(std::filesystem::exists(o.out_dir));
}

TEST(FusionTrainerTest, WritesALoadableModelWithItsRecord) {
  FusionTrainOptions o = SyntheticTraining(TempDir("fusion_train_record"), 600, 2);
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
