#include "services/text/evaluate.h"

#include <chrono>

namespace burnout::text {

EvalReport Evaluate(const TextModel& model, const std::vector<Example>& examples) {
  EvalReport report;
  report.scorer = MultiLabelScorer(static_cast<int>(model.labels().size()));
  const AnalyzeOptions options;
  std::vector<float> probabilities;
  const auto start = std::chrono::steady_clock::now();
  for (const Example& ex : examples) {
    auto result = model.Analyze(ex.text, options);
    if (!result.ok()) {
      ++report.skipped;
      continue;
    }
    probabilities.clear();
    for (const auto& e : result->emotions()) probabilities.push_back(e.probability());
    report.scorer.Add(ex.labels, PredictLabels(probabilities, model.thresholds()));
    ++report.rows;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace burnout::text
