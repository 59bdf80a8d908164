#include "orchestrator/state_engine.h"

#include "orchestrator/insight/passive_risk.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/state/state_formulas.h"

namespace burnout::orchestrator {
namespace {

int Index(const std::string& canonical) {
  for (size_t i = 0; i < kCanonicalEmotions.size(); ++i) {
    if (kCanonicalEmotions[i] == canonical) return static_cast<int>(i);
  }
  return -1;
}

constexpr int kJoy = 3, kNeutral = 4;

}  // namespace

double PresentJoyShare(const burnout::v1::ModalityResult& text) {
  double loss = 0;
  for (const auto& ev : text.evidence()) {
    if (ev.context() == "loss") loss += ev.contribution();
  }
  if (loss <= 0) return 1.0;
  const double recovery = IndicatorValue(text, "recovery", 0);
  const double present = recovery < 1.0 ? -std::log(1.0 - recovery) : 10.0;  // the score's raw sum
  return present / (present + loss);
}

std::string CanonicalEmotion(const std::string& label) {
  static const std::map<std::string, std::string> kAliases = {
      {"happy", "joy"}, {"happiness", "joy"}, {"angry", "anger"}, {"sad", "sadness"},
      {"fearful", "fear"}, {"surprised", "surprise"}, {"disgusted", "disgust"},
      {"calm", "neutral"}};
  if (Index(label) >= 0) return label;
  auto it = kAliases.find(label);
  return it == kAliases.end() ? "" : it->second;
}

EmotionProfile CombineEmotions(const std::vector<burnout::v1::ModalityOutcome>& outcomes) {
  EmotionProfile p{};
  double total = 0;
  for (const auto& o : outcomes) {
    if (!o.used() || !o.has_result()) continue;
    const double w = o.attention_weight();
    const double present = o.modality() == burnout::v1::MODALITY_TEXT ? PresentJoyShare(o.result()) : 1.0;
    for (const auto& e : o.result().emotions()) {
      const int i = Index(CanonicalEmotion(e.label()));
      if (i < 0) continue;
      double prob = e.probability();
      if (i == kJoy && present < 1.0) {
        // Joy the model read in words about the past is not present joy: that share counts
        // as neutral.
        p[kNeutral] += static_cast<float>(w * prob * (1.0 - present));
        prob *= present;
      }
      p[i] += static_cast<float>(w * prob);
      total += w * e.probability();
    }
  }
  if (total > 0) {
    for (float& v : p) v = static_cast<float>(v / total);
  }
  return p;
}

double IndicatorValue(const burnout::v1::ModalityResult& result, const std::string& name,
                      double fallback) {
  for (const auto& ind : result.indicators()) {
    if (ind.name() == name) return ind.value();
  }
  return fallback;
}

burnout::v1::StateDimensions ComputeState(
    const EmotionProfile& e, const std::vector<burnout::v1::ModalityOutcome>& outcomes) {
  state::TextSignals text;
  for (const auto& o : outcomes) {
    if (o.used() && o.modality() == burnout::v1::MODALITY_TEXT && o.has_result()) {
      const auto& r = o.result();
      text.has_dimensions = IndicatorValue(r, "exhaustion", -1) >= 0;
      text.exhaustion = IndicatorValue(r, "exhaustion", 0);
      text.overload = IndicatorValue(r, "overload", 0);
      text.mental_distance = IndicatorValue(r, "mental_distance", 0);
      text.reduced_efficacy = IndicatorValue(r, "reduced_efficacy", 0);
      text.recovery = IndicatorValue(r, "recovery", 0);
      text.fatigue_term_ratio = IndicatorValue(r, "fatigue_term_ratio", 0);
      text.absolutist_ratio = IndicatorValue(r, "absolutist_ratio", 0);
    }
  }
  std::array<double, 7> emotions;
  for (size_t i = 0; i < e.size(); ++i) emotions[i] = e[i];
  const state::StateValues v = state::ComputeStateValues(emotions, text);
  burnout::v1::StateDimensions s;
  s.set_energy(static_cast<float>(v.energy));
  s.set_stress(static_cast<float>(v.stress));
  s.set_work(static_cast<float>(v.work));
  return s;
}

float RiskScore(const burnout::v1::FuseResponse& risk) { return insight::RiskScoreOf(risk); }

std::vector<float> TrendFeatures(const burnout::v1::StateDimensions& state, float risk_score,
                                 const EmotionProfile& e) {
  return {state.energy(), state.stress(), state.work(), risk_score,
          e[0], e[1], e[2], e[3], e[4], e[5]};
}

}  // namespace burnout::orchestrator
