// burnout-web's JSON: any bytes as the request body of each API method (proto JSON, as
// POST /api/v1/<Method> parses it) and as a live session's input batch.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "clients/web/web_api.h"
#include "clients/web/web_session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const std::vector<std::string> methods = burnout::web::ApiMethods();
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % (methods.size() + 1) == methods.size()) {
    std::vector<burnout::v1::SessionRequest> requests;
    if (burnout::web::ParseSessionInput(body, &requests).ok()) {
      for (const auto& r : requests) {
        if (!r.has_audio() && !r.has_frame()) __builtin_trap();
      }
    }
    return 0;
  }
  const auto r = burnout::web::ParseApiRequest(methods[data[0] % (methods.size() + 1)], body);
  if (r.http_status != 200 && r.http_status != 400) __builtin_trap();
  return 0;
}
