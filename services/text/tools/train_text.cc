// burnout-train-text: trains the default text emotion model (a fastText-style bag of tokens,
// token pairs and character n-grams) on GoEmotions mapped to 7 labels and writes a "text-bag"
// model directory.
//
//   burnout-train-text --out_dir=models/text-emotion-goemotions/1 [--data_dir=...] [--seed=1]
//
// Model (see TextBagModel in model.proto): logits = W (sum of weighted feature embeddings) /
// n^0.5 + b, trained with SGD (or Adam) on soft multi-label targets (each of k gold labels gets
// 1/k) under class-weighted cross-entropy; --ensemble members are merged into one bag model.
// 10% of the train split (chosen by --seed) is held out to pick each member's epoch and tune
// the per-label thresholds; dev.tsv is only measured, once, at the end, through TextModel::Load.
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
ABSL_FLAG(uint64_t, seed, 1, "seed of the split, the initialisation and the batch order");
ABSL_FLAG(int, dim, 16, "embedding dimension of one ensemble member");
ABSL_FLAG(int, ensemble, 4, "members trained and merged; the model's dimension is dim x ensemble");
ABSL_FLAG(int, epochs, 6, "passes over the training rows");
ABSL_FLAG(int, batch_size, 32, "rows per optimiser step");
ABSL_FLAG(std::string, optimizer, "sgd", "sgd, adam or adamw");
ABSL_FLAG(double, lr, 2.0, "learning rate, decayed linearly to 0 over training");
ABSL_FLAG(double, weight_decay, 0.0, "L2 penalty on all weights");
ABSL_FLAG(double, length_exponent, 0.5,
          "pooling: logits = W (sum of feature embeddings) / n^length_exponent + b");
ABSL_FLAG(double, feature_dropout, 0.0, "training-time probability of dropping a feature");
ABSL_FLAG(int, min_count, 2, "minimum count of a token to enter the vocabulary");
ABSL_FLAG(int, min_pair_count, 3, "minimum count of a token pair to enter the vocabulary");
ABSL_FLAG(int, subword_min_n, 3, "shortest character n-gram feature (0: none)");
ABSL_FLAG(int, subword_max_n, 5, "longest character n-gram feature");
ABSL_FLAG(int, min_subword_count, 5, "minimum count of a character n-gram to enter the vocabulary");
ABSL_FLAG(double, subword_weight, 1.0, "total weight of one word's character n-grams");
ABSL_FLAG(double, class_weight_power, 0.5, "label weight = (mean frequency / frequency)^power");
ABSL_FLAG(double, holdout_fraction, 0.1, "share of train rows held out for epochs/thresholds");
ABSL_FLAG(int, max_rows, 0, "use only the first rows of train.tsv (0 = all)");
ABSL_FLAG(int, threads, 2, "libtorch intra-op threads");

namespace burnout::text {
namespace {

constexpr char kModelFile[] = "text_bag.pb";

struct Encoded {
  std::vector<int64_t> ids;  // feature rows, as inference extracts them
  std::vector<float> weights;
  std::vector<float> target;  // soft target over labels
  uint32_t gold = 0;
};

struct Params {
  torch::Tensor emb, w, b;
};

// Deterministic Fisher-Yates (std::shuffle's algorithm is implementation-defined).
template <typename T>
void Shuffle(std::vector<T>* v, std::mt19937_64* rng) {
  for (size_t i = v->size(); i > 1; --i) std::swap((*v)[i - 1], (*v)[(*rng)() % i]);
}

// Tokens, pairs and subwords seen at least their --min_*count times; most frequent first,
// ties by string, so the vocabulary depends only on the data and the flags.
absl::StatusOr<FeatureVocab> BuildVocab(const std::vector<Example>& rows) {
  const SubwordSpec spec{absl::GetFlag(FLAGS_subword_min_n), absl::GetFlag(FLAGS_subword_max_n),
                         static_cast<float>(absl::GetFlag(FLAGS_subword_weight))};
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
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      ++pair[PairFeature(tokens[i].text, tokens[i + 1].text)];
    }
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

std::vector<Encoded> Encode(const std::vector<Example>& rows, const FeatureVocab& vocab,
                            int labels) {
  std::vector<Encoded> out;
  std::vector<FeatureHit> hits;
  for (const Example& ex : rows) {
    Encoded e;
    hits.clear();
    vocab.Extract(Tokenize(ex.text), &hits);
    for (const FeatureHit& h : hits) {
      e.ids.push_back(h.id);
      e.weights.push_back(h.weight);
    }
    e.gold = ex.labels;
    const float share = 1.0f / static_cast<float>(__builtin_popcount(ex.labels));
    for (int l = 0; l < labels; ++l) e.target.push_back((ex.labels >> l & 1u) ? share : 0.0f);
    out.push_back(std::move(e));
  }
  return out;
}

// Logits of rows[order[begin..end)]: pooled embedding rows, then the linear layer. With
// `rng`, each feature is dropped with probability --feature_dropout (training only).
torch::Tensor Forward(const Params& p, const std::vector<Encoded>& rows,
                      const std::vector<size_t>& order, size_t begin, size_t end,
                      std::mt19937_64* rng = nullptr) {
  const double drop = rng ? absl::GetFlag(FLAGS_feature_dropout) : 0.0;
  const float exponent = static_cast<float>(absl::GetFlag(FLAGS_length_exponent));
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<int64_t> ids, bag;
  std::vector<float> weights, inv_len;
  for (size_t i = begin; i < end; ++i) {
    const Encoded& e = rows[order[i]];
    float kept = 0;
    for (size_t k = 0; k < e.ids.size(); ++k) {
      if (drop > 0 && uniform(*rng) < drop) continue;
      ids.push_back(e.ids[k]);
      weights.push_back(e.weights[k]);
      bag.push_back(static_cast<int64_t>(i - begin));
      kept += e.weights[k];
    }
    inv_len.push_back(kept > 0 ? std::pow(kept, -exponent) : 0.0f);
  }
  const int64_t n = static_cast<int64_t>(end - begin);
  auto long_opts = torch::TensorOptions().dtype(torch::kInt64);
  torch::Tensor sum = torch::zeros({n, p.emb.size(1)});
  if (!ids.empty()) {
    torch::Tensor rows_t =
        p.emb.index_select(0, torch::tensor(ids, long_opts)) * torch::tensor(weights).unsqueeze(1);
    sum = sum.index_add(0, torch::tensor(bag, long_opts), rows_t);
  }
  torch::Tensor pooled = sum * torch::tensor(inv_len).unsqueeze(1);
  return torch::addmm(p.b, pooled, p.w.t());
}

// Probabilities of every row, in order, without gradients.
std::vector<std::vector<float>> Predict(const Params& p, const std::vector<Encoded>& rows) {
  torch::NoGradGuard no_grad;
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  torch::Tensor probs = torch::softmax(Forward(p, rows, order, 0, rows.size()), 1).contiguous();
  std::vector<std::vector<float>> out(rows.size());
  const float* data = probs.data_ptr<float>();
  const int64_t labels = probs.size(1);
  for (size_t i = 0; i < rows.size(); ++i)
    out[i].assign(data + i * labels, data + (i + 1) * labels);
  return out;
}

double TunedMacroF1(const std::vector<std::vector<float>>& probs, const std::vector<uint32_t>& gold,
                    int labels) {
  const std::vector<float> thresholds = TuneThresholds(probs, gold, labels);
  MultiLabelScorer scorer(labels);
  for (size_t i = 0; i < probs.size(); ++i)
    scorer.Add(gold[i], PredictLabels(probs[i], thresholds));
  return scorer.MacroF1();
}

// Trains one ensemble member; returns the parameters of the epoch with the best holdout
// macro-F1 (the last epoch when nothing is held out).
absl::StatusOr<Params> Train(const std::vector<Encoded>& train, const std::vector<Encoded>& holdout,
                             int vocab_size, int labels, std::mt19937_64* rng) {
  const int dim = absl::GetFlag(FLAGS_dim), epochs = absl::GetFlag(FLAGS_epochs);
  const size_t batch = static_cast<size_t>(std::max(1, absl::GetFlag(FLAGS_batch_size)));
  const double lr = absl::GetFlag(FLAGS_lr);
  std::vector<double> freq(labels, 0.0);
  for (const Encoded& e : train) {
    for (int l = 0; l < labels; ++l) freq[l] += e.target[l];
  }
  std::vector<float> class_weight(labels);
  for (int l = 0; l < labels; ++l) {
    const double mean = static_cast<double>(train.size()) / labels;
    class_weight[l] = static_cast<float>(
        std::pow(mean / std::max(freq[l], 1.0), absl::GetFlag(FLAGS_class_weight_power)));
  }
  const torch::Tensor weight_t = torch::tensor(class_weight);
  Params p;
  p.emb = torch::empty({vocab_size, dim}).uniform_(-1.0 / dim, 1.0 / dim).requires_grad_();
  p.w = torch::empty({labels, dim}).uniform_(-1.0 / std::sqrt(dim), 1.0 / std::sqrt(dim));
  p.w.requires_grad_();
  p.b = torch::zeros({labels}, torch::requires_grad());
  const std::string optimizer_name = absl::GetFlag(FLAGS_optimizer);
  const double wd = absl::GetFlag(FLAGS_weight_decay);
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (optimizer_name == "adam") {
    optimizer =
        std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{p.emb, p.w, p.b},
                                             torch::optim::AdamOptions(lr).weight_decay(wd));
  } else if (optimizer_name == "adamw") {
    optimizer =
        std::make_unique<torch::optim::AdamW>(std::vector<torch::Tensor>{p.emb, p.w, p.b},
                                              torch::optim::AdamWOptions(lr).weight_decay(wd));
  } else if (optimizer_name == "sgd") {
    optimizer = std::make_unique<torch::optim::SGD>(std::vector<torch::Tensor>{p.emb, p.w, p.b},
                                                    torch::optim::SGDOptions(lr).weight_decay(wd));
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown --optimizer ", optimizer_name));
  }
  std::vector<uint32_t> holdout_gold;
  for (const Encoded& e : holdout) holdout_gold.push_back(e.gold);
  std::vector<size_t> order(train.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const size_t total_steps = epochs * ((train.size() + batch - 1) / batch);
  size_t step = 0;
  double best_f1 = -1;
  Params best;
  for (int epoch = 1; epoch <= epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    Shuffle(&order, rng);
    double loss_sum = 0;
    for (size_t begin = 0; begin < order.size(); begin += batch, ++step) {
      const size_t end = std::min(order.size(), begin + batch);
      for (auto& group : optimizer->param_groups()) {
        group.options().set_lr(lr * (1.0 - static_cast<double>(step) / total_steps));
      }
      std::vector<float> target;
      for (size_t i = begin; i < end; ++i) {
        const auto& t = train[order[i]].target;
        target.insert(target.end(), t.begin(), t.end());
      }
      torch::Tensor target_t =
          torch::tensor(target).view({static_cast<int64_t>(end - begin), labels});
      torch::Tensor logp = torch::log_softmax(Forward(p, train, order, begin, end, rng), 1);
      torch::Tensor loss = -(target_t * weight_t * logp).sum(1).mean();
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();
      loss_sum += loss.item<double>() * static_cast<double>(end - begin);
    }
    const double f1 =
        holdout.empty() ? 0.0 : TunedMacroF1(Predict(p, holdout), holdout_gold, labels);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("epoch %d: train loss %.4f, holdout macro-F1 (tuned) %.4f, %.1f s\n", epoch,
                loss_sum / static_cast<double>(train.size()), f1, secs);
    std::fflush(stdout);
    if (holdout.empty() || f1 > best_f1) {
      best_f1 = f1;
      torch::NoGradGuard no_grad;
      best = Params{p.emb.detach().clone(), p.w.detach().clone(), p.b.detach().clone()};
    }
  }
  return best;
}

std::vector<float> ToVector(const torch::Tensor& t) {
  torch::Tensor c = t.contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// W and b centred across labels: the softmax is unchanged, and per-feature logit shares then
// say how much a feature favours a label over the others.
BagWeights ToWeights(const Params& p, const FeatureVocab& vocab) {
  BagWeights w;
  w.labels = EkmanLabels();
  w.dim = static_cast<int>(p.emb.size(1));
  w.features = vocab.features();
  w.num_unigrams = vocab.num_unigrams();
  w.subwords = vocab.subwords();
  w.subword_spec = vocab.subword_spec();
  w.embeddings = ToVector(p.emb);
  w.output_weights = ToVector(p.w - p.w.mean(0, true));
  w.output_bias = ToVector(p.b - p.b.mean());
  w.thresholds.assign(w.labels.size(), 0.5f);
  w.length_exponent = static_cast<float>(absl::GetFlag(FLAGS_length_exponent));
  return w;
}

std::string ProgramLine() {
  return absl::StrCat(
      "burnout-train-text --data_dir=", absl::GetFlag(FLAGS_data_dir),
      " --out_dir=", absl::GetFlag(FLAGS_out_dir), " --seed=", absl::GetFlag(FLAGS_seed),
      " --dim=", absl::GetFlag(FLAGS_dim), " --ensemble=", absl::GetFlag(FLAGS_ensemble),
      " --epochs=", absl::GetFlag(FLAGS_epochs), " --batch_size=", absl::GetFlag(FLAGS_batch_size),
      " --optimizer=", absl::GetFlag(FLAGS_optimizer), " --lr=", absl::GetFlag(FLAGS_lr),
      " --weight_decay=", absl::GetFlag(FLAGS_weight_decay),
      " --length_exponent=", absl::GetFlag(FLAGS_length_exponent),
      " --feature_dropout=", absl::GetFlag(FLAGS_feature_dropout),
      " --min_count=", absl::GetFlag(FLAGS_min_count),
      " --min_pair_count=", absl::GetFlag(FLAGS_min_pair_count),
      " --subword_min_n=", absl::GetFlag(FLAGS_subword_min_n),
      " --subword_max_n=", absl::GetFlag(FLAGS_subword_max_n),
      " --min_subword_count=", absl::GetFlag(FLAGS_min_subword_count),
      " --subword_weight=", absl::GetFlag(FLAGS_subword_weight),
      " --class_weight_power=", absl::GetFlag(FLAGS_class_weight_power),
      " --holdout_fraction=", absl::GetFlag(FLAGS_holdout_fraction),
      " --max_rows=", absl::GetFlag(FLAGS_max_rows), " --threads=", absl::GetFlag(FLAGS_threads));
}

void AddMetric(burnout::v1::TrainingRecord* r, const std::string& name, double value,
               const std::string& split) {
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
  if (absl::GetFlag(FLAGS_dim) < 1 || absl::GetFlag(FLAGS_ensemble) < 1 ||
      absl::GetFlag(FLAGS_epochs) < 1 || absl::GetFlag(FLAGS_batch_size) < 1 ||
      !(absl::GetFlag(FLAGS_lr) > 0) || absl::GetFlag(FLAGS_length_exponent) < 0 ||
      absl::GetFlag(FLAGS_length_exponent) > 1 || absl::GetFlag(FLAGS_feature_dropout) < 0 ||
      absl::GetFlag(FLAGS_feature_dropout) >= 1) {
    return absl::InvalidArgumentError(
        "need --dim, --ensemble, --epochs, --batch_size >= 1, --lr > 0, --length_exponent in "
        "[0, 1] and --feature_dropout in [0, 1)");
  }
  BR_RETURN_IF_ERROR(CheckDataDir(data_dir));
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  torch::manual_seed(seed);
  torch::set_num_threads(std::max(1, absl::GetFlag(FLAGS_threads)));
  std::mt19937_64 rng(seed);

  BR_ASSIGN_OR_RETURN(std::vector<Example> rows,
                      LoadGoEmotions(data_dir, "train", absl::GetFlag(FLAGS_max_rows)));
  Shuffle(&rows, &rng);
  const size_t n_holdout = static_cast<size_t>(
      std::ceil(std::clamp(absl::GetFlag(FLAGS_holdout_fraction), 0.0, 0.5) * rows.size()));
  std::vector<Example> holdout(rows.begin(), rows.begin() + n_holdout);
  rows.erase(rows.begin(), rows.begin() + n_holdout);
  if (rows.empty()) return absl::InvalidArgumentError("no training rows left");
  BR_ASSIGN_OR_RETURN(FeatureVocab vocab, BuildVocab(rows));
  const int labels = static_cast<int>(EkmanLabels().size());
  std::printf("%zu training rows, %zu held out; vocabulary %d tokens + %zu pairs + %zu subwords\n",
              rows.size(), holdout.size(), vocab.num_unigrams(),
              vocab.features().size() - vocab.num_unigrams(), vocab.subwords().size());
  const std::vector<Encoded> train_enc = Encode(rows, vocab, labels);
  const std::vector<Encoded> holdout_enc = Encode(holdout, vocab, labels);

  // Members differ in initialisation and batch order; concatenating their embeddings (and
  // averaging their output layers) gives one bag model whose logits are the members' mean.
  Params params;
  try {
    const int members = std::max(1, absl::GetFlag(FLAGS_ensemble));
    std::vector<torch::Tensor> emb, w, b;
    for (int k = 0; k < members; ++k) {
      std::printf("member %d of %d\n", k + 1, members);
      BR_ASSIGN_OR_RETURN(Params m, Train(train_enc, holdout_enc, vocab.rows(), labels, &rng));
      emb.push_back(m.emb);
      w.push_back(m.w);
      b.push_back(m.b);
    }
    params = Params{torch::cat(emb, 1), torch::cat(w, 1) / members, torch::stack(b).mean(0)};
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("libtorch: ", e.what_without_backtrace()));
  }

  // Thresholds are tuned on the holdout through the inference path (quantised weights).
  BR_ASSIGN_OR_RETURN(BagWeights weights, FromProto(ToProto(ToWeights(params, vocab)), "trained"));
  BR_ASSIGN_OR_RETURN(BagScorer scorer, BagScorer::Create(weights));
  std::vector<std::vector<float>> holdout_probs;
  std::vector<uint32_t> holdout_gold;
  BagScorer::Output out;
  for (const Example& ex : holdout) {
    scorer.Score(ex.text, &out);
    holdout_probs.push_back(out.probabilities);
    holdout_gold.push_back(ex.labels);
  }
  if (!holdout.empty()) weights.thresholds = TuneThresholds(holdout_probs, holdout_gold, labels);

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", out_dir, ": ", ec.message()));
  BR_RETURN_IF_ERROR(
      WriteBagModelFile((std::filesystem::path(out_dir) / kModelFile).string(), weights));
  burnout::v1::ModelManifest manifest;
  manifest.set_name("text-emotion-goemotions");
  manifest.set_version("1");
  manifest.set_kind(kTextModelKind);
  manifest.set_file(kModelFile);
  manifest.mutable_text()->set_embedding_dim(weights.dim);
  manifest.mutable_text()->set_vocab_size(static_cast<int>(weights.rows()));
  for (const auto& l : weights.labels) manifest.mutable_text()->add_emotion_labels(l);
  auto* record = manifest.mutable_training();
  record->set_seed(seed);
  record->set_data(kGoEmotionsCredit);
  record->set_program(ProgramLine());
  BR_RETURN_IF_ERROR(model::WriteManifest(out_dir, manifest));

  // Measure through the real loader, then record the figures in the manifest.
  BR_ASSIGN_OR_RETURN(std::unique_ptr<TextModel> model, TextModel::Load(out_dir));
  BR_ASSIGN_OR_RETURN(std::vector<Example> dev, LoadGoEmotions(data_dir, "dev"));
  const EvalReport report = Evaluate(*model, dev);
  MultiLabelScorer holdout_scorer(labels);
  for (size_t i = 0; i < holdout_probs.size(); ++i) {
    holdout_scorer.Add(holdout_gold[i], PredictLabels(holdout_probs[i], weights.thresholds));
  }
  AddMetric(record, "dev_macro_f1", report.scorer.MacroF1(), "dev");
  for (int l = 0; l < labels; ++l) {
    AddMetric(record, absl::StrCat("dev_f1_", EkmanLabels()[l]), report.scorer.label(l).f1(),
              "dev");
  }
  AddMetric(record, "holdout_macro_f1", holdout_scorer.MacroF1(), "train-holdout");
  BR_RETURN_IF_ERROR(model::WriteManifest(out_dir, manifest));
  std::printf("dev macro-F1 %.4f (%d rows), holdout macro-F1 %.4f; wrote %s in %.1f s\n",
              report.scorer.MacroF1(), report.rows, holdout_scorer.MacroF1(), out_dir.c_str(),
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
