#include "orchestrator/insight/contradictions.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace burnout::insight {
namespace {

using burnout::v1::Assessment;
using burnout::v1::Contradiction;
using burnout::v1::ContradictionSide;
using burnout::v1::Modality;
using burnout::v1::ModalityOutcome;
using burnout::v1::ModalityResult;

// Thresholds of the readings. Voice references are the voice model's typical conversation
// (models/voice-acoustic: pitch variability 3.0 st, 3.8 syllables/s, speech 75% of a clip);
// face ones follow the face analyzer's findings (PERCLOS 0.15 and more is drowsy; openness 1 is
// a relaxed open eye).
constexpr double kDimensionShown = 0.3;   // a text burnout dimension worth naming
constexpr double kFlatPitchSt = 2.3;      // below: flat
constexpr double kLivelyPitchSt = 3.5;    // at or above: lively
constexpr double kSlowRateSps = 3.0;      // below: slow
constexpr double kHesitantSpeech = 0.55;  // speech share below: hesitant
constexpr double kDrowsyPerclos = 0.15;
constexpr double kTiredYawns = 2;
constexpr double kHalfClosedOpenness = 0.65;
constexpr double kLowEyesOpen = 0.5;
constexpr double kClearSmile = 0.45;
constexpr float kEqualWeights = 0.05f;
constexpr size_t kMaxEvidence = 3;

struct Described {
  ContradictionSide side;
  std::string complement;          // after the verb: "that things are fine", "flat and slow"
  std::vector<std::string> cites;  // in the sentence's parentheses: "\"fine\"", "pitch varied 1.1 st"
};

std::optional<double> Indicator(const ModalityResult& r, const std::string& name) {
  for (const auto& ind : r.indicators()) {
    if (ind.name() == name && std::isfinite(ind.value())) return ind.value();
  }
  return std::nullopt;
}

// The canonical name of a model label (the text model's seven; voice / face names mapped).
std::string Canonical(const std::string& label) {
  if (label == "happy") return "joy";
  if (label == "sad") return "sadness";
  if (label == "angry") return "anger";
  return label;
}

// The most probable emotion (canonical) and its probability; ties go to the first listed.
std::pair<std::string, float> TopEmotion(const ModalityResult& r) {
  std::string best;
  float p = -1;
  for (const auto& e : r.emotions()) {
    if (e.probability() > p) {
      p = e.probability();
      best = Canonical(e.label());
    }
  }
  return {best, std::max(p, 0.0f)};
}

bool HasContext(const burnout::v1::Evidence& ev, const char* tag) {
  for (absl::string_view c : absl::StrSplit(ev.context(), ',')) {
    if (c == tag) return true;
  }
  return false;
}

std::string Readable(const std::string& name) { return absl::StrReplaceAll(name, {{"_", " "}}); }

std::string JoinAnd(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  if (items.size() == 1) return items[0];
  return absl::StrCat(absl::StrJoin(items.begin(), items.end() - 1, ", "), " and ", items.back());
}

// The text analyzer's own evidence with a label in `labels` and a positive contribution, the
// strongest first (ties keep the analyzer's order), one per phrase, at most kMaxEvidence.
void TextEvidence(const ModalityResult& r, const std::vector<std::string>& labels,
                  const std::vector<const char*>& skip_contexts, Described* d) {
  std::vector<const burnout::v1::Evidence*> picked;
  for (const auto& ev : r.evidence()) {
    if (ev.contribution() <= 0 || ev.feature().empty()) continue;
    if (std::find(labels.begin(), labels.end(), ev.label()) == labels.end()) continue;
    bool skipped = false;
    for (const char* c : skip_contexts) skipped |= HasContext(ev, c);
    if (!skipped) picked.push_back(&ev);
  }
  std::stable_sort(picked.begin(), picked.end(), [](const auto* a, const auto* b) {
    return a->contribution() > b->contribution();
  });
  std::vector<std::string> seen;
  for (const auto* ev : picked) {
    if (seen.size() >= kMaxEvidence) break;
    if (std::find(seen.begin(), seen.end(), ev->feature()) != seen.end()) continue;
    seen.push_back(ev->feature());
    d->side.add_evidence(absl::StrFormat("\"%s\" pushed %s (%+.2f)", ev->feature(),
                                         Readable(ev->label()), ev->contribution()));
    d->cites.push_back(absl::StrCat("\"", ev->feature(), "\""));
  }
}

void DescribeText(const ModalityResult& r, bool heavier, Described* d) {
  static const std::vector<std::pair<std::string, std::string>> kHeavyDimensions = {
      {"exhaustion", "exhaustion"},
      {"overload", "having too much on"},
      {"mental_distance", "feeling distant from work"},
      {"reduced_efficacy", "not getting things done"}};
  const auto [emotion, p] = TopEmotion(r);
  if (heavier) {
    std::vector<std::pair<double, size_t>> shown;  // score, index into kHeavyDimensions
    for (size_t i = 0; i < kHeavyDimensions.size(); ++i) {
      const auto v = Indicator(r, kHeavyDimensions[i].first);
      if (v && *v >= kDimensionShown) shown.emplace_back(*v, i);
    }
    std::stable_sort(shown.begin(), shown.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    if (!shown.empty()) {
      std::vector<std::string> named, labels;
      for (size_t k = 0; k < shown.size() && k < 2; ++k) named.push_back(kHeavyDimensions[shown[k].second].second);
      for (const auto& s : shown) labels.push_back(kHeavyDimensions[s.second].first);
      d->complement = absl::StrCat("about ", JoinAnd(named));
      // Negated complaints ("not tired"), complaints in the past ("no longer exhausted") and
      // about someone else are not the writer's heaviness now.
      TextEvidence(r, labels, {"negated", "past", "other"}, d);
      return;
    }
    if (emotion == "sadness") {
      d->complement = "in a low mood";
    } else if (emotion == "fear") {
      d->complement = "with worry";
    } else if (emotion == "anger" || emotion == "disgust") {
      d->complement = "with frustration";
    } else {
      d->complement = "in a heavier tone";
    }
    TextEvidence(r, {"sadness", "fear", "anger", "disgust"}, {}, d);
    return;
  }
  const auto recovery = Indicator(r, "recovery");
  std::vector<std::string> labels = {"joy", "recovery"};
  if (emotion == "joy") {
    d->complement = "that things are fine";
  } else if (recovery && *recovery >= kDimensionShown) {
    d->complement = "about rest and enjoyment";
  } else if (emotion == "neutral") {
    d->complement = "in an even tone";
    labels.push_back("neutral");
  } else {
    d->complement = "without signs of strain";
  }
  // Joy in the past tense ("used to love") is a loss, not lightness.
  TextEvidence(r, labels, {"loss", "other"}, d);
}

// Measurements as evidence: each string is both the evidence and the sentence's citation.
void Cite(Described* d, std::string s) {
  d->side.add_evidence(s);
  d->cites.push_back(std::move(s));
}

// Findings (the analyzer's own sentences) when no measurement could be cited; only those
// containing one of `keywords` (all when empty), at most two.
void CiteFindings(const ModalityResult& r, const std::vector<std::string>& keywords, Described* d) {
  int n = 0;
  for (const auto& f : r.findings()) {
    if (n >= 2) break;
    bool match = keywords.empty();
    for (const auto& k : keywords) match |= absl::StrContains(absl::AsciiStrToLower(f), k);
    if (!match) continue;
    d->side.add_evidence(f);
    ++n;
  }
}

void DescribeVoice(const ModalityResult& r, bool heavier, Described* d) {
  const auto pitch = Indicator(r, "pitch_variability_st");
  const auto rate = Indicator(r, "speaking_rate_sps");
  const auto speech = Indicator(r, "speech_ratio");
  const auto arousal = Indicator(r, "arousal");
  const auto valence = Indicator(r, "valence");
  const auto [emotion, p] = TopEmotion(r);
  auto cite_pitch = [&] {
    if (pitch) Cite(d, absl::StrFormat("pitch varied %.1f st", *pitch));
  };
  auto cite_rate = [&] {
    if (rate) Cite(d, absl::StrFormat("%.1f syllables/s", *rate));
  };
  if (heavier) {
    std::vector<std::string> adjectives;
    if (pitch && *pitch < kFlatPitchSt) adjectives.push_back("flat");
    if (rate && *rate < kSlowRateSps) adjectives.push_back("slow");
    const bool hesitant = speech && *speech < kHesitantSpeech;
    if (hesitant) adjectives.push_back("hesitant");
    bool used_arousal = false;
    if (adjectives.empty()) {
      if (arousal && *arousal <= -0.5) {
        adjectives.push_back("low in energy");
        used_arousal = true;
      } else if (arousal && valence && *arousal >= 0.5 && *valence <= -0.3) {
        adjectives.push_back("tense");
        used_arousal = true;
      } else if (emotion == "sadness") {
        adjectives.push_back("low");
      } else if (emotion == "anger") {
        adjectives.push_back("tense");
      } else {
        adjectives.push_back("more strained");
      }
    }
    d->complement = JoinAnd(adjectives);
    cite_pitch();
    cite_rate();
    if (hesitant) Cite(d, absl::StrFormat("speech %.0f%% of the clip", 100 * *speech));
    if (used_arousal) Cite(d, absl::StrFormat("arousal %+.1f", *arousal));
  } else {
    const bool lively = (pitch && *pitch >= kLivelyPitchSt) ||
                        (arousal && *arousal >= 0.5 && (!valence || *valence >= 0));
    d->complement = lively ? "lively" : emotion == "joy" ? "bright" : "at ease";
    cite_pitch();
    cite_rate();
  }
  if (d->cites.empty()) CiteFindings(r, {}, d);
}

void DescribeFace(const ModalityResult& r, bool heavier, Described* d) {
  const auto perclos = Indicator(r, "perclos");
  const auto yawns = Indicator(r, "yawns");
  const auto closures = Indicator(r, "long_eye_closures");
  const auto nods = Indicator(r, "head_nods");
  const auto eyes_open = Indicator(r, "eyes_open");
  const auto right = Indicator(r, "eye_openness_right");
  const auto left = Indicator(r, "eye_openness_left");
  const auto smile = Indicator(r, "smile");
  std::optional<double> openness;
  if (right && left) openness = 0.5 * (*right + *left);
  const auto [emotion, p] = TopEmotion(r);
  auto count = [](double v, const char* one, const char* many) {
    const long n = std::lround(v);
    return absl::StrFormat("%d %s", n, n == 1 ? one : many);
  };
  if (heavier) {
    std::vector<std::string> cites;
    if (perclos && *perclos >= kDrowsyPerclos) cites.push_back(absl::StrFormat("PERCLOS %.2f", *perclos));
    if (yawns && *yawns >= kTiredYawns) cites.push_back(count(*yawns, "yawn", "yawns"));
    if (closures && *closures >= 1) cites.push_back(count(*closures, "long eye closure", "long eye closures"));
    if (nods && *nods >= 2) cites.push_back(count(*nods, "head nod", "head nods"));
    if (openness && *openness < kHalfClosedOpenness) {
      cites.push_back(absl::StrFormat("eye openness %.2f", *openness));
    } else if (!openness && eyes_open && *eyes_open < kLowEyesOpen) {
      cites.push_back(absl::StrFormat("eyes open %.2f", *eyes_open));
    }
    if (!cites.empty()) {
      d->complement = "tired";
      for (auto& c : cites) Cite(d, std::move(c));
      return;
    }
    if (emotion == "sadness") {
      d->complement = "downcast";
    } else if (emotion == "anger" || emotion == "disgust" || emotion == "fear") {
      d->complement = "tense";
    } else {
      d->complement = "more strained";
    }
    if (!emotion.empty() && d->complement != "more strained") {
      Cite(d, absl::StrFormat("read as %s %.2f", emotion, p));
    }
    if (d->cites.empty()) CiteFindings(r, {"eye", "yawn", "perclos", "smil"}, d);
    return;
  }
  d->complement = "at ease";
  if (smile && *smile >= kClearSmile) Cite(d, absl::StrFormat("smile %.2f", *smile));
  if (perclos) Cite(d, absl::StrFormat("PERCLOS %.2f", *perclos));
  if (openness) {
    Cite(d, absl::StrFormat("eye openness %.2f", *openness));
  } else if (eyes_open) {
    Cite(d, absl::StrFormat("eyes open %.2f", *eyes_open));
  }
  if (d->cites.empty() && emotion == "joy") Cite(d, absl::StrFormat("read as joy %.2f", p));
  if (d->cites.empty()) CiteFindings(r, {"eye", "smil", "perclos"}, d);
}

const char* Verb(Modality m) {
  switch (m) {
    case burnout::v1::MODALITY_TEXT: return "writes";
    case burnout::v1::MODALITY_VOICE: return "sounds";
    case burnout::v1::MODALITY_FACE: return "looks";
    default: return "reads";
  }
}

// The sentence's subject with its past-tense verb.
const char* SubjectPast(Modality m) {
  switch (m) {
    case burnout::v1::MODALITY_TEXT: return "you wrote";
    case burnout::v1::MODALITY_VOICE: return "your voice sounded";
    case burnout::v1::MODALITY_FACE: return "your face looked";
    default: return "another signal read";
  }
}

// What the estimate leaned on.
const char* Noun(Modality m) {
  switch (m) {
    case burnout::v1::MODALITY_TEXT: return "what you wrote";
    case burnout::v1::MODALITY_VOICE: return "your voice";
    case burnout::v1::MODALITY_FACE: return "your face";
    default: return "another signal";
  }
}

Described Describe(const ModalityResult& result, Modality modality, bool heavier) {
  Described d;
  d.side.set_modality(modality);
  switch (modality) {
    case burnout::v1::MODALITY_TEXT: DescribeText(result, heavier, &d); break;
    case burnout::v1::MODALITY_VOICE: DescribeVoice(result, heavier, &d); break;
    case burnout::v1::MODALITY_FACE: DescribeFace(result, heavier, &d); break;
    default: d.complement = heavier ? "heavier" : "lighter"; break;
  }
  d.side.set_reading(absl::StrCat(Verb(modality), " ", d.complement));
  return d;
}

std::string Clause(Modality m, const Described& d) {
  std::string s = absl::StrCat(SubjectPast(m), " ", d.complement);
  if (!d.cites.empty()) absl::StrAppend(&s, " (", absl::StrJoin(d.cites, ", "), ")");
  return s;
}

std::string Capitalised(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace

ContradictionSide DescribeSide(const ModalityResult& result, Modality modality, bool heavier) {
  return Describe(result, modality, heavier).side;
}

std::vector<Contradiction> FindContradictions(const Assessment& a, float threshold) {
  std::vector<Contradiction> out;
  const auto& risk = a.risk();
  if (risk.solo_size() < 2) return out;
  std::map<int, float> solo;  // modality -> solo risk score; the first reading of a modality
  for (const auto& s : risk.solo()) {
    if (std::isfinite(s.risk_score()) && s.modality() != burnout::v1::MODALITY_UNSPECIFIED) {
      solo.emplace(s.modality(), s.risk_score());
    }
  }
  std::map<int, const ModalityOutcome*> used;
  for (const auto& o : a.modalities()) {
    if (o.used() && solo.count(o.modality())) used.emplace(o.modality(), &o);
  }
  auto weight_of = [&](int m) -> float {
    const ModalityOutcome* o = used.at(m);
    if (o->attention_weight() > 0) return o->attention_weight();
    for (const auto& w : risk.attention()) {
      if (w.modality() == m && std::isfinite(w.weight())) return w.weight();
    }
    return 0.0f;
  };
  for (auto i = used.begin(); i != used.end(); ++i) {
    for (auto j = std::next(i); j != used.end(); ++j) {
      const float si = solo.at(i->first), sj = solo.at(j->first);
      if (!(std::fabs(si - sj) > threshold)) continue;
      const bool i_lighter = si <= sj;
      const auto& lo = i_lighter ? *i : *j;
      const auto& hi = i_lighter ? *j : *i;
      const auto lm = static_cast<Modality>(lo.first), hm = static_cast<Modality>(hi.first);
      Described light = Describe(lo.second->result(), lm, /*heavier=*/false);
      Described heavy = Describe(hi.second->result(), hm, /*heavier=*/true);
      const float wl = weight_of(lo.first), wh = weight_of(hi.first);
      light.side.set_risk_score(solo.at(lo.first));
      light.side.set_weight(wl);
      heavy.side.set_risk_score(solo.at(hi.first));
      heavy.side.set_weight(wh);
      Contradiction c;
      c.set_gap(heavy.side.risk_score() - light.side.risk_score());
      c.set_weighed(wl > wh ? lm : wh > wl ? hm : burnout::v1::MODALITY_UNSPECIFIED);
      std::string text = absl::StrCat(Capitalised(Clause(lm, light)), ", but ", Clause(hm, heavy), ".");
      absl::StrAppend(&text, absl::StrFormat(" Taken alone, they point to risk scores of %.2f and %.2f.",
                                             light.side.risk_score(), heavy.side.risk_score()));
      if (risk.abstained()) {
        absl::StrAppend(&text, " No risk level was estimated this time, so neither was weighed into "
                               "one; the difference is still worth noticing.");
      } else if (wl > 0 || wh > 0) {
        if (std::fabs(wl - wh) < kEqualWeights) {
          absl::StrAppend(&text, absl::StrFormat(" The estimate weighed them about equally (weight "
                                                 "%.2f and %.2f).",
                                                 wl, wh));
        } else {
          const bool on_light = wl > wh;
          absl::StrAppend(&text, absl::StrFormat(" The estimate leaned on %s (weight %.2f against %.2f).",
                                                 Noun(on_light ? lm : hm), on_light ? wl : wh,
                                                 on_light ? wh : wl));
        }
      }
      c.set_text(std::move(text));
      *c.mutable_lighter() = std::move(light.side);
      *c.mutable_heavier() = std::move(heavy.side);
      out.push_back(std::move(c));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const Contradiction& x, const Contradiction& y) {
    if (x.gap() != y.gap()) return x.gap() > y.gap();
    return std::make_pair(x.lighter().modality(), x.heavier().modality()) <
           std::make_pair(y.lighter().modality(), y.heavier().modality());
  });
  return out;
}

}  // namespace burnout::insight
