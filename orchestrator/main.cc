// burnout-orchestrator: fans out to the analyzers, fuses, tracks trends, stores.
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/grpc/logging.h"
#include "common/grpc/server.h"
#include "common/grpc/tls.h"
#include "common/grpc/service_main.h"
#include "orchestrator/orchestrator_config.h"
#include "orchestrator/orchestrator_service.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  using namespace burnout;
  grpcx::BlockTerminationSignals();
  const std::string program = "burnout-orchestrator";
  std::string config_path = "config/orchestrator.textproto";
  orchestrator::Overrides o;
  CLI::App app{program};
  app.add_option("--config", config_path, "text-proto config file")->capture_default_str();
  app.add_option("--listen", o.listen, "listen address host:port");
  app.add_option("--port", o.port, "listen port on the configured host (0 = any free port)");
  app.add_option("--port_file", o.port_file, "write the bound port here once serving");
  app.add_option("--text_target", o.text_target, "text analyzer target URI");
  app.add_option("--voice_target", o.voice_target, "voice analyzer target URI");
  app.add_option("--face_target", o.face_target, "face analyzer target URI");
  app.add_option("--fusion_target", o.fusion_target, "fusion service target URI");
  app.add_option("--temporal_target", o.temporal_target, "temporal service target URI");
  app.add_option("--sqlite_path", o.sqlite_path, "SQLite store file");
  app.add_option("--postgres_url", o.postgres_url,
                 "PostgreSQL store (libpq URI; the password from $PGPASSWORD or ~/.pgpass)");
  app.add_option("--log_level", o.log_level, "trace, debug, info, warn, error");
  app.add_option("--metrics_listen", o.metrics_listen,
                 "serve /metrics, /livez and /readyz over HTTP here (host:port; port 0 = any)");
  app.add_option("--tls_ca", o.tls_ca, "CA certificate (PEM) the services' certificates chain to");
  app.add_option("--tls_cert", o.tls_cert, "the orchestrator's certificate (PEM): TLS only");
  app.add_option("--tls_key", o.tls_key, "its private key (PEM)");
  app.add_option("--auth_public_key", o.auth_public_key,
                 "Ed25519 public key (PEM) verifying bearer tokens: tokens required");
  CLI11_PARSE(app, argc, argv);

  v1::OrchestratorConfig config;
  if (auto s = config::LoadTextProto(config_path, &config); !s.ok()) {
    return grpcx::ExitWith(program, s);
  }
  if (auto s = orchestrator::PrepareOrchestratorConfig(config_path, o, &config); !s.ok()) {
    return grpcx::ExitWith(program, absl::InvalidArgumentError(
                                        absl::StrCat(config_path, ": ", s.message())));
  }
  if (auto s = grpcx::InitLogging(program, config.server().log_level()); !s.ok()) {
    return grpcx::ExitWith(program, s);
  }
  auto stack = orchestrator::Stack::Create(config);
  if (!stack.ok()) return grpcx::ExitWith(program, stack.status());
  auto access = orchestrator::Access::Create(config.auth());
  if (!access.ok()) return grpcx::ExitWith(program, access.status());
  orchestrator::OrchestratorService service(&(*stack)->assessor(), &(*stack)->sessions(),
                                            access->get(), config.server().worker_threads(),
                                            config.server().max_queue(),
                                            config.server().default_deadline_ms());
  (*stack)->sessions().SetAuthorizer(
      [&service](const grpc::CallbackServerContext* ctx, const std::string& user_id) {
        return service.AuthorizeSession(ctx, user_id);
      });
  auto handle = grpcx::ServerHandle::Start(config.server(), {&service},
                                           {orchestrator::kOrchestratorReadiness});
  if (!handle.ok()) return grpcx::ExitWith(program, handle.status());
  (*handle)->SetReady(orchestrator::kOrchestratorReadiness, true);
  spdlog::info("listening on port {} ({}); store {}; bearer tokens {}", (*handle)->port(),
               grpcx::TlsEnabled(config.server().tls()) ? "TLS" : "plaintext",
               config.store().postgres_url().empty() ? config.store().sqlite_path()
                                                     : std::string("PostgreSQL"),
               config.auth().required() ? "required" : "optional");
  const int sig = grpcx::WaitForTerminationSignal();
  spdlog::info("signal {}: draining", sig);
  (*handle)->Shutdown(std::chrono::milliseconds(config.server().default_deadline_ms()));
  return 0;
}
