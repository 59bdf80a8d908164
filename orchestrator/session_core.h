// The transport-free core of one live session (see session.h for what a session does). It
// takes events — the session admitted, a client message (open, audio chunk, frame), the
// client's reads ending, a client write done, the client gone, a clock tick, an analyzer's
// write done / result / end (failure), the opening text's result, a live fusion's result,
// the stored summary — and returns the actions they call for: read the client's next
// message, send an update, operate an analyzer stream (start, write, half-close, cancel),
// analyse the text, fuse now, store the summary, cancel the call, finish with a status.
//
// It owns every decision: validation, the capture clocks, the rolling windows, when a
// fused update is due, flow control (one write in flight per stream, the audio buffer,
// skipped frames, the bounded update queue), masking and reopening failed analyzers, and
// finishing — the summary is stored and the call finished exactly once. It opens no socket
// and reads no clock of its own (SessionEnv); it is not thread-safe (the transport holds a
// lock around each event and issues the actions after releasing it).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "burnout/v1/burnout_risk.pb.h"
#include "burnout/v1/config.pb.h"
#include "burnout/v1/face.pb.h"
#include "burnout/v1/voice.pb.h"
#include "grpcpp/support/status.h"
#include "orchestrator/session_flow.h"
#include "orchestrator/session_report.h"

namespace burnout::orchestrator {

// What the core asks of the world: the clocks and the per-person slots.
class SessionEnv {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~SessionEnv() = default;
  virtual Clock::time_point Now() = 0;  // timers
  virtual int64_t EpochMicros() = 0;    // the system clock (capture times, timestamps)
  // False when `user_id` has max_sessions_per_person sessions open.
  virtual bool AcquirePerson(const std::string& user_id) = 0;
  virtual void ReleasePerson(const std::string& user_id) = 0;
  // Whether the caller may stream for `user_id` (UNAUTHENTICATED / PERMISSION_DENIED).
  virtual absl::Status Authorize(const std::string& user_id) {
    (void)user_id;
    return absl::OkStatus();
  }
};

struct SessionCoreOptions {
  bool voice_deployed = true;
  bool face_deployed = true;
  bool text_deployed = true;
  int max_text_bytes = 16384;
};

enum class SessionStream { kVoice, kFace };

// A live fusion over the windows, for the transport to run (Assessor::FuseLive).
struct FuseNow {
  std::vector<burnout::v1::ModalityOutcome> outcomes;  // text, voice, face
  double start_s = 0;
  double end_s = 0;
  int64_t trigger_us = 0;
};

// The session's summary, for the transport to fuse and store (Assessor::StoreSession).
struct StoreSummary {
  burnout::v1::SessionReport report;
  std::vector<burnout::v1::ModalityOutcome> outcomes;
};

// What an event calls for, in the order the transport issues it: the analyzer-stream
// operations and the text call, then cancel_call, write, read and finish. `fuse` and
// `store` are submitted by the transport right away (it answers OnFuseRejected at once when
// a fusion cannot be queued; a store always runs).
struct SessionActions {
  std::vector<UpstreamOp<burnout::v1::AudioStreamRequest>> voice;
  std::vector<UpstreamOp<burnout::v1::FaceStreamRequest>> face;
  std::optional<std::string> analyze_text;
  std::optional<FuseNow> fuse;
  std::optional<StoreSummary> store;
  bool cancel_call = false;
  std::optional<burnout::v1::SessionUpdate> write;  // the client's one write in flight
  bool read = false;
  std::optional<grpc::Status> finish;
};

class SessionCore {
 public:
  using Clock = SessionEnv::Clock;
  enum class Phase { kAwaitOpen, kOpen, kEnding, kSummarizing, kFinal, kFinished };

  SessionCore(const burnout::v1::SessionConfig& config, const SessionCoreOptions& options,
              SessionEnv* env);

  // ---- events ----
  // `admitted` false: max_open_sessions are open.
  SessionActions Start(bool admitted);
  // A client message; its payload may be moved out.
  SessionActions OnRequest(burnout::v1::SessionRequest* request);
  // The client's reads ended (half-close, or `cancelled`: the call was cancelled).
  SessionActions OnReadsDone(bool cancelled);
  SessionActions OnWriteDone(bool ok);
  SessionActions OnClientGone();
  SessionActions OnTick(Clock::time_point now);
  SessionActions OnUpstreamWriteDone(SessionStream stream, bool ok);
  SessionActions OnVoiceResult(burnout::v1::VoiceWindowResult result);
  SessionActions OnFaceResult(burnout::v1::FaceFrameResult result);
  SessionActions OnUpstreamDone(SessionStream stream, const grpc::Status& status);
  SessionActions OnTextResult(absl::StatusOr<burnout::v1::ModalityResult> result);
  SessionActions OnFused(absl::StatusOr<burnout::v1::Assessment> result,
                         const FuseNow& request);
  SessionActions OnFuseRejected();  // the fusion could not be queued
  SessionActions OnStored(absl::StatusOr<burnout::v1::Assessment> stored, StoreSummary request);

  Phase phase() const { return phase_; }
  const std::string& user_id() const { return user_id_; }
  const std::string& session_id() const { return session_id_; }
  burnout::v1::SessionCounters Counters() const;
  const std::vector<std::string>& notes() const { return notes_; }
  size_t pending_updates() const { return pending_.size(); }

 private:
  // A voice or face channel of the session: its rolling window, the session-wide aggregate
  // and the series.
  struct Channel {
    Channel(burnout::v1::Modality m, const burnout::v1::SessionConfig& c);
    burnout::v1::Modality modality;
    bool requested = false;
    bool deployed = true;     // the orchestrator has a target for this analyzer
    bool failed = false;      // masked: its stream failed (or it is not deployed)
    int failures = 0;
    Clock::time_point retry_at;  // when a failed stream may be opened again
    std::string mask_reason;
    ResultWindow window;
    ResultAccumulator all;
    EmotionSeries series;
    int64_t newest_input_us = 0;
  };

  grpc::Status LengthStatus() const;

  // input (session_input.cc)
  absl::Status Handle(burnout::v1::SessionRequest* in, SessionActions* a);
  absl::Status Open(const burnout::v1::SessionOpen& o, SessionActions* a);
  absl::Status CheckClock(const char* what, int64_t t_us, std::optional<int64_t> prev_us,
                          std::optional<int64_t> expected_us);
  absl::Status Advance(int64_t t_us);
  double Seconds(int64_t t_us) const { return t0_us_ ? (t_us - *t0_us_) / 1e6 : 0.0; }
  absl::Status Audio(burnout::v1::AudioChunk* chunk, SessionActions* a);
  absl::Status Frame(burnout::v1::VideoFrame* frame, SessionActions* a);

  // the analyzers' streams
  bool MayStart(const Channel& c) const;
  void StartVoice(SessionActions* a);
  void StartFace(SessionActions* a);
  void Record(Channel* c, int64_t input_us, burnout::v1::ModalityResult result, SessionActions* a);
  void AddNote(std::string note);
  void CancelUpstreams(SessionActions* a);

  // updates to the client
  void EnqueueMasked(const Channel& c, SessionActions* a);
  void Enqueue(burnout::v1::SessionUpdate u, bool droppable, SessionActions* a);
  void Pump(SessionActions* a);

  // fusion on the window
  burnout::v1::ModalityOutcome TextOutcome() const;
  burnout::v1::ModalityOutcome LiveOutcome(Channel* c);
  void MaybeFuse(std::optional<int64_t> trigger_us, SessionActions* a);
  void Fused(burnout::v1::Assessment assessment, double start_s, double end_s,
             int64_t trigger_us, SessionActions* a);

  // the end
  void ClientGone(SessionActions* a);
  void End(grpc::Status status, std::string ended, bool drain, SessionActions* a);
  void MaybeSummarize(SessionActions* a);
  static burnout::v1::ModalityOutcome SessionOutcome(const Channel& c);
  burnout::v1::SessionReport Report() const;
  void Final(SessionActions* a);
  void Finish(SessionActions* a);

  const burnout::v1::SessionConfig& cfg_;
  const SessionCoreOptions options_;
  SessionEnv* const env_;
  const Clock::time_point created_at_;

  Phase phase_ = Phase::kAwaitOpen;
  bool person_held_ = false;
  std::string user_id_;
  std::string session_id_;
  int interval_ms_ = 1000;
  Clock::time_point opened_at_;
  Clock::time_point last_input_at_;
  Clock::time_point next_fuse_at_;
  Clock::time_point drain_deadline_;
  Clock::time_point write_started_;
  int64_t started_at_ms_ = 0;

  // Capture clocks (µs): the first input is session time 0.
  std::optional<int64_t> t0_us_;
  int64_t newest_input_us_ = 0;
  burnout::v1::AudioFormat audio_format_;
  int bytes_per_frame_ = 0;
  std::optional<int64_t> audio_prev_us_;
  std::optional<int64_t> audio_next_us_;
  int frame_kind_ = 0;  // 1 encoded, 2 raw
  burnout::v1::RawImage raw_shape_;
  std::optional<int64_t> frame_prev_us_;
  std::optional<int64_t> frame_accepted_us_;
  std::optional<int64_t> face_due_us_;

  Channel voice_;
  Channel face_;
  UpstreamFlow<burnout::v1::AudioStreamRequest> voice_up_;
  UpstreamFlow<burnout::v1::FaceStreamRequest> face_up_;
  int64_t last_face_index_ = -1;
  double last_voice_end_s_ = -1;
  int64_t frames_skipped_here_ = 0;
  int64_t face_skipped_upstream_ = 0;

  bool text_given_ = false;
  bool text_pending_ = false;
  std::optional<burnout::v1::ModalityResult> text_result_;
  std::string text_mask_reason_;

  FusedSeries fused_series_;
  SpikeDetector spikes_;
  bool fusing_ = false;
  struct {
    int64_t frames_received = 0, frames_forwarded = 0, frames_analyzed = 0, frames_over_rate = 0,
            frames_over_rate_upstream = 0, audio_chunks_received = 0, audio_chunks_dropped = 0,
            voice_windows_analyzed = 0, voice_windows_skipped = 0, updates_sent = 0,
            updates_dropped = 0, fused_updates = 0, fusions_failed = 0;
    double audio_s_received = 0;
  } counters_;

  std::deque<burnout::v1::SessionUpdate> pending_;
  bool writing_ = false;
  bool client_gone_ = false;
  bool drain_cancelled_ = false;
  std::optional<grpc::Status> end_status_;
  std::string ended_;
  std::vector<std::string> notes_;
};

}  // namespace burnout::orchestrator
