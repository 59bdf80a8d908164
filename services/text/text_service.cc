#include "services/text/text_service.h"

#include "common/grpc/server.h"
#include "common/grpc/unary.h"
#include "common/limits/limits.h"
#include "common/status/macros.h"

namespace burnout::text {

absl::Status PrepareTextConfig(burnout::v1::TextServiceConfig* c) {
  grpcx::ApplyServerDefaults(c->mutable_server());
  if (c->max_text_bytes() == 0) c->set_max_text_bytes(16384);
  if (c->evidence_per_label() == 0) c->set_evidence_per_label(3);
  if (c->model_dir().empty()) return absl::InvalidArgumentError("model_dir: must be set");
  BR_RETURN_IF_ERROR(grpcx::ValidateServerConfig(c->server()));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_text_bytes", c->max_text_bytes(), 1, 1 << 20));
  return grpcx::CheckRange("evidence_per_label", c->evidence_per_label(), 1, 20);
}

TextService::TextService(const burnout::v1::TextServiceConfig& config)
    : config_(config),
      executor_(config.server().worker_threads(), config.server().max_queue()) {}

absl::Status TextService::LoadModel(bool force) {
  return model_.Refresh(config_.model_dir(), [](const std::string& dir) { return LoadVersion(dir); }, force);
}

absl::StatusOr<std::unique_ptr<TextModel>> TextService::LoadVersion(const std::string& dir) {
  auto model = TextModel::Load(dir);
  if (model.ok()) {
    // Warm-up: one real analysis before reporting SERVING.
    auto warm = (*model)->Analyze("warming up the text model", AnalyzeOptions{});
    if (!warm.ok()) return warm.status();
  }
  return model;
}

grpc::ServerUnaryReactor* TextService::Analyze(grpc::CallbackServerContext* ctx,
                                               const burnout::v1::AnalyzeTextRequest* request,
                                               burnout::v1::ModalityResult* response) {
  absl::Status valid = limits::CheckText(request->text(), config_.max_text_bytes(), "max_text_bytes");
  std::shared_ptr<const TextModel> model = model_.Get();
  if (valid.ok() && !model) valid = model_.NotReady();
  if (!valid.ok()) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpcx::ToGrpc(valid));
    return reactor;
  }
  AnalyzeOptions options;
  options.evidence_per_label = request->max_evidence_per_label() > 0
                                   ? std::min(request->max_evidence_per_label(), 20)
                                   : config_.evidence_per_label();
  return grpcx::ScheduleUnary(
      ctx, &executor_, config_.server().default_deadline_ms(), "text analyzer",
      [model, request, response, options](auto) -> absl::Status {
        auto result = model->Analyze(request->text(), options);
        if (!result.ok()) return result.status();
        *response = std::move(*result);
        return absl::OkStatus();
      });
}

}  // namespace burnout::text
