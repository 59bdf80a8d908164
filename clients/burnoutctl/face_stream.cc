#include "clients/burnoutctl/face_stream.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "burnout/v1/face.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/status.h"

namespace burnout::ctl {
namespace {

// Where frames come from: a video file, a camera, or still images.
class FrameSource {
 public:
  static absl::StatusOr<std::unique_ptr<FrameSource>> Open(const WatchOptions& o) {
    auto source = std::make_unique<FrameSource>();
    FrameSource& s = *source;
    s.options_ = &o;
    if (!o.images.empty()) {
      for (const auto& path : o.images) {
        cv::Mat m = cv::imread(path, cv::IMREAD_COLOR);
        if (m.empty()) return absl::NotFoundError(absl::StrCat("cannot read the image ", path));
        s.images_.push_back(m);
      }
      s.fps_ = o.fps > 0 ? o.fps : 30.0;
      return source;
    }
    if (!o.video.empty()) {
      s.capture_.open(o.video);
      if (!s.capture_.isOpened()) {
        return absl::NotFoundError(absl::StrCat("cannot open the video ", o.video));
      }
    } else if (o.camera >= 0) {
      s.capture_.open(o.camera);
      if (!s.capture_.isOpened()) {
        return absl::UnavailableError(absl::StrCat("cannot open camera ", o.camera));
      }
    } else {
      return absl::InvalidArgumentError("watch: give --video, --camera or --image");
    }
    const double native = s.capture_.get(cv::CAP_PROP_FPS);
    s.fps_ = o.fps > 0 ? o.fps : (native > 0 && native < 1000 ? native : 30.0);
    return source;
  }

  bool Next(cv::Mat* frame) {
    if (!images_.empty()) {
      const size_t total = images_.size() * static_cast<size_t>(std::max(1, options_->repeat));
      if (next_ >= total) return false;
      *frame = images_[next_++ / std::max(1, options_->repeat)];
      return true;
    }
    return capture_.read(*frame) && !frame->empty();
  }
  double fps() const { return fps_; }

 private:
  const WatchOptions* options_ = nullptr;
  std::vector<cv::Mat> images_;
  size_t next_ = 0;
  cv::VideoCapture capture_;
  double fps_ = 30.0;
};

}  // namespace

absl::Status Watch(const WatchOptions& o,
                   const std::function<void(const burnout::v1::FaceFrameResult&)>& on_result) {
  auto source = FrameSource::Open(o);
  if (!source.ok()) return source.status();
  auto stub = burnout::v1::FaceAnalyzer::NewStub(grpcx::MakeChannel(o.target, 16 << 20, o.tls));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(o.timeout_ms));
  auto stream = stub->AnalyzeStream(&ctx);
  absl::Status source_error;
  // The writer paces and sends; this thread reads, so results print while frames flow.
  std::thread writer([&] {
    burnout::v1::FaceStreamRequest open;
    open.mutable_open()->set_analyze_every_n(o.analyze_every_n);
    open.mutable_open()->set_window_ms(o.window_ms);
    if (!stream->Write(open)) return;
    const auto start = std::chrono::steady_clock::now();
    const double fps = (*source)->fps();
    cv::Mat frame;
    std::vector<uchar> jpeg;
    for (int64_t i = 0; (o.max_frames <= 0 || i < o.max_frames) && (*source)->Next(&frame); ++i) {
      if (o.realtime) {
        std::this_thread::sleep_until(
            start + std::chrono::microseconds(static_cast<int64_t>(i * 1e6 / fps)));
      }
      burnout::v1::FaceStreamRequest req;
      auto* f = req.mutable_frame();
      if (o.raw) {
        cv::Mat bgr = frame.isContinuous() ? frame : frame.clone();
        auto* raw = f->mutable_raw();
        raw->set_width(bgr.cols);
        raw->set_height(bgr.rows);
        raw->set_format(burnout::v1::PIXEL_FORMAT_BGR8);
        raw->set_pixels(reinterpret_cast<const char*>(bgr.data), bgr.total() * bgr.elemSize());
      } else {
        cv::imencode(".jpg", frame, jpeg, {cv::IMWRITE_JPEG_QUALITY, o.jpeg_quality});
        f->set_encoded(reinterpret_cast<const char*>(jpeg.data()), jpeg.size());
      }
      // The frame's time in the source: its index at the source's rate.
      f->set_capture_time_us(static_cast<int64_t>(i * 1e6 / fps));  // the first frame is at 0
      if (!stream->Write(req)) return;
    }
    stream->WritesDone();
  });
  burnout::v1::FaceFrameResult result;
  while (stream->Read(&result)) on_result(result);
  writer.join();
  return grpcx::FromGrpc(stream->Finish());
}

std::string RenderFaceFrame(const burnout::v1::FaceFrameResult& r) {
  auto top = [](const burnout::v1::ModalityResult& m) {
    const burnout::v1::LabelScore* best = nullptr;
    for (const auto& e : m.emotions()) {
      if (!best || e.probability() > best->probability()) best = &e;
    }
    return best ? absl::StrFormat("%-8s %3.0f%%", best->label(), 100 * best->probability())
                : std::string("-");
  };
  auto find = [](const burnout::v1::ModalityResult& m, const char* name) -> const burnout::v1::Indicator* {
    for (const auto& i : m.indicators()) {
      if (i.name() == name) return &i;
    }
    return nullptr;
  };
  auto get = [&find](const burnout::v1::ModalityResult& m, const char* name) {
    const auto* i = find(m, name);
    return i ? i->value() : 0.0;
  };
  const auto& f = r.frame();
  const auto it = f.details().find("detector");
  std::string line = absl::StrFormat(
      "%s frame %5d %7.2f s  %-11s  frame: %s  window(%d): %s  | smile %.2f, eyes %.2f, "
      "quality %.2f | analysed %d, skipped %d",
      r.final() ? "final" : "     ", r.frame_index(), r.capture_time_us() / 1e6,
      it == f.details().end() ? "-" : it->second, top(f), r.window_frames(), top(r.rolling()),
      get(f, "smile"), get(f, "eyes_open"), f.quality(), r.frames_analyzed(), r.frames_skipped());
  if (r.frames_over_rate() > 0) absl::StrAppend(&line, ", over rate ", r.frames_over_rate());
  // The fatigue measures, once the service's window spans enough frames with a face.
  if (const auto* perclos = find(f, "perclos")) {
    absl::StrAppendFormat(&line, " | PERCLOS %.2f, blinks %.0f/min, yawns %.0f over %.0f s", perclos->value(),
                          get(f, "blink_rate_per_min"), get(f, "yawns"), get(f, "fatigue_window_s"));
  }
  if (!f.quality_issues().empty()) absl::StrAppend(&line, " (", f.quality_issues(0), ")");
  return line;
}

}  // namespace burnout::ctl
