// Broken text model directories: every one is a non-OK status naming the file, never a crash.
// Copies of the shipped model live in the test's scratch directory.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "common/config/config.h"
#include "common/model/model_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/text/text_model.h"
#include "tests/testing/temp_dir.h"

namespace burnout::text {
namespace {

using ::testing::HasSubstr;

constexpr char kShipped[] = BURNOUT_SOURCE_DIR "/models/text-emotion-goemotions/1";

std::string CopyShipped(const std::string& name) {
  return testutil::CopyDirectory(kShipped, "text_model_" + name);
}

burnout::v1::ModelManifest ReadManifest(const std::string& dir) {
  burnout::v1::ModelManifest m;
  EXPECT_TRUE(config::LoadTextProto(dir + "/" + model::kManifestName, &m).ok());
  return m;
}

std::string ModelPath(const std::string& dir) { return dir + "/" + ReadManifest(dir).file(); }

std::string ReadBytes(const std::string& path) {
  std::string s;
  EXPECT_TRUE(config::ReadFile(path, &s).ok());
  return s;
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Replaces the model file and re-signs it, so only the loader's own checks can object.
void ReplaceSigned(const std::string& dir, const std::string& bytes) {
  WriteBytes(ModelPath(dir), bytes);
  ASSERT_TRUE(model::WriteManifest(dir, ReadManifest(dir)).ok());
}

burnout::v1::TextBagModel ReadModel(const std::string& dir) {
  burnout::v1::TextBagModel m;
  EXPECT_TRUE(m.ParseFromString(ReadBytes(ModelPath(dir))));
  return m;
}

TEST(TextModelFileTest, FlippedBytesFailTheChecksum) {
  const std::string dir = CopyShipped("flipped");
  const std::string path = ModelPath(dir);
  std::string bytes = ReadBytes(path);
  for (size_t i = 1000; i < bytes.size(); i += bytes.size() / 7) bytes[i] ^= 0x5a;
  WriteBytes(path, bytes);
  auto m = TextModel::Load(dir);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(m.status().message(), HasSubstr(path));
}

TEST(TextModelFileTest, TruncatedFileFailsTheChecksum) {
  const std::string dir = CopyShipped("truncated");
  const std::string path = ModelPath(dir);
  WriteBytes(path, ReadBytes(path).substr(0, 4096));
  auto m = TextModel::Load(dir);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(m.status().message(), HasSubstr(path));
}

TEST(TextModelFileTest, WrongSha256InTheManifestIsDataLoss) {
  const std::string dir = CopyShipped("wrong_sha");
  burnout::v1::ModelManifest manifest = ReadManifest(dir);
  std::string text;
  ASSERT_TRUE(config::ReadFile(dir + "/" + model::kManifestName, &text).ok());
  const size_t at = text.find(manifest.sha256());
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 64, std::string(64, '0'));
  WriteBytes(dir + "/" + model::kManifestName, text);
  auto m = TextModel::Load(dir);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(m.status().message(), HasSubstr(ModelPath(dir)));
}

TEST(TextModelFileTest, MissingManifestOrModelFileIsFailedPrecondition) {
  const std::string no_manifest = CopyShipped("no_manifest");
  std::filesystem::remove(no_manifest + "/" + model::kManifestName);
  auto m = TextModel::Load(no_manifest);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(m.status().message(), HasSubstr(no_manifest + "/" + model::kManifestName));

  const std::string no_model = CopyShipped("no_model");
  const std::string path = ModelPath(no_model);
  std::filesystem::remove(path);
  m = TextModel::Load(no_model);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(m.status().message(), HasSubstr(path));
}

TEST(TextModelFileTest, WrongKindIsFailedPrecondition) {
  const std::string dir = CopyShipped("wrong_kind");
  burnout::v1::ModelManifest manifest = ReadManifest(dir);
  manifest.set_kind("fusion-attention");
  ASSERT_TRUE(model::WriteManifest(dir, manifest).ok());
  auto m = TextModel::Load(dir);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(m.status().message(), HasSubstr("text-bag"));
}

TEST(TextModelFileTest, ManifestSpecThatDisagreesWithTheFileIsRejected) {
  const std::string dir = CopyShipped("spec");
  burnout::v1::ModelManifest manifest = ReadManifest(dir);
  manifest.mutable_text()->set_vocab_size(manifest.text().vocab_size() + 1);
  ASSERT_TRUE(model::WriteManifest(dir, manifest).ok());
  auto m = TextModel::Load(dir);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(m.status().message(), HasSubstr(ModelPath(dir)));
}

TEST(TextModelFileTest, SignedGarbageIsDataLossNamingTheFile) {
  const std::string dir = CopyShipped("garbage");
  ReplaceSigned(dir, std::string("\xff\xff\xff\xff this is not a model", 27));
  auto m = TextModel::Load(dir);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(m.status().message(), HasSubstr(ModelPath(dir)));
}

TEST(TextModelFileTest, SignedInconsistentSizesAreDataLossNamingTheFile) {
  struct Edit {
    const char* what;
    void (*apply)(burnout::v1::TextBagModel*);
  };
  const Edit edits[] = {
      {"embeddings_q8",
       [](burnout::v1::TextBagModel* m) {
         m->mutable_embeddings_q8()->resize(m->embeddings_q8().size() - 3);
       }},
      {"row_scales", [](burnout::v1::TextBagModel* m) { m->mutable_row_scales()->RemoveLast(); }},
      {"output_weights",
       [](burnout::v1::TextBagModel* m) { m->mutable_output_weights()->RemoveLast(); }},
      {"thresholds", [](burnout::v1::TextBagModel* m) { m->set_thresholds(0, 1.5f); }},
      {"non-finite", [](burnout::v1::TextBagModel* m) { m->set_output_bias(2, NAN); }},
      {"repeated", [](burnout::v1::TextBagModel* m) { m->set_features(1, m->features(0)); }},
      {"embedding_dim", [](burnout::v1::TextBagModel* m) { m->set_embedding_dim(0); }},
      {"subword", [](burnout::v1::TextBagModel* m) { m->set_subword_max_n(1); }},
  };
  for (const Edit& e : edits) {
    const std::string dir = CopyShipped(std::string("sizes_") + e.what);
    burnout::v1::TextBagModel model = ReadModel(dir);
    e.apply(&model);
    ReplaceSigned(dir, model.SerializeAsString());
    auto m = TextModel::Load(dir);
    EXPECT_FALSE(m.ok()) << e.what;
    EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss) << e.what << ": " << m.status();
    EXPECT_THAT(m.status().message(), HasSubstr(ModelPath(dir))) << e.what;
  }
}

TEST(TextModelFileTest, SignedTruncationsAtAnyLengthAreRejected) {
  const std::string dir = CopyShipped("truncations");
  const std::string path = ModelPath(dir);
  const std::string bytes = ReadBytes(path);
  for (int i = 0; i < 24; ++i) {
    const size_t length = i < 12 ? static_cast<size_t>(i) * 7 : bytes.size() - (i - 11) * 5;
    ReplaceSigned(dir, bytes.substr(0, length));
    auto m = TextModel::Load(dir);
    EXPECT_FALSE(m.ok()) << "truncated to " << length;
    EXPECT_THAT(m.status().message(), HasSubstr(path)) << "truncated to " << length;
  }
}

TEST(TextModelFileTest, SignedRandomByteFlipsNeverCrash) {
  const std::string dir = CopyShipped("flips");
  const std::string path = ModelPath(dir);
  const std::string original = ReadBytes(path);
  std::mt19937 rng(7);
  int rejected = 0;
  for (int round = 0; round < 12; ++round) {
    std::string bytes = original;
    for (int k = 0; k < 16; ++k) bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
    ReplaceSigned(dir, bytes);
    auto m = TextModel::Load(dir);
    if (!m.ok()) {
      ++rejected;
      EXPECT_THAT(m.status().message(), HasSubstr(path));
      continue;
    }
    // A flip inside the weights can leave a well-formed model; it must still work.
    auto r = (*m)->Analyze("I am so happy and grateful today", AnalyzeOptions());
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->emotions_size(), 7);
  }
  RecordProperty("rejected", rejected);
}

}  // namespace
}  // namespace burnout::text
