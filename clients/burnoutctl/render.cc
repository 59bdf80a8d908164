#include "clients/burnoutctl/render.h"

#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/json_util.h"
#include "common/api/api_text.h"

namespace burnout::ctl {
namespace {

using api::ModalityName;
using api::RiskLabel;
using api::RiskName;
using api::TrendName;

std::string When(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string Bar(float p) { return std::string(static_cast<size_t>(p * 20 + 0.5f), '#'); }

}  // namespace

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
