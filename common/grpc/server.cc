#include "common/grpc/server.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/grpc/metrics.h"
#include "common/grpc/tls.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "spdlog/spdlog.h"

namespace burnout::grpcx {

void ApplyServerDefaults(burnout::v1::ServerConfig* c) {
  if (c->listen().empty()) c->set_listen("127.0.0.1:0");
  if (c->max_message_bytes() == 0) c->set_max_message_bytes(4 << 20);
  if (c->default_deadline_ms() == 0) c->set_default_deadline_ms(10000);
  if (c->worker_threads() == 0) c->set_worker_threads(2);
  if (c->max_queue() == 0) c->set_max_queue(64);
  if (c->log_level().empty()) c->set_log_level("info");
  if (c->model_poll_ms() == 0) c->set_model_poll_ms(2000);
}

absl::Status CheckRange(const std::string& key, double value, double lo, double hi) {
  if (value >= lo && value <= hi) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(key, ": must be between ", lo, " and ", hi, ", got ", value));
}

absl::Status ValidateServerConfig(const burnout::v1::ServerConfig& c) {
  for (const auto& [key, value, hi] : std::vector<std::tuple<std::string, double, double>>{
           {"server.max_message_bytes", c.max_message_bytes(), 1 << 30},
           {"server.default_deadline_ms", c.default_deadline_ms(), 3600000},
           {"server.worker_threads", c.worker_threads(), 256},
           {"server.max_queue", c.max_queue(), 100000},
           {"server.torch_threads", c.torch_threads(), 256},
           {"server.blas_threads", c.blas_threads(), 256}}) {
    if (absl::Status s = CheckRange(key, value, 0, hi); !s.ok()) return s;
  }
  if (c.model_poll_ms() < -1 || c.model_poll_ms() > 86400000) {
    return CheckRange("server.model_poll_ms", c.model_poll_ms(), -1, 86400000);
  }
  if (absl::Status s = ValidateTls(c.tls(), "server."); !s.ok()) return s;
  if (!c.listen().empty() && c.listen().find(':') == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("server.listen: \"", c.listen(), "\" is not host:port"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ServerHandle>> ServerHandle::Start(
    const burnout::v1::ServerConfig& config_in, const std::vector<grpc::Service*>& services,
    const std::vector<std::string>& readiness_names) {
  burnout::v1::ServerConfig config = config_in;
  ApplyServerDefaults(&config);
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  auto creds = ServerCredentialsFor(config.tls());
  if (!creds.ok()) return creds.status();
  builder.AddListeningPort(config.listen(), *creds, &port);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes());
  builder.SetMaxSendMessageSize(config.max_message_bytes());
  for (grpc::Service* s : services) builder.RegisterService(s);
  // Every RPC counted and timed, labelled with the service's readiness name.
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(
      RpcMetricsInterceptor(readiness_names.empty() ? "server" : readiness_names.front()));
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  std::unique_ptr<ServerHandle> h(new ServerHandle());
  h->server_ = builder.BuildAndStart();
  if (!h->server_ || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen(),
                                               " (address in use or invalid)"));
  }
  h->port_ = port;
  h->names_ = readiness_names;
  for (const auto& n : readiness_names) h->SetReady(n, false);
  if (!config.metrics_listen().empty()) {
    ServerHandle* raw = h.get();
    auto metrics = MetricsServer::Start(config.metrics_listen(), [raw] { return raw->ready(); });
    if (!metrics.ok()) return metrics.status();
    h->metrics_ = std::move(*metrics);
    if (!config.port_file().empty()) {
      std::ofstream(config.port_file() + ".metrics", std::ios::trunc) << h->metrics_->port() << "\n";
    }
  }
  if (!config.port_file().empty()) {
    const std::string tmp = config.port_file() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << port << "\n";
    }
    std::error_code ec;
    std::filesystem::rename(tmp, config.port_file(), ec);
    if (ec) return absl::InternalError(absl::StrCat("cannot write ", config.port_file()));
  }
  return h;
}

ServerHandle::~ServerHandle() {
  metrics_.reset();  // its /readyz reads this object
  Shutdown(std::chrono::milliseconds(0));
}

int ServerHandle::metrics_port() const { return metrics_ ? metrics_->port() : 0; }

bool ServerHandle::ready() const {
  std::lock_guard<std::mutex> lock(ready_mu_);
  for (const auto& n : names_) {
    auto it = ready_.find(n);
    if (it == ready_.end() || !it->second) return false;
  }
  return true;
}

void ServerHandle::SetReady(const std::string& name, bool ready) {
  {
    std::lock_guard<std::mutex> lock(ready_mu_);
    ready_[name] = ready;
  }
  if (!server_) return;
  if (auto* health = server_->GetHealthCheckService()) health->SetServingStatus(name, ready);
}

void ServerHandle::Shutdown(std::chrono::milliseconds grace) {
  if (shut_down_ || !server_) return;
  shut_down_ = true;
  {
    std::lock_guard<std::mutex> lock(ready_mu_);
    for (auto& [n, r] : ready_) r = false;
  }
  if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
  server_->Shutdown(std::chrono::system_clock::now() + grace);
  server_->Wait();
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForTerminationSignal(const std::function<void()>& on_hangup) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (on_hangup) sigaddset(&set, SIGHUP);
  for (;;) {
    int sig = 0;
    sigwait(&set, &sig);
    if (sig == SIGHUP) {
      on_hangup();
      continue;
    }
    return sig;
  }
}

std::chrono::system_clock::time_point CappedDeadline(const grpc::CallbackServerContext* ctx,
                                                     int cap_ms) {
  const auto cap = std::chrono::system_clock::now() + std::chrono::milliseconds(cap_ms);
  return std::min(ctx->deadline(), cap);
}

}  // namespace burnout::grpcx
