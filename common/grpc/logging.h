#pragma once

#include <string>

#include "absl/status/status.h"

namespace burnout::grpcx {

// Sets the process-wide spdlog level and pattern ("[name] ..."). INVALID_ARGUMENT for an
// unknown level name.
absl::Status InitLogging(const std::string& process_name, const std::string& level);

}  // namespace burnout::grpcx
