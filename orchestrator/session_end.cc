// SessionCore: how a session ends — no more input, the analyzers' last results, the summary
// fused over the whole session and stored, the last updates, the status; exactly once.
#include <utility>

#include "absl/strings/str_cat.h"
#include "orchestrator/explainer.h"
#include "orchestrator/session_core.h"
#include "spdlog/spdlog.h"

namespace burnout::orchestrator {

using burnout::v1::Assessment;
using burnout::v1::ModalityOutcome;
using burnout::v1::SessionUpdate;

void SessionCore::ClientGone(SessionActions* a) {
  client_gone_ = true;
  pending_.clear();
  if (phase_ == Phase::kAwaitOpen) {
    end_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "session: the client went away");
    Finish(a);
  } else if (phase_ == Phase::kOpen) {
    End(grpc::Status(grpc::StatusCode::CANCELLED, "session: the client went away"),
        "the client went away", false, a);
  } else if (phase_ == Phase::kEnding && end_status_->ok()) {
    // Its reads ended as a half-close would, but it is gone: say so, and stop waiting.
    end_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "session: the client went away");
    ended_ = "the client went away";
    drain_cancelled_ = true;
    CancelUpstreams(a);
  }
}

// No more input. `drain`: let the analyzers finish their last results first; otherwise
// cancel their streams.
void SessionCore::End(grpc::Status status, std::string ended, bool drain, SessionActions* a) {
  if (phase_ == Phase::kAwaitOpen) {
    end_status_ = std::move(status);
    Finish(a);
    return;
  }
  if (phase_ != Phase::kOpen) return;
  phase_ = Phase::kEnding;
  end_status_ = std::move(status);
  ended_ = std::move(ended);
  drain_deadline_ = env_->Now() + std::chrono::milliseconds(cfg_.drain_timeout_ms());
  if (drain) {
    voice_up_.HalfClose(&a->voice);
    face_up_.HalfClose(&a->face);
  } else {
    drain_cancelled_ = true;
    CancelUpstreams(a);
  }
  MaybeSummarize(a);
}

void SessionCore::MaybeSummarize(SessionActions* a) {
  if (phase_ != Phase::kEnding || voice_up_.live() || face_up_.live() || text_pending_ ||
      fusing_) {
    return;
  }
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
    Final(a);
    return;
  }
  // The transport runs the store even when its executor is saturated: what was acknowledged
  // is kept.
  a->store = StoreSummary{Report(), {TextOutcome(), SessionOutcome(voice_), SessionOutcome(face_)}};
}

ModalityOutcome SessionCore::SessionOutcome(const Channel& c) {
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

burnout::v1::SessionReport SessionCore::Report() const {
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
  *r.mutable_counters() = Counters();
  for (const auto& n : notes_) r.add_notes(n);
  if (spikes_.total() > static_cast<int64_t>(spikes_.spikes().size())) {
    r.add_notes(absl::StrCat(spikes_.total(), " stress spikes; the first ",
                             spikes_.spikes().size(), " are kept"));
  }
  return r;
}

SessionActions SessionCore::OnStored(absl::StatusOr<Assessment> stored, StoreSummary request) {
  SessionActions a;
  if (phase_ != Phase::kSummarizing) return a;  // one summary per session
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
    request.report.set_store_error(std::string(stored.status().message()));
    Assessment* s = u.mutable_summary();
    s->set_user_id(user_id_);
    s->set_request_id(session_id_);
    s->set_created_at_ms(env_->EpochMicros() / 1000);
    s->set_notice(kNotice);
    for (auto& o : request.outcomes) *s->add_modalities() = std::move(o);
    *s->mutable_session() = std::move(request.report);
    end_status_ = grpc::Status(
        end_status_->ok() ? grpc::StatusCode::UNAVAILABLE : end_status_->error_code(),
        absl::StrCat(end_status_->ok() ? "session" : end_status_->error_message(),
                     ": the summary could not be stored: ", stored.status().message()));
  }
  if (!client_gone_) pending_.push_back(std::move(u));
  Final(&a);
  return a;
}

void SessionCore::Final(SessionActions* a) {
  phase_ = Phase::kFinal;
  Pump(a);
  if (!writing_ && (pending_.empty() || client_gone_)) Finish(a);
}

void SessionCore::Finish(SessionActions* a) {
  if (phase_ == Phase::kFinished) return;
  phase_ = Phase::kFinished;
  a->finish = *end_status_;
  // Before the client can see the status, so it may open its next session at once.
  if (person_held_) {
    person_held_ = false;
    env_->ReleasePerson(user_id_);
  }
}

}  // namespace burnout::orchestrator
