// Runs a unary handler's work on an Executor, off gRPC's threads, within the call's
// (capped) deadline. A full queue answers RESOURCE_EXHAUSTED, which callers treat like an
// absent modality; work that starts after the deadline or after cancellation is skipped.
#pragma once

#include <chrono>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/batcher.h"
#include "common/grpc/executor.h"
#include "common/grpc/metrics.h"
#include "common/grpc/trace.h"
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
    // The call's trace travels with its work, so the calls it makes carry it on.
    ScopedTrace trace(TraceOf(ctx));
    reactor->Finish(ToGrpc(work(deadline)));
  });
  Metrics::Get().Set("burnout_queue_depth", {{"queue", what}},
                     static_cast<double>(executor->queued()));
  if (!queued) {
    Metrics::Get().Count("burnout_queue_rejected_total", {{"queue", what}});
    reactor->Finish(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat(what, " is overloaded: request queue full (server.max_queue)")));
  }
  return reactor;
}

// A unary call waiting in a DynamicBatcher. Jobs carry their call; the batch runner answers
// each with Finish(). Services derive their job type from it (adding the model snapshot and
// the input).
struct UnaryJob {
  grpc::CallbackServerContext* ctx = nullptr;
  grpc::ServerUnaryReactor* reactor = nullptr;
  std::chrono::system_clock::time_point deadline;
  void Finish(const absl::Status& s) const { reactor->Finish(ToGrpc(s)); }
};

// Starts a job for `ctx`, its deadline the caller's capped at `deadline_cap_ms`.
template <typename Job>
Job StartJob(grpc::CallbackServerContext* ctx, int deadline_cap_ms) {
  Job job;
  job.ctx = ctx;
  job.reactor = ctx->DefaultReactor();
  job.deadline = std::min(ctx->deadline(), std::chrono::system_clock::now() +
                                               std::chrono::milliseconds(deadline_cap_ms));
  return job;
}

// Queues `job`; a full queue answers RESOURCE_EXHAUSTED at once. Returns the reactor.
// `wait_for_batch`: see DynamicBatcher::TrySubmit.
template <typename Job>
grpc::ServerUnaryReactor* SubmitJob(DynamicBatcher<Job>* batcher, Job job, const std::string& what,
                                    bool wait_for_batch = true) {
  grpc::ServerUnaryReactor* reactor = job.reactor;
  if (!batcher->TrySubmit(job, wait_for_batch)) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat(what, " is overloaded: batching queue full (batching.max_queue)")));
  }
  return reactor;
}

// Answers the jobs whose call was cancelled or whose deadline passed while they waited, and
// removes them from `batch`.
template <typename Job>
void DropExpiredJobs(std::vector<Job>* batch, const std::string& what) {
  const auto now = std::chrono::system_clock::now();
  std::vector<Job> live;
  live.reserve(batch->size());
  for (Job& job : *batch) {
    if (job.ctx->IsCancelled()) {
      job.reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled before it ran"));
    } else if (now >= job.deadline) {
      job.reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                       absl::StrCat(what, ": deadline passed while queued")));
    } else {
      live.push_back(std::move(job));
    }
  }
  *batch = std::move(live);
}

}  // namespace burnout::grpcx
