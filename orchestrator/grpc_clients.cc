#include "orchestrator/grpc_clients.h"

#include <memory>

#include "burnout/v1/face.grpc.pb.h"
#include "burnout/v1/fusion.grpc.pb.h"
#include "burnout/v1/temporal.grpc.pb.h"
#include "burnout/v1/text.grpc.pb.h"
#include "burnout/v1/voice.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/trace.h"
#include "common/grpc/status.h"
#include "grpcpp/grpcpp.h"

namespace burnout::orchestrator {
namespace {

using burnout::v1::TlsConfig;

// Blocking unary call with a deadline; the channel's state machine handles reconnects.
template <typename Stub, typename Req, typename Resp, typename Method>
absl::StatusOr<Resp> CallUnary(Stub* stub, Method method, const Req& request, Deadline deadline) {
  grpc::ClientContext ctx;
  ctx.set_deadline(deadline);
  grpcx::Propagate(&ctx);
  Resp response;
  grpc::Status s = (stub->*method)(&ctx, request, &response);
  if (!s.ok()) return grpcx::FromGrpc(s);
  return response;
}

// One analyzer service over its generated async stub. `Fill` turns the AnalyzerInput into
// the service's request message.
template <typename Service, typename Request>
class GrpcAnalyzerClient final : public AnalyzerClient {
 public:
  using Fill = void (*)(const AnalyzerInput&, Request*);
  GrpcAnalyzerClient(const std::string& target, int max_bytes, const TlsConfig& tls, Fill fill)
      : stub_(Service::NewStub(grpcx::MakeChannel(target, max_bytes, tls))), fill_(fill) {}

  void AnalyzeAsync(const AnalyzerInput& input, Deadline deadline, Callback done) override {
    struct Call {
      grpc::ClientContext ctx;
      Request request;
      burnout::v1::ModalityResult response;
      Callback done;
    };
    auto call = std::make_shared<Call>();
    call->ctx.set_deadline(deadline);
    grpcx::Propagate(&call->ctx);
    fill_(input, &call->request);
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
  std::unique_ptr<typename Service::Stub> stub_;
  Fill fill_;
};

class GrpcFusionClient final : public FusionClient {
 public:
  GrpcFusionClient(const std::string& target, int max_bytes, const TlsConfig& tls)
      : stub_(burnout::v1::Fusion::NewStub(grpcx::MakeChannel(target, max_bytes, tls))) {}
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
  GrpcTemporalClient(const std::string& target, int max_bytes, const TlsConfig& tls)
      : stub_(burnout::v1::Temporal::NewStub(grpcx::MakeChannel(target, max_bytes, tls))) {}
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

std::unique_ptr<AnalyzerClient> MakeTextClient(const std::string& target, int max_bytes,
                                                const TlsConfig& tls) {
  return std::make_unique<GrpcAnalyzerClient<burnout::v1::TextAnalyzer, burnout::v1::AnalyzeTextRequest>>(
      target, max_bytes, tls, [](const AnalyzerInput& in, burnout::v1::AnalyzeTextRequest* r) {
        r->set_text(in.text);
      });
}
std::unique_ptr<AnalyzerClient> MakeVoiceClient(const std::string& target, int max_bytes,
                                                const TlsConfig& tls) {
  return std::make_unique<GrpcAnalyzerClient<burnout::v1::VoiceAnalyzer, burnout::v1::AnalyzeAudioRequest>>(
      target, max_bytes, tls, [](const AnalyzerInput& in, burnout::v1::AnalyzeAudioRequest* r) {
        r->set_audio(in.media);
        r->set_filename(in.filename);
      });
}
std::unique_ptr<AnalyzerClient> MakeFaceClient(const std::string& target, int max_bytes,
                                                const TlsConfig& tls) {
  return std::make_unique<GrpcAnalyzerClient<burnout::v1::FaceAnalyzer, burnout::v1::AnalyzeImageRequest>>(
      target, max_bytes, tls, [](const AnalyzerInput& in, burnout::v1::AnalyzeImageRequest* r) {
        r->set_image(in.media);
        r->set_filename(in.filename);
      });
}
std::unique_ptr<FusionClient> MakeFusionClient(const std::string& target, int max_bytes,
                                               const TlsConfig& tls) {
  return std::make_unique<GrpcFusionClient>(target, max_bytes, tls);
}
std::unique_ptr<TemporalClient> MakeTemporalClient(const std::string& target, int max_bytes,
                                                   const TlsConfig& tls) {
  return std::make_unique<GrpcTemporalClient>(target, max_bytes, tls);
}

}  // namespace burnout::orchestrator
