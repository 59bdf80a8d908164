#include "common/grpc/logging.h"

#include "absl/strings/str_cat.h"
#include "spdlog/spdlog.h"

namespace burnout::grpcx {

absl::Status InitLogging(const std::string& process_name, const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("server.log_level: unknown level \"", level,
                     "\" (trace, debug, info, warn, error, off)"));
  }
  spdlog::set_level(lvl);
  spdlog::set_pattern(absl::StrCat("%Y-%m-%dT%H:%M:%S.%e [", process_name, "] %l %v"));
  return absl::OkStatus();
}

}  // namespace burnout::grpcx
