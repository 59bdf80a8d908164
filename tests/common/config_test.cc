#include "common/config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "burnout/v1/config.pb.h"

namespace burnout::config {
namespace {

TEST(ConfigTest, ParsesKnownKeys) {
  v1::TextServiceConfig c;
  ASSERT_TRUE(ParseTextProto("server { listen: \"127.0.0.1:1\" } max_text_bytes: 10", "t", &c).ok());
  EXPECT_EQ(c.server().listen(), "127.0.0.1:1");
  EXPECT_EQ(c.max_text_bytes(), 10);
}

TEST(ConfigTest, UnknownKeyIsAnErrorNamingKeyAndLine) {
  v1::TextServiceConfig c;
  auto s = ParseTextProto("server {}\nmax_text_byte: 10\n", "text.textproto", &c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("text.textproto"), std::string::npos) << s;
  EXPECT_NE(s.message().find("max_text_byte"), std::string::npos) << s;
  EXPECT_NE(s.message().find("line 2"), std::string::npos) << s;
}

TEST(ConfigTest, BadValueIsAnError) {
  v1::TextServiceConfig c;
  auto s = ParseTextProto("max_text_bytes: \"lots\"", "x", &c);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("max_text_bytes"), std::string::npos) << s;
}

TEST(ConfigTest, MissingFileNamesThePath) {
  v1::TextServiceConfig c;
  auto s = LoadTextProto("/nonexistent/dir/text.textproto", &c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_NE(s.message().find("/nonexistent/dir/text.textproto"), std::string::npos);
}

TEST(ConfigTest, ShippedConfigsParse) {
  v1::TextServiceConfig t;
  v1::VoiceServiceConfig v;
  v1::FaceServiceConfig fa;
  v1::FusionServiceConfig f;
  v1::TemporalServiceConfig g;
  v1::OrchestratorConfig o;
  v1::StackConfig s;
  EXPECT_TRUE(LoadTextProto("config/text.textproto", &t).ok());
  EXPECT_TRUE(LoadTextProto("config/voice.textproto", &v).ok());
  EXPECT_TRUE(LoadTextProto("config/face.textproto", &fa).ok());
  EXPECT_TRUE(LoadTextProto("config/fusion.textproto", &f).ok());
  EXPECT_TRUE(LoadTextProto("config/temporal.textproto", &g).ok());
  EXPECT_TRUE(LoadTextProto("config/orchestrator.textproto", &o).ok());
  EXPECT_TRUE(LoadTextProto("config/stack.textproto", &s).ok());
  EXPECT_EQ(s.services_size(), 7);  // six gRPC services, then burnout-web
}

TEST(ConfigTest, ResolvesRelativePaths) {
  EXPECT_EQ(ResolveRelativeTo("config/text.textproto", "../models/x"), "models/x");
  EXPECT_EQ(ResolveRelativeTo("config/text.textproto", "/abs/x"), "/abs/x");
  EXPECT_EQ(ResolveRelativeTo("config/text.textproto", ""), "");
}

}  // namespace
}  // namespace burnout::config
