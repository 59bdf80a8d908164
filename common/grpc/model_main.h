// The whole main() of a model service, shared by every analyzer, fusion and temporal:
// flags -> strict config -> defaults and range checks -> logging -> serve.
#pragma once

#include <functional>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/grpc/logging.h"
#include "common/grpc/server.h"
#include "common/grpc/service_main.h"

namespace burnout::grpcx {

// Config: a service config message with `server` and `model_dir` fields.
// Service: constructible from const Config&, with absl::Status LoadModel(bool force), which
// serves the newest version of config.model_dir() (ModelSlot::Refresh) and is called again
// every server.model_poll_ms and on SIGHUP (force) for hot reload.
// `before_serve` runs after the config is final (e.g. to set libtorch thread counts).
// `resolve_paths` resolves a config's other file paths against the config file's directory.
template <typename Config, typename Service>
int ModelServiceMain(int argc, char** argv, const std::string& program,
                     const std::string& default_config, const std::string& readiness,
                     absl::Status (*prepare)(Config*),
                     std::function<void(const Config&)> before_serve = {},
                     std::function<void(const std::string&, Config*)> resolve_paths = {}) {
  BlockTerminationSignals();
  auto flags = ParseServiceFlags(argc, argv, program, default_config);
  if (!flags.ok()) return ExitWith(program, flags.status());
  Config config;
  if (auto s = config::LoadTextProto(flags->config_path, &config); !s.ok()) {
    return ExitWith(program, s);
  }
  config.set_model_dir(config::ResolveRelativeTo(flags->config_path, config.model_dir()));
  if (!flags->model_dir.empty()) config.set_model_dir(flags->model_dir);
  if (resolve_paths) resolve_paths(flags->config_path, &config);
  ApplyServiceFlags(*flags, config.mutable_server());
  if (auto s = prepare(&config); !s.ok()) {
    return ExitWith(program, absl::InvalidArgumentError(
                                 absl::StrCat(flags->config_path, ": ", s.message())));
  }
  if (auto s = InitLogging(program, config.server().log_level()); !s.ok()) {
    return ExitWith(program, s);
  }
  if (before_serve) before_serve(config);
  Service service(config);
  return ExitWith(program, ServeModel(config.server(), &service, readiness,
                                      [&service](bool force) { return service.LoadModel(force); }));
}

}  // namespace burnout::grpcx
