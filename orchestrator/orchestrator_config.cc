#include "orchestrator/orchestrator_config.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/grpc/server.h"
#include "common/grpc/service_main.h"
#include "common/status/macros.h"
#include "orchestrator/grpc_clients.h"
#include "orchestrator/insight/recommendations.h"
#ifdef BURNOUT_WITH_POSTGRES
#include "orchestrator/store/postgres_store.h"
#endif

namespace burnout::orchestrator {

absl::Status PrepareOrchestratorConfig(const std::string& config_path, const Overrides& o,
                                       burnout::v1::OrchestratorConfig* c) {
  grpcx::ServiceFlags flags;
  flags.listen = o.listen;
  flags.port = o.port;
  flags.port_file = o.port_file;
  flags.log_level = o.log_level;
  flags.tls_ca = o.tls_ca;
  flags.tls_cert = o.tls_cert;
  flags.tls_key = o.tls_key;
  flags.metrics_listen = o.metrics_listen;
  grpcx::ApplyServiceFlags(flags, c->mutable_server());
  if (!o.text_target.empty()) c->mutable_text()->set_target(o.text_target);
  if (!o.voice_target.empty()) c->mutable_voice()->set_target(o.voice_target);
  if (!o.face_target.empty()) c->mutable_face()->set_target(o.face_target);
  if (!o.fusion_target.empty()) c->mutable_fusion()->set_target(o.fusion_target);
  if (!o.temporal_target.empty()) c->mutable_temporal()->set_target(o.temporal_target);
  if (!o.auth_public_key.empty()) {
    c->mutable_auth()->set_required(true);
    c->mutable_auth()->set_public_key_file(o.auth_public_key);
  } else if (!c->auth().public_key_file().empty()) {
    c->mutable_auth()->set_public_key_file(
        config::ResolveRelativeTo(config_path, c->auth().public_key_file()));
  }
  if (c->auth().required() && c->auth().public_key_file().empty()) {
    return absl::InvalidArgumentError("auth.required: needs auth.public_key_file");
  }
  if (c->auth().leeway_s() == 0) c->mutable_auth()->set_leeway_s(30);
  for (auto* f : {c->mutable_server()->mutable_tls()->mutable_ca_file(),
                  c->mutable_server()->mutable_tls()->mutable_cert_file(),
                  c->mutable_server()->mutable_tls()->mutable_key_file()}) {
    if (!f->empty()) *f = config::ResolveRelativeTo(config_path, *f);
  }
  if (!o.postgres_url.empty()) c->mutable_store()->set_postgres_url(o.postgres_url);
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
  BR_RETURN_IF_ERROR(PrepareInsightConfig(config_path, c));

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
  if (c->store().sqlite_path().empty() && c->store().postgres_url().empty()) {
    return absl::InvalidArgumentError("store.sqlite_path or store.postgres_url: one must be set");
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

absl::Status PrepareInsightConfig(const std::string& config_path,
                                  burnout::v1::OrchestratorConfig* c) {
  auto* b = c->mutable_baseline();
  if (b->window() == 0) b->set_window(30);
  if (b->min_assessments() == 0) b->set_min_assessments(5);
  if (b->personal_indicators_size() == 0) {
    for (const char* name : {"voice.pitch_variability_st", "voice.speaking_rate_sps",
                             "voice.speech_ratio"}) {
      b->add_personal_indicators(name);
    }
  }
  BR_RETURN_IF_ERROR(grpcx::CheckRange("baseline.window", b->window(), 3, 1000));
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("baseline.min_assessments", b->min_assessments(), 3, b->window()));
  for (const auto& name : b->personal_indicators()) {
    if (name == "none") continue;
    if (!absl::StartsWith(name, "voice.") && !absl::StartsWith(name, "face.") &&
        !absl::StartsWith(name, "text.")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "baseline.personal_indicators: \"", name,
          "\" must be <modality>.<indicator> with modality text, voice or face, or \"none\""));
    }
  }
  auto* a = c->mutable_alerts();
  if (a->raise_z() == 0) a->set_raise_z(2.0);
  if (a->clear_z() == 0) a->set_clear_z(1.0);
  if (a->raise_days() == 0) a->set_raise_days(3);
  if (a->clear_days() == 0) a->set_clear_days(2);
  if (a->cooldown_days() == 0) a->set_cooldown_days(7);
  if (a->baseline_days() == 0) a->set_baseline_days(28);
  if (a->min_baseline_days() == 0) a->set_min_baseline_days(5);
  if (a->min_scale() == 0) a->set_min_scale(0.05);
  if (a->history_days() == 0) a->set_history_days(120);
  if (!(a->clear_z() < a->raise_z())) {
    return absl::InvalidArgumentError("alerts.clear_z must be below alerts.raise_z (hysteresis)");
  }
  if (!(a->min_scale() > 0)) return absl::InvalidArgumentError("alerts.min_scale must be positive");
  BR_RETURN_IF_ERROR(grpcx::CheckRange("alerts.raise_days", a->raise_days(), 1, 60));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("alerts.clear_days", a->clear_days(), 1, 60));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("alerts.cooldown_days", a->cooldown_days(), 0, 365));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("alerts.baseline_days", a->baseline_days(), 3, 365));
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("alerts.min_baseline_days", a->min_baseline_days(), 2, a->baseline_days()));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("alerts.history_days", a->history_days(),
                                       a->baseline_days() + a->raise_days(), 3650));
  auto* k = c->mutable_checkin();
  if (k->window_days() == 0) k->set_window_days(7);
  if (k->min_calibration_pairs() == 0) k->set_min_calibration_pairs(4);
  if (k->prior_pairs() == 0) k->set_prior_pairs(4);
  BR_RETURN_IF_ERROR(grpcx::CheckRange("checkin.window_days", k->window_days(), 1, 90));
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("checkin.min_calibration_pairs", k->min_calibration_pairs(), 2, 1000));
  if (!(k->prior_pairs() > 0)) return absl::InvalidArgumentError("checkin.prior_pairs must be positive");
  if (c->privacy().min_group_size() == 0) c->mutable_privacy()->set_min_group_size(5);
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("privacy.min_group_size", c->privacy().min_group_size(), 2, 100000));
  auto* r = c->mutable_retention();
  if (r->interval_s() == 0) r->set_interval_s(3600);
  for (const auto& [key, v] : std::initializer_list<std::pair<const char*, int>>{
           {"retention.assessments_days", r->assessments_days()},
           {"retention.session_series_days", r->session_series_days()},
           {"retention.checkins_days", r->checkins_days()},
           {"retention.audit_days", r->audit_days()}}) {
    BR_RETURN_IF_ERROR(grpcx::CheckRange(key, v, 0, 36500));
  }
  BR_RETURN_IF_ERROR(grpcx::CheckRange("retention.interval_s", r->interval_s(), 1, 86400 * 7));
  if (c->contradiction_threshold() == 0) c->set_contradiction_threshold(0.35f);
  if (!(c->contradiction_threshold() > 0 && c->contradiction_threshold() < 1)) {
    return absl::InvalidArgumentError("contradiction_threshold must be in (0, 1)");
  }
  if (c->recommendations().empty()) c->set_recommendations("none");
  if (c->recommendations() != "none") {
    c->set_recommendations(config::ResolveRelativeTo(config_path, c->recommendations()));
  }
  return absl::OkStatus();
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
  o.baseline = c.baseline();
  o.alerts = c.alerts();
  o.checkin = c.checkin();
  o.min_group_size = c.privacy().min_group_size();
  o.contradiction_threshold = c.contradiction_threshold();
  return o;
}

absl::StatusOr<std::unique_ptr<Stack>> Stack::Create(const burnout::v1::OrchestratorConfig& c) {
  auto s = std::unique_ptr<Stack>(new Stack());
  if (!c.store().postgres_url().empty()) {
#ifdef BURNOUT_WITH_POSTGRES
    store::PostgresOptions po;
    po.url = c.store().postgres_url();
    po.keep_text = c.store().keep_text();
    po.connections = c.store().postgres_connections() > 0 ? c.store().postgres_connections() : 4;
    BR_ASSIGN_OR_RETURN(s->store_, store::PostgresStore::Open(po));
#else
    return absl::FailedPreconditionError(
        "store.postgres_url is set but this orchestrator was built without libpqxx "
        "(apt-get install libpqxx-dev, then rebuild)");
#endif
  } else {
    store::SqliteOptions so;
    so.path = c.store().sqlite_path();
    so.keep_text = c.store().keep_text();
    so.busy_timeout_ms = c.store().busy_timeout_ms();
    BR_ASSIGN_OR_RETURN(s->store_, store::SqliteStore::Open(so));
  }
  const int max_bytes = c.server().max_message_bytes();
  // The orchestrator presents its own certificate to the services (mutual TLS).
  const burnout::v1::TlsConfig& tls = c.server().tls();
  s->text_ = MakeTextClient(c.text().target(), max_bytes, tls);
  // An empty voice / face target: that modality is not deployed, and is masked as such.
  if (!c.voice().target().empty()) s->voice_ = MakeVoiceClient(c.voice().target(), max_bytes, tls);
  if (!c.face().target().empty()) s->face_ = MakeFaceClient(c.face().target(), max_bytes, tls);
  s->fusion_ = MakeFusionClient(c.fusion().target(), max_bytes, tls);
  s->temporal_ = MakeTemporalClient(c.temporal().target(), max_bytes, tls);
  AssessorDeps deps;
  deps.text = s->text_.get();
  deps.voice = s->voice_.get();
  deps.face = s->face_.get();
  deps.fusion = s->fusion_.get();
  deps.temporal = s->temporal_.get();
  deps.store = s->store_.get();
  AssessorOptions options = ToAssessorOptions(c);
  if (c.recommendations() != "none") {
    BR_ASSIGN_OR_RETURN(options.recommendations,
                        insight::LoadRecommendationCatalog(c.recommendations()));
  }
  s->assessor_ = std::make_unique<Assessor>(options, deps);
  SessionDeps sd;
  sd.assessor = s->assessor_.get();
  sd.text = s->text_.get();
  sd.voice_target = c.voice().target();
  sd.face_target = c.face().target();
  sd.max_message_bytes = max_bytes;
  sd.tls = tls;
  sd.text_timeout_ms = c.text().timeout_ms();
  sd.max_text_bytes = c.max_text_bytes();
  sd.fusion_timeout_ms = c.fusion().timeout_ms();
  sd.store_timeout_ms = std::max(10000, c.fusion().timeout_ms() + c.temporal().timeout_ms() +
                                            c.store().busy_timeout_ms());
  s->sessions_ = std::make_unique<SessionHub>(c.session(), sd);
  s->retention_ = std::make_unique<RetentionJob>(s->store_.get(), c.retention());
  return s;
}

}  // namespace burnout::orchestrator
