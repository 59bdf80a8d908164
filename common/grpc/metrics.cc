#include "common/grpc/metrics.h"

#include <httplib.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "common/grpc/trace.h"
#include "common/grpc/wire_text.h"
#include "grpcpp/support/status.h"
#include "spdlog/spdlog.h"

namespace burnout::grpcx {
namespace {

std::string Escape(const std::string& v) {
  return absl::StrReplaceAll(v, {{"\\", "\\\\"}, {"\"", "\\\""}, {"\n", "\\n"}});
}

std::string LabelText(const Labels& labels, const std::string& extra = "") {
  std::string out;
  for (const auto& [k, v] : labels) {
    absl::StrAppend(&out, out.empty() ? "" : ",", k, "=\"", Escape(v), "\"");
  }
  if (!extra.empty()) absl::StrAppend(&out, out.empty() ? "" : ",", extra);
  return out.empty() ? "" : absl::StrCat("{", out, "}");
}

std::string Num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  return absl::StrFormat("%.9g", v);
}


class RpcInterceptor final : public grpc::experimental::Interceptor {
 public:
  RpcInterceptor(std::string service, std::string method, const grpc::ServerContextBase* ctx)
      : service_(std::move(service)), method_(std::move(method)), ctx_(ctx),
        start_(std::chrono::steady_clock::now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using H = grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(H::POST_RECV_INITIAL_METADATA)) {
      // The caller's trace, or a new one: this call's span, for its log line and its work.
      std::string trace, parent;
      if (auto* md = methods->GetRecvInitialMetadata()) {
        auto it = md->find("traceparent");
        if (it != md->end()) {
          ParseTraceparent(std::string(it->second.data(), it->second.size()), &trace, &parent);
        }
      }
      span_.trace_id = trace.empty() ? NewTraceId() : trace;
      span_.span_id = NewSpanId();
      parent_ = parent;
      if (ctx_) RecordServerSpan(ctx_, span_);
    }
    if (methods->QueryInterceptionHookPoint(H::PRE_SEND_STATUS)) {
      const grpc::Status s = methods->GetSendStatus();
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
      if (ctx_) ForgetServerSpan(ctx_);
      if (span_.valid() && method_.rfind("/grpc.health.v1.", 0) != 0) {
        spdlog::info(
            "{{\"span\":\"{}\",\"trace_id\":\"{}\",\"span_id\":\"{}\",\"parent_id\":\"{}\","
            "\"service\":\"{}\",\"code\":\"{}\",\"ms\":{:.3f}}}",
            JsonEscaped(method_), span_.trace_id, span_.span_id, parent_, JsonEscaped(service_),
            GrpcCodeName(s.error_code()), seconds * 1000);
      }
      Metrics& m = Metrics::Get();
      m.Count("burnout_rpc_total", {{"service", service_}, {"method", method_}, {"code", GrpcCodeName(s.error_code())}});
      m.Observe("burnout_rpc_duration_seconds", {{"service", service_}, {"method", method_}}, seconds,
                Metrics::LatencyBuckets());
    }
    methods->Proceed();
  }

 private:
  std::string service_, method_;
  const grpc::ServerContextBase* ctx_;
  std::chrono::steady_clock::time_point start_;
  TraceContext span_;
  std::string parent_;
};

class RpcInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit RpcInterceptorFactory(std::string service) : service_(std::move(service)) {
    Metrics::Get().Describe("burnout_rpc_total", "RPCs answered, by method and status code.");
    Metrics::Get().Describe("burnout_rpc_duration_seconds",
                            "Time from a call's arrival to its status, by method.");
  }
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    std::string method = info->method() ? info->method() : "";
    return new RpcInterceptor(service_, std::move(method), info->server_context());
  }

 private:
  std::string service_;
};

}  // namespace

Metrics& Metrics::Get() {
  static Metrics* m = new Metrics();
  return *m;
}

const std::vector<double>& Metrics::LatencyBuckets() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                        0.25,  0.5,    1,     2.5,  5,     10,   30};
  return b;
}

Metrics::Family& Metrics::FamilyOf(const std::string& name, const char* type) {
  Family& f = families_[name];
  if (f.type.empty()) f.type = type;
  return f;
}

void Metrics::Count(const std::string& name, const Labels& labels, double by) {
  std::lock_guard<std::mutex> lock(mu_);
  FamilyOf(name, "counter").values[labels] += by;
}

void Metrics::Set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard<std::mutex> lock(mu_);
  FamilyOf(name, "gauge").values[labels] = value;
}

void Metrics::Observe(const std::string& name, const Labels& labels, double value,
                      const std::vector<double>& buckets) {
  std::lock_guard<std::mutex> lock(mu_);
  Histogram& h = FamilyOf(name, "histogram").histograms[labels];
  if (h.buckets.empty()) {
    h.buckets = buckets;
    h.counts.assign(buckets.size() + 1, 0);
  }
  size_t i = 0;
  while (i < h.buckets.size() && value > h.buckets[i]) ++i;
  ++h.counts[i];
  h.sum += value;
  ++h.count;
}

void Metrics::Describe(const std::string& name, const std::string& help) {
  std::lock_guard<std::mutex> lock(mu_);
  families_[name].help = help;
}

void Metrics::Gauge(const std::string& name, const Labels& labels, std::function<double()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  FamilyOf(name, "gauge").readers[labels] = std::move(read);
}

void Metrics::RemoveGauges(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = families_.find(name);
  if (it != families_.end()) it->second.readers.clear();
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (f.type.empty()) continue;
    if (!f.help.empty()) absl::StrAppend(&out, "# HELP ", name, " ", f.help, "\n");
    absl::StrAppend(&out, "# TYPE ", name, " ", f.type, "\n");
    for (const auto& [labels, v] : f.values) {
      absl::StrAppend(&out, name, LabelText(labels), " ", Num(v), "\n");
    }
    for (const auto& [labels, read] : f.readers) {
      absl::StrAppend(&out, name, LabelText(labels), " ", Num(read()), "\n");
    }
    for (const auto& [labels, h] : f.histograms) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= h.buckets.size(); ++i) {
        cumulative += h.counts[i];
        const std::string le = i < h.buckets.size() ? Num(h.buckets[i]) : "+Inf";
        absl::StrAppend(&out, name, "_bucket", LabelText(labels, absl::StrCat("le=\"", le, "\"")),
                        " ", cumulative, "\n");
      }
      absl::StrAppend(&out, name, "_sum", LabelText(labels), " ", Num(h.sum), "\n");
      absl::StrAppend(&out, name, "_count", LabelText(labels), " ", h.count, "\n");
    }
  }
  return out;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> RpcMetricsInterceptor(
    const std::string& service) {
  return std::make_unique<RpcInterceptorFactory>(service);
}

struct MetricsServer::Impl {
  httplib::Server server;
  std::thread thread;
};

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen,
                                                                   std::function<bool()> ready) {
  const auto colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("server.metrics_listen: \"", listen, "\" is not host:port"));
  }
  const std::string host = listen.substr(0, colon);
  std::unique_ptr<MetricsServer> m(new MetricsServer());
  m->impl_ = std::make_unique<Impl>();
  auto& srv = m->impl_->server;
  srv.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(Metrics::Get().Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  srv.Get("/livez", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  srv.Get("/readyz", [ready](const httplib::Request&, httplib::Response& res) {
    const bool ok = !ready || ready();
    res.status = ok ? 200 : 503;
    res.set_content(ok ? "ready\n" : "not ready\n", "text/plain");
  });
  if (port == 0) {
    port = srv.bind_to_any_port(host.c_str());
    if (port <= 0) return absl::UnavailableError(absl::StrCat("cannot listen on ", listen));
  } else if (!srv.bind_to_port(host.c_str(), port)) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, " (metrics)"));
  }
  m->port_ = port;
  m->impl_->thread = std::thread([&srv] { srv.listen_after_bind(); });
  return m;
}

MetricsServer::~MetricsServer() {
  if (impl_) {
    impl_->server.stop();
    if (impl_->thread.joinable()) impl_->thread.join();
  }
}

}  // namespace burnout::grpcx
