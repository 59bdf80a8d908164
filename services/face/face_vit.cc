#include "services/face/face_vit.h"

#include <opencv2/imgproc.hpp>

namespace burnout::face {

namespace {

// GRAY: luminance in float (no rounding) at the crop's own size, then a bilinear resize of the
// float image (as the model's training images, stored grey at 48 px, were resized to its input).
std::vector<float> GrayInput(const cv::Mat& bgr, const burnout::v1::ImageInputSpec& spec) {
  const int s = spec.size();
  std::vector<float> out(static_cast<size_t>(s) * s, 0.0f);
  if (spec.gray_weights_size() != 3 || spec.mean_size() != 1 || spec.std_size() != 1) return out;
  const float wr = spec.gray_weights(0), wg = spec.gray_weights(1), wb = spec.gray_weights(2);
  cv::Mat gray(bgr.rows, bgr.cols, CV_32F);
  for (int y = 0; y < bgr.rows; ++y) {
    const auto* row = bgr.ptr<cv::Vec3b>(y);
    float* dst = gray.ptr<float>(y);
    for (int x = 0; x < bgr.cols; ++x) dst[x] = wr * row[x][2] + wg * row[x][1] + wb * row[x][0];
  }
  if (gray.cols != s || gray.rows != s) {
    cv::Mat resized;
    cv::resize(gray, resized, cv::Size(s, s), 0, 0, cv::INTER_LINEAR);
    gray = resized;
  }
  const float rescale = spec.rescale(), mean = spec.mean(0), std = spec.std(0);
  for (int y = 0; y < s; ++y) {
    const float* row = gray.ptr<float>(y);
    for (int x = 0; x < s; ++x) out[static_cast<size_t>(y) * s + x] = (row[x] * rescale - mean) / std;
  }
  return out;
}

}  // namespace

std::vector<float> FaceModelInput(const cv::Mat& bgr_in, const burnout::v1::ImageInputSpec& spec) {
  const int s = spec.size();
  const bool gray = spec.channel_order() == "GRAY";
  std::vector<float> out(static_cast<size_t>(gray ? 1 : 3) * s * s, 0.0f);
  if (s <= 0 || bgr_in.empty()) return out;
  cv::Mat bgr = bgr_in;
  if (bgr.depth() != CV_8U) bgr.convertTo(bgr, CV_8U);
  if (bgr.channels() == 1) {
    cv::cvtColor(bgr, bgr, cv::COLOR_GRAY2BGR);
  } else if (bgr.channels() == 4) {
    cv::cvtColor(bgr, bgr, cv::COLOR_BGRA2BGR);
  }
  if (gray) return GrayInput(bgr, spec);
  if (spec.mean_size() != 3 || spec.std_size() != 3) return out;
  if (bgr.cols != s || bgr.rows != s) {
    cv::Mat resized;
    // ViTImageProcessor resizes the uint8 image with PIL's bilinear filter. At the 224 px the
    // ViT takes, the aligned crop already has the size and nothing is resized. When it is
    // resized, PIL's bilinear widens its kernel when shrinking (antialiasing) and OpenCV's
    // INTER_LINEAR does not, so a downscale differs slightly from the processor's.
    cv::resize(bgr, resized, cv::Size(s, s), 0, 0, cv::INTER_LINEAR);
    bgr = resized;
  }
  const bool rgb = spec.channel_order() == "RGB";
  const size_t plane = static_cast<size_t>(s) * s;
  for (int c = 0; c < 3; ++c) {
    const int src = rgb ? 2 - c : c;  // OpenCV keeps blue first
    const float rescale = spec.rescale();
    const float mean = spec.mean(c);
    const float std = spec.std(c);
    float* dst = out.data() + c * plane;
    for (int y = 0; y < s; ++y) {
      const auto* row = bgr.ptr<cv::Vec3b>(y);
      for (int x = 0; x < s; ++x) {
        dst[static_cast<size_t>(y) * s + x] = (static_cast<float>(row[x][src]) * rescale - mean) / std;
      }
    }
  }
  return out;
}

}  // namespace burnout::face
