// The live session's core without gRPC: events in, actions out, on a fake clock. Every test
// drives the decisions a transport would carry out — when a fused update is due, the rolling
// window, flow control (one write in flight, the audio buffer, skipped frames, the bounded
// update queue), masking and reopening a failed analyzer, the client going away, and
// storing the summary and finishing exactly once.
#include "orchestrator/session_core.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/session.h"

namespace burnout::orchestrator {
namespace {

namespace v1 = burnout::v1;
using Kind = UpstreamOp<v1::AudioStreamRequest>::Kind;
using FaceKind = UpstreamOp<v1::FaceStreamRequest>::Kind;
using std::chrono::milliseconds;

constexpr int64_t kT0 = 1'700'000'000'000'000;  // the capture clock (µs)

class FakeEnv : public SessionEnv {
 public:
  Clock::time_point Now() override { return now; }
  int64_t EpochMicros() override { return epoch_us; }
  bool AcquirePerson(const std::string& user_id) override {
    if (held[user_id] >= 1) return false;
    ++held[user_id];
    ++acquired;
    return true;
  }
  void ReleasePerson(const std::string& user_id) override {
    --held[user_id];
    ++released;
  }
  void Advance(milliseconds d) {
    now += d;
    epoch_us += d.count() * 1000;
  }

  Clock::time_point now = Clock::time_point() + std::chrono::hours(1);
  int64_t epoch_us = kT0;
  std::map<std::string, int> held;
  int acquired = 0;
  int released = 0;
};

// What the core asked for so far; client writes are acknowledged at once unless `slow`.
struct Seen {
  std::vector<v1::SessionUpdate> updates;
  std::vector<UpstreamOp<v1::AudioStreamRequest>> voice;
  std::vector<UpstreamOp<v1::FaceStreamRequest>> face;
  std::vector<std::string> texts;
  std::vector<FuseNow> fuses;
  std::vector<StoreSummary> stores;
  std::vector<grpc::Status> finishes;
  int reads = 0;
  int cancels = 0;

  int Count(v1::SessionUpdate::UpdateCase c) const {
    int n = 0;
    for (const auto& u : updates) n += u.update_case() == c;
    return n;
  }
  int VoiceOps(Kind k) const {
    int n = 0;
    for (const auto& op : voice) n += op.kind == k;
    return n;
  }
  int FaceOps(FaceKind k) const {
    int n = 0;
    for (const auto& op : face) n += op.kind == k;
    return n;
  }
};

class SessionCoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(PrepareSessionConfig(&cfg_).ok()); }

  SessionCore& Core(SessionCoreOptions options = {}) {
    core_ = std::make_unique<SessionCore>(cfg_, options, &env_);
    Take(core_->Start(true));
    return *core_;
  }

  void Take(SessionActions a) {
    for (auto& op : a.voice) seen_.voice.push_back(std::move(op));
    for (auto& op : a.face) seen_.face.push_back(std::move(op));
    if (a.analyze_text) seen_.texts.push_back(*a.analyze_text);
    if (a.fuse) seen_.fuses.push_back(std::move(*a.fuse));
    if (a.store) seen_.stores.push_back(std::move(*a.store));
    if (a.finish) seen_.finishes.push_back(*a.finish);
    seen_.reads += a.read;
    seen_.cancels += a.cancel_call;
    if (a.write) {
      seen_.updates.push_back(std::move(*a.write));
      if (!slow_client_) Take(core_->OnWriteDone(true));
    }
  }

  void Open(std::vector<v1::Modality> modalities, const std::string& text = "") {
    v1::SessionRequest r;
    auto* o = r.mutable_open();
    o->set_user_id("alice");
    for (auto m : modalities) o->add_modalities(m);
    o->mutable_audio_format()->set_encoding(v1::AUDIO_ENCODING_PCM_S16LE);
    o->mutable_audio_format()->set_sample_rate(16000);
    o->mutable_audio_format()->set_channels(1);
    o->set_frame_rate(30);
    if (!text.empty()) o->set_text(text);
    Take(core_->OnRequest(&r));
  }

  // `ms` of 16 kHz mono S16LE audio, contiguous with the previous chunk.
  void Audio(int ms) {
    v1::SessionRequest r;
    r.mutable_audio()->set_pcm(std::string(16 * 2 * ms, '\0'));
    r.mutable_audio()->set_capture_time_us(audio_us_);
    audio_us_ += int64_t{ms} * 1000;
    Take(core_->OnRequest(&r));
  }

  void Frame(int64_t t_us) {
    v1::SessionRequest r;
    r.mutable_frame()->set_encoded(std::string("\xFF\xD8\xFF", 3) + std::string(64, 'x'));
    r.mutable_frame()->set_capture_time_us(t_us);
    Take(core_->OnRequest(&r));
  }

  static v1::ModalityResult Result(v1::Modality m) {
    v1::ModalityResult r;
    r.set_modality(m);
    r.set_quality(0.8f);
    auto* e = r.add_emotions();
    e->set_label("neutral");
    e->set_probability(1);
    return r;
  }

  void VoiceResult(int64_t capture_us, double end_s, bool final = false) {
    v1::VoiceWindowResult r;
    *r.mutable_result() = Result(v1::MODALITY_VOICE);
    r.set_capture_time_us(capture_us);
    r.set_window_end_s(end_s);
    r.set_final(final);
    Take(core_->OnVoiceResult(std::move(r)));
  }

  void FaceResult(int64_t index, int64_t capture_us) {
    v1::FaceFrameResult r;
    *r.mutable_frame() = Result(v1::MODALITY_FACE);
    r.set_frame_index(index);
    r.set_capture_time_us(capture_us);
    Take(core_->OnFaceResult(std::move(r)));
  }

  static v1::Assessment Assessment(const std::string& id = "") {
    v1::Assessment a;
    a.set_assessment_id(id);
    a.mutable_risk()->set_confidence(0.7f);
    return a;
  }

  v1::SessionConfig cfg_;
  FakeEnv env_;
  std::unique_ptr<SessionCore> core_;
  Seen seen_;
  bool slow_client_ = false;
  int64_t audio_us_ = kT0;
};

TEST_F(SessionCoreTest, OpensOnceAndMasksWhatIsNotDeployed) {
  SessionCoreOptions o;
  o.face_deployed = false;
  Core(o);
  EXPECT_EQ(seen_.reads, 1);
  Open({v1::MODALITY_VOICE, v1::MODALITY_FACE});
  ASSERT_EQ(seen_.updates.size(), 2u);
  EXPECT_TRUE(seen_.updates[0].has_started());
  EXPECT_EQ(seen_.updates[1].modality().modality(), v1::MODALITY_FACE);
  EXPECT_TRUE(seen_.updates[1].modality().masked());
  EXPECT_EQ(seen_.updates[1].modality().mask_reason(), "no face service is deployed");
  EXPECT_EQ(env_.acquired, 1);
  // A frame for the undeployed face opens no stream; a second open ends the session.
  Frame(kT0);
  EXPECT_TRUE(seen_.face.empty());
  Open({v1::MODALITY_VOICE});
  ASSERT_EQ(seen_.finishes.size(), 1u);
  EXPECT_EQ(seen_.finishes[0].error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(seen_.finishes[0].error_message().find("nothing was analysed"), std::string::npos);
  EXPECT_EQ(env_.released, 1);
}

TEST_F(SessionCoreTest, DataBeforeOpenFinishesAtOnce) {
  Core();
  Audio(100);
  ASSERT_EQ(seen_.finishes.size(), 1u);
  EXPECT_EQ(seen_.finishes[0].error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(seen_.stores.empty());
  EXPECT_EQ(env_.acquired, 0);
  EXPECT_EQ(env_.released, 0);
}

TEST_F(SessionCoreTest, FusedUpdateIsDueAfterTheIntervalAndOneAtATime) {
  Core();
  Open({v1::MODALITY_VOICE});
  Audio(100);
  VoiceResult(kT0, 1.0);
  EXPECT_TRUE(seen_.fuses.empty());  // the interval (1000 ms) has not passed
  env_.Advance(milliseconds(999));
  VoiceResult(kT0, 1.1);
  EXPECT_TRUE(seen_.fuses.empty());
  env_.Advance(milliseconds(1));
  VoiceResult(kT0, 1.2);
  ASSERT_EQ(seen_.fuses.size(), 1u);
  const FuseNow f = seen_.fuses[0];
  ASSERT_EQ(f.outcomes.size(), 3u);
  EXPECT_FALSE(f.outcomes[0].used());  // text: not provided
  EXPECT_TRUE(f.outcomes[1].used());   // voice
  EXPECT_FALSE(f.outcomes[2].used());  // face: not requested
  EXPECT_EQ(f.trigger_us, kT0);
  // While that fusion runs, no second one starts, though one is due.
  env_.Advance(milliseconds(1000));
  VoiceResult(kT0, 1.3);
  EXPECT_EQ(seen_.fuses.size(), 1u);
  Take(core_->OnFused(Assessment(), f));
  EXPECT_EQ(seen_.Count(v1::SessionUpdate::kFused), 1);
  EXPECT_EQ(seen_.updates.back().fused().counters().fused_updates(), 1);
  EXPECT_EQ(seen_.updates.back().fused().input_time_us(), kT0);
  // Still due: the next result starts one; the one after waits a whole interval.
  VoiceResult(kT0, 1.4);
  ASSERT_EQ(seen_.fuses.size(), 2u);
  Take(core_->OnFused(Assessment(), seen_.fuses[1]));
  EXPECT_EQ(seen_.Count(v1::SessionUpdate::kFused), 2);
  env_.Advance(milliseconds(999));
  VoiceResult(kT0, 1.5);
  EXPECT_EQ(seen_.fuses.size(), 2u);
  env_.Advance(milliseconds(1));
  VoiceResult(kT0, 1.6);
  EXPECT_EQ(seen_.fuses.size(), 3u);
}

TEST_F(SessionCoreTest, TickFusesOnlyWhenNoResultHasTriggeredOne) {
  Core();
  Open({v1::MODALITY_VOICE});
  Audio(100);
  VoiceResult(kT0, 1.0);
  env_.Advance(milliseconds(1499));
  Take(core_->OnTick(env_.now));
  EXPECT_TRUE(seen_.fuses.empty());  // within half an interval past due: wait for results
  env_.Advance(milliseconds(1));
  Take(core_->OnTick(env_.now));
  ASSERT_EQ(seen_.fuses.size(), 1u);
  // trigger 0: the newest input the windows hold.
  EXPECT_EQ(seen_.fuses[0].trigger_us, kT0);
}

TEST_F(SessionCoreTest, TheWindowForgetsResultsOlderThanWindowMs) {
  Core();
  Open({v1::MODALITY_VOICE, v1::MODALITY_FACE});
  Audio(100);
  VoiceResult(kT0, 0.1);  // session time 0
  // Inputs move on 12 s (window_ms 10000); the voice result falls out of the window.
  for (int i = 1; i <= 12; ++i) {
    Frame(kT0 + i * 1'000'000);
  }
  FaceResult(0, kT0 + 12'000'000);
  env_.Advance(milliseconds(1000));
  FaceResult(1, kT0 + 12'000'000);
  ASSERT_EQ(seen_.fuses.size(), 1u);
  const FuseNow f = seen_.fuses[0];
  EXPECT_FALSE(f.outcomes[1].used());
  EXPECT_EQ(f.outcomes[1].mask_reason(), "no result in the last 10 s");
  EXPECT_TRUE(f.outcomes[2].used());
  EXPECT_NEAR(f.start_s, 11.9, 1e-9);  // session time 0 is the first input's end (audio at 0.1 s)
  EXPECT_NEAR(f.end_s, 11.9, 1e-9);
  // The summary still has every result.
  Take(core_->OnFused(Assessment(), f));
  Take(core_->OnReadsDone(false));
  Take(core_->OnUpstreamDone(SessionStream::kVoice, grpc::Status::OK));
  Take(core_->OnUpstreamDone(SessionStream::kFace, grpc::Status::OK));
  ASSERT_EQ(seen_.stores.size(), 1u);
  EXPECT_TRUE(seen_.stores[0].outcomes[1].used());
  EXPECT_TRUE(seen_.stores[0].outcomes[2].used());
}

TEST_F(SessionCoreTest, AudioWaitsInABoundedBufferBehindOneWrite) {
  Core();
  Open({v1::MODALITY_VOICE});
  Audio(100);  // opens the stream: the open message is in flight, the chunk waits
  ASSERT_EQ(seen_.voice.size(), 1u);
  EXPECT_EQ(seen_.voice[0].kind, Kind::kStart);
  EXPECT_EQ(seen_.voice[0].message.open().format().sample_rate(), 16000);
  for (int i = 1; i < 20; ++i) Audio(100);  // audio_buffer_ms 2000: 20 chunks fit
  EXPECT_EQ(core_->Counters().audio_chunks_dropped(), 0);
  Audio(100);
  EXPECT_EQ(core_->Counters().audio_chunks_dropped(), 1);
  EXPECT_EQ(core_->Counters().audio_chunks_received(), 21);
  EXPECT_EQ(seen_.VoiceOps(Kind::kWrite), 0);
  // Each completed write sends the next chunk, oldest first; the half-close waits for the
  // queue to drain.
  Take(core_->OnUpstreamWriteDone(SessionStream::kVoice, true));
  ASSERT_EQ(seen_.VoiceOps(Kind::kWrite), 1);
  EXPECT_EQ(seen_.voice.back().message.chunk().capture_time_us(), kT0);
  Take(core_->OnReadsDone(false));
  EXPECT_EQ(seen_.VoiceOps(Kind::kWritesDone), 0);
  for (int i = 0; i < 19; ++i) Take(core_->OnUpstreamWriteDone(SessionStream::kVoice, true));
  EXPECT_EQ(seen_.VoiceOps(Kind::kWrite), 20);
  EXPECT_EQ(seen_.VoiceOps(Kind::kWritesDone), 0);
  Take(core_->OnUpstreamWriteDone(SessionStream::kVoice, true));
  EXPECT_EQ(seen_.VoiceOps(Kind::kWritesDone), 1);
  EXPECT_EQ(seen_.VoiceOps(Kind::kWrite), 20);
}

// capture_time_us has explicit presence: a clock that starts at 0 is a time, as are seconds
// since boot and the Unix epoch in microseconds. Each runs a session of frames and audio 200 ms
// apart without "went backwards", and its times come back as given, 0 included.
TEST_F(SessionCoreTest, ACaptureClockStartingAtZeroSinceBootOrAtTheEpochIsATime) {
  for (const int64_t t0 : {int64_t{0}, int64_t{3'600'000'000}, kT0}) {
    SCOPED_TRACE(t0);
    seen_ = Seen();
    env_.held.clear();  // each run is a new session of the same person
    env_.epoch_us = kT0 + 86'400'000'000;  // the server's own clock is elsewhere entirely
    Core();
    Open({v1::MODALITY_VOICE, v1::MODALITY_FACE});
    audio_us_ = t0;
    Frame(t0);
    Audio(200);
    Frame(t0 + 200'000);
    Audio(200);
    Frame(t0 + 400'000);
    ASSERT_TRUE(seen_.finishes.empty()) << seen_.finishes[0].error_message();
    EXPECT_EQ(core_->Counters().frames_received(), 3);
    EXPECT_EQ(core_->Counters().audio_chunks_received(), 2);
    // The chunks go upstream with their own times, the first at t0.
    std::vector<int64_t> chunk_times;
    for (const auto& op : seen_.voice) {
      if (op.message.has_chunk()) {
        EXPECT_TRUE(op.message.chunk().has_capture_time_us());
        chunk_times.push_back(op.message.chunk().capture_time_us());
      }
    }
    if (!chunk_times.empty()) {
      EXPECT_EQ(chunk_times.back(), t0 + 200'000);
    }
    // A result for the input at t0 echoes t0, and a fused update says it was triggered by it.
    FaceResult(0, t0);
    ASSERT_FALSE(seen_.updates.empty());
    const auto& m = seen_.updates.back().modality();
    EXPECT_TRUE(m.has_input_time_us());
    EXPECT_EQ(m.input_time_us(), t0);
    EXPECT_NEAR(m.t_s(), 0.0, 1e-9);
    env_.Advance(milliseconds(1000));
    FaceResult(1, t0 + 200'000);
    ASSERT_EQ(seen_.fuses.size(), 1u);
    EXPECT_EQ(seen_.fuses[0].trigger_us, t0 + 200'000);
    Take(core_->OnFused(Assessment(), seen_.fuses[0]));
    EXPECT_TRUE(seen_.updates.back().fused().has_input_time_us());
    EXPECT_EQ(seen_.updates.back().fused().input_time_us(), t0 + 200'000);
  }
}

// Without capture_time_us a frame takes its arrival time; a clock that then appears far
// from it is refused as two clocks.
TEST_F(SessionCoreTest, AFrameWithoutATimeTakesItsArrivalTime) {
  Core();
  Open({v1::MODALITY_FACE});
  auto untimed = [&] {
    v1::SessionRequest r;  // the core may move the payload out: a new one each time
    r.mutable_frame()->set_encoded(std::string("\xFF\xD8\xFF", 3) + std::string(64, 'x'));
    Take(core_->OnRequest(&r));
  };
  untimed();
  ASSERT_TRUE(seen_.finishes.empty());
  env_.Advance(milliseconds(200));
  untimed();
  EXPECT_TRUE(seen_.finishes.empty());
  EXPECT_EQ(core_->Counters().frames_received(), 2);
  Frame(0);  // 0 is a time on another clock: backwards from the arrival times
  Take(core_->OnUpstreamDone(SessionStream::kFace, grpc::Status::OK));  // the face stream closes
  ASSERT_EQ(seen_.finishes.size(), 1u);
  EXPECT_EQ(seen_.finishes[0].error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(seen_.finishes[0].error_message().find("went backwards"), std::string::npos);
}

TEST_F(SessionCoreTest, FramesFindingTheFaceStreamBusyAreSkippedNotQueued) {
  Core();
  Open({v1::MODALITY_FACE});
  // 30 fps in, face_analysis_fps 5: a frame is due every 0.9 / 5 s.
  int64_t t = kT0;
  Frame(t);  // due: opens the stream; the open is in flight, so this frame is skipped
  ASSERT_EQ(seen_.FaceOps(FaceKind::kStart), 1);
  EXPECT_EQ(core_->Counters().frames_skipped(), 1);
  EXPECT_EQ(core_->Counters().frames_forwarded(), 0);
  Take(core_->OnUpstreamWriteDone(SessionStream::kFace, true));
  for (int i = 0; i < 6; ++i) Frame(t += 33'333);  // the 6th is due (200 ms > 180 ms)
  EXPECT_EQ(core_->Counters().frames_forwarded(), 1);
  EXPECT_EQ(seen_.FaceOps(FaceKind::kWrite), 1);
  for (int i = 0; i < 6; ++i) Frame(t += 33'333);  // due again, the write still in flight
  EXPECT_EQ(core_->Counters().frames_forwarded(), 1);
  EXPECT_EQ(core_->Counters().frames_skipped(), 2);
  EXPECT_EQ(core_->Counters().frames_received(), 13);
  // Faster than max_fps (60, with a fifth of slack): read, counted, dropped.
  Frame(t += 1000);
  EXPECT_EQ(core_->Counters().frames_over_rate(), 1);
  EXPECT_EQ(core_->Counters().frames_received(), 14);
}

TEST_F(SessionCoreTest, ASlowClientLosesOldModalityUpdatesFirstAndIsCutOff) {
  cfg_.set_max_pending_updates(3);
  slow_client_ = true;
  Core();
  Open({v1::MODALITY_VOICE});  // `started` is the one write in flight, never acknowledged
  ASSERT_EQ(seen_.updates.size(), 1u);
  Audio(100);
  for (int i = 0; i < 3; ++i) VoiceResult(kT0 + i, 0.1 * (i + 1));
  EXPECT_EQ(core_->pending_updates(), 3u);
  VoiceResult(kT0 + 3, 0.4);
  EXPECT_EQ(core_->pending_updates(), 3u);
  EXPECT_EQ(core_->Counters().updates_dropped(), 1);
  // A masking always goes out: it displaces a result.
  Take(core_->OnUpstreamDone(SessionStream::kVoice, grpc::Status(grpc::StatusCode::UNAVAILABLE, "x")));
  EXPECT_EQ(core_->pending_updates(), 4u);
  // The client acknowledges: the oldest surviving result (the second) goes next.
  Take(core_->OnWriteDone(true));
  ASSERT_EQ(seen_.updates.size(), 2u);
  EXPECT_EQ(seen_.updates[1].modality().input_time_us(), kT0 + 1);
  // It then reads nothing for write_timeout_ms: cut off, ended, its analysed part kept.
  env_.Advance(milliseconds(cfg_.write_timeout_ms()));
  Take(core_->OnTick(env_.now));
  EXPECT_EQ(seen_.cancels, 0);
  env_.Advance(milliseconds(1));
  Take(core_->OnTick(env_.now));
  EXPECT_EQ(seen_.cancels, 1);
  EXPECT_EQ(core_->pending_updates(), 0u);
  ASSERT_EQ(seen_.stores.size(), 1u);
  EXPECT_EQ(seen_.stores[0].report.ended(), "the client stopped reading");
  Take(core_->OnStored(Assessment("a-1"), seen_.stores[0]));
  EXPECT_TRUE(seen_.finishes.empty());  // the write is still in flight
  Take(core_->OnWriteDone(false));
  ASSERT_EQ(seen_.finishes.size(), 1u);
  EXPECT_EQ(seen_.finishes[0].error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(SessionCoreTest, AFailedAnalyzerIsMaskedAndReopenedWithBackoff) {
  Core();
  Open({v1::MODALITY_VOICE});
  Audio(100);
  VoiceResult(kT0, 0.1);
  Take(core_->OnUpstreamDone(SessionStream::kVoice,
                             grpc::Status(grpc::StatusCode::UNAVAILABLE, "killed")));
  ASSERT_TRUE(seen_.updates.back().modality().masked());
  EXPECT_EQ(seen_.updates.back().modality().mask_reason(),
            "its stream failed: service unavailable (killed)");
  // Within 1 s no stream is opened: the audio is dropped and counted.
  env_.Advance(milliseconds(999));
  Audio(100);
  EXPECT_EQ(seen_.VoiceOps(Kind::kStart), 1);
  EXPECT_EQ(core_->Counters().audio_chunks_dropped(), 1);
  env_.Advance(milliseconds(1));
  Audio(100);
  EXPECT_EQ(seen_.VoiceOps(Kind::kStart), 2);
  // The reopened stream fails before answering: masked still (no second masking update),
  // next try after 2 s.
  const int maskings = seen_.Count(v1::SessionUpdate::kModality);
  Take(core_->OnUpstreamDone(SessionStream::kVoice,
                             grpc::Status(grpc::StatusCode::UNAVAILABLE, "again")));
  EXPECT_EQ(seen_.Count(v1::SessionUpdate::kModality), maskings);
  env_.Advance(milliseconds(1999));
  Audio(100);
  EXPECT_EQ(seen_.VoiceOps(Kind::kStart), 2);
  env_.Advance(milliseconds(1));
  Audio(100);
  EXPECT_EQ(seen_.VoiceOps(Kind::kStart), 3);
  // Its next result unmasks it; the notes say when it dropped out and came back.
  VoiceResult(kT0 + 300'000, 0.5);
  EXPECT_FALSE(seen_.updates.back().modality().masked());
  ASSERT_EQ(core_->notes().size(), 2u);
  EXPECT_NE(core_->notes()[0].find("voice: its stream failed"), std::string::npos);
  EXPECT_NE(core_->notes()[1].find("voice: back at"), std::string::npos);
}

TEST_F(SessionCoreTest, TheClientGoingAwayStoresTheSummaryExactlyOnce) {
  Core();
  Open({v1::MODALITY_VOICE});
  Audio(100);
  VoiceResult(kT0, 0.1);
  Take(core_->OnClientGone());
  EXPECT_EQ(seen_.VoiceOps(Kind::kCancel), 1);
  EXPECT_TRUE(seen_.stores.empty());  // the voice stream is still live
  Take(core_->OnUpstreamDone(SessionStream::kVoice,
                             grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")));
  ASSERT_EQ(seen_.stores.size(), 1u);
  EXPECT_EQ(seen_.stores[0].report.ended(), "the client went away");
  EXPECT_TRUE(seen_.stores[0].outcomes[1].used());
  EXPECT_TRUE(core_->notes().empty());  // the cancel was ours: no "last results lost"
  // Whatever else arrives, no second store and no finish before the store answers.
  Take(core_->OnClientGone());
  Take(core_->OnReadsDone(true));
  Take(core_->OnTick(env_.now + std::chrono::hours(2)));
  VoiceResult(kT0, 0.2, true);
  EXPECT_EQ(seen_.stores.size(), 1u);
  EXPECT_TRUE(seen_.finishes.empty());
  const size_t updates = seen_.updates.size();
  Take(core_->OnStored(Assessment("a-7"), seen_.stores[0]));
  ASSERT_EQ(seen_.finishes.size(), 1u);
  EXPECT_EQ(seen_.finishes[0].error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_NE(seen_.finishes[0].error_message().find("stored as a-7"), std::string::npos);
  EXPECT_EQ(seen_.updates.size(), updates);  // nobody to send the summary to
  EXPECT_EQ(env_.released, 1);
  Take(core_->OnStored(Assessment("a-8"), seen_.stores[0]));
  Take(core_->OnClientGone());
  Take(core_->OnWriteDone(false));
  EXPECT_EQ(seen_.finishes.size(), 1u);
  EXPECT_EQ(env_.released, 1);
}

TEST_F(SessionCoreTest, AHalfCloseDrainsTheAnalyzersThenSendsTheSummaryAndFinishesOk) {
  slow_client_ = true;
  Core();
  Open({v1::MODALITY_VOICE}, "I am tired");
  ASSERT_EQ(seen_.texts.size(), 1u);
  Take(core_->OnWriteDone(true));
  Audio(100);
  Take(core_->OnUpstreamWriteDone(SessionStream::kVoice, true));  // the open
  Take(core_->OnUpstreamWriteDone(SessionStream::kVoice, true));  // the chunk
  Take(core_->OnReadsDone(false));
  EXPECT_EQ(seen_.VoiceOps(Kind::kWritesDone), 1);
  VoiceResult(kT0, 0.1, true);  // the tail
  Take(core_->OnWriteDone(true));
  Take(core_->OnUpstreamDone(SessionStream::kVoice, grpc::Status::OK));
  EXPECT_TRUE(seen_.stores.empty());  // the text is still being analysed
  Take(core_->OnTextResult(absl::DeadlineExceededError("slow")));
  ASSERT_EQ(seen_.stores.size(), 1u);
  EXPECT_EQ(seen_.stores[0].outcomes[0].mask_reason(), "service too slow (deadline exceeded)");
  EXPECT_EQ(seen_.stores[0].report.ended(), "the client finished");
  Take(core_->OnWriteDone(true));  // the text's masking
  Take(core_->OnStored(Assessment("a-1"), seen_.stores[0]));
  ASSERT_TRUE(seen_.updates.back().has_summary());
  EXPECT_EQ(seen_.updates.back().summary().assessment_id(), "a-1");
  EXPECT_TRUE(seen_.finishes.empty());  // the summary is still being written
  Take(core_->OnWriteDone(true));
  ASSERT_EQ(seen_.finishes.size(), 1u);
  EXPECT_TRUE(seen_.finishes[0].ok());
}

TEST_F(SessionCoreTest, AFailedStoreStillSendsWhatWasAnalysed) {
  Core();
  Open({v1::MODALITY_VOICE});
  Audio(100);
  VoiceResult(kT0, 0.1);
  Take(core_->OnReadsDone(false));
  Take(core_->OnUpstreamDone(SessionStream::kVoice, grpc::Status::OK));
  ASSERT_EQ(seen_.stores.size(), 1u);
  Take(core_->OnStored(absl::UnavailableError("disk full"), seen_.stores[0]));
  ASSERT_TRUE(seen_.updates.back().has_summary());
  const auto& s = seen_.updates.back().summary();
  EXPECT_EQ(s.session().store_error(), "disk full");
  EXPECT_EQ(s.request_id(), core_->session_id());
  ASSERT_EQ(seen_.finishes.size(), 1u);
  EXPECT_EQ(seen_.finishes[0].error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SessionCoreTest, ARejectedOrFailedFusionIsCountedAndTheNextOneMayRun) {
  Core();
  Open({v1::MODALITY_VOICE});
  Audio(100);
  env_.Advance(milliseconds(1000));
  VoiceResult(kT0, 0.1);
  ASSERT_EQ(seen_.fuses.size(), 1u);
  Take(core_->OnFuseRejected());
  EXPECT_EQ(core_->Counters().fusions_failed(), 1);
  env_.Advance(milliseconds(1000));
  VoiceResult(kT0, 0.2);
  ASSERT_EQ(seen_.fuses.size(), 2u);
  Take(core_->OnFused(absl::UnavailableError("fusion down"), seen_.fuses[1]));
  EXPECT_EQ(core_->Counters().fusions_failed(), 2);
  EXPECT_EQ(seen_.Count(v1::SessionUpdate::kFused), 0);
  // A session ending while a fusion runs waits for it before the summary.
  env_.Advance(milliseconds(1000));
  VoiceResult(kT0, 0.3);
  ASSERT_EQ(seen_.fuses.size(), 3u);
  Take(core_->OnReadsDone(false));
  Take(core_->OnUpstreamDone(SessionStream::kVoice, grpc::Status::OK));
  EXPECT_TRUE(seen_.stores.empty());
  Take(core_->OnFused(Assessment(), seen_.fuses[2]));
  ASSERT_EQ(seen_.stores.size(), 1u);
  // A fusion answering after the end is not part of the summary (nor sent).
  EXPECT_EQ(seen_.stores[0].report.fused_series_size(), 0);
  EXPECT_EQ(seen_.Count(v1::SessionUpdate::kFused), 0);
}

TEST_F(SessionCoreTest, IdleAndLengthLimitsEndTheSession) {
  Core();
  Open({v1::MODALITY_VOICE});
  Audio(100);
  VoiceResult(kT0, 0.1);
  env_.Advance(milliseconds(cfg_.idle_timeout_ms()));
  Take(core_->OnTick(env_.now));
  EXPECT_EQ(seen_.VoiceOps(Kind::kWritesDone), 0);
  EXPECT_TRUE(seen_.finishes.empty() && seen_.stores.empty());
  ASSERT_EQ(seen_.fuses.size(), 1u);  // the tick's fallback fusion; the window still holds
  Take(core_->OnFused(Assessment(), seen_.fuses[0]));
  env_.Advance(milliseconds(1));
  Take(core_->OnTick(env_.now));
  // Drained, not cancelled: the open is still in flight, so the half-close waits for it.
  EXPECT_EQ(seen_.VoiceOps(Kind::kCancel), 0);
  Take(core_->OnUpstreamWriteDone(SessionStream::kVoice, true));
  Take(core_->OnUpstreamWriteDone(SessionStream::kVoice, true));
  EXPECT_EQ(seen_.VoiceOps(Kind::kWritesDone), 1);
  // The analyzer does not finish within drain_timeout_ms: its stream is cancelled.
  env_.Advance(milliseconds(cfg_.drain_timeout_ms() + 1));
  Take(core_->OnTick(env_.now));
  EXPECT_EQ(seen_.VoiceOps(Kind::kCancel), 1);
  Take(core_->OnUpstreamDone(SessionStream::kVoice,
                             grpc::Status(grpc::StatusCode::CANCELLED, "cancelled")));
  ASSERT_EQ(seen_.stores.size(), 1u);
  EXPECT_EQ(seen_.stores[0].report.ended(), "the client went silent");
  Take(core_->OnStored(Assessment("a-2"), seen_.stores[0]));
  ASSERT_EQ(seen_.finishes.size(), 1u);
  EXPECT_EQ(seen_.finishes[0].error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

}  // namespace
}  // namespace burnout::orchestrator
