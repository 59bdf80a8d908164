// SessionCore: the events after the input — the analyzers' results and ends, the client's
// writes, the timers, fusion on the windows, and the end: summary, store, finish.
#include "orchestrator/session_core.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc/status.h"
#include "orchestrator/assessor.h"
#include "orchestrator/explainer.h"
#include "orchestrator/state_engine.h"
#include "spdlog/spdlog.h"

namespace burnout::orchestrator {

using burnout::v1::Assessment;
using burnout::v1::Modality;
using burnout::v1::ModalityOutcome;
using burnout::v1::ModalityResult;
using burnout::v1::SessionUpdate;

namespace {

SpikeOptions SpikeOpts(const burnout::v1::SessionConfig& c) {
  SpikeOptions o;
  o.lookback = c.spike_lookback();
  o.confidence_drop = c.spike_confidence_drop();
  o.stress_jump = c.spike_stress_jump();
  return o;
}

}  // namespace

SessionCore::Channel::Channel(Modality m, const burnout::v1::SessionConfig& c)
    : modality(m),
      window(c.window_ms() / 1000.0, 1024),
      series(m, c.series_step_ms() / 1000.0, c.max_series_points(),
             {c.series_indicators().begin(), c.series_indicators().end()}) {}

SessionCore::SessionCore(const burnout::v1::SessionConfig& config,
                         const SessionCoreOptions& options, SessionEnv* env)
    : cfg_(config),
      options_(options),
      env_(env),
      created_at_(env->Now()),
      last_input_at_(created_at_),
      voice_(burnout::v1::MODALITY_VOICE, cfg_),
      face_(burnout::v1::MODALITY_FACE, cfg_),
      fused_series_(cfg_.series_step_ms() / 1000.0, cfg_.max_series_points()),
      spikes_(SpikeOpts(cfg_)) {}

grpc::Status SessionCore::LengthStatus() const {
  return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                      absl::StrFormat("session: longer than %.0f s (session.max_session_s)",
                                      cfg_.max_session_s()));
}

// ---- the client's side ----

SessionActions SessionCore::Start(bool admitted) {
  SessionActions a;
  if (!admitted) {
    end_status_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               absl::StrCat("orchestrator: ", cfg_.max_open_sessions(),
                                            " sessions are open (session.max_open_sessions)"));
    Finish(&a);
  } else {
    a.read = true;
  }
  return a;
}

SessionActions SessionCore::OnRequest(burnout::v1::SessionRequest* request) {
  SessionActions a;
  if (phase_ != Phase::kAwaitOpen && phase_ != Phase::kOpen) return a;
  last_input_at_ = env_->Now();
  absl::Status s = Handle(request, &a);
  if (absl::IsOutOfRange(s)) {
    End(grpcx::ToGrpc(s), "the session reached its maximum length", true, &a);
  } else if (!s.ok()) {
    End(grpcx::ToGrpc(s), absl::StrCat("bad input: ", s.message()), false, &a);
  } else if (phase_ == Phase::kOpen) {
    a.read = true;
  }
  return a;
}

SessionActions SessionCore::OnReadsDone(bool cancelled) {
  SessionActions a;
  if (phase_ == Phase::kAwaitOpen) {
    end_status_ = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                               "session: closed before `open`");
    Finish(&a);
  } else if (phase_ == Phase::kOpen) {
    // A client that died (kill -9, a dropped connection) also ends the reads.
    if (cancelled) {
      ClientGone(&a);
    } else {
      End(grpc::Status::OK, "the client finished", true, &a);
    }
  }
  return a;
}

SessionActions SessionCore::OnWriteDone(bool ok) {
  SessionActions a;
  writing_ = false;
  if (!ok) {
    ClientGone(&a);
  } else {
    ++counters_.updates_sent;
    Pump(&a);
  }
  if (phase_ == Phase::kFinal && !writing_ && (pending_.empty() || client_gone_)) Finish(&a);
  return a;
}

SessionActions SessionCore::OnClientGone() {
  SessionActions a;
  ClientGone(&a);
  if (phase_ == Phase::kFinal && !writing_) Finish(&a);
  return a;
}

SessionActions SessionCore::OnTick(Clock::time_point now) {
  SessionActions a;
  const auto idle = std::chrono::milliseconds(cfg_.idle_timeout_ms());
  if (writing_ && !client_gone_ &&
      now - write_started_ > std::chrono::milliseconds(cfg_.write_timeout_ms())) {
    // A client that reads nothing holds our only write: cut it off; what it sent so far is
    // still summarised and stored.
    spdlog::warn("session {}: the client read no update for {} ms; cancelling", session_id_,
                 cfg_.write_timeout_ms());
    const grpc::Status s(grpc::StatusCode::DEADLINE_EXCEEDED,
                         absl::StrCat("session: the client read no update for ",
                                      cfg_.write_timeout_ms(), " ms (session.write_timeout_ms)"));
    if (phase_ < Phase::kEnding) End(s, "the client stopped reading", false, &a);
    client_gone_ = true;
    pending_.clear();
    a.cancel_call = true;
  }
  switch (phase_) {
    case Phase::kAwaitOpen:
      if (now - created_at_ > idle) {
        end_status_ = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                   absl::StrCat("session: no `open` for ", cfg_.idle_timeout_ms(),
                                                " ms (session.idle_timeout_ms)"));
        Finish(&a);
      }
      break;
    case Phase::kOpen:
      if (now - opened_at_ > std::chrono::duration<double>(cfg_.max_session_s())) {
        End(LengthStatus(), "the session reached its maximum length", true, &a);
      } else if (now - last_input_at_ > idle) {
        End(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                         absl::StrCat("session: no audio or frame for ", cfg_.idle_timeout_ms(),
                                      " ms (session.idle_timeout_ms)")),
            "the client went silent", true, &a);
      } else if (now >= next_fuse_at_ + std::chrono::milliseconds(interval_ms_ / 2)) {
        // Results arriving after the interval trigger fused updates (fresh ones); this is
        // the fallback when none arrive.
        MaybeFuse(std::nullopt, &a);
      }
      break;
    case Phase::kEnding:
      if (now > drain_deadline_ && !drain_cancelled_) {
        // The analyzers did not finish their last results in time: stop waiting.
        drain_cancelled_ = true;
        CancelUpstreams(&a);
      }
      break;
    default:
      break;
  }
  return a;
}

// ---- the analyzers' streams ----

// Whether a stream may be opened for `c` now: deployed, and not failed or past its retry
// time (a restarted or replaced analyzer is picked up again).
bool SessionCore::MayStart(const Channel& c) const {
  return c.deployed && (!c.failed || env_->Now() >= c.retry_at);
}

void SessionCore::StartVoice(SessionActions* a) {
  burnout::v1::AudioStreamRequest open;
  *open.mutable_open()->mutable_format() = audio_format_;
  const size_t max_bytes = static_cast<size_t>(
      int64_t{cfg_.audio_buffer_ms()} * audio_format_.sample_rate() / 1000 * bytes_per_frame_);
  voice_up_.Start(std::move(open), max_bytes, &a->voice);
}

void SessionCore::StartFace(SessionActions* a) {
  burnout::v1::FaceStreamRequest open;
  open.mutable_open()->set_analyze_every_n(1);  // this session already picks the frames
  open.mutable_open()->set_window_ms(cfg_.window_ms());
  face_up_.Start(std::move(open), 0, &a->face);
}

SessionActions SessionCore::OnUpstreamWriteDone(SessionStream stream, bool ok) {
  SessionActions a;
  if (stream == SessionStream::kVoice) {
    voice_up_.WriteDone(ok, &a.voice);
  } else {
    face_up_.WriteDone(ok, &a.face);
  }
  return a;
}

SessionActions SessionCore::OnVoiceResult(burnout::v1::VoiceWindowResult r) {
  SessionActions a;
  // The tail's result after the half-close can cover the window just reported.
  if (!(r.final() && r.window_end_s() <= last_voice_end_s_)) {
    last_voice_end_s_ = r.window_end_s();
    ++counters_.voice_windows_analyzed;
    counters_.voice_windows_skipped = r.windows_skipped();
    Record(&voice_, r.capture_time_us(), std::move(*r.mutable_result()), &a);
  }
  return a;
}

SessionActions SessionCore::OnFaceResult(burnout::v1::FaceFrameResult r) {
  SessionActions a;
  face_skipped_upstream_ = r.frames_skipped();
  counters_.frames_over_rate_upstream = r.frames_over_rate();
  // The final result repeats the last analysed frame when nothing newer was pending.
  if (r.frame_index() != last_face_index_) {
    last_face_index_ = r.frame_index();
    ++counters_.frames_analyzed;
    Record(&face_, r.capture_time_us(), std::move(*r.mutable_frame()), &a);
  }
  return a;
}

void SessionCore::Record(Channel* c, int64_t input_us, ModalityResult result, SessionActions* a) {
  const double t = Seconds(input_us);
  if (c->failed) {
    // A reopened stream answers: the modality is back.
    c->failed = false;
    c->mask_reason.clear();
    AddNote(absl::StrFormat("%s: back at %.1f s", ModalityName(c->modality), t));
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
  Enqueue(std::move(u), true, a);
  if (phase_ == Phase::kOpen && env_->Now() >= next_fuse_at_) MaybeFuse(input_us, a);
}

SessionActions SessionCore::OnUpstreamDone(SessionStream stream, const grpc::Status& status) {
  SessionActions a;
  Channel* c = stream == SessionStream::kVoice ? &voice_ : &face_;
  if (stream == SessionStream::kVoice) {
    voice_up_.Done();
  } else {
    face_up_.Done();
  }
  if (!status.ok() || phase_ == Phase::kOpen) {
    const std::string name = ModalityName(c->modality);
    const std::string reason =
        status.ok() ? "its stream ended early"
                    : absl::StrCat("its stream failed: ", MaskReason(grpcx::FromGrpc(status)));
    if (phase_ == Phase::kOpen) {
      // Masked until a reopened stream answers (tried again after 1, 2, 4, 8, 8 ... s); its
      // results so far stay in the summary.
      const bool was_masked = c->failed;
      c->failed = true;
      c->mask_reason = reason;
      ++c->failures;
      c->retry_at = env_->Now() + std::chrono::milliseconds(1000 << std::min(c->failures - 1, 3));
      c->window.Clear();
      if (!was_masked) {
        AddNote(absl::StrFormat("%s: %s at %.1f s; its results up to then are included", name,
                                reason, Seconds(newest_input_us_)));
        spdlog::warn("session {}: {} masked: {}", session_id_, name, reason);
        EnqueueMasked(*c, &a);
      }
    } else if (!drain_cancelled_ && phase_ == Phase::kEnding) {
      AddNote(absl::StrCat(name, ": its last results were lost: ", reason));
    }
  }
  MaybeSummarize(&a);
  return a;
}

SessionActions SessionCore::OnTextResult(absl::StatusOr<ModalityResult> r) {
  SessionActions a;
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
  Enqueue(std::move(u), false, &a);
  MaybeSummarize(&a);
  return a;
}

// Notes are for a person reading the summary: a flapping analyzer must not fill them.
void SessionCore::AddNote(std::string note) {
  if (notes_.size() < 20) notes_.push_back(std::move(note));
}

void SessionCore::CancelUpstreams(SessionActions* a) {
  voice_up_.Cancel(&a->voice);
  face_up_.Cancel(&a->face);
}

// ---- updates to the client ----

void SessionCore::EnqueueMasked(const Channel& c, SessionActions* a) {
  SessionUpdate u;
  auto* m = u.mutable_modality();
  m->set_modality(c.modality);
  m->set_t_s(Seconds(newest_input_us_));
  m->set_masked(true);
  m->set_mask_reason(c.mask_reason);
  Enqueue(std::move(u), false, a);
}

// `droppable`: a per-modality result, which may give way when the client reads slowly.
// Fused updates replace older fused updates; the rest (started, maskings, the summary)
// always go out.
void SessionCore::Enqueue(SessionUpdate u, bool droppable, SessionActions* a) {
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
      Pump(a);
      return;  // nothing older may go: this one does
    }
    pending_.erase(drop);
  }
  pending_.push_back(std::move(u));
  Pump(a);
}

void SessionCore::Pump(SessionActions* a) {
  if (writing_ || client_gone_ || pending_.empty() || phase_ == Phase::kFinished) return;
  a->write = std::move(pending_.front());
  pending_.pop_front();
  writing_ = true;
  write_started_ = env_->Now();
}

// ---- fusion on the window ----

ModalityOutcome SessionCore::TextOutcome() const {
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

ModalityOutcome SessionCore::LiveOutcome(Channel* c) {
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

void SessionCore::MaybeFuse(std::optional<int64_t> trigger_us, SessionActions* a) {
  if (phase_ != Phase::kOpen || fusing_) return;
  next_fuse_at_ = env_->Now() + std::chrono::milliseconds(interval_ms_);
  std::vector<ModalityOutcome> outcomes = {TextOutcome(), LiveOutcome(&voice_), LiveOutcome(&face_)};
  if (!outcomes[1].used() && !outcomes[2].used()) return;  // text alone is not live
  double start_s = 1e300, end_s = 0;
  for (const Channel* c : {&voice_, &face_}) {
    if (c->window.size() == 0 || c->failed) continue;
    start_s = std::min(start_s, c->window.oldest_s());
    end_s = std::max(end_s, c->window.newest_s());
  }
  // On the interval alone: the newest input either stream has a result for.
  if (!trigger_us) trigger_us = std::max(voice_.newest_input_us, face_.newest_input_us);
  fusing_ = true;
  a->fuse = FuseNow{std::move(outcomes), start_s, end_s, *trigger_us};
}

SessionActions SessionCore::OnFuseRejected() {
  SessionActions a;
  fusing_ = false;
  ++counters_.fusions_failed;
  MaybeSummarize(&a);
  return a;
}

SessionActions SessionCore::OnFused(absl::StatusOr<Assessment> r, const FuseNow& request) {
  SessionActions a;
  fusing_ = false;
  MaybeSummarize(&a);
  if (!r.ok()) {
    ++counters_.fusions_failed;
    spdlog::warn("session {}: live fusion failed: {}", session_id_, r.status().ToString());
  } else if (phase_ == Phase::kOpen || phase_ == Phase::kEnding) {
    Fused(*std::move(r), request.start_s, request.end_s, request.trigger_us, &a);
  }
  return a;
}

void SessionCore::Fused(Assessment assessment, double start_s, double end_s, int64_t trigger_us,
                        SessionActions* a) {
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
  *f->mutable_counters() = Counters();
  Enqueue(std::move(u), false, a);
}

burnout::v1::SessionCounters SessionCore::Counters() const {
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

}  // namespace burnout::orchestrator
