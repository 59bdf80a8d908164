// burnout-train-text: trains the default text emotion model on GoEmotions mapped to 7 labels
// and writes a "text-bag" model directory.
//
//   burnout-train-text --out_dir=models/text-emotion-goemotions/1 [--data_dir=...] [--seed=1]
//
// Model (TextBagModel in model.proto, TFIDF pooling, normalised one-vs-rest sigmoids): a text's
// tokens, token pairs and character 3-5-grams of its words as TF-IDF values (sublinear counts,
// smoothed idf, each block L2-normalised), and per label a logistic regression over them with
// naive-Bayes feature scaling (NB-LR, Wang & Manning 2012: each feature scaled by its log-count
// ratio between the label's texts and the others, L2-regularised, fitted by L-BFGS). Per-label
// decision thresholds are tuned on out-of-fold predictions over the whole train split (--folds
// fits, each on the other folds), then the model is fitted on all of it. dev.tsv is measured
// once, at the end, through TextModel::Load. Logits are linear in the features, so each word's
// push on each emotion is exact. Deterministic: one libtorch thread, a fixed seed.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"
#include "services/text/bag_model.h"
#include "services/text/evaluate.h"
#include "services/text/goemotions.h"
#include "services/text/text_metrics.h"
#include "services/text/text_model.h"

ABSL_FLAG(std::string, data_dir, BURNOUT_SOURCE_DIR "/../shared/data/goemotions",
          "GoEmotions directory (train.tsv, dev.tsv, emotions.txt, ekman_mapping.json); the "
          "default is ../shared/data/goemotions relative to the repository root");
ABSL_FLAG(std::string, out_dir, "", "model directory to write (created if missing); required");
ABSL_FLAG(uint64_t, seed, 1, "seed of the fold assignment");
ABSL_FLAG(int, folds, 5, "cross-validation folds for the out-of-fold thresholds");
ABSL_FLAG(double, c, 1.0,
          "inverse L2 strength: loss = C * sum of log-losses + |w|^2 / 2 (liblinear's); 1 has the best out-of-fold "
          "macro-F1 among 0.5, 0.7 and 1 (services/text/README.md)");
ABSL_FLAG(double, nb_alpha, 1.0, "smoothing of the naive-Bayes log-count ratios");
ABSL_FLAG(int, max_iterations, 300, "L-BFGS iterations per fit");
ABSL_FLAG(int, min_count, 2, "minimum count of a token to enter the vocabulary");
ABSL_FLAG(int, min_pair_count, 2, "minimum count of a token pair to enter the vocabulary");
ABSL_FLAG(int, subword_min_n, 3, "shortest character n-gram feature (0: none)");
ABSL_FLAG(int, subword_max_n, 5, "longest character n-gram feature");
ABSL_FLAG(int, min_subword_count, 3, "minimum count of a character n-gram to enter the vocabulary");
ABSL_FLAG(int, max_rows, 0, "use only the first rows of train.tsv (0 = all)");

namespace burnout::text {
namespace {

constexpr char kModelFile[] = "text_bag.pb";

// Deterministic Fisher-Yates (std::shuffle's algorithm is implementation-defined).
template <typename T>
void Shuffle(std::vector<T>* v, std::mt19937_64* rng) {
  for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[(*rng)() % i]);
}

// Tokens, pairs and subwords seen at least their --min_*count times; most frequent first,
// ties by string, so the vocabulary depends only on the data and the flags.
absl::StatusOr<FeatureVocab> BuildVocab(const std::vector<Example>& rows) {
  const SubwordSpec spec{absl::GetFlag(FLAGS_subword_min_n), absl::GetFlag(FLAGS_subword_max_n), 1.0f};
  absl::flat_hash_map<std::string, int> uni, pair, subword;
  std::vector<std::string> grams;
  for (const Example& ex : rows) {
    const std::vector<Token> tokens = Tokenize(ex.text);
    for (const Token& t : tokens) {
      ++uni[t.text];
      if (!HasSubwords(t)) continue;
      grams.clear();
      AppendSubwords(t.text, spec.min_n, spec.max_n, &grams);
      for (const std::string& g : grams) ++subword[g];
    }
    for (size_t i = 0; i + 1 < tokens.size(); ++i) ++pair[PairFeature(tokens[i].text, tokens[i + 1].text)];
  }
  auto select = [](const absl::flat_hash_map<std::string, int>& counts, int min_count) {
    std::vector<std::pair<int, std::string>> kept;
    for (const auto& [s, c] : counts) {
      if (c >= min_count) kept.emplace_back(-c, s);
    }
    std::sort(kept.begin(), kept.end());
    std::vector<std::string> out;
    for (auto& [c, s] : kept) out.push_back(std::move(s));
    return out;
  };
  std::vector<std::string> features = select(uni, absl::GetFlag(FLAGS_min_count));
  const int num_unigrams = static_cast<int>(features.size());
  for (auto& s : select(pair, absl::GetFlag(FLAGS_min_pair_count))) features.push_back(s);
  std::vector<std::string> subwords;
  if (spec.min_n > 0) subwords = select(subword, absl::GetFlag(FLAGS_min_subword_count));
  return FeatureVocab::Create(std::move(features), num_unigrams, std::move(subwords), spec);
}

// The training rows as inference sees them: sparse TF-IDF vectors (CSR) and gold label sets.
struct Encoded {
  std::vector<int64_t> row_start;  // rows + 1
  std::vector<int64_t> cols;
  std::vector<float> values;
  std::vector<uint32_t> gold;
  size_t rows() const { return gold.size(); }
};

std::vector<float> SmoothedIdf(const std::vector<Example>& rows, const FeatureVocab& vocab) {
  std::vector<int> df(static_cast<size_t>(vocab.rows()), 0);
  std::vector<FeatureHit> hits;
  std::vector<int32_t> seen;
  for (const Example& ex : rows) {
    hits.clear();
    vocab.Extract(Tokenize(ex.text), &hits);
    seen.clear();
    for (const FeatureHit& h : hits) seen.push_back(h.id);
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (int32_t id : seen) ++df[static_cast<size_t>(id)];
  }
  std::vector<float> idf(df.size());
  const double n = static_cast<double>(rows.size());
  for (size_t i = 0; i < df.size(); ++i) idf[i] = static_cast<float>(std::log((1.0 + n) / (1.0 + df[i])) + 1.0);
  return idf;
}

Encoded Encode(const std::vector<Example>& rows, const FeatureVocab& vocab, const std::vector<float>& idf) {
  Encoded e;
  e.row_start.push_back(0);
  std::vector<FeatureHit> hits;
  std::vector<TfidfEntry> x;
  for (const Example& ex : rows) {
    hits.clear();
    vocab.Extract(Tokenize(ex.text), &hits);
    TfidfVector(hits, idf, vocab.features().size(), &x);
    std::sort(x.begin(), x.end(), [](const TfidfEntry& a, const TfidfEntry& b) { return a.id < b.id; });
    for (const TfidfEntry& t : x) {
      e.cols.push_back(t.id);
      e.values.push_back(t.value);
    }
    e.row_start.push_back(static_cast<int64_t>(e.cols.size()));
    e.gold.push_back(ex.labels);
  }
  return e;
}

struct Fit {
  torch::Tensor weights;  // features x labels: the effective per-feature logit weights (NB ratio x w)
  torch::Tensor bias;     // labels
};

// NB-LR on the rows `subset` of `data` (all labels at once; their objectives are independent).
Fit TrainNbLr(const Encoded& data, const std::vector<size_t>& subset, int64_t features, int labels) {
  std::vector<int64_t> idx_r, idx_c;
  std::vector<float> vals, target;
  for (size_t k = 0; k < subset.size(); ++k) {
    const size_t i = subset[k];
    for (int64_t j = data.row_start[i]; j < data.row_start[i + 1]; ++j) {
      idx_r.push_back(static_cast<int64_t>(k));
      idx_c.push_back(data.cols[static_cast<size_t>(j)]);
      vals.push_back(data.values[static_cast<size_t>(j)]);
    }
    for (int l = 0; l < labels; ++l) target.push_back((data.gold[i] >> l & 1u) ? 1.0f : 0.0f);
  }
  const int64_t n = static_cast<int64_t>(subset.size());
  auto long_opts = torch::TensorOptions().dtype(torch::kInt64);
  torch::Tensor indices = torch::stack({torch::tensor(idx_r, long_opts), torch::tensor(idx_c, long_opts)});
  torch::Tensor x = torch::sparse_coo_tensor(indices, torch::tensor(vals), {n, features}).coalesce();
  torch::Tensor y = torch::tensor(target).view({n, labels});
  // Naive-Bayes log-count ratios per feature and label: r = log(p / |p|_1) - log(q / |q|_1),
  // p = alpha + the feature's summed values over the label's texts, q over the other texts.
  const double alpha = absl::GetFlag(FLAGS_nb_alpha);
  torch::Tensor xt = x.t();
  torch::Tensor pos = torch::mm(xt, y) + alpha;                 // features x labels
  torch::Tensor neg = torch::mm(xt, 1.0 - y) + alpha;
  torch::Tensor ratio = torch::log(pos / pos.sum(0, true)) - torch::log(neg / neg.sum(0, true));
  torch::Tensor w = torch::zeros({features, labels}, torch::requires_grad());
  torch::Tensor b = torch::zeros({labels}, torch::requires_grad());
  const double c = absl::GetFlag(FLAGS_c);
  torch::optim::LBFGS optimizer({w, b}, torch::optim::LBFGSOptions(1.0)
                                            .max_iter(absl::GetFlag(FLAGS_max_iterations))
                                            .history_size(20)
                                            .tolerance_grad(1e-5)
                                            .tolerance_change(1e-9)
                                            .line_search_fn("strong_wolfe"));
  auto closure = [&]() {
    optimizer.zero_grad();
    torch::Tensor z = torch::mm(x, ratio * w) + b;
    torch::Tensor loss = c * torch::binary_cross_entropy_with_logits(z, y, {}, {}, at::Reduction::Sum) +
                         0.5 * (w.pow(2).sum() + b.pow(2).sum());
    loss.backward();
    return loss;
  };
  optimizer.step(closure);
  torch::NoGradGuard no_grad;
  return Fit{(ratio * w).detach().contiguous(), b.detach().contiguous()};
}

// The logits z = x.w + b of rows `subset` under `fit`.
std::vector<std::vector<float>> Logits(const Encoded& data, const std::vector<size_t>& subset, const Fit& fit,
                                       int labels) {
  const float* w = fit.weights.data_ptr<float>();
  const float* b = fit.bias.data_ptr<float>();
  std::vector<std::vector<float>> out;
  std::vector<double> z(static_cast<size_t>(labels));
  for (size_t i : subset) {
    for (int l = 0; l < labels; ++l) z[l] = b[l];
    for (int64_t j = data.row_start[i]; j < data.row_start[i + 1]; ++j) {
      const float v = data.values[static_cast<size_t>(j)];
      const float* row = w + data.cols[static_cast<size_t>(j)] * labels;
      for (int l = 0; l < labels; ++l) z[l] += static_cast<double>(v) * row[l];
    }
    out.emplace_back(z.begin(), z.end());
  }
  return out;
}

// Normalised one-vs-rest sigmoids of logits shifted by -`shift` (as BagScorer computes them
// from the stored bias, which has the shift folded in).
std::vector<std::vector<float>> Normalised(const std::vector<std::vector<float>>& logits,
                                           const std::vector<double>& shift) {
  std::vector<std::vector<float>> out;
  out.reserve(logits.size());
  for (const auto& z : logits) {
    std::vector<float> p(z.size());
    double total = 0;
    for (size_t l = 0; l < z.size(); ++l) total += p[l] = static_cast<float>(1.0 / (1.0 + std::exp(shift[l] - z[l])));
    for (float& v : p) v = static_cast<float>(v / total);
    out.push_back(std::move(p));
  }
  return out;
}

// Prior correction. Reddit comments are a third joy, so joy's sigmoid is high for any text and
// its tuned threshold the highest: the top probability would be the frequent label, not the
// one the evidence favours ("I'm furious, this is outrageous" came out joy, though only anger
// passed its threshold). Each label's logit is shifted by the log of its out-of-fold
// threshold (relative to their geometric mean), and the thresholds are tuned again, three
// times: the thresholds end up close to each other, and the top emotion is the one furthest
// past its own. Per-label decisions barely change (a monotone shift per label).
std::vector<double> PriorShift(const std::vector<std::vector<float>>& oof_logits, const std::vector<uint32_t>& gold,
                               int labels) {
  std::vector<double> shift(static_cast<size_t>(labels), 0.0);
  for (int round = 0; round < 3; ++round) {
    const std::vector<float> t = TuneThresholds(Normalised(oof_logits, shift), gold, labels);
    double mean_log = 0;
    for (float v : t) mean_log += std::log(std::max(v, 1e-3f)) / labels;
    for (int l = 0; l < labels; ++l) shift[l] += std::log(std::max(t[l], 1e-3f)) - mean_log;
  }
  return shift;
}

// A path under the source tree as the repository spells it, so the manifest names no machine.
std::string SourceRelative(const std::string& path) {
  const std::string root = std::string(BURNOUT_SOURCE_DIR) + "/";
  return path.rfind(root, 0) == 0 ? path.substr(root.size()) : path;
}

std::string ProgramLine() {
  return absl::StrCat(
      "burnout-train-text --data_dir=", SourceRelative(absl::GetFlag(FLAGS_data_dir)), " --out_dir=", absl::GetFlag(FLAGS_out_dir),
      " --seed=", absl::GetFlag(FLAGS_seed), " --folds=", absl::GetFlag(FLAGS_folds), " --c=", absl::GetFlag(FLAGS_c),
      " --nb_alpha=", absl::GetFlag(FLAGS_nb_alpha), " --max_iterations=", absl::GetFlag(FLAGS_max_iterations),
      " --min_count=", absl::GetFlag(FLAGS_min_count), " --min_pair_count=", absl::GetFlag(FLAGS_min_pair_count),
      " --subword_min_n=", absl::GetFlag(FLAGS_subword_min_n), " --subword_max_n=", absl::GetFlag(FLAGS_subword_max_n),
      " --min_subword_count=", absl::GetFlag(FLAGS_min_subword_count), " --max_rows=", absl::GetFlag(FLAGS_max_rows));
}

void AddMetric(burnout::v1::TrainingRecord* r, const std::string& name, double value, const std::string& split) {
  auto* m = r->add_metrics();
  m->set_name(name);
  m->set_value(value);
  m->set_split(split);
}

absl::Status Run() {
  const auto start = std::chrono::steady_clock::now();
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  const std::string out_dir = absl::GetFlag(FLAGS_out_dir);
  if (out_dir.empty()) return absl::InvalidArgumentError("--out_dir is required");
  const int folds = absl::GetFlag(FLAGS_folds);
  if (folds < 2 || !(absl::GetFlag(FLAGS_c) > 0) || !(absl::GetFlag(FLAGS_nb_alpha) > 0) ||
      absl::GetFlag(FLAGS_max_iterations) < 1) {
    return absl::InvalidArgumentError("need --folds >= 2, --c > 0, --nb_alpha > 0 and --max_iterations >= 1");
  }
  BR_RETURN_IF_ERROR(CheckDataDir(data_dir));
  torch::manual_seed(absl::GetFlag(FLAGS_seed));
  torch::set_num_threads(1);  // sums in one order: the output is byte-identical from run to run
  std::mt19937_64 rng(absl::GetFlag(FLAGS_seed));

  BR_ASSIGN_OR_RETURN(std::vector<Example> rows, LoadGoEmotions(data_dir, "train", absl::GetFlag(FLAGS_max_rows)));
  Shuffle(&rows, &rng);
  if (rows.size() < static_cast<size_t>(folds) * 10) return absl::InvalidArgumentError("too few training rows");
  BR_ASSIGN_OR_RETURN(FeatureVocab vocab, BuildVocab(rows));
  const int labels = static_cast<int>(EkmanLabels().size());
  const int64_t features = vocab.rows();
  std::printf("%zu training rows; vocabulary %d tokens + %zu pairs + %zu subwords\n", rows.size(),
              vocab.num_unigrams(), vocab.features().size() - vocab.num_unigrams(), vocab.subwords().size());
  const std::vector<float> idf = SmoothedIdf(rows, vocab);
  const Encoded data = Encode(rows, vocab, idf);

  // Out-of-fold predictions for the thresholds, then the model on every row.
  std::vector<std::vector<float>> oof(rows.size());
  Fit final_fit;
  try {
    for (int k = 0; k < folds; ++k) {
      std::vector<size_t> train, held;
      for (size_t i = 0; i < rows.size(); ++i) (static_cast<int>(i % folds) == k ? held : train).push_back(i);
      const auto t0 = std::chrono::steady_clock::now();
      const Fit fit = TrainNbLr(data, train, features, labels);
      auto p = Logits(data, held, fit, labels);
      for (size_t j = 0; j < held.size(); ++j) oof[held[j]] = std::move(p[j]);
      std::printf("fold %d of %d: %.1f s\n", k + 1, folds,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      std::fflush(stdout);
    }
    std::vector<size_t> all(rows.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    final_fit = TrainNbLr(data, all, features, labels);
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("libtorch: ", e.what_without_backtrace()));
  }
  std::vector<uint32_t> gold(data.gold);
  const std::vector<double> shift = PriorShift(oof, gold, labels);
  const std::vector<std::vector<float>> oof_p = Normalised(oof, shift);
  const std::vector<float> thresholds = TuneThresholds(oof_p, gold, labels);
  MultiLabelScorer oof_scorer(labels);
  for (size_t i = 0; i < oof_p.size(); ++i) oof_scorer.Add(gold[i], PredictLabels(oof_p[i], thresholds));

  // The bag model: one embedding row per feature holding its per-label weights, W the identity.
  BagWeights weights;
  weights.labels = EkmanLabels();
  weights.dim = labels;
  weights.features = vocab.features();
  weights.num_unigrams = vocab.num_unigrams();
  weights.subwords = vocab.subwords();
  weights.subword_spec = vocab.subword_spec();
  const float* fw = final_fit.weights.data_ptr<float>();
  weights.embeddings.assign(fw, fw + features * labels);
  weights.output_weights.assign(static_cast<size_t>(labels * labels), 0.0f);
  for (int l = 0; l < labels; ++l) weights.output_weights[static_cast<size_t>(l * labels + l)] = 1.0f;
  const float* fb = final_fit.bias.data_ptr<float>();
  weights.output_bias.assign(fb, fb + labels);
  for (int l = 0; l < labels; ++l) weights.output_bias[static_cast<size_t>(l)] -= static_cast<float>(shift[l]);
  weights.thresholds = thresholds;
  weights.length_exponent = 0.0f;
  weights.pooling = burnout::v1::TextBagModel::POOLING_TFIDF;
  weights.idf = idf;
  weights.output = burnout::v1::TextBagModel::OUTPUT_SIGMOID_NORMALISED;

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", out_dir, ": ", ec.message()));
  BR_RETURN_IF_ERROR(WriteBagModelFile((std::filesystem::path(out_dir) / kModelFile).string(), weights));
  burnout::v1::ModelManifest manifest;
  manifest.set_name("text-emotion-goemotions");
  manifest.set_version("1");
  manifest.set_kind(kTextModelKind);
  manifest.set_file(kModelFile);
  manifest.mutable_text()->set_embedding_dim(weights.dim);
  manifest.mutable_text()->set_vocab_size(static_cast<int>(weights.rows()));
  for (const auto& l : weights.labels) manifest.mutable_text()->add_emotion_labels(l);
  auto* record = manifest.mutable_training();
  record->set_seed(absl::GetFlag(FLAGS_seed));
  record->set_data(kGoEmotionsCredit);
  record->set_program(ProgramLine());
  BR_RETURN_IF_ERROR(model::WriteManifest(out_dir, manifest));

  // Measure through the real loader, then record the figures in the manifest.
  BR_ASSIGN_OR_RETURN(std::unique_ptr<TextModel> model, TextModel::Load(out_dir));
  BR_ASSIGN_OR_RETURN(std::vector<Example> dev, LoadGoEmotions(data_dir, "dev"));
  const EvalReport report = Evaluate(*model, dev);
  AddMetric(record, "dev_macro_f1", report.scorer.MacroF1(), "dev");
  for (int l = 0; l < labels; ++l) {
    AddMetric(record, absl::StrCat("dev_f1_", EkmanLabels()[l]), report.scorer.label(l).f1(), "dev");
  }
  AddMetric(record, "oof_macro_f1", oof_scorer.MacroF1(), absl::StrCat("train, ", folds, "-fold out-of-fold"));
  BR_RETURN_IF_ERROR(model::WriteManifest(out_dir, manifest));
  std::printf("dev macro-F1 %.4f (%d rows), out-of-fold macro-F1 %.4f; wrote %s in %.1f s\n", report.scorer.MacroF1(),
              report.rows, oof_scorer.MacroF1(), out_dir.c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return absl::OkStatus();
}

}  // namespace
}  // namespace burnout::text

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Status s = burnout::text::Run();
  if (!s.ok()) {
    std::fprintf(stderr, "burnout-train-text: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
