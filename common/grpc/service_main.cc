#include "common/grpc/service_main.h"

#include <iostream>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "common/grpc/logging.h"
#include "common/grpc/server.h"
#include "spdlog/spdlog.h"

namespace burnout::grpcx {

absl::StatusOr<ServiceFlags> ParseServiceFlags(int argc, char** argv, const std::string& program,
                                               const std::string& default_config) {
  ServiceFlags f;
  f.config_path = default_config;
  CLI::App app{program};
  app.add_option("--config", f.config_path, "text-proto config file")->capture_default_str();
  app.add_option("--listen", f.listen, "listen address host:port (overrides server.listen)");
  app.add_option("--port", f.port, "listen port on the configured host (0 = any free port)");
  app.add_option("--port_file", f.port_file, "write the bound port to this file once serving");
  app.add_option("--model_dir", f.model_dir, "model directory (overrides model_dir)");
  app.add_option("--log_level", f.log_level, "trace, debug, info, warn, error");
  app.add_option("--tls_ca", f.tls_ca, "CA certificate (PEM) peers must chain to");
  app.add_option("--tls_cert", f.tls_cert, "this service's certificate (PEM): serve TLS only");
  app.add_option("--tls_key", f.tls_key, "its private key (PEM)");
  app.add_flag("--tls_require_client_cert", f.tls_require_client_cert,
               "mutual TLS: refuse clients without a certificate from --tls_ca");
  app.add_option("--tls_reload_s", f.tls_reload_s, "re-read the certificate files this often");
  app.add_option("--metrics_listen", f.metrics_listen,
                 "serve /metrics, /livez and /readyz over HTTP here (host:port; port 0 = any)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return absl::InvalidArgumentError(code == 0 ? "" : "bad command line");
  }
  return f;
}

void ApplyServiceFlags(const ServiceFlags& f, burnout::v1::ServerConfig* server) {
  ApplyServerDefaults(server);
  if (!f.listen.empty()) server->set_listen(f.listen);
  if (f.port >= 0) {
    const std::string& l = server->listen();
    const auto colon = l.rfind(':');
    server->set_listen(absl::StrCat(colon == std::string::npos ? l : l.substr(0, colon), ":", f.port));
  }
  if (!f.port_file.empty()) server->set_port_file(f.port_file);
  if (!f.log_level.empty()) server->set_log_level(f.log_level);
  if (!f.tls_ca.empty()) server->mutable_tls()->set_ca_file(f.tls_ca);
  if (!f.tls_cert.empty()) server->mutable_tls()->set_cert_file(f.tls_cert);
  if (!f.tls_key.empty()) server->mutable_tls()->set_key_file(f.tls_key);
  if (f.tls_require_client_cert) server->mutable_tls()->set_require_client_cert(true);
  if (f.tls_reload_s > 0) server->mutable_tls()->set_reload_interval_s(f.tls_reload_s);
  if (!f.metrics_listen.empty()) server->set_metrics_listen(f.metrics_listen);
}

absl::Status ServeModel(const burnout::v1::ServerConfig& server, grpc::Service* service,
                        const std::string& readiness_name,
                        std::function<absl::Status(bool force)> load) {
  if (absl::Status s = ValidateServerConfig(server); !s.ok()) return s;
  auto handle = ServerHandle::Start(server, {service}, {readiness_name});
  if (!handle.ok()) return handle.status();
  spdlog::info("listening on port {} (readiness {}: NOT_SERVING until the model is loaded)",
               (*handle)->port(), readiness_name);
  ServerHandle* h = handle->get();

  // The loader thread: the first load, then polls and SIGHUP-forced reloads.
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false, hangup = false;
  const auto poll = std::chrono::milliseconds(server.model_poll_ms());
  std::thread loader([&] {
    bool ready = false;
    bool force = false;
    for (;;) {
      const auto start = std::chrono::steady_clock::now();
      absl::Status s = load(force);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      if (s.ok() && !ready) {
        ready = true;
        h->SetReady(readiness_name, true);
        spdlog::info("model loaded and warmed up in {:.0f} ms; {} is SERVING", ms, readiness_name);
      } else if (!s.ok() && !ready) {
        spdlog::error("model failed to load ({}); alive but not ready", s.ToString());
      }
      std::unique_lock<std::mutex> lock(mu);
      auto woken = [&] { return stop || hangup; };
      if (poll.count() > 0) {
        cv.wait_for(lock, poll, woken);
      } else {
        cv.wait(lock, woken);
      }
      if (stop) return;
      force = hangup;
      hangup = false;
      if (force) spdlog::info("SIGHUP: reloading the model");
    }
  });
  const int sig = WaitForTerminationSignal([&] {
    std::lock_guard<std::mutex> lock(mu);
    hangup = true;
    cv.notify_all();
  });
  spdlog::info("signal {}: draining", sig);
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
    cv.notify_all();
  }
  loader.join();
  h->Shutdown(std::chrono::milliseconds(5000));
  spdlog::info("stopped");
  return absl::OkStatus();
}

int ExitWith(const std::string& program, const absl::Status& status) {
  if (status.ok()) return 0;
  if (status.message().empty()) return 0;  // --help
  std::cerr << program << ": " << status.message() << std::endl;
  return 2;
}

}  // namespace burnout::grpcx
