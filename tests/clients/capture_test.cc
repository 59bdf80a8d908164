// burnout-capture's client side without the real stack: the merge of audio and frames into
// capture-time order on one clock, WAV and microphone chunking, the rendering of every
// update kind, the generated session media, and RunSession against an in-process fake
// StreamSession server (half-close, summary, errors, stop).
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/videoio.hpp>

#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "clients/burnoutctl/face_stream.h"
#include "clients/burnoutctl/render.h"
#include "clients/capture/capture.h"
#include "clients/capture/media_source.h"
#include "clients/capture/session_render.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "services/voice/espeak.h"
#include "services/voice/voice_files.h"
#include "tests/testing/session_media.h"
#include "tests/testing/temp_dir.h"

namespace burnout::capture {
namespace {

namespace v1 = burnout::v1;
using ::testing::HasSubstr;

constexpr int64_t kStartUs = 1'700'000'000'000'000;  // an arbitrary session start

std::vector<std::string> NumberedFrames(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("frame" + std::to_string(i));
  return out;
}

std::vector<float> Ramp(size_t n) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) x[i] = 0.8f * std::sin(0.001f * static_cast<float>(i));
  return x;
}

// Everything a MediaSource yields.
std::vector<TimedRequest> Drain(MediaSource& m) {
  std::vector<TimedRequest> out;
  for (;;) {
    auto next = m.Next();
    EXPECT_TRUE(next.ok()) << next.status();
    if (!next.ok() || !next->has_value()) return out;
    out.push_back(std::move(**next));
  }
}

int64_t CaptureTime(const v1::SessionRequest& r) {
  return r.has_audio() ? r.audio().capture_time_us() : r.frame().capture_time_us();
}

std::vector<float> Floats(const std::string& pcm) {
  std::vector<float> out(pcm.size() / sizeof(float));
  std::memcpy(out.data(), pcm.data(), out.size() * sizeof(float));
  return out;
}

// ---- merge order and clock ----

TEST(MediaSourceTest, MergesAudioAndFramesInCaptureTimeOrderAudioFirstOnTies) {
  MediaSource m(EncodedFrames(NumberedFrames(60), 30, false), SamplesAudio(Ramp(32000), 16000, false), {});
  m.set_start_us(kStartUs);
  const auto items = Drain(m);
  ASSERT_EQ(items.size(), 80u);  // 60 frames, 20 chunks of 100 ms
  // The first 100 ms: the chunk starting at 0, frames 0, 1, 2, then the next chunk before
  // frame 3 (both at 100 ms).
  const std::vector<std::pair<bool, int64_t>> head = {
      {true, 0}, {false, 0}, {false, 33333}, {false, 66667}, {true, 100000}, {false, 100000}};
  for (size_t i = 0; i < head.size(); ++i) {
    EXPECT_EQ(items[i].request.has_audio(), head[i].first) << i;
    EXPECT_EQ(items[i].offset_us, head[i].second) << i;
  }
  int frames = 0, chunks = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      EXPECT_LE(items[i - 1].offset_us, items[i].offset_us) << i;
      EXPECT_LE(CaptureTime(items[i - 1].request), CaptureTime(items[i].request)) << i;
    }
    if (items[i].request.has_frame()) {
      EXPECT_EQ(items[i].request.frame().encoded(), "frame" + std::to_string(frames)) << "frames in order";
      ++frames;
    } else {
      ++chunks;
    }
  }
  EXPECT_EQ(frames, 60);
  EXPECT_EQ(chunks, 20);
}

TEST(MediaSourceTest, BothModalitiesOnOneClock) {
  MediaSource m(EncodedFrames(NumberedFrames(45), 30, false), SamplesAudio(Ramp(24000), 16000, false), {});
  m.set_start_us(kStartUs);
  int frame = 0, chunk = 0;
  for (const auto& item : Drain(m)) {
    if (item.request.has_frame()) {
      EXPECT_EQ(item.request.frame().capture_time_us(), kStartUs + std::llround(frame * 1e6 / 30)) << frame;
      ++frame;
    } else {
      EXPECT_EQ(item.request.audio().capture_time_us(), kStartUs + chunk * 100000) << chunk;
      ++chunk;
    }
    EXPECT_EQ(CaptureTime(item.request), kStartUs + item.offset_us);
  }
  EXPECT_EQ(frame, 45);
  EXPECT_EQ(chunk, 15);
}

// A live-like audio source that counts reads: a frame must not wait for a chunk that can
// only start after it.
class CountingAudio : public AudioSource {
 public:
  explicit CountingAudio(int* reads) : reads_(reads) {
    format_.set_encoding(v1::AUDIO_ENCODING_PCM_S16LE);
    format_.set_sample_rate(16000);
    format_.set_channels(1);
  }
  const v1::AudioFormat& format() const override { return format_; }
  bool live() const override { return true; }
  absl::Status Read(int64_t frames, std::string* pcm) override {
    ++*reads_;
    pcm->assign(static_cast<size_t>(frames) * 2, '\0');
    return absl::OkStatus();
  }

 private:
  int* reads_;
  v1::AudioFormat format_;
};

TEST(MediaSourceTest, FrameDoesNotWaitForALaterChunk) {
  int reads = 0;
  MediaSource m(EncodedFrames(NumberedFrames(30), 30, false), std::make_unique<CountingAudio>(&reads), {});
  ASSERT_TRUE(m.Prime().ok());
  EXPECT_EQ(reads, 1);
  std::vector<int> reads_at_frame;
  for (int i = 0; i < 8; ++i) {
    auto next = m.Next();
    ASSERT_TRUE(next.ok() && next->has_value());
    if ((*next)->request.has_frame()) reads_at_frame.push_back(reads);
  }
  // chunk 0, frames 0-2 (only chunk 0 read), chunk 1 (read when frame 3 at 100 ms needed
  // it), frames 3-5.
  EXPECT_THAT(reads_at_frame, ::testing::ElementsAre(1, 1, 1, 2, 2, 2));
  EXPECT_TRUE(m.live());
}

TEST(MediaSourceTest, MaxSecondsCutsBothSourcesAndTheLastChunk) {
  MediaOptions o;
  o.max_seconds = 1.25;
  MediaSource m(EncodedFrames(NumberedFrames(60), 30, false), SamplesAudio(Ramp(32000), 16000, false), o);
  int frames = 0;
  size_t samples = 0;
  for (const auto& item : Drain(m)) {
    EXPECT_LT(item.offset_us, 1250000);
    if (item.request.has_frame()) ++frames;
    else samples += item.request.audio().pcm().size() / sizeof(float);
  }
  EXPECT_EQ(frames, 38);  // 37 / 30 s < 1.25 s <= 38 / 30 s
  EXPECT_EQ(samples, 20000u);
}

TEST(MediaSourceTest, LoopingSourcesRunUntilMaxSeconds) {
  MediaOptions o;
  o.max_seconds = 2;
  MediaSource m(EncodedFrames(NumberedFrames(7), 30, true), SamplesAudio(Ramp(4800), 16000, true), o);
  int frames = 0;
  std::vector<float> audio;
  for (const auto& item : Drain(m)) {
    if (item.request.has_frame()) {
      EXPECT_EQ(item.request.frame().encoded(), "frame" + std::to_string(frames % 7));
      ++frames;
    } else {
      const auto x = Floats(item.request.audio().pcm());
      audio.insert(audio.end(), x.begin(), x.end());
    }
  }
  EXPECT_EQ(frames, 60);
  ASSERT_EQ(audio.size(), 32000u);
  const auto ramp = Ramp(4800);
  for (size_t i = 0; i < audio.size(); i += 997) EXPECT_EQ(audio[i], ramp[i % 4800]) << i;
}

TEST(MediaSourceTest, StopEndsBothSources) {
  std::atomic<int> items{0};
  MediaOptions o;
  o.stop = [&items] { return items.load() >= 5; };
  MediaSource m(EncodedFrames(NumberedFrames(3), 30, true), SamplesAudio(Ramp(1600), 16000, true), o);
  for (;;) {
    auto next = m.Next();
    ASSERT_TRUE(next.ok());
    if (!next->has_value()) break;
    ++items;
    ASSERT_LT(items.load(), 100) << "the stop was not seen";
  }
  EXPECT_EQ(items.load(), 5);
}

TEST(MediaSourceTest, FillOpenNamesWhatTheSourcesSend) {
  MediaSource both(EncodedFrames(NumberedFrames(1), 25, false), SamplesAudio(Ramp(10), 16000, false), {});
  v1::SessionOpen open;
  both.FillOpen(&open);
  EXPECT_THAT(open.modalities(), ::testing::ElementsAre(v1::MODALITY_VOICE, v1::MODALITY_FACE));
  EXPECT_EQ(open.audio_format().encoding(), v1::AUDIO_ENCODING_PCM_F32LE);
  EXPECT_EQ(open.audio_format().sample_rate(), 16000);
  EXPECT_EQ(open.audio_format().channels(), 1);
  EXPECT_EQ(open.frame_rate(), 25);
  MediaSource face(EncodedFrames(NumberedFrames(1), 25, false), nullptr, {});
  v1::SessionOpen face_open;
  face.FillOpen(&face_open);
  EXPECT_THAT(face_open.modalities(), ::testing::ElementsAre(v1::MODALITY_FACE));
  EXPECT_FALSE(face_open.has_audio_format());
}

// ---- WAV chunking ----

TEST(WavChunkingTest, ExactChunksAndNoLostSamples) {
  const size_t n = 16000 * 1234 / 1000 + 7;  // not a whole number of chunks
  const auto x = Ramp(n);
  const std::string path = testutil::FreshPath("ramp.wav");
  ASSERT_TRUE(voice::WriteWav16k(path, x, voice::WavSampleFormat::kFloat32).ok());
  for (int chunk_ms : {100, 30, 250}) {
    auto audio = OpenWav(path);
    ASSERT_TRUE(audio.ok()) << audio.status();
    MediaOptions o;
    o.chunk_ms = chunk_ms;
    MediaSource m(nullptr, std::move(*audio), o);
    const size_t per_chunk = 16000 * chunk_ms / 1000;
    EXPECT_EQ(m.chunk_frames(), static_cast<int64_t>(per_chunk));
    const auto items = Drain(m);
    ASSERT_EQ(items.size(), (n + per_chunk - 1) / per_chunk) << chunk_ms;
    std::vector<float> joined;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& pcm = items[i].request.audio().pcm();
      const size_t expected = i + 1 < items.size() ? per_chunk : n - per_chunk * (items.size() - 1);
      EXPECT_EQ(pcm.size(), expected * sizeof(float)) << "chunk " << i << " of " << chunk_ms << " ms";
      EXPECT_EQ(items[i].offset_us, static_cast<int64_t>(i * per_chunk * 1000000 / 16000));
      const auto f = Floats(pcm);
      joined.insert(joined.end(), f.begin(), f.end());
    }
    EXPECT_EQ(joined, x) << "samples lost or changed with " << chunk_ms << " ms chunks";
  }
}

TEST(WavChunkingTest, OtherRatesAreSentAt16kHz) {
  const std::string path = testutil::FreshPath("ramp44k.wav");
  std::vector<float> stereo(44100 * 2 * 2);  // 2 s, two channels
  for (size_t i = 0; i < stereo.size(); ++i) stereo[i] = 0.3f * std::sin(0.01f * static_cast<float>(i / 2));
  ASSERT_TRUE(voice::WriteWav(path, stereo, 44100, 2, voice::WavSampleFormat::kPcm16).ok());
  auto audio = OpenWav(path);
  ASSERT_TRUE(audio.ok()) << audio.status();
  EXPECT_EQ((*audio)->format().sample_rate(), 16000);
  EXPECT_EQ((*audio)->format().channels(), 1);
  MediaSource m(nullptr, std::move(*audio), {});
  size_t samples = 0;
  for (const auto& item : Drain(m)) samples += item.request.audio().pcm().size() / sizeof(float);
  EXPECT_NEAR(static_cast<double>(samples), 32000, 2);
}

TEST(WavChunkingTest, MissingFileIsNotFound) {
  auto audio = OpenWav(testutil::FreshPath("none.wav"));
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.status().code(), absl::StatusCode::kNotFound);
}

// ---- microphone through arecord (fake arecord scripts on PATH) ----

class MicrophoneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* p = std::getenv("PATH");
    old_path_ = p ? p : "";
    bin_ = testutil::FreshPath("fakebin");
    std::filesystem::create_directories(bin_);
  }
  void TearDown() override { setenv("PATH", old_path_.c_str(), 1); }
  void UseOnlyFakeBin() { setenv("PATH", bin_.c_str(), 1); }
  void FakeArecord(const std::string& body) {
    const std::string path = bin_ + "/arecord";
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    chmod(path.c_str(), 0755);
    setenv("PATH", (bin_ + ":" + old_path_).c_str(), 1);
  }
  std::string old_path_, bin_;
};

TEST_F(MicrophoneTest, MissingArecordSaysWhatToInstall) {
  UseOnlyFakeBin();
  auto mic = OpenMicrophone("default");
  ASSERT_FALSE(mic.ok());
  EXPECT_EQ(mic.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(mic.status().message()), HasSubstr("alsa-utils"));
}

TEST_F(MicrophoneTest, ArecordFailingIsAClearError) {
  FakeArecord("echo 'arecord: main:831: audio open error: No such file or directory' >&2; exit 1");
  auto mic = OpenMicrophone("hw:9");
  ASSERT_TRUE(mic.ok()) << mic.status();
  MediaSource m(nullptr, std::move(*mic), {});
  absl::Status s = m.Prime();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("audio open error"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("-D hw:9"));
}

TEST_F(MicrophoneTest, ReadsS16ChunksFromArecord) {
  const std::string args = bin_ + "/args.txt";
  // 0.5 s of silence at 16 kHz S16 (16000 bytes), then a clean exit.
  FakeArecord("echo \"$@\" > " + args + "; head -c 16000 /dev/zero");
  auto mic = OpenMicrophone("plughw:1,0");
  ASSERT_TRUE(mic.ok()) << mic.status();
  EXPECT_EQ((*mic)->format().encoding(), v1::AUDIO_ENCODING_PCM_S16LE);
  MediaSource m(nullptr, std::move(*mic), {});
  const auto items = Drain(m);
  ASSERT_EQ(items.size(), 5u);
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].request.audio().pcm().size(), 3200u);
    EXPECT_EQ(items[i].offset_us, static_cast<int64_t>(i) * 100000);
  }
  std::string line;
  std::getline(std::ifstream(args), line);
  EXPECT_EQ(line, "-q -f S16_LE -r 16000 -c 1 -t raw -D plughw:1,0");
}

TEST_F(MicrophoneTest, StopEndsAQuietMicrophone) {
  FakeArecord("exec sleep 30");  // never delivers a sample
  std::atomic<bool> stop{false};
  auto mic = OpenMicrophone("default", 16000, [&stop] { return stop.load(); });
  ASSERT_TRUE(mic.ok()) << mic.status();
  std::thread stopper([&stop] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop = true;
  });
  std::string pcm;
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE((*mic)->Read(1600, &pcm).ok());
  stopper.join();
  EXPECT_TRUE(pcm.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  mic->reset();  // terminates and reaps the child
}

// ---- rendering ----

v1::ModalityResult Result(v1::Modality m, std::vector<std::pair<std::string, float>> emotions, float quality) {
  v1::ModalityResult r;
  r.set_modality(m);
  for (const auto& [label, p] : emotions) {
    auto* e = r.add_emotions();
    e->set_label(label);
    e->set_probability(p);
  }
  r.set_quality(quality);
  return r;
}

v1::Assessment FusedAssessment() {
  v1::Assessment a;
  a.mutable_risk()->set_level(v1::RISK_LEVEL_MODERATE);
  a.mutable_risk()->set_confidence(0.62f);
  a.mutable_state()->set_stress(0.45f);
  a.mutable_state()->set_energy(0.51f);
  auto* voice = a.add_modalities();
  voice->set_modality(v1::MODALITY_VOICE);
  voice->set_used(true);
  auto* face = a.add_modalities();
  face->set_modality(v1::MODALITY_FACE);
  face->set_mask_reason("service unavailable: face analyzer down");
  auto* text = a.add_modalities();
  text->set_modality(v1::MODALITY_TEXT);
  text->set_mask_reason("not provided");
  return a;
}

TEST(RenderTest, Started) {
  v1::SessionUpdate u;
  auto* s = u.mutable_started();
  s->set_session_id("s-42");
  s->add_modalities(v1::MODALITY_VOICE);
  s->add_modalities(v1::MODALITY_FACE);
  s->set_update_interval_ms(1000);
  s->set_window_ms(10000);
  s->set_face_analysis_fps(5);
  const std::string line = RenderUpdate(u);
  EXPECT_THAT(line, HasSubstr("started"));
  EXPECT_THAT(line, HasSubstr("s-42"));
  EXPECT_THAT(line, HasSubstr("voice+face"));
  EXPECT_THAT(line, HasSubstr("every 1000 ms"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(RenderTest, ModalityResultAndMasking) {
  v1::SessionUpdate u;
  auto* m = u.mutable_modality();
  m->set_modality(v1::MODALITY_VOICE);
  m->set_t_s(12.3);
  *m->mutable_result() = Result(v1::MODALITY_VOICE, {{"neutral", 0.3f}, {"sad", 0.45f}, {"happy", 0.25f}}, 0.82f);
  std::string line = RenderUpdate(u);
  EXPECT_THAT(line, HasSubstr("voice"));
  EXPECT_THAT(line, HasSubstr("12.30 s"));
  EXPECT_THAT(line, HasSubstr("sad 45%  neutral 30%"));  // the top two, highest first
  EXPECT_THAT(line, ::testing::Not(HasSubstr("happy")));
  EXPECT_THAT(line, HasSubstr("quality 0.82"));

  v1::SessionUpdate masked;
  masked.mutable_modality()->set_modality(v1::MODALITY_FACE);
  masked.mutable_modality()->set_masked(true);
  masked.mutable_modality()->set_mask_reason("face analyzer: UNAVAILABLE");
  line = RenderUpdate(masked);
  EXPECT_THAT(line, HasSubstr("face"));
  EXPECT_THAT(line, HasSubstr("MASKED: face analyzer: UNAVAILABLE"));

  v1::SessionUpdate text;  // the opening text's result comes as a modality update too
  text.mutable_modality()->set_modality(v1::MODALITY_TEXT);
  *text.mutable_modality()->mutable_result() = Result(v1::MODALITY_TEXT, {{"sadness", 0.7f}}, 1.0f);
  EXPECT_THAT(RenderUpdate(text), HasSubstr("text"));
  EXPECT_THAT(RenderUpdate(text), HasSubstr("sadness 70%"));
}

TEST(RenderTest, FaceFatigueOnceMeasured) {
  v1::SessionUpdate u;
  auto* m = u.mutable_modality();
  m->set_modality(v1::MODALITY_FACE);
  *m->mutable_result() = Result(v1::MODALITY_FACE, {{"neutral", 0.6f}, {"sad", 0.3f}}, 0.9f);
  EXPECT_THAT(RenderUpdate(u), ::testing::Not(HasSubstr("PERCLOS")));  // not yet measured
  auto* p = m->mutable_result()->add_indicators();
  p->set_name("perclos");
  p->set_value(0.18);
  EXPECT_THAT(RenderUpdate(u), HasSubstr("PERCLOS 0.18"));
}

TEST(RenderTest, WatchLineShowsTheDetectorAndTheFatigueMeasures) {
  v1::FaceFrameResult r;
  r.set_frame_index(45);
  r.set_capture_time_us(1'500'000);
  auto* f = r.mutable_frame();
  (*f->mutable_details())["detector"] = "tracked";
  auto add = [f](const char* name, double v) {
    auto* i = f->add_indicators();
    i->set_name(name);
    i->set_value(v);
  };
  add("smile", 0.42);
  add("eyes_open", 0.81);
  std::string line = ctl::RenderFaceFrame(r);
  EXPECT_THAT(line, HasSubstr("tracked"));
  EXPECT_THAT(line, HasSubstr("smile 0.42, eyes 0.81"));
  EXPECT_THAT(line, ::testing::Not(HasSubstr("PERCLOS")));
  add("perclos", 0.21);
  add("blink_rate_per_min", 9);
  add("yawns", 2);
  add("fatigue_window_s", 60);
  line = ctl::RenderFaceFrame(r);
  EXPECT_THAT(line, HasSubstr("PERCLOS 0.21, blinks 9/min, yawns 2 over 60 s"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(RenderTest, Fused) {
  v1::SessionUpdate u;
  auto* f = u.mutable_fused();
  *f->mutable_assessment() = FusedAssessment();
  f->set_window_start_s(2.0);
  f->set_window_end_s(12.0);
  f->mutable_counters()->set_frames_analyzed(40);
  f->mutable_counters()->set_frames_skipped(2);
  f->mutable_counters()->set_frames_over_rate(3);
  auto* spike = f->add_spikes();
  spike->set_kind("confidence_drop");
  spike->set_value(0.31f);
  spike->set_recent_average(0.6f);
  const std::string line = RenderUpdate(u);
  EXPECT_THAT(line, HasSubstr("2.0-  12.0 s"));
  EXPECT_THAT(line, HasSubstr("risk moderate"));
  EXPECT_THAT(line, HasSubstr("62%"));
  EXPECT_THAT(line, HasSubstr("stress 0.45"));
  EXPECT_THAT(line, HasSubstr("energy 0.51"));
  EXPECT_THAT(line, HasSubstr("used voice"));
  EXPECT_THAT(line, HasSubstr("masked face (service unavailable: face analyzer down)"));
  EXPECT_THAT(line, ::testing::Not(HasSubstr("text")));  // not provided: not listed
  EXPECT_THAT(line, HasSubstr("frames analysed 40, skipped 2, over rate 3"));
  EXPECT_THAT(line, HasSubstr("SPIKE confidence_drop 0.31 (recent 0.60)"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

v1::Assessment Summary() {
  v1::Assessment a = FusedAssessment();
  a.set_assessment_id("a-7");
  a.set_user_id("kim");
  a.set_notice("This is a self-awareness signal, not a diagnosis.");
  a.add_narratives()->set_text("Your voice sounded flat for most of the session.");
  auto* s = a.mutable_session();
  s->set_session_id("s-42");
  s->set_duration_s(62.5);
  s->set_ended("client finished");
  const char* names[] = {"beginning", "middle", "end"};
  for (int i = 0; i < 3; ++i) {
    auto* seg = s->add_segments();
    seg->set_name(names[i]);
    seg->set_start_s(i * 20.0);
    seg->set_end_s(i * 20.0 + 20.0);
    seg->set_fused_points(10 + i);
    seg->set_mean_risk_score(0.4f);
    auto* vm = seg->add_modalities();
    vm->set_modality(v1::MODALITY_VOICE);
    vm->set_dominant("sad");
    vm->set_quality(0.8f);
    vm->set_results(12);
  }
  auto* spike = s->add_spikes();
  spike->set_t_s(23.0);
  spike->set_kind("stress_jump");
  spike->set_value(0.71f);
  spike->set_recent_average(0.42f);
  spike->set_magnitude(0.29f);
  auto* series = s->add_series();
  series->set_modality(v1::MODALITY_VOICE);
  series->set_step_s(1);
  for (int i = 0; i < 62; ++i) series->add_points();
  for (int i = 0; i < 61; ++i) s->add_fused_series();
  s->set_fused_step_s(1);
  s->mutable_counters()->set_frames_received(1875);
  s->mutable_counters()->set_frames_analyzed(300);
  s->mutable_counters()->set_audio_chunks_received(625);
  s->add_notes("the face stream failed at 40.2 s; its results up to then are included");
  return a;
}

TEST(RenderTest, Summary) {
  v1::SessionUpdate u;
  *u.mutable_summary() = Summary();
  EXPECT_THAT(RenderUpdate(u), HasSubstr("summary   risk moderate 62% over 62.5 s of session s-42"));

  const std::string out = RenderSummary(u.summary());
  EXPECT_THAT(out, HasSubstr("Session s-42: 62.5 s, ended: client finished"));
  EXPECT_THAT(out, HasSubstr("moderate (62%)"));
  EXPECT_THAT(out, HasSubstr("voice  used"));
  EXPECT_THAT(out, HasSubstr("face   masked: service unavailable"));
  EXPECT_THAT(out, HasSubstr("text   not provided"));
  EXPECT_THAT(out, HasSubstr("Your voice sounded flat"));
  EXPECT_THAT(out, HasSubstr("beginning"));
  EXPECT_THAT(out, HasSubstr("middle"));
  EXPECT_THAT(out, HasSubstr("end  "));
  EXPECT_THAT(out, HasSubstr("sad q0.80 n12"));
  EXPECT_THAT(out, HasSubstr("Spikes: 1"));
  EXPECT_THAT(out, HasSubstr("stress_jump"));
  EXPECT_THAT(out, HasSubstr("voice 62 points every 1 s"));
  EXPECT_THAT(out, HasSubstr("fused 61 points every 1 s"));
  EXPECT_THAT(out, HasSubstr("frames received 1875"));
  EXPECT_THAT(out, HasSubstr("analysed 300"));
  EXPECT_THAT(out, HasSubstr("audio chunks 625"));
  EXPECT_THAT(out, HasSubstr("Note: the face stream failed at 40.2 s"));
  EXPECT_THAT(out, HasSubstr("Stored as assessment a-7 for kim"));
  EXPECT_THAT(out, HasSubstr("not a diagnosis"));

  v1::Assessment unstored = Summary();
  unstored.mutable_session()->set_store_error("database is locked");
  unstored.clear_notice();
  const std::string out2 = RenderSummary(unstored);
  EXPECT_THAT(out2, HasSubstr("Not stored: database is locked"));
  EXPECT_THAT(out2, HasSubstr("not a diagnosis"));  // the notice even when the server left it out
}

TEST(RenderTest, JsonIsOneParseableLine) {
  v1::SessionUpdate u;
  *u.mutable_summary() = Summary();
  const std::string json = ctl::ToJson(u, /*pretty=*/false);
  EXPECT_EQ(json.find('\n'), std::string::npos);
  EXPECT_THAT(json, HasSubstr("\"session_id\":\"s-42\""));
  v1::SessionUpdate back;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
  EXPECT_EQ(back.SerializeAsString(), u.SerializeAsString());
}

// ---- generated media ----

TEST(SessionMediaTest, FaceVideoRoundTrip) {
  const auto faces = testutil::SharedFaceImages();
  if (faces.empty()) GTEST_SKIP() << "../shared/data/faces is absent: no face photographs";
  const std::string path = testutil::FreshPath("faces.avi");
  ASSERT_TRUE(testutil::WriteFaceVideo(path, faces, 2.0, 15, 320, 240).ok());
  cv::VideoCapture in(path);
  ASSERT_TRUE(in.isOpened());
  EXPECT_NEAR(in.get(cv::CAP_PROP_FPS), 15, 0.01);
  std::vector<cv::Mat> frames;
  for (cv::Mat f; in.read(f) && !f.empty();) frames.push_back(f.clone());
  ASSERT_EQ(frames.size(), 30u);
  for (const auto& f : frames) {
    EXPECT_EQ(f.cols, 320);
    EXPECT_EQ(f.rows, 240);
  }
  // The face moves: frames 0 and 10 differ, by more than JPEG noise.
  EXPECT_GT(cv::norm(frames[0], frames[10], cv::NORM_L1) / frames[0].total(), 1.0);
  // The frame's centre is the face, not the plain background.
  const cv::Scalar centre = cv::mean(frames[0](cv::Rect(140, 100, 40, 40)));
  EXPECT_GT(std::abs(centre[0] - 200) + std::abs(centre[1] - 205) + std::abs(centre[2] - 210), 30);

  // Read as burnout-capture reads it: index / fps offsets.
  auto source = OpenVideoFile(path);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_NEAR((*source)->fps(), 15, 0.01);
  MediaSource m(std::move(*source), nullptr, {});
  const auto items = Drain(m);
  ASSERT_EQ(items.size(), 30u);
  EXPECT_EQ(items[15].offset_us, 1000000);
  EXPECT_EQ(items[15].request.frame().encoded().substr(0, 2), std::string("\xff\xd8", 2));  // JPEG
}

TEST(SessionMediaTest, FacelessVideoAndRawResizedFrames) {
  const std::string path = testutil::FreshPath("plain.avi");
  ASSERT_TRUE(testutil::WriteFaceVideo(path, {}, 1.0, 10, 64, 48).ok());
  auto source = OpenVideoFile(path);
  ASSERT_TRUE(source.ok()) << source.status();
  MediaOptions o;
  o.raw_frames = true;
  o.frame_width = 32;
  MediaSource m(std::move(*source), nullptr, o);
  const auto items = Drain(m);
  ASSERT_EQ(items.size(), 10u);
  const auto& raw = items[0].request.frame().raw();
  EXPECT_EQ(raw.width(), 32);
  EXPECT_EQ(raw.height(), 24);
  EXPECT_EQ(raw.format(), v1::PIXEL_FORMAT_BGR8);
  ASSERT_EQ(raw.pixels().size(), 32u * 24 * 3);
  EXPECT_NEAR(static_cast<unsigned char>(raw.pixels()[0]), 200, 6);  // the background's blue
}

TEST(SessionMediaTest, MissingImageIsNotFound) {
  const absl::Status s =
      testutil::WriteFaceVideo(testutil::FreshPath("x.avi"), {testutil::FreshPath("none.png")}, 1, 10, 64, 48);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
}

TEST(SessionMediaTest, SpeechWavIsLongEnough) {
  if (!voice::EspeakAvailable()) GTEST_SKIP() << "espeak-ng is not installed: no speech";
  const std::string path = testutil::FreshPath("speech.wav");
  ASSERT_TRUE(testutil::WriteSpeechWav(path, 8.0).ok());
  auto audio = voice::ReadAudioFile(path);
  ASSERT_TRUE(audio.ok()) << audio.status();
  EXPECT_EQ(audio->source.sample_rate, 16000);
  EXPECT_EQ(audio->source.channels, 1);
  EXPECT_GE(audio->duration_s(), 8.0);
  EXPECT_LT(audio->duration_s(), 20.0);
}

// ---- RunSession against a fake StreamSession server ----

// Records what the client sends; answers `started` after the open, a modality update every
// 10 media messages, and the summary after the half-close, then `finish_with`.
class FakeSessionService final : public v1::BurnoutRisk::Service {
 public:
  grpc::Status StreamSession(grpc::ServerContext*,
                             grpc::ServerReaderWriter<v1::SessionUpdate, v1::SessionRequest>* stream) override {
    v1::SessionRequest req;
    if (!stream->Read(&req) || !req.has_open()) return {grpc::StatusCode::INVALID_ARGUMENT, "no open"};
    open = req.open();
    if (reject_open) return {grpc::StatusCode::INVALID_ARGUMENT, "frame_rate above max_fps"};
    v1::SessionUpdate started;
    started.mutable_started()->set_session_id("s-fake");
    stream->Write(started);
    int64_t media = 0;
    while (stream->Read(&req)) {
      const int64_t t = req.has_audio() ? req.audio().capture_time_us() : req.frame().capture_time_us();
      if (t < last_time) ++out_of_order;
      last_time = t;
      req.has_audio() ? ++chunks : ++frames;
      if (++media % 10 == 0) {
        v1::SessionUpdate u;
        u.mutable_modality()->set_modality(req.has_audio() ? v1::MODALITY_VOICE : v1::MODALITY_FACE);
        u.mutable_modality()->set_input_time_us(t);
        stream->Write(u);
      }
    }
    v1::SessionUpdate summary;
    summary.mutable_summary()->mutable_session()->set_session_id("s-fake");
    summary.mutable_summary()->mutable_session()->mutable_counters()->set_frames_received(frames);
    if (send_summary) stream->Write(summary);
    return finish_with;
  }

  v1::SessionOpen open;
  int64_t frames = 0, chunks = 0, out_of_order = 0, last_time = 0;
  bool reject_open = false, send_summary = true;
  grpc::Status finish_with = grpc::Status::OK;
};

class RunSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(&service_);
    server_ = b.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    options_.target = "127.0.0.1:" + std::to_string(port_);
    options_.user_id = "kim";
    options_.text = "a long week";
    options_.realtime = false;
    options_.timeout_ms = 30000;
  }
  void TearDown() override { server_->Shutdown(); }

  FakeSessionService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  CaptureOptions options_;
};

TEST_F(RunSessionTest, SendsOpenMediaInOrderHalfClosesAndReturnsTheSummary) {
  MediaSource m(EncodedFrames(NumberedFrames(30), 30, false), SamplesAudio(Ramp(16000), 16000, false), {});
  CaptureStats stats;
  std::vector<v1::SessionUpdate> seen;
  const absl::Status s = RunSession(options_, m, [&](const v1::SessionUpdate& u) { seen.push_back(u); }, &stats);
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(service_.open.user_id(), "kim");
  EXPECT_EQ(service_.open.text(), "a long week");
  EXPECT_EQ(service_.open.frame_rate(), 30);
  EXPECT_EQ(service_.open.audio_format().encoding(), v1::AUDIO_ENCODING_PCM_F32LE);
  EXPECT_EQ(service_.frames, 30);
  EXPECT_EQ(service_.chunks, 10);
  EXPECT_EQ(service_.out_of_order, 0);
  EXPECT_EQ(stats.frames_sent, 30);
  EXPECT_EQ(stats.chunks_sent, 10);
  EXPECT_NEAR(stats.audio_s_sent, 1.0, 1e-9);
  ASSERT_TRUE(stats.summary.has_value());
  EXPECT_EQ(stats.summary->session().counters().frames_received(), 30);
  ASSERT_EQ(seen.size(), 1u + 4 + 1);  // started, one per 10 media messages, summary
  EXPECT_TRUE(seen.front().has_started());
  EXPECT_TRUE(seen.back().has_summary());
  EXPECT_EQ(stats.updates_received, 6);
}

TEST_F(RunSessionTest, RealtimeStampsOnTheWallClock) {
  options_.realtime = true;
  MediaSource m(EncodedFrames(NumberedFrames(9), 30, false), SamplesAudio(Ramp(4800), 16000, false), {});
  const int64_t before = std::chrono::duration_cast<std::chrono::microseconds>(
                             std::chrono::system_clock::now().time_since_epoch()).count();
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(RunSession(options_, m, nullptr, nullptr).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(250));  // paced: 0.3 s of media
  EXPECT_GE(service_.last_time, before + 200000);
  EXPECT_LT(service_.last_time, before + 60'000'000);
}

TEST_F(RunSessionTest, ErrorAfterTheSummaryIsReturnedWithTheSummaryKept) {
  service_.finish_with = grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "session longer than max_session_s");
  MediaSource m(EncodedFrames(NumberedFrames(5), 30, false), nullptr, {});
  CaptureStats stats;
  bool saw_summary = false;
  const absl::Status s =
      RunSession(options_, m, [&](const v1::SessionUpdate& u) { saw_summary |= u.has_summary(); }, &stats);
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange) << s;
  EXPECT_TRUE(saw_summary);
  EXPECT_TRUE(stats.summary.has_value());
}

TEST_F(RunSessionTest, RejectedOpenEndsWithoutHanging) {
  service_.reject_open = true;
  MediaSource m(EncodedFrames(NumberedFrames(3), 30, true), nullptr, {});  // endless
  CaptureStats stats;
  const absl::Status s = RunSession(options_, m, nullptr, &stats);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("max_fps"));
  EXPECT_FALSE(stats.summary.has_value());
}

TEST_F(RunSessionTest, NoSummaryIsAnError) {
  service_.send_summary = false;
  MediaSource m(EncodedFrames(NumberedFrames(3), 30, false), nullptr, {});
  EXPECT_EQ(RunSession(options_, m, nullptr, nullptr).code(), absl::StatusCode::kUnknown);
}

TEST_F(RunSessionTest, StopHalfClosesAnEndlessCaptureAndStillGetsTheSummary) {
  std::atomic<bool> stop{false};
  options_.stop = [&stop] { return stop.load(); };
  MediaOptions mo;
  mo.stop = options_.stop;
  MediaSource m(EncodedFrames(NumberedFrames(3), 30, true), SamplesAudio(Ramp(1600), 16000, true), mo);
  CaptureStats stats;
  int modality_updates = 0;
  const absl::Status s = RunSession(options_, m, [&](const v1::SessionUpdate& u) {
    if (u.has_modality() && ++modality_updates == 3) stop = true;  // as Ctrl-C would
  }, &stats);
  ASSERT_TRUE(s.ok()) << s;
  ASSERT_TRUE(stats.summary.has_value());
  EXPECT_GE(stats.frames_sent, 20);
  EXPECT_EQ(stats.summary->session().counters().frames_received(), stats.frames_sent);
}

TEST(RunCaptureTest, RefusesNothingToCaptureAndMissingFiles) {
  CaptureOptions o;
  o.target = "127.0.0.1:1";
  EXPECT_EQ(RunCapture(o, nullptr, nullptr).code(), absl::StatusCode::kInvalidArgument);
  o.video = testutil::FreshPath("none.avi");
  EXPECT_EQ(RunCapture(o, nullptr, nullptr).code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace burnout::capture
