// The seeds' state engine: emotions and indicators -> three dimensions a person can read.
// Pure functions, no I/O; thread-safe.
//
// Canonical emotions are the text model's seven labels. Voice (neutral, happy, angry, sad)
// and face (FER: angry, disgust, fear, happy, neutral, sad, surprise) labels are mapped onto
// them by name (happy -> joy, angry -> anger, sad -> sadness); labels with no mapping are
// ignored. The modalities are mixed by their fusion attention weights.
//
// Each canonical emotion has a place on Russell's circumplex (valence v, arousal a):
//   anger (-0.6, 0.8)  disgust (-0.6, 0.3)  fear (-0.7, 0.7)  joy (0.8, 0.5)
//   neutral (0.0, -0.1)  sadness (-0.7, -0.5)  surprise (0.2, 0.7)
// and the dimensions, each clamped to [0, 1], are (V, A = probability-weighted means):
//   energy = 0.5 + 0.3 A + 0.25 V - 3 fatigue_term_ratio        (exhaustion, inverted)
//   stress = 0.1 + 0.9 (anger + fear) + 0.4 (disgust + sadness) + 2 absolutist_ratio
//   work   = 0.55 + 0.35 V - 0.5 disgust - 0.2 anger             (engagement vs cynicism)
// fatigue_term_ratio / absolutist_ratio come from the text indicators when text was used.
// These are documented heuristics that follow Maslach's exhaustion / strain / cynicism
// dimensions, not a validated instrument.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::orchestrator {

inline const std::array<std::string, 7> kCanonicalEmotions = {
    "anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"};

using EmotionProfile = std::array<float, 7>;  // in kCanonicalEmotions order, sums to 1 or 0

// The canonical name for a model label ("happy" -> "joy"), or "" when there is none.
std::string CanonicalEmotion(const std::string& label);

// Attention-weighted mix of the used modalities' emotions (renormalised; all zero when no
// used modality carries a mappable label).
EmotionProfile CombineEmotions(const std::vector<burnout::v1::ModalityOutcome>& outcomes);

burnout::v1::StateDimensions ComputeState(
    const EmotionProfile& emotions, const std::vector<burnout::v1::ModalityOutcome>& outcomes);

// P(moderate) * 0.5 + P(high), from the calibrated probabilities.
float RiskScore(const burnout::v1::FuseResponse& risk);

// The temporal model's per-assessment vector, in kTrendFeatureNames order.
inline const std::vector<std::string> kTrendFeatureNames = {
    "energy", "stress", "work", "risk", "anger", "disgust", "fear", "joy", "neutral", "sadness"};
std::vector<float> TrendFeatures(const burnout::v1::StateDimensions& state, float risk_score,
                                 const EmotionProfile& emotions);

// Value of a named indicator in a result, or `fallback`.
double IndicatorValue(const burnout::v1::ModalityResult& result, const std::string& name,
                      double fallback);

}  // namespace burnout::orchestrator
