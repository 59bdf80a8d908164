#include "services/text/text_metrics.h"

#include <algorithm>

namespace burnout::text {
namespace {

int Argmax(const std::vector<float>& p) {
  return static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin());
}

double F1(int tp, int fp, int fn) {
  const int denominator = 2 * tp + fp + fn;
  return denominator == 0 ? 0.0 : 2.0 * tp / denominator;
}

}  // namespace

uint32_t PredictLabels(const std::vector<float>& probabilities,
                       const std::vector<float>& thresholds) {
  if (probabilities.empty()) return 0;
  uint32_t mask = 1u << Argmax(probabilities);
  for (size_t l = 0; l < probabilities.size() && l < thresholds.size(); ++l) {
    if (probabilities[l] >= thresholds[l]) mask |= 1u << l;
  }
  return mask;
}

double LabelMetrics::precision() const {
  const int n = true_positives + false_positives;
  return n == 0 ? 0.0 : static_cast<double>(true_positives) / n;
}

double LabelMetrics::recall() const {
  const int n = true_positives + false_negatives;
  return n == 0 ? 0.0 : static_cast<double>(true_positives) / n;
}

double LabelMetrics::f1() const { return F1(true_positives, false_positives, false_negatives); }

void MultiLabelScorer::Add(uint32_t gold, uint32_t predicted) {
  for (size_t l = 0; l < labels_.size(); ++l) {
    const bool g = gold >> l & 1u, p = predicted >> l & 1u;
    labels_[l].true_positives += g && p;
    labels_[l].false_positives += !g && p;
    labels_[l].false_negatives += g && !p;
  }
}

double MultiLabelScorer::MacroF1() const {
  if (labels_.empty()) return 0.0;
  double sum = 0;
  for (const auto& m : labels_) sum += m.f1();
  return sum / static_cast<double>(labels_.size());
}

std::vector<float> TuneThresholds(const std::vector<std::vector<float>>& probabilities,
                                  const std::vector<uint32_t>& gold, int num_labels) {
  std::vector<float> thresholds(num_labels, 0.5f);
  std::vector<int> argmax(probabilities.size());
  for (size_t i = 0; i < probabilities.size(); ++i) argmax[i] = Argmax(probabilities[i]);
  for (int l = 0; l < num_labels; ++l) {
    double best = -1;
    for (int step = 1; step <= 99; ++step) {
      const float t = step / 100.0f;
      int tp = 0, fp = 0, fn = 0;
      for (size_t i = 0; i < probabilities.size(); ++i) {
        const bool p = argmax[i] == l || probabilities[i][l] >= t;
        const bool g = gold[i] >> l & 1u;
        tp += g && p;
        fp += !g && p;
        fn += g && !p;
      }
      const double f = F1(tp, fp, fn);
      if (f > best) {
        best = f;
        thresholds[l] = t;
      }
    }
  }
  return thresholds;
}

}  // namespace burnout::text
