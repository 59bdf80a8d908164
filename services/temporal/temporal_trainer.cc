#include "services/temporal/temporal_trainer.h"

#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/adamw.h>
#include <torch/utils.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/macros.h"
#include "common/torch/training.h"
#include "services/temporal/synthetic_sequences.h"
#include "services/temporal/temporal_model.h"
#include "services/temporal/temporal_net.h"

namespace burnout::temporal {
namespace {

// Right-padded sequences as tensors, with what the metrics need to slice them.
struct Batch {
  torch::Tensor x;                 // [N, T, F]
  torch::Tensor lengths;           // [N] int64
  torch::Tensor label;             // [N] int64
  torch::Tensor latent;            // [N] int64
  torch::Tensor newest_outlier;    // [N] bool
  torch::Tensor newest_bad_burst;  // [N] bool: the newest day is bad and has >= 2 assessments
  int64_t size() const { return label.size(0); }
};

constexpr int kBurstProbes = 200;

Batch ToTensors(const std::vector<SyntheticSequence>& seqs, int features) {
  int64_t longest = 1;
  for (const auto& s : seqs) longest = std::max<int64_t>(longest, s.steps.size());
  const int64_t n = static_cast<int64_t>(seqs.size());
  std::vector<float> x(static_cast<size_t>(n * longest * features), 0.0f);
  std::vector<int64_t> lengths, labels, latent, outlier, burst;
  for (int64_t i = 0; i < n; ++i) {
    const auto& s = seqs[i];
    for (size_t t = 0; t < s.steps.size(); ++t) {
      std::copy(s.steps[t].begin(), s.steps[t].end(),
                x.begin() + (i * longest + static_cast<int64_t>(t)) * features);
    }
    lengths.push_back(static_cast<int64_t>(s.steps.size()));
    labels.push_back(s.label);
    latent.push_back(s.latent_trend);
    outlier.push_back(s.newest_is_outlier ? 1 : 0);
    burst.push_back(s.newest_day_is_bad && s.newest_day_assessments >= 2 ? 1 : 0);
  }
  return {torch::tensor(x).reshape({n, longest, features}),
          torch::tensor(lengths),
          torch::tensor(labels),
          torch::tensor(latent),
          torch::tensor(outlier).to(torch::kBool),
          torch::tensor(burst).to(torch::kBool)};
}

torch::Tensor Predict(TemporalNetImpl& net, const Batch& b) {
  torch::NoGradGuard no_grad;
  return net.Forward(b.x, b.lengths).argmax(1);
}

double Share(const torch::Tensor& hits, const torch::Tensor& rows) {
  const torch::Tensor h = hits.masked_select(rows);
  return h.numel() > 0 ? h.to(torch::kDouble).mean().item<double>() : std::nan("");
}

// Undefined shares (no rows) are left out of the record.
void AddMetric(burnout::v1::TrainingRecord* r, const std::string& name, double value,
               const std::string& split) {
  if (!std::isnan(value)) torchx::AddMetric(r, name, value, split);
}

// Minibatch AdamW with a cosine learning-rate decay and gradient clipping; each batch is
// cut to its longest sequence.
void Train(TemporalNetImpl& net, const Batch& train, const Batch& val,
           const TemporalTrainOptions& o) {
  torch::optim::AdamW optimizer(
      net.parameters(), torch::optim::AdamWOptions(o.learning_rate).weight_decay(o.weight_decay));
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    net.train();
    torchx::SetCosineLearningRate(optimizer, o.learning_rate, epoch, o.epochs);
    const torch::Tensor perm = torch::randperm(train.size(), torch::kLong);
    double loss_sum = 0.0;
    int batches = 0;
    for (int64_t b = 0; b < train.size(); b += o.batch_size) {
      const torch::Tensor idx = perm.slice(0, b, std::min(train.size(), b + o.batch_size));
      const torch::Tensor lengths = train.lengths.index_select(0, idx);
      const int64_t longest = lengths.max().item<int64_t>();
      const torch::Tensor x = train.x.index_select(0, idx).slice(1, 0, longest);
      const torch::Tensor loss = torch::nn::functional::cross_entropy(
          net.Forward(x, lengths), train.label.index_select(0, idx));
      optimizer.zero_grad();
      loss.backward();
      torch::nn::utils::clip_grad_norm_(net.parameters(), 1.0);
      optimizer.step();
      loss_sum += loss.item<double>();
      ++batches;
    }
    if (epoch % 5 == 4 || epoch == o.epochs - 1) {
      net.eval();
      const double acc =
          Share(Predict(net, val).eq(val.label), torch::ones({val.size()}, torch::kBool));
      if (o.log) {
        o.log(absl::StrFormat("epoch %3d  train loss %.4f  validation accuracy %.4f", epoch + 1,
                              loss_sum / batches, acc));
      }
    }
  }
}

// Validation accuracy overall, per class, per length; outlier robustness; longer sequences.
void RecordMetrics(TemporalNetImpl& net, const burnout::v1::TemporalSpec& spec, const Batch& val,
                   const Batch& extra, const Batch (&probes)[2],
                   burnout::v1::TrainingRecord* record, const TemporalTrainOptions& o) {
  const std::string vsplit = absl::StrCat("validation (", val.size(), " held out)");
  const torch::Tensor pred = Predict(net, val);
  const torch::Tensor hit = pred.eq(val.label);
  const torch::Tensor everyone = torch::ones({val.size()}, torch::kBool);
  AddMetric(record, "val_accuracy", Share(hit, everyone), vsplit);
  for (int k = 0; k < spec.trend_labels_size(); ++k) {
    AddMetric(record, absl::StrCat("val_recall_", spec.trend_labels(k)),
              Share(hit, val.label.eq(k)), vsplit);
  }
  for (const auto& [lo, hi] : {std::pair<int, int>{3, 5}, {6, 10}, {11, o.max_steps}}) {
    AddMetric(record, absl::StrCat("val_accuracy_len_", lo, "_", hi),
              Share(hit, val.lengths.ge(lo).logical_and(val.lengths.le(hi))), vsplit);
  }
  AddMetric(record, "val_stable_called_stable_when_newest_is_outlier",
            Share(pred.eq(1), val.latent.eq(1).logical_and(val.newest_outlier)),
            "validation, latent-stable sequences whose newest day is an outlier day");
  AddMetric(record, "val_stable_called_stable_when_newest_day_is_a_bad_burst",
            Share(pred.eq(1), val.latent.eq(1).logical_and(val.newest_bad_burst)),
            "validation, latent-stable sequences whose newest day is a bad day with 2 or more "
            "assessments");
  const torch::Tensor extra_hit = Predict(net, extra).eq(extra.label);
  AddMetric(record, absl::StrCat("val_accuracy_len_", o.max_steps + 1, "_", o.max_steps + 10),
            Share(extra_hit, torch::ones({extra.size()}, torch::kBool)),
            "1000 longer sequences than trained on (seed + 1)");
  // The same values, a bad day's burst vs spread over weeks (GenerateBurstProbes).
  const std::string psplit =
      absl::StrCat(kBurstProbes,
                   " probes (GenerateBurstProbes, seed + 2): a stable stretch, then 4 "
                   "assessments at burden + 0.3-0.45");
  torch::NoGradGuard no_grad;
  for (const auto& [name, batch] :
       {std::pair<std::string, const Batch*>{"clustered", &probes[0]}, {"spread", &probes[1]}}) {
    const torch::Tensor p = torch::softmax(net.Forward(batch->x, batch->lengths), 1);
    AddMetric(record, absl::StrCat("probe_", name, "_p_worsening_mean"),
              p.select(1, 2).to(torch::kDouble).mean().item<double>(),
              absl::StrCat(psplit, name == "clustered" ? " on one day (stable)"
                                                       : " a week apart (worsening)"));
  }
}

}  // namespace

absl::StatusOr<TemporalTrainReport> TrainTemporal(const TemporalTrainOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  if (o.out_dir.empty()) return absl::InvalidArgumentError("no output directory");
  if (o.sequences < 20 || o.epochs < 1 || o.batch_size < 1 || o.hidden_dim < 2 || o.layers < 1 ||
      o.max_steps < 3) {
    return absl::InvalidArgumentError(
        "need >= 20 sequences, max_steps >= 3 and positive epochs, batch size and dims");
  }
  const std::vector<std::string>& names = DefaultTrendFeatureNames();
  const int features = static_cast<int>(names.size());
  SequenceOptions gen;
  gen.max_steps = o.max_steps;
  const std::vector<SyntheticSequence> all = GenerateSequences(o.sequences, o.seed, gen);
  const size_t n_train = all.size() * 80 / 100;
  const Batch train =
      ToTensors({all.begin(), all.begin() + static_cast<int64_t>(n_train)}, features);
  const Batch val = ToTensors({all.begin() + static_cast<int64_t>(n_train), all.end()}, features);
  SequenceOptions longer = gen;
  longer.min_steps = o.max_steps + 1;
  longer.max_steps = o.max_steps + 10;
  const Batch extra = ToTensors(GenerateSequences(1000, o.seed + 1, longer), features);
  std::vector<SyntheticSequence> clustered, spread;
  for (auto& p : GenerateBurstProbes(kBurstProbes, o.seed + 2)) {
    clustered.push_back(std::move(p.clustered));
    spread.push_back(std::move(p.spread));
  }
  const Batch probes[2] = {ToTensors(clustered, features), ToTensors(spread, features)};

  burnout::v1::ModelManifest manifest;
  manifest.set_name(kTemporalModelKind);
  manifest.set_version(o.version);
  manifest.set_kind(kTemporalModelKind);
  manifest.set_file(torchx::kWeightsFile);
  auto* spec = manifest.mutable_temporal();
  for (const auto& n : names) spec->add_feature_names(n);
  spec->set_hidden_dim(o.hidden_dim);
  spec->set_layers(o.layers);
  for (const auto& l : DefaultTrendLabels()) spec->add_trend_labels(l);
  spec->set_max_steps(o.max_steps);
  spec->set_dropout(static_cast<float>(o.dropout));
  auto* record = manifest.mutable_training();
  record->set_seed(o.seed);
  record->set_data(
      absl::StrCat(o.sequences, " synthetic sequences of 3-", o.max_steps,
                   " irregularly spaced assessments (gap_days) with outlier days, from "
                   "services/temporal/synthetic_sequences.h (seed ",
                   o.seed, "); no real people; see services/temporal/README.md"));
  record->set_program(o.program.empty() ? "TrainTemporal (library call)" : o.program);
  try {
    torch::manual_seed(o.seed);
    TemporalNet net(features, o.hidden_dim, o.layers, o.dropout, spec->trend_labels_size());
    Train(*net, train, val, o);
    net->eval();
    RecordMetrics(*net, *spec, val, extra, probes, record, o);
    for (const auto& m : record->metrics()) {
      if (o.log) o.log(absl::StrFormat("  %-50s %.4f", m.name(), m.value()));
    }
    torchx::WriteWeights(*net, o.out_dir);
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("trend training failed: ", e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("trend training failed: ", e.what()));
  }
  BR_RETURN_IF_ERROR(torchx::WriteManifestAndChecksum(o.out_dir, &manifest));
  TemporalTrainReport report;
  report.manifest = std::move(manifest);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace burnout::temporal
