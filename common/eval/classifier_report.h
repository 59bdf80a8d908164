// The evaluation report of one single-label classifier on one labelled set: `index.md` plus
// SVG charts beside it, written by the text and face evaluators (burnout-eval-text --report,
// burnout-eval-face --report). The fusion trainer's multi-variant report is its own
// (services/fusion/fusion_report.h); this one is for any model whose per-row probabilities
// over a fixed label set are at hand. No libtorch, no OpenCV, no protos.
//
// Contents of index.md, in order:
//   - what was evaluated (title), on what data (data_note), by which command (program);
//   - summary: rows, accuracy and macro-F1 of the argmax prediction (with the majority-class
//     baseline), and the top-label ECE (15 bins);
//   - per class: precision, recall, F1, support and predicted count (table), and a grouped bar
//     chart of precision / recall / F1 per class (per_class.svg);
//   - the confusion matrix heatmap (confusion.svg; counts and row shares);
//   - a reliability diagram (reliability.svg) and a table of its non-empty bins;
//   - the ten most confident errors (most confident first; ties in row order), with their
//     inputs when given;
//   - when embeddings are given: PCA and t-SNE scatter plots (pca.svg, tsne.svg) of a
//     deterministic subsample, coloured by the true class, with silhouette scores in the
//     embedding space and in both maps;
//   - extra_sections, in order, each under its own "## heading".
//
// The subsample for the projections is the first `tsne_rows` rows of a round-robin order
// over the true classes (class 0's first row, class 1's first row, ..., then each class's
// second row, ...), so every class appears however rare it is; the same input always gives
// the same plots.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace burnout::eval {

struct ClassifierEvaluation {
  std::string title;      // "Text emotion model text-emotion-goemotions/1 on GoEmotions dev"
  std::string data_note;  // what the rows are, with credit (Markdown)
  std::string program;    // the command line that wrote the report
  std::vector<std::string> labels;
  std::vector<int> truth;                  // single-label rows: the true class per row
  std::vector<std::vector<double>> probs;  // per row, over labels (need not sum to 1 exactly)
  // Optional (empty, or one per row, all of one non-zero length): the model's embedding of
  // the row, for the separability plots.
  std::vector<std::vector<double>> embeddings;
  // Optional (empty, or one per row): the input in words (the text, a file name), shown in
  // the most-confident-errors table — whitespace collapsed, Markdown escaped, cut to 160
  // characters.
  std::vector<std::string> inputs;
  // Optional (heading, Markdown body) sections appended after the standard ones, e.g. the
  // text model's multi-label per-class table with its thresholds.
  std::vector<std::pair<std::string, std::string>> extra_sections;
  int tsne_rows = 600;  // rows in the PCA and t-SNE plots (exact t-SNE is O(n^2)); <= 0: none
};

// Writes `dir`/index.md and its SVG files (creating `dir`; a pca.svg or tsne.svg left there by
// an earlier report is removed when this one has no embeddings). INVALID_ARGUMENT when there
// are no labels or no rows, when truth, probs, embeddings or inputs disagree in length, when a
// probability row is not of labels.size() finite values, a truth is out of range, or the
// embeddings differ in length; FAILED_PRECONDITION / INTERNAL naming the path when the
// directory or a file cannot be written.
absl::Status WriteClassifierReport(const std::string& dir, const ClassifierEvaluation& evaluation);

// `input` as one Markdown table cell of at most `max_chars` characters (UTF-8 code points):
// runs of whitespace and control characters (newlines included) become one space, a longer
// text is cut and ends in "…", and Markdown's inline markup (\ ` * _ [ ] < > ~ &) is
// backslash-escaped so the text shows as written. The pipe is left to MarkdownTable, which
// escapes it as "\|". Exposed for tests.
std::string InputCell(const std::string& input, size_t max_chars = 160);

}  // namespace burnout::eval
