// Synthetic assessment sequences for the trend model. No libtorch here.
//
// WHY SYNTHETIC: there is no longitudinal data set of burnout self-assessments with trend
// labels available to this project. A model trained on these sequences learns the
// assumptions below and nothing more: it shows the GRU, the variable-length handling and
// the serving code work end to end; it is NOT evidence about how real people's trajectories
// look.
//
// ASSUMPTIONS (each is a modelling choice, not a measured fact):
//  1. A sequence has 3-20 assessments (uniform), oldest first, roughly evenly spaced in time
//     (gaps between assessments are not modelled).
//  2. A latent burden b_t in [0, 1] drives every feature. The trend class is equally likely:
//     - improving: b starts in U(0.45, 0.92) and falls by U(0.2, 0.5) over the sequence;
//     - worsening: b starts in U(0.08, 0.55) and rises by U(0.2, 0.5);
//     - stable: b stays around a level drawn from U(0.1, 0.9) (stable-low and stable-high
//       both occur) with a drift of at most +-0.06 and a slow wobble of amplitude <= 0.05.
//     Change is front- or back-loaded (progress^gamma, gamma ~ U(0.6, 1.6)).
//  3. Each step draws the person's state for the day: energy_l = 1 - b + noise, stress_l =
//     0.15 + 0.7 b + noise, mental distance d_l = b + noise, lost efficacy 0.15 + 0.7 b + noise
//     (each sequence has its own noise sd ~ U(0.04, 0.10); distance and efficacy get 0.05
//     more). From it come what the analyzers would report: an emotion profile (a Dirichlet
//     draw over anger, disgust, fear, joy, neutral, sadness, surprise whose concentration
//     follows energy_l and stress_l, as in the fusion generator) and, when text was part of
//     the assessment (70%), the text's burnout dimensions, drawn as
//     common/state/synthetic_text.h documents (the fusion generator draws them the same way),
//     and absolutist_ratio. The joy the text's loss mentions add is moved to neutral, as the
//     orchestrator does.
//  4. The features are then computed with the state engine's own formulas
//     (common/state/state_formulas.h, which the orchestrator uses too): energy, stress and
//     work from the emotions and the text signals; risk = sigmoid(7 (b - 0.5) + N(0, 0.7))
//     stands in for the fusion model's P(moderate) * 0.5 + P(high); the emotion features are
//     the profile's first six labels (surprise is not a feature, so they sum to slightly less
//     than 1).
//  5. Outlier days: each step, with probability 0.08, is shifted by U(0.25, 0.45) in burden
//     (a bad day 70% of the time, an unusually good one 30%) for that step only, so one bad
//     day (even the newest) is not a worsening trend.
//  6. Label noise: with probability 0.03 the label is replaced by a uniformly drawn class.
//  7. Not modelled: seasonality, life events, holidays, changes of analyzer model version,
//     personal baselines.
#pragma once

#include <cstdint>
#include <vector>

namespace burnout::temporal {

struct SequenceOptions {
  int min_steps = 3;
  int max_steps = 20;
  double outlier_rate = 0.08;
  double label_noise = 0.03;
};

struct SyntheticSequence {
  int label = 0;         // observed: 0 improving, 1 stable, 2 worsening (DefaultTrendLabels)
  int latent_trend = 0;  // the trajectory the steps were drawn from
  bool newest_is_outlier = false;
  float start_burden = 0.0f;
  float end_burden = 0.0f;
  // Oldest first; each step has DefaultTrendFeatureNames().size() values in that order.
  std::vector<std::vector<float>> steps;
};

// `count` sequences, a pure function of (count, seed, options) on every platform.
std::vector<SyntheticSequence> GenerateSequences(int count, uint64_t seed,
                                                 const SequenceOptions& options = {});

}  // namespace burnout::temporal
