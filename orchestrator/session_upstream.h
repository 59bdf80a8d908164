// The thin gRPC reactor of one stream to an analyzer (voice or face AnalyzeStream). It
// decides nothing: the session's core (UpstreamFlow) decides each write, the half-close and
// the cancel, and this issues them; completions, results and the status go back to the
// session through the callbacks. The core allows one write in flight, so the one buffer
// `write_` suffices. Its methods are called with no lock held: gRPC may run reactions
// inline, and a reaction takes the session's lock.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include "grpcpp/client_context.h"
#include "grpcpp/support/client_callback.h"

namespace burnout::orchestrator {

template <typename Req, typename Resp>
class UpstreamCall final : public grpc::ClientBidiReactor<Req, Resp>,
                           public std::enable_shared_from_this<UpstreamCall<Req, Resp>> {
 public:
  using Starter = std::function<void(grpc::ClientContext*, grpc::ClientBidiReactor<Req, Resp>*)>;

  UpstreamCall(std::function<void(bool)> on_write_done, std::function<void(Resp)> on_result,
               std::function<void(const grpc::Status&)> on_done)
      : on_write_done_(std::move(on_write_done)),
        on_result_(std::move(on_result)),
        on_done_(std::move(on_done)) {}

  // Binds and starts the call with the opening message.
  void Begin(const Starter& start, Req open) {
    self_ = this->shared_from_this();  // until OnDone
    start(&ctx_, this);
    write_ = std::move(open);
    this->StartWrite(&write_);
    this->StartRead(&read_);
    this->StartCall();
  }

  void Write(Req request) {
    write_ = std::move(request);
    this->StartWrite(&write_);
  }
  void WritesDone() { this->StartWritesDone(); }
  void Cancel() { ctx_.TryCancel(); }

  void OnWriteDone(bool ok) override { on_write_done_(ok); }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the status follows in OnDone
    Resp r = std::move(read_);
    read_.Clear();
    on_result_(std::move(r));  // before the next read: results reach the session in order
    this->StartRead(&read_);
  }

  void OnDone(const grpc::Status& status) override {
    on_done_(status);
    auto self = std::move(self_);  // may delete this on return
  }

 private:
  std::function<void(bool)> on_write_done_;
  std::function<void(Resp)> on_result_;
  std::function<void(const grpc::Status&)> on_done_;
  grpc::ClientContext ctx_;
  std::shared_ptr<UpstreamCall> self_;
  Req write_;
  Resp read_;
};

}  // namespace burnout::orchestrator
