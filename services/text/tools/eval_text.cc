// burnout-eval-text: scores a text model directory on a GoEmotions split (dev by default) as a
// multi-label task with the thresholds stored in the model, and reports the speed of Analyze: the
// model's alone and the text service's whole analyzer's (with the burnout lexicon and CLD2).
// --report DIR also writes an evaluation report (common/eval/classifier_report.h: index.md and
// SVG charts) of the split's single-label rows, with the multi-label table as an extra section.
//
//   burnout-eval-text [--model_dir=models/text-emotion-goemotions/1] [--data_dir=...]
//                     [--report=DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/eval/classifier_report.h"
#include "common/eval/metrics.h"
#include "common/eval/svg.h"
#include "common/model/model_dir.h"
#include "common/model/output_profile.h"
#include "common/status/macros.h"
#include "services/text/evaluate.h"
#include "services/text/goemotions.h"
#include "services/text/text_analyzer.h"
#include "services/text/text_model.h"

ABSL_FLAG(std::string, model_dir, BURNOUT_SOURCE_DIR "/models/text-emotion-goemotions/1",
          "text-bag model directory (default: the shipped model)");
ABSL_FLAG(std::string, data_dir, BURNOUT_SOURCE_DIR "/../shared/data/goemotions",
          "GoEmotions directory; the default is ../shared/data/goemotions relative to the "
          "repository root");
ABSL_FLAG(std::string, split, "dev", "which <split>.tsv to score");
ABSL_FLAG(std::string, lexicon_dir, BURNOUT_SOURCE_DIR "/models/text-burnout-lexicon",
          "burnout lexicon for the whole analyzer's speed (the service's default; empty: skip)");
ABSL_FLAG(std::string, write_outputs, "",
          "write the model's outputs per true label on the split's single-label rows "
          "(burnout.v1.ExpressionOutputProfile, text proto; the fusion trainer's text slot draws "
          "from it) to this file");
ABSL_FLAG(std::string, report, "",
          "write an evaluation report (index.md and SVG charts) of the split's single-label rows "
          "to this directory, with the multi-label scores as an extra section");

namespace burnout::text {
namespace {

// A path under the source tree as the repository spells it, so the report names no machine.
std::string SourceRelative(const std::string& path) {
  const std::string root = std::string(BURNOUT_SOURCE_DIR) + "/";
  return path.rfind(root, 0) == 0 ? path.substr(root.size()) : path;
}

// The model's outputs on the split's rows with exactly one Ekman label (rows Analyze rejects
// are left out): what --write_outputs and --report describe.
struct SingleLabelRows {
  std::vector<int> truth;
  std::vector<std::vector<double>> probs;  // in model->labels() order
  std::vector<std::vector<double>> embeddings;
  std::vector<std::string> texts;
};

absl::StatusOr<SingleLabelRows> AnalyzeSingleLabelRows(const TextModel& model, const std::vector<Example>& rows) {
  std::map<std::string, int> index;
  for (size_t l = 0; l < model.labels().size(); ++l) index[model.labels()[l]] = static_cast<int>(l);
  SingleLabelRows out;
  for (const Example& ex : rows) {
    if (__builtin_popcount(ex.labels) != 1) continue;
    auto r = model.Analyze(ex.text, AnalyzeOptions{0});
    if (!r.ok()) continue;
    std::vector<double> p(model.labels().size(), 0.0);
    for (const auto& e : r->emotions()) {
      const auto it = index.find(e.label());
      if (it == index.end()) return absl::InternalError(absl::StrCat("the model emitted an unknown label ", e.label()));
      p[it->second] = e.probability();
    }
    out.truth.push_back(__builtin_ctz(ex.labels));
    out.probs.push_back(std::move(p));
    out.embeddings.emplace_back(r->embedding().values().begin(), r->embedding().values().end());
    out.texts.push_back(ex.text);
  }
  return out;
}

// The multi-label per-class table (the model's thresholds), as the report's extra section.
std::string MultiLabelSection(const TextModel& model, const EvalReport& report, const std::string& split) {
  std::vector<std::vector<std::string>> rows;
  for (size_t l = 0; l < model.labels().size(); ++l) {
    const LabelMetrics& m = report.scorer.label(static_cast<int>(l));
    rows.push_back({model.labels()[l], absl::StrFormat("%.2f", model.thresholds()[l]), absl::StrFormat("%.4f", m.precision()),
                    absl::StrFormat("%.4f", m.recall()), absl::StrFormat("%.4f", m.f1()),
                    absl::StrCat(m.true_positives + m.false_negatives)});
  }
  return absl::StrCat(
      "All ", report.rows, " rows of the ", split, " split (", report.skipped,
      " rejected by Analyze), each label decided on its own: a row shows label l when its "
      "probability is at least the model's threshold for l (tuned at training time on held-out "
      "training data), and its most probable label always. This is how the model is trained and "
      "selected; the sections above score the single-label rows by their argmax only.\n\n",
      eval::MarkdownTable({"label", "threshold", "precision", "recall", "F1", "support"}, rows),
      absl::StrFormat("\nMulti-label macro-F1 %.4f.\n", report.scorer.MacroF1()));
}

absl::Status Run() {
  const std::string model_dir = absl::GetFlag(FLAGS_model_dir);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  BR_RETURN_IF_ERROR(CheckDataDir(data_dir));
  BR_ASSIGN_OR_RETURN(std::unique_ptr<TextModel> model, TextModel::Load(model_dir));
  if (model->labels() != EkmanLabels()) {
    return absl::FailedPreconditionError(
        absl::StrCat(model_dir, ": labels are ", absl::StrJoin(model->labels(), ","),
                     "; GoEmotions scoring needs ", absl::StrJoin(EkmanLabels(), ",")));
  }
  const std::string split = absl::GetFlag(FLAGS_split);
  BR_ASSIGN_OR_RETURN(std::vector<Example> rows, LoadGoEmotions(data_dir, split));
  const EvalReport report = Evaluate(*model, rows);
  std::printf("model %s/%s (sha256 %s)\n", model->info().name().c_str(),
              model->info().version().c_str(), model->info().sha256().c_str());
  std::printf("GoEmotions %s split: %d rows scored, %d rejected by Analyze\n", split.c_str(),
              report.rows, report.skipped);
  std::printf("%-10s %9s %9s %9s %9s %9s\n", "label", "threshold", "precision", "recall", "F1",
              "support");
  for (size_t l = 0; l < model->labels().size(); ++l) {
    const LabelMetrics& m = report.scorer.label(static_cast<int>(l));
    std::printf("%-10s %9.2f %9.4f %9.4f %9.4f %9d\n", model->labels()[l].c_str(),
                model->thresholds()[l], m.precision(), m.recall(), m.f1(),
                m.true_positives + m.false_negatives);
  }
  std::printf("macro-F1 %.4f\n", report.scorer.MacroF1());
  const std::string write_outputs = absl::GetFlag(FLAGS_write_outputs), report_dir = absl::GetFlag(FLAGS_report);
  const auto single_start = std::chrono::steady_clock::now();
  SingleLabelRows single;
  if (!write_outputs.empty() || !report_dir.empty()) {
    BR_ASSIGN_OR_RETURN(single, AnalyzeSingleLabelRows(*model, rows));
  }
  const double single_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - single_start).count();
  if (const std::string& path = write_outputs; !path.empty()) {
    std::vector<std::vector<std::vector<float>>> by_label(model->labels().size());
    for (size_t i = 0; i < single.truth.size(); ++i) {
      by_label[single.truth[i]].emplace_back(single.probs[i].begin(), single.probs[i].end());
    }
    burnout::v1::ExpressionOutputProfile profile;
    profile.set_model_id(absl::StrCat(model->info().name(), "/", model->info().version()));
    profile.set_model_sha256(model->info().sha256());
    int used = 0;
    for (const auto& v : by_label) used += static_cast<int>(v.size());
    profile.set_data(absl::StrCat("GoEmotions ", split, " split: ", used,
                                  " rows with a single Ekman label (burnout-eval-text --write_outputs)"));
    for (const auto& l : model->labels()) profile.add_labels(l);
    for (size_t l = 0; l < by_label.size(); ++l) model::AddTrueLabel(model->labels()[l], by_label[l], &profile);
    BR_RETURN_IF_ERROR(model::WriteOutputProfile(
        path,
        "# The text emotion model's outputs on GoEmotions texts, per true label (burnout.v1.ExpressionOutputProfile),\n"
        "# written by burnout-eval-text --write_outputs. The fusion trainer's text slot draws from it.\n",
        profile));
    std::printf("wrote %s\n", path.c_str());
  }
  if (!report_dir.empty()) {
    const auto start = std::chrono::steady_clock::now();
    const std::string model_id = absl::StrCat(model->info().name(), "/", model->info().version());
    eval::ClassifierEvaluation ev;
    ev.title = absl::StrCat("Text emotion model ", model_id, " on GoEmotions ", split);
    ev.data_note = absl::StrCat(
        "the ", single.truth.size(), " rows of the GoEmotions ", split, " split (", rows.size(),
        " rows) whose labels map to exactly one Ekman emotion (rows Analyze rejects are left out). "
        "GoEmotions: Demszky et al., ACL 2020, Apache-2.0; 28 Reddit-comment emotions mapped onto "
        "Ekman's six plus neutral by its ekman_mapping.json. The model ", model_id, " (sha256 ",
        model->info().sha256().substr(0, 12), "…) is the one in `", SourceRelative(model_dir), "`.");
    ev.program = absl::StrCat("burnout-eval-text --model_dir=", SourceRelative(model_dir),
                              " --data_dir=", SourceRelative(data_dir), " --split=", split, " --report=", report_dir);
    ev.labels = model->labels();
    ev.truth = std::move(single.truth);
    ev.probs = std::move(single.probs);
    ev.embeddings = std::move(single.embeddings);
    ev.inputs = std::move(single.texts);
    ev.extra_sections.push_back({"Multi-label scores on all rows", MultiLabelSection(*model, report, split)});
    std::vector<int> predicted;
    for (const auto& p : ev.probs) predicted.push_back(static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin()));
    const eval::Confusion confusion = eval::MakeConfusion(ev.labels, ev.truth, predicted);
    BR_RETURN_IF_ERROR(eval::WriteClassifierReport(report_dir, ev));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("single-label rows: %zu, accuracy %.4f, macro-F1 %.4f (argmax)\n", ev.truth.size(),
                eval::Accuracy(confusion), eval::MacroF1(confusion));
    std::printf("wrote report %s/index.md in %.2f s (%.2f s analysing the single-label rows, %.2f s "
                "metrics, projections and charts)\n",
                report_dir.c_str(), single_seconds + seconds, single_seconds, seconds);
  }
  std::printf("speed: %.0f rows/s (Analyze with evidence, one thread)\n",
              report.seconds > 0 ? report.rows / report.seconds : 0.0);
  // The service's whole analyzer: emotions, the burnout dimensions and the language check.
  if (const std::string lexicon_dir = absl::GetFlag(FLAGS_lexicon_dir); !lexicon_dir.empty()) {
    BR_ASSIGN_OR_RETURN(std::shared_ptr<const BurnoutLexicon> lexicon, BurnoutLexicon::Load(lexicon_dir));
    BR_ASSIGN_OR_RETURN(std::unique_ptr<TextModel> again, TextModel::Load(model_dir));
    const TextAnalyzer analyzer(std::move(again), lexicon);
    const auto start = std::chrono::steady_clock::now();
    int done = 0;
    for (const Example& ex : rows) done += analyzer.Analyze(ex.text, AnalyzeOptions()).ok();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("speed: %.0f rows/s (the text service's analyzer: emotions, dimensions, language; one thread)\n",
                seconds > 0 ? done / seconds : 0.0);
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace burnout::text

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Status s = burnout::text::Run();
  if (!s.ok()) {
    std::fprintf(stderr, "burnout-eval-text: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
