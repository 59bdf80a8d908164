// burnout-eval-text: scores a text model directory on a GoEmotions split (dev by default) as a
// multi-label task with the thresholds stored in the model, and reports the speed of Analyze: the
// model's alone and the text service's whole analyzer's (with the burnout lexicon and CLD2).
//
//   burnout-eval-text [--model_dir=models/text-emotion-goemotions/1] [--data_dir=...]
#include <chrono>
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

namespace burnout::text {
namespace {

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
  if (const std::string path = absl::GetFlag(FLAGS_write_outputs); !path.empty()) {
    std::vector<std::vector<std::vector<float>>> by_label(model->labels().size());
    for (const Example& ex : rows) {
      if (__builtin_popcount(ex.labels) != 1) continue;
      auto r = model->Analyze(ex.text, AnalyzeOptions{0});
      if (!r.ok()) continue;
      std::vector<float> p;
      for (const auto& e : r->emotions()) p.push_back(e.probability());
      by_label[__builtin_ctz(ex.labels)].push_back(std::move(p));
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
