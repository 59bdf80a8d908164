// Human-readable output for burnoutctl; --json prints the proto JSON mapping instead.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "burnout/v1/burnout_risk.pb.h"
#include "google/protobuf/message.h"

namespace burnout::ctl {

std::string RenderAssessment(const burnout::v1::Assessment& a);
std::string RenderHistory(const burnout::v1::HistoryResponse& h);
std::string RenderTrend(const burnout::v1::TrendSummary& t);
// The proto JSON mapping with proto field names; `pretty` = indented, else one line.
std::string ToJson(const google::protobuf::Message& m, bool pretty = true);

// The text a --text_file flag names: the file's bytes, or standard input for "-".
absl::StatusOr<std::string> ReadTextArg(const std::string& path);

}  // namespace burnout::ctl
