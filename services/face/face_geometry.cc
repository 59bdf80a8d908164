#include "services/face/face_geometry.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace burnout::face {
namespace {

constexpr double kDegToRad = CV_PI / 180.0;
// A region is rendered directly when it is at most this many times the output side; larger
// ones go through a native-resolution rendering (capped) and an area resize.
constexpr double kDirectRatio = 1.5;
constexpr int kMaxNative = 1024;

}  // namespace

cv::Matx23d RoiToCrop(const FaceRoi& roi, int out) {
  const double k = roi.side > 0 ? out / static_cast<double>(roi.side) : 1.0;
  const double a = -roi.angle_deg * kDegToRad;  // undo the roll
  const double c = std::cos(a) * k, s = std::sin(a) * k;
  // p' = R(a) k (p - centre) + out / 2
  const double cx = roi.center.x, cy = roi.center.y, h = out / 2.0;
  return cv::Matx23d(c, -s, h - c * cx + s * cy,
                     s, c, h - s * cx - c * cy);
}

cv::Point2f CropToImage(const FaceRoi& roi, int out, const cv::Point2f& p) {
  const double k = roi.side > 0 ? roi.side / static_cast<double>(out) : 1.0;
  const double a = roi.angle_deg * kDegToRad;
  const double x = (p.x - out / 2.0) * k, y = (p.y - out / 2.0) * k;
  return {static_cast<float>(std::cos(a) * x - std::sin(a) * y + roi.center.x),
          static_cast<float>(std::sin(a) * x + std::cos(a) * y + roi.center.y)};
}

cv::Mat RenderRoi(const cv::Mat& bgr, const FaceRoi& roi, int out) {
  out = std::max(1, out);
  if (bgr.empty()) return cv::Mat::zeros(out, out, CV_8UC3);
  int render = out;
  if (roi.side > kDirectRatio * out) render = std::min(kMaxNative, static_cast<int>(std::lround(roi.side)));
  cv::Mat crop;
  cv::warpAffine(bgr, crop, cv::Mat(RoiToCrop(roi, render)), cv::Size(render, render), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  if (render == out) return crop;
  cv::Mat small;
  cv::resize(crop, small, cv::Size(out, out), 0, 0, cv::INTER_AREA);
  return small;
}

float EyeAngle(const cv::Point2f& right_eye, const cv::Point2f& left_eye) {
  const cv::Point2f d = left_eye - right_eye;
  if (std::hypot(d.x, d.y) < 1e-3f) return 0.0f;
  return static_cast<float>(std::atan2(d.y, d.x) / kDegToRad);
}

FaceExtent ExtentOfBox(const cv::Rect2f& box, float angle_deg) {
  FaceExtent e;
  e.center = {box.x + 0.5f * box.width, box.y + 0.5f * box.height};
  e.width = std::max(0.0f, box.width);
  e.height = std::max(0.0f, box.height);
  e.angle_deg = std::isfinite(angle_deg) ? angle_deg : 0.0f;
  return e;
}

FaceExtent ExtentOfPoints(const std::vector<cv::Point3f>& points, float angle_deg) {
  FaceExtent e;
  e.angle_deg = std::isfinite(angle_deg) ? angle_deg : 0.0f;
  if (points.empty()) return e;
  const double a = e.angle_deg * kDegToRad, c = std::cos(a), s = std::sin(a);
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (const auto& p : points) {
    const double x = c * p.x + s * p.y, y = -s * p.x + c * p.y;  // into the levelled frame
    x0 = std::min(x0, x);
    x1 = std::max(x1, x);
    y0 = std::min(y0, y);
    y1 = std::max(y1, y);
  }
  const double cx = 0.5 * (x0 + x1), cy = 0.5 * (y0 + y1);
  e.center = {static_cast<float>(c * cx - s * cy), static_cast<float>(s * cx + c * cy)};
  e.width = static_cast<float>(x1 - x0);
  e.height = static_cast<float>(y1 - y0);
  return e;
}

FaceRoi Framing(const FaceExtent& extent, float side, float center_dy, bool level) {
  const float s = std::max({1.0f, extent.width, extent.height});
  const double a = extent.angle_deg * kDegToRad;
  const cv::Point2f down(static_cast<float>(-std::sin(a)), static_cast<float>(std::cos(a)));
  FaceRoi roi;
  roi.center = extent.center + down * (center_dy * s);
  roi.side = std::max(1.0f, (side > 0 ? side : 1.0f) * s);
  roi.angle_deg = level ? extent.angle_deg : 0.0f;
  return roi;
}

FaceRoi FramingFromBox(const burnout::v1::FaceCropSpec& spec, const FaceExtent& box) {
  return Framing(box, spec.box_side(), spec.box_center_dy(), spec.level_eyes());
}

FaceRoi FramingFromMesh(const burnout::v1::FaceCropSpec& spec, const FaceExtent& mesh) {
  return Framing(mesh, spec.mesh_side(), spec.mesh_center_dy(), spec.level_eyes());
}

}  // namespace burnout::face
