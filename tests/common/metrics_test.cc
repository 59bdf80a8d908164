// The metrics endpoint: a real server's RPCs counted by method and code, the exposition text
// parsed line by line, and /readyz following readiness.
#include "common/grpc/metrics.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "common/grpc/channel.h"
#include "common/grpc/health_client.h"
#include "common/grpc/server.h"
#include "common/grpc/logging.h"
#include "common/grpc/trace.h"
#include "spdlog/sinks/ostream_sink.h"
#include "spdlog/spdlog.h"

namespace burnout::grpcx {
namespace {

// name{labels} -> value, from the exposition text; fails the test on a malformed line.
std::map<std::string, double> Parse(const std::string& text) {
  static const std::regex kSample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$)");
  static const std::regex kComment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
  std::map<std::string, double> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_match(line, m, kComment)) continue;
    EXPECT_TRUE(std::regex_match(line, m, kSample)) << "not exposition format: " << line;
    if (m.size() == 4) out[m[1].str() + m[2].str()] = m[3] == "+Inf" ? 1e300 : std::stod(m[3]);
  }
  return out;
}

TEST(MetricsTest, ServesCountsAndLatenciesOfRealRpcsAndReadiness) {
  burnout::v1::ServerConfig config;
  config.set_listen("127.0.0.1:0");
  config.set_metrics_listen("127.0.0.1:0");
  auto handle = ServerHandle::Start(config, {}, {"metrics.test"});
  ASSERT_TRUE(handle.ok()) << handle.status();
  ASSERT_GT((*handle)->metrics_port(), 0);
  httplib::Client http("127.0.0.1", (*handle)->metrics_port());
  auto not_ready = http.Get("/readyz");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  (*handle)->SetReady("metrics.test", true);
  EXPECT_EQ(http.Get("/readyz")->status, 200);
  EXPECT_EQ(http.Get("/livez")->status, 200);

  auto channel = MakeChannel("127.0.0.1:" + std::to_string((*handle)->port()), 0);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(CheckHealth(channel, "metrics.test", std::chrono::seconds(5)).ok());
  }
  auto res = http.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  const auto samples = Parse(res->body);
  const std::string labels =
      R"({service="metrics.test",method="/grpc.health.v1.Health/Check")";
  const auto count = samples.find("burnout_rpc_total" + labels.substr(0, labels.size()) + R"(,code="OK"})");
  ASSERT_NE(count, samples.end()) << res->body;
  EXPECT_GE(count->second, 3);
  const double n = samples.at("burnout_rpc_duration_seconds_count" + labels + "}");
  EXPECT_GE(n, 3);
  EXPECT_EQ(samples.at("burnout_rpc_duration_seconds_bucket" + labels + R"(,le="+Inf"})"), n);
  EXPECT_LE(samples.at("burnout_rpc_duration_seconds_bucket" + labels + R"(,le="0.001"})"), n);
  EXPECT_GT(samples.at("burnout_rpc_duration_seconds_sum" + labels + "}"), 0);
}

TEST(MetricsTest, HistogramsAreCumulativeAndLabelsEscaped) {
  Metrics& m = Metrics::Get();
  m.Observe("test_seconds", {{"what", "a \"quoted\" \\ thing"}}, 0.003, Metrics::LatencyBuckets());
  m.Observe("test_seconds", {{"what", "a \"quoted\" \\ thing"}}, 20, Metrics::LatencyBuckets());
  m.Count("test_total", {}, 2);
  const auto samples = Parse(m.Render());
  const std::string l = R"(what="a \"quoted\" \\ thing")";
  EXPECT_EQ(samples.at("test_seconds_bucket{" + l + R"(,le="0.0025"})"), 0);
  EXPECT_EQ(samples.at("test_seconds_bucket{" + l + R"(,le="0.005"})"), 1);
  EXPECT_EQ(samples.at("test_seconds_bucket{" + l + R"(,le="10"})"), 1);
  EXPECT_EQ(samples.at("test_seconds_bucket{" + l + R"(,le="+Inf"})"), 2);
  EXPECT_EQ(samples.at("test_total"), 2);
}

// Threads recording while another scrapes (as gRPC's threads and /metrics do): nothing is
// lost, and (under deploy/sanitize.sh run tsan) no race.
TEST(MetricsTest, ConcurrentRecordingWhileScrapingLosesNothing) {
  Metrics& m = Metrics::Get();
  std::atomic<bool> done{false};
  std::thread scraper([&] {
    while (!done) (void)m.Render();
  });
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&m, t] {
      for (int i = 0; i < 2000; ++i) {
        m.Count("race_total", {{"writer", std::to_string(t % 2)}});
        m.Observe("race_seconds", {}, 0.001 * (i % 50), Metrics::LatencyBuckets());
        m.Set("race_gauge", {}, i);
      }
    });
  }
  for (auto& w : writers) w.join();
  done = true;
  scraper.join();
  const auto samples = Parse(m.Render());
  EXPECT_EQ(samples.at(R"(race_total{writer="0"})") + samples.at(R"(race_total{writer="1"})"), 8000);
  EXPECT_EQ(samples.at("race_seconds_count"), 8000);
}

TEST(TraceTest, ParsesW3cTraceparentAndRefusesTheRest) {
  std::string trace, parent;
  EXPECT_TRUE(ParseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", &trace, &parent));
  EXPECT_EQ(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parent, "00f067aa0ba902b7");
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e473x-00f067aa0ba902b7-01"}) {
    EXPECT_FALSE(ParseTraceparent(bad, &trace, &parent)) << bad;
  }
  const std::string t = NewTraceId(), s = NewSpanId();
  EXPECT_TRUE(ParseTraceparent("00-" + t + "-" + s + "-01", &trace, &parent)) << t << " " << s;
}

TEST(LoggingTest, JsonLinesKeepSpansAsObjectsAndEscapeTheRest) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("test", sink));
  setenv("BURNOUT_LOG_FORMAT", "json", 1);
  ASSERT_TRUE(InitLogging("burnout-test", "info").ok());
  spdlog::info("a \"quoted\" message\nwith a newline");
  spdlog::info("{\"span\":\"/x/Y\",\"trace_id\":\"abc\"}");
  unsetenv("BURNOUT_LOG_FORMAT");
  ASSERT_TRUE(InitLogging("burnout-test", "info").ok());
  spdlog::set_default_logger(previous);
  std::istringstream lines(out.str());
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_NE(first.find(R"("service":"burnout-test","level":"info","msg":"a \"quoted\" message\nwith a newline"})"),
            std::string::npos) << first;
  EXPECT_NE(second.find(R"("msg":{"span":"/x/Y","trace_id":"abc"}})"), std::string::npos) << second;
  EXPECT_EQ(first.rfind("{\"time\":\"", 0), 0u) << first;
}

TEST(MetricsTest, AnUnusableAddressIsAnError) {
  burnout::v1::ServerConfig config;
  config.set_listen("127.0.0.1:0");
  config.set_metrics_listen("not-an-address");
  EXPECT_EQ(ServerHandle::Start(config, {}, {"x"}).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace burnout::grpcx
