// INTERNAL to the fusion library and its trainer: the libtorch network. This is the only
// fusion header that includes libtorch; include it from .cc files only, never from a public
// header.
//
// Per slot m: h_m = dropout(GELU(LayerNorm(Linear(x_m)))) in R^H.
// Bahdanau scorer: s_m = w^T tanh(W h_m + b) + c; absent slots get s_m = -inf, so softmax
// gives them exactly zero weight. fused = sum_m a_m h_m.
// Classifier: Linear(H -> H/2) -> GELU -> dropout -> Linear(H/2 -> classes).
// Dropout is applied functionally from the `stochastic` argument (MC dropout at inference,
// regularisation in training), so the module's train/eval flag is never consulted and
// concurrent forwards never change module state.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace burnout::fusion {

struct FusionNetOutput {
  torch::Tensor logits;     // [B, classes]
  torch::Tensor attention;  // [B, slots], rows sum to 1, exactly 0 where absent
};

class FusionNetImpl : public torch::nn::Module {
 public:
  FusionNetImpl(std::vector<int64_t> input_dims, int64_t hidden_dim, int64_t attention_dim,
                double dropout, int64_t classes);

  // inputs[m]: [B, input_dims[m]] float; present: [B, slots] bool with at least one true
  // per row. Thread-safe for concurrent calls (reads parameters only).
  FusionNetOutput Forward(const std::vector<torch::Tensor>& inputs, const torch::Tensor& present,
                          bool stochastic);

  const std::vector<int64_t>& input_dims() const { return input_dims_; }

 private:
  std::vector<int64_t> input_dims_;
  double dropout_;
  std::vector<torch::nn::Linear> project_;
  std::vector<torch::nn::LayerNorm> norm_;
  torch::nn::Linear score_hidden_{nullptr};
  torch::nn::Linear score_out_{nullptr};
  torch::nn::Linear classify_hidden_{nullptr};
  torch::nn::Linear classify_out_{nullptr};
};
TORCH_MODULE(FusionNet);

}  // namespace burnout::fusion
