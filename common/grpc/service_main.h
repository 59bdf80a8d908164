// What every model service's main shares: flags, config loading, and the serve loop
// (server up with readiness NOT_SERVING -> model loaded and warmed -> SERVING -> SIGTERM ->
// NOT_SERVING, drain, exit).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "burnout/v1/config.pb.h"
#include "grpcpp/grpcpp.h"

namespace burnout::grpcx {

struct ServiceFlags {
  std::string config_path;
  std::string listen;     // overrides server.listen
  int port = -1;          // overrides the port of server.listen
  std::string port_file;  // overrides server.port_file
  std::string model_dir;  // overrides model_dir (model services)
  std::string log_level;
  // TLS (override server.tls): CA, certificate and key files; require client certificates.
  std::string tls_ca, tls_cert, tls_key;
  bool tls_require_client_cert = false;
  int tls_reload_s = 0;  // overrides server.tls.reload_interval_s when > 0
  std::string metrics_listen;  // overrides server.metrics_listen
};

// Parses the common flags. On --help or a bad flag prints and returns a non-OK status whose
// message is empty for --help.
absl::StatusOr<ServiceFlags> ParseServiceFlags(int argc, char** argv, const std::string& program,
                                               const std::string& default_config);

// Applies flag overrides to `server` (after defaults).
void ApplyServiceFlags(const ServiceFlags& flags, burnout::v1::ServerConfig* server);

// Starts the server for `service`, loads the model with `load(false)` on a background
// thread, flips readiness `readiness_name` to SERVING once a load succeeds (a failed load is
// logged; the process stays alive, not ready), and returns after SIGTERM/SIGINT and a
// graceful drain. Hot reload: the same thread calls `load(false)` every `poll_ms` (0: never)
// to pick up a new model version, and `load(true)` on SIGHUP; a load that fails after one
// succeeded leaves the serving model (and readiness) as they were. `load` must not throw.
absl::Status ServeModel(const burnout::v1::ServerConfig& server, grpc::Service* service,
                        const std::string& readiness_name,
                        std::function<absl::Status(bool force)> load);

// Prints `status` as "<program>: <message>" and returns the exit code for it.
int ExitWith(const std::string& program, const absl::Status& status);

}  // namespace burnout::grpcx
