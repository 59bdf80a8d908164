// Evaluation metrics for the evaluation reports the trainers and evaluators write: the
// confusion matrix with per-class precision/recall/F1, macro-F1 and accuracy; a reliability
// (calibration) table with its expected calibration error; and the mean silhouette, a number
// to quote next to a separability plot. Plain C++ over std::vector (no libtorch), so any tool
// can link it.
//
// Contract: nothing here fails or throws. Undefined ratios are 0 (as scikit-learn's
// zero_division=0), empty input gives zeros, and malformed rows (an index out of range) are
// skipped rather than guessed at — they are programming errors of the caller, documented
// per function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace burnout::eval {

struct Confusion {
  std::vector<std::string> labels;
  std::vector<std::vector<int64_t>> counts;  // [true][pred], labels.size() squared
};

// Counts (truth[i], pred[i]) pairs. Pairs with an index outside [0, labels.size()) are not
// counted, and only the first min(truth.size(), pred.size()) pairs are read.
Confusion MakeConfusion(std::vector<std::string> labels, const std::vector<int>& truth,
                        const std::vector<int>& pred);

struct ClassScores {
  std::string label;
  double precision = 0, recall = 0, f1 = 0;
  int64_t support = 0;  // true examples of the class
};

// One entry per label, in label order. A class never predicted has precision 0; a class
// absent from the truth has recall 0.
std::vector<ClassScores> PerClassScores(const Confusion& c);

// Unweighted mean F1 over the classes that occur in the truth or the predictions (as
// scikit-learn's f1_score(average="macro") without `labels`); 0 when nothing was counted.
double MacroF1(const Confusion& c);

// Share of counted pairs on the diagonal; 0 when nothing was counted.
double Accuracy(const Confusion& c);

struct ReliabilityBin {
  double lo = 0, hi = 0;       // confidence range [lo, hi), the last bin includes 1
  double mean_confidence = 0;  // 0 when count is 0
  double accuracy = 0;         // share of correct top-label predictions; 0 when empty
  int64_t count = 0;
};
struct Reliability {
  std::vector<ReliabilityBin> bins;  // all `bins` bins, empty ones included
  double ece = 0;                    // sum_b |accuracy_b - confidence_b| * n_b / N
};

// Top-label reliability over equal-width confidence bins: confidence is the largest
// probability of a row, the prediction its (first) argmax, bin = min(bins-1, floor(conf*bins))
// — the same ECE as the fusion trainer's. Rows that are empty or whose truth is out of range
// of the row are skipped (and not counted in N). `bins` < 1 is taken as 1.
Reliability MeasureReliability(const std::vector<std::vector<double>>& probs,
                               const std::vector<int>& truth, int bins = 15);

// Mean silhouette coefficient (Euclidean), in [-1, 1]: for each point, (b - a) / max(a, b)
// with a its mean distance to its own group and b to the nearest other group; a point alone
// in its group scores 0 (as scikit-learn). 0 when there are fewer than two groups. O(N^2 D).
// Only the first min(x.size(), groups.size()) points are used.
double Silhouette(const std::vector<std::vector<double>>& x, const std::vector<int>& groups);

}  // namespace burnout::eval
