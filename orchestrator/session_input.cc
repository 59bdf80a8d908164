// SessionCore: the client's messages — the open, audio chunks and frames — checked, put on
// the session's clock, and offered to the analyzers' streams.
#include <algorithm>
#include <cstdlib>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/limits/limits.h"
#include "orchestrator/assessor.h"
#include "orchestrator/session_core.h"
#include "spdlog/spdlog.h"

namespace burnout::orchestrator {

using burnout::v1::SessionRequest;
using burnout::v1::SessionUpdate;

namespace {

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

}  // namespace

absl::Status SessionCore::Handle(SessionRequest* in, SessionActions* a) {
  switch (in->message_case()) {
    case SessionRequest::kOpen:
      if (phase_ != Phase::kAwaitOpen) {
        return absl::FailedPreconditionError("session: a second `open`; a session opens once");
      }
      return Open(in->open(), a);
    case SessionRequest::kAudio:
      if (phase_ == Phase::kAwaitOpen) {
        return absl::FailedPreconditionError(
            "session: audio before `open`; the first message must be `open`");
      }
      return Audio(in->mutable_audio(), a);
    case SessionRequest::kFrame:
      if (phase_ == Phase::kAwaitOpen) {
        return absl::FailedPreconditionError(
            "session: a frame before `open`; the first message must be `open`");
      }
      return Frame(in->mutable_frame(), a);
    default:
      return absl::InvalidArgumentError("session: a message with neither open, audio nor frame");
  }
}

absl::Status SessionCore::Open(const burnout::v1::SessionOpen& o, SessionActions* a) {
  if (auto s = CheckUserId(o.user_id()); !s.ok()) return s;
  if (auto s = env_->Authorize(o.user_id()); !s.ok()) return s;
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
    if (auto s = limits::CheckText(o.text(), options_.max_text_bytes, "max_text_bytes"); !s.ok()) {
      return s;
    }
  }
  if (!env_->AcquirePerson(o.user_id())) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "session: ", o.user_id(), " already has ", cfg_.max_sessions_per_person(),
        " sessions open (session.max_sessions_per_person)"));
  }
  person_held_ = true;
  user_id_ = o.user_id();
  session_id_ = o.session_id().empty() ? NewSessionId() : o.session_id();
  phase_ = Phase::kOpen;
  opened_at_ = env_->Now();
  started_at_ms_ = env_->EpochMicros() / 1000;
  next_fuse_at_ = opened_at_ + std::chrono::milliseconds(interval_ms_);
  if (voice_.requested && !options_.voice_deployed) {
    voice_.deployed = false;
    voice_.failed = true;
    voice_.mask_reason = "no voice service is deployed";
  }
  if (face_.requested && !options_.face_deployed) {
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
  Enqueue(std::move(u), false, a);
  for (Channel* c : {&voice_, &face_}) {
    if (c->requested && c->failed) EnqueueMasked(*c, a);
  }
  if (o.has_text()) {
    text_given_ = true;
    if (!options_.text_deployed) {
      text_mask_reason_ = "no text service is deployed";
    } else {
      text_pending_ = true;
      a->analyze_text = o.text();
    }
  }
  spdlog::info("session {} opened for {} (voice {}, face {}, text {})", session_id_, user_id_,
               voice_.requested, face_.requested, o.has_text());
  return absl::OkStatus();
}

// The capture time of an input, checked against the previous one of its kind and against
// the other kind's clock. `expected_us`: where a contiguous stream should continue.
absl::Status SessionCore::CheckClock(const char* what, int64_t t_us, std::optional<int64_t> prev_us,
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
absl::Status SessionCore::Advance(int64_t t_us) {
  if (!t0_us_) t0_us_ = t_us;
  newest_input_us_ = std::max(newest_input_us_, t_us);
  if (Seconds(t_us) > cfg_.max_session_s()) {
    return absl::OutOfRangeError(absl::StrFormat(
        "session: the inputs span more than %.0f s (session.max_session_s)",
        cfg_.max_session_s()));
  }
  return absl::OkStatus();
}

absl::Status SessionCore::Audio(burnout::v1::AudioChunk* chunk, SessionActions* a) {
  if (!voice_.requested) {
    return absl::FailedPreconditionError(
        "session: an audio chunk, but the session did not open MODALITY_VOICE");
  }
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
  // Unset: right after the previous chunk, or now. 0 is a time (a clock that starts at 0).
  const int64_t t_us = chunk->has_capture_time_us()
                           ? chunk->capture_time_us()
                           : (audio_next_us_ ? *audio_next_us_ : env_->EpochMicros());
  if (auto s = CheckClock("audio", t_us, audio_prev_us_, audio_next_us_); !s.ok()) return s;
  audio_prev_us_ = t_us;
  audio_next_us_ = t_us + duration_us;
  if (auto s = Advance(t_us + duration_us); !s.ok()) return s;
  ++counters_.audio_chunks_received;
  counters_.audio_s_received += duration_us / 1e6;
  if (!voice_up_.live() && !MayStart(voice_)) {
    ++counters_.audio_chunks_dropped;  // the analyzer is down; retried after a backoff
    return absl::OkStatus();
  }

  burnout::v1::AudioStreamRequest req;
  auto* c = req.mutable_chunk();
  c->set_pcm(std::move(*chunk->mutable_pcm()));
  c->set_capture_time_us(t_us);
  if (!voice_up_.live()) StartVoice(a);
  if (voice_up_.Offer(std::move(req), n, true, &a->voice) ==
      UpstreamFlow<burnout::v1::AudioStreamRequest>::Offered::kBusy) {
    ++counters_.audio_chunks_dropped;
  }
  return absl::OkStatus();
}

absl::Status SessionCore::Frame(burnout::v1::VideoFrame* frame, SessionActions* a) {
  if (!face_.requested) {
    return absl::FailedPreconditionError(
        "session: a frame, but the session did not open MODALITY_FACE");
  }
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
  const int64_t t_us = frame->has_capture_time_us() ? frame->capture_time_us() : env_->EpochMicros();
  if (auto s = CheckClock("frame", t_us, frame_prev_us_, std::nullopt); !s.ok()) return s;
  frame_prev_us_ = t_us;
  if (auto s = Advance(t_us); !s.ok()) return s;
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
  if (!face_up_.live() && !MayStart(face_)) {
    ++frames_skipped_here_;  // the analyzer is down; retried after a backoff
    return absl::OkStatus();
  }

  burnout::v1::FaceStreamRequest req;
  auto* f = req.mutable_frame();
  f->Swap(frame);
  f->set_capture_time_us(t_us);
  if (!face_up_.live()) StartFace(a);
  switch (face_up_.Offer(std::move(req), bytes, false, &a->face)) {
    case UpstreamFlow<burnout::v1::FaceStreamRequest>::Offered::kStarted:
      ++counters_.frames_forwarded;
      break;
    case UpstreamFlow<burnout::v1::FaceStreamRequest>::Offered::kBusy:
      ++frames_skipped_here_;
      break;
    default:
      break;
  }
  return absl::OkStatus();
}

}  // namespace burnout::orchestrator
