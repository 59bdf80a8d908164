#include "tests/testing/session_media.h"

#include <algorithm>
#include <cmath>
#include <fstream>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include "absl/strings/str_cat.h"
#include "services/voice/acoustics.h"
#include "services/voice/espeak.h"
#include "services/voice/voice_files.h"

namespace burnout::testutil {
namespace {

constexpr double kImageSeconds = 3.0;   // each face this long, then the next
constexpr double kFaceHeight = 0.6;     // of the frame height
constexpr double kPauseSeconds = 0.4;   // between utterances

// `face` scaled to ~60% of the frame height (narrower when the frame is), pasted on `frame`
// with its centre moved by (dx, dy) pixels, clipped at the borders.
void Paste(const cv::Mat& face, double dx, double dy, cv::Mat* frame) {
  const double scale = std::min(kFaceHeight * frame->rows / face.rows, 0.9 * frame->cols / face.cols);
  cv::Mat scaled;
  cv::resize(face, scaled, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  const int x = static_cast<int>(std::lround((frame->cols - scaled.cols) / 2.0 + dx));
  const int y = static_cast<int>(std::lround((frame->rows - scaled.rows) / 2.0 + dy));
  const cv::Rect target = cv::Rect(x, y, scaled.cols, scaled.rows) & cv::Rect(0, 0, frame->cols, frame->rows);
  if (target.empty()) return;
  scaled(cv::Rect(target.x - x, target.y - y, target.width, target.height)).copyTo((*frame)(target));
}

}  // namespace

std::vector<std::string> SharedFaceImages(const std::string& shared_dir) {
  std::vector<std::string> out;
  for (const char* name : {"astronaut.png", "camera.png"}) {
    const std::string path = shared_dir + "/data/faces/" + name;
    if (std::ifstream(path).good()) out.push_back(path);
  }
  return out;
}

absl::Status WriteFaceVideo(const std::string& path, const std::vector<std::string>& face_images,
                            double seconds, double fps, int width, int height) {
  if (!(seconds > 0) || !(fps > 0) || width < 16 || height < 16) {
    return absl::InvalidArgumentError(absl::StrCat("WriteFaceVideo: ", seconds, " s at ", fps,
                                                   " fps, ", width, "x", height));
  }
  std::vector<cv::Mat> faces;
  for (const auto& p : face_images) {
    cv::Mat m = cv::imread(p, cv::IMREAD_COLOR);
    if (m.empty()) return absl::NotFoundError(absl::StrCat("cannot read the image ", p));
    faces.push_back(std::move(m));
  }
  try {
    const int fourcc = cv::VideoWriter::fourcc('M', 'J', 'P', 'G');
    // OpenCV's own MJPEG writer is always built in; the default backend may not be.
    cv::VideoWriter writer(path, cv::CAP_OPENCV_MJPEG, fourcc, fps, cv::Size(width, height), true);
    if (!writer.isOpened()) writer.open(path, fourcc, fps, cv::Size(width, height), true);
    if (!writer.isOpened()) return absl::InternalError(absl::StrCat("OpenCV cannot write ", path));
    const int64_t n = std::max<int64_t>(1, std::llround(seconds * fps));
    const cv::Scalar background(200, 205, 210);
    cv::Mat frame(height, width, CV_8UC3);
    for (int64_t i = 0; i < n; ++i) {
      const double t = static_cast<double>(i) / fps;
      frame.setTo(background);
      if (!faces.empty()) {
        const auto& face = faces[static_cast<size_t>(t / kImageSeconds) % faces.size()];
        // A slow sway, as a person sitting in front of a camera moves.
        Paste(face, 0.04 * width * std::sin(2 * M_PI * t / 4.0), 0.02 * height * std::sin(2 * M_PI * t / 3.0),
              &frame);
      }
      writer.write(frame);
    }
    writer.release();
  } catch (const cv::Exception& e) {
    return absl::InternalError(absl::StrCat("writing ", path, ": ", e.what()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<float>> SpeechSamples(double min_seconds) {
  if (!voice::EspeakAvailable()) {
    return absl::UnavailableError("espeak-ng is not installed (Debian package espeak-ng)");
  }
  const auto corpus = voice::SpeechCorpus();
  const size_t want = static_cast<size_t>(std::ceil(min_seconds * voice::kAnalysisRate));
  const size_t pause = static_cast<size_t>(kPauseSeconds * voice::kAnalysisRate);
  std::vector<float> out;
  for (size_t i = 0; out.size() < want; ++i) {
    auto speech = voice::SynthesizeSpeech(corpus[i % corpus.size()]);
    if (!speech.ok()) return speech.status();
    if (speech->empty()) return absl::UnavailableError("espeak-ng gave no samples");
    if (!out.empty()) out.insert(out.end(), pause, 0.0f);
    out.insert(out.end(), speech->begin(), speech->end());
  }
  return out;
}

absl::Status WriteSpeechWav(const std::string& path, double min_seconds) {
  auto samples = SpeechSamples(min_seconds);
  if (!samples.ok()) return samples.status();
  return voice::WriteWav16k(path, *samples, voice::WavSampleFormat::kPcm16);
}

}  // namespace burnout::testutil
