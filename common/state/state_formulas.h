// The state engine's formulas: emotions and text signals -> energy, stress and engagement with
// work, each in [0, 1]. One place for them, because two users must agree: the orchestrator
// (orchestrator/state_engine.h computes them for every assessment) and the temporal model's
// synthetic sequences (services/temporal/synthetic_sequences.h draws its training features
// through them). Pure functions, header-only.
//
// Emotions are the seven canonical ones (anger, disgust, fear, joy, neutral, sadness,
// surprise), each placed on Russell's circumplex (valence v, arousal a):
//   anger (-0.6, 0.8)  disgust (-0.6, 0.3)  fear (-0.7, 0.7)  joy (0.8, 0.5)
//   neutral (0.0, -0.1)  sadness (-0.7, -0.5)  surprise (0.2, 0.7)
// With V, A the probability-weighted means, and the text's burnout dimensions (0 without text):
//   energy = 0.5 + 0.3 A + 0.25 V - 0.55 exhaustion + 0.2 recovery
//   stress = 0.1 + 0.9 (anger + fear) + 0.4 (disgust + sadness) + 2 absolutist_ratio
//            + 0.45 overload
//   work   = 0.55 + 0.35 V - 0.5 disgust - 0.2 anger - 0.45 mental_distance
//            - 0.25 reduced_efficacy + 0.2 recovery
// A text analyzer without the burnout lexicon reports no dimensions; energy then falls by
// 3 fatigue_term_ratio instead (the earlier word count). These follow Maslach's exhaustion,
// strain and cynicism and Schaufeli's engagement as documented heuristics, not a validated
// instrument.
#pragma once

#include <algorithm>
#include <array>

namespace burnout::state {

struct TextSignals {
  bool has_dimensions = false;      // the burnout lexicon's five scores below are measured
  double exhaustion = 0, overload = 0, mental_distance = 0, reduced_efficacy = 0, recovery = 0;
  double fatigue_term_ratio = 0;    // used only without dimensions
  double absolutist_ratio = 0;
};

struct StateValues {
  double energy = 0, stress = 0, work = 0;
};

inline constexpr std::array<double, 7> kValence = {-0.6, -0.6, -0.7, 0.8, 0.0, -0.7, 0.2};
inline constexpr std::array<double, 7> kArousal = {0.8, 0.3, 0.7, 0.5, -0.1, -0.5, 0.7};

// `emotions` in the canonical order, summing to 1 (or all 0: no emotion was measured).
inline StateValues ComputeStateValues(const std::array<double, 7>& e, const TextSignals& t) {
  double valence = 0, arousal = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    valence += e[i] * kValence[i];
    arousal += e[i] * kArousal[i];
  }
  const double anger = e[0], disgust = e[1], fear = e[2], sadness = e[5];
  auto clamp = [](double v) { return std::clamp(v, 0.0, 1.0); };
  StateValues s;
  const double tiredness = t.has_dimensions ? 0.55 * t.exhaustion - 0.2 * t.recovery : 3.0 * t.fatigue_term_ratio;
  s.energy = clamp(0.5 + 0.3 * arousal + 0.25 * valence - tiredness);
  s.stress = clamp(0.1 + 0.9 * (anger + fear) + 0.4 * (disgust + sadness) + 2.0 * t.absolutist_ratio +
                   0.45 * t.overload);
  s.work = clamp(0.55 + 0.35 * valence - 0.5 * disgust - 0.2 * anger - 0.45 * t.mental_distance -
                 0.25 * t.reduced_efficacy + 0.2 * t.recovery);
  return s;
}

}  // namespace burnout::state
