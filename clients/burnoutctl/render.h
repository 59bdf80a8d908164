// Human-readable output for burnoutctl; --json prints the proto JSON mapping instead.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/burnout_risk.pb.h"
#include "google/protobuf/message.h"

namespace burnout::ctl {

// A local time, "YYYY-MM-DD HH:MM:SS".
std::string When(int64_t ms);
std::string RenderAssessment(const burnout::v1::Assessment& a);
std::string RenderHistory(const burnout::v1::HistoryResponse& h);
std::string RenderTrend(const burnout::v1::TrendSummary& t);
std::string RenderCheckIn(const burnout::v1::CheckInResponse& r);
std::string RenderCheckIns(const burnout::v1::CheckInsResponse& r);
std::string RenderBaseline(const burnout::v1::PersonalBaseline& b);
std::string RenderAlerts(const burnout::v1::AlertsResponse& r);
std::string RenderSummary(const burnout::v1::PersonSummary& s);
std::string RenderOrgSummary(const burnout::v1::OrgSummary& s);

// Parses "--answers": 13 comma- or space-separated integers 0..5 (0 = skipped).
absl::StatusOr<std::vector<int>> ParseAnswers(const std::string& text);
// The proto JSON mapping with proto field names; `pretty` = indented, else one line.
std::string ToJson(const google::protobuf::Message& m, bool pretty = true);

// The text a --text_file flag names: the file's bytes, or standard input for "-".
absl::StatusOr<std::string> ReadTextArg(const std::string& path);

}  // namespace burnout::ctl
