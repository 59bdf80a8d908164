// The seeds' state engine: emotions and indicators -> three dimensions a person can read.
// Pure functions, no I/O; thread-safe.
//
// Canonical emotions are the text model's seven labels. Voice (neutral, happy, angry, sad)
// and face (FER: angry, disgust, fear, happy, neutral, sad, surprise) labels are mapped onto
// them by name (happy -> joy, angry -> anger, sad -> sadness); labels with no mapping are
// ignored. The modalities are mixed by their fusion attention weights.
//
// The dimensions (energy, stress, work) follow common/state/state_formulas.h, from the mixed
// emotions and the text's burnout dimensions (exhaustion, overload, mental distance, reduced
// efficacy, recovery; fatigue_term_ratio without them) and absolutist_ratio.
//
// Joy the text model read in words the text puts in the past ("I used to love this work": the
// text analyzer's evidence with context "loss") is not present joy: the share of the text's joy
// that loss accounts for (PresentJoyShare) counts as neutral in the mix.
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

// The share of a text result's joy that is about the present: recovery / (recovery + loss), the
// raw sums of the recovery dimension and of the "loss" evidence; 1 without loss evidence.
double PresentJoyShare(const burnout::v1::ModalityResult& text);

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
