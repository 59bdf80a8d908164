#include "services/face/face_vit.h"

#include <opencv2/imgproc.hpp>

namespace burnout::face {

std::vector<float> FaceModelInput(const cv::Mat& bgr_in, const burnout::v1::ImageInputSpec& spec) {
  const int s = spec.size();
  std::vector<float> out(static_cast<size_t>(3) * s * s, 0.0f);
  if (s <= 0 || bgr_in.empty() || spec.mean_size() != 3 || spec.std_size() != 3) return out;
  cv::Mat bgr = bgr_in;
  if (bgr.depth() != CV_8U) bgr.convertTo(bgr, CV_8U);
  if (bgr.channels() == 1) {
    cv::cvtColor(bgr, bgr, cv::COLOR_GRAY2BGR);
  } else if (bgr.channels() == 4) {
    cv::cvtColor(bgr, bgr, cv::COLOR_BGRA2BGR);
  }
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
