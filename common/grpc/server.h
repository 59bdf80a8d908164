// Server setup shared by every binary: listen address and message limits from config,
// grpc.health.v1 (liveness "" always SERVING once started; readiness per service name,
// NOT_SERVING until the owner calls SetReady), reflection, and graceful shutdown.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/config.pb.h"
#include "grpcpp/grpcpp.h"

namespace burnout::grpcx {

class MetricsServer;

class ServerHandle {
 public:
  // Builds and starts a server for `services` (not owned; must outlive the handle).
  // Every name in `readiness_names` starts NOT_SERVING. If config.port_file is set, the bound
  // port is written there (atomically) once the server listens.
  static absl::StatusOr<std::unique_ptr<ServerHandle>> Start(
      const burnout::v1::ServerConfig& config, const std::vector<grpc::Service*>& services,
      const std::vector<std::string>& readiness_names);

  ~ServerHandle();
  int port() const { return port_; }
  void SetReady(const std::string& service_name, bool ready);
  // Marks everything NOT_SERVING, lets in-flight calls finish for up to `grace`, then stops.
  void Shutdown(std::chrono::milliseconds grace);
  grpc::Server* server() { return server_.get(); }
  // The metrics endpoint's port (0 when server.metrics_listen is empty).
  int metrics_port() const;
  // True when every readiness name is SERVING (what /readyz answers).
  bool ready() const;

 private:
  ServerHandle() = default;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<MetricsServer> metrics_;
  std::vector<std::string> names_;
  mutable std::mutex ready_mu_;
  std::map<std::string, bool> ready_;
  int port_ = 0;
  bool shut_down_ = false;
};

// Blocks SIGTERM / SIGINT / SIGHUP in the calling thread and every thread created after it.
// Call first thing in main.
void BlockTerminationSignals();
// Waits for SIGTERM or SIGINT (returns the signal number). With `on_hangup`, a SIGHUP
// calls it and the wait goes on.
int WaitForTerminationSignal(const std::function<void()>& on_hangup = {});

// The deadline a handler works to: the caller's, capped at `cap_ms` from now.
std::chrono::system_clock::time_point CappedDeadline(const grpc::CallbackServerContext* ctx,
                                                     int cap_ms);

// Fills zero fields of `config` with defaults (documented in config.proto).
void ApplyServerDefaults(burnout::v1::ServerConfig* config);

// INVALID_ARGUMENT naming the key for out-of-range values (negative sizes, absurd limits).
absl::Status ValidateServerConfig(const burnout::v1::ServerConfig& config);

// INVALID_ARGUMENT "<key>: must be between lo and hi, got v" unless lo <= v <= hi.
absl::Status CheckRange(const std::string& key, double value, double lo, double hi);

}  // namespace burnout::grpcx
