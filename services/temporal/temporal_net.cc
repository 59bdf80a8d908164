#include "services/temporal/temporal_net.h"

#include <torch/nn/functional/dropout.h>

namespace burnout::temporal {

TemporalNetImpl::TemporalNetImpl(int64_t features, int64_t hidden_dim, int64_t layers,
                                 double dropout, int64_t classes)
    : dropout_(dropout) {
  norm_ = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({features})));
  gru_ = register_module("gru", torch::nn::GRU(torch::nn::GRUOptions(features, hidden_dim)
                                                   .num_layers(layers)
                                                   .batch_first(true)
                                                   .dropout(layers > 1 ? dropout : 0.0)));
  hidden_ = register_module("hidden", torch::nn::Linear(hidden_dim, hidden_dim / 2));
  out_ = register_module("out", torch::nn::Linear(hidden_dim / 2, classes));
}

torch::Tensor TemporalNetImpl::Forward(const torch::Tensor& x, const torch::Tensor& lengths) {
  const torch::Tensor seq = std::get<0>(gru_->forward(norm_->forward(x)));  // [B, T, H]
  const torch::Tensor batch = torch::arange(seq.size(0), lengths.options());
  const torch::Tensor last = seq.index({batch, lengths - 1});  // [B, H]
  torch::Tensor z = torch::relu(hidden_->forward(last));
  z = torch::dropout(z, dropout_, is_training());
  return out_->forward(z);
}

}  // namespace burnout::temporal
