#include "services/text/text_service.h"

#include "common/config/config.h"
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
  BR_RETURN_IF_ERROR(grpcx::PrepareBatchingConfig(c->server(), c->mutable_batching()));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_text_bytes", c->max_text_bytes(), 1, 1 << 20));
  return grpcx::CheckRange("evidence_per_label", c->evidence_per_label(), 1, 20);
}

void ResolveTextPaths(const std::string& config_path, burnout::v1::TextServiceConfig* c) {
  if (!c->lexicon_dir().empty()) c->set_lexicon_dir(config::ResolveRelativeTo(config_path, c->lexicon_dir()));
}

TextService::TextService(const burnout::v1::TextServiceConfig& config)
    : config_(config),
      batcher_(grpcx::ToBatchingOptions(config.batching()), &TextService::RunBatch) {}

absl::Status TextService::LoadModel(bool force) {
  return model_.Refresh(config_.model_dir(), [this](const std::string& dir) { return LoadVersion(dir); }, force);
}

absl::StatusOr<std::unique_ptr<TextAnalyzer>> TextService::LoadVersion(const std::string& dir) const {
  BR_ASSIGN_OR_RETURN(std::unique_ptr<TextModel> model, TextModel::Load(dir));
  std::shared_ptr<const BurnoutLexicon> lexicon;
  if (!config_.lexicon_dir().empty()) {
    BR_ASSIGN_OR_RETURN(lexicon, BurnoutLexicon::Load(config_.lexicon_dir()));
  }
  auto analyzer = std::make_unique<TextAnalyzer>(std::move(model), std::move(lexicon),
                                                 !config_.disable_language_detection());
  // Warm-up: one real analysis before reporting SERVING.
  auto warm = analyzer->Analyze("warming up the text model", AnalyzeOptions{});
  if (!warm.ok()) return warm.status();
  return analyzer;
}

grpc::ServerUnaryReactor* TextService::Analyze(grpc::CallbackServerContext* ctx,
                                               const burnout::v1::AnalyzeTextRequest* request,
                                               burnout::v1::ModalityResult* response) {
  absl::Status valid = limits::CheckText(request->text(), config_.max_text_bytes(), "max_text_bytes");
  std::shared_ptr<const TextAnalyzer> model = model_.Get();
  if (valid.ok() && !model) valid = model_.NotReady();
  if (!valid.ok()) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpcx::ToGrpc(valid));
    return reactor;
  }
  Job job = grpcx::StartJob<Job>(ctx, config_.server().default_deadline_ms());
  const bool batches = model->batches();
  job.model = std::move(model);
  job.request = request;
  job.response = response;
  job.options.evidence_per_label = request->max_evidence_per_label() > 0
                                       ? std::min(request->max_evidence_per_label(), 20)
                                       : config_.evidence_per_label();
  return grpcx::SubmitJob(&batcher_, std::move(job), "text analyzer", batches);
}

void TextService::RunBatch(std::vector<Job>& batch) {
  grpcx::DropExpiredJobs(&batch, "text analyzer");
  // Calls queued across a version switch hold different models: one AnalyzeBatch per model.
  while (!batch.empty()) {
    const TextAnalyzer* model = batch.front().model.get();
    const AnalyzeOptions options = batch.front().options;
    std::vector<Job> group, rest;
    for (Job& job : batch) {
      const bool same = job.model.get() == model &&
                        job.options.evidence_per_label == options.evidence_per_label;
      (same ? group : rest).push_back(std::move(job));
    }
    std::vector<std::string_view> texts;
    texts.reserve(group.size());
    for (const Job& job : group) texts.push_back(job.request->text());
    auto results = model->AnalyzeBatch(texts, options);
    for (size_t i = 0; i < group.size(); ++i) {
      if (results[i].ok()) *group[i].response = std::move(*results[i]);
      group[i].Finish(results[i].status());
    }
    batch = std::move(rest);
  }
}

}  // namespace burnout::text
