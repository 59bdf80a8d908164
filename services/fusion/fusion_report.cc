#include "services/fusion/fusion_report.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/eval/metrics.h"
#include "common/eval/projection.h"
#include "common/eval/svg.h"
#include "common/status/macros.h"

namespace burnout::fusion {
namespace {

using eval::MarkdownTable;

std::string F3(double v) { return std::isfinite(v) ? absl::StrFormat("%.3f", v) : "-"; }
std::string F4(double v) { return std::isfinite(v) ? absl::StrFormat("%.4f", v) : "-"; }

int Argmax(const std::vector<double>& p) {
  return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
}

std::vector<int> Predictions(const std::vector<std::vector<double>>& probs) {
  std::vector<int> out;
  out.reserve(probs.size());
  for (const auto& p : probs) out.push_back(Argmax(p));
  return out;
}

// A cell of a Markdown table: no pipes or newlines.
std::string Cell(std::string s) {
  absl::StrReplaceAll({{"|", "/"}, {"\n", " "}}, &s);
  return s;
}

struct Kept {
  double coverage = 0, accuracy_kept = NAN, accuracy_abstained = NAN;
};

// Coverage and accuracy when rows with spread > max_spread or evidence < min_evidence abstain
// (a negative threshold: that check is off).
Kept Abstain(const FusionEvaluation& ev, double max_spread, double min_evidence) {
  int64_t kept = 0, kept_ok = 0, out = 0, out_ok = 0;
  for (size_t i = 0; i < ev.truth.size(); ++i) {
    const bool ok = Argmax(ev.calibrated[i]) == ev.truth[i];
    const bool abstain = (max_spread >= 0 && ev.spread[i] > max_spread) ||
                         (min_evidence >= 0 && ev.evidence[i] < min_evidence);
    if (abstain) {
      ++out;
      out_ok += ok;
    } else {
      ++kept;
      kept_ok += ok;
    }
  }
  Kept k;
  const double n = static_cast<double>(ev.truth.size());
  k.coverage = n > 0 ? kept / n : 0;
  if (kept > 0) k.accuracy_kept = static_cast<double>(kept_ok) / kept;
  if (out > 0) k.accuracy_abstained = static_cast<double>(out_ok) / out;
  return k;
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::min<double>(v.size() - 1, q * (v.size() - 1) + 0.5))];
}

// Writes plot files into one directory.
class Writer {
 public:
  explicit Writer(std::string dir) : dir_(std::move(dir)) {}
  absl::Status Plot(const std::string& name, const std::string& svg) const {
    return eval::WriteFile(absl::StrCat(dir_, "/", name), svg);
  }

 private:
  std::string dir_;
};

// First `n` rows of x and groups.
template <typename T>
std::vector<T> Head(const std::vector<T>& v, size_t n) {
  return std::vector<T>(v.begin(), v.begin() + std::min(n, v.size()));
}

absl::Status Separability(Writer& w, std::string* md, const FusionEvaluation& ev,
                          const FusionReportOptions& o) {
  struct Repr {
    std::string name;
    const std::vector<std::vector<double>>* x;
    const std::vector<int>* truth;
  };
  std::vector<Repr> reprs;
  for (size_t m = 0; m < ev.modalities.size() && m < ev.slot_repr.size(); ++m) {
    reprs.push_back({ev.modalities[m], &ev.slot_repr[m], &ev.slot_repr_truth[m]});
  }
  reprs.push_back({"fused", &ev.fused_repr, &ev.fused_repr_truth});
  std::vector<std::vector<std::string>> rows;
  std::string images;
  for (const auto& r : reprs) {
    if (r.x->size() < 10) continue;
    const size_t n = static_cast<size_t>(std::max(10, o.tsne_rows));
    const auto x = Head(*r.x, n);
    const auto g = Head(*r.truth, n);
    const double sil = eval::Silhouette(x, g);
    const std::string what = r.name == "fused" ? "the fused representation"
                                               : absl::StrCat("the ", r.name, " projector's output");
    const eval::Projection pca = eval::Pca2(x);
    eval::ScatterChart chart;
    chart.points = pca.points;
    chart.groups = g;
    chart.group_names = ev.labels;
    chart.title = absl::StrCat(ev.variant, ": PCA of ", what);
    chart.subtitle = absl::StrFormat("%d validation rows, coloured by true risk; PC1 %.0f%%, PC2 %.0f%% of variance",
                                     x.size(), 100 * (pca.explained.size() > 0 ? pca.explained[0] : 0),
                                     100 * (pca.explained.size() > 1 ? pca.explained[1] : 0));
    chart.x_label = "PC1";
    chart.y_label = "PC2";
    const std::string pca_file = absl::StrCat("pca_", ev.variant, "_", r.name, ".svg");
    BR_RETURN_IF_ERROR(w.Plot(pca_file, eval::ScatterSvg(chart)));
    double sil_tsne = NAN;
    std::string tsne_file;
    if (o.tsne) {
      eval::TsneOptions t;
      t.seed = 7;
      const eval::Projection ts = eval::Tsne2(x, t);
      std::vector<std::vector<double>> pts;
      for (const auto& p : ts.points) pts.push_back({p[0], p[1]});
      sil_tsne = eval::Silhouette(pts, g);
      chart.points = ts.points;
      chart.title = absl::StrCat(ev.variant, ": t-SNE of ", what);
      chart.subtitle = absl::StrFormat("%d validation rows, perplexity 30, coloured by true risk; KL %.2f",
                                       x.size(), ts.kl);
      chart.x_label = "t-SNE 1";
      chart.y_label = "t-SNE 2";
      tsne_file = absl::StrCat("tsne_", ev.variant, "_", r.name, ".svg");
      BR_RETURN_IF_ERROR(w.Plot(tsne_file, eval::ScatterSvg(chart)));
    }
    rows.push_back({r.name, absl::StrCat(x.size()), F3(sil), F3(sil_tsne),
                    absl::StrCat("[PCA](", pca_file, ")", tsne_file.empty() ? "" : absl::StrCat(" · [t-SNE](", tsne_file, ")"))});
    absl::StrAppend(&images, "![", chart.title, "](", pca_file, ")", tsne_file.empty() ? "" : absl::StrCat(" ![t-SNE](", tsne_file, ")"), "\n");
  }
  absl::StrAppend(md, MarkdownTable({"representation", "rows", "silhouette (by true risk)", "silhouette after t-SNE", "plots"}, rows),
                  "\n", images, "\n");
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteFusionReport(const std::string& dir, const std::vector<FusionEvaluation>& evaluations,
                               const FusionReportOptions& o) {
  if (evaluations.empty()) return absl::InvalidArgumentError("no evaluated variant to report");
  for (const auto& ev : evaluations) {
    if (ev.labels != evaluations[0].labels || ev.truth.size() != ev.calibrated.size() ||
        ev.truth.size() != ev.spread.size() || ev.truth.size() != ev.evidence.size()) {
      return absl::InvalidArgumentError(absl::StrCat("variant ", ev.variant, "'s evaluation is inconsistent"));
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::FailedPreconditionError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  Writer w(dir);
  const auto& labels = evaluations[0].labels;
  std::string md = "# Fusion variants: evaluation report\n\n";
  absl::StrAppend(&md, "Written by `", Cell(o.program), "`.\n\nData: ", o.data,
                  ". Every figure is on the validation split: held out from training and from "
                  "the temperature fit. On synthetic profiles these figures say how well a variant "
                  "recovers the generator's own latent level, not how well anyone's burnout can be "
                  "read (services/fusion/README.md).\n\n");

  // --- Overall comparison.
  absl::StrAppend(&md, "## Comparison\n\nEach validation row shown its own random subset of modalities, as in use.\n\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& ev : evaluations) {
    const auto c = eval::MakeConfusion(labels, ev.truth, Predictions(ev.calibrated));
    const auto before = eval::MeasureReliability(ev.raw, ev.truth);
    const auto after = eval::MeasureReliability(ev.calibrated, ev.truth);
    const Kept k = Abstain(ev, o.abstain_uncertainty, o.abstain_min_evidence);
    rows.push_back({ev.variant, F3(eval::Accuracy(c)), F3(eval::MacroF1(c)), F4(before.ece), F4(after.ece),
                    F3(ev.temperature), absl::StrFormat("%.0f%%", 100 * k.coverage), F3(k.accuracy_kept),
                    absl::StrFormat("%.1f", ev.train_seconds)});
  }
  absl::StrAppend(&md, MarkdownTable({"variant", "accuracy", "macro-F1", "ECE before T", "ECE after T", "T",
                                      "answered (abstain rule)", "accuracy when answered", "training s"},
                                     rows),
                  "\n");
  absl::StrAppendFormat(&md,
                        "\"Answered\" applies the service's default abstain rule: no level when the "
                        "MC-dropout spread (%d passes) is above %.2f or the evidence, 1 - prod(1 - "
                        "quality), is below %.2f.\n\n",
                        evaluations[0].mc_samples, o.abstain_uncertainty, o.abstain_min_evidence);

  // --- Per subset.
  absl::StrAppend(&md, "## By modality subset\n\nEvery validation row that observed the subset, shown exactly that subset.\n\n");
  std::vector<std::string> subsets;
  for (const auto& s : evaluations[0].subsets) subsets.push_back(s.name);
  eval::BarChart acc_chart, f1_chart;
  acc_chart.title = "Accuracy by modality subset";
  f1_chart.title = "Macro-F1 by modality subset";
  for (auto* ch : {&acc_chart, &f1_chart}) {
    ch->categories = subsets;
    ch->x_label = "modalities shown";
    ch->subtitle = "validation rows that observed the subset; the axis starts at 0.3 (chance is 0.33)";
    ch->y_min = 0.3;
    ch->y_max = 0.75;
  }
  acc_chart.y_label = "accuracy";
  f1_chart.y_label = "macro-F1";
  std::vector<std::string> header = {"subset"};
  std::map<std::string, std::vector<std::string>> table;
  for (const auto& ev : evaluations) {
    header.push_back(absl::StrCat(ev.variant, " acc / F1"));
    eval::BarChart::Series acc{ev.variant, {}}, f1{ev.variant, {}};
    for (const auto& name : subsets) {
      const auto it = std::find_if(ev.subsets.begin(), ev.subsets.end(), [&](const auto& s) { return s.name == name; });
      if (it == ev.subsets.end()) {
        acc.values.push_back(NAN);
        f1.values.push_back(NAN);
        table[name].push_back("-");
        continue;
      }
      const auto c = eval::MakeConfusion(labels, it->truth, it->predicted);
      acc.values.push_back(eval::Accuracy(c));
      f1.values.push_back(eval::MacroF1(c));
      table[name].push_back(absl::StrCat(F3(acc.values.back()), " / ", F3(f1.values.back())));
    }
    acc_chart.series.push_back(std::move(acc));
    f1_chart.series.push_back(std::move(f1));
  }
  rows.clear();
  for (const auto& name : subsets) {
    std::vector<std::string> row = {name};
    row.insert(row.end(), table[name].begin(), table[name].end());
    rows.push_back(std::move(row));
  }
  BR_RETURN_IF_ERROR(w.Plot("subset_accuracy.svg", eval::BarChartSvg(acc_chart)));
  BR_RETURN_IF_ERROR(w.Plot("subset_macro_f1.svg", eval::BarChartSvg(f1_chart)));
  absl::StrAppend(&md, MarkdownTable(header, rows), "\n![accuracy by subset](subset_accuracy.svg)\n\n",
                  "![macro-F1 by subset](subset_macro_f1.svg)\n\n");

  // --- Abstention: accuracy against coverage as the spread threshold moves.
  absl::StrAppend(&md, "## Abstaining\n\n");
  eval::LineChart cover;
  cover.title = "Accuracy of the answered rows against coverage";
  cover.subtitle = "sweeping the MC-dropout spread threshold (evidence rule applied)";
  cover.x_label = "share of rows answered";
  cover.y_label = "accuracy when answered";
  cover.markers = false;
  rows.clear();
  for (const auto& ev : evaluations) {
    eval::LineChart::Series s{ev.variant, {}, {}};
    std::vector<double> sorted = ev.spread;
    std::sort(sorted.begin(), sorted.end());
    for (int q = 5; q <= 100; q += 5) {
      const double thr = sorted.empty() ? 0 : sorted[std::min(sorted.size() - 1, sorted.size() * q / 100)];
      const Kept k = Abstain(ev, q == 100 ? -1.0 : thr, o.abstain_min_evidence);
      s.x.push_back(k.coverage);
      s.y.push_back(k.accuracy_kept);
    }
    cover.series.push_back(std::move(s));
    const Kept none = Abstain(ev, -1, -1), ev_only = Abstain(ev, -1, o.abstain_min_evidence),
               both = Abstain(ev, o.abstain_uncertainty, o.abstain_min_evidence);
    rows.push_back({ev.variant, F3(Quantile(ev.spread, 0.5)), F3(Quantile(ev.spread, 0.9)),
                    F3(Quantile(ev.spread, 0.99)),
                    F3(none.accuracy_kept),
                    absl::StrFormat("%.0f%% → %s (abstained %s)", 100 * ev_only.coverage, F3(ev_only.accuracy_kept), F3(ev_only.accuracy_abstained)),
                    absl::StrFormat("%.0f%% → %s (abstained %s)", 100 * both.coverage, F3(both.accuracy_kept), F3(both.accuracy_abstained))});
  }
  BR_RETURN_IF_ERROR(w.Plot("abstain_coverage.svg", eval::LineChartSvg(cover)));
  absl::StrAppend(&md,
                  MarkdownTable({"variant", "spread median", "spread p90", "spread p99", "accuracy, all rows",
                                 absl::StrFormat("evidence ≥ %.2f: answered → accuracy", o.abstain_min_evidence),
                                 absl::StrFormat("+ spread ≤ %.2f: answered → accuracy", o.abstain_uncertainty)},
                                rows),
                  "\n![coverage](abstain_coverage.svg)\n\n");

  // --- Per variant.
  for (const auto& ev : evaluations) {
    absl::StrAppend(&md, "## Variant `", ev.variant, "`\n\n");
    const auto c = eval::MakeConfusion(labels, ev.truth, Predictions(ev.calibrated));
    rows.clear();
    for (const auto& s : eval::PerClassScores(c)) {
      rows.push_back({s.label, F3(s.precision), F3(s.recall), F3(s.f1), absl::StrCat(s.support)});
    }
    absl::StrAppend(&md, MarkdownTable({"class", "precision", "recall", "F1", "support"}, rows), "\n");
    const std::string conf_file = absl::StrCat("confusion_", ev.variant, ".svg");
    BR_RETURN_IF_ERROR(w.Plot(conf_file, eval::HeatmapSvg(c, absl::StrCat(ev.variant, ": confusion matrix (validation)"))));
    const auto before = eval::MeasureReliability(ev.raw, ev.truth);
    const auto after = eval::MeasureReliability(ev.calibrated, ev.truth);
    const std::string rel_file = absl::StrCat("reliability_", ev.variant, ".svg");
    BR_RETURN_IF_ERROR(w.Plot(rel_file, eval::ReliabilitySvg(absl::StrCat(ev.variant, ": reliability"),
                                                             {{"before temperature", before},
                                                              {absl::StrFormat("after T = %.3f", ev.temperature), after}})));
    absl::StrAppend(&md, "![confusion](", conf_file, ") ![reliability](", rel_file, ")\n\n");
    absl::StrAppendFormat(&md, "ECE (15 bins) %.4f before temperature, %.4f after (T = %.3f fitted on the calibration split).\n\n",
                          before.ece, after.ece, ev.temperature);
    absl::StrAppend(&md, "The five most confident errors:\n\n");
    rows.clear();
    for (const auto& e : ev.confident_errors) {
      rows.push_back({absl::StrFormat("%.0f%%", 100 * e.confidence), e.truth, e.predicted, e.subset, Cell(e.inputs)});
    }
    absl::StrAppend(&md, MarkdownTable({"confidence", "true", "predicted", "shown", "inputs"}, rows), "\n");
    absl::StrAppend(&md, "Separability (silhouette: -1 mixed .. 1 separate, by the true level):\n\n");
    BR_RETURN_IF_ERROR(Separability(w, &md, ev, o));
  }
  BR_RETURN_IF_ERROR(eval::WriteFile(absl::StrCat(dir, "/index.md"), md));
  return absl::OkStatus();
}

}  // namespace burnout::fusion
