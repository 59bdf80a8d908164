// Multi-label scoring of the text model as in the GoEmotions paper: a text's predicted set is
// every label whose probability reaches that label's threshold, plus the most probable label.
#pragma once

#include <cstdint>
#include <vector>

namespace burnout::text {

// Bit l set <=> probabilities[l] >= thresholds[l] or l is the argmax.
uint32_t PredictLabels(const std::vector<float>& probabilities,
                       const std::vector<float>& thresholds);

struct LabelMetrics {
  int true_positives = 0;
  int false_positives = 0;
  int false_negatives = 0;
  double precision() const;
  double recall() const;
  double f1() const;  // 0 when there is nothing to score
};

// Accumulates per-label counts over (gold, predicted) label sets.
class MultiLabelScorer {
 public:
  explicit MultiLabelScorer(int num_labels) : labels_(num_labels) {}
  void Add(uint32_t gold, uint32_t predicted);
  const LabelMetrics& label(int l) const { return labels_[l]; }
  double MacroF1() const;  // unweighted mean of the per-label F1

 private:
  std::vector<LabelMetrics> labels_;
};

// Per label, the threshold in {0.01, 0.02, ..., 0.99} that maximises that label's F1 on
// (probabilities, gold), the argmax rule included. Ties go to the lowest threshold.
std::vector<float> TuneThresholds(const std::vector<std::vector<float>>& probabilities,
                                  const std::vector<uint32_t>& gold, int num_labels);

}  // namespace burnout::text
