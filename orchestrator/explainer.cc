#include "orchestrator/explainer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

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

constexpr const char* kTextDimensions[] = {"exhaustion", "overload", "mental_distance", "reduced_efficacy",
                                           "recovery"};

bool IsTextDimension(const std::string& name) {
  for (const char* d : kTextDimensions) {
    if (name == d) return true;
  }
  return false;
}

bool HasContext(const burnout::v1::Evidence& ev, const char* tag) {
  for (absl::string_view c : absl::StrSplit(ev.context(), ',')) {
    if (c == tag) return true;
  }
  return false;
}

std::string Quoted(const std::vector<std::string>& phrases) {
  std::vector<std::string> q;
  for (const auto& p : phrases) q.push_back(absl::StrCat("\"", p, "\""));
  return absl::StrJoin(q, ", ");
}

// The burnout dimensions the text analyzer scored, with the phrases that drove each (its own
// evidence, exact): "exhaustion (high): "exhausted", "cannot sleep"". Also what it discounted:
// positive words in the past tense (loss, not present joy), negated complaints and complaints
// about someone else. Empty when the result has no dimensions (an older text model).
std::vector<std::string> LossPhrases(const burnout::v1::ModalityResult& r) {
  std::vector<std::string> out;
  for (const auto& ev : r.evidence()) {
    if (IsTextDimension(ev.label()) && HasContext(ev, "loss")) out.push_back(ev.feature());
  }
  return out;
}

// `loss_said`: the emotion sentence already said that the joy was about the past.
void ExplainTextDimensions(const burnout::v1::ModalityResult& r, bool loss_said, std::string* text,
                           std::vector<std::string>* evidence) {
  std::vector<std::pair<std::string, double>> dims;
  for (const auto& ind : r.indicators()) {
    if (IsTextDimension(ind.name())) dims.emplace_back(ind.name(), ind.value());
  }
  if (dims.empty()) return;
  std::stable_sort(dims.begin(), dims.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<std::string> named, loss, negated, others;
  std::string recovery;
  for (const auto& [dim, score] : dims) {
    std::vector<std::string> phrases;
    for (const auto& ev : r.evidence()) {
      if (ev.label() != dim) continue;
      if (HasContext(ev, "loss")) {
        loss.push_back(ev.feature());
      } else if (HasContext(ev, "negated") && ev.contribution() <= 0) {
        negated.push_back(ev.feature());
      } else if (HasContext(ev, "other") && ev.contribution() < 0.5) {
        others.push_back(ev.feature());
      } else if (ev.contribution() > 0 && phrases.size() < 4 &&
                 std::find(phrases.begin(), phrases.end(), ev.feature()) == phrases.end()) {
        phrases.push_back(ev.feature());
      }
    }
    if (score < 0.15 || phrases.empty()) continue;
    evidence->push_back(absl::StrFormat("text: %s = %.2f (%s)", dim, score, absl::StrJoin(phrases, "; ")));
    const std::string entry = absl::StrCat(Readable(dim), " (", Level(score), "): ", Quoted(phrases));
    if (dim == "recovery") {
      recovery = entry;
    } else {
      named.push_back(entry);
    }
  }
  if (!named.empty()) absl::StrAppend(text, " In your words: ", absl::StrJoin(named, "; "), ".");
  if (!recovery.empty()) absl::StrAppend(text, " On the other side, ", recovery, ".");
  if (!loss.empty()) {
    if (!loss_said) {
      absl::StrAppend(text, " You wrote about what you enjoyed in the past tense (", Quoted(loss),
                      "): that reads as something lost, not as joy now.");
    }
    evidence->push_back(absl::StrCat("text: past-tense positive (loss): ", absl::StrJoin(loss, "; ")));
  }
  if (!negated.empty()) {
    absl::StrAppend(text, " Not counted against you: ", Quoted(negated), " (negated).");
  }
  if (!others.empty()) {
    absl::StrAppend(text, " Counted only lightly, since it is about someone else: ", Quoted(others), ".");
  }
}

Narrative ExplainModality(const burnout::v1::ModalityOutcome& o) {
  const std::string name = ModalityName(o.modality());
  const auto& r = o.result();
  std::vector<burnout::v1::LabelScore> emotions(r.emotions().begin(), r.emotions().end());
  std::sort(emotions.begin(), emotions.end(),
            [](const auto& a, const auto& b) { return a.probability() > b.probability(); });
  std::vector<std::string> evidence;
  std::string text;
  bool loss_said = false;
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
    // Joy read from words the writer used about the past ("I used to love this work"): the
    // emotion model sees only the words; the lexicon knows they were in the past tense.
    const std::vector<std::string> loss = words ? LossPhrases(r) : std::vector<std::string>{};
    loss_said = emotions[0].label() == "joy" && !loss.empty();
    if (!pushes.empty() && loss_said) {
      absl::StrAppend(&text, " What pushed it most: ", absl::StrJoin(pushes, ", "),
                      " - but you wrote about what you enjoyed in the past tense (", Quoted(loss),
                      "): that reads as something lost, not as joy now.");
    } else if (!pushes.empty()) {
      absl::StrAppend(&text, " What pushed it most: ", absl::StrJoin(pushes, ", "), ".");
    }
  }
  // Observations the analyzer states against its reference values.
  for (const auto& f : r.findings()) {
    absl::StrAppend(&text, " ", f);
    evidence.push_back(absl::StrCat(name, ": ", f));
  }
  bool has_dimensions = false;
  for (const auto& ind : r.indicators()) has_dimensions |= IsTextDimension(ind.name());
  if (has_dimensions) ExplainTextDimensions(r, loss_said, &text, &evidence);
  for (const auto& ind : r.indicators()) {
    if (ind.name() == "fatigue_term_ratio" && ind.value() > 0 && !has_dimensions) {
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

std::vector<Narrative> Explain(const Assessment& a) {
  std::vector<Narrative> out;
  const auto& risk = a.risk();
  {
    std::vector<std::string> evidence;
    for (const auto& p : risk.calibrated_probabilities()) {
      evidence.push_back(absl::StrCat(p.label(), " ", Pct(p.probability())));
    }
    if (risk.abstained()) {
      // No level: say why, in the fusion service's words, and what would help.
      std::string reason = risk.abstain_reason();
      if (!reason.empty()) reason[0] = static_cast<char>(std::toupper(reason[0]));
      out.push_back(Make("risk",
                         absl::StrFormat("%s. No risk level was estimated this time; the "
                                         "probabilities below are kept for the record only.",
                                         reason),
                         evidence));
    } else {
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
  // Against the person's own usual: the notable deviations, or how long until there is one.
  const auto& b = a.baseline();
  if (b.ready()) {
    std::vector<std::string> said, evidence;
    for (const auto& d : b.deviations()) {
      if (d.text().empty()) continue;
      if (said.size() < 3) said.push_back(d.text());
      evidence.push_back(absl::StrFormat("%s %.3g against your usual %.3g (z %+.1f)", d.name(),
                                         d.value(), d.baseline_median(), d.z()));
    }
    std::string text = said.empty()
                           ? std::string("Compared with your own usual, nothing stands out today.")
                           : absl::StrCat("Compared with your own usual: ", absl::StrJoin(said, "; "),
                                          ".");
    if (b.personalized_size() > 0) {
      std::vector<std::string> names;
      for (const auto& p : b.personalized()) names.push_back(Readable(p.substr(p.find('.') + 1)));
      absl::StrAppend(&text, " The estimate read your ", absl::StrJoin(names, ", "),
                      " relative to how you usually sound.");
    }
    out.push_back(Make("baseline", text, evidence));
  } else if (!b.message().empty()) {
    out.push_back(Make("baseline", absl::StrCat(b.message(), "; until then, your signals are "
                                                             "compared with people in general.")));
  }
  for (const auto& c : a.contradictions()) out.push_back(Make("contradiction", c.text()));
  for (const auto& al : a.alerts()) {
    if (!al.message().empty()) out.push_back(Make("alert", al.message()));
  }
  if (!a.self_report().text().empty()) out.push_back(Make("checkin", a.self_report().text()));
  if (a.has_session()) out.push_back(ExplainSession(a.session()));
  return out;
}

}  // namespace burnout::orchestrator
