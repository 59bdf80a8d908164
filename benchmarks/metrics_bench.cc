// What metrics cost: recording (the interceptor's Count + Observe per RPC, from 1 and 2
// threads) and a scrape (Render of a registry shaped like a busy orchestrator's), printed.
//
//   ./build/bin/metrics_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "common/grpc/metrics.h"

int main() {
  using burnout::grpcx::Metrics;
  using Clock = std::chrono::steady_clock;
  Metrics& m = Metrics::Get();
  const std::vector<std::string> methods = {
      "Assess", "GetHistory", "GetTrend", "Export", "DeleteUserData", "CheckIn", "GetCheckIns",
      "GetBaseline", "GetAlerts", "GetSummary", "GetOrgSummary", "SetGroup", "GetAuditLog",
      "StreamSession"};
  const std::vector<std::string> codes = {"OK", "INVALID_ARGUMENT", "UNAVAILABLE",
                                          "PERMISSION_DENIED", "UNAUTHENTICATED"};
  auto record = [&](int n, int offset) {
    for (int i = 0; i < n; ++i) {
      const std::string& method = methods[(i + offset) % methods.size()];
      m.Count("burnout_rpc_total", {{"service", "burnout.v1.BurnoutRisk"}, {"method", method},
                                    {"code", codes[i % codes.size()]}});
      m.Observe("burnout_rpc_duration_seconds",
                {{"service", "burnout.v1.BurnoutRisk"}, {"method", method}}, 0.001 * (i % 50),
                Metrics::LatencyBuckets());
    }
  };
  constexpr int kN = 200000;
  auto t0 = Clock::now();
  record(kN, 0);
  const double one = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / kN;
  t0 = Clock::now();
  std::thread a([&] { record(kN, 0); }), b([&] { record(kN, 7); });
  a.join();
  b.join();
  const double two = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / (2 * kN);
  std::string text;
  t0 = Clock::now();
  constexpr int kScrapes = 200;
  for (int i = 0; i < kScrapes; ++i) text = m.Render();
  const double scrape = std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / kScrapes;
  std::printf("recording one RPC (count + histogram): %.0f ns from 1 thread, %.0f ns each from 2\n",
              one, two);
  std::printf("a scrape of %zu series-lines (%zu bytes): %.0f us to render\n",
              static_cast<size_t>(std::count(text.begin(), text.end(), '\n')), text.size(), scrape);
  return 0;
}
