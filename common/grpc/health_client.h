// A grpc.health.v1 Check client over the generic stub (the Debian gRPC package ships no
// generated health stubs).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace burnout::grpcx {

enum class Health { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };

// The serving status of `service` ("" = the whole server, i.e. liveness). A transport
// failure (server down, deadline) is returned as the status.
absl::StatusOr<Health> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                   const std::string& service,
                                   std::chrono::milliseconds timeout);

const char* HealthName(Health h);

}  // namespace burnout::grpcx
