#include "common/torch/training.h"

#include <torch/serialize/output-archive.h>

#include <cmath>
#include <filesystem>

#include "common/model/model_dir.h"
#include "common/status/macros.h"

namespace burnout::torchx {

void SetCosineLearningRate(torch::optim::AdamW& optimizer, double base, int epoch, int epochs) {
  const double lr = base * 0.5 * (1.0 + std::cos(M_PI * epoch / epochs));
  for (auto& group : optimizer.param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
}

void AddMetric(burnout::v1::TrainingRecord* record, const std::string& name, double value,
               const std::string& split) {
  auto* m = record->add_metrics();
  m->set_name(name);
  m->set_value(value);
  m->set_split(split);
}

void WriteWeights(const torch::nn::Module& net, const std::string& out_dir) {
  std::filesystem::create_directories(out_dir);
  // What torch::save(module_holder, path) does.
  torch::serialize::OutputArchive archive(std::make_shared<torch::jit::CompilationUnit>());
  net.save(archive);
  archive.save_to((std::filesystem::path(out_dir) / kWeightsFile).string());
}

absl::Status WriteManifestAndChecksum(const std::string& out_dir,
                                      burnout::v1::ModelManifest* manifest) {
  BR_RETURN_IF_ERROR(model::WriteManifest(out_dir, *manifest));
  BR_ASSIGN_OR_RETURN(std::string sha,
                      model::Sha256File((std::filesystem::path(out_dir) / kWeightsFile).string()));
  manifest->set_sha256(sha);
  return absl::OkStatus();
}

}  // namespace burnout::torchx
