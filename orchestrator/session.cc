#include "orchestrator/session.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "burnout/v1/face.grpc.pb.h"
#include "burnout/v1/voice.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/server.h"
#include "common/grpc/status.h"
#include "common/limits/limits.h"
#include "orchestrator/explainer.h"
#include "orchestrator/session_report.h"
#include "orchestrator/state_engine.h"
#include "spdlog/spdlog.h"

namespace burnout::orchestrator {

using burnout::v1::Assessment;
using burnout::v1::Modality;
using burnout::v1::ModalityOutcome;
using burnout::v1::ModalityResult;
using burnout::v1::SessionRequest;
using burnout::v1::SessionUpdate;

class SessionStreams {
 public:
  std::unique_ptr<burnout::v1::VoiceAnalyzer::Stub> voice;
  std::unique_ptr<burnout::v1::FaceAnalyzer::Stub> face;
};

namespace {

using Clock = std::chrono::steady_clock;

int64_t EpochMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t EpochMillis() { return EpochMicros() / 1000; }

std::string NewSessionId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return absl::StrFormat("s-%016x", rng());
}

int BytesPerSample(burnout::v1::AudioEncoding e) {
  switch (e) {
    case burnout::v1::AUDIO_ENCODING_PCM_S16LE: return 2;
    case burnout::v1::AUDIO_ENCODING_PCM_F32LE: return 4;
    default: return 0;
  }
}

std::string DescribeFormat(const burnout::v1::AudioFormat& f) {
  return absl::StrFormat("%s %d Hz %d ch", burnout::v1::AudioEncoding_Name(f.encoding()),
                         f.sample_rate(), f.channels());
}

bool SameFormat(const burnout::v1::AudioFormat& a, const burnout::v1::AudioFormat& b) {
  return a.encoding() == b.encoding() && a.sample_rate() == b.sample_rate() &&
         a.channels() == b.channels();
}

int PixelChannels(burnout::v1::PixelFormat f) {
  switch (f) {
    case burnout::v1::PIXEL_FORMAT_GRAY8: return 1;
    case burnout::v1::PIXEL_FORMAT_BGR8:
    case burnout::v1::PIXEL_FORMAT_RGB8: return 3;
    default: return 0;
  }
}

bool LooksLikeImage(const std::string& b) {
  static const unsigned char kJpeg[] = {0xFF, 0xD8, 0xFF};
  static const unsigned char kPng[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  return (b.size() >= sizeof(kJpeg) && std::equal(kJpeg, kJpeg + sizeof(kJpeg),
                                                  reinterpret_cast<const unsigned char*>(b.data()))) ||
         (b.size() >= sizeof(kPng) && std::equal(kPng, kPng + sizeof(kPng),
                                                 reinterpret_cast<const unsigned char*>(b.data())));
}

// One stream to an analyzer (voice or face AnalyzeStream), at most one write in flight.
// Messages offered while a write is in flight wait in a byte-bounded queue or are refused.
// No method calls gRPC while holding a lock, and none calls gRPC at all except Begin, Flush
// and Cancel, which the session runs after releasing its own lock: gRPC may run reactions
// inline, and a reaction takes the session's lock.
template <typename Req, typename Resp>
class Upstream final : public grpc::ClientBidiReactor<Req, Resp>,
                       public std::enable_shared_from_this<Upstream<Req, Resp>> {
 public:
  using Starter = std::function<void(grpc::ClientContext*, grpc::ClientBidiReactor<Req, Resp>*)>;
  enum class Offered { kStarted, kQueued, kBusy, kClosed };

  Upstream(std::function<void(Resp)> on_result, std::function<void(const grpc::Status&)> on_done,
           size_t max_queued_bytes, Req open)
      : on_result_(std::move(on_result)),
        on_done_(std::move(on_done)),
        max_queued_bytes_(max_queued_bytes),
        write_(std::move(open)) {}

  // Binds and starts the call with the opening message (gRPC calls; no locks held).
  void Begin(const Starter& start) {
    self_ = this->shared_from_this();  // until OnDone
    start(&ctx_, this);
    this->StartWrite(&write_);
    this->StartRead(&read_);
    this->StartCall();
  }

  // Takes `request` for sending: kStarted means the caller must Flush() once its locks are
  // released.
  Offered Offer(Req request, size_t bytes, bool may_queue) {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_ || half_close_) return Offered::kClosed;
    if (writing_) {
      if (!may_queue || queued_bytes_ + bytes > max_queued_bytes_) return Offered::kBusy;
      queued_bytes_ += bytes;
      queue_.emplace_back(std::move(request), bytes);
      return Offered::kQueued;
    }
    writing_ = true;
    write_ = std::move(request);
    op_ = Op::kWrite;
    return Offered::kStarted;
  }

  // Half-closes once the queue has drained; true when the caller must Flush().
  bool HalfClose() {
    std::lock_guard<std::mutex> lock(mu_);
    if (half_close_ || closed_) return false;
    half_close_ = true;
    if (writing_) return false;
    writes_done_ = true;
    op_ = Op::kWritesDone;
    return true;
  }

  // Issues the operation Offer / HalfClose decided.
  void Flush() {
    std::unique_lock<std::mutex> lock(mu_);
    const Op op = op_;
    op_ = Op::kNone;
    lock.unlock();
    if (op == Op::kWrite) this->StartWrite(&write_);
    if (op == Op::kWritesDone) this->StartWritesDone();
  }

  void Cancel() { ctx_.TryCancel(); }

  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    writing_ = false;
    if (!ok) {
      closed_ = true;
      queue_.clear();
      queued_bytes_ = 0;
      return;
    }
    if (!queue_.empty()) {
      write_ = std::move(queue_.front().first);
      queued_bytes_ -= queue_.front().second;
      queue_.pop_front();
      writing_ = true;
      lock.unlock();
      this->StartWrite(&write_);
      return;
    }
    if (half_close_ && !writes_done_) {
      writes_done_ = true;
      lock.unlock();
      this->StartWritesDone();
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the status follows in OnDone
    Resp r = std::move(read_);
    read_.Clear();
    on_result_(std::move(r));  // before the next read: results reach the session in order
    this->StartRead(&read_);
  }

  void OnDone(const grpc::Status& status) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closed_ = true;
      queue_.clear();
    }
    on_done_(status);
    auto self = std::move(self_);  // may delete this on return
  }

 private:
  enum class Op { kNone, kWrite, kWritesDone };
  std::function<void(Resp)> on_result_;
  std::function<void(const grpc::Status&)> on_done_;
  const size_t max_queued_bytes_;
  grpc::ClientContext ctx_;
  std::shared_ptr<Upstream> self_;
  std::mutex mu_;
  Req write_;
  Resp read_;
  std::deque<std::pair<Req, size_t>> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = true;  // the opening message goes first
  bool half_close_ = false;
  bool writes_done_ = false;
  bool closed_ = false;
  Op op_ = Op::kNone;
};

using VoiceUpstream = Upstream<burnout::v1::AudioStreamRequest, burnout::v1::VoiceWindowResult>;
using FaceUpstream = Upstream<burnout::v1::FaceStreamRequest, burnout::v1::FaceFrameResult>;

}  // namespace

// One session. Every reaction takes mu_, decides, records the gRPC operations to issue in an
// Actions list, releases mu_ and then issues them (see Upstream for why). References: the
// owner's (released in OnDone), one per live upstream, one per task on the executor, one
// per text call, and the registry watcher's while it checks timers.
class Session final
    : public grpc::ServerBidiReactor<SessionRequest, SessionUpdate>,
      public grpcx::WatchedStream {
 public:
  Session(SessionHub* hub, grpc::CallbackServerContext* ctx)
      : hub_(hub),
        cfg_(hub->config_),
        ctx_(ctx),
        created_at_(Clock::now()),
        voice_(burnout::v1::MODALITY_VOICE, cfg_),
        face_(burnout::v1::MODALITY_FACE, cfg_),
        fused_series_(cfg_.series_step_ms() / 1000.0, cfg_.max_series_points()),
        spikes_(SpikeOpts(cfg_)) {
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      registered_ = hub_->registry_.Register(this);
      if (!registered_) {
        end_status_ = grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("orchestrator: ", cfg_.max_open_sessions(),
                         " sessions are open (session.max_open_sessions)"));
        FinishLocked(&a);
      } else {
        a.read = true;
      }
    }
    Run(&a);
  }

  void OnReadDone(bool ok) override {
    Ref();
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) {
        OnHalfCloseLocked(&a);
      } else if (phase_ == Phase::kAwaitOpen || phase_ == Phase::kOpen) {
        last_input_at_ = Clock::now();
        absl::Status s = HandleLocked(&a);
        if (absl::IsOutOfRange(s)) {
          EndLocked(grpcx::ToGrpc(s), "the session reached its maximum length", true, &a);
        } else if (!s.ok()) {
          EndLocked(grpcx::ToGrpc(s), absl::StrCat("bad input: ", s.message()), false, &a);
        } else if (phase_ == Phase::kOpen) {
          a.read = true;
        }
      }
    }
    Run(&a);
    Unref();
  }

  void OnWriteDone(bool ok) override {
    Ref();
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      writing_ = false;
      if (!ok) {
        ClientGoneLocked(&a);
      } else {
        ++counters_.updates_sent;
        PumpLocked(&a);
      }
      if (phase_ == Phase::kFinal && !writing_ && (pending_.empty() || client_gone_)) {
        FinishLocked(&a);
      }
    }
    Run(&a);
    Unref();
  }

  void OnCancel() override {
    Ref();
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ClientGoneLocked(&a);
      if (phase_ == Phase::kFinal && !writing_) FinishLocked(&a);
    }
    Run(&a);
    Unref();
  }

  // The person's slot went in FinishLocked, which every end passes through.
  void OnDone() override {
    if (registered_) hub_->registry_.Unregister(this);
    Unref();
  }

  void CheckTimers(Clock::time_point now) override {
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const auto idle = std::chrono::milliseconds(cfg_.idle_timeout_ms());
      if (writing_ && !client_gone_ &&
          now - write_started_ > std::chrono::milliseconds(cfg_.write_timeout_ms())) {
        // A client that reads nothing holds our only write: cut it off; what it sent so far
        // is still summarised and stored.
        spdlog::warn("session {}: the client read no update for {} ms; cancelling", session_id_,
                     cfg_.write_timeout_ms());
        const grpc::Status s(grpc::StatusCode::DEADLINE_EXCEEDED,
                             absl::StrCat("session: the client read no update for ",
                                          cfg_.write_timeout_ms(), " ms (session.write_timeout_ms)"));
        if (phase_ < Phase::kEnding) EndLocked(s, "the client stopped reading", false, &a);
        client_gone_ = true;
        pending_.clear();
        a.cancel_call = true;
      }
      switch (phase_) {
        case Phase::kAwaitOpen:
          if (now - created_at_ > idle) {
            end_status_ = grpc::Status(
                grpc::StatusCode::DEADLINE_EXCEEDED,
                absl::StrCat("session: no `open` for ", cfg_.idle_timeout_ms(),
                             " ms (session.idle_timeout_ms)"));
            FinishLocked(&a);
          }
          break;
        case Phase::kOpen:
          if (now - opened_at_ > std::chrono::duration<double>(cfg_.max_session_s())) {
            EndLocked(LengthStatus(), "the session reached its maximum length", true, &a);
          } else if (now - last_input_at_ > idle) {
            EndLocked(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                   absl::StrCat("session: no audio or frame for ",
                                                cfg_.idle_timeout_ms(),
                                                " ms (session.idle_timeout_ms)")),
                      "the client went silent", true, &a);
          } else if (now >= next_fuse_at_ + std::chrono::milliseconds(interval_ms_ / 2)) {
            // Results arriving after the interval trigger fused updates (fresh ones); this is
            // the fallback when none arrive.
            MaybeFuseLocked(0, &a);
          }
          break;
        case Phase::kEnding:
          if (now > drain_deadline_ && !drain_cancelled_) {
            // The analyzers did not finish their last results in time: stop waiting.
            drain_cancelled_ = true;
            CancelUpstreamsLocked(&a);
          }
          break;
        default:
          break;
      }
    }
    Run(&a);
  }

 private:
  enum class Phase { kAwaitOpen, kOpen, kEnding, kSummarizing, kFinal, kFinished };

  // gRPC operations decided under mu_, issued after it is released.
  struct Actions {
    bool read = false;
    bool write = false;
    bool cancel_call = false;
    std::optional<grpc::Status> finish;
    std::vector<std::function<void()>> calls;
  };

  // A voice or face channel of the session: its rolling window, the session-wide aggregate
  // and the series.
  struct Channel {
    Channel(Modality m, const burnout::v1::SessionConfig& c)
        : modality(m),
          window(c.window_ms() / 1000.0, 1024),
          series(m, c.series_step_ms() / 1000.0, c.max_series_points(),
                 {c.series_indicators().begin(), c.series_indicators().end()}) {}
    Modality modality;
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

  static SpikeOptions SpikeOpts(const burnout::v1::SessionConfig& c) {
    SpikeOptions o;
    o.lookback = c.spike_lookback();
    o.confidence_drop = c.spike_confidence_drop();
    o.stress_jump = c.spike_stress_jump();
    return o;
  }

  void Run(Actions* a) {
    for (auto& f : a->calls) f();
    if (a->cancel_call) ctx_->TryCancel();
    if (a->write) StartWrite(&out_);
    if (a->read) StartRead(&in_);
    if (a->finish) Finish(*a->finish);
  }

  grpc::Status LengthStatus() const {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                        absl::StrFormat("session: longer than %.0f s (session.max_session_s)",
                                        cfg_.max_session_s()));
  }

  // ---- input ----

  absl::Status HandleLocked(Actions* a) {
    switch (in_.message_case()) {
      case SessionRequest::kOpen:
        if (phase_ != Phase::kAwaitOpen) {
          return absl::FailedPreconditionError("session: a second `open`; a session opens once");
        }
        return OpenLocked(a);
      case SessionRequest::kAudio:
        if (phase_ == Phase::kAwaitOpen) {
          return absl::FailedPreconditionError(
              "session: audio before `open`; the first message must be `open`");
        }
        return AudioLocked(a);
      case SessionRequest::kFrame:
        if (phase_ == Phase::kAwaitOpen) {
          return absl::FailedPreconditionError(
              "session: a frame before `open`; the first message must be `open`");
        }
        return FrameLocked(a);
      default:
        return absl::InvalidArgumentError("session: a message with neither open, audio nor frame");
    }
  }

  absl::Status OpenLocked(Actions* a) {
    const auto& o = in_.open();
    if (auto s = CheckUserId(o.user_id()); !s.ok()) return s;
    if (auto s = CheckOptionalId(o.session_id(), "session_id"); !s.ok()) return s;
    for (int m : o.modalities()) {
      if (m == burnout::v1::MODALITY_VOICE) {
        voice_.requested = true;
      } else if (m == burnout::v1::MODALITY_FACE) {
        face_.requested = true;
      } else if (m == burnout::v1::MODALITY_TEXT) {
        return absl::InvalidArgumentError(
            "session: text is not streamed; put it in open.text (analysed once)");
      } else {
        return absl::InvalidArgumentError(absl::StrCat("session: unknown modality ", m));
      }
    }
    if (!voice_.requested && !face_.requested) {
      return absl::InvalidArgumentError(
          "session: open.modalities must name MODALITY_VOICE and/or MODALITY_FACE");
    }
    if (voice_.requested) {
      const auto& f = o.audio_format();
      if (BytesPerSample(f.encoding()) == 0) {
        return absl::InvalidArgumentError(
            "session: open.audio_format.encoding must be PCM_S16LE or PCM_F32LE");
      }
      if (f.sample_rate() < 8000 || f.sample_rate() > 192000) {
        return absl::InvalidArgumentError(absl::StrCat(
            "session: open.audio_format.sample_rate ", f.sample_rate(), " is outside [8000, 192000]"));
      }
      if (f.channels() < 1 || f.channels() > 8) {
        return absl::InvalidArgumentError(absl::StrCat(
            "session: open.audio_format.channels ", f.channels(), " is outside [1, 8]"));
      }
      audio_format_ = f;
      bytes_per_frame_ = BytesPerSample(f.encoding()) * f.channels();
    }
    if (face_.requested) {
      if (!(o.frame_rate() > 0)) {
        return absl::InvalidArgumentError("session: open.frame_rate is required with face");
      }
      if (o.frame_rate() > cfg_.max_fps()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("session: frame_rate %.0f fps is above %.0f (session.max_fps)",
                            o.frame_rate(), cfg_.max_fps()));
      }
    }
    interval_ms_ = cfg_.update_interval_ms();
    if (o.update_interval_ms() != 0) {
      if (o.update_interval_ms() < 250 || o.update_interval_ms() > 60000) {
        return absl::InvalidArgumentError(absl::StrCat(
            "session: update_interval_ms ", o.update_interval_ms(), " is outside [250, 60000]"));
      }
      interval_ms_ = o.update_interval_ms();
    }
    if (o.has_text()) {
      if (auto s = limits::CheckText(o.text(), hub_->deps_.max_text_bytes, "max_text_bytes"); !s.ok()) {
        return s;
      }
    }
    if (!hub_->AcquirePerson(o.user_id())) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "session: ", o.user_id(), " already has ", cfg_.max_sessions_per_person(),
          " sessions open (session.max_sessions_per_person)"));
    }
    person_held_ = true;
    user_id_ = o.user_id();
    session_id_ = o.session_id().empty() ? NewSessionId() : o.session_id();
    phase_ = Phase::kOpen;
    opened_at_ = Clock::now();
    started_at_ms_ = EpochMillis();
    next_fuse_at_ = opened_at_ + std::chrono::milliseconds(interval_ms_);
    if (voice_.requested && !hub_->streams_->voice) {
      voice_.deployed = false;
      voice_.failed = true;
      voice_.mask_reason = "no voice service is deployed";
    }
    if (face_.requested && !hub_->streams_->face) {
      face_.deployed = false;
      face_.failed = true;
      face_.mask_reason = "no face service is deployed";
    }

    SessionUpdate u;
    auto* st = u.mutable_started();
    st->set_session_id(session_id_);
    if (voice_.requested) st->add_modalities(burnout::v1::MODALITY_VOICE);
    if (face_.requested) st->add_modalities(burnout::v1::MODALITY_FACE);
    st->set_update_interval_ms(interval_ms_);
    st->set_window_ms(cfg_.window_ms());
    st->set_max_session_s(cfg_.max_session_s());
    st->set_idle_timeout_ms(cfg_.idle_timeout_ms());
    st->set_face_analysis_fps(cfg_.face_analysis_fps());
    EnqueueLocked(std::move(u), false, a);
    for (Channel* c : {&voice_, &face_}) {
      if (c->requested && c->failed) EnqueueMaskedLocked(*c, a);
    }
    if (o.has_text()) StartTextLocked(o.text(), a);
    spdlog::info("session {} opened for {} (voice {}, face {}, text {})", session_id_, user_id_,
                 voice_.requested, face_.requested, o.has_text());
    return absl::OkStatus();
  }

  void StartTextLocked(const std::string& text, Actions* actions) {
    text_given_ = true;
    if (!hub_->deps_.text) {
      text_mask_reason_ = "no text service is deployed";
      return;
    }
    text_pending_ = true;
    Ref();
    AnalyzerInput in;
    in.modality = burnout::v1::MODALITY_TEXT;
    in.text = text;
    const auto deadline =
        std::chrono::system_clock::now() + std::chrono::milliseconds(hub_->deps_.text_timeout_ms);
    // Started once mu_ is released: gRPC may complete it inline, and completion takes mu_.
    actions->calls.push_back([this, in = std::move(in), deadline] {
      hub_->deps_.text->AnalyzeAsync(in, deadline, [this](absl::StatusOr<ModalityResult> r) {
        Actions a;
        {
          std::lock_guard<std::mutex> lock(mu_);
          text_pending_ = false;
          SessionUpdate u;
          auto* m = u.mutable_modality();
          m->set_modality(burnout::v1::MODALITY_TEXT);
          if (r.ok()) {
            text_result_ = *r;
            *m->mutable_result() = *std::move(r);
          } else {
            text_mask_reason_ = MaskReason(r.status());
            m->set_masked(true);
            m->set_mask_reason(text_mask_reason_);
          }
          EnqueueLocked(std::move(u), false, &a);
          MaybeSummarizeLocked(&a);
        }
        Run(&a);
        Unref();
      });
    });
  }

  // The capture time of an input, checked against the previous one of its kind and against
  // the other kind's clock. `expected_us`: where a contiguous stream should continue.
  absl::Status CheckClockLocked(const char* what, int64_t t_us, std::optional<int64_t> prev_us,
                                std::optional<int64_t> expected_us) {
    const int64_t gap_us = int64_t{cfg_.max_timestamp_gap_ms()} * 1000;
    if (prev_us && t_us < *prev_us) {
      return absl::InvalidArgumentError(absl::StrCat("session: ", what,
                                                     " capture_time_us went backwards (", t_us,
                                                     " after ", *prev_us, ")"));
    }
    const int64_t ref = expected_us ? *expected_us : prev_us ? *prev_us : newest_input_us_;
    if ((prev_us || t0_us_) && std::llabs(t_us - ref) > gap_us) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "session: %s capture_time_us jumped %.1f s from %s (session.max_timestamp_gap_ms "
          "%d); audio and frames must use one clock",
          what, (t_us - ref) / 1e6, prev_us ? "the previous one" : "the session's other input",
          cfg_.max_timestamp_gap_ms()));
    }
    return absl::OkStatus();
  }

  // Records `t_us` as the newest input; OUT_OF_RANGE past max_session_s of capture time.
  absl::Status AdvanceLocked(int64_t t_us) {
    if (!t0_us_) t0_us_ = t_us;
    newest_input_us_ = std::max(newest_input_us_, t_us);
    if (Seconds(t_us) > cfg_.max_session_s()) {
      return absl::OutOfRangeError(absl::StrFormat(
          "session: the inputs span more than %.0f s (session.max_session_s)",
          cfg_.max_session_s()));
    }
    return absl::OkStatus();
  }

  double Seconds(int64_t t_us) const { return t0_us_ ? (t_us - *t0_us_) / 1e6 : 0.0; }

  absl::Status AudioLocked(Actions* a) {
    if (!voice_.requested) {
      return absl::FailedPreconditionError(
          "session: an audio chunk, but the session did not open MODALITY_VOICE");
    }
    auto* chunk = in_.mutable_audio();
    const size_t n = chunk->pcm().size();
    if (n == 0) return absl::InvalidArgumentError("session: an empty audio chunk");
    if (auto s = limits::CheckSize("an audio chunk", n, cfg_.max_chunk_bytes(),
                                   "session.max_chunk_bytes");
        !s.ok()) {
      return s;
    }
    if (chunk->has_format() && !SameFormat(chunk->format(), audio_format_)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "session: the audio format changed mid-stream (opened ", DescribeFormat(audio_format_),
          ", chunk ", DescribeFormat(chunk->format()), ")"));
    }
    if (n % bytes_per_frame_ != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "session: an audio chunk of ", n, " bytes is not whole frames of ", bytes_per_frame_,
          " bytes (", DescribeFormat(audio_format_), ")"));
    }
    const int64_t frames = static_cast<int64_t>(n / bytes_per_frame_);
    const int64_t duration_us = frames * 1000000 / audio_format_.sample_rate();
    int64_t t_us = chunk->capture_time_us();
    if (t_us == 0) t_us = audio_next_us_ ? *audio_next_us_ : EpochMicros();
    if (auto s = CheckClockLocked("audio", t_us, audio_prev_us_, audio_next_us_); !s.ok()) return s;
    audio_prev_us_ = t_us;
    audio_next_us_ = t_us + duration_us;
    if (auto s = AdvanceLocked(t_us + duration_us); !s.ok()) return s;
    ++counters_.audio_chunks_received;
    counters_.audio_s_received += duration_us / 1e6;
    if (!voice_up_ && !MayStartLocked(voice_)) {
      ++counters_.audio_chunks_dropped;  // the analyzer is down; retried after a backoff
      return absl::OkStatus();
    }

    burnout::v1::AudioStreamRequest req;
    auto* c = req.mutable_chunk();
    c->set_pcm(std::move(*chunk->mutable_pcm()));
    c->set_capture_time_us(t_us);
    if (!voice_up_) StartVoiceLocked(a);
    switch (voice_up_->Offer(std::move(req), n, true)) {
      case VoiceUpstream::Offered::kStarted:
        a->calls.push_back([up = voice_up_] { up->Flush(); });
        break;
      case VoiceUpstream::Offered::kBusy:
        ++counters_.audio_chunks_dropped;
        break;
      default:
        break;
    }
    return absl::OkStatus();
  }

  absl::Status FrameLocked(Actions* a) {
    if (!face_.requested) {
      return absl::FailedPreconditionError(
          "session: a frame, but the session did not open MODALITY_FACE");
    }
    auto* frame = in_.mutable_frame();
    const int64_t index = counters_.frames_received;
    int kind = 0;
    size_t bytes = 0;
    if (frame->has_raw()) {
      const auto& r = frame->raw();
      kind = 2;
      bytes = r.pixels().size();
      const int ch = PixelChannels(r.format());
      if (ch == 0) {
        return absl::InvalidArgumentError(absl::StrCat("session: frame ", index, ": unknown pixel format"));
      }
      if (r.width() <= 0 || r.height() <= 0 ||
          int64_t{r.width()} * r.height() > cfg_.max_frame_pixels()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "session: frame ", index, " is ", r.width(), "x", r.height(), "; at most ",
            cfg_.max_frame_pixels(), " pixels (session.max_frame_pixels)"));
      }
      if (bytes != static_cast<size_t>(r.width()) * r.height() * ch) {
        return absl::InvalidArgumentError(absl::StrCat(
            "session: frame ", index, " has ", bytes, " bytes of pixels; ", r.width(), "x",
            r.height(), "x", ch, " needs ", static_cast<size_t>(r.width()) * r.height() * ch));
      }
    } else if (frame->image_case() == burnout::v1::VideoFrame::kEncoded) {
      kind = 1;
      bytes = frame->encoded().size();
    } else {
      return absl::InvalidArgumentError(absl::StrCat("session: frame ", index, " has no image"));
    }
    if (auto s = limits::CheckSize(absl::StrCat("frame ", index), bytes, cfg_.max_frame_bytes(),
                                   "session.max_frame_bytes");
        !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("session: ", s.message()));
    }
    if (kind == 1 && !LooksLikeImage(frame->encoded())) {
      return absl::InvalidArgumentError(
          absl::StrCat("session: frame ", index, " is neither a JPEG nor a PNG"));
    }
    if (frame_kind_ != 0) {
      const bool same =
          kind == frame_kind_ &&
          (kind == 1 || (frame->raw().width() == raw_shape_.width() &&
                         frame->raw().height() == raw_shape_.height() &&
                         frame->raw().format() == raw_shape_.format()));
      if (!same) {
        return absl::InvalidArgumentError(absl::StrCat(
            "session: the frame format changed mid-stream at frame ", index,
            kind == frame_kind_ ? " (raw size or pixel format)" : " (encoded vs raw)"));
      }
    } else {
      frame_kind_ = kind;
      if (kind == 2) {
        raw_shape_ = frame->raw();
        raw_shape_.clear_pixels();
      }
    }
    int64_t t_us = frame->capture_time_us();
    if (t_us == 0) t_us = EpochMicros();
    if (auto s = CheckClockLocked("frame", t_us, frame_prev_us_, std::nullopt); !s.ok()) return s;
    frame_prev_us_ = t_us;
    if (auto s = AdvanceLocked(t_us); !s.ok()) return s;
    ++counters_.frames_received;
    // Faster than max_fps (with a fifth of slack for capture jitter): dropped and counted.
    const double min_gap_us = 0.8e6 / cfg_.max_fps();
    if (frame_accepted_us_ && t_us - *frame_accepted_us_ < min_gap_us) {
      ++counters_.frames_over_rate;
      return absl::OkStatus();
    }
    frame_accepted_us_ = t_us;
    // Frames go to the face analyzer at face_analysis_fps; the rest are only counted.
    if (face_due_us_ && t_us < *face_due_us_) return absl::OkStatus();
    face_due_us_ = t_us + static_cast<int64_t>(0.9e6 / cfg_.face_analysis_fps());
    if (!face_up_ && !MayStartLocked(face_)) {
      ++frames_skipped_here_;  // the analyzer is down; retried after a backoff
      return absl::OkStatus();
    }

    burnout::v1::FaceStreamRequest req;
    auto* f = req.mutable_frame();
    f->Swap(frame);
    f->set_capture_time_us(t_us);
    if (!face_up_) StartFaceLocked(a);
    switch (face_up_->Offer(std::move(req), bytes, false)) {
      case FaceUpstream::Offered::kStarted:
        ++counters_.frames_forwarded;
        a->calls.push_back([up = face_up_] { up->Flush(); });
        break;
      case FaceUpstream::Offered::kBusy:
        ++frames_skipped_here_;
        break;
      default:
        break;
    }
    return absl::OkStatus();
  }

  // ---- the analyzers' streams ----

  // Whether a stream may be opened for `c` now: deployed, and not failed or past its retry
  // time (a restarted or replaced analyzer is picked up again).
  bool MayStartLocked(const Channel& c) const {
    return c.deployed && (!c.failed || Clock::now() >= c.retry_at);
  }

  void StartVoiceLocked(Actions* a) {
    burnout::v1::AudioStreamRequest open;
    *open.mutable_open()->mutable_format() = audio_format_;
    const size_t max_bytes = static_cast<size_t>(
        int64_t{cfg_.audio_buffer_ms()} * audio_format_.sample_rate() / 1000 * bytes_per_frame_);
    Ref();
    voice_up_ = std::make_shared<VoiceUpstream>(
        [this](burnout::v1::VoiceWindowResult r) { OnVoiceResult(std::move(r)); },
        [this](const grpc::Status& s) { OnUpstreamDone(&voice_, s); }, max_bytes, std::move(open));
    auto* stub = hub_->streams_->voice.get();
    a->calls.push_back([up = voice_up_, stub] {
      up->Begin([stub](grpc::ClientContext* c,
                       grpc::ClientBidiReactor<burnout::v1::AudioStreamRequest,
                                               burnout::v1::VoiceWindowResult>* r) {
        stub->async()->AnalyzeStream(c, r);
      });
    });
  }

  void StartFaceLocked(Actions* a) {
    burnout::v1::FaceStreamRequest open;
    open.mutable_open()->set_analyze_every_n(1);  // this session already picks the frames
    open.mutable_open()->set_window_ms(cfg_.window_ms());
    Ref();
    face_up_ = std::make_shared<FaceUpstream>(
        [this](burnout::v1::FaceFrameResult r) { OnFaceResult(std::move(r)); },
        [this](const grpc::Status& s) { OnUpstreamDone(&face_, s); }, 0, std::move(open));
    auto* stub = hub_->streams_->face.get();
    a->calls.push_back([up = face_up_, stub] {
      up->Begin([stub](grpc::ClientContext* c,
                       grpc::ClientBidiReactor<burnout::v1::FaceStreamRequest,
                                               burnout::v1::FaceFrameResult>* r) {
        stub->async()->AnalyzeStream(c, r);
      });
    });
  }

  void OnVoiceResult(burnout::v1::VoiceWindowResult r) {
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      // The tail's result after the half-close can cover the window just reported.
      if (!(r.final() && r.window_end_s() <= last_voice_end_s_)) {
        last_voice_end_s_ = r.window_end_s();
        ++counters_.voice_windows_analyzed;
        counters_.voice_windows_skipped = r.windows_skipped();
        RecordLocked(&voice_, r.capture_time_us(), std::move(*r.mutable_result()), &a);
      }
    }
    Run(&a);
  }

  void OnFaceResult(burnout::v1::FaceFrameResult r) {
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      face_skipped_upstream_ = r.frames_skipped();
      counters_.frames_over_rate_upstream = r.frames_over_rate();
      // The final result repeats the last analysed frame when nothing newer was pending.
      if (r.frame_index() != last_face_index_) {
        last_face_index_ = r.frame_index();
        ++counters_.frames_analyzed;
        RecordLocked(&face_, r.capture_time_us(), std::move(*r.mutable_frame()), &a);
      }
    }
    Run(&a);
  }

  void RecordLocked(Channel* c, int64_t input_us, ModalityResult result, Actions* a) {
    const double t = Seconds(input_us);
    if (c->failed) {
      // A reopened stream answers: the modality is back.
      c->failed = false;
      c->mask_reason.clear();
      AddNoteLocked(absl::StrFormat("%s: back at %.1f s", ModalityName(c->modality), t));
      spdlog::info("session {}: {} is back", session_id_, ModalityName(c->modality));
    }
    c->newest_input_us = std::max(c->newest_input_us, input_us);
    c->window.Add(t, result);
    c->all.Add(result);
    c->series.Add(t, result);
    if (phase_ >= Phase::kFinal) return;
    SessionUpdate u;
    auto* m = u.mutable_modality();
    m->set_modality(c->modality);
    m->set_t_s(t);
    m->set_input_time_us(input_us);
    *m->mutable_result() = std::move(result);
    EnqueueLocked(std::move(u), true, a);
    if (phase_ == Phase::kOpen && Clock::now() >= next_fuse_at_) MaybeFuseLocked(input_us, a);
  }

  void OnUpstreamDone(Channel* c, const grpc::Status& status) {
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (c == &voice_) {
        voice_up_.reset();
      } else {
        face_up_.reset();
      }
      if (!status.ok() || phase_ == Phase::kOpen) {
        const std::string name = ModalityName(c->modality);
        const std::string reason =
            status.ok() ? "its stream ended early"
                        : absl::StrCat("its stream failed: ", MaskReason(grpcx::FromGrpc(status)));
        if (phase_ == Phase::kOpen) {
          // Masked until a reopened stream answers (tried again after 1, 2, 4, 8, 8 ... s);
          // its results so far stay in the summary.
          const bool was_masked = c->failed;
          c->failed = true;
          c->mask_reason = reason;
          ++c->failures;
          c->retry_at = Clock::now() + std::chrono::milliseconds(
                                           1000 << std::min(c->failures - 1, 3));
          c->window.Clear();
          if (!was_masked) {
            AddNoteLocked(absl::StrFormat("%s: %s at %.1f s; its results up to then are included",
                                          name, reason, Seconds(newest_input_us_)));
            spdlog::warn("session {}: {} masked: {}", session_id_, name, reason);
            EnqueueMaskedLocked(*c, &a);
          }
        } else if (!drain_cancelled_ && phase_ == Phase::kEnding) {
          AddNoteLocked(absl::StrCat(name, ": its last results were lost: ", reason));
        }
      }
      MaybeSummarizeLocked(&a);
    }
    Run(&a);
    Unref();
  }

  // Notes are for a person reading the summary: a flapping analyzer must not fill them.
  void AddNoteLocked(std::string note) {
    if (notes_.size() < 20) notes_.push_back(std::move(note));
  }

  void CancelUpstreamsLocked(Actions* a) {
    if (voice_up_) a->calls.push_back([up = voice_up_] { up->Cancel(); });
    if (face_up_) a->calls.push_back([up = face_up_] { up->Cancel(); });
  }

  // ---- updates to the client ----

  void EnqueueMaskedLocked(const Channel& c, Actions* a) {
    SessionUpdate u;
    auto* m = u.mutable_modality();
    m->set_modality(c.modality);
    m->set_t_s(Seconds(newest_input_us_));
    m->set_masked(true);
    m->set_mask_reason(c.mask_reason);
    EnqueueLocked(std::move(u), false, a);
  }

  // `droppable`: a per-modality result, which may give way when the client reads slowly.
  // Fused updates replace older fused updates; the rest (started, maskings, the summary)
  // always go out.
  void EnqueueLocked(SessionUpdate u, bool droppable, Actions* a) {
    if (client_gone_) return;
    if (static_cast<int>(pending_.size()) >= cfg_.max_pending_updates() &&
        (droppable || u.has_fused())) {
      auto drop = std::find_if(pending_.begin(), pending_.end(), [](const SessionUpdate& p) {
        return p.has_modality() && !p.modality().masked();
      });
      if (drop == pending_.end() && u.has_fused()) {
        drop = std::find_if(pending_.begin(), pending_.end(),
                            [](const SessionUpdate& p) { return p.has_fused(); });
      }
      ++counters_.updates_dropped;
      if (drop == pending_.end()) {
        PumpLocked(a);
        return;  // nothing older may go: this one does
      }
      pending_.erase(drop);
    }
    pending_.push_back(std::move(u));
    PumpLocked(a);
  }

  void PumpLocked(Actions* a) {
    if (writing_ || client_gone_ || pending_.empty() || phase_ == Phase::kFinished) return;
    out_ = std::move(pending_.front());
    pending_.pop_front();
    writing_ = true;
    write_started_ = Clock::now();
    a->write = true;
  }

  // ---- fusion on the window ----

  ModalityOutcome TextOutcomeLocked() const {
    ModalityOutcome o;
    o.set_modality(burnout::v1::MODALITY_TEXT);
    if (text_result_) {
      o.set_used(true);
      *o.mutable_result() = *text_result_;
    } else {
      o.set_mask_reason(!text_given_   ? kNotProvided
                        : text_pending_ ? "still being analysed"
                                        : text_mask_reason_);
    }
    return o;
  }

  ModalityOutcome LiveOutcomeLocked(Channel* c) {
    ModalityOutcome o;
    o.set_modality(c->modality);
    if (!c->requested) {
      o.set_mask_reason(kNotProvided);
    } else if (c->failed) {
      o.set_mask_reason(c->mask_reason);
    } else {
      c->window.Expire(Seconds(newest_input_us_));
      if (auto r = c->window.Aggregate()) {
        o.set_used(true);
        *o.mutable_result() = *std::move(r);
      } else {
        o.set_mask_reason(absl::StrFormat("no result in the last %.0f s", cfg_.window_ms() / 1000.0));
      }
    }
    return o;
  }

  void MaybeFuseLocked(int64_t trigger_us, Actions* a) {
    if (phase_ != Phase::kOpen || fusing_) return;
    next_fuse_at_ = Clock::now() + std::chrono::milliseconds(interval_ms_);
    std::vector<ModalityOutcome> outcomes = {TextOutcomeLocked(), LiveOutcomeLocked(&voice_),
                                             LiveOutcomeLocked(&face_)};
    if (!outcomes[1].used() && !outcomes[2].used()) return;  // text alone is not live
    double start_s = 1e300, end_s = 0;
    for (const Channel* c : {&voice_, &face_}) {
      if (c->window.size() == 0 || c->failed) continue;
      start_s = std::min(start_s, c->window.oldest_s());
      end_s = std::max(end_s, c->window.newest_s());
    }
    if (trigger_us == 0) trigger_us = std::max(voice_.newest_input_us, face_.newest_input_us);
    fusing_ = true;
    Ref();
    const bool queued = hub_->executor_.TrySubmit(
        [this, outcomes = std::move(outcomes), start_s, end_s, trigger_us]() mutable {
          auto r = hub_->deps_.assessor->FuseLive(
              user_id_, std::move(outcomes),
              std::chrono::system_clock::now() +
                  std::chrono::milliseconds(hub_->deps_.fusion_timeout_ms));
          Actions a;
          {
            std::lock_guard<std::mutex> lock(mu_);
            fusing_ = false;
            MaybeSummarizeLocked(&a);
            if (!r.ok()) {
              ++counters_.fusions_failed;
              spdlog::warn("session {}: live fusion failed: {}", session_id_, r.status().ToString());
            } else if (phase_ == Phase::kOpen || phase_ == Phase::kEnding) {
              FusedLocked(*std::move(r), start_s, end_s, trigger_us, &a);
            }
          }
          Run(&a);
          Unref();
        });
    if (!queued) {
      fusing_ = false;
      ++counters_.fusions_failed;
      Unref();
    }
  }

  void FusedLocked(Assessment assessment, double start_s, double end_s, int64_t trigger_us,
                   Actions* a) {
    burnout::v1::FusedPoint p;
    p.set_t_s(end_s);
    p.set_level(assessment.risk().level());
    p.set_risk_score(RiskScore(assessment.risk()));
    p.set_confidence(assessment.risk().confidence());
    p.set_stress(assessment.state().stress());
    p.set_energy(assessment.state().energy());
    p.set_work(assessment.state().work());
    fused_series_.Add(p);
    ++counters_.fused_updates;
    SessionUpdate u;
    auto* f = u.mutable_fused();
    for (auto& s : spikes_.Add(p)) *f->add_spikes() = std::move(s);
    *f->mutable_assessment() = std::move(assessment);
    f->set_window_start_s(start_s);
    f->set_window_end_s(end_s);
    f->set_input_time_us(trigger_us);
    *f->mutable_counters() = CountersLocked();
    EnqueueLocked(std::move(u), false, a);
  }

  burnout::v1::SessionCounters CountersLocked() const {
    burnout::v1::SessionCounters c;
    c.set_frames_received(counters_.frames_received);
    c.set_frames_forwarded(counters_.frames_forwarded);
    c.set_frames_analyzed(counters_.frames_analyzed);
    c.set_frames_skipped(frames_skipped_here_ + face_skipped_upstream_);
    c.set_frames_over_rate(counters_.frames_over_rate + counters_.frames_over_rate_upstream);
    c.set_audio_chunks_received(counters_.audio_chunks_received);
    c.set_audio_s_received(counters_.audio_s_received);
    c.set_audio_chunks_dropped(counters_.audio_chunks_dropped);
    c.set_voice_windows_analyzed(counters_.voice_windows_analyzed);
    c.set_voice_windows_skipped(counters_.voice_windows_skipped);
    c.set_updates_sent(counters_.updates_sent);
    c.set_updates_dropped(counters_.updates_dropped);
    c.set_fused_updates(counters_.fused_updates);
    c.set_fusions_failed(counters_.fusions_failed);
    return c;
  }

  // ---- the end ----

  void OnHalfCloseLocked(Actions* a) {
    if (phase_ == Phase::kAwaitOpen) {
      end_status_ = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                 "session: closed before `open`");
      FinishLocked(a);
      return;
    }
    if (phase_ != Phase::kOpen) return;
    // A client that died (kill -9, a dropped connection) also ends the reads.
    if (ctx_->IsCancelled()) {
      ClientGoneLocked(a);
      return;
    }
    EndLocked(grpc::Status::OK, "the client finished", true, a);
  }

  void ClientGoneLocked(Actions* a) {
    client_gone_ = true;
    pending_.clear();
    if (phase_ == Phase::kAwaitOpen) {
      end_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "session: the client went away");
      FinishLocked(a);
    } else if (phase_ == Phase::kOpen) {
      EndLocked(grpc::Status(grpc::StatusCode::CANCELLED, "session: the client went away"),
                "the client went away", false, a);
    } else if (phase_ == Phase::kEnding && end_status_->ok()) {
      // Its reads ended as a half-close would, but it is gone: say so, and stop waiting.
      end_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "session: the client went away");
      ended_ = "the client went away";
      drain_cancelled_ = true;
      CancelUpstreamsLocked(a);
    }
  }

  // No more input. `drain`: let the analyzers finish their last results first; otherwise
  // cancel their streams.
  void EndLocked(grpc::Status status, std::string ended, bool drain, Actions* a) {
    if (phase_ == Phase::kAwaitOpen) {
      end_status_ = std::move(status);
      FinishLocked(a);
      return;
    }
    if (phase_ != Phase::kOpen) return;
    phase_ = Phase::kEnding;
    end_status_ = std::move(status);
    ended_ = std::move(ended);
    drain_deadline_ = Clock::now() + std::chrono::milliseconds(cfg_.drain_timeout_ms());
    if (drain) {
      if (voice_up_ && voice_up_->HalfClose()) a->calls.push_back([up = voice_up_] { up->Flush(); });
      if (face_up_ && face_up_->HalfClose()) a->calls.push_back([up = face_up_] { up->Flush(); });
    } else {
      drain_cancelled_ = true;
      CancelUpstreamsLocked(a);
    }
    MaybeSummarizeLocked(a);
  }

  void MaybeSummarizeLocked(Actions* a) {
    if (phase_ != Phase::kEnding || voice_up_ || face_up_ || text_pending_ || fusing_) return;
    phase_ = Phase::kSummarizing;
    if (voice_.all.count() == 0 && face_.all.count() == 0) {
      // Nothing was analysed: nothing to store.
      if (end_status_->ok()) {
        end_status_ = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                                   "session: no audio or frame was analysed; nothing was stored");
      } else {
        end_status_ = grpc::Status(end_status_->error_code(),
                                   absl::StrCat(end_status_->error_message(),
                                                "; nothing was analysed, nothing stored"));
      }
      FinalLocked(a);
      return;
    }
    burnout::v1::SessionReport report = ReportLocked();
    std::vector<ModalityOutcome> outcomes = {TextOutcomeLocked(), SessionOutcome(voice_),
                                             SessionOutcome(face_)};
    Ref();
    auto task = [this, report = std::move(report), outcomes = std::move(outcomes)]() mutable {
      auto stored = hub_->deps_.assessor->StoreSession(
          user_id_, session_id_, outcomes, report,
          std::chrono::system_clock::now() +
              std::chrono::milliseconds(hub_->deps_.store_timeout_ms));
      Actions a;
      {
        std::lock_guard<std::mutex> lock(mu_);
        SummaryLocked(std::move(stored), std::move(report), std::move(outcomes), &a);
      }
      Run(&a);
      Unref();
    };
    // The store must run even when the executor is saturated: what was acknowledged is kept.
    if (!hub_->executor_.TrySubmit(task)) std::thread(std::move(task)).detach();
  }

  static ModalityOutcome SessionOutcome(const Channel& c) {
    ModalityOutcome o;
    o.set_modality(c.modality);
    if (!c.requested) {
      o.set_mask_reason(kNotProvided);
    } else if (c.all.count() > 0) {
      o.set_used(true);
      *o.mutable_result() = c.all.Result();
    } else {
      o.set_mask_reason(c.failed ? c.mask_reason : "no result in the session");
    }
    return o;
  }

  burnout::v1::SessionReport ReportLocked() const {
    burnout::v1::SessionReport r;
    r.set_session_id(session_id_);
    r.set_started_at_ms(started_at_ms_);
    const double duration = Seconds(newest_input_us_);
    r.set_duration_s(duration);
    r.set_ended(ended_);
    for (const Channel* c : {&voice_, &face_}) {
      if (c->requested && c->all.count() > 0) *r.add_series() = c->series.ToProto();
    }
    for (const auto& p : fused_series_.points()) *r.add_fused_series() = p;
    r.set_fused_step_s(fused_series_.step_s());
    for (const auto& s : spikes_.spikes()) *r.add_spikes() = s;
    std::vector<burnout::v1::ModalitySeries> series(r.series().begin(), r.series().end());
    std::vector<burnout::v1::FusedPoint> fused(r.fused_series().begin(), r.fused_series().end());
    for (auto& s : Segments(duration, series, fused)) *r.add_segments() = std::move(s);
    *r.mutable_counters() = CountersLocked();
    for (const auto& n : notes_) r.add_notes(n);
    if (spikes_.total() > static_cast<int64_t>(spikes_.spikes().size())) {
      r.add_notes(absl::StrCat(spikes_.total(), " stress spikes; the first ",
                               spikes_.spikes().size(), " are kept"));
    }
    return r;
  }

  void SummaryLocked(absl::StatusOr<Assessment> stored, burnout::v1::SessionReport report,
                     std::vector<ModalityOutcome> outcomes, Actions* a) {
    SessionUpdate u;
    if (stored.ok()) {
      spdlog::info("session {} ended ({}); stored as {}", session_id_, ended_,
                   stored->assessment_id());
      if (!end_status_->ok()) {
        end_status_ = grpc::Status(end_status_->error_code(),
                                   absl::StrCat(end_status_->error_message(),
                                                "; the session's summary was stored as ",
                                                stored->assessment_id()));
      }
      *u.mutable_summary() = *std::move(stored);
    } else {
      // The client still gets what was analysed, and the status says it was not stored.
      spdlog::error("session {}: the summary could not be stored: {}", session_id_,
                    stored.status().ToString());
      report.set_store_error(std::string(stored.status().message()));
      Assessment* s = u.mutable_summary();
      s->set_user_id(user_id_);
      s->set_request_id(session_id_);
      s->set_created_at_ms(EpochMillis());
      s->set_notice(kNotice);
      for (auto& o : outcomes) *s->add_modalities() = std::move(o);
      *s->mutable_session() = std::move(report);
      end_status_ = grpc::Status(
          end_status_->ok() ? grpc::StatusCode::UNAVAILABLE : end_status_->error_code(),
          absl::StrCat(end_status_->ok() ? "session" : end_status_->error_message(),
                       ": the summary could not be stored: ", stored.status().message()));
    }
    if (!client_gone_) pending_.push_back(std::move(u));
    FinalLocked(a);
  }

  void FinalLocked(Actions* a) {
    phase_ = Phase::kFinal;
    PumpLocked(a);
    if (!writing_ && (pending_.empty() || client_gone_)) FinishLocked(a);
  }

  void FinishLocked(Actions* a) {
    if (phase_ == Phase::kFinished) return;
    phase_ = Phase::kFinished;
    a->finish = *end_status_;
    // Before the client can see the status, so it may open its next session at once.
    if (person_held_) {
      person_held_ = false;
      hub_->ReleasePerson(user_id_);
    }
  }

  SessionHub* const hub_;
  const burnout::v1::SessionConfig& cfg_;
  grpc::CallbackServerContext* const ctx_;
  const Clock::time_point created_at_;

  std::mutex mu_;
  Phase phase_ = Phase::kAwaitOpen;
  bool registered_ = false;
  bool person_held_ = false;
  SessionRequest in_;
  SessionUpdate out_;
  std::string user_id_;
  std::string session_id_;
  int interval_ms_ = 1000;
  Clock::time_point opened_at_;
  Clock::time_point last_input_at_ = Clock::now();
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
  std::shared_ptr<VoiceUpstream> voice_up_;
  std::shared_ptr<FaceUpstream> face_up_;
  int64_t last_face_index_ = -1;
  double last_voice_end_s_ = -1;
  int64_t frames_skipped_here_ = 0;
  int64_t face_skipped_upstream_ = 0;

  bool text_given_ = false;
  bool text_pending_ = false;
  std::optional<ModalityResult> text_result_;
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

  std::deque<SessionUpdate> pending_;
  bool writing_ = false;
  bool client_gone_ = false;
  bool drain_cancelled_ = false;
  std::optional<grpc::Status> end_status_;
  std::string ended_;
  std::vector<std::string> notes_;
};

// ---- the hub ----

absl::Status PrepareSessionConfig(burnout::v1::SessionConfig* c) {
  if (c->max_session_s() == 0) c->set_max_session_s(3600);
  if (c->idle_timeout_ms() == 0) c->set_idle_timeout_ms(10000);
  if (c->max_frame_bytes() == 0) c->set_max_frame_bytes(4 << 20);
  if (c->max_frame_pixels() == 0) c->set_max_frame_pixels(1920 * 1080);
  if (c->max_fps() == 0) c->set_max_fps(60);
  if (c->max_chunk_bytes() == 0) c->set_max_chunk_bytes(262144);
  if (c->max_sessions_per_person() == 0) c->set_max_sessions_per_person(2);
  if (c->max_open_sessions() == 0) c->set_max_open_sessions(32);
  if (c->update_interval_ms() == 0) c->set_update_interval_ms(1000);
  if (c->window_ms() == 0) c->set_window_ms(10000);
  if (c->face_analysis_fps() == 0) c->set_face_analysis_fps(5);
  if (c->max_timestamp_gap_ms() == 0) c->set_max_timestamp_gap_ms(5000);
  if (c->audio_buffer_ms() == 0) c->set_audio_buffer_ms(2000);
  if (c->max_pending_updates() == 0) c->set_max_pending_updates(16);
  if (c->write_timeout_ms() == 0) c->set_write_timeout_ms(10000);
  if (c->series_step_ms() == 0) c->set_series_step_ms(1000);
  if (c->max_series_points() == 0) c->set_max_series_points(1200);
  if (c->series_indicators().empty()) {
    for (const char* name : {"perclos", "blink_rate_per_min", "blink_duration_ms", "long_eye_closures", "yawns",
                             "head_nods", "eyes_open"}) {
      c->add_series_indicators(name);
    }
  }
  if (c->spike_lookback() == 0) c->set_spike_lookback(3);
  if (c->spike_confidence_drop() == 0) c->set_spike_confidence_drop(0.15f);
  if (c->spike_stress_jump() == 0) c->set_spike_stress_jump(0.15f);
  if (c->drain_timeout_ms() == 0) c->set_drain_timeout_ms(10000);
  auto range = [](const char* key, double v, double lo, double hi) -> absl::Status {
    if (v >= lo && v <= hi) return absl::OkStatus();
    return absl::InvalidArgumentError(
        absl::StrFormat("session.%s: %g is outside [%g, %g]", key, v, lo, hi));
  };
  for (const auto& [key, v, lo, hi] : std::initializer_list<std::tuple<const char*, double, double, double>>{
           {"max_session_s", c->max_session_s(), 1, 86400},
           {"idle_timeout_ms", double(c->idle_timeout_ms()), 100, 3600000},
           {"max_frame_bytes", double(c->max_frame_bytes()), 1024, 64 << 20},
           {"max_frame_pixels", double(c->max_frame_pixels()), 64, 1e8},
           {"max_fps", c->max_fps(), 1, 1000},
           {"max_chunk_bytes", double(c->max_chunk_bytes()), 64, 16 << 20},
           {"max_sessions_per_person", double(c->max_sessions_per_person()), 1, 1000},
           {"max_open_sessions", double(c->max_open_sessions()), 1, 100000},
           {"update_interval_ms", double(c->update_interval_ms()), 250, 60000},
           {"window_ms", double(c->window_ms()), 500, 600000},
           {"face_analysis_fps", c->face_analysis_fps(), 0.1, 60},
           {"max_timestamp_gap_ms", double(c->max_timestamp_gap_ms()), 100, 3600000},
           {"audio_buffer_ms", double(c->audio_buffer_ms()), 100, 60000},
           {"max_pending_updates", double(c->max_pending_updates()), 2, 10000},
           {"write_timeout_ms", double(c->write_timeout_ms()), 100, 3600000},
           {"series_step_ms", double(c->series_step_ms()), 10, 3600000},
           {"max_series_points", double(c->max_series_points()), 4, 1000000},
           {"spike_lookback", double(c->spike_lookback()), 1, 1000},
           {"spike_confidence_drop", c->spike_confidence_drop(), 0.001, 1},
           {"spike_stress_jump", c->spike_stress_jump(), 0.001, 1},
           {"drain_timeout_ms", double(c->drain_timeout_ms()), 100, 600000}}) {
    if (auto s = range(key, v, lo, hi); !s.ok()) return s;
  }
  return absl::OkStatus();
}

SessionHub::SessionHub(const burnout::v1::SessionConfig& config, const SessionDeps& deps)
    : config_(config),
      deps_(deps),
      streams_(std::make_unique<SessionStreams>()),
      executor_(4, 1024),
      registry_(config.max_open_sessions()) {
  if (!deps.voice_target.empty()) {
    streams_->voice = burnout::v1::VoiceAnalyzer::NewStub(
        grpcx::MakeChannel(deps.voice_target, deps.max_message_bytes));
  }
  if (!deps.face_target.empty()) {
    streams_->face = burnout::v1::FaceAnalyzer::NewStub(
        grpcx::MakeChannel(deps.face_target, deps.max_message_bytes));
  }
}

SessionHub::~SessionHub() = default;

grpc::ServerBidiReactor<SessionRequest, SessionUpdate>* SessionHub::Start(
    grpc::CallbackServerContext* ctx) {
  return new Session(this, ctx);
}

bool SessionHub::AcquirePerson(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  int& n = per_person_[user_id];
  if (n >= config_.max_sessions_per_person()) {
    if (n == 0) per_person_.erase(user_id);
    return false;
  }
  ++n;
  return true;
}

void SessionHub::ReleasePerson(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = per_person_.find(user_id);
  if (it != per_person_.end() && --it->second <= 0) per_person_.erase(it);
}

}  // namespace burnout::orchestrator
