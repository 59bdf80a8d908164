#include "clients/web/web_api.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <functional>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/grpc/wire_text.h"
#include "burnout/v1/model.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace burnout::web {
namespace {

using Stub = burnout::v1::BurnoutRisk::StubInterface;

using Handler = std::function<ApiResponse(Stub*, const std::string&, const std::string&, int)>;

// One unary method: parse the request, call with the caller's token and a deadline, print.
template <typename Req, typename Resp>
Handler Unary(grpc::Status (Stub::*method)(grpc::ClientContext*, const Req&, Resp*)) {
  return [method](Stub* stub, const std::string& body, const std::string& authorization,
                  int timeout_ms) -> ApiResponse {
    Req request;
    google::protobuf::util::JsonParseOptions parse;
    parse.ignore_unknown_fields = false;
    if (!body.empty()) {
      const auto parsed = google::protobuf::util::JsonStringToMessage(body, &request, parse);
      if (!parsed.ok()) {
        return {400, ErrorJson(grpc::StatusCode::INVALID_ARGUMENT,
                               absl::StrCat("the body is not a ", request.GetDescriptor()->full_name(),
                                            " in proto JSON: ", std::string(parsed.message())))};
      }
    }
    if (stub == nullptr) return {200, "{}"};  // a dry run: the body parsed
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
    if (!authorization.empty()) ctx.AddMetadata("authorization", authorization);
    Resp response;
    const grpc::Status s = (stub->*method)(&ctx, request, &response);
    if (!s.ok()) return {HttpStatusFor(s.error_code()), ErrorJson(s.error_code(), s.error_message())};
    google::protobuf::util::JsonPrintOptions print;
    print.preserve_proto_field_names = true;
    print.always_print_primitive_fields = true;
    std::string out;
    (void)google::protobuf::util::MessageToJsonString(response, &out, print);
    return {200, out};
  };
}

const std::vector<std::pair<std::string, Handler>>& Table() {
  static const auto* table = new std::vector<std::pair<std::string, Handler>>{
      {"Assess", Unary(&Stub::Assess)},
      {"GetHistory", Unary(&Stub::GetHistory)},
      {"GetTrend", Unary(&Stub::GetTrend)},
      {"Export", Unary(&Stub::Export)},
      {"GetAssessment", Unary(&Stub::GetAssessment)},
      {"DeleteAssessment", Unary(&Stub::DeleteAssessment)},
      {"DeleteUserData", Unary(&Stub::DeleteUserData)},
      {"GetCheckInForm", Unary(&Stub::GetCheckInForm)},
      {"CheckIn", Unary(&Stub::CheckIn)},
      {"GetCheckIns", Unary(&Stub::GetCheckIns)},
      {"GetBaseline", Unary(&Stub::GetBaseline)},
      {"GetAlerts", Unary(&Stub::GetAlerts)},
      {"GetSummary", Unary(&Stub::GetSummary)},
      {"GetOrgSummary", Unary(&Stub::GetOrgSummary)},
      {"SetGroup", Unary(&Stub::SetGroup)},
      {"GetAuditLog", Unary(&Stub::GetAuditLog)},
  };
  return *table;
}

}  // namespace

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::FAILED_PRECONDITION: return 400;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    default: return 500;
  }
}

std::string ErrorJson(grpc::StatusCode code, const std::string& message) {
  return absl::StrCat("{\"code\":\"", grpcx::GrpcCodeName(code), "\",\"message\":\"",
                      grpcx::JsonEscaped(message), "\"}");
}

WebApi::WebApi(std::shared_ptr<Stub> stub, int timeout_ms)
    : stub_(std::move(stub)), timeout_ms_(timeout_ms) {}

std::vector<std::string> WebApi::Methods() const { return ApiMethods(); }

ApiResponse WebApi::Call(const std::string& method, const std::string& json_body,
                         const std::string& authorization) const {
  for (const auto& [name, handler] : Table()) {
    if (name == method) return handler(stub_.get(), json_body, authorization, timeout_ms_);
  }
  return {404, ErrorJson(grpc::StatusCode::NOT_FOUND,
                         absl::StrCat("no API method \"", method, "\" (GET /api/v1 lists them)"))};
}

ApiResponse ParseApiRequest(const std::string& method, const std::string& json_body) {
  for (const auto& [name, handler] : Table()) {
    if (name == method) return handler(nullptr, json_body, "", 0);
  }
  return {404, ErrorJson(grpc::StatusCode::NOT_FOUND, absl::StrCat("no API method \"", method, "\""))};
}

std::vector<std::string> ApiMethods() {
  std::vector<std::string> out;
  for (const auto& [name, h] : Table()) out.push_back(name);
  return out;
}

std::string ModelsJson(const std::string& models_dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> manifests;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(models_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it.depth() > 2) it.disable_recursion_pending();
    if (it->is_regular_file() && it->path().filename() == "manifest.textproto") {
      manifests.push_back(it->path());
    }
  }
  std::sort(manifests.begin(), manifests.end());
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  std::string out = "{\"models\":[";
  int n = 0;
  for (const auto& path : manifests) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    burnout::v1::ModelManifest m;
    if (!google::protobuf::TextFormat::ParseFromString(text.str(), &m)) continue;
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(m, &json, print).ok()) continue;
    absl::StrAppend(&out, n++ ? "," : "", json);
  }
  absl::StrAppend(&out, "]}");
  return out;
}

}  // namespace burnout::web
