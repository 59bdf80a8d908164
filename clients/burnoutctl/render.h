// Human-readable output for burnoutctl; --json prints the proto JSON mapping instead.
#pragma once

#include <string>

#include "burnout/v1/burnout_risk.pb.h"
#include "google/protobuf/message.h"

namespace burnout::ctl {

std::string RenderAssessment(const burnout::v1::Assessment& a);
std::string RenderHistory(const burnout::v1::HistoryResponse& h);
std::string RenderTrend(const burnout::v1::TrendSummary& t);
std::string ToJson(const google::protobuf::Message& m);

}  // namespace burnout::ctl
