// The service adapters behind real gRPC servers on port 0, with the shipped models.
#include <gtest/gtest.h>

#include "burnout/v1/fusion.grpc.pb.h"
#include "burnout/v1/temporal.grpc.pb.h"
#include "burnout/v1/text.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/health_client.h"
#include "common/grpc/server.h"
#include "services/fusion/fusion_service.h"
#include "services/temporal/temporal_service.h"
#include "common/state/trend_features.h"
#include "services/text/text_service.h"

namespace burnout {
namespace {

template <typename Service>
struct Running {
  std::unique_ptr<grpcx::ServerHandle> handle;
  std::shared_ptr<grpc::Channel> channel;
};

template <typename Service>
Running<Service> Start(Service* service, const std::string& readiness) {
  v1::ServerConfig sc;
  sc.set_listen("127.0.0.1:0");
  auto h = grpcx::ServerHandle::Start(sc, {service}, {readiness});
  EXPECT_TRUE(h.ok()) << h.status();
  Running<Service> r;
  r.handle = std::move(*h);
  r.channel = grpcx::MakeChannel("127.0.0.1:" + std::to_string(r.handle->port()), 0);
  return r;
}

grpcx::Health Ready(const std::shared_ptr<grpc::Channel>& ch, const std::string& name) {
  auto h = grpcx::CheckHealth(ch, name, std::chrono::seconds(5));
  return h.ok() ? *h : grpcx::Health::kUnknown;
}

v1::TextServiceConfig TextConfig(const std::string& model_dir) {
  v1::TextServiceConfig c;
  c.set_model_dir(model_dir);
  c.set_max_text_bytes(1000);
  EXPECT_TRUE(text::PrepareTextConfig(&c).ok());
  return c;
}

grpc::Status Analyze(const std::shared_ptr<grpc::Channel>& ch, const std::string& text,
                     v1::ModalityResult* out) {
  auto stub = v1::TextAnalyzer::NewStub(ch);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::AnalyzeTextRequest req;
  req.set_text(text);
  return stub->Analyze(&ctx, req, out);
}

TEST(TextServiceTest, ReadyOnlyAfterLoadThenAnalyzes) {
  text::TextService service(TextConfig("models/text-emotion-goemotions/1"));
  auto r = Start(&service, text::kTextReadiness);
  EXPECT_EQ(Ready(r.channel, ""), grpcx::Health::kServing);
  EXPECT_EQ(Ready(r.channel, text::kTextReadiness), grpcx::Health::kNotServing);
  v1::ModalityResult out;
  EXPECT_EQ(Analyze(r.channel, "hello there", &out).error_code(), grpc::StatusCode::UNAVAILABLE);

  ASSERT_TRUE(service.LoadModel().ok());
  r.handle->SetReady(text::kTextReadiness, true);
  EXPECT_EQ(Ready(r.channel, text::kTextReadiness), grpcx::Health::kServing);
  grpc::Status s = Analyze(r.channel, "I am so happy and grateful today", &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.modality(), v1::MODALITY_TEXT);
  EXPECT_EQ(out.emotions_size(), 7);
  EXPECT_EQ(out.model().name(), "text-emotion-goemotions");
}

TEST(TextServiceTest, BadInputGetsPreciseStatus) {
  text::TextService service(TextConfig("models/text-emotion-goemotions/1"));
  ASSERT_TRUE(service.LoadModel().ok());
  auto r = Start(&service, text::kTextReadiness);
  v1::ModalityResult out;
  grpc::Status s = Analyze(r.channel, "", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = Analyze(r.channel, "caf\xc3", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("UTF-8"), std::string::npos) << s.error_message();
  s = Analyze(r.channel, std::string(1001, 'x'), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("max_text_bytes"), std::string::npos) << s.error_message();
}

TEST(TextServiceTest, MissingModelIsAliveNotReadyAndSaysWhy) {
  text::TextService service(TextConfig("/nonexistent/model/dir"));
  EXPECT_FALSE(service.LoadModel().ok());
  auto r = Start(&service, text::kTextReadiness);
  EXPECT_EQ(Ready(r.channel, ""), grpcx::Health::kServing);
  EXPECT_EQ(Ready(r.channel, text::kTextReadiness), grpcx::Health::kNotServing);
  v1::ModalityResult out;
  grpc::Status s = Analyze(r.channel, "hello", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(s.error_message().find("/nonexistent/model/dir"), std::string::npos) << s.error_message();
}

TEST(TextServiceTest, ConfigRangesAreChecked) {
  v1::TextServiceConfig c;
  c.set_model_dir("x");
  c.set_evidence_per_label(500);
  auto s = text::PrepareTextConfig(&c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("evidence_per_label"), std::string::npos);
  c.set_evidence_per_label(0);
  c.mutable_server()->set_worker_threads(-1);
  EXPECT_NE(text::PrepareTextConfig(&c).message().find("server.worker_threads"), std::string::npos)
      << "the server block is range-checked too";
}

TEST(FusionServiceTest, FusesARealTextResultAndRejectsForeignLabels) {
  text::TextService text_service(TextConfig("models/text-emotion-goemotions/1"));
  ASSERT_TRUE(text_service.LoadModel().ok());
  auto text_server = Start(&text_service, text::kTextReadiness);
  v1::FuseRequest req;
  ASSERT_TRUE(Analyze(text_server.channel, "I am exhausted and drained, nothing works",
                      req.mutable_text()).ok());

  v1::FusionServiceConfig fc;
  fc.set_model_dir("models/fusion-attention/1");
  ASSERT_TRUE(fusion::PrepareFusionConfig(&fc).ok());
  fusion::FusionService service(fc);
  ASSERT_TRUE(service.LoadModel().ok());
  auto r = Start(&service, fusion::kFusionReadiness);
  auto stub = v1::Fusion::NewStub(r.channel);
  {
    grpc::ClientContext ctx;
    v1::FuseResponse out;
    grpc::Status s = stub->Fuse(&ctx, req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_NE(out.level(), v1::RISK_LEVEL_UNSPECIFIED);
    ASSERT_EQ(out.attention_size(), 3);
    for (const auto& w : out.attention()) {
      EXPECT_FLOAT_EQ(w.weight(), w.modality() == v1::MODALITY_TEXT ? 1.0f : 0.0f);
    }
  }
  {
    req.mutable_text()->mutable_emotions(0)->set_label("contempt");
    grpc::ClientContext ctx;
    v1::FuseResponse out;
    grpc::Status s = stub->Fuse(&ctx, req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_NE(s.error_message().find("contempt"), std::string::npos) << s.error_message();
  }
}

TEST(TemporalServiceTest, PredictsOverARealServer) {
  v1::TemporalServiceConfig tc;
  tc.set_model_dir("models/temporal-gru/2");
  ASSERT_TRUE(temporal::PrepareTemporalConfig(&tc).ok());
  temporal::TemporalService service(tc);
  ASSERT_TRUE(service.LoadModel().ok());
  auto r = Start(&service, temporal::kTemporalReadiness);
  auto stub = v1::Temporal::NewStub(r.channel);
  v1::TrendRequest req;
  for (const char* n : {"energy", "stress", "work", "risk", "anger", "disgust", "fear", "joy",
                        "neutral", "sadness", "gap_days"}) {
    req.add_feature_names(n);
  }
  for (int i = 0; i < 8; ++i) {
    const float x = i / 7.0f;  // energy falls, stress and risk rise, over four weeks
    auto* s = req.add_steps();
    for (float v : {0.8f - 0.6f * x, 0.2f + 0.6f * x, 0.7f - 0.4f * x, 0.1f + 0.8f * x, 0.05f,
                    0.02f, 0.1f + 0.2f * x, 0.4f - 0.35f * x, 0.3f, 0.1f + 0.3f * x,
                    i > 0 ? static_cast<float>(temporal::EncodeGapDays(4.0)) : 0.0f}) {
      s->add_values(v);
    }
  }
  grpc::ClientContext ctx;
  v1::TrendResponse out;
  grpc::Status s = stub->Predict(&ctx, req, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.trend(), v1::TREND_WORSENING);
  EXPECT_EQ(out.steps_used(), 8);
  req.set_feature_names(0, "vigour");
  grpc::ClientContext ctx2;
  s = stub->Predict(&ctx2, req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("vigour"), std::string::npos) << s.error_message();
}

}  // namespace
}  // namespace burnout
