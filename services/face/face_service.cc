#include "services/face/face_service.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/config/config.h"
#include "common/grpc/server.h"
#include "common/grpc/status.h"
#include "common/grpc/stream_reactor.h"
#include "common/grpc/unary.h"
#include "common/status/macros.h"
#include "services/face/face_window.h"
#include "spdlog/spdlog.h"

namespace burnout::face {

using burnout::v1::FaceFrameResult;
using burnout::v1::FaceStreamRequest;
using Clock = std::chrono::steady_clock;

namespace {

grpc::Status Error(grpc::StatusCode code, std::string message) {
  return grpc::Status(code, std::move(message));
}

int64_t Micros(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

}  // namespace

absl::Status PrepareFaceConfig(burnout::v1::FaceServiceConfig* c) {
  grpcx::ApplyServerDefaults(c->mutable_server());
  if (c->max_image_bytes() == 0) c->set_max_image_bytes(8 << 20);
  if (c->max_pixels() == 0) c->set_max_pixels(24'000'000);
  if (c->max_side() == 0) c->set_max_side(12000);
  if (c->opencv_threads() == 0) c->set_opencv_threads(1);
  if (c->analyze_every_n() == 0) c->set_analyze_every_n(5);
  if (c->stream_window_ms() == 0) c->set_stream_window_ms(3000);
  if (c->max_fps() == 0) c->set_max_fps(60);
  if (c->max_stream_seconds() == 0) c->set_max_stream_seconds(3600);
  if (c->stream_idle_timeout_ms() == 0) c->set_stream_idle_timeout_ms(10000);
  if (c->max_streams() == 0) c->set_max_streams(32);
  auto* d = c->mutable_detector();
  if (d->cascade_dir().empty()) d->set_cascade_dir("/usr/share/opencv4");
  if (d->yunet_score_threshold() == 0) d->set_yunet_score_threshold(0.8f);
  if (d->detect_max_side() == 0) d->set_detect_max_side(320);
  if (d->min_face_fraction() == 0) d->set_min_face_fraction(0.08f);
  if (d->face_crop_max_side() == 0) d->set_face_crop_max_side(160);
  if (d->redetect_frames() == 0) d->set_redetect_frames(10);
  if (d->coarse_side() == 0) d->set_coarse_side(160);
  if (c->fatigue().window_ms() == 0) c->mutable_fatigue()->set_window_ms(60000);
  if (c->fatigue().min_span_ms() == 0) c->mutable_fatigue()->set_min_span_ms(10000);
  if (c->model_dir().empty()) return absl::InvalidArgumentError("model_dir: must be set");
  BR_RETURN_IF_ERROR(grpcx::ValidateServerConfig(c->server()));
  BR_RETURN_IF_ERROR(grpcx::PrepareBatchingConfig(c->server(), c->mutable_batching()));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_image_bytes", c->max_image_bytes(), 64, 1 << 30));
  if (c->max_image_bytes() > c->server().max_message_bytes()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_image_bytes: ", c->max_image_bytes(), " exceeds server.max_message_bytes ",
        c->server().max_message_bytes()));
  }
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_pixels", c->max_pixels(), 1, int64_t{1} << 31));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_side", c->max_side(), 16, 65535));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("opencv_threads", c->opencv_threads(), 1, 64));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("detector.yunet_score_threshold",
                                       d->yunet_score_threshold(), 0.01, 1.0));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("detector.detect_max_side", d->detect_max_side(), 64, 4096));
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("detector.min_face_fraction", d->min_face_fraction(), 0.001, 1.0));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("detector.face_crop_max_side", d->face_crop_max_side(), 16, 1024));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("detector.redetect_frames", d->redetect_frames(), 1, 10000));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("detector.coarse_side", d->coarse_side(), 64, 4096));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("fatigue.window_ms", c->fatigue().window_ms(), 5000, 3600000));
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("fatigue.min_span_ms", c->fatigue().min_span_ms(), 1000, c->fatigue().window_ms()));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("analyze_every_n", c->analyze_every_n(), 1, 1000));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("stream_window_ms", c->stream_window_ms(), 100, 600000));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_fps", c->max_fps(), 1, 1000));
  BR_RETURN_IF_ERROR(grpcx::CheckRange("max_stream_seconds", c->max_stream_seconds(), 1, 86400));
  BR_RETURN_IF_ERROR(
      grpcx::CheckRange("stream_idle_timeout_ms", c->stream_idle_timeout_ms(), 100, 3600000));
  return grpcx::CheckRange("max_streams", c->max_streams(), 1, 100000);
}

void ResolveFacePaths(const std::string& config_path, burnout::v1::FaceServiceConfig* c) {
  auto* d = c->mutable_detector();
  d->set_yunet_model(config::ResolveRelativeTo(config_path, d->yunet_model()));
  if (!c->landmark_model_dir().empty()) {
    c->set_landmark_model_dir(config::ResolveRelativeTo(config_path, c->landmark_model_dir()));
  }
  d->set_cascade_dir(config::ResolveRelativeTo(config_path, d->cascade_dir()));
}

// One AnalyzeStream call. State machine, all under mu_:
//   open -> frames -> half-close -> final result -> Finish(OK).
// Every frame's header is checked; frames over max_fps are dropped unread; of the rest,
// every N-th is due for analysis. At most one result is in flight (analysing or being
// written); a frame that falls due meanwhile waits as `pending_`, and a newer due frame
// replaces it (the replaced one is counted as skipped). Memory: the request being read, one
// pending frame, the one in flight and the window's results. Errors end the stream with a
// precise status; Finish waits for the in-flight result.
class FaceStreamReactor final
    : public grpcx::AnalysisStreamReactor<FaceStreamRequest, FaceFrameResult> {
 public:
  FaceStreamReactor(FaceService* service, grpc::CallbackServerContext* ctx)
      : AnalysisStreamReactor(&service->streams_, ctx,
                              std::chrono::milliseconds(service->config_.stream_idle_timeout_ms()),
                              "face stream", "face analyzer", "frame"),
        service_(service),
        opened_at_(last_activity_),
        window_(int64_t{service->config_.stream_window_ms()} * 1000) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finishing_) return;  // max_streams
    pipeline_ = service_->pipeline_.Get();
    if (!pipeline_) {
      FinishLocked(grpcx::ToGrpc(service_->pipeline_.NotReady()));
      return;
    }
    stream_ = pipeline_->NewStream();
    StartRead(&request_);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!WriteDoneLocked(ok)) return;
    if (half_closed_) {
      FinalLocked();
      return;
    }
    if (pending_) {
      Pending next = std::move(*pending_);
      pending_.reset();
      ScheduleLocked(std::move(next), /*final=*/false);
    }
  }

 private:
  struct Pending {
    burnout::v1::VideoFrame frame;
    int64_t index = 0;
    int64_t time_us = 0;
  };

  absl::Status HandleLocked() override {
    const auto& config = service_->config_;
    switch (request_.message_case()) {
      case FaceStreamRequest::kOpen: {
        if (opened_) return absl::FailedPreconditionError("face stream: `open` may only be sent once");
        const auto& open = request_.open();
        every_n_ = open.analyze_every_n() > 0 ? open.analyze_every_n() : config.analyze_every_n();
        if (open.analyze_every_n() < 0 || every_n_ > 1000) {
          return absl::InvalidArgumentError(absl::StrCat(
              "face stream: analyze_every_n ", open.analyze_every_n(), " is outside [1, 1000]"));
        }
        if (open.window_ms() < 0 || open.window_ms() > 600000) {
          return absl::InvalidArgumentError(absl::StrCat(
              "face stream: window_ms ", open.window_ms(), " is outside [100, 600000]"));
        }
        if (open.window_ms() > 0) {
          window_ = FaceWindow(int64_t{std::max(open.window_ms(), 100)} * 1000);
        }
        opened_ = true;
        return absl::OkStatus();
      }
      case FaceStreamRequest::kFrame:
        return HandleFrameLocked();
      default:
        return absl::InvalidArgumentError("face stream: a message with neither open nor frame");
    }
  }

  absl::Status HandleFrameLocked() {
    const auto& config = service_->config_;
    if (!opened_) {
      return absl::FailedPreconditionError(
          "face stream: the first message must be `open` (then frames)");
    }
    const int64_t index = frames_received_++;
    auto* frame = request_.mutable_frame();
    if (auto s = pipeline_->CheckFrame(*frame); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("face stream: frame ", index, ": ", s.message()));
    }
    const auto now = Clock::now();
    const int64_t arrival_us = Micros(now - opened_at_);
    if (arrival_us > static_cast<int64_t>(config.max_stream_seconds() * 1e6)) {
      return absl::OutOfRangeError(absl::StrFormat(
          "face stream: longer than %.0f s (max_stream_seconds)", config.max_stream_seconds()));
    }
    int64_t time_us = arrival_us;
    if (frame->has_capture_time_us()) {
      time_us = frame->capture_time_us();
      if (last_capture_us_ && time_us < *last_capture_us_) {
        return absl::InvalidArgumentError(absl::StrCat(
            "face stream: frame ", index, ": capture_time_us went backwards (", time_us,
            " after ", *last_capture_us_, ")"));
      }
      if (!first_capture_us_) first_capture_us_ = time_us;
      if (time_us - *first_capture_us_ > static_cast<int64_t>(config.max_stream_seconds() * 1e6)) {
        return absl::OutOfRangeError(absl::StrFormat(
            "face stream: frames span more than %.0f s of capture time (max_stream_seconds)",
            config.max_stream_seconds()));
      }
      last_capture_us_ = time_us;
    }
    // Rate: at most max_fps frames accepted in any second of arrival; the rest are dropped
    // before decoding and counted.
    while (!arrivals_.empty() && now - arrivals_.front() >= std::chrono::seconds(1)) {
      arrivals_.pop_front();
    }
    if (static_cast<double>(arrivals_.size()) >= config.max_fps()) {
      ++frames_over_rate_;
      return absl::OkStatus();
    }
    arrivals_.push_back(now);
    if (frames_accepted_++ % every_n_ != 0) return absl::OkStatus();
    Pending due;
    due.frame.Swap(frame);
    due.index = index;
    due.time_us = time_us;
    if (in_flight_) {
      if (pending_) ++frames_skipped_;  // replaced by a newer due frame, never analysed
      pending_ = std::move(due);
      return absl::OkStatus();
    }
    ScheduleLocked(std::move(due), /*final=*/false);
    return absl::OkStatus();
  }

  void OnHalfCloseLocked() override {
    half_closed_ = true;
    if (!opened_) {
      FinishLocked(Error(grpc::StatusCode::INVALID_ARGUMENT, "face stream: closed before `open`"));
      return;
    }
    if (frames_received_ == 0) {
      FinishLocked(Error(grpc::StatusCode::INVALID_ARGUMENT, "face stream: no frames were sent"));
      return;
    }
    if (!in_flight_) FinalLocked();
  }

  // Half-closed and nothing in flight: analyse the pending frame as the final one, or repeat
  // the last analysed frame with the final rolling result.
  void FinalLocked() {
    if (pending_) {
      Pending last = std::move(*pending_);
      pending_.reset();
      ScheduleLocked(std::move(last), /*final=*/true);
      return;
    }
    if (!last_frame_) {
      FinishLocked(Error(grpc::StatusCode::RESOURCE_EXHAUSTED,
                         "face analyzer is overloaded: no frame of the stream could be analysed"));
      return;
    }
    FaceFrameResult out;
    *out.mutable_frame() = *last_frame_;
    out.set_frame_index(last_index_);
    out.set_capture_time_us(last_time_us_);
    out.set_final(true);
    in_flight_ = true;
    WriteLocked(std::move(out));
  }

  void ScheduleLocked(Pending due, bool final) {
    in_flight_ = true;
    // A TorchScript model's forward runs here as a batch of one: a stream has one frame in
    // flight, and the analysis of every N-th frame is not worth the batcher's wait.
    // The task is the only user of stream_ while it runs: one frame is in flight at a time.
    auto task = [this, due = std::move(due), final]() {
      auto result = pipeline_->AnalyzeStreamFrame(due.frame, due.time_us, stream_.get());
      Deliver(std::move(result), due.index, due.time_us, final);
    };
    if (!service_->executor_.TrySubmit(std::move(task))) {
      in_flight_ = false;
      ++frames_skipped_;
      if (final) FinalLocked();
    }
  }

  void Deliver(absl::StatusOr<burnout::v1::ModalityResult> result, int64_t index, int64_t time_us,
               bool final) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!DeliverableLocked()) return;
    if (!result.ok()) {
      in_flight_ = false;
      FinishLocked(grpcx::ToGrpc(absl::Status(
          result.status().code(),
          absl::StrCat("face stream: frame ", index, ": ", result.status().message()))));
      return;
    }
    ++frames_analyzed_;
    window_.Add(time_us, *result);
    FaceFrameResult out;
    *out.mutable_frame() = std::move(*result);
    last_frame_ = out.frame();
    last_index_ = index;
    last_time_us_ = time_us;
    out.set_frame_index(index);
    out.set_capture_time_us(time_us);
    out.set_final(final);
    WriteLocked(std::move(out));
  }

  void WriteLocked(FaceFrameResult out) {
    response_ = std::move(out);
    *response_.mutable_rolling() = window_.Summary();
    response_.set_frames_received(frames_received_);
    response_.set_frames_analyzed(frames_analyzed_);
    response_.set_frames_skipped(frames_skipped_);
    response_.set_frames_over_rate(frames_over_rate_);
    response_.set_window_frames(window_.frames());
    response_.set_window_s(window_.span_s());
    AnalysisStreamReactor::WriteLocked(response_.final());
  }

  FaceService* const service_;
  std::shared_ptr<const FacePipeline> pipeline_;
  std::unique_ptr<FaceStream> stream_;  // the face followed and the fatigue window
  const Clock::time_point opened_at_;
  FaceWindow window_;
  bool opened_ = false;
  int every_n_ = 1;
  std::deque<Clock::time_point> arrivals_;  // accepted frames of the last second
  std::optional<int64_t> first_capture_us_, last_capture_us_;
  std::optional<Pending> pending_;
  std::optional<burnout::v1::ModalityResult> last_frame_;
  int64_t last_index_ = 0;
  int64_t last_time_us_ = 0;
  int64_t frames_received_ = 0;
  int64_t frames_accepted_ = 0;
  int64_t frames_analyzed_ = 0;
  int64_t frames_skipped_ = 0;
  int64_t frames_over_rate_ = 0;
};

FaceService::FaceService(const burnout::v1::FaceServiceConfig& config)
    : config_(config),
      batcher_(grpcx::ToBatchingOptions(config.batching()),
               [this](std::vector<FaceJob>& batch) { RunBatch(batch); }),
      executor_(config.server().worker_threads(), config.server().max_queue()),
      streams_(config.max_streams()) {}

FaceService::~FaceService() = default;

absl::Status FaceService::LoadModel(bool force) {
  return pipeline_.Refresh(config_.model_dir(), [this](const std::string& dir) { return LoadVersion(dir); },
                           force);
}

absl::StatusOr<std::unique_ptr<FacePipeline>> FaceService::LoadVersion(const std::string& dir) const {
  burnout::v1::FaceServiceConfig config = config_;
  config.set_model_dir(dir);
  auto pipeline = FacePipeline::Create(config);
  if (pipeline.ok()) {
    spdlog::info("face analyzer: YuNet {}; landmarks {}", (*pipeline)->yunet_status(), (*pipeline)->landmark_status());
    // Warm-up: one real analysis (decode, the detector chain, cues, model) of a small
    // synthetic image before reporting SERVING.
    burnout::v1::RawImage raw;
    raw.set_width(160);
    raw.set_height(120);
    raw.set_format(burnout::v1::PIXEL_FORMAT_GRAY8);
    std::string pixels(160 * 120, '\0');
    for (int y = 0; y < 120; ++y) {
      for (int x = 0; x < 160; ++x) pixels[y * 160 + x] = static_cast<char>((x * 7 + y * 3) & 0xff);
    }
    raw.set_pixels(std::move(pixels));
    auto warm = (*pipeline)->AnalyzeRaw(raw);
    if (!warm.ok()) {
      pipeline = absl::InternalError(absl::StrCat("face warm-up failed: ", warm.status().message()));
    } else if (warm->emotions_size() == 0) {
      pipeline = absl::InternalError("face warm-up gave no emotions");
    }
  }
  return pipeline;
}

namespace {

constexpr char kWhat[] = "face analyzer";

absl::Status Named(const std::string& filename, const absl::Status& s) {
  if (s.ok() || filename.empty()) return s;
  return absl::Status(s.code(), absl::StrCat(filename, ": ", s.message()));
}

}  // namespace

grpc::ServerUnaryReactor* FaceService::Analyze(grpc::CallbackServerContext* ctx,
                                               const burnout::v1::AnalyzeImageRequest* request,
                                               burnout::v1::ModalityResult* response) {
  std::shared_ptr<const FacePipeline> pipeline = pipeline_.Get();
  if (!pipeline) {
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpcx::ToGrpc(pipeline_.NotReady()));
    return reactor;
  }
  if (!pipeline->batches()) {
    // face-cues: the model step is trivial, the whole analysis runs on the executor.
    return grpcx::ScheduleUnary(
        ctx, &executor_, config_.server().default_deadline_ms(), kWhat,
        [pipeline, request, response](auto) -> absl::Status {
          auto result = pipeline->AnalyzeEncoded(request->image());
          if (!result.ok()) return Named(request->filename(), result.status());
          *response = std::move(*result);
          return absl::OkStatus();
        });
  }
  // TorchScript: prepare on the executor, then the forward through the batcher.
  FaceJob job = grpcx::StartJob<FaceJob>(ctx, config_.server().default_deadline_ms());
  job.pipeline = std::move(pipeline);
  job.response = response;
  job.filename = request->filename();
  grpc::ServerUnaryReactor* reactor = job.reactor;
  const bool queued = executor_.TrySubmit([this, request, job = std::move(job)]() mutable {
    if (job.ctx->IsCancelled()) {
      job.reactor->Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled before it ran"));
      return;
    }
    if (std::chrono::system_clock::now() >= job.deadline) {
      job.reactor->Finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                       absl::StrCat(kWhat, ": deadline passed while queued")));
      return;
    }
    auto prepared = job.pipeline->PrepareEncoded(request->image());
    if (!prepared.ok()) {
      job.Finish(Named(job.filename, prepared.status()));
      return;
    }
    job.face = std::move(*prepared);
    grpcx::SubmitJob(&batcher_, std::move(job), kWhat);
  });
  if (!queued) {
    reactor->Finish(grpc::Status(
        grpc::StatusCode::RESOURCE_EXHAUSTED,
        absl::StrCat(kWhat, " is overloaded: request queue full (server.max_queue)")));
  }
  return reactor;
}

void FaceService::RunBatch(std::vector<FaceJob>& batch) {
  grpcx::DropExpiredJobs(&batch, kWhat);
  // Calls prepared with different model snapshots (a hot reload between them) run in
  // separate forwards, each with its own model.
  std::vector<std::vector<FaceJob*>> groups;
  for (FaceJob& job : batch) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const std::vector<FaceJob*>& g) {
      return g.front()->pipeline == job.pipeline;
    });
    if (it == groups.end()) {
      groups.push_back({&job});
    } else {
      it->push_back(&job);
    }
  }
  for (const auto& group : groups) {
    std::vector<PreparedFace*> faces;
    faces.reserve(group.size());
    for (FaceJob* job : group) faces.push_back(&job->face);
    const absl::Status s = group.front()->pipeline->Complete(faces);
    forwards_.fetch_add(1);
    for (FaceJob* job : group) {
      if (s.ok()) *job->response = std::move(job->face.result);
      job->Finish(Named(job->filename, s));
    }
  }
}

grpc::ServerBidiReactor<FaceStreamRequest, FaceFrameResult>* FaceService::AnalyzeStream(
    grpc::CallbackServerContext* ctx) {
  return new FaceStreamReactor(this, ctx);
}

int FaceService::active_streams() const { return streams_.size(); }

}  // namespace burnout::face
