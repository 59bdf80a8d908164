// What the text analyzer's burnout dimensions would read in a journal entry written by a person
// in a given latent state: the one model of it that both synthetic generators use (the fusion
// model's profiles, services/fusion/synthetic_profiles.h, and the temporal model's sequences,
// services/temporal/synthetic_sequences.h). An assumption, not a measurement.
//
// A text of `words` words mentions each dimension a Poisson number of times, more in longer
// texts (x L, L = sqrt(words / 40) clipped to [0.4, 2.5]), at rates that follow the state
// (e energy, st stress, d mental distance, ie lost efficacy, f = 1 - e):
//   exhaustion        0.08 + 2.2 f^2          overload   0.12 + 1.6 st^2
//   mental_distance   0.05 + 1.8 d^2          reduced_efficacy 0.04 + 1.4 ie^2
//   recovery          0.10 + 2.0 e^2 (1 - st) (1 - d)
// Each mention weighs U(0.35, 1.1) (the lexicon's weights with their modifiers); a dimension's
// score is 1 - exp(-sum), as the lexicon scores it. People with mental distance also write about
// what they used to enjoy ("I used to love this work"): Poisson(0.6 d^2 L) loss mentions, which
// the lexicon counts as mental distance (weight U(0.3, 0.8)) and which an emotion model that
// only sees words reads as joy (`loss_mentions`, for the emotion draw).
#pragma once

#include <algorithm>
#include <cmath>

#include "common/random/rng.h"

namespace burnout::state {

struct LatentText {
  double energy = 0.5, stress = 0.5, distance = 0.5, inefficacy = 0.5;
};

struct DrawnDimensions {
  double exhaustion = 0, overload = 0, mental_distance = 0, reduced_efficacy = 0, recovery = 0;
  int loss_mentions = 0;
};

inline DrawnDimensions DrawTextDimensions(const LatentText& s, int words, random::Rng& rng) {
  const double length = std::clamp(std::sqrt(words / 40.0), 0.4, 2.5);
  const double e = s.energy, st = s.stress, d = s.distance, ie = s.inefficacy, f = 1.0 - s.energy;
  auto mentions = [&](double rate, double lo, double hi) {
    const int n = rng.Poisson(rate * length);
    double raw = 0;
    for (int i = 0; i < n; ++i) raw += rng.Uniform(lo, hi);
    return raw;
  };
  DrawnDimensions out;
  const double exhaustion = mentions(0.08 + 2.2 * f * f, 0.35, 1.1);
  const double overload = mentions(0.12 + 1.6 * st * st, 0.35, 1.1);
  double distance = mentions(0.05 + 1.8 * d * d, 0.35, 1.1);
  const double efficacy = mentions(0.04 + 1.4 * ie * ie, 0.35, 1.1);
  const double recovery = mentions(0.10 + 2.0 * e * e * (1.0 - st) * (1.0 - d), 0.35, 1.1);
  out.loss_mentions = rng.Poisson(0.6 * d * d * length);
  for (int i = 0; i < out.loss_mentions; ++i) distance += rng.Uniform(0.3, 0.8);
  auto score = [](double raw) { return 1.0 - std::exp(-raw); };
  out.exhaustion = score(exhaustion);
  out.overload = score(overload);
  out.mental_distance = score(distance);
  out.reduced_efficacy = score(efficacy);
  out.recovery = score(recovery);
  return out;
}

}  // namespace burnout::state
