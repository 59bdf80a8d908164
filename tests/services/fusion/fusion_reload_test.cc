// The burnout-fusion process switching between fusion variants by hot reload: a model
// repository whose version 1 is attention fusion gets a version 2 of another variant (gated),
// the service is sent SIGHUP while a client keeps calling, and not one call fails.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "burnout/v1/fusion.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/fusion/fusion_trainer.h"
#include "tests/services/fusion/fusion_test_inputs.h"
#include "tests/services/fusion/fusion_test_voice.h"
#include "tests/testing/service_process.h"
#include "tests/testing/temp_dir.h"

namespace burnout::fusion {
namespace {

namespace fs = std::filesystem;

void Train(FusionVariant v, const std::string& version, const fs::path& out) {
  FusionTrainOptions o = SyntheticTraining(out.string(), 400, 1);
  o.variant = v;
  o.version = version;
  o.mc_samples = 2;
  auto r = TrainFusion(o);
  ASSERT_TRUE(r.ok()) << r.status();
}

struct FusionProcess : testutil::ServiceProcess {
  std::unique_ptr<burnout::v1::Fusion::Stub> stub;
  burnout::v1::FuseResponse Fuse(grpc::Status* status) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    burnout::v1::FuseResponse out;
    *status = stub->Fuse(&ctx, ClearHighRiskRequest(), &out);
    return out;
  }
};

void Start(const fs::path& dir, const fs::path& repo, FusionProcess* p) {
  const fs::path config = dir / "fusion.textproto";
  std::ofstream(config) << "server { listen: \"127.0.0.1:0\" model_poll_ms: -1 torch_threads: 1 }\n"
                        << "model_dir: \"" << repo.string() << "\"\nmc_samples: 4\n";
  ASSERT_GT(p->Start("burnout-fusion", "--config " + config.string(), dir / "fusion.port", dir / "fusion.log"), 0);
  p->stub = burnout::v1::Fusion::NewStub(p->WaitReady("burnout.v1.Fusion"));
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
  ASSERT_TRUE(s.ok()) << s.error_message() << p.Log();
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
  EXPECT_TRUE(switched) << p.Log();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(answered.load(), 0);
  auto after = p.Fuse(&s);
  EXPECT_EQ(after.model().name(), "fusion-gated");
  EXPECT_EQ(after.attention_size(), 3);
}

}  // namespace
}  // namespace burnout::fusion
