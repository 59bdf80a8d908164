// Synthetic assessment sequences for the trend model. No libtorch here.
//
// WHY SYNTHETIC: there is no longitudinal data set of burnout self-assessments with trend
// labels available to this project. A model trained on these sequences learns the
// assumptions below and nothing more: it shows the GRU, the variable-length handling and
// the serving code work end to end; it is NOT evidence about how real people's trajectories
// look.
//
// ASSUMPTIONS (each is a modelling choice, not a measured fact):
//  1. A sequence has 3-20 assessments (uniform), oldest first, at irregular times measured in
//     days. The first is at a random time of day; each later one follows a gap drawn from a
//     mixture: later the same day U(0.03, 0.35) d (cut to stay within the day when there is
//     room), daily-ish U(0.6, 2.5) d, weekly-ish U(3, 10) d, a break U(14, 24) d. Each person
//     has their own habit: the mixture's weights are a Dirichlet draw with mean (0.15, 0.45,
//     0.30, 0.10) and concentration 4, so some assess daily, some weekly, some in bursts. A
//     day is the calendar day floor(t).
//  2. A latent burden b(t) in [0, 1], a function of TIME, drives every feature. Burden moves
//     slowly: a sequence spanning less than 10 days (SequenceOptions::min_trend_days) is
//     stable, since a few days can hold bad days but not a trend. Otherwise the trend class
//     is equally likely:
//     - improving: b starts in U(0.45, 0.92) and falls by U(0.2, 0.5) over the span;
//     - worsening: b starts in U(0.08, 0.55) and rises by U(0.2, 0.5);
//     - stable: b stays around a level drawn from U(0.1, 0.9) (stable-low and stable-high
//       both occur) with a drift of at most +-0.06 and a wobble of amplitude <= 0.05 and a
//       period of 5-25 days.
//     Change follows progress^gamma, gamma ~ U(0.6, 1.6), progress = elapsed / span; half of
//     the trends start at once, half after an onset at U(0.2, 0.6) of the span (a stressor
//     that begins mid-way).
//  3. Each day has its own offset N(0, sd_day), sd_day ~ U(0.02, 0.05) per sequence, shared by
//     all its assessments. Each assessment then draws the person's state: energy_l = 1 - b +
//     noise, stress_l = 0.15 + 0.7 b + noise, mental distance d_l = b + noise, lost efficacy
//     0.15 + 0.7 b + noise (each sequence has its own noise sd ~ U(0.04, 0.10); distance and
//     efficacy get 0.05 more). From it come what the analyzers would report: an emotion
//     profile (a Dirichlet draw over anger, disgust, fear, joy, neutral, sadness, surprise
//     whose concentration follows energy_l and stress_l, as in the fusion generator) and,
//     when text was part of the assessment (70%), the text's burnout dimensions, drawn as
//     common/state/synthetic_text.h documents (the fusion generator draws them the same way),
//     and absolutist_ratio. The joy the text's loss mentions add is moved to neutral, as the
//     orchestrator does.
//  4. The features are then computed with the state engine's own formulas
//     (common/state/state_formulas.h, which the orchestrator uses too): energy, stress and
//     work from the emotions and the text signals; risk = sigmoid(7 (b - 0.5) + N(0, 0.7))
//     stands in for the fusion model's P(moderate) * 0.5 + P(high); the emotion features are
//     the profile's first six labels (surprise is not a feature, so they sum to slightly less
//     than 1); gap_days is EncodeGapDays(t_i - t_{i-1}) (trend_features.h), 0 for the first.
//  5. Outlier DAYS: each day, with probability 0.08, is an outlier day: every assessment on
//     it is shifted by the same U(0.25, 0.45) in burden (a bad day 70% of the time, an
//     unusually good one 30%). People assess again on a bad day: after an assessment on a bad
//     day, the next one is later that same day with probability 0.5. And people open the app
//     because a day is bad: in 12% of sequences (any class) the newest 1-4 assessments
//     (uniform) fall on one bad day. So several assessments on one bad day, even the newest, are
//     not a worsening trend; the same values spread over weeks are.
//  6. Label noise: with probability 0.03 the label is replaced by a uniformly drawn class.
//  7. Not modelled: seasonality, weekdays, life events, holidays, changes of analyzer model
//     version, personal baselines, and any link between the person's burden and how often
//     they assess (beyond bad days).
#pragma once

#include <cstdint>
#include <vector>

namespace burnout::temporal {

struct SequenceOptions {
  int min_steps = 3;
  int max_steps = 20;
  double outlier_day_rate = 0.08;    // assumption 5
  double bad_day_repeat = 0.5;       // assumption 5
  double final_bad_day_rate = 0.12;  // assumption 5
  double min_trend_days = 10.0;      // assumption 2
  double label_noise = 0.03;
};

struct SyntheticSequence {
  int label = 0;         // observed: 0 improving, 1 stable, 2 worsening (DefaultTrendLabels)
  int latent_trend = 0;  // the trajectory the steps were drawn from
  bool newest_is_outlier = false;  // the newest assessment's day is an outlier day
  bool newest_day_is_bad = false;  // ... and a bad one
  int newest_day_assessments = 0;  // assessments on the newest assessment's day
  float start_burden = 0.0f;       // latent b at the first and the newest assessment
  float end_burden = 0.0f;
  // Oldest first. days[i]: time of assessment i in days after the first (days[0] = 0).
  std::vector<double> days;
  // Oldest first; each step has DefaultTrendFeatureNames().size() values in that order, the
  // last being gap_days.
  std::vector<std::vector<float>> steps;
};

// `count` sequences, a pure function of (count, seed, options) on every platform.
std::vector<SyntheticSequence> GenerateSequences(int count, uint64_t seed,
                                                 const SequenceOptions& options = {});

// A probe of what the gap feature is for. Both sequences hold the same feature values but for
// gap_days: 6-10 assessments of a stable person (burden U(0.15, 0.5), no outliers, gaps
// U(0.6, 3) days), then 4 assessments at that burden + U(0.3, 0.45), the first of them
// U(0.6, 3) days after the stable stretch.
//  - clustered: the 4 are one bad day (gaps U(0.05, 0.15) days): latent stable;
//  - spread: the 4 are 6-9 days apart (3-4 weeks in all): latent worsening.
struct BurstProbe {
  SyntheticSequence clustered;
  SyntheticSequence spread;
};
std::vector<BurstProbe> GenerateBurstProbes(int count, uint64_t seed);

}  // namespace burnout::temporal
