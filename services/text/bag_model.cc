#include "services/text/bag_model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/status/macros.h"

namespace burnout::text {
namespace {

constexpr int kMaxDim = 4096;
// Trained weights are far smaller; larger values can only come from a damaged file and would
// overflow the softmax.
constexpr float kMaxAbsValue = 1e4f;

bool AllInRange(const google::protobuf::RepeatedField<float>& v) {
  return std::all_of(v.begin(), v.end(),
                     [](float x) { return std::isfinite(x) && std::fabs(x) <= kMaxAbsValue; });
}

}  // namespace

burnout::v1::TextBagModel ToProto(const BagWeights& w) {
  burnout::v1::TextBagModel m;
  m.set_tokenizer(w.tokenizer);
  for (const auto& l : w.labels) m.add_labels(l);
  m.set_embedding_dim(w.dim);
  for (const auto& f : w.features) m.add_features(f);
  m.set_num_unigrams(w.num_unigrams);
  for (const auto& s : w.subwords) m.add_subwords(s);
  m.set_subword_min_n(w.subword_spec.min_n);
  m.set_subword_max_n(w.subword_spec.max_n);
  m.set_subword_weight(w.subword_spec.weight);
  std::string q(w.rows() * static_cast<size_t>(w.dim), '\0');
  for (size_t r = 0; r < w.rows(); ++r) {
    const float* row = &w.embeddings[r * w.dim];
    float max_abs = 0;
    for (int j = 0; j < w.dim; ++j) max_abs = std::max(max_abs, std::fabs(row[j]));
    const float scale = max_abs / 127.0f;
    m.add_row_scales(scale);
    for (int j = 0; j < w.dim; ++j) {
      const long v = scale > 0 ? std::lround(row[j] / scale) : 0;
      q[r * w.dim + j] = static_cast<char>(static_cast<int8_t>(std::clamp(v, -127L, 127L)));
    }
  }
  m.set_embeddings_q8(std::move(q));
  m.mutable_output_weights()->Add(w.output_weights.begin(), w.output_weights.end());
  m.mutable_output_bias()->Add(w.output_bias.begin(), w.output_bias.end());
  m.mutable_thresholds()->Add(w.thresholds.begin(), w.thresholds.end());
  m.set_length_exponent(w.length_exponent);
  m.set_pooling(w.pooling);
  m.mutable_idf()->Add(w.idf.begin(), w.idf.end());
  m.set_output(w.output);
  return m;
}

void TfidfVector(const std::vector<FeatureHit>& hits, const std::vector<float>& idf, size_t num_features,
                 std::vector<TfidfEntry>* out) {
  out->clear();
  absl::flat_hash_map<int32_t, size_t> index;
  index.reserve(hits.size());
  for (const FeatureHit& h : hits) {
    auto [it, added] = index.emplace(h.id, out->size());
    if (added) {
      out->push_back({h.id, 1, 0.0f});
    } else {
      ++(*out)[it->second].count;
    }
  }
  double norm[2] = {0, 0};
  for (TfidfEntry& e : *out) {
    e.value = static_cast<float>((1.0 + std::log(static_cast<double>(e.count))) * idf[static_cast<size_t>(e.id)]);
    norm[static_cast<size_t>(e.id) >= num_features] += static_cast<double>(e.value) * e.value;
  }
  for (double& n : norm) n = n > 0 ? 1.0 / std::sqrt(n) : 0.0;
  for (TfidfEntry& e : *out) e.value = static_cast<float>(e.value * norm[static_cast<size_t>(e.id) >= num_features]);
}

absl::StatusOr<BagWeights> FromProto(const burnout::v1::TextBagModel& m,
                                     const std::string& origin) {
  auto bad = [&origin](auto&&... parts) {
    return absl::DataLossError(absl::StrCat(origin, ": ", parts...));
  };
  if (m.tokenizer() != kTokenizerVersion) {
    return absl::FailedPreconditionError(absl::StrCat(origin, ": tokenizer is \"", m.tokenizer(),
                                                      "\", this build implements \"",
                                                      kTokenizerVersion, "\""));
  }
  const int labels = m.labels_size();
  if (labels < 2) return bad("needs at least 2 labels, has ", labels);
  absl::flat_hash_set<std::string> seen;
  for (const auto& l : m.labels()) {
    if (l.empty() || !seen.insert(l).second) return bad("label \"", l, "\" is empty or repeated");
  }
  const int dim = m.embedding_dim();
  if (dim < 1 || dim > kMaxDim) return bad("embedding_dim ", dim, " is outside [1, ", kMaxDim, "]");
  const uint64_t rows = static_cast<uint64_t>(m.features_size()) + m.subwords_size();
  if (m.num_unigrams() < 0 || m.num_unigrams() > m.features_size()) {
    return bad("num_unigrams ", m.num_unigrams(), " is outside [0, ", m.features_size(), "]");
  }
  if (m.embeddings_q8().size() != rows * dim) {
    return bad("embeddings_q8 has ", m.embeddings_q8().size(), " bytes, expected ", rows, " x ",
               dim);
  }
  if (static_cast<uint64_t>(m.row_scales_size()) != rows) {
    return bad("row_scales has ", m.row_scales_size(), " values, expected ", rows);
  }
  if (m.output_weights_size() != labels * dim) {
    return bad("output_weights has ", m.output_weights_size(), " values, expected ", labels, " x ",
               dim);
  }
  if (m.output_bias_size() != labels) {
    return bad("output_bias has ", m.output_bias_size(), " values, expected ", labels);
  }
  if (m.thresholds_size() != labels) {
    return bad("thresholds has ", m.thresholds_size(), " values, expected ", labels);
  }
  if (!AllInRange(m.row_scales()) || !AllInRange(m.output_weights()) ||
      !AllInRange(m.output_bias()) || !AllInRange(m.thresholds())) {
    return bad("contains a non-finite number or one beyond +-", kMaxAbsValue);
  }
  for (float s : m.row_scales()) {
    if (s < 0) return bad("negative row scale");
  }
  if (!std::isfinite(m.length_exponent()) || m.length_exponent() < 0 || m.length_exponent() > 1) {
    return bad("length_exponent ", m.length_exponent(), " is outside [0, 1]");
  }
  for (float t : m.thresholds()) {
    if (t < 0 || t > 1) return bad("threshold ", t, " is outside [0, 1]");
  }
  if (!burnout::v1::TextBagModel::Pooling_IsValid(m.pooling()) ||
      !burnout::v1::TextBagModel::Output_IsValid(m.output())) {
    return bad("unknown pooling or output");
  }
  if (m.pooling() == burnout::v1::TextBagModel::POOLING_TFIDF) {
    if (static_cast<uint64_t>(m.idf_size()) != rows) return bad("idf has ", m.idf_size(), " values, expected ", rows);
    for (float v : m.idf()) {
      if (!std::isfinite(v) || v <= 0 || v > 100) return bad("idf ", v, " is outside (0, 100]");
    }
  } else if (m.idf_size() != 0) {
    return bad("idf is only for TFIDF pooling");
  }
  BagWeights w;
  w.tokenizer = m.tokenizer();
  w.labels.assign(m.labels().begin(), m.labels().end());
  w.dim = dim;
  w.features.assign(m.features().begin(), m.features().end());
  w.num_unigrams = m.num_unigrams();
  w.subwords.assign(m.subwords().begin(), m.subwords().end());
  w.subword_spec = SubwordSpec{m.subword_min_n(), m.subword_max_n(), m.subword_weight()};
  w.embeddings.resize(rows * dim);
  const std::string& q = m.embeddings_q8();
  for (uint64_t r = 0; r < rows; ++r) {
    const float scale = m.row_scales(static_cast<int>(r));
    for (int j = 0; j < dim; ++j) {
      w.embeddings[r * dim + j] = static_cast<int8_t>(q[r * dim + j]) * scale;
    }
  }
  w.output_weights.assign(m.output_weights().begin(), m.output_weights().end());
  w.output_bias.assign(m.output_bias().begin(), m.output_bias().end());
  w.thresholds.assign(m.thresholds().begin(), m.thresholds().end());
  w.length_exponent = m.length_exponent();
  w.pooling = m.pooling();
  w.idf.assign(m.idf().begin(), m.idf().end());
  w.output = m.output();
  return w;
}

absl::StatusOr<BagWeights> ReadBagModelFile(const std::string& path) {
  std::string bytes;
  BR_RETURN_IF_ERROR(config::ReadFile(path, &bytes));
  burnout::v1::TextBagModel m;
  if (!m.ParseFromString(bytes)) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a burnout.v1.TextBagModel (truncated or corrupt)"));
  }
  return FromProto(m, path);
}

absl::Status WriteBagModelFile(const std::string& path, const BagWeights& w) {
  std::string bytes;
  if (!ToProto(w).SerializeToString(&bytes)) {
    return absl::InternalError(absl::StrCat("cannot serialise the model for ", path));
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<BagScorer> BagScorer::Create(BagWeights w) {
  const size_t labels = w.labels.size();
  const size_t dim = static_cast<size_t>(w.dim);
  if (labels == 0 || dim == 0 || w.embeddings.size() != w.rows() * dim ||
      w.output_weights.size() != labels * dim || w.output_bias.size() != labels ||
      w.thresholds.size() != labels ||
      (w.pooling == burnout::v1::TextBagModel::POOLING_TFIDF && w.idf.size() != w.rows())) {
    return absl::InvalidArgumentError("bag model weights have inconsistent sizes");
  }
  BagScorer s;
  BR_ASSIGN_OR_RETURN(s.vocab_,
                      FeatureVocab::Create(w.features, w.num_unigrams, w.subwords, w.subword_spec));
  s.feature_logits_.assign(w.rows() * labels, 0.0f);
  for (size_t f = 0; f < w.rows(); ++f) {
    const float* e = &w.embeddings[f * dim];
    for (size_t l = 0; l < labels; ++l) {
      const float* wl = &w.output_weights[l * dim];
      double acc = 0;
      for (size_t j = 0; j < dim; ++j) acc += static_cast<double>(wl[j]) * e[j];
      s.feature_logits_[f * labels + l] = static_cast<float>(acc);
    }
  }
  s.weights_ = std::move(w);
  return s;
}

void BagScorer::Score(std::string_view text, Output* out) const {
  const size_t labels = weights_.labels.size();
  const size_t dim = static_cast<size_t>(weights_.dim);
  out->tokens = Tokenize(text);
  out->hits.clear();
  out->known_tokens = vocab_.Extract(out->tokens, &out->hits);
  out->embedding.assign(dim, 0.0f);
  out->logits.assign(weights_.output_bias.begin(), weights_.output_bias.end());
  out->hit_scale = 0;
  if (weights_.pooling == burnout::v1::TextBagModel::POOLING_TFIDF) {
    thread_local std::vector<TfidfEntry> x;
    TfidfVector(out->hits, weights_.idf, weights_.features.size(), &x);
    out->hit_scale = 1;
    for (const TfidfEntry& t : x) {
      const float* e = &weights_.embeddings[static_cast<size_t>(t.id) * dim];
      for (size_t j = 0; j < dim; ++j) out->embedding[j] += e[j] * t.value;
      const float* fl = feature_logits(t.id);
      for (size_t l = 0; l < labels; ++l) out->logits[l] += fl[l] * t.value;
    }
    // Each occurrence carries its share of the feature's value, so evidence sums stay exact.
    absl::flat_hash_map<int32_t, float> share;
    share.reserve(x.size());
    for (const TfidfEntry& t : x) share.emplace(t.id, t.value / static_cast<float>(t.count));
    for (FeatureHit& h : out->hits) h.weight = share[h.id];
  } else {
    float n = 0;
    for (const FeatureHit& h : out->hits) n += h.weight;
    if (n > 0) {
      out->hit_scale = std::pow(n, -weights_.length_exponent);
      for (const FeatureHit& h : out->hits) {
        const float* e = &weights_.embeddings[static_cast<size_t>(h.id) * dim];
        const float to_mean = h.weight / n;
        for (size_t j = 0; j < dim; ++j) out->embedding[j] += e[j] * to_mean;
        const float* fl = feature_logits(h.id);
        const float scale = h.weight * out->hit_scale;
        for (size_t l = 0; l < labels; ++l) out->logits[l] += fl[l] * scale;
      }
    }
  }
  out->probabilities.resize(labels);
  double total = 0;
  if (weights_.output == burnout::v1::TextBagModel::OUTPUT_SIGMOID_NORMALISED) {
    for (size_t l = 0; l < labels; ++l) {
      out->probabilities[l] = static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(out->logits[l]))));
      total += out->probabilities[l];
    }
  } else {
    const float max_logit = *std::max_element(out->logits.begin(), out->logits.end());
    for (size_t l = 0; l < labels; ++l) {
      out->probabilities[l] = std::exp(out->logits[l] - max_logit);
      total += out->probabilities[l];
    }
  }
  for (float& p : out->probabilities) p = static_cast<float>(p / total);
}

}  // namespace burnout::text
