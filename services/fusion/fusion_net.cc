#include "services/fusion/fusion_net.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/dropout.h>

#include <limits>
#include <string>
#include <utility>

namespace burnout::fusion {

FusionNetImpl::FusionNetImpl(std::vector<int64_t> input_dims, int64_t hidden_dim,
                             int64_t attention_dim, double dropout, int64_t classes)
    : input_dims_(std::move(input_dims)), dropout_(dropout) {
  for (size_t m = 0; m < input_dims_.size(); ++m) {
    const std::string suffix = std::to_string(m);
    project_.push_back(
        register_module("project" + suffix, torch::nn::Linear(input_dims_[m], hidden_dim)));
    norm_.push_back(register_module(
        "norm" + suffix, torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden_dim}))));
  }
  score_hidden_ = register_module("score_hidden", torch::nn::Linear(hidden_dim, attention_dim));
  score_out_ = register_module("score_out", torch::nn::Linear(attention_dim, 1));
  classify_hidden_ =
      register_module("classify_hidden", torch::nn::Linear(hidden_dim, hidden_dim / 2));
  classify_out_ = register_module("classify_out", torch::nn::Linear(hidden_dim / 2, classes));
}

FusionNetOutput FusionNetImpl::Forward(const std::vector<torch::Tensor>& inputs,
                                       const torch::Tensor& present, bool stochastic) {
  std::vector<torch::Tensor> projected;
  projected.reserve(inputs.size());
  for (size_t m = 0; m < inputs.size(); ++m) {
    torch::Tensor h = torch::gelu(norm_[m]->forward(project_[m]->forward(inputs[m])));
    projected.push_back(torch::dropout(h, dropout_, stochastic));
  }
  const torch::Tensor h = torch::stack(projected, 1);  // [B, M, H]
  torch::Tensor scores =
      score_out_->forward(torch::tanh(score_hidden_->forward(h))).squeeze(-1);  // [B, M]
  scores = scores.masked_fill(present.logical_not(), -std::numeric_limits<float>::infinity());
  const torch::Tensor attention = torch::softmax(scores, 1);
  const torch::Tensor fused = (attention.unsqueeze(-1) * h).sum(1);  // [B, H]
  torch::Tensor z = torch::gelu(classify_hidden_->forward(fused));
  z = torch::dropout(z, dropout_, stochastic);
  return {classify_out_->forward(z), attention};
}

}  // namespace burnout::fusion
