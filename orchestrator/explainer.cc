#include "orchestrator/explainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace burnout::orchestrator {
namespace {

using burnout::v1::Assessment;
using burnout::v1::Narrative;

std::string Pct(double p) { return absl::StrFormat("%.0f%%", 100.0 * p); }

std::string Level(double v) { return v < 0.35 ? "low" : v < 0.65 ? "moderate" : "high"; }

Narrative Make(const std::string& topic, std::string text, std::vector<std::string> evidence = {}) {
  Narrative n;
  n.set_topic(topic);
  n.set_text(std::move(text));
  for (auto& e : evidence) n.add_evidence(std::move(e));
  return n;
}

// "pitch_variability_st" -> "pitch variability": a measurement's name without its unit.
std::string Readable(const std::string& indicator) {
  std::string name = indicator;
  for (const char* unit : {"_sps", "_dbfs", "_db", "_hz", "_st", "_s"}) {
    if (absl::EndsWith(name, unit)) {
      name.resize(name.size() - std::strlen(unit));
      break;
    }
  }
  return absl::StrReplaceAll(name, {{"_", " "}});
}

Narrative ExplainModality(const burnout::v1::ModalityOutcome& o) {
  const std::string name = ModalityName(o.modality());
  const auto& r = o.result();
  std::vector<burnout::v1::LabelScore> emotions(r.emotions().begin(), r.emotions().end());
  std::sort(emotions.begin(), emotions.end(),
            [](const auto& a, const auto& b) { return a.probability() > b.probability(); });
  std::vector<std::string> evidence;
  std::string text;
  if (!emotions.empty()) {
    text = absl::StrCat("Your ", name, " leaned towards ", emotions[0].label(), " (",
                        Pct(emotions[0].probability()), ")");
    if (emotions.size() > 1 && emotions[1].probability() >= 0.15) {
      absl::StrAppend(&text, " and ", emotions[1].label(), " (", Pct(emotions[1].probability()), ")");
    }
    absl::StrAppend(&text, ".");
    // What pushed the top emotion, as the model itself attributes it: words are quoted,
    // measurements (voice, face) are named.
    const bool words = o.modality() == burnout::v1::MODALITY_TEXT;
    std::vector<std::string> pushes;
    for (const auto& ev : r.evidence()) {
      if (ev.label() == emotions[0].label() && ev.contribution() > 0 && pushes.size() < 3) {
        pushes.push_back(words ? absl::StrCat("\"", ev.feature(), "\"")
                               : Readable(ev.feature()));
        evidence.push_back(absl::StrFormat("%s: \"%s\" pushed %s by %+.2f", name, ev.feature(),
                                           ev.label(), ev.contribution()));
      }
    }
    if (!pushes.empty()) {
      absl::StrAppend(&text, " What pushed it most: ", absl::StrJoin(pushes, ", "), ".");
    }
  }
  // Observations the analyzer states against its reference values.
  for (const auto& f : r.findings()) {
    absl::StrAppend(&text, " ", f);
    evidence.push_back(absl::StrCat(name, ": ", f));
  }
  for (const auto& ind : r.indicators()) {
    if (ind.name() == "fatigue_term_ratio" && ind.value() > 0) {
      absl::StrAppend(&text, " You used words of tiredness or overload (",
                      absl::StrFormat("%.0f%%", 100 * ind.value()), " of your words).");
      evidence.push_back(absl::StrFormat("%s: fatigue_term_ratio = %.3f", name, ind.value()));
    } else if (ind.name() == "absolutist_ratio" && ind.value() >= 0.03) {
      absl::StrAppend(&text, " All-or-nothing words (always, never, nothing ...) were frequent.");
      evidence.push_back(absl::StrFormat("%s: absolutist_ratio = %.3f", name, ind.value()));
    }
  }
  if (r.quality() < 0.5 && r.quality_issues_size() > 0) {
    absl::StrAppend(&text, " Treat this lightly: ", absl::StrJoin(r.quality_issues(), "; "), ".");
  }
  return Make(name, text, evidence);
}

// A live session's arc: how stress and risk moved from the beginning to the end, and the
// moments that stood out.
Narrative ExplainSession(const burnout::v1::SessionReport& r) {
  std::vector<std::string> evidence;
  std::string text = absl::StrFormat("Over the %.0f s session", r.duration_s());
  if (r.segments_size() == 3 && r.segments(0).fused_points() > 0 &&
      r.segments(2).fused_points() > 0) {
    const auto& b = r.segments(0);
    const auto& e = r.segments(2);
    const float d = e.mean_stress() - b.mean_stress();
    absl::StrAppend(&text, absl::StrFormat(
                               ", stress went %s (%.2f at the beginning, %.2f at the end)",
                               d > 0.05 ? "up" : d < -0.05 ? "down" : "about level",
                               b.mean_stress(), e.mean_stress()));
    for (const auto& s : r.segments()) {
      evidence.push_back(absl::StrFormat("%s: risk %.2f, stress %.2f, confidence %.2f", s.name(),
                                         s.mean_risk_score(), s.mean_stress(),
                                         s.mean_confidence()));
    }
  }
  if (r.spikes().empty()) {
    absl::StrAppend(&text, ", with no sudden stress spikes.");
  } else {
    std::vector<std::string> at;
    for (int i = 0; i < std::min(r.spikes_size(), 5); ++i) {
      const auto& s = r.spikes(i);
      at.push_back(absl::StrFormat("%.0f s", s.t_s()));
      evidence.push_back(absl::StrFormat("%s at %.1f s: %.2f against a recent %.2f",
                                         s.kind() == "confidence_drop" ? "confidence drop"
                                                                       : "stress jump",
                                         s.t_s(), s.value(), s.recent_average()));
    }
    absl::StrAppend(&text, absl::StrFormat(", with %d sudden %s (at %s%s).", r.spikes_size(),
                                           r.spikes_size() == 1 ? "spike" : "spikes",
                                           absl::StrJoin(at, ", "),
                                           r.spikes_size() > 5 ? ", ..." : ""));
  }
  for (const auto& n : r.notes()) evidence.push_back(n);
  return Make("session", text, evidence);
}

}  // namespace

std::string ModalityName(burnout::v1::Modality m) {
  switch (m) {
    case burnout::v1::MODALITY_TEXT: return "text";
    case burnout::v1::MODALITY_VOICE: return "voice";
    case burnout::v1::MODALITY_FACE: return "face";
    default: return "unknown";
  }
}

std::string RiskName(burnout::v1::RiskLevel level) {
  switch (level) {
    case burnout::v1::RISK_LEVEL_LOW: return "low";
    case burnout::v1::RISK_LEVEL_MODERATE: return "moderate";
    case burnout::v1::RISK_LEVEL_HIGH: return "high";
    default: return "unknown";
  }
}

std::string TrendName(burnout::v1::Trend trend) {
  switch (trend) {
    case burnout::v1::TREND_IMPROVING: return "improving";
    case burnout::v1::TREND_STABLE: return "stable";
    case burnout::v1::TREND_WORSENING: return "worsening";
    default: return "unknown";
  }
}

std::vector<Narrative> Explain(const Assessment& a) {
  std::vector<Narrative> out;
  const auto& risk = a.risk();
  {
    std::vector<std::string> evidence;
    for (const auto& p : risk.calibrated_probabilities()) {
      evidence.push_back(absl::StrCat(p.label(), " ", Pct(p.probability())));
    }
    std::string certainty =
        risk.reliable() ? "The model is fairly consistent about this"
                        : "The model is unsure about this, so read it as a weak signal";
    out.push_back(Make("risk",
                       absl::StrFormat("Your signals point to a %s burnout risk (%s after "
                                       "calibration). %s (spread across repeated passes: %.2f).",
                                       RiskName(risk.level()), Pct(risk.confidence()), certainty,
                                       risk.uncertainty()),
                       evidence));
  }
  std::vector<std::string> used, weights;
  for (const auto& o : a.modalities()) {
    if (o.used()) {
      out.push_back(ExplainModality(o));
      used.push_back(ModalityName(o.modality()));
      weights.push_back(absl::StrCat(ModalityName(o.modality()), " ", Pct(o.attention_weight())));
    } else if (o.mask_reason() != kNotProvided) {
      out.push_back(Make(ModalityName(o.modality()),
                         absl::StrCat("Your ", ModalityName(o.modality()),
                                      " was not used: ", o.mask_reason(), ".")));
    }
  }
  out.push_back(Make("attention",
                     absl::StrCat("The assessment weighed ", absl::StrJoin(weights, ", "), "."),
                     weights));
  const auto& s = a.state();
  out.push_back(Make(
      "state",
      absl::StrFormat("Energy looks %s (%.2f), stress %s (%.2f), engagement with work %s (%.2f).",
                      Level(s.energy()), s.energy(), Level(s.stress()), s.stress(),
                      Level(s.work()), s.work()),
      {absl::StrFormat("energy %.2f", s.energy()), absl::StrFormat("stress %.2f", s.stress()),
       absl::StrFormat("work %.2f", s.work())}));
  const auto& t = a.trend();
  if (t.trend() != burnout::v1::TREND_UNSPECIFIED) {
    out.push_back(Make("trend",
                       absl::StrFormat("Across your last %d assessments the trend is %s (%s).",
                                       t.assessments_used(), TrendName(t.trend()),
                                       Pct(t.confidence()))));
  } else if (!t.unavailable_reason().empty()) {
    out.push_back(Make("trend", absl::StrCat("No trend yet: ", t.unavailable_reason(), ".")));
  }
  if (a.has_session()) out.push_back(ExplainSession(a.session()));
  return out;
}

}  // namespace burnout::orchestrator
