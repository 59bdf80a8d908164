// The trainer end to end on a slice of GoEmotions (skipped when ../shared is absent), its
// refusal of a missing data directory, and the data loader.
#include <cstdlib>
#include <string>

#include "burnout/v1/model.pb.h"
#include "common/config/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/text/goemotions.h"
#include "services/text/text_model.h"
#include "tests/testing/temp_dir.h"

namespace burnout::text {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kDataDir[] = BURNOUT_SOURCE_DIR "/../shared/data/goemotions";
constexpr char kTrainer[] = BURNOUT_BIN_DIR "/burnout-train-text";

// Runs the trainer with `flags`, its output captured to `log`; returns the exit status.
int RunTrainer(const std::string& flags, const std::string& log) {
  const std::string command = std::string(kTrainer) + " " + flags + " > " + log + " 2>&1";
  return std::system(command.c_str());
}

std::string ReadLog(const std::string& path) {
  std::string s;
  EXPECT_TRUE(config::ReadFile(path, &s).ok());
  return s;
}

TEST(TextTrainingTest, MissingDataDirectoryFailsWithAClearMessage) {
  const std::string out = testutil::FreshPath("text_train_no_data");
  const std::string log = testutil::FreshPath("text_train_no_data.log");
  EXPECT_NE(RunTrainer("--data_dir=/nonexistent/goemotions --out_dir=" + out, log), 0);
  EXPECT_THAT(ReadLog(log), HasSubstr("/nonexistent/goemotions does not exist"));
}

TEST(TextTrainingTest, SmallRunWritesALoadableModelWithItsRecord) {
  if (!CheckDataDir(kDataDir).ok()) GTEST_SKIP() << "GoEmotions not at " << kDataDir;
  const std::string out = testutil::FreshPath("text_train_small");
  const std::string log = testutil::FreshPath("text_train_small.log");
  ASSERT_EQ(RunTrainer(std::string("--data_dir=") + kDataDir + " --out_dir=" + out +
                           " --max_rows=3000 --max_iterations=60 --folds=2 --seed=3",
                       log),
            0)
      << ReadLog(log);
  auto model = TextModel::Load(out);
  ASSERT_TRUE(model.ok()) << model.status();
  auto r = (*model)->Analyze("I am so happy and grateful today", AnalyzeOptions());
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->emotions_size(), 7);

  burnout::v1::ModelManifest manifest;
  ASSERT_TRUE(config::LoadTextProto(out + "/manifest.textproto", &manifest).ok());
  EXPECT_EQ(manifest.kind(), "text-bag");
  EXPECT_EQ(manifest.name(), "text-emotion-goemotions");
  EXPECT_EQ(manifest.version(), "1");
  EXPECT_EQ(manifest.training().seed(), 3u);
  EXPECT_EQ(manifest.training().data(), kGoEmotionsCredit);
  EXPECT_THAT(manifest.training().program(), HasSubstr("--max_rows=3000"));
  // The data directory is recorded as the repository spells it, not as this machine does.
  EXPECT_THAT(manifest.training().program(), HasSubstr("--data_dir=../shared/data/goemotions"));
  EXPECT_THAT(manifest.training().program(), Not(HasSubstr(BURNOUT_SOURCE_DIR)));
  bool has_dev = false, has_oof = false;
  int per_class = 0;
  for (const auto& m : manifest.training().metrics()) {
    if (m.name() == "dev_macro_f1") {
      has_dev = true;
      EXPECT_GT(m.value(), 0.3);  // a 3,000-row model is weak but far from random (~0.14)
    }
    has_oof |= m.name() == "oof_macro_f1";
    if (m.name().rfind("dev_f1_", 0) == 0) {
      ++per_class;
      EXPECT_GE(m.value(), 0.0);
      EXPECT_LE(m.value(), 1.0);
    }
  }
  EXPECT_TRUE(has_dev);
  EXPECT_TRUE(has_oof);
  EXPECT_EQ(per_class, 7);
}

TEST(GoEmotionsTest, LoadsBothSplitsOntoTheSevenLabels) {
  if (!CheckDataDir(kDataDir).ok()) GTEST_SKIP() << "GoEmotions not at " << kDataDir;
  auto train = LoadGoEmotions(kDataDir, "train");
  ASSERT_TRUE(train.ok()) << train.status();
  EXPECT_EQ(train->size(), 43410u);
  int multi = 0;
  for (const Example& ex : *train) {
    ASSERT_NE(ex.labels, 0u) << ex.text;
    ASSERT_LT(ex.labels, 1u << 7);
    multi += __builtin_popcount(ex.labels) > 1;
  }
  EXPECT_GT(multi, 1000);
  auto head = LoadGoEmotions(kDataDir, "dev", 10);
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size(), 10u);
  EXPECT_FALSE(LoadGoEmotions("/nonexistent", "dev").ok());
}

}  // namespace
}  // namespace burnout::text
