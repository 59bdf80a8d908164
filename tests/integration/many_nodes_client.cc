// The many-nodes test's client (many_nodes_test.sh): a bounded load of assessments (text and a
// face photo) through a round_robin channel over every orchestrator address, with gRPC's retry
// policy (service config) retrying UNAVAILABLE on another orchestrator and a request_id per
// assessment, so a retry of an acknowledged-but-unanswered call returns the stored one.
//
//   many_nodes_client TARGET ISSUER_RUN_DIR IMAGE REQUESTS CONCURRENCY PROGRESS_FILE OUT_FILE
//
// Writes the number done to PROGRESS_FILE as it goes, and one line per request to OUT_FILE:
// "<i> <request_id> <ok|code> <face used 0/1> <face mask reason>". Exit 0 when it ran.
#include <atomic>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "common/auth/token.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: many_nodes_client TARGET RUN_DIR IMAGE REQUESTS CONCURRENCY PROGRESS OUT\n");
    return 2;
  }
  const std::string target = argv[1], run = argv[2], image_path = argv[3];
  const int requests = std::atoi(argv[4]), concurrency = std::atoi(argv[5]);
  const std::string progress = argv[6], out_path = argv[7];
  std::ifstream in(image_path, std::ios::binary);
  std::stringstream image;
  image << in.rdbuf();
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(R"({
    "loadBalancingConfig": [{"round_robin": {}}],
    "methodConfig": [{
      "name": [{"service": "burnout.v1.BurnoutRisk"}],
      "retryPolicy": {"maxAttempts": 5, "initialBackoff": "0.2s", "maxBackoff": "1s",
                      "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE"]}
    }]})");
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetMaxReceiveMessageSize(64 << 20);
  auto stub = burnout::v1::BurnoutRisk::NewStub(
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  std::atomic<int> next{0}, done{0};
  std::mutex mu;
  std::ofstream out(out_path);
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      for (int i; (i = next++) < requests;) {
        const std::string user = "node-user-" + std::to_string(t);
        const std::string request_id = "load-" + std::to_string(i);
        burnout::v1::AssessRequest req;
        req.set_user_id(user);
        req.set_request_id(request_id);
        req.set_text("Another long day; the deadlines keep coming and I am tired.");
        req.mutable_image()->set_data(image.str());
        burnout::v1::Assessment a;
        grpc::Status s;
        // The service config retries what never reached a server; a call cut off mid-way is
        // retried here with the same request_id (idempotent), as a client should.
        for (int attempt = 0; attempt < 5; ++attempt) {
          grpc::ClientContext ctx;
          ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
          ctx.AddMetadata("authorization",
                          "Bearer " + burnout::auth::LocalToken(run, user).value_or(""));
          s = stub->Assess(&ctx, req, &a);
          if (s.error_code() != grpc::StatusCode::UNAVAILABLE) break;
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
        }
        bool face_used = false;
        std::string reason = "-";
        for (const auto& m : a.modalities()) {
          if (m.modality() == burnout::v1::MODALITY_FACE) {
            face_used = m.used();
            if (!m.used()) reason = m.mask_reason();
          }
        }
        for (auto& c : reason) if (c == ' ' || c == '\n') c = '_';
        {
          std::lock_guard<std::mutex> lock(mu);
          out << i << " " << request_id << " " << (s.ok() ? "ok" : std::to_string(s.error_code()))
              << " " << face_used << " " << reason << "\n";
          out.flush();
        }
        std::ofstream(progress) << ++done << "\n";
      }
    });
  }
  for (auto& t : threads) t.join();
  return 0;
}
