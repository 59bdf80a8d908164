#include "services/temporal/temporal_service.h"

#include "common/grpc/server.h"
#include "common/grpc/unary.h"
#include "common/status/macros.h"

namespace burnout::temporal {

absl::Status PrepareTemporalConfig(burnout::v1::TemporalServiceConfig* c) {
  grpcx::ApplyServerDefaults(c->mutable_server());
  if (c->max_steps() == 0) c->set_max_steps(30);
  if (c->model_dir().empty()) return absl::InvalidArgumentError("model_dir: must be set");
  BR_RETURN_IF_ERROR(grpcx::ValidateServerConfig(c->server()));
  return grpcx::CheckRange("max_steps", c->max_steps(), 1, 1000);
}

TemporalService::TemporalService(const burnout::v1::TemporalServiceConfig& config)
    : config_(config),
      executor_(config.server().worker_threads(), config.server().max_queue()) {}

absl::Status TemporalService::LoadModel(bool force) {
  return model_.Refresh(config_.model_dir(), [](const std::string& dir) { return TemporalModel::Load(dir); },
                        force);
}

grpc::ServerUnaryReactor* TemporalService::Predict(grpc::CallbackServerContext* ctx,
                                                   const burnout::v1::TrendRequest* request,
                                                   burnout::v1::TrendResponse* response) {
  std::shared_ptr<const TemporalModel> model = model_.Get();
  if (!model) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpcx::ToGrpc(model_.NotReady()));
    return reactor;
  }
  const int max_steps = config_.max_steps();
  return grpcx::ScheduleUnary(ctx, &executor_, config_.server().default_deadline_ms(),
                              "temporal", [model, request, response, max_steps](auto) -> absl::Status {
                                auto result = model->Predict(*request, max_steps);
                                if (!result.ok()) return result.status();
                                *response = std::move(*result);
                                return absl::OkStatus();
                              });
}

}  // namespace burnout::temporal
