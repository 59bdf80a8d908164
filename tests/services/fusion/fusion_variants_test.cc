// The five fusion variants: the masking contract on the networks themselves (an absent slot's
// input, however perturbed, changes nothing), training each by name into a model directory the
// loader serves by its manifest kind, the evaluation report, and abstention.
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "common/model/model_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/fusion/fusion_features.h"
#include "services/fusion/fusion_model.h"
#include "services/fusion/fusion_net.h"
#include "services/fusion/fusion_report.h"
#include "services/fusion/fusion_trainer.h"
#include "services/fusion/synthetic_profiles.h"
#include "tests/services/fusion/fusion_test_inputs.h"
#include "tests/services/fusion/fusion_test_voice.h"
#include "tests/testing/temp_dir.h"

namespace burnout::fusion {
namespace {

using ::testing::HasSubstr;

burnout::v1::FusionSpec Spec() {
  burnout::v1::FusionSpec spec;
  for (auto& in : DefaultInputSpecs()) *spec.add_inputs() = std::move(in);
  for (const auto& l : DefaultRiskLabels()) spec.add_risk_labels(l);
  spec.set_hidden_dim(16);
  spec.set_attention_dim(8);
  spec.set_dropout(0.2f);
  spec.set_temperature(1.0f);
  return spec;
}

class VariantTest : public ::testing::TestWithParam<FusionVariant> {
 protected:
  // One tiny trained model per variant, shared by the tests of this binary.
  struct Model {
    FusionTrainReport report;
    std::string dir;
  };
  static const Model& Trained(FusionVariant v) {
    static auto* cache = new std::map<FusionVariant, Model>;
    auto it = cache->find(v);
    if (it != cache->end()) return it->second;
    FusionTrainOptions o =
        SyntheticTraining(testutil::FreshPath("fusion_variant_" + VariantName(v)), 1500, 6);
    o.variant = v;
    o.hidden_dim = 16;
    o.attention_dim = 8;
    o.mc_samples = 4;
    o.seed = 11;
    auto report = TrainFusion(o);
    EXPECT_TRUE(report.ok()) << report.status();
    return cache->emplace(v, Model{report.ok() ? *std::move(report) : FusionTrainReport{}, o.out_dir})
        .first->second;
  }
};

std::string Name(const ::testing::TestParamInfo<FusionVariant>& info) { return VariantName(info.param); }

INSTANTIATE_TEST_SUITE_P(AllVariants, VariantTest,
                         ::testing::ValuesIn(AllFusionVariants()), Name);

// The contract holds for any weights, so a freshly initialised network checks it in every
// subset of slots, deterministic and MC-dropout forwards alike.
TEST_P(VariantTest, AnAbsentInputHasExactlyZeroInfluence) {
  torch::manual_seed(3);
  const burnout::v1::FusionSpec spec = Spec();
  FusionNet net(NetShape(GetParam(), spec));
  constexpr int64_t kRows = 12;
  std::vector<torch::Tensor> x;
  for (const auto& in : spec.inputs()) x.push_back(torch::randn({kRows, SlotDim(in)}));
  const int slots = spec.inputs_size();
  for (int subset = 1; subset < (1 << slots); ++subset) {
    std::vector<int64_t> bits;
    for (int m = 0; m < slots; ++m) bits.push_back((subset >> m) & 1);
    const torch::Tensor present = torch::tensor(bits).to(torch::kBool).expand({kRows, slots});
    std::vector<torch::Tensor> perturbed;
    for (int m = 0; m < slots; ++m) {
      perturbed.push_back(bits[m] ? x[m] : x[m] * 100 + torch::randn_like(x[m]) * 50);
    }
    torch::NoGradGuard no_grad;
    for (bool stochastic : {false, true}) {
      torch::manual_seed(9);
      const FusionNetOutput a = net->Forward(x, present, stochastic);
      torch::manual_seed(9);
      const FusionNetOutput b = net->Forward(perturbed, present, stochastic);
      SCOPED_TRACE(::testing::Message() << "subset " << subset << (stochastic ? " (MC dropout)" : ""));
      EXPECT_TRUE(torch::equal(a.logits, b.logits)) << "an absent slot's input moved the logits";
      EXPECT_TRUE(torch::equal(a.weights, b.weights));
      EXPECT_TRUE(torch::isfinite(a.logits).all().item<bool>());
      for (int m = 0; m < slots; ++m) {
        if (!bits[m]) {
          EXPECT_EQ(a.weights.select(1, m).abs().max().item<float>(), 0.0f) << "slot " << m;
        }
      }
      EXPECT_TRUE(torch::allclose(a.weights.sum(1), torch::ones({kRows}), 1e-5, 1e-5));
    }
  }
}

TEST_P(VariantTest, TrainsIntoAModelTheLoaderServesByItsKind) {
  const Model& t = Trained(GetParam());
  const FusionTrainReport& r = t.report;
  ASSERT_FALSE(r.manifest.sha256().empty());
  EXPECT_EQ(r.manifest.kind(), VariantKind(GetParam()));
  EXPECT_EQ(r.manifest.name(), VariantKind(GetParam()));
  // Better than chance (1/3) on held-out synthetic profiles, even this small.
  EXPECT_GT(FindMetric(r.manifest, "val_accuracy"), 0.42);
  EXPECT_EQ(r.evaluation.variant, VariantName(GetParam()));
  EXPECT_EQ(r.evaluation.subsets.size(), 7u);
  EXPECT_EQ(r.evaluation.confident_errors.size(), 5u);
  EXPECT_FALSE(r.evaluation.fused_repr.empty());
  EXPECT_EQ(r.evaluation.spread.size(), r.evaluation.truth.size());

  auto model = FusionModel::Load(t.dir);
  ASSERT_TRUE(model.ok()) << model.status();
  const burnout::v1::FuseRequest full = ClearHighRiskRequest();
  for (int subset = 1; subset < 8; ++subset) {
    burnout::v1::FuseRequest req;
    if (subset & 1) *req.mutable_text() = full.text();
    if (subset & 2) *req.mutable_voice() = full.voice();
    if (subset & 4) *req.mutable_face() = full.face();
    auto fused = (*model)->Fuse(req, FuseOptions{});
    ASSERT_TRUE(fused.ok()) << fused.status();
    EXPECT_EQ(fused->variant(), VariantName(GetParam()));
    EXPECT_EQ(fused->model().name(), VariantKind(GetParam()));
    double sum = 0, weights = 0;
    for (const auto& p : fused->calibrated_probabilities()) sum += p.probability();
    EXPECT_NEAR(sum, 1.0, 1e-4);
    for (int m = 0; m < 3; ++m) {
      const float w = fused->attention(m).weight();
      weights += w;
      if (!((subset >> m) & 1)) EXPECT_EQ(w, 0.0f) << "absent slot " << m;
    }
    EXPECT_NEAR(weights, 1.0, 1e-4);
  }
  // The clear cases come out the obvious way with all three modalities.
  auto high = (*model)->Fuse(ClearHighRiskRequest(), FuseOptions{});
  auto low = (*model)->Fuse(ClearLowRiskRequest(), FuseOptions{});
  ASSERT_TRUE(high.ok() && low.ok());
  EXPECT_GT(high->calibrated_probabilities(2).probability(), low->calibrated_probabilities(2).probability());
}

TEST(FusionVariantsTest, NamesAndKindsRoundTrip) {
  EXPECT_EQ(AllFusionVariants().size(), 5u);
  for (FusionVariant v : AllFusionVariants()) {
    EXPECT_EQ(VariantFromName(VariantName(v)), v);
    EXPECT_EQ(VariantFromKind(VariantKind(v)), v);
  }
  EXPECT_EQ(VariantKind(FusionVariant::kCrossAttention), "fusion-cross-attention");
  EXPECT_FALSE(VariantFromName("mean").has_value());
  EXPECT_FALSE(VariantFromKind("text-bag").has_value());
}

TEST(FusionVariantsTest, AModelOfAnotherKindIsRefusedNamingTheFusionKinds) {
  const std::string dir = testutil::FreshPath("fusion_wrong_kind");
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/manifest.textproto") << "name: \"x\" version: \"1\" kind: \"fusion-magic\" file: \"model.pt\"\n";
  auto model = FusionModel::Load(dir);
  EXPECT_EQ(model.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(model.status().message(), HasSubstr("fusion-magic"));
  EXPECT_THAT(model.status().message(), HasSubstr("fusion-cross-attention"));
}

TEST(FusionVariantsTest, WeightsOfOneVariantDoNotLoadAsAnother) {
  FusionTrainOptions o = SyntheticTraining(testutil::FreshPath("fusion_gated_as_concat"), 300, 1);
  o.variant = FusionVariant::kGated;
  auto report = TrainFusion(o);
  ASSERT_TRUE(report.ok()) << report.status();
  // Relabel it as concat: the loader must notice the weights do not fit.
  auto manifest = report->manifest;
  manifest.set_kind("fusion-concat");
  ASSERT_TRUE(model::WriteManifest(o.out_dir, manifest).ok());
  auto model = FusionModel::Load(o.out_dir);
  EXPECT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("model.pt"));
}

}  // namespace
}  // namespace burnout::fusion
