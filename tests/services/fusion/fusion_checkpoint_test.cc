// Fusion model directories that are broken in different ways, and a manifest whose
// temperature is edited (the checksum guards the weights, not the manifest).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/config/config.h"
#include "common/model/model_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/fusion/fusion_model.h"
#include "tests/services/fusion/fusion_test_inputs.h"
#include "tests/testing/temp_dir.h"

namespace burnout::fusion {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr char kShipped[] = "models/fusion-attention/1";

// A fresh copy of the shipped model directory under the test's temp dir.
std::string CopyShipped(const std::string& name) {
  return testutil::CopyDirectory(kShipped, "fusion_ckpt_" + name);
}

burnout::v1::ModelManifest ReadManifest(const std::string& dir) {
  burnout::v1::ModelManifest m;
  EXPECT_TRUE(config::LoadTextProto(dir + "/manifest.textproto", &m).ok());
  return m;
}

TEST(FusionCheckpointTest, MissingDirectoryIsAnErrorNamingTheManifest) {
  auto m = FusionModel::Load("models/fusion-attention/does-not-exist");
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("does-not-exist"));
}

TEST(FusionCheckpointTest, ChangedWeightsFailTheChecksum) {
  const std::string dir = CopyShipped("changed");
  std::fstream f(dir + "/model.pt", std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(200);
  f.put('\x7f');
  f.close();
  auto m = FusionModel::Load(dir);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(m.status().message(), HasSubstr(dir + "/model.pt"));
}

TEST(FusionCheckpointTest, GarbageWithAMatchingChecksumIsRejectedByName) {
  const std::string dir = CopyShipped("garbage");
  std::ofstream(dir + "/model.pt", std::ios::trunc) << "not a libtorch archive";
  ASSERT_TRUE(model::WriteManifest(dir, ReadManifest(dir)).ok());
  auto m = FusionModel::Load(dir);
  EXPECT_EQ(m.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(m.status().message(),
              AllOf(HasSubstr("cannot load fusion weights"), HasSubstr(dir + "/model.pt")));
}

TEST(FusionCheckpointTest, ManifestDimsThatDisagreeWithTheWeightsAreRejected) {
  const std::string dir = CopyShipped("dims");
  burnout::v1::ModelManifest m = ReadManifest(dir);
  m.mutable_fusion()->set_hidden_dim(32);
  ASSERT_TRUE(model::WriteManifest(dir, m).ok());
  auto loaded = FusionModel::Load(dir);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(loaded.status().message(),
              AllOf(HasSubstr("model.pt"), HasSubstr("shape"), HasSubstr("manifest")));

  // One indicator fewer: the first projector's input width no longer matches.
  const std::string dir2 = CopyShipped("dims2");
  m = ReadManifest(dir2);
  m.mutable_fusion()->mutable_inputs(0)->mutable_indicators()->RemoveLast();
  ASSERT_TRUE(model::WriteManifest(dir2, m).ok());
  loaded = FusionModel::Load(dir2);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(loaded.status().message(), HasSubstr("project0.weight"));
}

TEST(FusionCheckpointTest, InvalidSpecIsRejectedNamingTheField) {
  const std::string dir = CopyShipped("spec");
  burnout::v1::ModelManifest m = ReadManifest(dir);
  m.mutable_fusion()->set_risk_labels(2, "severe");
  ASSERT_TRUE(model::WriteManifest(dir, m).ok());
  auto loaded = FusionModel::Load(dir);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(loaded.status().message(), HasSubstr("risk_labels"));
}

TEST(FusionCheckpointTest, TemperatureAboveOneSoftensTheProbabilities) {
  const std::string dir = CopyShipped("temperature");
  burnout::v1::ModelManifest m = ReadManifest(dir);
  m.mutable_fusion()->set_temperature(2.0f);
  ASSERT_TRUE(model::WriteManifest(dir, m).ok());
  auto loaded = FusionModel::Load(dir);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  for (const auto& req : {ClearHighRiskRequest(), ClearLowRiskRequest()}) {
    auto r = (*loaded)->Fuse(req, FuseOptions{});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->temperature(), 2.0f);
    float raw_max = 0.0f, cal_max = 0.0f, raw_min = 1.0f, cal_min = 1.0f;
    double raw_entropy = 0.0, cal_entropy = 0.0;
    for (int k = 0; k < 3; ++k) {
      const float p = r->raw_probabilities(k).probability();
      const float q = r->calibrated_probabilities(k).probability();
      raw_max = std::max(raw_max, p), cal_max = std::max(cal_max, q);
      raw_min = std::min(raw_min, p), cal_min = std::min(cal_min, q);
      raw_entropy -= p * std::log(p);
      cal_entropy -= q * std::log(q);
    }
    EXPECT_LT(cal_max, raw_max);
    EXPECT_GT(cal_min, raw_min);
    EXPECT_GT(cal_entropy, raw_entropy);
    EXPECT_FLOAT_EQ(r->confidence(), cal_max);
  }
}

}  // namespace
}  // namespace burnout::fusion
