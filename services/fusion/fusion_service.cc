#include "services/fusion/fusion_service.h"

#include <algorithm>

#include "common/grpc/server.h"
#include "common/grpc/unary.h"
#include "common/status/macros.h"

namespace burnout::fusion {

absl::Status PrepareFusionConfig(burnout::v1::FusionServiceConfig* c) {
  grpcx::ApplyServerDefaults(c->mutable_server());
  if (c->mc_samples() == 0) c->set_mc_samples(20);
  if (c->reliable_max_uncertainty() == 0) c->set_reliable_max_uncertainty(0.15f);
  if (c->abstain_uncertainty() == 0) c->set_abstain_uncertainty(kDefaultAbstainUncertainty);
  if (c->abstain_min_evidence() == 0) c->set_abstain_min_evidence(kDefaultAbstainMinEvidence);
  if (c->abstain_uncertainty() > 1 || c->abstain_min_evidence() > 1) {
    return absl::InvalidArgumentError(
        "abstain_uncertainty and abstain_min_evidence: at most 1 (negative turns a check off)");
  }
  if (c->model_dir().empty()) return absl::InvalidArgumentError("model_dir: must be set");
  BR_RETURN_IF_ERROR(grpcx::ValidateServerConfig(c->server()));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("mc_samples", c->mc_samples(), 1, 200));
  return grpcx::CheckRange("reliable_max_uncertainty", c->reliable_max_uncertainty(), 0, 1);
}

FusionService::FusionService(const burnout::v1::FusionServiceConfig& config)
    : config_(config),
      executor_(config.server().worker_threads(), config.server().max_queue()) {}

absl::Status FusionService::LoadModel(bool force) {
  return model_.Refresh(config_.model_dir(), [](const std::string& dir) { return FusionModel::Load(dir); },
                        force);
}

grpc::ServerUnaryReactor* FusionService::Fuse(grpc::CallbackServerContext* ctx,
                                              const burnout::v1::FuseRequest* request,
                                              burnout::v1::FuseResponse* response) {
  std::shared_ptr<const FusionModel> model = model_.Get();
  if (!model) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpcx::ToGrpc(model_.NotReady()));
    return reactor;
  }
  FuseOptions options;
  options.mc_samples = request->mc_samples() > 0 ? std::min(request->mc_samples(), 200)
                                                 : config_.mc_samples();
  options.reliable_max_uncertainty = config_.reliable_max_uncertainty();
  options.abstain_uncertainty = config_.abstain_uncertainty();
  options.abstain_min_evidence = config_.abstain_min_evidence();
  return grpcx::ScheduleUnary(ctx, &executor_, config_.server().default_deadline_ms(),
                              "fusion", [model, request, response, options](auto) -> absl::Status {
                                auto result = model->Fuse(*request, options);
                                if (!result.ok()) return result.status();
                                *response = std::move(*result);
                                return absl::OkStatus();
                              });
}

}  // namespace burnout::fusion
