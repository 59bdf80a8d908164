// burnout-web's JSON API against the same call made directly over gRPC, through the real
// stack (every service its own process on loopback): p50/p99 of each and the overhead the
// HTTP + proto-JSON hop adds. Two calls: GetHistory (a store read, 5 assessments of JSON back)
// and a text-only Assess (the whole pipeline).
//
//   ./build/bin/web_bench [calls=300]
//
// The browser-side figures (page load, live update latency) come from
// benchmarks/web_browser_bench.sh.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "absl/strings/escaping.h"
#include "benchmarks/bench_util.h"
#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "common/auth/token.h"
#include "common/grpc/channel.h"

namespace {

using burnout::bench::Ctl;
using burnout::bench::Percentile;
using Steady = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::vector<double> Time(int n, const std::function<bool(int)>& call) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const auto t = Steady::now();
    if (!call(i)) {
      std::fprintf(stderr, "call %d failed\n", i);
      continue;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Steady::now() - t).count());
  }
  return ms;
}

void Row(const char* what, const std::vector<double>& grpc_ms, const std::vector<double>& web_ms) {
  const double g50 = Percentile(grpc_ms, 0.5), g99 = Percentile(grpc_ms, 0.99);
  const double w50 = Percentile(web_ms, 0.5), w99 = Percentile(web_ms, 0.99);
  std::printf("%-22s %9.2f %9.2f | %9.2f %9.2f | %+9.2f %+9.2f  x%.2f\n", what, g50, g99, w50, w99,
              w50 - g50, w99 - g99, g50 > 0 ? w50 / g50 : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 300;
  const fs::path run = fs::temp_directory_path() / ("web_bench_" + std::to_string(::getpid()));
  fs::create_directories(run);
  if (Ctl(run, "up --base_port 0") != 0) {
    std::fprintf(stderr, "could not start the stack; logs in %s\n", run.c_str());
    return 1;
  }
  int grpc_port = 0, web_port = 0;
  std::ifstream(run / "orchestrator.port") >> grpc_port;
  std::ifstream(run / "web.port") >> web_port;
  auto stub = burnout::v1::BurnoutRisk::NewStub(
      burnout::grpcx::MakeChannel("127.0.0.1:" + std::to_string(grpc_port), 0));
  const std::string token = "Bearer " + *burnout::auth::LocalToken(run.string(), "bench");
  httplib::Client http("127.0.0.1", web_port);
  http.set_keep_alive(true);  // as a browser keeps its connection
  http.set_tcp_nodelay(true);  // as a browser sets it
  const httplib::Headers auth = {{"Authorization", token}};

  auto assess_grpc = [&](int i) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", token);
    burnout::v1::AssessRequest req;
    req.set_user_id("bench");
    req.set_text("grpc " + std::to_string(i) + ": long day, the deadlines never stop, so tired");
    burnout::v1::Assessment a;
    return stub->Assess(&ctx, req, &a).ok();
  };
  auto assess_web = [&](int i) {
    const std::string text =
        absl::Base64Escape("web " + std::to_string(i) + ": long day, the deadlines never stop, so tired");
    auto r = http.Post("/api/v1/Assess", auth, R"({"user_id":"bench","text":")" + text + "\"}",
                       "application/json");
    return r && r->status == 200;
  };
  auto history_grpc = [&](int) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", token);
    burnout::v1::HistoryRequest req;
    req.set_user_id("bench");
    req.set_limit(5);
    burnout::v1::HistoryResponse out;
    return stub->GetHistory(&ctx, req, &out).ok() && out.assessments_size() == 5;
  };
  auto history_web = [&](int) {
    auto r = http.Post("/api/v1/GetHistory", auth, R"({"user_id":"bench","limit":5})", "application/json");
    return r && r->status == 200;
  };
  for (int i = 0; i < 10; ++i) assess_grpc(i), assess_web(i);  // warm-up: history, batches, pools
  std::printf("burnout-web JSON API vs direct gRPC, concurrency 1, %u cores (ms)\n",
              std::thread::hardware_concurrency());
  std::printf("%-22s %9s %9s | %9s %9s | %9s %9s  %s\n", "call", "gRPC p50", "p99", "web p50", "p99",
              "+p50", "+p99", "ratio");
  // Interleaved in rounds so drift on a noisy machine hits both sides alike.
  std::vector<double> hg, hw, ag, aw;
  for (int round = 0; round < 5; ++round) {
    for (double v : Time(n / 5, history_grpc)) hg.push_back(v);
    for (double v : Time(n / 5, history_web)) hw.push_back(v);
    for (double v : Time(n / 15 + 1, assess_grpc)) ag.push_back(v);
    for (double v : Time(n / 15 + 1, assess_web)) aw.push_back(v);
  }
  Row("GetHistory (limit 5)", hg, hw);
  Row("Assess (text)", ag, aw);
  Ctl(run, "down");
  fs::remove_all(run);
  return 0;
}
