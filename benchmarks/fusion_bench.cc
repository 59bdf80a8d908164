// Fusion variants through the fusion service: for each model directory (default: every
// models/fusion-*/ in the source tree, newest version), a FusionService behind a gRPC server on
// 127.0.0.1 (one executor thread, torch_threads 1), and a client calling Fuse one request at a
// time (batch 1) with all three modalities: p50 / p99 of the client's wall time and of the
// model's own stage, with mc_samples 1 and the service default 20. Ratios to attention are
// printed because this machine is shared and noisy.
//
//   fusion_bench [calls=400] [model_dir ...]
#include <ATen/Parallel.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/bench_util.h"
#include "burnout/v1/fusion.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/server.h"
#include "services/fusion/fusion_service.h"
#include "tests/services/fusion/fusion_test_inputs.h"

namespace {

namespace fs = std::filesystem;
using burnout::bench::Percentile;

struct Figures {
  std::string variant;
  double p50 = 0, p99 = 0, model_p50 = 0;
};

Figures Measure(burnout::v1::Fusion::Stub* stub, int calls, int mc) {
  const burnout::v1::FuseRequest base = burnout::fusion::ClearHighRiskRequest();
  std::vector<double> wall, model;
  Figures f;
  for (int i = 0; i < calls + 20; ++i) {
    burnout::v1::FuseRequest req = base;
    req.set_mc_samples(mc);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    burnout::v1::FuseResponse out;
    const auto start = std::chrono::steady_clock::now();
    const grpc::Status s = stub->Fuse(&ctx, req, &out);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (!s.ok()) {
      std::fprintf(stderr, "Fuse failed: %s\n", s.error_message().c_str());
      std::exit(1);
    }
    f.variant = out.variant();
    if (i < 20) continue;  // warm-up
    wall.push_back(ms);
    for (const auto& t : out.timings()) {
      if (t.stage() == "fusion_model") model.push_back(t.millis());
    }
  }
  f.p50 = Percentile(wall, 0.5);
  f.p99 = Percentile(wall, 0.99);
  f.model_p50 = Percentile(model, 0.5);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  at::set_num_threads(1);
  at::set_num_interop_threads(1);
  const int calls = argc > 1 ? std::max(10, std::atoi(argv[1])) : 400;
  std::vector<std::string> dirs;
  for (int i = 2; i < argc; ++i) dirs.push_back(argv[i]);
  if (dirs.empty()) {
    for (const auto& e : fs::directory_iterator(fs::path(BURNOUT_SOURCE_DIR) / "models")) {
      if (e.path().filename().string().rfind("fusion-", 0) == 0) dirs.push_back(e.path().string());
    }
    std::sort(dirs.begin(), dirs.end());
  }
  std::printf("%-16s %9s %9s %9s | %9s %9s %9s | %s\n", "variant", "p50 ms", "p99 ms", "model p50",
              "mc20 p50", "mc20 p99", "model p50", "mc20 p50 / attention");
  std::map<std::string, double> mc20;
  std::vector<std::pair<Figures, Figures>> rows;
  for (const auto& dir : dirs) {
    burnout::v1::FusionServiceConfig config;
    config.set_model_dir(dir);
    config.mutable_server()->set_listen("127.0.0.1:0");
    config.mutable_server()->set_worker_threads(1);
    config.mutable_server()->set_torch_threads(1);
    if (auto s = burnout::fusion::PrepareFusionConfig(&config); !s.ok()) {
      std::fprintf(stderr, "%s: %s\n", dir.c_str(), s.ToString().c_str());
      return 1;
    }
    burnout::fusion::FusionService service(config);
    if (auto s = service.LoadModel(); !s.ok()) {
      std::fprintf(stderr, "%s: %s\n", dir.c_str(), s.ToString().c_str());
      return 1;
    }
    auto server = burnout::grpcx::ServerHandle::Start(config.server(), {&service},
                                                      {burnout::fusion::kFusionReadiness});
    if (!server.ok()) {
      std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
      return 1;
    }
    (*server)->SetReady(burnout::fusion::kFusionReadiness, true);
    auto stub = burnout::v1::Fusion::NewStub(
        burnout::grpcx::MakeChannel("127.0.0.1:" + std::to_string((*server)->port()), 0));
    rows.emplace_back(Measure(stub.get(), calls, 1), Measure(stub.get(), calls, 20));
    mc20[rows.back().first.variant] = rows.back().second.p50;
  }
  for (const auto& [one, twenty] : rows) {
    const double base = mc20.count("attention") ? mc20["attention"] : 0;
    std::printf("%-16s %9.3f %9.3f %9.3f | %9.3f %9.3f %9.3f | %.2f\n", one.variant.c_str(), one.p50,
                one.p99, one.model_p50, twenty.p50, twenty.p99, twenty.model_p50,
                base > 0 ? twenty.p50 / base : 0.0);
  }
  std::printf("%d calls each, batch 1, all three modalities; client wall time through gRPC on loopback.\n", calls);
  return 0;
}
