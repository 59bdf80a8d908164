// `burnoutctl up / down / status`: every service as its own process on loopback, with pid,
// port and log files in the run directory. Readiness is read over grpc.health.v1, never
// guessed by sleeping.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/config.pb.h"

namespace burnout::ctl {

struct StackOptions {
  std::string config_path = "config/stack.textproto";
  std::string run_dir;    // overrides the config's run_dir
  std::string bin_dir;    // where the service binaries are (default: beside burnoutctl)
  int base_port = -1;     // >= 0: service i listens on base_port + i (0: any free port each)
  bool tls = false;       // up: mutual TLS between every service (certificates in <run_dir>/certs)
  // up: "sqlite" (<run_dir>/burnout.db) or "postgres" (a local cluster in <run_dir>/pg,
  // deploy/local-postgres.sh, stopped by down).
  std::string store = "sqlite";
};

// The TLS settings a client of the stack in `run_dir` uses: the local CA and the "client"
// certificate while the stack runs with --tls (<run_dir>/certs/tls.on), else none (plaintext).
burnout::v1::TlsConfig ClientTls(const std::string& run_dir);

struct ServiceState {
  std::string name;
  int pid = 0;            // 0 when no pid file
  bool alive = false;
  int port = 0;
  std::string liveness;   // SERVING / NOT_SERVING / unreachable: ...
  std::string readiness;
};

// Loads the stack config with paths resolved and overrides applied.
absl::StatusOr<burnout::v1::StackConfig> LoadStack(const StackOptions& options);

// Starts what is not running (in config order, the orchestrator last, pointed at the
// analyzers' actual ports) and waits until each reports ready. On failure, names the service
// and quotes the end of its log. Always: a local token issuer in <run_dir>/auth, whose public
// key the orchestrator requires bearer tokens to be signed with (burnoutctl signs them for
// --user). With options.tls: certificates from deploy/make-certs.sh in <run_dir>/certs, TLS on
// every port, client certificates required by the analyzers, fusion and temporal.
absl::Status Up(const StackOptions& options, std::string* report);
// SIGTERM each running service (reverse order), SIGKILL after 10 s.
absl::Status Down(const StackOptions& options, std::string* report);
absl::StatusOr<std::vector<ServiceState>> Status(const StackOptions& options);

// The orchestrator's address ("127.0.0.1:<port>") from the run directory.
absl::StatusOr<std::string> OrchestratorAddress(const StackOptions& options);
// "127.0.0.1:<port>" of one running service of the stack ("voice", "text", ...).
absl::StatusOr<std::string> ServiceAddress(const StackOptions& options, const std::string& service);

}  // namespace burnout::ctl
