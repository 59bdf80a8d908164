#include "orchestrator/insight/recommendations.h"

#include "orchestrator/insight/passive_risk.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/config/config.h"
#include "orchestrator/state_engine.h"

namespace burnout::insight {
namespace {

using burnout::v1::Assessment;
using burnout::v1::Recommendation;
using burnout::v1::RecommendationCatalog;
using burnout::v1::RecommendationRule;
using burnout::v1::RecommendationTrigger;

constexpr int64_t kDayMs = 86400000;
constexpr char kDaysSuffix[] = ".days";

const std::vector<std::string>& ExactQuantities() {
  static const auto* q = new std::vector<std::string>{
      "risk_level", "risk", "energy", "stress", "work", "checkin.personal", "checkin.work"};
  return *q;
}

const std::vector<std::string>& Prefixes() {
  static const auto* p =
      new std::vector<std::string>{"text.", "voice.", "face.", "z.", "alert.", "emotion."};
  return *p;
}

// The mixed emotions among the trend features (kTrendFeatureNames after "risk").
bool IsTrendEmotion(const std::string& name) {
  const auto& names = burnout::orchestrator::kTrendFeatureNames;
  const auto it = std::find(names.begin(), names.end(), name);
  return it != names.end() && it - names.begin() > 3;
}

// "" when known, else why not.
std::string CheckQuantity(const std::string& q) {
  const auto& exact = ExactQuantities();
  if (std::find(exact.begin(), exact.end(), q) != exact.end()) return "";
  for (const auto& p : Prefixes()) {
    if (!absl::StartsWith(q, p)) continue;
    const std::string rest = q.substr(p.size());
    if (rest.empty()) return absl::StrCat("\"", p, "\" needs a name after it");
    if (p == "emotion." && !IsTrendEmotion(rest)) {
      return "emotion.<name> takes anger, disgust, fear, joy, neutral or sadness";
    }
    if (p == "alert." && absl::StartsWith(rest, ".")) {
      return "alert.<kind> needs a kind";
    }
    return "";
  }
  return absl::StrCat("unknown quantity; known: ", absl::StrJoin(exact, ", "), ", or one starting ",
                      absl::StrJoin(Prefixes(), ", "));
}

std::optional<double> Finite(double v) {
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

std::optional<double> ModalityIndicator(const Assessment& a, burnout::v1::Modality m,
                                        const std::string& name) {
  for (const auto& o : a.modalities()) {
    if (o.modality() != m || !o.used()) continue;
    for (const auto& ind : o.result().indicators()) {
      if (ind.name() == name) return Finite(ind.value());
    }
  }
  return std::nullopt;
}

std::optional<double> TrendFeature(const Assessment& a, const std::string& name) {
  const auto& names = burnout::orchestrator::kTrendFeatureNames;
  const auto it = std::find(names.begin(), names.end(), name);
  const int i = static_cast<int>(it - names.begin());
  if (it == names.end() || a.trend_features_size() != static_cast<int>(names.size())) return std::nullopt;
  return Finite(a.trend_features(i));
}

const burnout::v1::Alert* ActiveAlert(const Assessment& a, const std::string& kind) {
  for (const auto& al : a.alerts()) {
    if (al.kind() == kind && al.state() == burnout::v1::ALERT_STATE_ACTIVE) return &al;
  }
  return nullptr;
}

std::string FormatNumber(double v) {
  if (std::fabs(v - std::round(v)) < 1e-9) return absl::StrFormat("%.0f", v);
  if (std::fabs(v) >= 10) return absl::StrFormat("%.1f", v);
  return absl::StrFormat("%.2f", v);
}

// The value as a reason shows it: "(0.71)", "(level 3 of 3)", "(21 days)", "(79 of 100)";
// "" for an alert's 1 and for a deviation, whose reason already says how far from the usual it is
// (a z-score means nothing to a tired reader).
std::string ShownValue(const std::string& q, double v) {
  if (q == "risk_level") {
    return absl::StrFormat(" (level %d of 3)", static_cast<int>(std::lround(v)));
  }
  if (absl::StartsWith(q, "alert.")) {
    if (!absl::EndsWith(q, kDaysSuffix)) return "";
    const long d = std::lround(v);
    return absl::StrFormat(" (%d day%s)", d, d == 1 ? "" : "s");
  }
  if (absl::StartsWith(q, "checkin.")) return absl::StrFormat(" (%.0f of 100)", v);
  if (absl::StartsWith(q, "z.")) return "";
  return absl::StrCat(" (", FormatNumber(v), ")");
}

std::string Bounds(const RecommendationTrigger& t) {
  std::vector<std::string> b;
  if (t.has_at_least()) b.push_back(absl::StrCat("at least ", FormatNumber(t.at_least())));
  if (t.has_at_most()) b.push_back(absl::StrCat("at most ", FormatNumber(t.at_most())));
  return absl::StrJoin(b, ", ");
}

std::string JoinAnd(const std::vector<std::string>& items) {
  if (items.size() <= 1) return items.empty() ? "" : items[0];
  return absl::StrCat(absl::StrJoin(items.begin(), items.end() - 1, ", "), " and ", items.back());
}

absl::Status RuleError(const RecommendationRule& rule, int index, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(
      "recommendation rule ", rule.id().empty() ? absl::StrCat("#", index + 1) : absl::StrCat("\"", rule.id(), "\""),
      ": ", what));
}

}  // namespace

absl::Status ValidateRecommendationCatalog(const RecommendationCatalog& catalog) {
  if (catalog.max_recommendations() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_recommendations must be >= 0 (0 = ", kDefaultMaxRecommendations, "), got ",
                     catalog.max_recommendations()));
  }
  std::set<std::string> ids;
  for (int i = 0; i < catalog.rules_size(); ++i) {
    const auto& r = catalog.rules(i);
    if (r.id().empty()) return RuleError(r, i, "has no id");
    if (!ids.insert(r.id()).second) return RuleError(r, i, "id is used by an earlier rule");
    if (r.title().empty()) return RuleError(r, i, "has no title");
    if (r.text().empty()) return RuleError(r, i, "has no text");
    if (r.triggers_size() == 0) return RuleError(r, i, "has no trigger");
    for (int k = 0; k < r.triggers_size(); ++k) {
      const auto& t = r.triggers(k);
      const std::string where = absl::StrCat("trigger ", k + 1, " (\"", t.quantity(), "\")");
      if (const std::string why = CheckQuantity(t.quantity()); !why.empty()) {
        return RuleError(r, i, absl::StrCat(where, ": ", why));
      }
      if (!t.has_at_least() && !t.has_at_most()) {
        return RuleError(r, i, absl::StrCat(where, ": needs at_least or at_most"));
      }
      if ((t.has_at_least() && !std::isfinite(t.at_least())) ||
          (t.has_at_most() && !std::isfinite(t.at_most()))) {
        return RuleError(r, i, absl::StrCat(where, ": bounds must be finite"));
      }
      if (t.has_at_least() && t.has_at_most() && t.at_least() > t.at_most()) {
        return RuleError(r, i, absl::StrCat(where, ": at_least is above at_most, so it never holds"));
      }
      if (t.reason().empty()) return RuleError(r, i, absl::StrCat(where, ": has no reason"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RecommendationCatalog> LoadRecommendationCatalog(const std::string& path) {
  RecommendationCatalog catalog;
  if (absl::Status s = burnout::config::LoadTextProto(path, &catalog); !s.ok()) return s;
  if (absl::Status s = ValidateRecommendationCatalog(catalog); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", s.message()));
  }
  return catalog;
}

std::optional<double> RecommendationQuantity(const Assessment& a, const std::string& q) {
  const auto& risk = a.risk();
  if (q == "risk_level") {
    if (risk.abstained() || risk.level() == burnout::v1::RISK_LEVEL_UNSPECIFIED) return std::nullopt;
    return static_cast<double>(risk.level());
  }
  if (q == "risk") {
    const std::optional<double> r = PassiveRisk(a);
    return r ? Finite(*r) : std::nullopt;
  }
  if (q == "energy" || q == "stress" || q == "work") {
    if (!a.has_state()) return std::nullopt;
    const auto& s = a.state();
    return Finite(q == "energy" ? s.energy() : q == "stress" ? s.stress() : s.work());
  }
  if (q == "checkin.personal" || q == "checkin.work") {
    const auto& c = a.self_report().latest();
    if (q == "checkin.personal") return c.has_personal() ? Finite(c.personal()) : std::nullopt;
    return c.has_work() ? Finite(c.work()) : std::nullopt;
  }
  if (absl::StartsWith(q, "text.")) return ModalityIndicator(a, burnout::v1::MODALITY_TEXT, q.substr(5));
  if (absl::StartsWith(q, "voice.")) return ModalityIndicator(a, burnout::v1::MODALITY_VOICE, q.substr(6));
  if (absl::StartsWith(q, "face.")) return ModalityIndicator(a, burnout::v1::MODALITY_FACE, q.substr(5));
  if (absl::StartsWith(q, "z.")) {
    const std::string name = q.substr(2);
    for (const auto& d : a.baseline().deviations()) {
      if (d.name() == name) return Finite(d.z());
    }
    return std::nullopt;
  }
  if (absl::StartsWith(q, "alert.")) {
    std::string kind = q.substr(6);
    if (absl::EndsWith(kind, kDaysSuffix)) {
      kind.resize(kind.size() - std::string(kDaysSuffix).size());
      const auto* al = ActiveAlert(a, kind);
      if (al == nullptr || a.created_at_ms() <= 0 || al->raised_at_ms() <= 0) return std::nullopt;
      return static_cast<double>(std::max<int64_t>(0, (a.created_at_ms() - al->raised_at_ms()) / kDayMs));
    }
    return ActiveAlert(a, kind) != nullptr ? 1.0 : 0.0;
  }
  if (absl::StartsWith(q, "emotion.")) {
    const std::string name = q.substr(8);
    if (!IsTrendEmotion(name)) return std::nullopt;
    return TrendFeature(a, name);
  }
  return std::nullopt;
}

std::vector<Recommendation> Recommend(const Assessment& a, const RecommendationCatalog& catalog) {
  struct Fired {
    const RecommendationRule* rule;
    Recommendation rec;
  };
  std::vector<Fired> fired;
  for (const auto& rule : catalog.rules()) {
    std::vector<std::string> reasons;
    Recommendation rec;
    for (const auto& t : rule.triggers()) {
      const auto v = RecommendationQuantity(a, t.quantity());
      if (!v) continue;
      if (t.has_at_least() && !(*v >= t.at_least())) continue;
      if (t.has_at_most() && !(*v <= t.at_most())) continue;
      if (!t.has_at_least() && !t.has_at_most()) continue;  // never holds (validation rejects it)
      reasons.push_back(absl::StrCat(t.reason(), ShownValue(t.quantity(), *v)));
      rec.add_evidence(absl::StrCat(t.quantity(), " = ", FormatNumber(*v), " (", Bounds(t), ")"));
    }
    if (reasons.empty()) continue;
    rec.set_id(rule.id());
    rec.set_title(rule.title());
    rec.set_text(rule.text());
    rec.set_why(absl::StrCat("Because ", JoinAnd(reasons), "."));
    fired.push_back({&rule, std::move(rec)});
  }
  std::stable_sort(fired.begin(), fired.end(), [](const Fired& x, const Fired& y) {
    if (x.rule->priority() != y.rule->priority()) return x.rule->priority() > y.rule->priority();
    return x.rule->id() < y.rule->id();
  });
  const size_t max = catalog.max_recommendations() > 0 ? catalog.max_recommendations()
                                                       : kDefaultMaxRecommendations;
  std::vector<Recommendation> out;
  for (size_t i = 0; i < fired.size(); ++i) {
    if (i < max || fired[i].rule->id() == kAlwaysIncludedRule) out.push_back(std::move(fired[i].rec));
  }
  return out;
}

}  // namespace burnout::insight
