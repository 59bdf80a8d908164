#include "common/eval/classifier_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/eval/metrics.h"
#include "common/eval/projection.h"
#include "common/eval/svg.h"
#include "common/status/macros.h"

namespace burnout::eval {
namespace {

constexpr int kBins = 15;
constexpr size_t kErrors = 10;

std::string F3(double v) { return std::isfinite(v) ? absl::StrFormat("%.3f", v) : "-"; }
std::string F4(double v) { return std::isfinite(v) ? absl::StrFormat("%.4f", v) : "-"; }
std::string Pct(double v) { return absl::StrFormat("%.1f%%", 100 * v); }

int Argmax(const std::vector<double>& p) {
  return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
}

absl::Status Check(const ClassifierEvaluation& ev) {
  const size_t k = ev.labels.size(), n = ev.truth.size();
  if (k == 0) return absl::InvalidArgumentError("classifier report: no labels");
  if (n == 0) return absl::InvalidArgumentError("classifier report: no rows");
  if (ev.probs.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("classifier report: ", n, " truths but ", ev.probs.size(), " probability rows"));
  }
  if (!ev.embeddings.empty() && ev.embeddings.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("classifier report: ", n, " rows but ", ev.embeddings.size(), " embeddings"));
  }
  if (!ev.inputs.empty() && ev.inputs.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrCat("classifier report: ", n, " rows but ", ev.inputs.size(), " inputs"));
  }
  for (size_t i = 0; i < n; ++i) {
    if (ev.truth[i] < 0 || ev.truth[i] >= static_cast<int>(k)) {
      return absl::InvalidArgumentError(
          absl::StrCat("classifier report: row ", i, "'s truth ", ev.truth[i], " is not a label index"));
    }
    if (ev.probs[i].size() != k) {
      return absl::InvalidArgumentError(absl::StrCat("classifier report: row ", i, " has ", ev.probs[i].size(),
                                                     " probabilities for ", k, " labels"));
    }
    for (const double p : ev.probs[i]) {
      if (!std::isfinite(p)) {
        return absl::InvalidArgumentError(absl::StrCat("classifier report: row ", i, " has a non-finite probability"));
      }
    }
    if (!ev.embeddings.empty() &&
        (ev.embeddings[i].empty() || ev.embeddings[i].size() != ev.embeddings[0].size())) {
      return absl::InvalidArgumentError(absl::StrCat("classifier report: row ", i, "'s embedding has ",
                                                     ev.embeddings[i].size(), " values, row 0's ",
                                                     ev.embeddings[0].size()));
    }
  }
  return absl::OkStatus();
}

// The first `limit` rows of the round-robin order over the true classes (header comment).
std::vector<size_t> Subsample(const std::vector<int>& truth, size_t classes, size_t limit) {
  std::vector<std::vector<size_t>> by_class(classes);
  for (size_t i = 0; i < truth.size(); ++i) by_class[truth[i]].push_back(i);
  std::vector<size_t> out;
  for (size_t round = 0; out.size() < limit; ++round) {
    bool any = false;
    for (size_t c = 0; c < classes && out.size() < limit; ++c) {
      if (round < by_class[c].size()) {
        out.push_back(by_class[c][round]);
        any = true;
      }
    }
    if (!any) break;
  }
  return out;
}

std::vector<std::vector<double>> Rows(const std::vector<std::array<double, 2>>& points) {
  std::vector<std::vector<double>> out;
  out.reserve(points.size());
  for (const auto& p : points) out.push_back({p[0], p[1]});
  return out;
}

// The separability section: PCA and t-SNE of the subsample, and silhouettes.
absl::Status Separability(const std::string& dir, const ClassifierEvaluation& ev, std::string* md) {
  const size_t limit = static_cast<size_t>(std::max(ev.tsne_rows, 0));
  const std::vector<size_t> picked = Subsample(ev.truth, ev.labels.size(), limit);
  absl::StrAppend(md, "## Separability of the embeddings\n\n");
  if (picked.size() < 3) {
    absl::StrAppend(md, "Too few rows for a projection (", picked.size(), ").\n\n");
    return absl::OkStatus();
  }
  std::vector<std::vector<double>> x;
  std::vector<int> groups;
  std::vector<int> per_class(ev.labels.size(), 0);
  for (const size_t i : picked) {
    x.push_back(ev.embeddings[i]);
    groups.push_back(ev.truth[i]);
    ++per_class[ev.truth[i]];
  }
  int classes_shown = 0;
  for (const int c : per_class) classes_shown += c > 0;
  const double sil_embedding = Silhouette(x, groups);
  const Projection pca = Pca2(x);
  const double sil_pca = Silhouette(Rows(pca.points), groups);
  TsneOptions t;
  t.seed = 7;
  const Projection tsne = Tsne2(x, t);
  const double sil_tsne = Silhouette(Rows(tsne.points), groups);
  const double pc1 = pca.explained.size() > 0 ? pca.explained[0] : 0;
  const double pc2 = pca.explained.size() > 1 ? pca.explained[1] : 0;

  ScatterChart chart;
  chart.groups = groups;
  chart.group_names = ev.labels;
  chart.points = pca.points;
  chart.title = absl::StrCat("PCA of the embeddings: ", ev.title);
  chart.subtitle = absl::StrFormat("%d rows, coloured by true class; PC1 %.0f%%, PC2 %.0f%% of the variance; "
                                   "silhouette %.2f",
                                   x.size(), 100 * pc1, 100 * pc2, sil_pca);
  chart.x_label = "principal component 1";
  chart.y_label = "principal component 2";
  chart.width = 720;
  chart.height = 520;
  BR_RETURN_IF_ERROR(WriteFile(absl::StrCat(dir, "/pca.svg"), ScatterSvg(chart)));
  chart.points = tsne.points;
  chart.title = absl::StrCat("t-SNE of the embeddings: ", ev.title);
  const double perplexity = std::max(1.0, std::min(t.perplexity, (x.size() - 1) / 3.0));  // as Tsne2
  chart.subtitle = absl::StrFormat("%d rows, coloured by true class; perplexity %.0f, seed 7, KL %.2f; "
                                   "silhouette %.2f",
                                   x.size(), perplexity, tsne.kl, sil_tsne);
  chart.x_label = "t-SNE 1 (no units: only neighbourhoods are meaningful)";
  chart.y_label = "t-SNE 2";
  BR_RETURN_IF_ERROR(WriteFile(absl::StrCat(dir, "/tsne.svg"), ScatterSvg(chart)));

  absl::StrAppendFormat(md,
                        "%d of the %d rows (%d-dimensional embeddings), taken in turn from each true "
                        "class so every class appears (%d of %d classes present). The silhouette "
                        "(by true class, Euclidean) runs from -1 (classes mixed) to 1 (classes "
                        "apart); t-SNE keeps neighbourhoods, not distances between clusters.\n\n",
                        x.size(), ev.truth.size(), ev.embeddings[0].size(), classes_shown,
                        ev.labels.size());
  absl::StrAppend(md,
                  MarkdownTable({"space", "silhouette"},
                                {{absl::StrCat("embedding (", ev.embeddings[0].size(), " dimensions)"), F3(sil_embedding)},
                                 {absl::StrFormat("PCA, 2 components (%.0f%% of the variance)", 100 * (pc1 + pc2)),
                                  F3(sil_pca)},
                                 {"t-SNE, 2 dimensions", F3(sil_tsne)}}),
                  "\n![PCA of the embeddings](pca.svg)\n\n![t-SNE of the embeddings](tsne.svg)\n\n");
  return absl::OkStatus();
}

}  // namespace

std::string InputCell(const std::string& input, size_t max_chars) {
  // Whitespace and control characters to single spaces, trimmed.
  std::string flat;
  for (const char ch : input) {
    const unsigned char u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f || ch == ' ') {
      if (!flat.empty() && flat.back() != ' ') flat += ' ';
    } else {
      flat += ch;
    }
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  // Cut at `max_chars` code points.
  size_t chars = 0, cut = std::string::npos;
  for (size_t i = 0; i < flat.size(); ++i) {
    if ((static_cast<unsigned char>(flat[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (chars == (max_chars > 0 ? max_chars - 1 : 0)) cut = i;
    ++chars;
  }
  if (chars > max_chars) {
    flat.resize(cut);
    while (!flat.empty() && flat.back() == ' ') flat.pop_back();
    flat += "…";
  }
  std::string out;
  for (const char ch : flat) {
    if (std::string_view("\\`*_[]<>~&").find(ch) != std::string_view::npos) out += '\\';
    out += ch;
  }
  return out;
}

absl::Status WriteClassifierReport(const std::string& dir, const ClassifierEvaluation& ev) {
  BR_RETURN_IF_ERROR(Check(ev));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::FailedPreconditionError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  const size_t n = ev.truth.size(), k = ev.labels.size();
  std::vector<int> pred;
  pred.reserve(n);
  for (const auto& p : ev.probs) pred.push_back(Argmax(p));
  const Confusion c = MakeConfusion(ev.labels, ev.truth, pred);
  const std::vector<ClassScores> scores = PerClassScores(c);
  const Reliability rel = MeasureReliability(ev.probs, ev.truth, kBins);
  std::vector<int64_t> predicted(k, 0);
  for (const int p : pred) ++predicted[p];
  int64_t majority = 0;
  size_t majority_class = 0;
  for (size_t l = 0; l < k; ++l) {
    if (scores[l].support > majority) majority = scores[l].support, majority_class = l;
  }

  std::string program = ev.program;
  absl::StrReplaceAll({{"`", "'"}, {"\n", " "}}, &program);
  std::string md = absl::StrCat("# ", ev.title, "\n\n");
  if (!ev.data_note.empty()) absl::StrAppend(&md, "Data: ", ev.data_note, "\n\n");
  if (!program.empty()) absl::StrAppend(&md, "Written by `", program, "`.\n\n");
  absl::StrAppend(&md,
                  "Each row has one true class; the prediction is the row's most probable label "
                  "(argmax, no thresholds).\n\n");

  // --- Summary.
  absl::StrAppend(&md, "## Summary\n\n",
                  MarkdownTable({"rows", "classes", "accuracy", "macro-F1", "ECE (15 bins)",
                                 "majority-class accuracy"},
                                {{absl::StrCat(n), absl::StrCat(k), F4(Accuracy(c)), F4(MacroF1(c)),
                                  F4(rel.ece), F4(static_cast<double>(majority) / n)}}),
                  "\n");
  absl::StrAppendFormat(&md,
                        "Macro-F1 is the unweighted mean of the per-class F1 over the classes that "
                        "occur in the truth or the predictions. The majority-class baseline always "
                        "answers \"%s\".\n\n",
                        ev.labels[majority_class]);

  // --- Per class.
  std::vector<std::vector<std::string>> rows;
  BarChart bars;
  bars.title = "Precision, recall and F1 per class";
  bars.subtitle = ev.title;
  bars.x_label = "true class (rows of it)";
  bars.y_label = "score";
  bars.series = {{"precision", {}}, {"recall", {}}, {"F1", {}}};
  bars.width = std::max(640, 120 + static_cast<int>(k) * 64);
  for (size_t l = 0; l < k; ++l) {
    const ClassScores& s = scores[l];
    rows.push_back({s.label, F3(s.precision), F3(s.recall), F3(s.f1), absl::StrCat(s.support),
                    absl::StrCat(predicted[l])});
    bars.categories.push_back(absl::StrCat(s.label, " (", s.support, ")"));
    bars.series[0].values.push_back(s.precision);
    bars.series[1].values.push_back(s.recall);
    bars.series[2].values.push_back(s.f1);
  }
  BR_RETURN_IF_ERROR(WriteFile(absl::StrCat(dir, "/per_class.svg"), BarChartSvg(bars)));
  absl::StrAppend(&md, "## Per class\n\n",
                  MarkdownTable({"class", "precision", "recall", "F1", "support", "predicted"}, rows),
                  "\n![Precision, recall and F1 per class](per_class.svg)\n\n");

  // --- Confusion.
  BR_RETURN_IF_ERROR(
      WriteFile(absl::StrCat(dir, "/confusion.svg"), HeatmapSvg(c, absl::StrCat("Confusion matrix: ", ev.title))));
  absl::StrAppend(&md,
                  "## Confusion matrix\n\nRows are the true classes, columns the predictions; each "
                  "cell shows its count and its share of the row, and its colour is that share.\n\n"
                  "![Confusion matrix](confusion.svg)\n\n");

  // --- Calibration.
  BR_RETURN_IF_ERROR(WriteFile(absl::StrCat(dir, "/reliability.svg"),
                               ReliabilitySvg(absl::StrCat("Reliability: ", ev.title), {{"top label", rel}})));
  absl::StrAppendFormat(&md,
                        "## Calibration\n\nTop-label reliability: each row's largest probability "
                        "(its confidence) against whether that label is the true one, in %d "
                        "equal-width bins. Expected calibration error (ECE) %.4f: the mean gap "
                        "between confidence and accuracy, weighted by the rows in each bin.\n\n"
                        "![Reliability diagram](reliability.svg)\n\n",
                        kBins, rel.ece);
  rows.clear();
  for (const auto& b : rel.bins) {
    if (b.count == 0) continue;
    rows.push_back({absl::StrFormat("%.2f-%.2f", b.lo, b.hi), absl::StrCat(b.count), F3(b.mean_confidence),
                    F3(b.accuracy), absl::StrFormat("%+.3f", b.accuracy - b.mean_confidence)});
  }
  absl::StrAppend(&md, MarkdownTable({"confidence", "rows", "mean confidence", "accuracy", "accuracy - confidence"}, rows),
                  "\n");

  // --- The most confident errors.
  std::vector<size_t> errors;
  for (size_t i = 0; i < n; ++i) {
    if (pred[i] != ev.truth[i]) errors.push_back(i);
  }
  std::stable_sort(errors.begin(), errors.end(),
                   [&](size_t a, size_t b) { return ev.probs[a][pred[a]] > ev.probs[b][pred[b]]; });
  if (errors.size() > kErrors) errors.resize(kErrors);
  absl::StrAppend(&md, "## The most confident errors\n\n");
  if (errors.empty()) {
    absl::StrAppend(&md, "None: every row's most probable label is its true one.\n\n");
  } else {
    absl::StrAppendFormat(&md,
                          "The %d wrong predictions made with the highest confidence, most confident "
                          "first (row: the row's index among the %d evaluated, from 0).\n\n",
                          errors.size(), n);
    std::vector<std::string> header = {"row", "confidence", "true", "predicted", "p(true)"};
    if (!ev.inputs.empty()) header.push_back("input");
    rows.clear();
    for (const size_t i : errors) {
      std::vector<std::string> row = {absl::StrCat(i), Pct(ev.probs[i][pred[i]]), ev.labels[ev.truth[i]],
                                      ev.labels[pred[i]], Pct(ev.probs[i][ev.truth[i]])};
      if (!ev.inputs.empty()) row.push_back(InputCell(ev.inputs[i]));
      rows.push_back(std::move(row));
    }
    absl::StrAppend(&md, MarkdownTable(header, rows), "\n");
  }

  // --- Separability.
  for (const char* stale : {"pca.svg", "tsne.svg"}) std::filesystem::remove(absl::StrCat(dir, "/", stale), ec);
  if (!ev.embeddings.empty() && ev.tsne_rows > 0) BR_RETURN_IF_ERROR(Separability(dir, ev, &md));

  for (const auto& [heading, body] : ev.extra_sections) {
    absl::StrAppend(&md, "## ", heading, "\n\n", body);
    if (!body.empty() && body.back() != '\n') md += '\n';
    md += '\n';
  }
  return WriteFile(absl::StrCat(dir, "/index.md"), md);
}

}  // namespace burnout::eval
