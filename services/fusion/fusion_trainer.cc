#include "services/fusion/fusion_trainer.h"

#include <torch/nn/functional/loss.h>
#include <torch/optim/adamw.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/macros.h"
#include "common/torch/training.h"
#include "services/fusion/fusion_dataset.h"
#include "services/fusion/fusion_features.h"
#include "services/fusion/fusion_model.h"
#include "services/fusion/fusion_net.h"
#include "services/fusion/synthetic_profiles.h"
#include "common/schema/voice_mapping.h"

namespace burnout::fusion {
namespace {

using burnout::v1::FusionSpec;
using torchx::AddMetric;

// One split as tensors: per-slot inputs, which slots were observed, which are presented.
struct Split {
  std::vector<torch::Tensor> x;  // [N, d_m]
  torch::Tensor available;       // [N, M] bool
  torch::Tensor present;         // [N, M] bool
  torch::Tensor label;           // [N] int64
  int64_t size() const { return label.size(0); }
};

absl::StatusOr<Split> Featurise(const FusionSpec& spec, const std::vector<LabelledExample>& data,
                                const std::vector<int>& rows) {
  const int slots = spec.inputs_size();
  const int64_t n = static_cast<int64_t>(rows.size());
  std::vector<std::vector<float>> x(slots);
  std::vector<uint8_t> available, present;
  std::vector<int64_t> labels;
  for (int row : rows) {
    const LabelledExample& ex = data[row];
    BR_ASSIGN_OR_RETURN(FusionFeatures f, ExtractFusionFeatures(spec, ex.observed));
    bool any = false;
    for (int m = 0; m < slots; ++m) {
      x[m].insert(x[m].end(), f.slots[m].begin(), f.slots[m].end());
      available.push_back(f.present[m]);
      const bool shown = f.present[m] && m < static_cast<int>(ex.present.size()) && ex.present[m];
      present.push_back(shown ? 1 : 0);
      any = any || shown;
    }
    if (!any) return absl::InvalidArgumentError(absl::StrCat("example ", row, " presents nothing"));
    labels.push_back(ex.label);
  }
  Split s;
  for (int m = 0; m < slots; ++m) {
    s.x.push_back(torch::tensor(x[m]).reshape({n, SlotDim(spec.inputs(m))}));
  }
  s.available = torch::tensor(std::vector<int64_t>(available.begin(), available.end()))
                    .reshape({n, slots})
                    .to(torch::kBool);
  s.present = torch::tensor(std::vector<int64_t>(present.begin(), present.end()))
                  .reshape({n, slots})
                  .to(torch::kBool);
  s.label = torch::tensor(labels, torch::kLong);
  return s;
}

// Fills the spec's indicator statistics from `train` (observed rows that carry the
// indicator) and standardises every split in place; the splits were featurised with mean 0 /
// std 1, and an absent optional indicator stays 0.
void Standardise(FusionSpec* spec, std::vector<Split*> splits) {
  Split& train = *splits[0];
  for (int m = 0; m < spec->inputs_size(); ++m) {
    auto* in = spec->mutable_inputs(m);
    for (int j = 0; j < in->indicators_size(); ++j) {
      const int64_t col = IndicatorColumn(*in, j), presence = PresenceColumn(*in, j);
      auto carried = [&](const Split& s) {
        torch::Tensor rows = s.available.select(1, m);
        if (presence >= 0) rows = rows.logical_and(s.x[m].select(1, presence).gt(0.5));
        return rows;
      };
      const torch::Tensor v = train.x[m].select(1, col).masked_select(carried(train)).to(torch::kDouble);
      const double mean = v.numel() > 0 ? v.mean().item<double>() : 0.0;
      double sd = v.numel() > 1 ? v.std(/*unbiased=*/false).item<double>() : 1.0;
      if (!(sd > 1e-6)) sd = 1.0;
      in->mutable_indicators(j)->set_mean(static_cast<float>(mean));
      in->mutable_indicators(j)->set_std(static_cast<float>(sd));
      for (Split* s : splits) {
        torch::Tensor c = s->x[m].select(1, col);
        const torch::Tensor keep = carried(*s).to(torch::kFloat);
        c.copy_(((c - static_cast<float>(mean)) / static_cast<float>(sd)) * keep);
      }
    }
  }
}

std::vector<torch::Tensor> Rows(const std::vector<torch::Tensor>& x, const torch::Tensor& idx) {
  std::vector<torch::Tensor> out;
  for (const auto& t : x) out.push_back(t.index_select(0, idx));
  return out;
}

FusionNetOutput Evaluate(FusionNetImpl& net, const Split& s, const torch::Tensor& present) {
  torch::NoGradGuard no_grad;
  return net.Forward(s.x, present, /*stochastic=*/false);
}

double Nll(const torch::Tensor& logits, const torch::Tensor& labels, double beta) {
  return torch::nn::functional::cross_entropy(logits * beta, labels).item<double>();
}

// T minimising the NLL of softmax(logits / T); the NLL is convex in beta = 1 / T.
double FitTemperature(const torch::Tensor& logits, const torch::Tensor& labels) {
  const torch::Tensor z = logits.to(torch::kDouble);
  double lo = 0.05, hi = 10.0;
  const double g = (std::sqrt(5.0) - 1.0) / 2.0;
  double a = hi - g * (hi - lo), b = lo + g * (hi - lo);
  double fa = Nll(z, labels, a), fb = Nll(z, labels, b);
  for (int it = 0; it < 80; ++it) {
    if (fa < fb) {
      hi = b, b = a, fb = fa;
      a = hi - g * (hi - lo);
      fa = Nll(z, labels, a);
    } else {
      lo = a, a = b, fa = fb;
      b = lo + g * (hi - lo);
      fb = Nll(z, labels, b);
    }
  }
  return 1.0 / (0.5 * (lo + hi));
}

// Expected calibration error, 15 equal-width confidence bins.
double Ece(const torch::Tensor& probs, const torch::Tensor& labels) {
  constexpr int kBins = 15;
  const auto [conf, pred] = probs.max(1);
  const torch::Tensor correct = pred.eq(labels).to(torch::kDouble);
  const auto c = conf.to(torch::kDouble).contiguous();
  const auto ok = correct.contiguous();
  const double* cp = c.data_ptr<double>();
  const double* op = ok.data_ptr<double>();
  std::vector<double> sum_conf(kBins), sum_ok(kBins), count(kBins);
  for (int64_t i = 0; i < c.numel(); ++i) {
    const int b = std::min(kBins - 1, static_cast<int>(cp[i] * kBins));
    sum_conf[b] += cp[i];
    sum_ok[b] += op[i];
    count[b] += 1;
  }
  double ece = 0.0;
  for (int b = 0; b < kBins; ++b) {
    if (count[b] > 0) ece += std::abs(sum_conf[b] - sum_ok[b]) / c.numel();
  }
  return ece;
}

double Accuracy(const torch::Tensor& logits, const torch::Tensor& labels) {
  return logits.argmax(1).eq(labels).to(torch::kDouble).mean().item<double>();
}

void Log(const FusionTrainOptions& o, const std::string& line) {
  if (o.log) o.log(line);
}

// Minibatch AdamW with a cosine learning-rate decay; dropout on (stochastic forward).
void Train(FusionNetImpl& net, const Split& train, const Split& cal, const FusionTrainOptions& o) {
  torch::optim::AdamW optimizer(
      net.parameters(), torch::optim::AdamWOptions(o.learning_rate).weight_decay(o.weight_decay));
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    torchx::SetCosineLearningRate(optimizer, o.learning_rate, epoch, o.epochs);
    const torch::Tensor perm = torch::randperm(train.size(), torch::kLong);
    double loss_sum = 0.0;
    int batches = 0;
    for (int64_t b = 0; b < train.size(); b += o.batch_size) {
      const torch::Tensor idx = perm.slice(0, b, std::min(train.size(), b + o.batch_size));
      const FusionNetOutput out =
          net.Forward(Rows(train.x, idx), train.present.index_select(0, idx), true);
      const torch::Tensor loss =
          torch::nn::functional::cross_entropy(out.logits, train.label.index_select(0, idx));
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item<double>();
      ++batches;
    }
    if (epoch % 5 == 4 || epoch == o.epochs - 1) {
      const double acc = Accuracy(Evaluate(net, cal, cal.present).logits, cal.label);
      Log(o, absl::StrFormat("epoch %3d  train loss %.4f  calibration accuracy %.4f", epoch + 1,
                             loss_sum / batches, acc));
    }
  }
}

// Accuracy for every non-empty subset of slots, and mean attention by quality.
void RecordSubsetAndAttentionMetrics(FusionNetImpl& net, const FusionSpec& spec, const Split& val,
                                     burnout::v1::TrainingRecord* record,
                                     const FusionTrainOptions& o) {
  // Every non-empty subset of slots, on the validation rows that observed all of it.
  const int slots = spec.inputs_size();
  for (int subset = 1; subset < (1 << slots); ++subset) {
    std::string name;
    std::vector<int64_t> bits;
    for (int m = 0; m < slots; ++m) {
      bits.push_back((subset >> m) & 1);
      if (bits.back())
        absl::StrAppend(&name, name.empty() ? "" : "+", ModalityName(spec.inputs(m).modality()));
    }
    const torch::Tensor mask = torch::tensor(bits).to(torch::kBool);
    const torch::Tensor rows =
        val.available.logical_or(mask.logical_not()).all(1).nonzero().squeeze(1);
    if (rows.numel() == 0) continue;
    Split sub{Rows(val.x, rows), {}, mask.expand({rows.numel(), slots}), {}};
    sub.label = val.label.index_select(0, rows);
    const double acc = Accuracy(Evaluate(net, sub, sub.present).logits, sub.label);
    AddMetric(record, absl::StrCat("val_accuracy_", name), acc,
              absl::StrCat("validation rows observing ", name, " (", rows.numel(), ")"));
    Log(o, absl::StrFormat("  accuracy %-18s %.4f  (%d rows)", name, acc, rows.numel()));
  }
  // Does attention follow quality? Mean weight of each slot, all slots shown, split by that
  // slot's quality (the last input column).
  const torch::Tensor all_rows = val.available.all(1).nonzero().squeeze(1);
  if (all_rows.numel() > 0) {
    Split full{Rows(val.x, all_rows), {}, torch::ones({all_rows.numel(), slots}, torch::kBool), {}};
    const torch::Tensor att = Evaluate(net, full, full.present).weights;
    for (int m = 0; m < slots; ++m) {
      if (!spec.inputs(m).use_quality()) continue;
      const torch::Tensor q = full.x[m].select(1, InputDim(spec.inputs(m)) - 1);
      const std::string name = ModalityName(spec.inputs(m).modality());
      for (const auto& [label, sel] :
           {std::pair<std::string, torch::Tensor>{"below_0.4", q.lt(0.4)},
            std::pair<std::string, torch::Tensor>{"above_0.8", q.gt(0.8)}}) {
        const torch::Tensor w = att.select(1, m).masked_select(sel);
        if (w.numel() == 0) continue;
        AddMetric(record, absl::StrCat("attention_", name, "_quality_", label),
                  w.mean().item<double>(), "validation rows observing all modalities");
      }
    }
  }
}


std::string SubsetName(const FusionSpec& spec, const std::vector<bool>& shown) {
  std::string name;
  for (int m = 0; m < spec.inputs_size(); ++m) {
    if (shown[m]) absl::StrAppend(&name, name.empty() ? "" : "+", ModalityName(spec.inputs(m).modality()));
  }
  return name;
}

std::vector<std::vector<double>> ToRows(const torch::Tensor& t) {
  const torch::Tensor d = t.to(torch::kDouble).contiguous();
  const int64_t n = d.size(0), k = d.numel() / std::max<int64_t>(1, n);
  std::vector<std::vector<double>> rows(n);
  const double* p = d.data_ptr<double>();
  for (int64_t i = 0; i < n; ++i) rows[i].assign(p + i * k, p + (i + 1) * k);
  return rows;
}

// One modality's result in words: quality, the top emotions, the indicators.
std::string DescribeResult(const burnout::v1::ModalityResult& r) {
  std::vector<std::pair<float, std::string>> e;
  for (const auto& l : r.emotions()) e.emplace_back(l.probability(), l.label());
  std::sort(e.rbegin(), e.rend());
  std::string out = absl::StrFormat("quality %.2f; ", r.quality());
  for (size_t i = 0; i < e.size() && i < 3; ++i) {
    absl::StrAppendFormat(&out, "%s%s %.2f", i ? ", " : "", e[i].second, e[i].first);
  }
  for (const auto& ind : r.indicators()) {
    absl::StrAppendFormat(&out, "; %s %.3g", ind.name(), ind.value());
  }
  return out;
}

// Everything FusionEvaluation holds, on the validation split.
FusionEvaluation Measure(FusionNetImpl& net, const FusionSpec& spec, const Split& val,
                         const std::vector<LabelledExample>& data, const std::vector<int>& val_rows,
                         double t, const FusionTrainOptions& o) {
  torch::NoGradGuard no_grad;
  FusionEvaluation ev;
  ev.variant = VariantName(o.variant);
  ev.labels.assign(spec.risk_labels().begin(), spec.risk_labels().end());
  for (const auto& in : spec.inputs()) ev.modalities.push_back(ModalityName(in.modality()));
  ev.temperature = t;
  ev.mc_samples = o.mc_samples;
  const int slots = spec.inputs_size();
  const torch::Tensor logits = net.Forward(val.x, val.present, false).logits.to(torch::kDouble);
  ev.truth.assign(val.label.data_ptr<int64_t>(), val.label.data_ptr<int64_t>() + val.size());
  ev.raw = ToRows(torch::softmax(logits, 1));
  ev.calibrated = ToRows(torch::softmax(logits / t, 1));
  // MC-dropout spread, as the service computes it: mean over classes of the std of the
  // calibrated probabilities over mc_samples stochastic passes.
  {
    const int mc = std::max(2, o.mc_samples);
    torch::Tensor s1 = torch::zeros({val.size(), logits.size(1)}, torch::kDouble);
    torch::Tensor s2 = torch::zeros_like(s1);
    for (int k = 0; k < mc; ++k) {
      const torch::Tensor p =
          torch::softmax(net.Forward(val.x, val.present, true).logits.to(torch::kDouble) / t, 1);
      s1 += p;
      s2 += p * p;
    }
    const torch::Tensor mean = s1 / mc;
    const torch::Tensor sd = (s2 / mc - mean * mean).clamp_min(0).sqrt().mean(1).contiguous();
    ev.spread.assign(sd.data_ptr<double>(), sd.data_ptr<double>() + val.size());
  }
  for (int64_t i = 0; i < val.size(); ++i) {
    std::vector<bool> shown(slots);
    double none = 1.0;
    for (int m = 0; m < slots; ++m) {
      shown[m] = val.present[i][m].item<bool>();
      if (shown[m] && spec.inputs(m).use_quality()) {
        none *= 1.0 - val.x[m][i][InputDim(spec.inputs(m)) - 1].item<double>();
      }
    }
    ev.evidence.push_back(1.0 - none);
    ev.subset.push_back(SubsetName(spec, shown));
  }
  // Every subset on the rows that observed it.
  for (int subset = 1; subset < (1 << slots); ++subset) {
    std::vector<int64_t> bits;
    std::vector<bool> shown;
    for (int m = 0; m < slots; ++m) {
      bits.push_back((subset >> m) & 1);
      shown.push_back(bits.back() != 0);
    }
    const torch::Tensor mask = torch::tensor(bits).to(torch::kBool);
    const torch::Tensor rows =
        val.available.logical_or(mask.logical_not()).all(1).nonzero().squeeze(1);
    if (rows.numel() == 0) continue;
    const torch::Tensor pred =
        net.Forward(Rows(val.x, rows), mask.expand({rows.numel(), slots}), false)
            .logits.argmax(1)
            .contiguous();
    const torch::Tensor truth = val.label.index_select(0, rows).contiguous();
    FusionEvaluation::Subset sub;
    sub.name = SubsetName(spec, shown);
    sub.truth.assign(truth.data_ptr<int64_t>(), truth.data_ptr<int64_t>() + truth.numel());
    sub.predicted.assign(pred.data_ptr<int64_t>(), pred.data_ptr<int64_t>() + pred.numel());
    ev.subsets.push_back(std::move(sub));
  }
  // The most confident errors.
  std::vector<std::pair<double, int64_t>> wrong;
  for (int64_t i = 0; i < val.size(); ++i) {
    const auto& p = ev.calibrated[i];
    const int pred = static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
    if (pred != ev.truth[i]) wrong.emplace_back(p[pred], i);
  }
  std::sort(wrong.begin(), wrong.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  for (size_t k = 0; k < wrong.size() && k < 5; ++k) {
    const int64_t i = wrong[k].second;
    const auto& p = ev.calibrated[i];
    FusionEvaluation::Error e;
    e.confidence = wrong[k].first;
    e.truth = ev.labels[ev.truth[i]];
    e.predicted = ev.labels[std::max_element(p.begin(), p.end()) - p.begin()];
    e.subset = ev.subset[i];
    const LabelledExample& ex = data[val_rows[i]];
    for (int m = 0; m < slots; ++m) {
      if (!val.present[i][m].item<bool>()) continue;
      const burnout::v1::ModalityResult* r = FindModality(ex.observed, spec.inputs(m).modality());
      if (r == nullptr) continue;
      absl::StrAppend(&e.inputs, e.inputs.empty() ? "" : " | ", ModalityName(r->modality()), ": ",
                      DescribeResult(*r));
    }
    ev.confident_errors.push_back(std::move(e));
  }
  // Representations: the first kReprRows rows, shown everything they observed.
  const int64_t n = std::min<int64_t>(kReprRows, val.size());
  const torch::Tensor idx = torch::arange(n, torch::kLong);
  const FusionNetOutput out = net.Forward(Rows(val.x, idx), val.available.index_select(0, idx), false);
  ev.fused_repr = ToRows(out.fused);
  ev.fused_repr_truth.assign(ev.truth.begin(), ev.truth.begin() + n);
  ev.slot_repr.resize(slots);
  ev.slot_repr_truth.resize(slots);
  for (int m = 0; m < slots; ++m) {
    const torch::Tensor rows = val.available.index_select(0, idx).select(1, m).nonzero().squeeze(1);
    if (rows.numel() == 0) continue;
    ev.slot_repr[m] = ToRows(out.slots.select(1, m).index_select(0, rows));
    const torch::Tensor truth = val.label.index_select(0, rows).contiguous();
    ev.slot_repr_truth[m].assign(truth.data_ptr<int64_t>(), truth.data_ptr<int64_t>() + truth.numel());
  }
  return ev;
}

}  // namespace

double FindMetric(const burnout::v1::ModelManifest& manifest, const std::string& name) {
  for (const auto& m : manifest.training().metrics()) {
    if (m.name() == name) return m.value();
  }
  return std::numeric_limits<double>::quiet_NaN();
}

absl::StatusOr<FusionTrainReport> TrainFusion(const FusionTrainOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  if (o.out_dir.empty()) return absl::InvalidArgumentError("no output directory");
  if (o.epochs < 1 || o.batch_size < 1 || o.hidden_dim < 2 || o.attention_dim < 1 ||
      o.embedding_projection < 1) {
    return absl::InvalidArgumentError("epochs, batch size and dims must be positive");
  }
  FusionSpec spec;
  for (auto& in : DefaultInputSpecs()) *spec.add_inputs() = std::move(in);
  spec.set_hidden_dim(o.hidden_dim);
  spec.set_attention_dim(o.attention_dim);
  spec.set_dropout(static_cast<float>(o.dropout));
  spec.set_temperature(1.0f);
  for (const auto& l : DefaultRiskLabels()) spec.add_risk_labels(l);
  if (o.mc_samples < 2 || o.mc_samples > kMaxMcSamples) {
    return absl::InvalidArgumentError(absl::StrCat("mc_samples ", o.mc_samples, " outside [2, ", kMaxMcSamples, "]"));
  }
  BR_RETURN_IF_ERROR(ValidateFusionSpec(spec));

  std::vector<LabelledExample> data;
  std::string data_note;
  if (!o.data_path.empty()) {
    BR_ASSIGN_OR_RETURN(data, LoadFusionTsv(o.data_path, spec));
    data_note = absl::StrCat("aligned data set ", o.data_path, " (", data.size(), " rows)");
    // Embeddings, where the data carries them: each slot takes exactly that model's.
    BR_ASSIGN_OR_RETURN(std::vector<SlotEmbedding> embeddings, DataEmbeddings(spec, data));
    for (int m = 0; m < spec.inputs_size(); ++m) {
      if (embeddings[m].model_id.empty()) continue;
      spec.mutable_inputs(m)->set_embedding_dim(embeddings[m].dimension);
      spec.mutable_inputs(m)->set_embedding_model_id(embeddings[m].model_id);
      spec.set_embedding_projection(o.embedding_projection);
      absl::StrAppend(&data_note, "; ", ModalityName(spec.inputs(m).modality()), " embeddings of ",
                      embeddings[m].model_id, " (", embeddings[m].dimension, " -> ",
                      o.embedding_projection, ")");
    }
    BR_RETURN_IF_ERROR(ValidateFusionSpec(spec));
  } else {
    if (o.profiles < 30) return absl::InvalidArgumentError("need at least 30 profiles");
    if (o.voice_model == nullptr) {
      return absl::FailedPreconditionError(
          "synthetic profiles need a voice model (their voice emotions come from its mapping)");
    }
    if (o.face_outputs == nullptr || o.face_outputs->truths().empty()) {
      return absl::FailedPreconditionError(
          "synthetic profiles need the face expression model's outputs (their face emotions are "
          "drawn from them)");
    }
    if (o.text_outputs == nullptr || o.text_outputs->truths().empty()) {
      return absl::FailedPreconditionError(
          "synthetic profiles need the text emotion model's outputs (their text emotions are "
          "drawn from them)");
    }
    ProfileOptions profile_options;
    profile_options.voice_model = o.voice_model;
    profile_options.face_outputs = o.face_outputs;
    profile_options.text_outputs = o.text_outputs;
    data = SyntheticExamples(o.profiles, o.seed, profile_options);
    const auto& voice = o.voice_model_info;
    const std::string voice_note =
        voice.name().empty()
            ? std::string("an unnamed voice model (built from a spec)")
            : absl::StrCat(voice.name(), "/", voice.version(), " (sha256 ", voice.sha256(), ")");
    data_note = absl::StrCat(o.profiles,
                             " synthetic profiles from services/fusion/synthetic_profiles.h (seed ",
                             o.seed, "); voice emotions from the mapping of ", voice_note,
                             "; text emotions from the measured outputs of ", o.text_outputs->model_id(),
                             " (sha256 ", o.text_outputs->model_sha256(), "; ", o.text_outputs->data(), ")",
                             "; face emotions from the measured outputs of ", o.face_outputs->model_id(),
                             " (sha256 ", o.face_outputs->model_sha256(), "; ", o.face_outputs->data(),
                             "); no real people; see services/fusion/README.md");
  }
  // Deterministic shuffle (std::mt19937_64's output is specified by the standard).
  std::vector<int> order(data.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::mt19937_64 shuffle_rng(o.seed ^ 0x5eedf00dULL);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[shuffle_rng() % i]);
  const size_t n_train = order.size() * 70 / 100, n_cal = order.size() * 15 / 100;
  if (n_train == 0 || n_cal == 0 || order.size() - n_train - n_cal == 0) {
    return absl::InvalidArgumentError(absl::StrCat(data.size(), " examples are too few"));
  }
  const std::vector<int> train_rows(order.begin(), order.begin() + n_train);
  const std::vector<int> cal_rows(order.begin() + n_train, order.begin() + n_train + n_cal);
  const std::vector<int> val_rows(order.begin() + n_train + n_cal, order.end());
  BR_ASSIGN_OR_RETURN(Split train, Featurise(spec, data, train_rows));
  BR_ASSIGN_OR_RETURN(Split cal, Featurise(spec, data, cal_rows));
  BR_ASSIGN_OR_RETURN(Split val, Featurise(spec, data, val_rows));
  Standardise(&spec, {&train, &cal, &val});

  burnout::v1::ModelManifest manifest;
  manifest.set_name(VariantKind(o.variant));
  manifest.set_version(o.version);
  manifest.set_kind(VariantKind(o.variant));
  manifest.set_file(torchx::kWeightsFile);
  auto* record = manifest.mutable_training();
  record->set_seed(o.seed);
  FusionEvaluation evaluation;
  record->set_data(data_note);
  record->set_program(o.program.empty() ? "TrainFusion (library call)" : o.program);
  try {
    torch::manual_seed(o.seed);
    FusionNet net(NetShape(o.variant, spec));
    const auto train_start = std::chrono::steady_clock::now();
    Train(*net, train, cal, o);
    const double train_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - train_start).count();

    // Temperature on the calibration split, then every reported figure on validation.
    const double t = FitTemperature(Evaluate(*net, cal, cal.present).logits, cal.label);
    spec.set_temperature(static_cast<float>(t));
    const std::string vsplit = absl::StrCat("validation (", val.size(), " held out)");
    const torch::Tensor vlogits = Evaluate(*net, val, val.present).logits.to(torch::kDouble);
    AddMetric(record, "temperature", t, absl::StrCat("calibration (", cal.size(), " held out)"));
    AddMetric(record, "val_accuracy", Accuracy(vlogits, val.label), vsplit);
    AddMetric(record, "ece_before", Ece(torch::softmax(vlogits, 1), val.label), vsplit);
    AddMetric(record, "ece_after", Ece(torch::softmax(vlogits / t, 1), val.label), vsplit);
    AddMetric(record, "nll_before", Nll(vlogits, val.label, 1.0), vsplit);
    AddMetric(record, "nll_after", Nll(vlogits, val.label, 1.0 / t), vsplit);
    const torch::Tensor vpred = vlogits.argmax(1);
    for (int k = 0; k < spec.risk_labels_size(); ++k) {
      const torch::Tensor of_k = val.label.eq(k);
      AddMetric(record, absl::StrCat("val_recall_", spec.risk_labels(k)),
                vpred.masked_select(of_k).eq(k).to(torch::kDouble).mean().item<double>(), vsplit);
    }
    RecordSubsetAndAttentionMetrics(*net, spec, val, record, o);
    evaluation = Measure(*net, spec, val, data, val_rows, t, o);
    evaluation.train_seconds = train_seconds;
    torchx::WriteWeights(*net, o.out_dir);
  } catch (const c10::Error& e) {
    return absl::InternalError(
        absl::StrCat("fusion training failed: ", e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("fusion training failed: ", e.what()));
  }
  *manifest.mutable_fusion() = spec;
  BR_RETURN_IF_ERROR(torchx::WriteManifestAndChecksum(o.out_dir, &manifest));
  FusionTrainReport report;
  report.manifest = std::move(manifest);
  report.temperature = spec.temperature();
  report.evaluation = std::move(evaluation);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace burnout::fusion
