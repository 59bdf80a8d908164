// Fusion on a real aligned data set with embeddings: the journal case entries
// (tests/cases/*.tsv) read by the real text analyzer, and spoken by espeak-ng with a prosody
// that follows their group, heard by the real voice analyzer. The trainer takes each modality's
// embedding through its own projector, keyed by the embedding's model id; serving refuses
// another model's embeddings instead of mixing them.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/audio/audio_decode.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/fusion/fusion_features.h"
#include "services/fusion/fusion_model.h"
#include "services/fusion/fusion_trainer.h"
#include "services/text/text_model.h"
#include "services/voice/audio_decode.h"
#include "services/voice/voice_model.h"
#include "tests/services/voice/espeak_util.h"
#include "tests/testing/temp_dir.h"

namespace burnout::fusion {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

struct Row {
  std::string label;  // low / moderate / high
  burnout::v1::ModalityResult text, voice;
};

std::string Cell(const burnout::v1::ModalityResult& r, const std::string& name, bool emotion) {
  if (emotion) {
    for (const auto& e : r.emotions()) {
      if (e.label() == name) return std::to_string(e.probability());
    }
  }
  for (const auto& i : r.indicators()) {
    if (i.name() == name) return std::to_string(i.value());
  }
  return "";
}

// The TSV documented in fusion_dataset.h: every column the default spec names for text and
// voice, with their embeddings; no face columns (face is absent in every row).
void WriteAligned(const std::string& path, const std::vector<Row>& rows) {
  std::vector<std::string> header = {"label"};
  const auto specs = DefaultInputSpecs();
  for (int m = 0; m < 2; ++m) {
    const std::string name = ModalityName(specs[m].modality());
    for (const auto& l : specs[m].emotion_labels()) header.push_back(name + ".emotion." + l);
    for (const auto& f : specs[m].indicators()) header.push_back(name + "." + f.name());
    header.push_back(name + ".quality");
    header.push_back(name + ".embedding");
    header.push_back(name + ".embedding_model");
  }
  std::ofstream out(path);
  out << "# aligned test set: journal cases x espeak prosody\n" << absl::StrJoin(header, "\t") << "\n";
  for (const Row& row : rows) {
    std::vector<std::string> cells = {row.label};
    for (int m = 0; m < 2; ++m) {
      const auto& r = m == 0 ? row.text : row.voice;
      for (const auto& l : specs[m].emotion_labels()) cells.push_back(Cell(r, l, true));
      for (const auto& f : specs[m].indicators()) cells.push_back(Cell(r, f.name(), false));
      cells.push_back(std::to_string(r.quality()));
      cells.push_back(absl::StrJoin(r.embedding().values(), " "));
      cells.push_back(r.embedding().model_id());
    }
    out << absl::StrJoin(cells, "\t") << "\n";
  }
}

class FusionAlignedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto text = text::TextModel::Load("models/text-emotion-goemotions/1");
    ASSERT_TRUE(text.ok()) << text.status();
    auto voice = voice::VoiceModel::Load("models/voice-acoustic/1");
    ASSERT_TRUE(voice.ok()) << voice.status();
    rows_ = new std::vector<Row>;
    const std::map<std::string, std::string> level = {
        {"burnout", "high"}, {"ordinary", "moderate"}, {"thriving", "low"}};
    // Flat and slow for burnout, lively and quick for thriving (espeak-ng pitch, speed, range).
    struct Prosody { int pitch, speed; const char* range; };
    const std::map<std::string, Prosody> prosody = {
        {"burnout", {35, 125, "x-low"}}, {"ordinary", {50, 165, "medium"}}, {"thriving", {62, 200, "x-high"}}};
    for (const char* file : {"tests/cases/journal_cases.tsv", "tests/cases/journal_holdout.tsv"}) {
      std::ifstream in(file);
      ASSERT_TRUE(in) << file;
      std::string line;
      while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits('\t', 1));
        if (parts.size() != 2 || !level.count(parts[0])) continue;
        Row row;
        row.label = level.at(parts[0]);
        auto t = (*text)->Analyze(parts[1], text::AnalyzeOptions{});
        ASSERT_TRUE(t.ok()) << t.status();
        row.text = *t;
        const Prosody& p = prosody.at(parts[0]);
        voice::DecodedAudio audio;
        audio.samples = testutil::Speak(parts[1], p.pitch, p.speed, p.range);
        ASSERT_FALSE(audio.samples.empty());
        audio.source = {"espeak-ng", audio::kAnalysisRate, 1, static_cast<int64_t>(audio.samples.size()), 0.0,
                        0.5};
        row.voice = (*voice)->Analyze(audio, voice::DefaultQualityConfig());
        rows_->push_back(std::move(row));
      }
    }
    ASSERT_GE(rows_->size(), 90u);
    path_ = new std::string(testutil::FreshPath("aligned.tsv"));
    WriteAligned(*path_, *rows_);
  }
  static std::vector<Row>* rows_;
  static std::string* path_;
};
std::vector<Row>* FusionAlignedTest::rows_ = nullptr;
std::string* FusionAlignedTest::path_ = nullptr;

burnout::v1::FuseRequest Request(const Row& row) {
  burnout::v1::FuseRequest req;
  *req.mutable_text() = row.text;
  *req.mutable_voice() = row.voice;
  return req;
}

TEST_F(FusionAlignedTest, TrainsOnEmbeddingsAndRefusesAnotherModelsEmbeddings) {
  FusionTrainOptions o;
  o.data_path = *path_;
  o.variant = FusionVariant::kGated;
  o.epochs = 40;
  o.batch_size = 16;
  o.hidden_dim = 16;
  o.attention_dim = 8;
  o.embedding_projection = 32;
  o.mc_samples = 4;
  o.out_dir = testutil::FreshPath("fusion_aligned_model");
  auto report = TrainFusion(o);
  ASSERT_TRUE(report.ok()) << report.status();
  const auto& spec = report->manifest.fusion();
  const Row& first = rows_->front();
  EXPECT_EQ(spec.embedding_projection(), 32);
  EXPECT_EQ(spec.inputs(0).embedding_model_id(), first.text.embedding().model_id());
  EXPECT_EQ(spec.inputs(0).embedding_dim(), first.text.embedding().values_size());
  EXPECT_EQ(spec.inputs(1).embedding_model_id(), first.voice.embedding().model_id());
  EXPECT_EQ(spec.inputs(2).embedding_dim(), 0) << "no face in the data: no face embedding";
  EXPECT_THAT(report->manifest.training().data(),
              AllOf(HasSubstr("text embeddings of " + first.text.embedding().model_id()), HasSubstr("-> 32")));

  auto model = FusionModel::Load(o.out_dir);
  ASSERT_TRUE(model.ok()) << model.status();
  // It read the data: burnout entries come out riskier than thriving ones.
  double high_burnout = 0, high_thriving = 0;
  int n_burnout = 0, n_thriving = 0;
  for (const Row& row : *rows_) {
    auto fused = (*model)->Fuse(Request(row), FuseOptions{});
    ASSERT_TRUE(fused.ok()) << fused.status();
    const double p_high = fused->calibrated_probabilities(2).probability();
    if (row.label == "high") high_burnout += p_high, ++n_burnout;
    if (row.label == "low") high_thriving += p_high, ++n_thriving;
  }
  EXPECT_GT(high_burnout / n_burnout, high_thriving / n_thriving + 0.1);

  // An upgraded text model's embeddings are refused, not mixed.
  burnout::v1::FuseRequest upgraded = Request(first);
  upgraded.mutable_text()->mutable_embedding()->set_model_id("text-emotion-goemotions/2");
  auto refused = (*model)->Fuse(upgraded, FuseOptions{});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(),
              AllOf(HasSubstr("text-emotion-goemotions/2"), HasSubstr(first.text.embedding().model_id()),
                    HasSubstr("retrain")));
  burnout::v1::FuseRequest missing = Request(first);
  missing.mutable_voice()->clear_embedding();
  EXPECT_EQ((*model)->Fuse(missing, FuseOptions{}).status().code(), absl::StatusCode::kFailedPrecondition);
  burnout::v1::FuseRequest shorter = Request(first);
  shorter.mutable_text()->mutable_embedding()->mutable_values()->RemoveLast();
  EXPECT_THAT((*model)->Fuse(shorter, FuseOptions{}).status().message(), HasSubstr("values"));
  // Text alone still works: the voice slot (and its embedding) is simply absent.
  burnout::v1::FuseRequest text_only;
  *text_only.mutable_text() = first.text;
  EXPECT_TRUE((*model)->Fuse(text_only, FuseOptions{}).ok());
}

TEST_F(FusionAlignedTest, ADataSetMixingTwoModelsEmbeddingsIsRefused) {
  std::vector<Row> mixed = *rows_;
  mixed[5].text.mutable_embedding()->set_model_id("text-emotion-goemotions/2");
  const std::string path = testutil::FreshPath("aligned_mixed.tsv");
  WriteAligned(path, mixed);
  FusionTrainOptions o;
  o.data_path = path;
  o.epochs = 1;
  o.out_dir = testutil::FreshPath("fusion_aligned_mixed");
  auto report = TrainFusion(o);
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), HasSubstr("never mixed"));
  EXPECT_FALSE(std::filesystem::exists(o.out_dir));
}

}  // namespace
}  // namespace burnout::fusion
