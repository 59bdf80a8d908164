// Two-dimensional projections of embeddings for the evaluation reports' separability plots:
// PCA (linear, shows the global shape and how much variance two axes keep) and exact t-SNE
// (van der Maaten & Hinton 2008; shows neighbourhoods, not distances between clusters).
//
// Contract: deterministic — the same input (and seed) gives bit-identical output on every
// standard library (t-SNE draws its start from std::mt19937_64 through its own Box-Muller,
// never a std:: distribution). Rows are points; all rows should have the same length (a
// pair of rows is compared over their common prefix). Empty input gives an empty
// projection; nothing throws. Both are O(N^2) in memory; meant for N up to a few thousand.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace burnout::eval {

struct Projection {
  std::vector<std::array<double, 2>> points;  // one per input row
  std::vector<double> explained;  // PCA: share of the total variance of components 1 and 2
  double kl = 0;                  // t-SNE: KL(P || Q) of the final embedding
};

// Principal components 1 and 2 of the centred data (covariance, subspace iteration with a
// 2x2 Rayleigh-Ritz step, at most 1000 steps: when two eigenvalues nearly tie, the component
// is some direction in their span). Each component's sign makes its largest-|loading| entry
// positive. Constant data projects to (0, 0) with explained {0, 0}. O(N D^2).
Projection Pca2(const std::vector<std::vector<double>>& x);

struct TsneOptions {
  double perplexity = 30;  // clamped to [1, (N-1)/3]
  int iterations = 750;
  uint64_t seed = 1;
  double learning_rate = 200;
  double early_exaggeration = 12;
  int exaggeration_iterations = 250;  // P is exaggerated and momentum is 0.5 for these, then 0.8
};

// Exact t-SNE: per-point Gaussian bandwidths by binary search to the perplexity, symmetrised
// P, Student-t Q, gradient descent with momentum and per-coordinate gains, start N(0, 1e-4^2).
// O(N^2) per iteration: N = 1500 takes a few seconds on one core. Output is centred.
Projection Tsne2(const std::vector<std::vector<double>>& x, const TsneOptions& options = {});

}  // namespace burnout::eval
