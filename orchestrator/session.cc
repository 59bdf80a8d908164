// The transport of live sessions: the client's StreamSession reactor and the hub. Every
// decision is SessionCore's (session_core.h); this feeds it the gRPC events under the
// session's lock and issues the actions it returns after releasing the lock (gRPC may run
// reactions inline, and a reaction takes the lock). The analyzers' streams are
// UpstreamCall reactors (session_upstream.h).
#include "orchestrator/session.h"

#include "common/grpc/metrics.h"

#include <malloc.h>

#include <chrono>
#include <functional>
#include <optional>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "burnout/v1/face.grpc.pb.h"
#include "burnout/v1/voice.grpc.pb.h"
#include "common/grpc/channel.h"
#include "orchestrator/session_core.h"
#include "orchestrator/session_upstream.h"

namespace burnout::orchestrator {

using burnout::v1::SessionRequest;
using burnout::v1::SessionUpdate;

class SessionStreams {
 public:
  std::unique_ptr<burnout::v1::VoiceAnalyzer::Stub> voice;
  std::unique_ptr<burnout::v1::FaceAnalyzer::Stub> face;
};

namespace {

using VoiceCall = UpstreamCall<burnout::v1::AudioStreamRequest, burnout::v1::VoiceWindowResult>;
using FaceCall = UpstreamCall<burnout::v1::FaceStreamRequest, burnout::v1::FaceFrameResult>;

SessionCoreOptions CoreOptions(const SessionDeps& deps, const SessionStreams& streams) {
  SessionCoreOptions o;
  o.voice_deployed = streams.voice != nullptr;
  o.face_deployed = streams.face != nullptr;
  o.text_deployed = deps.text != nullptr;
  o.max_text_bytes = deps.max_text_bytes;
  return o;
}

}  // namespace

// One session's gRPC side. References: the owner's (released in OnDone), one per live
// upstream, one per task on the executor, one per text call, and the registry watcher's
// while it checks timers.
class Session final
    : public grpc::ServerBidiReactor<SessionRequest, SessionUpdate>,
      public grpcx::WatchedStream,
      private SessionEnv {
 public:
  using Clock = std::chrono::steady_clock;

  // A long session's series and summary (tens of MiB for four 30-minute sessions) are freed
  // with it: glibc keeps freed memory in its arenas unless asked, so ask.
  ~Session() override {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
  }

  Session(SessionHub* hub, grpc::CallbackServerContext* ctx)
      : hub_(hub), ctx_(ctx), core_(hub->config_, CoreOptions(hub->deps_, *hub->streams_), this) {
    React([this] {
      registered_ = hub_->registry_.Register(this);
      return core_.Start(registered_);
    });
  }

  void OnReadDone(bool ok) override {
    Ref();
    React([&] { return ok ? core_.OnRequest(&in_) : core_.OnReadsDone(ctx_->IsCancelled()); });
    Unref();
  }

  void OnWriteDone(bool ok) override {
    Ref();
    React([&] { return core_.OnWriteDone(ok); });
    Unref();
  }

  void OnCancel() override {
    Ref();
    React([&] { return core_.OnClientGone(); });
    Unref();
  }

  // The person's slot went when the core finished, which every end passes through.
  void OnDone() override {
    if (registered_) hub_->registry_.Unregister(this);
    Unref();
  }

  void CheckTimers(Clock::time_point now) override {
    React([&] { return core_.OnTick(now); });
  }

 private:
  // gRPC operations bound under mu_, issued after it is released.
  struct Calls {
    std::vector<std::function<void()>> calls;
    bool cancel_call = false;
    bool write = false;
    bool read = false;
    std::optional<grpc::Status> finish;
  };

  // SessionEnv
  Clock::time_point Now() override { return Clock::now(); }
  int64_t EpochMicros() override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  bool AcquirePerson(const std::string& user_id) override { return hub_->AcquirePerson(user_id); }
  absl::Status Authorize(const std::string& user_id) override {
    return hub_->authorize_ ? hub_->authorize_(ctx_, user_id) : absl::OkStatus();
  }
  void ReleasePerson(const std::string& user_id) override { hub_->ReleasePerson(user_id); }

  // Runs `event` (returning the core's actions) under mu_, then issues the actions.
  template <typename F>
  void React(F&& event) {
    Calls c;
    {
      std::lock_guard<std::mutex> lock(mu_);
      Bind(event(), &c);
    }
    for (auto& f : c.calls) f();
    if (c.cancel_call) ctx_->TryCancel();
    if (c.write) StartWrite(&out_);
    if (c.read) StartRead(&in_);
    if (c.finish) Finish(*c.finish);
  }

  template <typename Req, typename Resp, typename Stub>
  void BindUpstream(std::vector<UpstreamOp<Req>>& ops, std::shared_ptr<UpstreamCall<Req, Resp>>* up,
                    SessionStream stream, Stub* stub,
                    SessionActions (SessionCore::*on_result)(Resp), Calls* c) {
    using Call = UpstreamCall<Req, Resp>;
    using Kind = typename UpstreamOp<Req>::Kind;
    for (auto& op : ops) {
      switch (op.kind) {
        case Kind::kStart: {
          Ref();  // released when the stream is done
          *up = std::make_shared<Call>(
              [this, stream](bool ok) {
                React([&] { return core_.OnUpstreamWriteDone(stream, ok); });
              },
              [this, on_result](Resp r) { React([&] { return (core_.*on_result)(std::move(r)); }); },
              [this, stream, up](const grpc::Status& s) {
                React([&] {
                  up->reset();
                  return core_.OnUpstreamDone(stream, s);
                });
                Unref();
              });
          c->calls.push_back([call = *up, stub, open = std::move(op.message)]() mutable {
            call->Begin(
                [stub](grpc::ClientContext* ctx, grpc::ClientBidiReactor<Req, Resp>* r) {
                  stub->async()->AnalyzeStream(ctx, r);
                },
                std::move(open));
          });
          break;
        }
        case Kind::kWrite:
          c->calls.push_back([call = *up, m = std::move(op.message)]() mutable {
            call->Write(std::move(m));
          });
          break;
        case Kind::kWritesDone:
          c->calls.push_back([call = *up] { call->WritesDone(); });
          break;
        case Kind::kCancel:
          c->calls.push_back([call = *up] { call->Cancel(); });
          break;
      }
    }
  }

  // Binds the core's actions to gRPC operations (under mu_): the analyzers' streams are
  // created here, and fusion and the store are queued here, so a later reaction finds them.
  void Bind(SessionActions a, Calls* c) {
    BindUpstream(a.voice, &voice_up_, SessionStream::kVoice, hub_->streams_->voice.get(),
                 &SessionCore::OnVoiceResult, c);
    BindUpstream(a.face, &face_up_, SessionStream::kFace, hub_->streams_->face.get(),
                 &SessionCore::OnFaceResult, c);
    if (a.analyze_text) {
      Ref();
      AnalyzerInput in;
      in.modality = burnout::v1::MODALITY_TEXT;
      in.text = std::move(*a.analyze_text);
      const auto deadline = std::chrono::system_clock::now() +
                            std::chrono::milliseconds(hub_->deps_.text_timeout_ms);
      c->calls.push_back([this, in = std::move(in), deadline] {
        hub_->deps_.text->AnalyzeAsync(in, deadline, [this](absl::StatusOr<burnout::v1::ModalityResult> r) {
          React([&] { return core_.OnTextResult(std::move(r)); });
          Unref();
        });
      });
    }
    if (a.fuse) {
      Ref();
      const bool queued = hub_->executor_.TrySubmit(
          [this, fuse = std::move(*a.fuse), user_id = core_.user_id()]() mutable {
            auto r = hub_->deps_.assessor->FuseLive(
                user_id, std::move(fuse.outcomes),
                std::chrono::system_clock::now() +
                    std::chrono::milliseconds(hub_->deps_.fusion_timeout_ms));
            React([&] { return core_.OnFused(std::move(r), fuse); });
            Unref();
          });
      if (!queued) {
        Unref();
        Bind(core_.OnFuseRejected(), c);
      }
    }
    if (a.store) {
      Ref();
      // What the session had to drop, for /metrics (its report carries the same counters).
      const auto& k = a.store->report.counters();
      auto& metrics = grpcx::Metrics::Get();
      metrics.Count("burnout_sessions_ended_total", {});
      metrics.Count("burnout_session_drops_total", {{"what", "frames_skipped"}}, k.frames_skipped());
      metrics.Count("burnout_session_drops_total", {{"what", "audio_chunks_dropped"}},
                    k.audio_chunks_dropped());
      metrics.Count("burnout_session_drops_total", {{"what", "updates_dropped"}}, k.updates_dropped());
      auto task = [this, summary = std::move(*a.store), user_id = core_.user_id(),
                   session_id = core_.session_id()]() mutable {
        auto stored = hub_->deps_.assessor->StoreSession(
            user_id, session_id, summary.outcomes, summary.report,
            std::chrono::system_clock::now() +
                std::chrono::milliseconds(hub_->deps_.store_timeout_ms));
        React([&] { return core_.OnStored(std::move(stored), std::move(summary)); });
        Unref();
      };
      // The store must run even when the executor is saturated: what was acknowledged is kept.
      if (!hub_->executor_.TrySubmit(task)) std::thread(std::move(task)).detach();
    }
    c->cancel_call |= a.cancel_call;
    if (a.write) {
      out_ = std::move(*a.write);
      c->write = true;
    }
    c->read |= a.read;
    if (a.finish) c->finish = std::move(a.finish);
  }

  SessionHub* const hub_;
  grpc::CallbackServerContext* const ctx_;
  std::mutex mu_;
  SessionCore core_;  // guarded by mu_
  bool registered_ = false;
  SessionRequest in_;
  SessionUpdate out_;
  std::shared_ptr<VoiceCall> voice_up_;
  std::shared_ptr<FaceCall> face_up_;
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
  grpcx::Metrics::Get().Describe("burnout_sessions_open", "Live sessions open on this orchestrator.");
  grpcx::Metrics::Get().Gauge("burnout_sessions_open", {}, [this] { return registry_.size(); });
  if (!deps.voice_target.empty()) {
    streams_->voice = burnout::v1::VoiceAnalyzer::NewStub(
        grpcx::MakeChannel(deps.voice_target, deps.max_message_bytes, deps.tls));
  }
  if (!deps.face_target.empty()) {
    streams_->face = burnout::v1::FaceAnalyzer::NewStub(
        grpcx::MakeChannel(deps.face_target, deps.max_message_bytes, deps.tls));
  }
}

SessionHub::~SessionHub() { grpcx::Metrics::Get().RemoveGauges("burnout_sessions_open"); }

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
