// Helpers shared by the libtorch trainers (services/*/..._trainer.cc): the learning-rate
// schedule, metric recording and writing a model directory (model.pt + manifest.textproto).
// Stateless functions; each touches only its arguments, so calls on different objects may run
// concurrently.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/adamw.h>

#include <string>

#include "absl/status/status.h"
#include "burnout/v1/model.pb.h"

namespace burnout::torchx {

// The file name of the weights in a model directory written by WriteWeights.
inline constexpr char kWeightsFile[] = "model.pt";

// Sets every parameter group's learning rate to `base` decayed on a half cosine:
// base * 0.5 * (1 + cos(pi * epoch / epochs)).
void SetCosineLearningRate(torch::optim::AdamW& optimizer, double base, int epoch, int epochs);

// Appends one metric (any value, NaN included) to `record`.
void AddMetric(burnout::v1::TrainingRecord* record, const std::string& name, double value,
               const std::string& split);

// Creates `out_dir` if needed and writes `net`'s weights to out_dir/model.pt, exactly as
// torch::save would. Throws what libtorch or std::filesystem throw.
void WriteWeights(const torch::nn::Module& net, const std::string& out_dir);

// Writes `manifest` to out_dir/manifest.textproto, then sets manifest->sha256 to the checksum
// of out_dir/model.pt (the file on disk carries none). Errors name the file.
absl::Status WriteManifestAndChecksum(const std::string& out_dir,
                                      burnout::v1::ModelManifest* manifest);

}  // namespace burnout::torchx
