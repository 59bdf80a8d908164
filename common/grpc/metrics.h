// Prometheus metrics (text exposition format 0.0.4): counters, gauges and histograms with
// labels, in one process-wide registry, served at GET /metrics on ServerConfig.metrics_listen
// beside /livez and /readyz (plain HTTP, so Kubernetes probes work even when the gRPC port
// requires client certificates). Every server counts its RPCs by method and status code and
// times them (a gRPC server interceptor); components add their own (queue depth, batch sizes,
// model forwards, masked modalities, sessions). Thread-safe; recording is a mutex-guarded map
// update, cheap next to an RPC.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/support/server_interceptor.h"

namespace burnout::grpcx {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  static Metrics& Get();

  void Count(const std::string& name, const Labels& labels, double by = 1);
  void Set(const std::string& name, const Labels& labels, double value);
  // Observes `value` into histogram `name` with `buckets` (upper bounds, ascending; fixed by
  // the first observation of the name).
  void Observe(const std::string& name, const Labels& labels, double value,
               const std::vector<double>& buckets);
  // HELP text for a metric family.
  void Describe(const std::string& name, const std::string& help);
  // A gauge read when scraped (queue depths, open sessions).
  void Gauge(const std::string& name, const Labels& labels, std::function<double()> read);
  void RemoveGauges(const std::string& name);

  // The exposition text.
  std::string Render() const;

  // Seconds buckets for latencies: 1 ms .. 30 s.
  static const std::vector<double>& LatencyBuckets();

 private:
  struct Histogram {
    std::vector<double> buckets;
    std::vector<uint64_t> counts;  // per bucket (not cumulative), plus +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  struct Family {
    std::string type;  // counter, gauge, histogram
    std::string help;
    std::map<Labels, double> values;
    std::map<Labels, Histogram> histograms;
    std::map<Labels, std::function<double()>> readers;
  };
  Family& FamilyOf(const std::string& name, const char* type);
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;
};

// Counts and times every RPC of a server: burnout_rpc_total{service,method,code} and
// burnout_rpc_duration_seconds{service,method}. `service` names the binary ("text", ...).
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> RpcMetricsInterceptor(
    const std::string& service);

// The /metrics, /livez and /readyz endpoint. `ready` says whether the process is ready
// (readyz: 200 or 503).
class MetricsServer {
 public:
  // Listens on `listen` ("host:port", port 0 = any free); INVALID_ARGUMENT / UNAVAILABLE.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(const std::string& listen,
                                                               std::function<bool()> ready);
  ~MetricsServer();
  int port() const { return port_; }

 private:
  MetricsServer() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace burnout::grpcx
