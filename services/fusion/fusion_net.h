// INTERNAL to the fusion library and its trainer: the libtorch networks. This is the only
// fusion header that includes libtorch; include it from .cc files only, never from a public
// header.
//
// Every variant starts the same way. Per slot m:
//   [e_m = GELU(LayerNorm(Linear(embedding_m)))  when the slot takes an embedding (E_m -> P)]
//   h_m = dropout(GELU(LayerNorm(Linear([x_m, e_m]))))  in R^H, then h_m = 0 where m is absent,
// so an absent slot's input can reach nothing below. Then, by variant (FusionVariant):
//   attention        Bahdanau scorer s_m = w^T tanh(W h_m + b) + c, absent s_m = -inf,
//                    a = softmax(s), fused = sum_m a_m h_m; weights = a.
//   cross_attention  the present modalities attend to each other (and themselves), both ways:
//                    z_m = LayerNorm(h_m + Wo softmax_k(q_m . k_k / sqrt(H), absent k = -inf) v_k),
//                    then the attention pooling above over z; weights = the pooling's a.
//   concat           fused = GELU(LayerNorm(W [h_1, .., h_M, present])) (absent h_m are 0, the
//                    presence vector says which); weights = |W_m h_m| / sum_k |W_k h_k|, the
//                    share each slot feeds the first layer (exactly 0 when absent).
//   gated            g_m = sigmoid(w_m^T h_m + b_m), a learned gate per modality;
//                    fused = GELU(LayerNorm(W [sum_m present_m g_m h_m, present]));
//                    weights = present g / sum(present g).
//   weighted         every slot predicts on its own: p_m = softmax(head_m(h_m)); learned
//                    per-modality weights a = softmax(w, absent = -inf); the prediction is
//                    sum_m a_m p_m, returned as logits log(sum_m a_m p_m); weights = a.
// All but `weighted` classify `fused` with Linear(F -> H/2) -> GELU -> dropout -> Linear(-> C).
// Dropout is applied functionally from the `stochastic` argument (MC dropout at inference,
// regularisation in training), so the module's train/eval flag is never consulted and
// concurrent forwards never change module state. Its masks come from `gen` when one is given
// (serving: a generator seeded from the request, so the same input always gets the same MC
// spread), else from libtorch's default generator (training).
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>
#include <torch/types.h>
#include <ATen/core/Generator.h>

#include <cstdint>
#include <vector>

#include "burnout/v1/model.pb.h"
#include "services/fusion/fusion_model.h"

namespace burnout::fusion {

struct FusionNetOutput {
  torch::Tensor logits;   // [B, classes]
  torch::Tensor weights;  // [B, slots], rows sum to 1, exactly 0 where absent
  torch::Tensor slots;    // [B, slots, H]: each slot's representation (0 where absent)
  torch::Tensor fused;    // [B, F]: the fused representation the classifier reads
};

struct FusionNetShape {
  FusionVariant variant = FusionVariant::kAttention;
  std::vector<int64_t> input_dims;      // per slot: the features (fusion_features.h)
  std::vector<int64_t> embedding_dims;  // per slot: 0 = no embedding, else its dimension
  int64_t embedding_projection = 256;   // P
  int64_t hidden_dim = 64;              // H
  int64_t attention_dim = 32;
  double dropout = 0.2;
  int64_t classes = 3;
};

class FusionNetImpl : public torch::nn::Module {
 public:
  explicit FusionNetImpl(FusionNetShape shape);

  // inputs[m]: [B, input_dims[m] + embedding_dims[m]] float (features, then the embedding);
  // present: [B, slots] bool with at least one true per row. Thread-safe for concurrent calls
  // (reads parameters only).
  FusionNetOutput Forward(const std::vector<torch::Tensor>& inputs, const torch::Tensor& present,
                          bool stochastic, const c10::optional<at::Generator>& gen = c10::nullopt);

  const FusionNetShape& shape() const { return shape_; }

 private:
  torch::Tensor Pool(const torch::Tensor& h, const torch::Tensor& present, torch::Tensor* weights);
  torch::Tensor Classify(const torch::Tensor& fused, bool stochastic,
                         const c10::optional<at::Generator>& gen);
  torch::Tensor Drop(const torch::Tensor& x, bool stochastic,
                     const c10::optional<at::Generator>& gen) const;

  FusionNetShape shape_;
  std::vector<torch::nn::Linear> embed_;  // null where a slot takes no embedding
  std::vector<torch::nn::LayerNorm> embed_norm_;
  std::vector<torch::nn::Linear> project_;
  std::vector<torch::nn::LayerNorm> norm_;
  // attention, cross_attention: the pooling scorer
  torch::nn::Linear score_hidden_{nullptr}, score_out_{nullptr};
  // cross_attention
  torch::nn::Linear cross_q_{nullptr}, cross_k_{nullptr}, cross_v_{nullptr}, cross_out_{nullptr};
  torch::nn::LayerNorm cross_norm_{nullptr};
  // concat, gated: the joint layer
  torch::nn::Linear joint_{nullptr};
  torch::nn::LayerNorm joint_norm_{nullptr};
  // gated
  std::vector<torch::nn::Linear> gate_;
  // weighted
  std::vector<torch::nn::Linear> head_hidden_, head_out_;
  torch::Tensor mix_;  // [slots] learned weights (logits)
  // all but weighted
  torch::nn::Linear classify_hidden_{nullptr}, classify_out_{nullptr};
};
TORCH_MODULE(FusionNet);

// The network a manifest's FusionSpec describes, for `variant`.
FusionNetShape NetShape(FusionVariant variant, const burnout::v1::FusionSpec& spec);

}  // namespace burnout::fusion
