// Runs a unary handler's work on an Executor, off gRPC's threads, within the call's
// (capped) deadline. A full queue answers RESOURCE_EXHAUSTED, which callers treat like an
// absent modality; work that starts after the deadline or after cancellation is skipped.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/executor.h"
#include "common/grpc/status.h"
#include "grpcpp/grpcpp.h"

namespace burnout::grpcx {

// `work` returns absl::Status and writes the response itself. `what` names the service in
// errors.
template <typename Work>
grpc::ServerUnaryReactor* ScheduleUnary(grpc::CallbackServerContext* ctx, Executor* executor,
                                        int deadline_cap_ms, const std::string& what,
                                        Work work) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const auto deadline = std::min(
      ctx->deadline(), std::chrono::system_clock::now() + std::chrono::milliseconds(deadline_cap_ms));
  const bool queued = executor->TrySubmit([ctx, reactor, deadline, what, work = std::move(work)]() mutable {
    if (ctx->IsCancelled()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled before it ran"));
      return;
    }
    if (std::chrono::system_clock::now() >= deadline) {
      reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                   absl::StrCat(what, ": deadline passed while queued")));
      return;
    }
    reactor->Finish(ToGrpc(work(deadline)));
  });
  if (!queued) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat(what, " is overloaded: request queue full (server.max_queue)")));
  }
  return reactor;
}

}  // namespace burnout::grpcx
