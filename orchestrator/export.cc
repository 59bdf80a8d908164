#include "orchestrator/export.h"

#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/api/api_text.h"
#include "google/protobuf/util/json_util.h"
#include "orchestrator/explainer.h"

namespace burnout::orchestrator {
namespace {

std::string Iso8601(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  return absl::StrFormat("%s.%03dZ", buf, static_cast<int>(ms % 1000));
}

// RFC 4180 quoting.
std::string Csv(const std::string& field) {
  if (field.find_first_of(",\"\n\r") == std::string::npos) return field;
  return absl::StrCat("\"", absl::StrReplaceAll(field, {{"\"", "\"\""}}), "\"");
}

float Prob(const burnout::v1::FuseResponse& r, const std::string& label) {
  for (const auto& p : r.calibrated_probabilities()) {
    if (p.label() == label) return p.probability();
  }
  return 0;
}

}  // namespace

std::string ToCsv(const std::vector<burnout::v1::Assessment>& rows) {
  std::string out =
      "assessment_id,created_at,risk_level,p_low,p_moderate,p_high,confidence,uncertainty,"
      "energy,stress,work,trend,modalities_used,masked,fusion_model\n";
  for (const auto& a : rows) {
    std::vector<std::string> used, masked;
    for (const auto& m : a.modalities()) {
      if (m.used()) used.push_back(ModalityName(m.modality()));
      else if (m.mask_reason() != kNotProvided)
        masked.push_back(absl::StrCat(ModalityName(m.modality()), ": ", m.mask_reason()));
    }
    const auto& r = a.risk();
    absl::StrAppend(
        &out,
        absl::StrJoin(
            {Csv(a.assessment_id()), Iso8601(a.created_at_ms()), api::RiskLabel(r),
             absl::StrFormat("%.4f", Prob(r, "low")), absl::StrFormat("%.4f", Prob(r, "moderate")),
             absl::StrFormat("%.4f", Prob(r, "high")), absl::StrFormat("%.4f", r.confidence()),
             absl::StrFormat("%.4f", r.uncertainty()), absl::StrFormat("%.4f", a.state().energy()),
             absl::StrFormat("%.4f", a.state().stress()), absl::StrFormat("%.4f", a.state().work()),
             a.trend().trend() == burnout::v1::TREND_UNSPECIFIED ? std::string()
                                                                  : TrendName(a.trend().trend()),
             Csv(absl::StrJoin(used, ";")), Csv(absl::StrJoin(masked, "; ")),
             Csv(absl::StrCat(r.model().name(), "/", r.model().version()))},
            ","),
        "\n");
  }
  return out;
}

std::string ToCsv(const burnout::v1::PersonExport& p) {
  std::string out = ToCsv(std::vector<burnout::v1::Assessment>(p.assessments().begin(),
                                                               p.assessments().end()));
  auto f4 = [](double v) { return absl::StrFormat("%.4f", v); };
  auto f1 = [](double v) { return absl::StrFormat("%.1f", v); };
  if (p.checkins_size() > 0) {
    absl::StrAppend(&out, "\n# check-ins\n",
                    "checkin_id,created_at,personal,personal_band,work,work_band,passive,answers\n");
    for (const auto& c : p.checkins()) {
      absl::StrAppend(
          &out,
          absl::StrJoin({Csv(c.checkin_id()), Iso8601(c.created_at_ms()),
                         c.has_personal() ? f1(c.personal()) : std::string(), c.personal_band(),
                         c.has_work() ? f1(c.work()) : std::string(), c.work_band(),
                         c.has_passive() ? f1(c.passive()) : std::string(),
                         absl::StrJoin(c.answers(), " ")},
                        ","),
          "\n");
    }
  }
  if (p.alerts_size() > 0) {
    absl::StrAppend(&out, "\n# alerts\n",
                    "alert_id,kind,state,raised_at,cleared_at,baseline,value_at_raise,z_at_raise,"
                    "peak_value,message\n");
    for (const auto& a : p.alerts()) {
      absl::StrAppend(
          &out,
          absl::StrJoin({Csv(a.alert_id()), Csv(a.kind()),
                         std::string(a.state() == burnout::v1::ALERT_STATE_ACTIVE ? "active" : "cleared"),
                         Iso8601(a.raised_at_ms()),
                         a.cleared_at_ms() > 0 ? Iso8601(a.cleared_at_ms()) : std::string(), f4(a.baseline()),
                         f4(a.value_at_raise()), f4(a.z_at_raise()), f4(a.peak_value()),
                         Csv(a.message())},
                        ","),
          "\n");
    }
  }
  if (p.baseline().stats_size() > 0) {
    absl::StrAppend(&out, "\n# baseline\n", "name,median,mad,scale,n\n");
    for (const auto& b : p.baseline().stats()) {
      absl::StrAppend(&out,
                      absl::StrJoin({Csv(b.name()), f4(b.median()), f4(b.mad()), f4(b.scale()),
                                     absl::StrCat(b.n())},
                                    ","),
                      "\n");
    }
  }
  return out;
}

absl::StatusOr<std::string> ToJson(const burnout::v1::PersonExport& p) {
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  std::string out;
  auto s = google::protobuf::util::MessageToJsonString(p, &out, opts);
  if (!s.ok()) return absl::InternalError(std::string(s.message()));
  return out;
}

absl::StatusOr<std::string> ToJson(const std::vector<burnout::v1::Assessment>& rows) {
  burnout::v1::HistoryResponse all;
  for (const auto& a : rows) *all.add_assessments() = a;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  std::string out;
  auto s = google::protobuf::util::MessageToJsonString(all, &out, opts);
  if (!s.ok()) return absl::InternalError(std::string(s.message()));
  return out;
}

}  // namespace burnout::orchestrator
