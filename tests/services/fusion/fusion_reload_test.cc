// The burnout-fusion process switching between fusion variants by hot reload: a model
// repository whose version 1 is attention fusion gets a version 2 of another variant (gated),
// the service is sent SIGHUP while a client keeps calling, and not one call fails.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "burnout/v1/fusion.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/health_client.h"
#include "gtest/gtest.h"
#include "services/fusion/fusion_trainer.h"
#include "tests/services/fusion/fusion_test_inputs.h"
#include "tests/services/fusion/fusion_test_voice.h"
#include "tests/testing/temp_dir.h"

namespace burnout::fusion {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void Train(FusionVariant v, const std::string& version, const fs::path& out) {
  FusionTrainOptions o;
  o.variant = v;
  o.version = version;
  o.voice_model = &SpecVoiceModel();
  o.face_outputs = &ShippedFaceOutputs();
  o.text_outputs = &ShippedTextOutputs();
  o.profiles = 400;
  o.epochs = 1;
  o.mc_samples = 2;
  o.out_dir = out.string();
  auto r = TrainFusion(o);
  ASSERT_TRUE(r.ok()) << r.status();
}

struct FusionProcess {
  pid_t pid = -1;
  fs::path log;
  std::unique_ptr<burnout::v1::Fusion::Stub> stub;
  ~FusionProcess() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      int status = 0;
      waitpid(pid, &status, 0);
    }
  }
  burnout::v1::FuseResponse Fuse(grpc::Status* status) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    burnout::v1::FuseResponse out;
    *status = stub->Fuse(&ctx, ClearHighRiskRequest(), &out);
    return out;
  }
};

void Start(const fs::path& dir, const fs::path& repo, FusionProcess* p) {
  const fs::path config = dir / "fusion.textproto", port_file = dir / "fusion.port";
  std::ofstream(config) << "server { listen: \"127.0.0.1:0\" model_poll_ms: -1 torch_threads: 1 }\n"
                        << "model_dir: \"" << repo.string() << "\"\nmc_samples: 4\n";
  p->log = dir / "fusion.log";
  const std::string cmd = std::string(BURNOUT_BIN_DIR) + "/burnout-fusion --config " + config.string() +
                          " --port_file " + port_file.string();
  p->pid = fork();
  if (p->pid == 0) {
    execl("/bin/sh", "sh", "-c", ("exec " + cmd + " >" + p->log.string() + " 2>&1").c_str(), nullptr);
    _exit(127);
  }
  int port = 0;
  for (int i = 0; i < 1500 && port == 0; ++i) {
    std::ifstream in(port_file);
    in >> port;
    if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_GT(port, 0) << Slurp(p->log);
  auto channel = grpcx::MakeChannel("127.0.0.1:" + std::to_string(port), 0);
  for (int i = 0; i < 500; ++i) {
    auto ready = grpcx::CheckHealth(channel, "burnout.v1.Fusion", std::chrono::seconds(2));
    if (ready.ok() && *ready == grpcx::Health::kServing) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  p->stub = burnout::v1::Fusion::NewStub(channel);
}

TEST(FusionReloadTest, SwitchesVariantOnSighupWithoutFailingARequest) {
  const fs::path dir = testutil::FreshPath("fusion_reload"), repo = dir / "fusion";
  fs::create_directories(dir);
  Train(FusionVariant::kAttention, "1", repo / "1");
  FusionProcess p;
  Start(dir, repo, &p);
  ASSERT_NE(p.stub, nullptr);
  grpc::Status s;
  auto first = p.Fuse(&s);
  ASSERT_TRUE(s.ok()) << s.error_message() << Slurp(p.log);
  EXPECT_EQ(first.variant(), "attention");
  EXPECT_EQ(first.model().version(), "1");

  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, answered{0};
  std::thread client([&] {
    while (!stop) {
      grpc::Status st;
      p.Fuse(&st);
      st.ok() ? ++answered : ++failed;
    }
  });
  Train(FusionVariant::kGated, "2", repo / "2");
  ASSERT_EQ(kill(p.pid, SIGHUP), 0);
  bool switched = false;
  for (int i = 0; i < 1000 && !switched; ++i) {
    auto r = p.Fuse(&s);
    if (!s.ok()) ++failed;
    switched = s.ok() && r.variant() == "gated" && r.model().version() == "2";
    if (!switched) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop = true;
  client.join();
  EXPECT_TRUE(switched) << Slurp(p.log);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(answered.load(), 0);
  auto after = p.Fuse(&s);
  EXPECT_EQ(after.model().name(), "fusion-gated");
  EXPECT_EQ(after.attention_size(), 3);
}

}  // namespace
}  // namespace burnout::fusion
