#include "services/fusion/fusion_net.h"

#include "services/fusion/fusion_features.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/dropout.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

namespace burnout::fusion {
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

}  // namespace

FusionNetShape NetShape(FusionVariant variant, const burnout::v1::FusionSpec& spec) {
  FusionNetShape shape;
  shape.variant = variant;
  for (const auto& in : spec.inputs()) {
    shape.input_dims.push_back(InputDim(in));
    shape.embedding_dims.push_back(std::max(0, in.embedding_dim()));
  }
  shape.embedding_projection = spec.embedding_projection() > 0 ? spec.embedding_projection() : 256;
  shape.hidden_dim = spec.hidden_dim();
  shape.attention_dim = spec.attention_dim();
  shape.dropout = spec.dropout();
  shape.classes = spec.risk_labels_size();
  return shape;
}

FusionNetImpl::FusionNetImpl(FusionNetShape shape) : shape_(std::move(shape)) {
  const int64_t slots = static_cast<int64_t>(shape_.input_dims.size());
  shape_.embedding_dims.resize(slots, 0);
  const int64_t hidden = shape_.hidden_dim;
  for (int64_t m = 0; m < slots; ++m) {
    const std::string suffix = std::to_string(m);
    int64_t in = shape_.input_dims[m];
    if (shape_.embedding_dims[m] > 0) {
      embed_.push_back(register_module(
          "embed" + suffix,
          torch::nn::Linear(shape_.embedding_dims[m], shape_.embedding_projection)));
      embed_norm_.push_back(register_module(
          "embed_norm" + suffix,
          torch::nn::LayerNorm(torch::nn::LayerNormOptions({shape_.embedding_projection}))));
      in += shape_.embedding_projection;
    } else {
      embed_.emplace_back(nullptr);
      embed_norm_.emplace_back(nullptr);
    }
    project_.push_back(register_module("project" + suffix, torch::nn::Linear(in, hidden)));
    norm_.push_back(register_module(
        "norm" + suffix, torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden}))));
  }
  const FusionVariant v = shape_.variant;
  if (v == FusionVariant::kCrossAttention) {
    cross_q_ = register_module("cross_q", torch::nn::Linear(hidden, hidden));
    cross_k_ = register_module("cross_k", torch::nn::Linear(hidden, hidden));
    cross_v_ = register_module("cross_v", torch::nn::Linear(hidden, hidden));
    cross_out_ = register_module("cross_out", torch::nn::Linear(hidden, hidden));
    cross_norm_ = register_module("cross_norm",
                                  torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden})));
  }
  if (v == FusionVariant::kAttention || v == FusionVariant::kCrossAttention) {
    score_hidden_ =
        register_module("score_hidden", torch::nn::Linear(hidden, shape_.attention_dim));
    score_out_ = register_module("score_out", torch::nn::Linear(shape_.attention_dim, 1));
  }
  if (v == FusionVariant::kConcat || v == FusionVariant::kGated) {
    const int64_t joint_in = (v == FusionVariant::kConcat ? slots * hidden : hidden) + slots;
    joint_ = register_module("joint", torch::nn::Linear(joint_in, hidden));
    joint_norm_ =
        register_module("joint_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden})));
  }
  if (v == FusionVariant::kGated) {
    for (int64_t m = 0; m < slots; ++m) {
      gate_.push_back(register_module("gate" + std::to_string(m), torch::nn::Linear(hidden, 1)));
    }
  }
  if (v == FusionVariant::kWeighted) {
    for (int64_t m = 0; m < slots; ++m) {
      const std::string suffix = std::to_string(m);
      head_hidden_.push_back(
          register_module("head_hidden" + suffix, torch::nn::Linear(hidden, hidden / 2)));
      head_out_.push_back(
          register_module("head_out" + suffix, torch::nn::Linear(hidden / 2, shape_.classes)));
    }
    mix_ = register_parameter("mix", torch::zeros({slots}));
  } else {
    classify_hidden_ =
        register_module("classify_hidden", torch::nn::Linear(hidden, hidden / 2));
    classify_out_ =
        register_module("classify_out", torch::nn::Linear(hidden / 2, shape_.classes));
  }
}

torch::Tensor FusionNetImpl::Pool(const torch::Tensor& h, const torch::Tensor& present,
                                  torch::Tensor* weights) {
  torch::Tensor scores = score_out_->forward(torch::tanh(score_hidden_->forward(h))).squeeze(-1);
  scores = scores.masked_fill(present.logical_not(), kMinusInf);  // [B, M]
  *weights = torch::softmax(scores, 1);                          // exactly 0 where absent
  return (weights->unsqueeze(-1) * h).sum(1);
}

torch::Tensor FusionNetImpl::Drop(const torch::Tensor& x, bool stochastic,
                                  const c10::optional<at::Generator>& gen) const {
  if (!stochastic || shape_.dropout <= 0.0) return x;
  if (!gen.has_value()) return torch::dropout(x, shape_.dropout, true);
  const double keep = 1.0 - shape_.dropout;
  return x * torch::bernoulli(torch::full_like(x, keep), gen) / keep;
}

torch::Tensor FusionNetImpl::Classify(const torch::Tensor& fused, bool stochastic,
                                      const c10::optional<at::Generator>& gen) {
  torch::Tensor z = torch::gelu(classify_hidden_->forward(fused));
  z = Drop(z, stochastic, gen);
  return classify_out_->forward(z);
}

FusionNetOutput FusionNetImpl::Forward(const std::vector<torch::Tensor>& inputs,
                                       const torch::Tensor& present, bool stochastic,
                                       const c10::optional<at::Generator>& gen) {
  const int64_t slots = static_cast<int64_t>(inputs.size());
  const torch::Tensor mask = present.to(torch::kFloat);  // [B, M]
  std::vector<torch::Tensor> projected;
  projected.reserve(inputs.size());
  for (int64_t m = 0; m < slots; ++m) {
    torch::Tensor x = inputs[m];
    if (shape_.embedding_dims[m] > 0) {
      const int64_t d = shape_.input_dims[m];
      const torch::Tensor e = torch::gelu(
          embed_norm_[m]->forward(embed_[m]->forward(x.narrow(1, d, shape_.embedding_dims[m]))));
      x = torch::cat({x.narrow(1, 0, d), e}, 1);
    }
    torch::Tensor h = torch::gelu(norm_[m]->forward(project_[m]->forward(x)));
    h = Drop(h, stochastic, gen);
    projected.push_back(h * mask.select(1, m).unsqueeze(1));  // absent: exactly 0
  }
  FusionNetOutput out;
  out.slots = torch::stack(projected, 1);  // [B, M, H]
  const torch::Tensor& h = out.slots;
  switch (shape_.variant) {
    case FusionVariant::kAttention:
      out.fused = Pool(h, present, &out.weights);
      out.logits = Classify(out.fused, stochastic, gen);
      break;
    case FusionVariant::kCrossAttention: {
      const double scale = 1.0 / std::sqrt(static_cast<double>(shape_.hidden_dim));
      const torch::Tensor q = cross_q_->forward(h), k = cross_k_->forward(h),
                          v = cross_v_->forward(h);
      torch::Tensor s = torch::matmul(q, k.transpose(1, 2)) * scale;  // [B, M(query), M(key)]
      s = s.masked_fill(present.logical_not().unsqueeze(1), kMinusInf);
      const torch::Tensor context = torch::matmul(torch::softmax(s, 2), v);
      torch::Tensor z = cross_norm_->forward(
          h + Drop(cross_out_->forward(context), stochastic, gen));
      z = z * mask.unsqueeze(-1);  // absent queries saw the present ones; drop them
      out.fused = Pool(z, present, &out.weights);
      out.logits = Classify(out.fused, stochastic, gen);
      break;
    }
    case FusionVariant::kConcat: {
      const torch::Tensor joined = torch::cat({h.flatten(1), mask}, 1);
      out.fused = torch::gelu(joint_norm_->forward(joint_->forward(joined)));
      out.fused = Drop(out.fused, stochastic, gen);
      // Each slot's share of the first layer: |W_m h_m|, from the weight block of slot m.
      const torch::Tensor w = joint_->weight;  // [H, M*H + M]
      std::vector<torch::Tensor> norms;
      for (int64_t m = 0; m < slots; ++m) {
        const torch::Tensor block = w.narrow(1, m * shape_.hidden_dim, shape_.hidden_dim);
        norms.push_back(torch::matmul(h.select(1, m), block.t()).norm(2, 1));
      }
      const torch::Tensor c = torch::stack(norms, 1) * mask;  // [B, M]
      out.weights = c / c.sum(1, true).clamp_min(1e-12);
      // A lone present slot whose contribution is numerically 0 still carries all the weight.
      out.weights = torch::where(c.sum(1, true).gt(0), out.weights, mask / mask.sum(1, true));
      out.logits = Classify(out.fused, stochastic, gen);
      break;
    }
    case FusionVariant::kGated: {
      std::vector<torch::Tensor> gates;
      for (int64_t m = 0; m < slots; ++m) {
        gates.push_back(torch::sigmoid(gate_[m]->forward(h.select(1, m))).squeeze(-1));
      }
      const torch::Tensor g = torch::stack(gates, 1) * mask;  // [B, M], 0 where absent
      const torch::Tensor gated = (g.unsqueeze(-1) * h).sum(1);
      out.fused = torch::gelu(joint_norm_->forward(joint_->forward(torch::cat({gated, mask}, 1))));
      out.fused = Drop(out.fused, stochastic, gen);
      out.weights = g / g.sum(1, true).clamp_min(1e-12);
      out.logits = Classify(out.fused, stochastic, gen);
      break;
    }
    case FusionVariant::kWeighted: {
      std::vector<torch::Tensor> probs;
      for (int64_t m = 0; m < slots; ++m) {
        torch::Tensor z = torch::gelu(head_hidden_[m]->forward(h.select(1, m)));
        z = Drop(z, stochastic, gen);
        probs.push_back(torch::softmax(head_out_[m]->forward(z), 1));
      }
      const torch::Tensor p = torch::stack(probs, 1);  // [B, M, C]
      const torch::Tensor scores =
          mix_.unsqueeze(0).expand_as(mask).masked_fill(present.logical_not(), kMinusInf);
      out.weights = torch::softmax(scores, 1);
      const torch::Tensor mixed = (out.weights.unsqueeze(-1) * p).sum(1);  // [B, C]
      out.logits = torch::log(mixed.clamp_min(1e-12));
      out.fused = mixed;
      break;
    }
  }
  return out;
}

}  // namespace burnout::fusion
