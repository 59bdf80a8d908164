#include "clients/burnoutctl/render.h"

#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "common/api/api_text.h"

namespace burnout::ctl {
namespace {

using api::ModalityName;
using api::RiskLabel;
using api::RiskName;
using api::TrendName;


std::string Bar(float p) { return std::string(static_cast<size_t>(p * 20 + 0.5f), '#'); }

}  // namespace

std::string When(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string RenderAssessment(const burnout::v1::Assessment& a) {
  std::string out;
  const auto& r = a.risk();
  if (r.abstained()) {
    absl::StrAppendFormat(&out, "Burnout risk: %s%s\n  %s\n  (the probabilities below are kept for the record only)\n",
                          RiskLabel(r), a.replayed() ? "  [stored result, replayed]" : "",
                          r.abstain_reason());
  } else {
    absl::StrAppendFormat(&out, "Burnout risk: %s (%.0f%%)%s\n", RiskLabel(r),
                          100 * r.confidence(), a.replayed() ? "  [stored result, replayed]" : "");
  }
  for (const auto& p : r.calibrated_probabilities()) {
    absl::StrAppendFormat(&out, "  %-9s %5.1f%% %s\n", p.label(), 100 * p.probability(),
                          Bar(p.probability()));
  }
  absl::StrAppendFormat(&out, "  uncertainty %.3f%s\n\n", r.uncertainty(),
                        r.abstained() ? ""
                        : r.reliable() ? ", reliable"
                                       : ", not reliable: read as a weak signal");
  out += "Modalities:\n";
  for (const auto& m : a.modalities()) {
    if (m.used()) {
      absl::StrAppendFormat(&out, "  %-6s used, weight %.2f, quality %.2f, model %s/%s\n",
                            ModalityName(m.modality()), m.attention_weight(), m.result().quality(),
                            m.result().model().name(), m.result().model().version());
    } else if (m.mask_reason() == api::kNotProvided) {
      absl::StrAppendFormat(&out, "  %-6s not provided\n", ModalityName(m.modality()));
    } else {
      absl::StrAppendFormat(&out, "  %-6s masked: %s\n", ModalityName(m.modality()), m.mask_reason());
    }
  }
  absl::StrAppendFormat(&out, "\nState: energy %.2f  stress %.2f  work %.2f\n", a.state().energy(),
                        a.state().stress(), a.state().work());
  out += "\nWhat this rests on:\n";
  for (const auto& n : a.narratives()) absl::StrAppend(&out, "  - ", n.text(), "\n");
  if (a.recommendations_size() > 0) {
    out += "\nSuggestions (wellness ideas, not treatment):\n";
    for (const auto& rec : a.recommendations()) {
      absl::StrAppend(&out, "  * ", rec.title(), ": ", rec.text(), "\n      why: ", rec.why(), "\n");
    }
  }
  absl::StrAppend(&out, "\n", a.notice(), "\n");
  absl::StrAppend(&out, "\nassessment ", a.assessment_id(), " for ", a.user_id(), " at ",
                  When(a.created_at_ms()), "\n");
  return out;
}

std::string RenderHistory(const burnout::v1::HistoryResponse& h) {
  if (h.assessments().empty()) return "No assessments stored.\n";
  std::string out = absl::StrFormat("%-19s  %-8s  %5s  %6s  %6s  %6s  %-10s  %s\n", "when", "risk",
                                    "conf", "energy", "stress", "work", "trend", "modalities");
  for (const auto& a : h.assessments()) {
    std::string mods;
    for (const auto& m : a.modalities()) {
      if (m.used()) absl::StrAppend(&mods, mods.empty() ? "" : ",", ModalityName(m.modality()));
    }
    absl::StrAppendFormat(&out, "%-19s  %-8s  %4.0f%%  %6.2f  %6.2f  %6.2f  %-10s  %s\n",
                          When(a.created_at_ms()), RiskLabel(a.risk()),
                          100 * a.risk().confidence(), a.state().energy(), a.state().stress(),
                          a.state().work(),
                          a.trend().trend() ? TrendName(a.trend().trend()) : "-", mods);
  }
  return out;
}

std::string RenderTrend(const burnout::v1::TrendSummary& t) {
  if (t.trend() == burnout::v1::TREND_UNSPECIFIED) {
    return absl::StrCat("No trend yet: ", t.unavailable_reason(), "\n");
  }
  std::string out = absl::StrFormat("Trend over %d assessments: %s (%.0f%%)\n",
                                    t.assessments_used(), TrendName(t.trend()), 100 * t.confidence());
  for (const auto& p : t.probabilities()) {
    absl::StrAppendFormat(&out, "  %-10s %5.1f%% %s\n", p.label(), 100 * p.probability(),
                          Bar(p.probability()));
  }
  return out;
}

namespace {

std::string Day(int64_t ms) { return When(ms).substr(0, 10); }

std::string Scale(const burnout::v1::CheckIn& c) {
  std::vector<std::string> parts;
  if (c.has_personal()) {
    parts.push_back(absl::StrFormat("personal burnout %.0f/100 (%s)", c.personal(), c.personal_band()));
  } else {
    parts.push_back("personal burnout not scored (fewer than half its items answered)");
  }
  if (c.has_work()) {
    parts.push_back(absl::StrFormat("work-related burnout %.0f/100 (%s)", c.work(), c.work_band()));
  } else {
    parts.push_back("work-related burnout not scored (fewer than half its items answered)");
  }
  return absl::StrJoin(parts, ", ");
}

std::string Agreement(const burnout::v1::CheckInAgreement& a) {
  std::string out = absl::StrCat("  ", a.summary(), "\n");
  if (a.calibrated()) {
    absl::StrAppendFormat(&out,
                          "  Your passive estimate is calibrated to your check-ins: check-in ~ "
                          "%.1f + %.2f x passive (over %d pairs).\n",
                          a.calibration_intercept(), a.calibration_slope(), a.pairs());
  }
  return out;
}

std::string Levels(const google::protobuf::RepeatedPtrField<burnout::v1::LevelCount>& levels) {
  std::vector<std::string> parts;
  for (const auto& l : levels) {
    parts.push_back(absl::StrCat(l.level() == burnout::v1::RISK_LEVEL_UNSPECIFIED
                                     ? "not enough signal"
                                     : RiskName(l.level()),
                                 " ", l.count()));
  }
  return absl::StrJoin(parts, ", ");
}

}  // namespace

std::string RenderCheckIn(const burnout::v1::CheckInResponse& r) {
  const auto& c = r.checkin();
  std::string out = absl::StrCat("Check-in", r.replayed() ? " [stored, replayed]" : "", " on ",
                                 When(c.created_at_ms()), ": ", Scale(c), ".\n");
  if (c.has_passive()) {
    absl::StrAppendFormat(&out, "  Passive estimate over the days before it: %.0f/100 (%d assessments).\n",
                          c.passive(), c.passive_assessments());
  } else {
    out += "  No passive assessments in the days before it to compare with.\n";
  }
  out += Agreement(r.agreement());
  out += "\nA self-report questionnaire (Copenhagen Burnout Inventory), kept only for you. It is not a diagnosis.\n";
  return out;
}

std::string RenderCheckIns(const burnout::v1::CheckInsResponse& r) {
  if (r.checkins().empty()) return "No check-ins yet. Run `burnoutctl checkin`.\n";
  std::string out = absl::StrFormat("%-10s  %8s  %-9s  %8s  %-9s  %7s\n", "day", "personal", "",
                                    "work", "", "passive");
  for (const auto& c : r.checkins()) {
    absl::StrAppendFormat(&out, "%-10s  %8s  %-9s  %8s  %-9s  %7s\n", Day(c.created_at_ms()),
                          c.has_personal() ? absl::StrFormat("%.0f", c.personal()) : "-",
                          c.personal_band(), c.has_work() ? absl::StrFormat("%.0f", c.work()) : "-",
                          c.work_band(), c.has_passive() ? absl::StrFormat("%.0f", c.passive()) : "-");
  }
  return out + Agreement(r.agreement());
}

std::string RenderBaseline(const burnout::v1::PersonalBaseline& b) {
  if (!b.ready()) return absl::StrCat(b.message(), ".\n");
  std::string out = absl::StrFormat("Your baseline over your last %d assessments:\n", b.assessments_used());
  absl::StrAppendFormat(&out, "  %-30s %10s %10s %4s\n", "quantity", "usual", "spread", "n");
  for (const auto& s : b.stats()) {
    absl::StrAppendFormat(&out, "  %-30s %10.3g %10.3g %4d\n", s.name(), s.median(), s.scale(), s.n());
  }
  return out;
}

std::string RenderAlerts(const burnout::v1::AlertsResponse& r) {
  if (r.alerts().empty()) return "No alerts.\n";
  std::string out;
  for (const auto& a : r.alerts()) {
    absl::StrAppendFormat(&out, "[%s] %s since %s: %s\n",
                          a.state() == burnout::v1::ALERT_STATE_ACTIVE ? "active" : "cleared",
                          a.kind(), Day(a.raised_at_ms()), a.message());
  }
  return out;
}

std::string RenderSummary(const burnout::v1::PersonSummary& s) {
  std::string out = absl::StrFormat("%s, %s to %s: %d assessments\n", s.user_id(),
                                    Day(s.since_ms()), Day(s.until_ms() - 1), s.assessments());
  if (s.assessments() > 0) {
    absl::StrAppend(&out, "  risk: ", Levels(s.levels()), "\n");
    absl::StrAppendFormat(&out, "  means: risk %.2f, energy %.2f, stress %.2f, work %.2f\n",
                          s.mean_risk(), s.mean_energy(), s.mean_stress(), s.mean_work());
  }
  absl::StrAppend(&out, "  trend: ",
                  s.trend().trend() ? TrendName(s.trend().trend())
                                    : absl::StrCat("none yet (", s.trend().unavailable_reason(), ")"),
                  "\n");
  if (!s.baseline().ready()) absl::StrAppend(&out, "  baseline: ", s.baseline().message(), "\n");
  if (s.alerts().empty()) {
    out += "  alerts: none\n";
  } else {
    out += "  alerts:\n";
    for (const auto& a : s.alerts()) {
      absl::StrAppendFormat(&out, "    [%s] %s\n",
                            a.state() == burnout::v1::ALERT_STATE_ACTIVE ? "active" : "cleared",
                            a.message());
    }
  }
  if (s.checkins().empty()) {
    out += "  check-ins: none in this period\n";
  } else {
    out += "  check-ins:\n";
    for (const auto& c : s.checkins()) {
      absl::StrAppend(&out, "    ", Day(c.created_at_ms()), ": ", Scale(c), "\n");
    }
  }
  out += Agreement(s.agreement());
  return absl::StrCat(out, "\n", s.notice(), "\n");
}

std::string RenderOrgSummary(const burnout::v1::OrgSummary& s) {
  std::string out = absl::StrFormat("Groups, %s to %s (groups under %d people are suppressed):\n",
                                    Day(s.since_ms()), Day(s.until_ms() - 1), s.min_group_size());
  auto line = [](const burnout::v1::GroupSummary& g) {
    if (g.suppressed()) return absl::StrFormat("  %-20s suppressed (too few people)\n", g.group());
    std::string l = absl::StrFormat(
        "  %-20s %3d people, %4d assessments; %s; mean risk %.2f, stress %.2f, energy %.2f; "
        "%d with an active alert; %d check-ins",
        g.group(), g.people(), g.assessments(), Levels(g.levels()), g.mean_risk(), g.mean_stress(),
        g.mean_energy(), g.people_with_active_alerts(), g.checkins());
    if (g.has_mean_checkin_personal()) {
      absl::StrAppendFormat(&l, " (mean personal %.0f)", g.mean_checkin_personal());
    }
    return l + "\n";
  };
  if (s.groups().empty()) out += "  no group has assessments in this period\n";
  for (const auto& g : s.groups()) out += line(g);
  out += line(s.overall());
  return absl::StrCat(out, "\n", s.notice(), "\n");
}

absl::StatusOr<std::vector<int>> ParseAnswers(const std::string& text) {
  std::vector<int> out;
  for (absl::string_view part : absl::StrSplit(text, absl::ByAnyChar(", "), absl::SkipEmpty())) {
    int v = 0;
    if (!absl::SimpleAtoi(part, &v) || v < 0 || v > 5) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--answers: \"", part, "\" (answer ", out.size() + 1, ") is not 0..5 (0 = skipped)"));
    }
    out.push_back(v);
  }
  if (out.size() != 13) {
    return absl::InvalidArgumentError(
        absl::StrCat("--answers: ", out.size(), " answers; the check-in has 13 items"));
  }
  return out;
}

absl::StatusOr<std::string> ReadTextArg(const std::string& path) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError("cannot read " + path);
    ss << in.rdbuf();
  }
  return ss.str();
}

std::string ToJson(const google::protobuf::Message& m, bool pretty) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = pretty;
  opts.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out, opts);
  return out;
}

}  // namespace burnout::ctl
