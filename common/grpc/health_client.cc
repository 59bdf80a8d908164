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

// HealthCheckResponse{ ServingStatus status = 1; }: tag 0x08 then a one-byte varint (the
// enum's values are < 128). UNKNOWN (0) is encoded as an empty message.
Health DecodeResponse(const grpc::ByteBuffer& buf) {
  grpc::Slice slice;
  if (!buf.DumpToSingleSlice(&slice).ok() || slice.size() < 2) return Health::kUnknown;
  const uint8_t* p = slice.begin();
  return p[0] == 0x08 && p[1] < 0x80 ? static_cast<Health>(p[1]) : Health::kUnknown;
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
