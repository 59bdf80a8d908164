#include "common/grpc/logging.h"

#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc/wire_text.h"
#include "spdlog/pattern_formatter.h"
#include "spdlog/spdlog.h"

namespace burnout::grpcx {
namespace {

// %J: the message as a JSON value: an object as it is when the message is one (the span lines),
// else a JSON string.
class JsonMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string_view v(msg.payload.data(), msg.payload.size());
    if (!v.empty() && v.front() == '{' && v.back() == '}') {
      dest.append(v.data(), v.data() + v.size());
      return;
    }
    const std::string out = absl::StrCat("\"", JsonEscaped(v), "\"");
    dest.append(out.data(), out.data() + out.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessage>();
  }
};

}  // namespace

absl::Status InitLogging(const std::string& process_name, const std::string& level) {
  auto lvl = spdlog::level::from_str(level);
  if (lvl == spdlog::level::off && level != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat("server.log_level: unknown level \"", level,
                     "\" (trace, debug, info, warn, error, off)"));
  }
  spdlog::set_level(lvl);
  const char* format = std::getenv("BURNOUT_LOG_FORMAT");
  if (format != nullptr && std::string(format) == "json") {
    // One JSON object per line: time, service, level, and the message (a span line's fields,
    // trace_id among them, stay an object).
    auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    f->add_flag<JsonMessage>('J').set_pattern(absl::StrCat(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","service":")", process_name,
        R"(","level":"%l","msg":%J})"));
    spdlog::set_formatter(std::move(f));
  } else {
    spdlog::set_pattern(absl::StrCat("%Y-%m-%dT%H:%M:%S.%e [", process_name, "] %l %v"));
  }
  return absl::OkStatus();
}

}  // namespace burnout::grpcx
