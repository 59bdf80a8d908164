// The voice analyzer behind a real gRPC server on port 0, with the shipped model: unary
// Analyze, AnalyzeStream, and what bad input and bad clients get.
#include "services/voice/voice_service.h"

#include <chrono>
#include <map>
#include <thread>

#include "burnout/v1/voice.grpc.pb.h"
#include "common/config/config.h"
#include "common/grpc/channel.h"
#include "common/grpc/health_client.h"
#include "common/grpc/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/running_analyzer.h"
#include "services/voice/espeak.h"
#include "tests/services/voice/wav_util.h"

namespace burnout::voice {
namespace {

using ::testing::HasSubstr;
using Stream = grpc::ClientReaderWriter<v1::AudioStreamRequest, v1::VoiceWindowResult>;

v1::VoiceServiceConfig Config() {
  v1::VoiceServiceConfig c;
  c.set_model_dir("models/voice-acoustic/1");
  c.set_max_audio_bytes(2 << 20);
  c.set_max_chunk_bytes(64 << 10);
  c.set_stream_idle_timeout_ms(10000);
  EXPECT_TRUE(PrepareVoiceConfig(&c).ok());
  return c;
}

struct Running : testutil::RunningAnalyzer<VoiceService, v1::VoiceAnalyzer,
                                                v1::AudioStreamRequest, v1::VoiceWindowResult> {
  explicit Running(const v1::VoiceServiceConfig& config, bool load = true)
      : RunningAnalyzer(config, kVoiceReadiness, load) {}
};

grpc::Status Analyze(Running& r, const std::string& audio, v1::ModalityResult* out) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::AnalyzeAudioRequest req;
  req.set_audio(audio);
  req.set_filename("clip.wav");
  return r.stub->Analyze(&ctx, req, out);
}

std::map<std::string, double> Indicators(const v1::ModalityResult& r) {
  std::map<std::string, double> m;
  for (const auto& i : r.indicators()) m[i.name()] = i.value();
  return m;
}

v1::AudioStreamRequest Open(int window_ms, int hop_ms, int rate = 16000,
                            v1::AudioEncoding enc = v1::AUDIO_ENCODING_PCM_S16LE) {
  v1::AudioStreamRequest r;
  auto* f = r.mutable_open()->mutable_format();
  f->set_encoding(enc);
  f->set_sample_rate(rate);
  f->set_channels(1);
  r.mutable_open()->set_window_ms(window_ms);
  r.mutable_open()->set_hop_ms(hop_ms);
  return r;
}

v1::AudioStreamRequest Chunk(std::string pcm) {
  v1::AudioStreamRequest r;
  r.mutable_chunk()->set_pcm(std::move(pcm));
  return r;
}


std::vector<v1::AudioStreamRequest> Chunked(const std::vector<float>& samples, int chunk_samples) {
  std::vector<v1::AudioStreamRequest> out;
  for (size_t i = 0; i < samples.size(); i += chunk_samples) {
    std::vector<float> part(samples.begin() + i,
                            samples.begin() + std::min(samples.size(), i + chunk_samples));
    out.push_back(Chunk(testutil::PcmS16(part)));
  }
  return out;
}

TEST(VoiceServiceTest, ShippedConfigIsValid) {
  v1::VoiceServiceConfig c;
  ASSERT_TRUE(config::LoadTextProto("config/voice.textproto", &c).ok());
  auto s = PrepareVoiceConfig(&c);
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_EQ(c.stream_window_ms(), 3000);
  c.set_stream_hop_ms(5000);
  EXPECT_THAT(std::string(PrepareVoiceConfig(&c).message()), HasSubstr("stream_hop_ms"));
}

TEST(VoiceServiceTest, AnalyzesAStereo44kWav) {
  Running r(Config());
  // A 3 s vowel at 44.1 kHz in both channels.
  auto mono = testutil::Vowel(180, 3.0, 44100, 2.0, 4.0);
  std::vector<float> stereo;
  for (float s : mono) {
    stereo.push_back(s);
    stereo.push_back(s);
  }
  v1::ModalityResult out;
  auto s = Analyze(r, testutil::Wav16(stereo, 44100, 2), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.modality(), v1::MODALITY_VOICE);
  ASSERT_EQ(out.emotions_size(), 4);
  auto ind = Indicators(out);
  EXPECT_NEAR(ind["f0_mean_hz"], 180, 12);
  EXPECT_EQ(ind["source_sample_rate_hz"], 44100);
  EXPECT_EQ(ind["source_channels"], 2);
  EXPECT_NEAR(ind["duration_s"], 3.0, 0.05);
  std::vector<std::string> stages;
  for (const auto& t : out.timings()) stages.push_back(t.stage());
  EXPECT_THAT(stages, ::testing::IsSupersetOf({"decode", "acoustics", "emotion"}));
  EXPECT_EQ(out.model().name(), "voice-acoustic");
}

TEST(VoiceServiceTest, SilenceIsLowQualityNotAnError) {
  Running r(Config());
  v1::ModalityResult out;
  auto s = Analyze(r, testutil::Wav16(std::vector<float>(32000, 0.0f), 16000), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_LE(out.quality(), 0.05f);
  EXPECT_THAT(out.quality_issues(), ::testing::Contains(HasSubstr("silent")));
  for (const auto& e : out.emotions()) EXPECT_NEAR(e.probability(), 0.25, 0.02);
}

TEST(VoiceServiceTest, BadInputGetsPreciseStatus) {
  Running r(Config());
  v1::ModalityResult out;
  auto empty = Analyze(r, "", &out);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(empty.error_message(), HasSubstr("empty"));
  auto mp3 = Analyze(r, std::string("ID3\x03\x00\x00\x00\x00\x00\x21", 10) + std::string(400, 'x'), &out);
  EXPECT_EQ(mp3.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(mp3.error_message(), HasSubstr("clip.wav"));
  EXPECT_THAT(mp3.error_message(), HasSubstr("MP3"));
  auto header_only = Analyze(r, testutil::Wav16({}, 16000), &out);
  EXPECT_EQ(header_only.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  auto huge = Analyze(r, std::string((2 << 20) + 1, 'R'), &out);
  EXPECT_EQ(huge.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(huge.error_message(), HasSubstr("max_audio_bytes"));
}

TEST(VoiceServiceTest, NotReadyWithoutModel) {
  auto c = Config();
  c.set_model_dir("models/no-such-voice-model/1");
  Running r(c, /*load=*/false);
  EXPECT_FALSE(r.service.LoadModel().ok());
  v1::ModalityResult out;
  auto s = Analyze(r, testutil::Wav16(testutil::Vowel(150, 1.0), 16000), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(s.error_message(), HasSubstr("no-such-voice-model"));
}

TEST(VoiceServiceTest, StreamGivesAResultPerHopAndAFinalOne) {
  Running r(Config());
  auto audio = testutil::Vowel(160, 4.0, 16000, 2.0, 4.0);
  std::vector<v1::AudioStreamRequest> reqs = {Open(1000, 500)};
  for (auto& c : Chunked(audio, 1600)) reqs.push_back(std::move(c));
  std::vector<v1::VoiceWindowResult> results;
  auto s = r.RunStream(reqs, &results);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_GE(results.size(), 2u);
  EXPECT_TRUE(results.back().final());
  EXPECT_NEAR(results.back().window_end_s(), 4.0, 1e-6);
  EXPECT_NEAR(results.back().window_start_s(), 3.0, 1e-6);
  // Windows due at 1.0, 1.5, ... 4.0 s: 7; each was analysed or counted as skipped.
  const auto& last_window = results[results.size() - 2];
  EXPECT_EQ(static_cast<int64_t>(results.size() - 1) + results.back().windows_skipped(), 7);
  double previous_end = 0;
  for (const auto& res : results) {
    EXPECT_GE(res.window_end_s(), previous_end);
    previous_end = res.window_end_s();
    EXPECT_EQ(res.result().modality(), v1::MODALITY_VOICE);
    EXPECT_NEAR(res.window_end_s() - res.window_start_s(), 1.0, 1e-6);
  }
  EXPECT_FALSE(last_window.final());
  EXPECT_NEAR(Indicators(results.back().result())["f0_mean_hz"], 160, 12);
}

TEST(VoiceServiceTest, StreamResamplesItsInput) {
  Running r(Config());
  auto audio = testutil::Vowel(200, 2.0, 48000);
  std::vector<v1::AudioStreamRequest> reqs = {Open(1000, 1000, 48000)};
  for (auto& c : Chunked(audio, 4800)) reqs.push_back(std::move(c));
  std::vector<v1::VoiceWindowResult> results;
  auto s = r.RunStream(reqs, &results);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(results.empty());
  EXPECT_NEAR(results.back().window_end_s(), 2.0, 1e-3);
  EXPECT_NEAR(Indicators(results.back().result())["f0_mean_hz"], 200, 10);
}

TEST(VoiceServiceTest, StreamErrorsArePrecise) {
  Running r(Config());
  auto pcm = testutil::PcmS16(testutil::Vowel(150, 0.2));
  struct Case {
    std::vector<v1::AudioStreamRequest> requests;
    grpc::StatusCode code;
    std::string phrase;
  };
  auto changed = Chunk(pcm);
  changed.mutable_chunk()->mutable_format()->set_encoding(v1::AUDIO_ENCODING_PCM_S16LE);
  changed.mutable_chunk()->mutable_format()->set_sample_rate(44100);
  changed.mutable_chunk()->mutable_format()->set_channels(1);
  auto bad_rate = Open(1000, 500);
  bad_rate.mutable_open()->mutable_format()->set_sample_rate(3);
  std::vector<Case> cases = {
      {{Chunk(pcm)}, grpc::StatusCode::FAILED_PRECONDITION, "first message must be `open`"},
      {{Open(1000, 500), Open(1000, 500)}, grpc::StatusCode::FAILED_PRECONDITION, "only be sent once"},
      {{Open(1000, 500), Chunk(pcm), changed}, grpc::StatusCode::INVALID_ARGUMENT,
       "format changed mid-stream: opened as s16le 16000 Hz 1 ch, chunk says s16le 44100 Hz 1 ch"},
      {{Open(1000, 500), Chunk(std::string(70000, '\0'))}, grpc::StatusCode::INVALID_ARGUMENT,
       "exceeds max_chunk_bytes"},
      {{Open(1000, 500), Chunk(std::string(3, '\0'))}, grpc::StatusCode::INVALID_ARGUMENT, "frame"},
      {{Open(100, 50)}, grpc::StatusCode::INVALID_ARGUMENT, "window_ms 100"},
      {{Open(1000, 2000)}, grpc::StatusCode::INVALID_ARGUMENT, "hop_ms 2000"},
      {{bad_rate}, grpc::StatusCode::INVALID_ARGUMENT, "3"},
      {{Open(1000, 500, 16000, v1::AUDIO_ENCODING_UNSPECIFIED)}, grpc::StatusCode::INVALID_ARGUMENT,
       "PCM_S16LE or PCM_F32LE"},
      {{Open(1000, 500)}, grpc::StatusCode::INVALID_ARGUMENT, "no audio was sent"},
      {{}, grpc::StatusCode::INVALID_ARGUMENT, "closed before `open`"},
  };
  for (const auto& c : cases) {
    std::vector<v1::VoiceWindowResult> results;
    auto s = r.RunStream(c.requests, &results);
    EXPECT_EQ(s.error_code(), c.code) << c.phrase << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(c.phrase));
  }
}

TEST(VoiceServiceTest, NaNSamplesEndTheStream) {
  Running r(Config());
  std::string pcm(400 * 4, '\0');
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(pcm.data() + 40, &nan, 4);
  std::vector<v1::VoiceWindowResult> results;
  auto s = r.RunStream({Open(1000, 500, 16000, v1::AUDIO_ENCODING_PCM_F32LE), Chunk(pcm)}, &results);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("NaN"));
}

TEST(VoiceServiceTest, AnIdleStreamEnds) {
  auto c = Config();
  c.set_stream_idle_timeout_ms(300);
  Running r(c);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto stream = r.stub->AnalyzeStream(&ctx);
  ASSERT_TRUE(stream->Write(Open(1000, 500)));
  v1::VoiceWindowResult res;
  EXPECT_FALSE(stream->Read(&res));
  auto s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // The server's timeout, not the client's 20 s deadline.
  EXPECT_THAT(s.error_message(), HasSubstr("no audio for 300 ms"));
}

TEST(VoiceServiceTest, StreamsBeyondTheLimitAreRefused) {
  auto c = Config();
  c.set_max_streams(1);
  Running r(c);
  grpc::ClientContext first_ctx;
  auto first = r.stub->AnalyzeStream(&first_ctx);
  ASSERT_TRUE(first->Write(Open(1000, 500)));
  for (int i = 0; i < 100 && r.service.active_streams() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(r.service.active_streams(), 1);
  std::vector<v1::VoiceWindowResult> results;
  auto s = r.RunStream({Open(1000, 500)}, &results);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("max_streams"));
  first->WritesDone();
  v1::VoiceWindowResult res;
  while (first->Read(&res)) {
  }
  EXPECT_EQ(first->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // no audio
}

// A client that sends much faster than real time and reads nothing until the end: the
// service never queues results; windows it could not deliver are skipped and counted.
TEST(VoiceServiceTest, ASlowReaderGetsSkipsNotAQueue) {
  Running r(Config());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto stream = r.stub->AnalyzeStream(&ctx);
  ASSERT_TRUE(stream->Write(Open(1000, 500)));
  const auto pcm = testutil::PcmS16(testutil::Vowel(150, 1.0));
  const int seconds = 300;
  for (int i = 0; i < seconds; ++i) ASSERT_TRUE(stream->Write(Chunk(pcm)));
  stream->WritesDone();
  std::vector<v1::VoiceWindowResult> results;
  v1::VoiceWindowResult res;
  while (stream->Read(&res)) results.push_back(res);
  auto s = stream->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(results.empty());
  EXPECT_TRUE(results.back().final());
  const int64_t due = (seconds * 1000 - 1000) / 500 + 1;
  EXPECT_EQ(static_cast<int64_t>(results.size() - 1) + results.back().windows_skipped(), due);
  EXPECT_GT(results.back().windows_skipped(), 0);
  EXPECT_LT(results.size(), static_cast<size_t>(due));
}

// A client that stops both reading and sending while a result is pending is cut off after
// the idle timeout; the server releases the stream.
TEST(VoiceServiceTest, AStalledClientIsCancelled) {
  auto c = Config();
  c.set_stream_idle_timeout_ms(500);
  Running r(c);
  grpc::ClientContext ctx;
  auto stream = r.stub->AnalyzeStream(&ctx);
  ASSERT_TRUE(stream->Write(Open(1000, 500)));
  const auto pcm = testutil::PcmS16(testutil::Vowel(150, 1.0));
  for (int i = 0; i < 400; ++i) ASSERT_TRUE(stream->Write(Chunk(pcm)));
  for (int i = 0; i < 200 && r.service.active_streams() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(r.service.active_streams(), 0);
  ctx.TryCancel();
}

TEST(VoiceServiceTest, EspeakSpeechIsVoicedAndExplained) {
  if (!EspeakAvailable()) GTEST_SKIP() << "espeak-ng is not installed (apt-get install espeak-ng)";
  Running r(Config());
  SpeechSpec spec;
  spec.text = "I have been so tired lately, and honestly I do not enjoy my work anymore.";
  auto wav = SynthesizeWav(spec);
  ASSERT_TRUE(wav.ok()) << wav.status();
  v1::ModalityResult out;
  auto s = Analyze(r, *wav, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  auto ind = Indicators(out);
  EXPECT_GT(ind["voiced_ratio"], 0.3);
  EXPECT_GT(ind["speaking_rate_sps"], 1.5);
  EXPECT_GT(ind["f0_mean_hz"], 70);
  EXPECT_LT(ind["f0_mean_hz"], 250);
  EXPECT_GT(out.quality(), 0.5f);
  EXPECT_THAT(out.findings(), ::testing::Contains(HasSubstr("syllables per second")));
}

}  // namespace
}  // namespace burnout::voice
