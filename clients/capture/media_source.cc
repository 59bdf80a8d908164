#include "clients/capture/media_source.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "absl/strings/str_cat.h"
#include "common/audio/audio_decode.h"

namespace burnout::capture {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "PCM and float samples are copied as they lie in memory (little-endian)");

constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();

int64_t FrameOffsetUs(int64_t index, double fps) {
  return static_cast<int64_t>(std::llround(static_cast<double>(index) * 1e6 / fps));
}

double UsableFps(double requested, double native) {
  if (requested > 0) return requested;
  return native > 0 && native < 1000 ? native : 30.0;  // cameras often report 0
}

class VideoFileSource : public FrameSource {
 public:
  VideoFileSource(cv::VideoCapture capture, double fps) : capture_(std::move(capture)), fps_(fps) {}
  double fps() const override { return fps_; }
  bool live() const override { return false; }
  absl::Status Next(SourceFrame* frame, bool* end) override {
    *end = false;
    frame->encoded.clear();
    try {
      if (!capture_.read(frame->image) || frame->image.empty()) {
        *end = true;
        return absl::OkStatus();
      }
    } catch (const cv::Exception& e) {
      return absl::DataLossError(absl::StrCat("reading frame ", index_, ": ", e.what()));
    }
    frame->offset_us = FrameOffsetUs(index_++, fps_);
    return absl::OkStatus();
  }

 private:
  cv::VideoCapture capture_;
  double fps_;
  int64_t index_ = 0;
};

class CameraSource : public FrameSource {
 public:
  CameraSource(cv::VideoCapture capture, double fps) : capture_(std::move(capture)), fps_(fps) {}
  double fps() const override { return fps_; }
  bool live() const override { return true; }
  absl::Status Next(SourceFrame* frame, bool* end) override {
    *end = false;
    frame->encoded.clear();
    try {
      if (!capture_.read(frame->image) || frame->image.empty()) {
        *end = true;
        return first_ ? absl::UnavailableError("the camera gave no frame") : absl::OkStatus();
      }
    } catch (const cv::Exception& e) {
      return absl::UnavailableError(absl::StrCat("reading the camera: ", e.what()));
    }
    const auto now = std::chrono::steady_clock::now();
    // The driver's buffer timestamp (ms) when it has one: when the frame was exposed, not
    // when we got round to reading it.
    const double stamp_ms = capture_.get(cv::CAP_PROP_POS_MSEC);
    int64_t offset = 0;
    if (first_) {
      first_ = false;
      use_stamps_ = stamp_ms > 0;
      first_stamp_ms_ = stamp_ms;
      first_read_ = now;
    } else if (use_stamps_ && stamp_ms > last_stamp_ms_) {
      offset = static_cast<int64_t>(std::llround((stamp_ms - first_stamp_ms_) * 1000));
    } else {
      if (use_stamps_) {  // timestamps stopped making sense: the read clock from here on
        use_stamps_ = false;
        first_read_ = now - std::chrono::microseconds(last_offset_us_);
      }
      offset = std::chrono::duration_cast<std::chrono::microseconds>(now - first_read_).count();
    }
    last_stamp_ms_ = stamp_ms;
    last_offset_us_ = std::max(last_offset_us_, offset);
    frame->offset_us = last_offset_us_;
    return absl::OkStatus();
  }

 private:
  cv::VideoCapture capture_;
  double fps_;
  bool first_ = true;
  bool use_stamps_ = false;
  double first_stamp_ms_ = 0, last_stamp_ms_ = 0;
  std::chrono::steady_clock::time_point first_read_;
  int64_t last_offset_us_ = 0;
};

class EncodedFrameSource : public FrameSource {
 public:
  EncodedFrameSource(std::vector<std::string> frames, double fps, bool loop)
      : frames_(std::move(frames)), fps_(fps), loop_(loop) {}
  double fps() const override { return fps_; }
  bool live() const override { return false; }
  absl::Status Next(SourceFrame* frame, bool* end) override {
    const bool done = frames_.empty() || (!loop_ && index_ >= static_cast<int64_t>(frames_.size()));
    *end = done;
    if (done) return absl::OkStatus();
    frame->image.release();
    frame->encoded = frames_[index_ % frames_.size()];
    frame->offset_us = FrameOffsetUs(index_++, fps_);
    return absl::OkStatus();
  }

 private:
  std::vector<std::string> frames_;
  double fps_;
  bool loop_;
  int64_t index_ = 0;
};

class SamplesAudioSource : public AudioSource {
 public:
  SamplesAudioSource(std::vector<float> samples, int rate, bool loop)
      : samples_(std::move(samples)), loop_(loop) {
    format_.set_encoding(burnout::v1::AUDIO_ENCODING_PCM_F32LE);
    format_.set_sample_rate(rate);
    format_.set_channels(1);
  }
  const burnout::v1::AudioFormat& format() const override { return format_; }
  bool live() const override { return false; }
  absl::Status Read(int64_t frames, std::string* pcm) override {
    pcm->clear();
    if (samples_.empty()) return absl::OkStatus();
    pcm->reserve(static_cast<size_t>(frames) * sizeof(float));
    while (frames > 0) {
      if (pos_ >= samples_.size()) {
        if (!loop_) break;
        pos_ = 0;
      }
      const size_t n = std::min(static_cast<size_t>(frames), samples_.size() - pos_);
      pcm->append(reinterpret_cast<const char*>(samples_.data() + pos_), n * sizeof(float));
      pos_ += n;
      frames -= static_cast<int64_t>(n);
    }
    return absl::OkStatus();
  }

 private:
  std::vector<float> samples_;
  bool loop_;
  size_t pos_ = 0;
  burnout::v1::AudioFormat format_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<FrameSource>> OpenVideoFile(const std::string& path, double fps) {
  // Checked first: OpenCV would try every backend on a missing file and log each failure.
  if (!std::ifstream(path).good()) return absl::NotFoundError(absl::StrCat("cannot read the video ", path));
  cv::VideoCapture capture;
  try {
    capture.open(path);
  } catch (const cv::Exception& e) {
    return absl::NotFoundError(absl::StrCat("cannot open the video ", path, ": ", e.what()));
  }
  if (!capture.isOpened()) return absl::NotFoundError(absl::StrCat("cannot open the video ", path));
  const double rate = UsableFps(fps, capture.get(cv::CAP_PROP_FPS));
  return std::make_unique<VideoFileSource>(std::move(capture), rate);
}

absl::StatusOr<std::unique_ptr<FrameSource>> OpenCamera(int index, double fps) {
  cv::VideoCapture capture;
  try {
    capture.open(index);
    if (fps > 0) capture.set(cv::CAP_PROP_FPS, fps);
  } catch (const cv::Exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot open camera ", index, ": ", e.what()));
  }
  if (!capture.isOpened()) return absl::UnavailableError(absl::StrCat("cannot open camera ", index));
  const double rate = UsableFps(fps, capture.get(cv::CAP_PROP_FPS));
  return std::make_unique<CameraSource>(std::move(capture), rate);
}

std::unique_ptr<FrameSource> EncodedFrames(std::vector<std::string> frames, double fps, bool loop) {
  return std::make_unique<EncodedFrameSource>(std::move(frames), fps, loop);
}

std::unique_ptr<AudioSource> SamplesAudio(std::vector<float> samples, int sample_rate, bool loop) {
  return std::make_unique<SamplesAudioSource>(std::move(samples), sample_rate, loop);
}

absl::StatusOr<std::unique_ptr<AudioSource>> OpenWav(const std::string& path) {
  auto decoded = audio::DecodeAudioFile(path);
  if (!decoded.ok()) return decoded.status();
  return SamplesAudio(std::move(decoded->samples), audio::kAnalysisRate, /*loop=*/false);
}

// ---- MediaSource ----

MediaSource::MediaSource(std::unique_ptr<FrameSource> frames, std::unique_ptr<AudioSource> audio,
                         const MediaOptions& options)
    : frames_(std::move(frames)), audio_(std::move(audio)), options_(options) {
  frames_ended_ = frames_ == nullptr;
  audio_ended_ = audio_ == nullptr;
  if (options_.max_seconds > 0) max_offset_us_ = static_cast<int64_t>(std::llround(options_.max_seconds * 1e6));
  if (audio_) {
    const auto& f = audio_->format();
    const int sample_bytes = f.encoding() == burnout::v1::AUDIO_ENCODING_PCM_S16LE ? 2 : 4;
    bytes_per_frame_ = sample_bytes * std::max(1, f.channels());
    chunk_frames_ = std::max<int64_t>(1, int64_t{f.sample_rate()} * std::max(1, options_.chunk_ms) / 1000);
  }
}

bool MediaSource::live() const {
  return (frames_ && frames_->live()) || (audio_ && audio_->live());
}

void MediaSource::FillOpen(burnout::v1::SessionOpen* open) const {
  open->clear_modalities();
  if (audio_) {
    open->add_modalities(burnout::v1::MODALITY_VOICE);
    *open->mutable_audio_format() = audio_->format();
  }
  if (frames_) {
    open->add_modalities(burnout::v1::MODALITY_FACE);
    open->set_frame_rate(frames_->fps());
  }
}

absl::Status MediaSource::EncodeFrame(SourceFrame& frame, burnout::v1::VideoFrame* out) const {
  if (!frame.encoded.empty()) {
    out->set_encoded(std::move(frame.encoded));
    return absl::OkStatus();
  }
  try {
    cv::Mat image = frame.image;
    if (image.channels() == 4) cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
    if (options_.frame_width > 0 && image.cols != options_.frame_width) {
      const int height = std::max(1, static_cast<int>(std::lround(
                                         static_cast<double>(image.rows) * options_.frame_width / image.cols)));
      cv::Mat resized;
      cv::resize(image, resized, cv::Size(options_.frame_width, height), 0, 0,
                 options_.frame_width < image.cols ? cv::INTER_AREA : cv::INTER_LINEAR);
      image = resized;
    }
    if (options_.raw_frames) {
      if (!image.isContinuous()) image = image.clone();
      auto* raw = out->mutable_raw();
      raw->set_width(image.cols);
      raw->set_height(image.rows);
      raw->set_format(image.channels() == 1 ? burnout::v1::PIXEL_FORMAT_GRAY8
                                            : burnout::v1::PIXEL_FORMAT_BGR8);
      raw->set_pixels(reinterpret_cast<const char*>(image.data), image.total() * image.elemSize());
    } else {
      std::vector<uchar> jpeg;
      cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, options_.jpeg_quality});
      out->set_encoded(reinterpret_cast<const char*>(jpeg.data()), jpeg.size());
    }
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("encoding a frame: ", e.what()));
  }
  return absl::OkStatus();
}

absl::Status MediaSource::LoadFrame() {
  SourceFrame frame;
  bool end = false;
  absl::Status s = frames_->Next(&frame, &end);
  if (!s.ok() || end || (max_offset_us_ > 0 && frame.offset_us >= max_offset_us_)) {
    frames_ended_ = true;
    return s;
  }
  TimedRequest item;
  item.offset_us = std::max(frame.offset_us, last_frame_us_);  // frames never go back
  last_frame_us_ = item.offset_us;
  auto* out = item.request.mutable_frame();
  if (s = EncodeFrame(frame, out); !s.ok()) {
    frames_ended_ = true;
    return s;
  }
  next_frame_ = std::move(item);
  return absl::OkStatus();
}

absl::Status MediaSource::LoadChunk() {
  const int rate = audio_->format().sample_rate();
  int64_t want = chunk_frames_;
  if (max_offset_us_ > 0) {
    // The last chunk is cut at max_seconds, so exactly that much audio goes out.
    const int64_t limit = max_offset_us_ * rate / 1000000;
    want = std::min(want, limit - audio_frames_read_);
  }
  std::string pcm;
  absl::Status s = want > 0 ? audio_->Read(want, &pcm) : absl::OkStatus();
  if (!s.ok() || pcm.empty()) {
    audio_ended_ = true;
    return s;
  }
  TimedRequest item;
  item.offset_us = audio_frames_read_ * 1000000 / rate;
  audio_frames_read_ += static_cast<int64_t>(pcm.size()) / bytes_per_frame_;
  auto* chunk = item.request.mutable_audio();
  chunk->set_pcm(std::move(pcm));
  next_chunk_ = std::move(item);
  return absl::OkStatus();
}

int64_t MediaSource::FrameLowerBound() const {
  if (next_frame_) return next_frame_->offset_us;
  return frames_ended_ ? kNoLimit : last_frame_us_;
}

int64_t MediaSource::AudioLowerBound() const {
  if (next_chunk_) return next_chunk_->offset_us;
  return audio_ended_ ? kNoLimit : audio_frames_read_ * 1000000 / audio_->format().sample_rate();
}

TimedRequest MediaSource::Take(std::optional<TimedRequest>* head) {
  TimedRequest item = std::move(**head);
  head->reset();
  // Stamped here, not when loaded: Prime may run before set_start_us.
  auto* r = &item.request;
  const int64_t t = start_us_ + item.offset_us;
  if (r->has_audio()) r->mutable_audio()->set_capture_time_us(t);
  if (r->has_frame()) r->mutable_frame()->set_capture_time_us(t);
  return item;
}

absl::Status MediaSource::Prime() {
  if (primed_) return absl::OkStatus();
  primed_ = true;
  if (!audio_ended_ && !next_chunk_) {
    if (absl::Status s = LoadChunk(); !s.ok()) return s;
  }
  if (!frames_ended_ && !next_frame_) {
    if (absl::Status s = LoadFrame(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<TimedRequest>> MediaSource::Next() {
  if (absl::Status s = Prime(); !s.ok()) return s;
  while (!Stopped()) {
    if (next_chunk_ && next_chunk_->offset_us <= FrameLowerBound()) return Take(&next_chunk_);
    if (next_frame_ && next_frame_->offset_us < AudioLowerBound()) return Take(&next_frame_);
    // Undecided: read the missing head that could come first (audio on a tie).
    const bool need_chunk = !next_chunk_ && !audio_ended_;
    const bool need_frame = !next_frame_ && !frames_ended_;
    if (!need_chunk && !need_frame) break;  // both ended
    absl::Status s = need_chunk && (!need_frame || AudioLowerBound() <= FrameLowerBound())
                         ? LoadChunk()
                         : LoadFrame();
    if (!s.ok()) return s;
  }
  return std::nullopt;
}

}  // namespace burnout::capture
