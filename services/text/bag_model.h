// The bag model's weights, their file format (burnout.v1.TextBagModel, see model.proto) and the
// forward pass. No libtorch: the trainer produces BagWeights, inference reads them back.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "burnout/v1/model.pb.h"
#include "services/text/features.h"
#include "services/text/tokenizer.h"

namespace burnout::text {

struct BagWeights {
  std::string tokenizer = kTokenizerVersion;
  std::vector<std::string> labels;
  int dim = 0;
  std::vector<std::string> features;  // unigrams first, then pairs
  int num_unigrams = 0;
  std::vector<std::string> subwords;
  SubwordSpec subword_spec;
  std::vector<float> embeddings;      // (features + subwords) x dim, row-major
  std::vector<float> output_weights;  // labels.size() x dim, row-major
  std::vector<float> output_bias;     // labels.size()
  std::vector<float> thresholds;      // labels.size(), in [0, 1]
  float length_exponent = 1.0f;       // see TextBagModel in model.proto
  burnout::v1::TextBagModel::Pooling pooling = burnout::v1::TextBagModel::POOLING_MEAN;
  std::vector<float> idf;             // TFIDF pooling: one per row
  burnout::v1::TextBagModel::Output output = burnout::v1::TextBagModel::OUTPUT_SOFTMAX;
  size_t rows() const { return features.size() + subwords.size(); }
};

// TFIDF pooling (TextBagModel in model.proto): the known features of a text with their counts
// and values x_f = (1 + ln c_f) idf_f, the token-and-pair block (rows below `num_features`)
// and the subword block each L2-normalised. One entry per distinct feature, in first-hit order.
struct TfidfEntry {
  int32_t id;
  int count;
  float value;
};
void TfidfVector(const std::vector<FeatureHit>& hits, const std::vector<float>& idf, size_t num_features,
                 std::vector<TfidfEntry>* out);

// Quantises the embedding table per row to int8 (scale = max |value| / 127).
burnout::v1::TextBagModel ToProto(const BagWeights& w);

// Checks every size and value of `m` and dequantises it. DATA_LOSS starting with `origin`
// (the file name) on any inconsistency: sizes that do not match, non-finite or huge numbers,
// thresholds outside [0, 1]; FAILED_PRECONDITION for another tokenizer version. Features are
// checked by BagScorer::Create (malformed or repeated ones).
absl::StatusOr<BagWeights> FromProto(const burnout::v1::TextBagModel& m, const std::string& origin);

// File I/O. Read: NOT_FOUND if unreadable, DATA_LOSS naming the file if it does not parse or
// fails FromProto.
absl::StatusOr<BagWeights> ReadBagModelFile(const std::string& path);
absl::Status WriteBagModelFile(const std::string& path, const BagWeights& w);

// The forward pass over the known features f of a text. MEAN pooling, with weights w_f
// (features.h) and n = sum of w_f: logits = b + sum of w_f W E[f] / n^p (p = length_exponent),
// embedding = sum of w_f E[f] / n. TFIDF pooling: logits = b + sum of x_f W E[f], embedding =
// sum of x_f E[f] (TfidfVector). Probabilities: softmax(logits), or the normalised one-vs-rest
// sigmoids. Immutable and thread-safe after Create.
class BagScorer {
 public:
  struct Output {
    std::vector<Token> tokens;
    std::vector<FeatureHit> hits;  // each adds feature_logits(id) * weight * hit_scale (TFIDF:
                                   // weight = x_f / c_f per occurrence, hit_scale = 1)
    float hit_scale = 0;           // 1 / (sum of hit weights)^length_exponent
    int known_tokens = 0;          // tokens that are known unigrams
    std::vector<float> embedding;  // e (zeros when no feature is known)
    std::vector<float> logits;
    std::vector<float> probabilities;
  };

  // INVALID_ARGUMENT if the weights are inconsistent (use FromProto for validated input).
  static absl::StatusOr<BagScorer> Create(BagWeights w);

  // `text` must be valid UTF-8.
  void Score(std::string_view text, Output* out) const;

  // W times the embedding row of `feature`: its logit contribution when it is the only
  // feature; in a text it contributes this * hit weight * Output::hit_scale.
  const float* feature_logits(int32_t feature) const {
    return &feature_logits_[static_cast<size_t>(feature) * weights_.labels.size()];
  }
  const BagWeights& weights() const { return weights_; }
  const FeatureVocab& vocab() const { return vocab_; }

 private:
  BagWeights weights_;
  FeatureVocab vocab_;
  std::vector<float> feature_logits_;  // features x labels
};

}  // namespace burnout::text
