// INTERNAL to the temporal library and its trainer: the libtorch network. The only temporal
// header that includes libtorch; include it from .cc files only.
//
// LayerNorm(F) per step -> GRU(F -> H, `layers` layers, batch first) -> the hidden output at
// each sequence's last valid step -> Linear(H -> H/2) -> ReLU -> dropout -> Linear(-> classes).
// Sequences are right-padded; the GRU is causal, so padding after the last valid step never
// reaches the output that is read.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/rnn.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>

namespace burnout::temporal {

class TemporalNetImpl : public torch::nn::Module {
 public:
  TemporalNetImpl(int64_t features, int64_t hidden_dim, int64_t layers, double dropout,
                  int64_t classes);

  // x: [B, T, F] float, right-padded; lengths: [B] int64 in [1, T]. Returns logits
  // [B, classes]. Dropout (between GRU layers and in the classifier) follows the module's
  // train/eval flag: the model sets eval() once at load and never changes it, so concurrent
  // calls only read.
  torch::Tensor Forward(const torch::Tensor& x, const torch::Tensor& lengths);

 private:
  double dropout_;
  torch::nn::LayerNorm norm_{nullptr};
  torch::nn::GRU gru_{nullptr};
  torch::nn::Linear hidden_{nullptr};
  torch::nn::Linear out_{nullptr};
};
TORCH_MODULE(TemporalNet);

}  // namespace burnout::temporal
