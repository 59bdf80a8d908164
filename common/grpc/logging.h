#pragma once

#include <string>

#include "absl/status/status.h"

namespace burnout::grpcx {

// Sets the process-wide spdlog level and pattern ("[name] ..."); with BURNOUT_LOG_FORMAT=json in
// the environment, one JSON object per line ({"time", "service", "level", "msg"}; a span line's
// msg is an object with its trace_id, span_id, parent_id, method, code and ms). UTC time in
// JSON. INVALID_ARGUMENT for an unknown level name.
absl::Status InitLogging(const std::string& process_name, const std::string& level);

}  // namespace burnout::grpcx
