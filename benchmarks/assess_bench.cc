// Text-only Assess through the real stack (every service its own process on loopback):
// throughput, latency p50/p99 and the per-stage breakdown at concurrency 1, 8 and 32, plus
// the orchestrator's own share (end-to-end minus downstream calls and the store).
//
//   ./build/bin/assess_bench [requests_per_level=300] ["--store postgres --tls"]
//
// The second argument goes to `burnoutctl up`: the store (sqlite, postgres) and TLS on or off,
// so the four combinations can be compared on one machine.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/bench_util.h"
#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "clients/burnoutctl/stack_control.h"
#include "common/auth/token.h"
#include "common/grpc/channel.h"

namespace {

using burnout::bench::Percentile;
using burnout::bench::Ctl;

namespace fs = std::filesystem;

const char* kTexts[] = {
    "I am exhausted and the deadlines never stop",
    "Had a great day with the team, really proud of what we shipped",
    "I feel anxious about tomorrow's review and I cannot sleep",
    "Honestly nothing special today, just meetings",
    "So angry that the release was blocked again for no reason",
};



// The stack's orchestrator requires bearer tokens: one from its local issuer.
void SignIn(grpc::ClientContext* ctx, const fs::path& run, const std::string& user) {
  auto token = burnout::auth::LocalToken(run.string(), user);
  if (token.ok()) ctx->AddMetadata("authorization", "Bearer " + *token);
}

}  // namespace

int main(int argc, char** argv) {
  const int per_level = argc > 1 ? std::atoi(argv[1]) : 300;
  const fs::path run = fs::temp_directory_path() / ("assess_bench_" + std::to_string(::getpid()));
  fs::create_directories(run);
  const std::string up_args = argc > 2 ? argv[2] : "";
  std::printf("stack: burnoutctl up %s\n", up_args.empty() ? "(SQLite, plaintext)" : up_args.c_str());
  if (Ctl(run, "up --base_port 0 " + up_args) != 0) {
    std::fprintf(stderr, "could not start the stack; logs in %s\n", run.c_str());
    return 1;
  }
  int port = 0;
  std::ifstream(run / "orchestrator.port") >> port;
  auto channel = burnout::grpcx::MakeChannel("127.0.0.1:" + std::to_string(port), 0,
                                             burnout::ctl::ClientTls(run.string()));
  auto stub = burnout::v1::BurnoutRisk::NewStub(channel);

  std::printf("text-only Assess through the stack, %d requests per level, %u cores\n", per_level,
              std::thread::hardware_concurrency());
  std::printf("%5s %9s %9s %9s | %8s %8s %8s %8s %8s | %10s %10s\n", "conc", "req/s", "p50 ms",
              "p99 ms", "text", "fusion", "temporal", "store", "total", "own p50", "own p99");
  for (int concurrency : {1, 8, 32}) {
    // Warm-up so every user has history and the trend model runs in the measured calls.
    for (int i = 0; i < concurrency * 3; ++i) {
      grpc::ClientContext ctx;
      burnout::v1::AssessRequest req;
      req.set_user_id("bench-" + std::to_string(concurrency) + "-" + std::to_string(i % concurrency));
      SignIn(&ctx, run, req.user_id());
      req.set_text(kTexts[i % 5]);
      burnout::v1::Assessment a;
      stub->Assess(&ctx, req, &a);
    }
    std::mutex mu;
    std::vector<double> latency, own;
    std::map<std::string, std::vector<double>> stages;
    std::atomic<int> next{0}, failures{0};
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < concurrency; ++t) {
      threads.emplace_back([&, t] {
        for (int i; (i = next++) < per_level;) {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
          burnout::v1::AssessRequest req;
          req.set_user_id("bench-" + std::to_string(concurrency) + "-" + std::to_string(t));
          SignIn(&ctx, run, req.user_id());
          req.set_text(kTexts[i % 5]);
          burnout::v1::Assessment a;
          const auto t0 = std::chrono::steady_clock::now();
          grpc::Status s = stub->Assess(&ctx, req, &a);
          const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
          if (!s.ok()) {
            ++failures;
            continue;
          }
          std::map<std::string, double> st;
          for (const auto& timing : a.timings()) st[timing.stage()] = timing.millis();
          std::lock_guard<std::mutex> lock(mu);
          latency.push_back(ms);
          for (const auto& [k, v] : st) stages[k].push_back(v);
          own.push_back(st["total"] - st["analyze"] - st["fusion"] - st["temporal"] - st["store"]);
        }
      });
    }
    for (auto& th : threads) th.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%5d %9.1f %9.2f %9.2f | %8.2f %8.2f %8.2f %8.2f %8.2f | %10.3f %10.3f%s\n",
                concurrency, latency.size() / secs, Percentile(latency, 0.5), Percentile(latency, 0.99),
                Percentile(stages["text"], 0.5), Percentile(stages["fusion"], 0.5), Percentile(stages["temporal"], 0.5),
                Percentile(stages["store"], 0.5), Percentile(stages["total"], 0.5), Percentile(own, 0.5), Percentile(own, 0.99),
                failures ? (" failures: " + std::to_string(failures.load())).c_str() : "");
  }
  std::printf("stage columns are p50 ms inside the orchestrator; own = total - analyze - fusion - "
              "temporal - store\n");
  Ctl(run, "down");
  fs::remove_all(run);
  return 0;
}
