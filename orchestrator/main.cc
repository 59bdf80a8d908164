// burnout-orchestrator: fans out to the analyzers, fuses, tracks trends, stores.
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/grpc/logging.h"
#include "common/grpc/server.h"
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
  app.add_option("--log_level", o.log_level, "trace, debug, info, warn, error");
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
  orchestrator::OrchestratorService service(&(*stack)->assessor(), &(*stack)->sessions(),
                                            config.server().worker_threads(),
                                            config.server().max_queue(),
                                            config.server().default_deadline_ms());
  auto handle = grpcx::ServerHandle::Start(config.server(), {&service},
                                           {orchestrator::kOrchestratorReadiness});
  if (!handle.ok()) return grpcx::ExitWith(program, handle.status());
  (*handle)->SetReady(orchestrator::kOrchestratorReadiness, true);
  spdlog::info("listening on port {}; store {}", (*handle)->port(), config.store().sqlite_path());
  const int sig = grpcx::WaitForTerminationSignal();
  spdlog::info("signal {}: draining", sig);
  (*handle)->Shutdown(std::chrono::milliseconds(config.server().default_deadline_ms()));
  return 0;
}
