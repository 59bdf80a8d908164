#include "orchestrator/state_engine.h"

#include <algorithm>
#include <map>

namespace burnout::orchestrator {
namespace {

struct Circumplex {
  float valence, arousal;
};
constexpr std::array<Circumplex, 7> kPlaces = {{
    {-0.6f, 0.8f}, {-0.6f, 0.3f}, {-0.7f, 0.7f}, {0.8f, 0.5f},
    {0.0f, -0.1f}, {-0.7f, -0.5f}, {0.2f, 0.7f}}};

float Clamp01(double v) { return static_cast<float>(std::clamp(v, 0.0, 1.0)); }

int Index(const std::string& canonical) {
  for (size_t i = 0; i < kCanonicalEmotions.size(); ++i) {
    if (kCanonicalEmotions[i] == canonical) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

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
    for (const auto& e : o.result().emotions()) {
      const int i = Index(CanonicalEmotion(e.label()));
      if (i < 0) continue;
      p[i] += static_cast<float>(w * e.probability());
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
  double valence = 0, arousal = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    valence += e[i] * kPlaces[i].valence;
    arousal += e[i] * kPlaces[i].arousal;
  }
  double fatigue = 0, absolutist = 0;
  for (const auto& o : outcomes) {
    if (o.used() && o.modality() == burnout::v1::MODALITY_TEXT && o.has_result()) {
      fatigue = IndicatorValue(o.result(), "fatigue_term_ratio", 0);
      absolutist = IndicatorValue(o.result(), "absolutist_ratio", 0);
    }
  }
  const float anger = e[0], disgust = e[1], fear = e[2], sadness = e[5];
  burnout::v1::StateDimensions s;
  s.set_energy(Clamp01(0.5 + 0.3 * arousal + 0.25 * valence - 3.0 * fatigue));
  s.set_stress(Clamp01(0.1 + 0.9 * (anger + fear) + 0.4 * (disgust + sadness) + 2.0 * absolutist));
  s.set_work(Clamp01(0.55 + 0.35 * valence - 0.5 * disgust - 0.2 * anger));
  return s;
}

float RiskScore(const burnout::v1::FuseResponse& risk) {
  float score = 0;
  for (const auto& p : risk.calibrated_probabilities()) {
    if (p.label() == "moderate") score += 0.5f * p.probability();
    if (p.label() == "high") score += p.probability();
  }
  return score;
}

std::vector<float> TrendFeatures(const burnout::v1::StateDimensions& state, float risk_score,
                                 const EmotionProfile& e) {
  return {state.energy(), state.stress(), state.work(), risk_score,
          e[0], e[1], e[2], e[3], e[4], e[5]};
}

}  // namespace burnout::orchestrator
