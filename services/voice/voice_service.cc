#include "services/voice/voice_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc/server.h"
#include "common/grpc/status.h"
#include "common/grpc/stream_reactor.h"
#include "common/grpc/unary.h"
#include "common/status/macros.h"
#include "services/voice/stream_window.h"
#include "services/voice/voice_model.h"
#include "spdlog/spdlog.h"

namespace burnout::voice {

using burnout::v1::AudioStreamRequest;
using burnout::v1::VoiceWindowResult;
using Clock = std::chrono::steady_clock;

namespace {

std::string EncodingName(burnout::v1::AudioEncoding e) {
  switch (e) {
    case burnout::v1::AUDIO_ENCODING_PCM_S16LE: return "s16le";
    case burnout::v1::AUDIO_ENCODING_PCM_F32LE: return "f32le";
    default: return absl::StrCat("encoding ", static_cast<int>(e));
  }
}

std::string FormatName(const burnout::v1::AudioFormat& f) {
  return absl::StrFormat("%s %d Hz %d ch", EncodingName(f.encoding()), f.sample_rate(),
                         f.channels());
}

bool SameFormat(const burnout::v1::AudioFormat& a, const burnout::v1::AudioFormat& b) {
  return a.encoding() == b.encoding() && a.sample_rate() == b.sample_rate() &&
         a.channels() == b.channels();
}

grpc::Status Error(grpc::StatusCode code, std::string message) {
  return grpc::Status(code, std::move(message));
}

}  // namespace

absl::Status PrepareVoiceConfig(burnout::v1::VoiceServiceConfig* c) {
  grpcx::ApplyServerDefaults(c->mutable_server());
  if (c->max_audio_bytes() == 0) c->set_max_audio_bytes(16 << 20);
  if (c->max_duration_s() == 0) c->set_max_duration_s(120.0);
  if (c->min_sample_rate() == 0) c->set_min_sample_rate(8000);
  if (c->max_sample_rate() == 0) c->set_max_sample_rate(192000);
  if (c->max_channels() == 0) c->set_max_channels(8);
  if (c->stream_window_ms() == 0) c->set_stream_window_ms(3000);
  if (c->stream_hop_ms() == 0) c->set_stream_hop_ms(1000);
  if (c->max_chunk_bytes() == 0) c->set_max_chunk_bytes(256 << 10);
  if (c->max_stream_seconds() == 0) c->set_max_stream_seconds(3600.0);
  if (c->stream_idle_timeout_ms() == 0) c->set_stream_idle_timeout_ms(10000);
  if (c->max_streams() == 0) c->set_max_streams(64);
  auto* q = c->mutable_quality();
  const auto d = DefaultQualityConfig();
  if (q->min_duration_s() == 0) q->set_min_duration_s(d.min_duration_s());
  if (q->min_voiced_s() == 0) q->set_min_voiced_s(d.min_voiced_s());
  if (q->silence_dbfs() == 0) q->set_silence_dbfs(d.silence_dbfs());
  if (q->max_clipped_ratio() == 0) q->set_max_clipped_ratio(d.max_clipped_ratio());
  if (q->min_snr_db() == 0) q->set_min_snr_db(d.min_snr_db());
  if (c->model_dir().empty()) return absl::InvalidArgumentError("model_dir: must be set");
  BR_RETURN_IF_ERROR(grpcx::ValidateServerConfig(c->server()));
  BR_RETURN_IF_ERROR(grpcx::PrepareBatchingConfig(c->server(), c->mutable_batching()));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_audio_bytes", c->max_audio_bytes(), 44, 1 << 30));
  if (c->max_audio_bytes() > c->server().max_message_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_audio_bytes: ", c->max_audio_bytes(), " exceeds server.max_message_bytes ",
        c->server().max_message_bytes()));
  }
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_duration_s", c->max_duration_s(), 1, 3600));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("min_sample_rate", c->min_sample_rate(), 1000, 384000));
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("max_sample_rate", c->max_sample_rate(), c->min_sample_rate(), 384000));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_channels", c->max_channels(), 1, 64));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("stream_window_ms", c->stream_window_ms(), 500, 60000));
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("stream_hop_ms", c->stream_hop_ms(), 100, c->stream_window_ms()));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_chunk_bytes", c->max_chunk_bytes(), 64,
                                       c->server().max_message_bytes()));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_stream_seconds", c->max_stream_seconds(), 1, 86400));
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("stream_idle_timeout_ms", c->stream_idle_timeout_ms(), 100, 3600000));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_streams", c->max_streams(), 1, 100000));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("quality.min_duration_s", q->min_duration_s(), 0.01, 60));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("quality.min_voiced_s", q->min_voiced_s(), 0.01, 60));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("quality.silence_dbfs", q->silence_dbfs(), -120, 0));
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("quality.max_clipped_ratio", q->max_clipped_ratio(), 1e-6, 1));
  return grpcx::CheckRange("quality.min_snr_db", q->min_snr_db(), -20, 60);
}

// One AnalyzeStream call. State machine, all under mu_:
//   open -> chunks (decoded into the window) -> half-close -> final result -> Finish(OK).
// At most one result is in flight (analysing or being written); a window that falls due
// meanwhile waits, and only the newest due window is analysed (StreamWindow counts the rest
// as skipped). Errors end the stream with a precise status; Finish waits for the in-flight
// result. Reactions run on gRPC's threads, never inline from Start*/Finish.
class VoiceStreamReactor final
    : public grpcx::AnalysisStreamReactor<AudioStreamRequest, VoiceWindowResult> {
 public:
  VoiceStreamReactor(VoiceService* service, grpc::CallbackServerContext* ctx)
      : AnalysisStreamReactor(&service->streams_, ctx,
                              std::chrono::milliseconds(service->config_.stream_idle_timeout_ms()),
                              "voice stream", "voice analyzer", "audio"),
        service_(service) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finishing_) return;  // max_streams
    model_ = service_->model_.Get();
    if (!model_) {
      FinishLocked(grpcx::ToGrpc(service_->model_.NotReady()));
      return;
    }
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!WriteDoneLocked(ok)) return;
    if (half_closed_) {
      ScheduleLocked(window_->Tail(), /*final=*/true);
      return;
    }
    MaybeAnalyzeLocked();
  }

 private:
  absl::Status HandleLocked() override {
    BR_RETURN_IF_ERROR(HandleMessageLocked());
    MaybeAnalyzeLocked();
    return absl::OkStatus();
  }

  absl::Status HandleMessageLocked() {
    const auto& config = service_->config_;
    switch (request_.message_case()) {
      case AudioStreamRequest::kOpen: {
        if (window_) {
          return absl::FailedPreconditionError("voice stream: `open` may only be sent once");
        }
        const auto& open = request_.open();
        const auto& f = open.format();
        PcmEncoding encoding;
        if (f.encoding() == burnout::v1::AUDIO_ENCODING_PCM_S16LE) {
          encoding = PcmEncoding::kS16LE;
        } else if (f.encoding() == burnout::v1::AUDIO_ENCODING_PCM_F32LE) {
          encoding = PcmEncoding::kF32LE;
        } else {
          return absl::InvalidArgumentError(absl::StrCat(
              "voice stream: open.format.encoding must be PCM_S16LE or PCM_F32LE, got ",
              EncodingName(f.encoding())));
        }
        // Stream length is checked below against max_stream_seconds, with its own message.
        DecodeLimits limits = service_->limits_;
        limits.max_duration_s = config.max_stream_seconds() + 1.0;
        BR_ASSIGN_OR_RETURN(decoder_, PcmStreamDecoder::Create(encoding, f.sample_rate(),
                                                               f.channels(), limits));
        const int window_ms = open.window_ms() > 0 ? open.window_ms() : config.stream_window_ms();
        const int hop_ms = open.hop_ms() > 0 ? open.hop_ms() : config.stream_hop_ms();
        if (window_ms < 500 || window_ms > 60000) {
          return absl::InvalidArgumentError(
              absl::StrCat("voice stream: window_ms ", window_ms, " is outside [500, 60000]"));
        }
        if (hop_ms < 100 || hop_ms > window_ms) {
          return absl::InvalidArgumentError(absl::StrCat(
              "voice stream: hop_ms ", hop_ms, " is outside [100, window_ms = ", window_ms, "]"));
        }
        format_ = f;
        window_.emplace(window_ms * (kAnalysisRate / 1000), hop_ms * (kAnalysisRate / 1000),
                        kAnalysisRate);
        return absl::OkStatus();
      }
      case AudioStreamRequest::kChunk: {
        if (!window_) {
          return absl::FailedPreconditionError(
              "voice stream: the first message must be `open` (with the audio format)");
        }
        const auto& chunk = request_.chunk();
        if (static_cast<int64_t>(chunk.pcm().size()) > config.max_chunk_bytes()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "voice stream: a chunk of ", chunk.pcm().size(), " bytes exceeds max_chunk_bytes ",
              config.max_chunk_bytes()));
        }
        if (chunk.has_format() && !SameFormat(chunk.format(), format_)) {
          return absl::InvalidArgumentError(
              absl::StrCat("voice stream: the format changed mid-stream: opened as ",
                           FormatName(format_), ", chunk says ", FormatName(chunk.format())));
        }
        samples_.clear();
        BR_RETURN_IF_ERROR(decoder_->Push(chunk.pcm(), &samples_));
        window_->Append(samples_.data(), samples_.size());
        if (chunk.has_capture_time_us()) capture_time_us_ = chunk.capture_time_us();
        if (window_->seconds() > config.max_stream_seconds()) {
          return absl::OutOfRangeError(absl::StrFormat(
              "voice stream: more than %.0f s of audio (max_stream_seconds)", config.max_stream_seconds()));
        }
        return absl::OkStatus();
      }
      default:
        return absl::InvalidArgumentError("voice stream: a message with neither open nor chunk");
    }
  }

  void OnHalfCloseLocked() override {
    half_closed_ = true;
    if (!window_) {
      FinishLocked(Error(grpc::StatusCode::INVALID_ARGUMENT,
                         "voice stream: closed before `open`"));
      return;
    }
    samples_.clear();
    if (auto s = decoder_->Flush(&samples_); !s.ok()) {
      FinishLocked(grpcx::ToGrpc(s));
      return;
    }
    window_->Append(samples_.data(), samples_.size());
    if (window_->total_samples() == 0) {
      FinishLocked(Error(grpc::StatusCode::INVALID_ARGUMENT, "voice stream: no audio was sent"));
      return;
    }
    if (!in_flight_) ScheduleLocked(window_->Tail(), /*final=*/true);
  }

  void MaybeAnalyzeLocked() {
    if (in_flight_ || finishing_ || !window_ || !window_->Due()) return;
    ScheduleLocked(window_->Take(), /*final=*/false);
  }

  void ScheduleLocked(StreamWindow::Window window, bool final) {
    in_flight_ = true;
    const std::optional<int64_t> capture = capture_time_us_;
    const AudioSourceInfo source = decoder_->info();
    auto task = [this, window = std::move(window), final, capture, source]() mutable {
      VoiceWindowResult out;
      DecodedAudio audio;
      audio.samples = std::move(window.samples);
      audio.source = source;
      // A TorchScript model's forward runs here, a batch of one: this stream has no other
      // window in flight to batch with.
      auto result = model_->Analyze(audio, service_->config_.quality());
      if (!result.ok()) {
        Fail(absl::Status(result.status().code(),
                          absl::StrCat("voice stream: ", result.status().message())));
        return;
      }
      *out.mutable_result() = std::move(*result);
      out.set_window_start_s(window.start_s);
      out.set_window_end_s(window.end_s);
      if (capture) out.set_capture_time_us(*capture);  // only when the client sent one
      out.set_final(final);
      Deliver(std::move(out));
    };
    if (!service_->executor_.TrySubmit(std::move(task))) {
      in_flight_ = false;
      if (final) {
        FinishLocked(Error(grpc::StatusCode::RESOURCE_EXHAUSTED,
                           "voice analyzer is overloaded: the final window was not analysed"));
      } else {
        ++overload_skipped_;
      }
    }
  }

  // The window could not be analysed: the stream ends with `status`.
  void Fail(const absl::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    in_flight_ = false;
    FinishLocked(grpcx::ToGrpc(status));
  }

  void Deliver(VoiceWindowResult out) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!DeliverableLocked()) return;
    response_ = std::move(out);
    response_.set_windows_skipped(window_->skipped() + overload_skipped_);
    WriteLocked(response_.final());
  }

  VoiceService* const service_;
  // The version serving when the stream opened: a stream keeps it to its end.
  std::shared_ptr<const ServedVoiceModel> model_;
  burnout::v1::AudioFormat format_;
  std::unique_ptr<PcmStreamDecoder> decoder_;
  std::optional<StreamWindow> window_;
  std::vector<float> samples_;
  std::optional<int64_t> capture_time_us_;  // the newest chunk's, when the client gave one
  int64_t overload_skipped_ = 0;
};

VoiceService::VoiceService(const burnout::v1::VoiceServiceConfig& config)
    : config_(config),
      batcher_(grpcx::ToBatchingOptions(config.batching()),
               [this](std::vector<ForwardJob>& batch) { RunForwards(batch); }),
      executor_(config.server().worker_threads(), config.server().max_queue()),
      streams_(config.max_streams()) {
  limits_.max_bytes = config_.max_audio_bytes();
  limits_.max_duration_s = config_.max_duration_s();
  limits_.min_sample_rate = config_.min_sample_rate();
  limits_.max_sample_rate = config_.max_sample_rate();
  limits_.max_channels = config_.max_channels();
}

VoiceService::~VoiceService() = default;

absl::Status VoiceService::LoadModel(bool force) {
  return model_.Refresh(config_.model_dir(), [this](const std::string& dir) { return LoadVersion(dir); }, force);
}

absl::StatusOr<std::unique_ptr<ServedVoiceModel>> VoiceService::LoadVersion(
    const std::string& dir) const {
  auto model = ServedVoiceModel::Load(dir);
  if (!model.ok()) return model.status();
  // Warm-up: one real analysis (acoustics and model) of a synthetic vowel before reporting
  // SERVING: a second, or as long as the model needs.
  const double seconds = std::max(1.0, (*model)->min_seconds() + 0.5);
  DecodedAudio audio;
  audio.samples.resize(static_cast<size_t>(seconds * kAnalysisRate));
  for (size_t i = 0; i < audio.samples.size(); ++i) {
    const double t = static_cast<double>(i) / kAnalysisRate;
    audio.samples[i] = static_cast<float>(0.3 * std::sin(2 * 3.14159265358979 * 150 * t) +
                                          0.1 * std::sin(2 * 3.14159265358979 * 300 * t));
  }
  audio.source.sample_rate = kAnalysisRate;
  audio.source.channels = 1;
  auto warm = (*model)->Analyze(audio, config_.quality());
  if (!warm.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat(dir, ": the warm-up analysis failed: ", warm.status().message()));
  }
  if (warm->emotions_size() == 0) {
    return absl::InternalError(absl::StrCat(dir, ": the voice model's warm-up gave no emotions"));
  }
  return model;
}

grpc::ServerUnaryReactor* VoiceService::Analyze(grpc::CallbackServerContext* ctx,
                                                const burnout::v1::AnalyzeAudioRequest* request,
                                                burnout::v1::ModalityResult* response) {
  std::shared_ptr<const ServedVoiceModel> model = model_.Get();
  absl::Status valid;
  if (request->audio().empty()) {
    valid = absl::InvalidArgumentError("voice analyzer: the audio is empty (0 bytes)");
  } else if (static_cast<int64_t>(request->audio().size()) > config_.max_audio_bytes()) {
    valid = absl::OutOfRangeError(absl::StrCat("voice analyzer: ", request->audio().size(),
                                               " bytes of audio exceed max_audio_bytes ",
                                               config_.max_audio_bytes()));
  } else if (!model) {
    valid = model_.NotReady();
  }
  if (!valid.ok()) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpcx::ToGrpc(valid));
    return reactor;
  }
  ForwardJob job = grpcx::StartJob<ForwardJob>(ctx, config_.server().default_deadline_ms());
  job.model = std::move(model);
  job.response = response;
  grpc::ServerUnaryReactor* reactor = job.reactor;
  if (!executor_.TrySubmit([this, request, job]() { RunUnary(request, job); })) {
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "voice analyzer is overloaded: request queue full (server.max_queue)"));
  }
  return reactor;
}

void VoiceService::RunUnary(const burnout::v1::AnalyzeAudioRequest* request, ForwardJob job) {
  if (job.ctx->IsCancelled()) {
    job.reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled before it ran"));
    return;
  }
  if (std::chrono::system_clock::now() >= job.deadline) {
    job.reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                     "voice analyzer: deadline passed while queued"));
    return;
  }
  const std::string name = request->filename().empty() ? "" : request->filename() + ": ";
  const auto t0 = Clock::now();
  auto audio = DecodeAudio(request->audio(), limits_);
  if (!audio.ok()) {
    job.Finish(absl::Status(audio.status().code(), absl::StrCat(name, audio.status().message())));
    return;
  }
  const double decode_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  auto clip = job.model->Prepare(*audio, config_.quality());
  if (!clip.ok()) {
    job.Finish(absl::Status(clip.status().code(), absl::StrCat(name, clip.status().message())));
    return;
  }
  auto* t = clip->result.add_timings();
  t->set_stage("decode");
  t->set_millis(decode_ms);
  if (!job.model->batched()) {
    *job.response = std::move(clip->result);
    job.Finish(absl::OkStatus());
    return;
  }
  job.clip = std::make_shared<PreparedClip>(std::move(*clip));
  job.queued = Clock::now();
  grpcx::SubmitJob(&batcher_, std::move(job), "voice analyzer");
}

void VoiceService::RunForwards(std::vector<ForwardJob>& batch) {
  grpcx::DropExpiredJobs(&batch, "voice analyzer");
  const auto now = Clock::now();
  // One forward per model snapshot (a reload may have switched versions between calls).
  std::vector<bool> done(batch.size(), false);
  for (size_t first = 0; first < batch.size(); ++first) {
    if (done[first]) continue;
    const ServedVoiceModel* model = batch[first].model.get();
    std::vector<ForwardJob*> group;
    std::vector<PreparedClip*> clips;
    for (size_t i = first; i < batch.size(); ++i) {
      if (done[i] || batch[i].model.get() != model) continue;
      done[i] = true;
      group.push_back(&batch[i]);
      clips.push_back(batch[i].clip.get());
      auto* t = batch[i].clip->result.add_timings();
      t->set_stage("batch_queue");
      t->set_millis(std::chrono::duration<double, std::milli>(now - batch[i].queued).count());
    }
    const absl::Status s = model->Complete(clips);
    for (ForwardJob* job : group) {
      if (s.ok()) *job->response = std::move(job->clip->result);
      job->Finish(s);
    }
  }
}

grpc::ServerBidiReactor<AudioStreamRequest, VoiceWindowResult>* VoiceService::AnalyzeStream(
    grpc::CallbackServerContext* ctx) {
  return new VoiceStreamReactor(this, ctx);
}

int VoiceService::active_streams() const { return streams_.size(); }

}  // namespace burnout::voice
