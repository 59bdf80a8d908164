// burnout-web: the browser's way in. Serves the app's static files and the JSON API
// (web_api.h) over HTTP, and /metrics, /livez, /readyz. Talks to the orchestrator over gRPC
// (TLS with the given files), passing each caller's bearer token through. With
// --dev_issuer_dir (the development stack's <run_dir>), POST /api/v1/SignIn {"user_id": ...}
// returns a token from the stack's local issuer: the local sign-in; never in production.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <httplib.h>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/web/web_api.h"
#include "clients/web/web_session.h"
#include "common/auth/token.h"
#include "common/grpc/channel.h"
#include "common/grpc/health_client.h"
#include "common/grpc/metrics.h"
#include "nlohmann/json.hpp"

namespace {

httplib::Server* g_server = nullptr;
void Stop(int) {
  if (g_server) g_server->stop();
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using burnout::grpcx::Metrics;
  std::string listen = "127.0.0.1:7110", orchestrator = "127.0.0.1:7100", static_dir = "clients/web/static";
  std::string port_file, dev_issuer_dir, models_dir = "models";
  burnout::web::LiveOptions live_options;
  int timeout_ms = 30000;
  burnout::v1::TlsConfig tls;
  CLI::App app{"burnout-web: the browser app's files and JSON API over the orchestrator"};
  app.add_option("--listen", listen, "HTTP address host:port (port 0 = any free)")->capture_default_str();
  app.add_option("--orchestrator", orchestrator, "the orchestrator's gRPC target")->capture_default_str();
  app.add_option("--static_dir", static_dir, "the app's built files")->capture_default_str();
  app.add_option("--port_file", port_file, "write the bound port here once serving");
  app.add_option("--timeout_ms", timeout_ms, "deadline of each orchestrator call")->capture_default_str();
  app.add_option("--models_dir", models_dir, "model manifests shown by GET /api/v1/models")
      ->capture_default_str();
  app.add_option("--max_live_sessions", live_options.max_sessions, "live sessions carried at once")
      ->capture_default_str();
  app.add_option("--live_idle_ms", live_options.idle_ms,
                 "a live session with no input and no reader this long is cancelled")
      ->capture_default_str();
  app.add_option("--dev_issuer_dir", dev_issuer_dir,
                 "the development stack's run dir: enables POST /api/v1/SignIn (local sign-in)");
  app.add_option("--tls_ca", *tls.mutable_ca_file(), "CA of the orchestrator's certificate");
  app.add_option("--tls_cert", *tls.mutable_cert_file(), "client certificate toward it");
  app.add_option("--tls_key", *tls.mutable_key_file(), "its key");
  CLI11_PARSE(app, argc, argv);

  auto channel = burnout::grpcx::MakeChannel(orchestrator, 64 << 20, tls);
  std::shared_ptr<burnout::v1::BurnoutRisk::StubInterface> stub =
      burnout::v1::BurnoutRisk::NewStub(channel);
  burnout::web::WebApi api(stub, timeout_ms);
  burnout::web::LiveSessions live(stub, live_options);
  Metrics::Get().Gauge("burnout_web_live_sessions", {},
                       [&live] { return static_cast<double>(live.open_sessions()); });
  httplib::Server srv;
  g_server = &srv;
  // Each reader of a live session's events holds a thread while it streams.
  srv.new_task_queue = [n = live_options.max_sessions + 16] { return new httplib::ThreadPool(n); };
  srv.set_payload_max_length(64 << 20);
  srv.set_tcp_nodelay(true);  // else Nagle and delayed ACKs add 40 ms to small responses
  srv.set_keep_alive_max_count(1000);  // a page load is ~20 requests on one connection
  auto json = [](httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "application/json");
    Metrics::Get().Count("burnout_web_requests_total", {{"status", std::to_string(status)}});
  };
  srv.Get("/api/v1", [&](const httplib::Request&, httplib::Response& res) {
    json(res, 200, nlohmann::json{{"methods", api.Methods()}}.dump());
  });
  srv.Post("/api/v1/SignIn", [&](const httplib::Request& req, httplib::Response& res) {
    if (dev_issuer_dir.empty()) {
      json(res, 404, burnout::web::ErrorJson(grpc::StatusCode::NOT_FOUND,
                                             "local sign-in is for the development stack only"));
      return;
    }
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    const std::string user = body.is_object() ? body.value("user_id", "") : "";
    const std::string role = body.is_object() ? body.value("role", "person") : "person";
    auto token = burnout::auth::LocalToken(dev_issuer_dir, user, role, 3600);
    if (!token.ok()) {
      json(res, 400, burnout::web::ErrorJson(grpc::StatusCode::INVALID_ARGUMENT,
                                             std::string(token.status().message())));
      return;
    }
    json(res, 200, nlohmann::json{{"token", *token}, {"user_id", user}, {"role", role}}.dump());
  });
  srv.Get("/api/v1/models", [&](const httplib::Request&, httplib::Response& res) {
    json(res, 200, burnout::web::ModelsJson(models_dir));
  });
  // Live sessions (web_session.h). Registered before the unary methods' pattern.
  const auto auth = [](const httplib::Request& req) { return req.get_header_value("Authorization"); };
  srv.Post("/api/v1/sessions", [&](const httplib::Request& req, httplib::Response& res) {
    const auto r = live.Open(req.body, auth(req));
    json(res, r.http_status, r.body);
  });
  srv.Post(R"(/api/v1/sessions/([A-Za-z0-9_-]+)/(input|finish))",
           [&](const httplib::Request& req, httplib::Response& res) {
             const auto r = req.matches[2] == "input" ? live.Input(req.matches[1], req.body, auth(req))
                                                      : live.Finish(req.matches[1], auth(req));
             json(res, r.http_status, r.body);
           });
  srv.Delete(R"(/api/v1/sessions/([A-Za-z0-9_-]+))", [&](const httplib::Request& req, httplib::Response& res) {
    const auto r = live.Cancel(req.matches[1], auth(req));
    json(res, r.http_status, r.body);
  });
  srv.Get(R"(/api/v1/sessions/([A-Za-z0-9_-]+)/events)", [&](const httplib::Request& req, httplib::Response& res) {
    burnout::web::ApiResponse error;
    std::shared_ptr<burnout::web::LiveSessions::Reader> reader = live.Attach(req.matches[1], auth(req), &error);
    if (!reader) {
      json(res, error.http_status, error.body);
      return;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_chunked_content_provider("text/event-stream", [reader](size_t, httplib::DataSink& sink) {
      if (auto e = reader->Next(std::chrono::seconds(5))) {
        const std::string frame = burnout::web::LiveSessions::Format(*e);
        return sink.write(frame.data(), frame.size());  // false: the browser went away
      }
      if (reader->done()) {
        sink.done();
        return true;
      }
      static constexpr char kKeepAlive[] = ": keep-alive\n\n";
      return sink.write(kKeepAlive, sizeof kKeepAlive - 1);
    });
  });
  srv.Post(R"(/api/v1/(\w+))", [&](const httplib::Request& req, httplib::Response& res) {
    const auto r = api.Call(req.matches[1], req.body, req.get_header_value("Authorization"));
    json(res, r.http_status, r.body);
  });
  srv.Get("/metrics", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(Metrics::Get().Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  srv.Get("/livez", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  srv.Get("/readyz", [&](const httplib::Request&, httplib::Response& res) {
    auto h = burnout::grpcx::CheckHealth(channel, "burnout.v1.BurnoutRisk", std::chrono::seconds(2));
    const bool ok = h.ok() && *h == burnout::grpcx::Health::kServing;
    res.status = ok ? 200 : 503;
    res.set_content(ok ? "ready\n" : "the orchestrator is not ready\n", "text/plain");
  });
  if (fs::is_directory(static_dir) && !srv.set_mount_point("/", static_dir)) {
    std::cerr << "burnout-web: cannot serve " << static_dir << std::endl;
    return 1;
  }
  const auto colon = listen.rfind(':');
  const std::string host = listen.substr(0, colon);
  int port = colon == std::string::npos ? -1 : std::atoi(listen.c_str() + colon + 1);
  port = port == 0 ? srv.bind_to_any_port(host.c_str()) : (srv.bind_to_port(host.c_str(), port) ? port : -1);
  if (port <= 0) {
    std::cerr << "burnout-web: cannot listen on " << listen << std::endl;
    return 1;
  }
  if (!port_file.empty()) {
    std::ofstream(port_file + ".tmp") << port << "\n";
    fs::rename(port_file + ".tmp", port_file);
  }
  std::signal(SIGTERM, Stop);
  std::signal(SIGINT, Stop);
  std::cout << "burnout-web: listening on " << host << ":" << port << ", orchestrator " << orchestrator
            << std::endl;
  srv.listen_after_bind();
  return 0;
}
