// Scores a loaded TextModel on labelled examples (multi-label, with the model's thresholds).
#pragma once

#include <vector>

#include "services/text/goemotions.h"
#include "services/text/text_metrics.h"
#include "services/text/text_model.h"

namespace burnout::text {

struct EvalReport {
  MultiLabelScorer scorer{0};
  int rows = 0;        // scored
  int skipped = 0;     // rejected by Analyze (e.g. blank text); not scored
  double seconds = 0;  // wall time of the Analyze calls
};

// Runs Analyze (default options) on every example.
EvalReport Evaluate(const TextModel& model, const std::vector<Example>& examples);

}  // namespace burnout::text
