// burnout-eval-text: scores a text model directory on a GoEmotions split (dev by default) as a
// multi-label task with the thresholds stored in the model, and reports the speed of Analyze.
//
//   burnout-eval-text [--model_dir=models/text-emotion-goemotions/1] [--data_dir=...]
#include <cstdio>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/macros.h"
#include "services/text/evaluate.h"
#include "services/text/goemotions.h"
#include "services/text/text_model.h"

ABSL_FLAG(std::string, model_dir, BURNOUT_SOURCE_DIR "/models/text-emotion-goemotions/1",
          "text-bag model directory (default: the shipped model)");
ABSL_FLAG(std::string, data_dir, BURNOUT_SOURCE_DIR "/../shared/data/goemotions",
          "GoEmotions directory; the default is ../shared/data/goemotions relative to the "
          "repository root");
ABSL_FLAG(std::string, split, "dev", "which <split>.tsv to score");

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
  std::printf("speed: %.0f rows/s (Analyze with evidence, one thread)\n",
              report.seconds > 0 ? report.rows / report.seconds : 0.0);
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
