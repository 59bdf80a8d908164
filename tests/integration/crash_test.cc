// Crash safety: the orchestrator killed with SIGKILL at random points while four clients write
// assessments, then restarted (`burnoutctl up` restarts what is down), over and over. Each
// client retries a failed request with the same request_id until it is acknowledged. After
// the loop: every acknowledged assessment is stored exactly once under the id it was
// acknowledged with, a retry of any of them returns that stored result, and (SQLite)
// `PRAGMA integrity_check` is ok. Against SQLite and against PostgreSQL (skipped without it).
//
// BURNOUT_CRASH_KILLS sets the number of kills per store (default 12 in the suite):
//   BURNOUT_CRASH_KILLS=200 ./build/bin/crash_test
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "common/auth/token.h"
#include "common/grpc/channel.h"

namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

int ReadInt(const fs::path& p) {
  int v = 0;
  std::ifstream(p) >> v;
  return v;
}

class CrashTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    run_ = fs::temp_directory_path() / ("crash_test_" + GetParam() + "_" + std::to_string(::getpid()));
    fs::remove_all(run_);
    fs::create_directories(run_);
    store_ = GetParam() == "postgres" ? " --store postgres" : "";
    if (Ctl("up --base_port 0" + store_) != 0) {
      if (GetParam() == "postgres") GTEST_SKIP() << "no local PostgreSQL: " << Slurp(run_ / "ctl.err");
      FAIL() << Slurp(run_ / "ctl.err");
    }
  }
  void TearDown() override {
    Ctl("down");
    fs::remove_all(run_);
  }

  int Ctl(const std::string& args) {
    const std::string cmd = std::string(BURNOUT_BIN_DIR) + "/burnoutctl --config config/stack.textproto --run_dir " +
                            run_.string() + " " + args + " >" + (run_ / "ctl.out").string() + " 2>" +
                            (run_ / "ctl.err").string();
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }
  static std::string Slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::unique_ptr<burnout::v1::BurnoutRisk::Stub> Stub() {
    // The orchestrator comes back on its old port.
    return burnout::v1::BurnoutRisk::NewStub(burnout::grpcx::MakeChannel(
        "127.0.0.1:" + std::to_string(ReadInt(run_ / "orchestrator.port")), 0));
  }
  grpc::Status Assess(burnout::v1::BurnoutRisk::Stub* stub, const std::string& user,
                      const std::string& request_id, burnout::v1::Assessment* out) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    ctx.AddMetadata("authorization", "Bearer " + *burnout::auth::LocalToken(run_.string(), user));
    burnout::v1::AssessRequest req;
    req.set_user_id(user);
    req.set_request_id(request_id);
    req.set_text("entry " + request_id + ": a long day, the deadlines keep moving and I am tired");
    return stub->Assess(&ctx, req, out);
  }

  fs::path run_;
  std::string store_;  // `up` restarts what is down with the same store
};

TEST_P(CrashTest, KilledAtRandomUnderWriteLoadLosesNothingAndStoresEachOnce) {
  const char* env = std::getenv("BURNOUT_CRASH_KILLS");
  const int kills = env ? std::atoi(env) : 12;
  constexpr int kWriters = 4;
  std::mutex mu;
  std::map<std::pair<std::string, std::string>, std::string> acked;  // (user, request) -> id
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, replayed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      const std::string user = "crash-" + std::to_string(w);
      auto stub = Stub();
      for (int i = 0; !stop; ++i) {
        const std::string request = "r" + std::to_string(i);
        // Retried with the same request_id until acknowledged (or the loop ends).
        while (!stop) {
          burnout::v1::Assessment a;
          const grpc::Status s = Assess(stub.get(), user, request, &a);
          if (s.ok()) {
            replayed += a.replayed();
            std::lock_guard<std::mutex> lock(mu);
            acked[{user, request}] = a.assessment_id();
            break;
          }
          ++failures;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    });
  }
  std::mt19937 rng(20261207);
  std::uniform_int_distribution<int> pause_ms(30, 600);
  const auto start = Steady::now();
  for (int k = 0; k < kills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    const int pid = ReadInt(run_ / "orchestrator.pid");
    ASSERT_GT(pid, 0);
    ASSERT_EQ(kill(pid, SIGKILL), 0);
    for (int i = 0; i < 500 && kill(pid, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ASSERT_EQ(Ctl("up" + store_), 0) << "restart " << k << ": " << Slurp(run_ / "ctl.err");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // in-flight retries land
  stop = true;
  for (auto& t : writers) t.join();
  const double seconds = std::chrono::duration<double>(Steady::now() - start).count();
  std::printf("%s: %d kills in %.0f s, %zu acknowledged, %d failed attempts retried, %d retries "
              "answered with the stored result\n",
              GetParam().c_str(), kills, seconds, acked.size(), failures.load(), replayed.load());
  ASSERT_GT(acked.size(), static_cast<size_t>(kills));

  // Every acknowledged assessment is stored once, under its acknowledged id.
  auto stub = Stub();
  for (int w = 0; w < kWriters; ++w) {
    const std::string user = "crash-" + std::to_string(w);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + *burnout::auth::LocalToken(run_.string(), user));
    burnout::v1::HistoryRequest req;
    req.set_user_id(user);
    req.set_limit(1000);
    burnout::v1::HistoryResponse h;
    ASSERT_TRUE(stub->GetHistory(&ctx, req, &h).ok());
    std::map<std::string, int> per_request;
    std::map<std::string, std::string> id_of;
    for (const auto& a : h.assessments()) {
      ++per_request[a.request_id()];
      id_of[a.request_id()] = a.assessment_id();
    }
    for (const auto& [request, n] : per_request) EXPECT_EQ(n, 1) << user << " " << request;
    for (const auto& [key, id] : acked) {
      if (key.first != user) continue;
      ASSERT_TRUE(id_of.count(key.second)) << "acknowledged but lost: " << user << " " << key.second;
      EXPECT_EQ(id_of[key.second], id) << user << " " << key.second;
    }
  }
  // A retry of an acknowledged request returns the stored result.
  int checked = 0;
  for (const auto& [key, id] : acked) {
    if (checked++ % 7 != 0) continue;
    burnout::v1::Assessment a;
    ASSERT_TRUE(Assess(stub.get(), key.first, key.second, &a).ok());
    EXPECT_TRUE(a.replayed());
    EXPECT_EQ(a.assessment_id(), id);
  }
  if (GetParam() == "sqlite") {
    ASSERT_EQ(Ctl("down"), 0);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2((run_ / "burnout.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, CrashTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
