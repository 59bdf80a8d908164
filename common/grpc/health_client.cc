#include "common/grpc/health_client.h"

#include <future>

#include "common/grpc/status.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace burnout::grpcx {
namespace {

// HealthCheckRequest{ string service = 1; } in protobuf wire format.
grpc::ByteBuffer EncodeRequest(const std::string& service) {
  std::string wire;
  if (!service.empty()) {
    wire.push_back(0x0A);
    size_t n = service.size();
    do {  // varint length
      unsigned char b = n & 0x7F;
      n >>= 7;
      wire.push_back(static_cast<char>(n ? (b | 0x80) : b));
    } while (n);
    wire += service;
  }
  grpc::Slice slice(wire);
  return grpc::ByteBuffer(&slice, 1);
}

// HealthCheckResponse{ ServingStatus status = 1; }: field 1, varint.
Health DecodeResponse(const grpc::ByteBuffer& buf) {
  grpc::Slice slice;
  if (!buf.DumpToSingleSlice(&slice).ok()) return Health::kUnknown;
  const auto* p = slice.begin();
  const auto* end = slice.end();
  while (p + 1 < end) {
    if (*p == 0x08) return static_cast<Health>(p[1] & 0x7F);
    ++p;
  }
  return Health::kUnknown;  // status 0 (UNKNOWN) is encoded as an empty message
}

}  // namespace

absl::StatusOr<Health> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                   const std::string& service, std::chrono::milliseconds timeout) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  grpc::ByteBuffer request = EncodeRequest(service);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request, &response,
                 [&done](grpc::Status s) { done.set_value(std::move(s)); });
  grpc::Status s = done.get_future().get();
  if (s.error_code() == grpc::StatusCode::NOT_FOUND) return Health::kServiceUnknown;
  if (!s.ok()) return FromGrpc(s);
  return DecodeResponse(response);
}

const char* HealthName(Health h) {
  switch (h) {
    case Health::kServing: return "SERVING";
    case Health::kNotServing: return "NOT_SERVING";
    case Health::kServiceUnknown: return "SERVICE_UNKNOWN";
    default: return "UNKNOWN";
  }
}

}  // namespace burnout::grpcx
