// The passive risk score, P(moderate) / 2 + P(high) of fusion's calibrated probabilities: the
// one number the trend, the baselines, the alerts, the check-in comparison and the suggestions
// all read. Header-only.
#pragma once

#include <optional>

#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::insight {

inline float RiskScoreOf(const burnout::v1::FuseResponse& risk) {
  float score = 0;
  for (const auto& p : risk.calibrated_probabilities()) {
    if (p.label() == "moderate") score += 0.5f * p.probability();
    if (p.label() == "high") score += p.probability();
  }
  return score;
}

// An assessment's passive risk: none when fusion abstained (its probabilities are for the
// record only) or fused nothing; else the trend features' "risk" (index 3,
// orchestrator/state_engine.h), which is RiskScoreOf(risk) stored, or RiskScoreOf(risk) for an
// assessment without them.
inline std::optional<double> PassiveRisk(const burnout::v1::Assessment& a) {
  if (a.risk().abstained()) return std::nullopt;
  if (a.trend_features_size() > 3) return a.trend_features(3);
  if (a.risk().calibrated_probabilities_size() == 0) return std::nullopt;
  return RiskScoreOf(a.risk());
}

}  // namespace burnout::insight
