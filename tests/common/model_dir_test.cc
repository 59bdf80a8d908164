#include "common/model/model_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace burnout::model {
namespace {

namespace fs = std::filesystem;

class ModelDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("model_dir_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "weights.bin") << "abc";
    v1::ModelManifest m;
    m.set_name("m");
    m.set_version("1");
    m.set_kind("k");
    m.set_file("weights.bin");
    ASSERT_TRUE(WriteManifest(dir_.string(), m).ok());
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ModelDirTest, Sha256OfKnownBytes) {
  auto sha = Sha256File((dir_ / "weights.bin").string());
  ASSERT_TRUE(sha.ok());
  EXPECT_EQ(*sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(ModelDirTest, OpensAValidDirectory) {
  auto d = OpenModelDir(dir_.string(), "k");
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(ModelId(d->manifest), "m/1");
}

TEST_F(ModelDirTest, ChangedFileIsDataLossNamingTheFile) {
  std::ofstream(dir_ / "weights.bin") << "abd";
  auto d = OpenModelDir(dir_.string(), "k");
  ASSERT_EQ(d.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(d.status().message().find("weights.bin"), std::string::npos);
}

TEST_F(ModelDirTest, WrongKindAndMissingFilesAreErrors) {
  EXPECT_EQ(OpenModelDir(dir_.string(), "other").status().code(),
            absl::StatusCode::kFailedPrecondition);
  fs::remove(dir_ / "weights.bin");
  EXPECT_FALSE(OpenModelDir(dir_.string(), "k").ok());
  EXPECT_FALSE(OpenModelDir((dir_ / "nope").string(), "k").ok());
}

}  // namespace
}  // namespace burnout::model
