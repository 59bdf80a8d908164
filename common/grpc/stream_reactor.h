// The skeleton shared by the analyzers' bidirectional streams (voice AnalyzeStream, face
// AnalyzeStream): at most one result in flight, a decided status that waits for it, and the
// timers that end idle streams and cut off clients that stopped reading.
//
// The derived reactor owns the protocol: HandleLocked acts on each message read into
// request_, OnHalfCloseLocked on the client's half-close; it decides what to analyse and calls
// WriteLocked when a result is ready. Everything here runs under mu_, which the derived
// class shares. Lifecycle: registered in the service's StreamRegistry on construction (a full
// registry finishes the call RESOURCE_EXHAUSTED), unregistered and released in OnDone.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/grpc/status.h"
#include "common/grpc/stream_registry.h"
#include "grpcpp/grpcpp.h"
#include "spdlog/spdlog.h"

namespace burnout::grpcx {

template <typename Request, typename Response>
class AnalysisStreamReactor : public grpc::ServerBidiReactor<Request, Response>,
                              public WatchedStream {
 public:
  using Clock = WatchedStream::Clock;

  void OnReadDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (finishing_) return;
    if (!ok) {
      OnHalfCloseLocked();
      return;
    }
    last_activity_ = Clock::now();
    if (auto s = HandleLocked(); !s.ok()) {
      FinishLocked(ToGrpc(s));
      return;
    }
    if (!finishing_) this->StartRead(&request_);
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, absl::StrCat(what_, " cancelled")));
  }

  void OnDone() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    if (registered_) registry_->Unregister(this);
    Unref();
  }

  // Called by the registry's watcher, about every 100 ms.
  void CheckTimers(Clock::time_point now) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_ || finishing_) {
      // A client that neither reads nor sends holds a write forever: cancel the call.
      if (!done_ && writing_ && !cancel_requested_ && now - write_started_ > idle_) {
        spdlog::warn("{}: client has not read a result for {} ms; cancelling", what_,
                     idle_.count());
        cancel_requested_ = true;
        ctx_->TryCancel();
      }
      return;
    }
    if (writing_ && now - write_started_ > idle_) {
      pending_status_ =
          grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                       absl::StrCat(what_, ": the client read no result for ", idle_.count(), " ms"));
      finishing_ = true;
      cancel_requested_ = true;
      ctx_->TryCancel();
      return;
    }
    if (!half_closed_ && !in_flight_ && now - last_activity_ > idle_) {
      FinishLocked(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                absl::StrCat(what_, ": no ", input_, " for ", idle_.count(),
                                             " ms (stream_idle_timeout_ms)")));
    }
  }

 protected:
  // `what` names the stream in messages ("voice stream"), `service` the analyzer ("voice
  // analyzer"), `input` what the client sends ("audio", "frame").
  AnalysisStreamReactor(StreamRegistry* registry, grpc::CallbackServerContext* ctx,
                        std::chrono::milliseconds idle_timeout, std::string what,
                        const std::string& service, std::string input)
      : registry_(registry),
        ctx_(ctx),
        idle_(idle_timeout),
        what_(std::move(what)),
        input_(std::move(input)),
        last_activity_(Clock::now()) {
    std::lock_guard<std::mutex> lock(mu_);
    registered_ = registry_->Register(this);
    if (!registered_) {
      FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                absl::StrCat(service, ": ", registry_->max_streams(),
                                             " streams are open (max_streams)")));
    }
  }

  // A message is in request_: act on it. An error ends the stream with that status.
  virtual absl::Status HandleLocked() = 0;
  // The client half-closed; `half_closed_` is not yet set.
  virtual void OnHalfCloseLocked() = 0;

  // The common head of OnWriteDone: true when the derived class should go on (the stream is
  // neither finished nor finishing).
  bool WriteDoneLocked(bool ok) {
    in_flight_ = false;
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED,
                                absl::StrCat(what_, ": the client went away")));
      return false;
    }
    if (final_sent_) {
      FinishLocked(grpc::Status::OK);
      return false;
    }
    if (finishing_) {
      FinishLocked(*pending_status_);
      return false;
    }
    return true;
  }

  // A result is ready: false (and the call finished) when a status was decided meanwhile.
  bool DeliverableLocked() {
    if (!finishing_) return true;
    in_flight_ = false;
    FinishLocked(*pending_status_);
    return false;
  }

  // Writes `response_` (set by the caller); `in_flight_` must already be true.
  void WriteLocked(bool final) {
    final_sent_ = final;
    writing_ = true;
    write_started_ = Clock::now();
    this->StartWrite(&response_);
  }

  // Ends the call with `status` now, or once the in-flight result has landed.
  void FinishLocked(grpc::Status status) {
    if (finished_) return;
    if (!finishing_) {
      finishing_ = true;
      pending_status_ = std::move(status);
    }
    if (in_flight_) return;
    finished_ = true;
    this->Finish(*pending_status_);
  }

  StreamRegistry* const registry_;
  grpc::CallbackServerContext* const ctx_;
  const std::chrono::milliseconds idle_;
  const std::string what_;
  const std::string input_;

  std::mutex mu_;
  bool registered_ = false;
  Request request_;
  Response response_;
  Clock::time_point last_activity_;
  Clock::time_point write_started_;
  bool in_flight_ = false;  // a result is being computed or written
  bool writing_ = false;
  bool half_closed_ = false;
  bool final_sent_ = false;
  bool finishing_ = false;  // a status is decided; Finish once nothing is in flight
  bool finished_ = false;
  bool cancel_requested_ = false;
  bool done_ = false;
  std::optional<grpc::Status> pending_status_;
};

}  // namespace burnout::grpcx
