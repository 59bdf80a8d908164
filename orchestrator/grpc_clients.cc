#include "orchestrator/grpc_clients.h"

#include <memory>

#include "burnout/v1/fusion.grpc.pb.h"
#include "burnout/v1/temporal.grpc.pb.h"
#include "burnout/v1/text.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/status.h"
#include "grpcpp/grpcpp.h"

namespace burnout::orchestrator {
namespace {

// Blocking unary call with a deadline; the channel's state machine handles reconnects.
template <typename Stub, typename Req, typename Resp, typename Method>
absl::StatusOr<Resp> CallUnary(Stub* stub, Method method, const Req& request, Deadline deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(deadline);
  Resp response;
  grpc::Status s = (stub->*method)(&ctx, request, &response);
  if (!s.ok()) return grpcx::FromGrpc(s);
  return response;
}

class GrpcTextClient final : public AnalyzerClient {
 public:
  GrpcTextClient(const std::string& target, int max_bytes)
      : stub_(burnout::v1::TextAnalyzer::NewStub(grpcx::MakeChannel(target, max_bytes))) {}

  void AnalyzeAsync(const AnalyzerInput& input, Deadline deadline, Callback done) override {
    struct Call {
      grpc::ClientContext ctx;
      burnout::v1::AnalyzeTextRequest request;
      burnout::v1::ModalityResult response;
      Callback done;
    };
    auto call = std::make_shared<Call>();
    call->ctx.set_deadline(deadline);
    call->request.set_text(input.text);
    call->done = std::move(done);
    stub_->async()->Analyze(&call->ctx, &call->request, &call->response,
                            [call](grpc::Status s) {
                              if (s.ok()) {
                                call->done(std::move(call->response));
                              } else {
                                call->done(grpcx::FromGrpc(s));
                              }
                            });
  }

 private:
  std::unique_ptr<burnout::v1::TextAnalyzer::Stub> stub_;
};

class GrpcFusionClient final : public FusionClient {
 public:
  GrpcFusionClient(const std::string& target, int max_bytes)
      : stub_(burnout::v1::Fusion::NewStub(grpcx::MakeChannel(target, max_bytes))) {}
  absl::StatusOr<burnout::v1::FuseResponse> Fuse(const burnout::v1::FuseRequest& request,
                                                 Deadline deadline) override {
    return CallUnary<burnout::v1::Fusion::Stub, burnout::v1::FuseRequest,
                     burnout::v1::FuseResponse>(stub_.get(), &burnout::v1::Fusion::Stub::Fuse,
                                                request, deadline);
  }

 private:
  std::unique_ptr<burnout::v1::Fusion::Stub> stub_;
};

class GrpcTemporalClient final : public TemporalClient {
 public:
  GrpcTemporalClient(const std::string& target, int max_bytes)
      : stub_(burnout::v1::Temporal::NewStub(grpcx::MakeChannel(target, max_bytes))) {}
  absl::StatusOr<burnout::v1::TrendResponse> Predict(const burnout::v1::TrendRequest& request,
                                                     Deadline deadline) override {
    return CallUnary<burnout::v1::Temporal::Stub, burnout::v1::TrendRequest,
                     burnout::v1::TrendResponse>(
        stub_.get(), &burnout::v1::Temporal::Stub::Predict, request, deadline);
  }

 private:
  std::unique_ptr<burnout::v1::Temporal::Stub> stub_;
};

}  // namespace

std::unique_ptr<AnalyzerClient> MakeTextClient(const std::string& target, int max_bytes) {
  return std::make_unique<GrpcTextClient>(target, max_bytes);
}
std::unique_ptr<FusionClient> MakeFusionClient(const std::string& target, int max_bytes) {
  return std::make_unique<GrpcFusionClient>(target, max_bytes);
}
std::unique_ptr<TemporalClient> MakeTemporalClient(const std::string& target, int max_bytes) {
  return std::make_unique<GrpcTemporalClient>(target, max_bytes);
}

}  // namespace burnout::orchestrator
