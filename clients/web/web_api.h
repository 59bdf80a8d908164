// burnout-web's JSON API: each burnout.v1.BurnoutRisk unary method as
// `POST /api/v1/<Method>` with the request as proto JSON (field names as in the .proto) and the
// response as proto JSON; errors as {"code": "PERMISSION_DENIED", "message": "..."} with the
// HTTP status that matches the gRPC code. The caller's `Authorization: Bearer <token>` goes on
// to the orchestrator unchanged, so the orchestrator decides who may read what, exactly as for
// gRPC clients. No HTTP here: the server (web_main.cc) hands over method, body and header.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "burnout/v1/burnout_risk.grpc.pb.h"

namespace burnout::web {

struct ApiResponse {
  int http_status = 200;
  std::string body;  // JSON
};

// The HTTP status for a gRPC code: 400 INVALID_ARGUMENT / OUT_OF_RANGE / FAILED_PRECONDITION,
// 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 409 ALREADY_EXISTS / ABORTED,
// 429 RESOURCE_EXHAUSTED, 499 CANCELLED, 501 UNIMPLEMENTED, 503 UNAVAILABLE,
// 504 DEADLINE_EXCEEDED, 500 otherwise.
int HttpStatusFor(grpc::StatusCode code);

// {"code": "<NAME>", "message": "..."}.
std::string ErrorJson(grpc::StatusCode code, const std::string& message);

// The methods served, in the order they are listed (GET /api/v1).
std::vector<std::string> ApiMethods();

// Parses `json_body` as `method`'s request, as Call does, without calling anything: 200 with
// "{}", or Call's 400 / 404 error.
ApiResponse ParseApiRequest(const std::string& method, const std::string& json_body);

// {"models": [ModelManifest, ...]}: every models_dir/<name>/<version>/manifest.textproto, in
// path order; a manifest that does not parse is left out.
std::string ModelsJson(const std::string& models_dir);

class WebApi {
 public:
  // `timeout_ms` caps every call to the orchestrator.
  WebApi(std::shared_ptr<burnout::v1::BurnoutRisk::StubInterface> stub, int timeout_ms);

  // The methods served, in the order they are listed (GET /api/v1).
  std::vector<std::string> Methods() const;

  // Runs `method` with `json_body` and the caller's `authorization` header ("" when absent).
  // 404 for an unknown method, 400 for a body that is not the request's proto JSON.
  ApiResponse Call(const std::string& method, const std::string& json_body,
                   const std::string& authorization) const;

 private:
  std::shared_ptr<burnout::v1::BurnoutRisk::StubInterface> stub_;
  int timeout_ms_;
};

}  // namespace burnout::web
