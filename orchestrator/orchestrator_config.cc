#include "orchestrator/orchestrator_config.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/grpc/server.h"
#include "common/grpc/service_main.h"
#include "common/status/macros.h"
#include "orchestrator/grpc_clients.h"

namespace burnout::orchestrator {

absl::Status PrepareOrchestratorConfig(const std::string& config_path, const Overrides& o,
                                       burnout::v1::OrchestratorConfig* c) {
  grpcx::ServiceFlags flags;
  flags.listen = o.listen;
  flags.port = o.port;
  flags.port_file = o.port_file;
  flags.log_level = o.log_level;
  grpcx::ApplyServiceFlags(flags, c->mutable_server());
  if (!o.text_target.empty()) c->mutable_text()->set_target(o.text_target);
  if (!o.voice_target.empty()) c->mutable_voice()->set_target(o.voice_target);
  if (!o.face_target.empty()) c->mutable_face()->set_target(o.face_target);
  if (!o.fusion_target.empty()) c->mutable_fusion()->set_target(o.fusion_target);
  if (!o.temporal_target.empty()) c->mutable_temporal()->set_target(o.temporal_target);
  if (!o.sqlite_path.empty()) c->mutable_store()->set_sqlite_path(o.sqlite_path);
  else c->mutable_store()->set_sqlite_path(
      config::ResolveRelativeTo(config_path, c->store().sqlite_path()));

  if (c->text().timeout_ms() == 0) c->mutable_text()->set_timeout_ms(3000);
  if (c->voice().timeout_ms() == 0) c->mutable_voice()->set_timeout_ms(5000);
  if (c->face().timeout_ms() == 0) c->mutable_face()->set_timeout_ms(5000);
  if (c->fusion().timeout_ms() == 0) c->mutable_fusion()->set_timeout_ms(2000);
  if (c->temporal().timeout_ms() == 0) c->mutable_temporal()->set_timeout_ms(2000);
  if (c->trend_window() == 0) c->set_trend_window(10);
  if (c->min_trend_assessments() == 0) c->set_min_trend_assessments(3);
  if (c->max_text_bytes() == 0) c->set_max_text_bytes(16384);
  if (c->max_media_bytes() == 0) c->set_max_media_bytes(16 << 20);
  if (c->store().busy_timeout_ms() == 0) c->mutable_store()->set_busy_timeout_ms(5000);

  BR_RETURN_IF_ERROR(grpcx::ValidateServerConfig(c->server()));
  BR_RETURN_IF_ERROR(PrepareSessionConfig(c->mutable_session()));
  if (c->session().max_frame_bytes() + 4096 > c->server().max_message_bytes() ||
      c->session().max_chunk_bytes() + 4096 > c->server().max_message_bytes()) {
    return absl::InvalidArgumentError(
        "session.max_frame_bytes and session.max_chunk_bytes must stay 4 KiB below "
        "server.max_message_bytes, or gRPC refuses the message before the session can say why");
  }
  if (c->text().target().empty()) return absl::InvalidArgumentError("text.target: must be set");
  if (c->fusion().target().empty()) return absl::InvalidArgumentError("fusion.target: must be set");
  if (c->temporal().target().empty()) {
    return absl::InvalidArgumentError("temporal.target: must be set");
  }
  if (c->store().sqlite_path().empty()) {
    return absl::InvalidArgumentError("store.sqlite_path: must be set");
  }
  for (const auto& [key, v] : std::initializer_list<std::pair<const char*, int>>{
           {"text.timeout_ms", c->text().timeout_ms()},
           {"voice.timeout_ms", c->voice().timeout_ms()},
           {"face.timeout_ms", c->face().timeout_ms()},
           {"fusion.timeout_ms", c->fusion().timeout_ms()},
           {"temporal.timeout_ms", c->temporal().timeout_ms()}}) {
    BR_RETURN_IF_ERROR(grpcx::CheckRange(key, v, 1, 600000));
  }
  BR_RETURN_IF_ERROR(grpcx::CheckRange("trend_window", c->trend_window(), 1, 1000));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("min_trend_assessments", c->min_trend_assessments(), 1,
                                       c->trend_window()));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_text_bytes", c->max_text_bytes(), 1, 1 << 20));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_media_bytes", c->max_media_bytes(), 1,
                                       c->server().max_message_bytes()));
  return grpcx::CheckRange("store.busy_timeout_ms", c->store().busy_timeout_ms(), 1, 600000);
}

AssessorOptions ToAssessorOptions(const burnout::v1::OrchestratorConfig& c) {
  AssessorOptions o;
  o.text_timeout_ms = c.text().timeout_ms();
  o.voice_timeout_ms = c.voice().timeout_ms();
  o.face_timeout_ms = c.face().timeout_ms();
  o.fusion_timeout_ms = c.fusion().timeout_ms();
  o.temporal_timeout_ms = c.temporal().timeout_ms();
  o.trend_window = c.trend_window();
  o.min_trend_assessments = c.min_trend_assessments();
  o.max_text_bytes = c.max_text_bytes();
  o.max_media_bytes = c.max_media_bytes();
  o.keep_text = c.store().keep_text();
  return o;
}

absl::StatusOr<std::unique_ptr<Stack>> Stack::Create(const burnout::v1::OrchestratorConfig& c) {
  auto s = std::unique_ptr<Stack>(new Stack());
  store::SqliteOptions so;
  so.path = c.store().sqlite_path();
  so.keep_text = c.store().keep_text();
  so.busy_timeout_ms = c.store().busy_timeout_ms();
  BR_ASSIGN_OR_RETURN(s->store_, store::SqliteStore::Open(so));
  const int max_bytes = c.server().max_message_bytes();
  s->text_ = MakeTextClient(c.text().target(), max_bytes);
  // An empty voice / face target: that modality is not deployed, and is masked as such.
  if (!c.voice().target().empty()) s->voice_ = MakeVoiceClient(c.voice().target(), max_bytes);
  if (!c.face().target().empty()) s->face_ = MakeFaceClient(c.face().target(), max_bytes);
  s->fusion_ = MakeFusionClient(c.fusion().target(), max_bytes);
  s->temporal_ = MakeTemporalClient(c.temporal().target(), max_bytes);
  AssessorDeps deps;
  deps.text = s->text_.get();
  deps.voice = s->voice_.get();
  deps.face = s->face_.get();
  deps.fusion = s->fusion_.get();
  deps.temporal = s->temporal_.get();
  deps.store = s->store_.get();
  s->assessor_ = std::make_unique<Assessor>(ToAssessorOptions(c), deps);
  SessionDeps sd;
  sd.assessor = s->assessor_.get();
  sd.text = s->text_.get();
  sd.voice_target = c.voice().target();
  sd.face_target = c.face().target();
  sd.max_message_bytes = max_bytes;
  sd.text_timeout_ms = c.text().timeout_ms();
  sd.max_text_bytes = c.max_text_bytes();
  sd.fusion_timeout_ms = c.fusion().timeout_ms();
  sd.store_timeout_ms = std::max(10000, c.fusion().timeout_ms() + c.temporal().timeout_ms() +
                                            c.store().busy_timeout_ms());
  s->sessions_ = std::make_unique<SessionHub>(c.session(), sd);
  return s;
}

}  // namespace burnout::orchestrator
