#include "services/face/face_detect.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <utility>

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/model/model_dir.h"

#include "spdlog/spdlog.h"

namespace burnout::face {
namespace {

constexpr float kDefaultYuNetScore = 0.8f;
constexpr float kYuNetNms = 0.3f;
constexpr int kYuNetTopK = 50;
constexpr int kDefaultMaxSide = 320;
// Landmark refinement (see RefineLandmarks): levelled crop side, evidence needed, limits.
constexpr int kRefineCrop = 192;
constexpr int kRefineMinEyeWindows = 3;
constexpr double kRefineMaxResidual = 20.0;
constexpr size_t kMaxRefinedFaces = 8;
constexpr float kDefaultMinFaceFraction = 0.08f;
constexpr char kDefaultCascadeDir[] = "/usr/share/opencv4";
constexpr char kDefaultHaarFace[] = "haarcascades/haarcascade_frontalface_alt2.xml";
constexpr char kDefaultLbpFace[] = "lbpcascades/lbpcascade_frontalface_improved.xml";
constexpr char kDefaultHaarEye[] = "haarcascades/haarcascade_eye.xml";
constexpr char kDefaultHaarSmile[] = "haarcascades/haarcascade_smile.xml";

// Below this short side (in the downscaled detection copy) no detector runs: the cascades'
// windows are 20-45 px and YuNet's anchors start at 10 px, so such images go to the centre
// crop (or to no face).
constexpr int kMinDetectSide = 20;
// Face cascades: grouping threshold, scale step.
constexpr int kCascadeMinNeighbors = 5;
constexpr double kCascadeScaleFactor = 1.1;
// Centre crop: a square of this fraction of the short side, with this fixed score.
constexpr float kCenterCropFraction = 0.6f;
constexpr int kMinYuNetSide = 64;
constexpr int kDefaultCoarseSide = 160;
constexpr float kCenterCropScore = 0.1f;

void LogWarning(const std::string& message) { spdlog::warn("{}", message); }

bool FileReadable(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return in.good();
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (name.empty() || name.front() == '/' || dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// Any 8-bit (or other depth) 1/3/4-channel image as 8-bit BGR.
cv::Mat ToBgr8(const cv::Mat& in) {
  cv::Mat m = in;
  if (m.depth() != CV_8U) {
    double lo = 0, hi = 0;
    cv::minMaxLoc(m.reshape(1), &lo, &hi);
    cv::Mat c;
    const double scale = hi > lo ? 255.0 / (hi - lo) : 1.0;
    m.convertTo(c, CV_8U, scale, -lo * scale);
    m = c;
  }
  cv::Mat out;
  switch (m.channels()) {
    case 1: cv::cvtColor(m, out, cv::COLOR_GRAY2BGR); break;
    case 4: cv::cvtColor(m, out, cv::COLOR_BGRA2BGR); break;
    case 3: out = m; break;
    default: {
      std::vector<cv::Mat> planes;
      cv::split(m, planes);
      cv::cvtColor(planes[0], out, cv::COLOR_GRAY2BGR);
    }
  }
  return out;
}

cv::Mat ToGray8(const cv::Mat& in) {
  if (in.empty()) return in;
  if (in.type() == CV_8UC1) return in;
  cv::Mat gray;
  cv::cvtColor(ToBgr8(in), gray, cv::COLOR_BGR2GRAY);
  return gray;
}

bool CrossesBorder(const cv::Rect2f& b, const cv::Size& size) {
  // Reaching the edge counts as cut (within 2% of the box's side, at least a pixel): a cascade
  // window cannot extend past the image, and YuNet often trims its box at the edge of a face
  // that leaves the frame (a quarter of the astronaut's face outside: box x = 0.7).
  const float tol = std::max(1.0f, 0.02f * std::max(b.width, b.height));
  return b.x < tol || b.y < tol || b.x + b.width > size.width - tol ||
         b.y + b.height > size.height - tol;
}

}  // namespace

const char* DetectorName(DetectorKind kind) {
  switch (kind) {
    case DetectorKind::kNone: return "none";
    case DetectorKind::kYuNet: return "yunet";
    case DetectorKind::kHaar: return "haar";
    case DetectorKind::kLbp: return "lbp";
    case DetectorKind::kCenterCrop: return "center-crop";
    case DetectorKind::kTracked: return "tracked";
    case DetectorKind::kWholeImage: return "whole-image";
  }
  return "none";
}

struct FaceDetector::Impl {
  burnout::v1::FaceDetectorConfig config;
  cv::Ptr<cv::FaceDetectorYN> yunet;
  std::string yunet_status;
  cv::CascadeClassifier haar_face, lbp_face, haar_eye, haar_smile;
  int max_side = kDefaultMaxSide;
  float min_face_fraction = kDefaultMinFaceFraction;
  float yunet_score = kDefaultYuNetScore;

  // `scale`: detection copy pixels per input pixel, per axis.
  std::vector<FaceBox> RunYuNet(const cv::Mat& small, cv::Point2d scale, float min_side_px);
  void RefineLandmarks(FaceBox& face, const cv::Mat& bgr, const cv::Mat& small, double scale);
  std::vector<FaceBox> RunCascade(cv::CascadeClassifier& cascade, DetectorKind kind,
                                  const cv::Mat& gray, cv::Point2d scale, int min_side_px);
};

namespace {

absl::Status LoadCascade(const std::string& dir, const std::string& name, const char* what,
                         cv::CascadeClassifier& out) {
  const std::string path = JoinPath(dir, name);
  if (!FileReadable(path)) {
    return absl::FailedPreconditionError(
        absl::StrCat("face detector: ", what, " cascade ", path, " not found or unreadable"));
  }
  bool ok = false;
  try {
    ok = out.load(path) && !out.empty();
  } catch (const cv::Exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("face detector: ", what, " cascade ", path, " failed to load: ", e.what()));
  }
  if (!ok) {
    return absl::FailedPreconditionError(
        absl::StrCat("face detector: ", what, " cascade ", path, " is not a valid cascade"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<FaceDetector>> FaceDetector::Create(
    const burnout::v1::FaceDetectorConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  if (config.detect_max_side() > 0) impl->max_side = config.detect_max_side();
  if (config.min_face_fraction() > 0) impl->min_face_fraction = config.min_face_fraction();
  if (config.yunet_score_threshold() > 0) impl->yunet_score = config.yunet_score_threshold();

  const std::string dir = config.cascade_dir().empty() ? kDefaultCascadeDir : config.cascade_dir();
  auto pick = [](const std::string& v, const char* def) { return v.empty() ? std::string(def) : v; };
  absl::Status s;
  s = LoadCascade(dir, pick(config.haar_face(), kDefaultHaarFace), "Haar face", impl->haar_face);
  if (!s.ok()) return s;
  s = LoadCascade(dir, pick(config.lbp_face(), kDefaultLbpFace), "LBP face", impl->lbp_face);
  if (!s.ok()) return s;
  s = LoadCascade(dir, pick(config.haar_eye(), kDefaultHaarEye), "eye", impl->haar_eye);
  if (!s.ok()) return s;
  s = LoadCascade(dir, pick(config.haar_smile(), kDefaultHaarSmile), "smile", impl->haar_smile);
  if (!s.ok()) return s;

  const std::string& model = config.yunet_model();
  if (model.empty()) {
    impl->yunet_status = "not configured (yunet_model is empty); using the cascades";
  } else if (!FileReadable(model)) {
    impl->yunet_status = absl::StrCat("model file ", model, " not found; using the cascades");
  } else {
    bool checksum_ok = true;
    if (!config.yunet_sha256().empty()) {
      auto sha = burnout::model::Sha256File(model);
      if (!sha.ok()) {
        checksum_ok = false;
        impl->yunet_status = absl::StrCat("cannot checksum ", model, ": ", sha.status().message());
      } else if (*sha != config.yunet_sha256()) {
        checksum_ok = false;
        impl->yunet_status = absl::StrCat("refused ", model, ": SHA-256 mismatch, expected ",
                                          config.yunet_sha256(), ", actual ", *sha);
      }
    }
    if (checksum_ok) {
      try {
        impl->yunet = cv::FaceDetectorYN::create(model, "", cv::Size(320, 320), impl->yunet_score,
                                                 kYuNetNms, kYuNetTopK);
        impl->yunet_status = absl::StrCat("loaded ", model);
      } catch (const cv::Exception& e) {
        impl->yunet.reset();
        impl->yunet_status = absl::StrCat("failed to load ", model, ": ", e.what());
      }
    }
  }
  if (!impl->yunet) LogWarning(absl::StrCat("face detector: YuNet not used: ", impl->yunet_status));
  return std::unique_ptr<FaceDetector>(new FaceDetector(std::move(impl)));
}

FaceDetector::FaceDetector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceDetector::~FaceDetector() = default;

bool FaceDetector::has_yunet() const { return static_cast<bool>(impl_->yunet); }
const std::string& FaceDetector::yunet_status() const { return impl_->yunet_status; }

std::vector<FaceBox> FaceDetector::Impl::RunYuNet(const cv::Mat& small, cv::Point2d scale,
                                                  float min_side_px) {
  std::vector<FaceBox> out;
  cv::Mat rows;
  try {
    yunet->setInputSize(small.size());
    yunet->detect(small, rows);
  } catch (const cv::Exception& e) {
    LogWarning(absl::StrCat("face detector: YuNet failed on a ", small.cols, "x", small.rows,
                            " image: ", e.what()));
    return out;
  }
  if (rows.empty() || rows.cols < 15 || rows.type() != CV_32F) return out;
  const float ix = static_cast<float>(1.0 / scale.x), iy = static_cast<float>(1.0 / scale.y);
  for (int i = 0; i < rows.rows; ++i) {
    const float* r = rows.ptr<float>(i);
    bool finite = true;
    for (int k = 0; k < 15; ++k) finite = finite && std::isfinite(r[k]);
    if (!finite || r[2] <= 0 || r[3] <= 0) continue;
    if (std::max(r[2], r[3]) < min_side_px) continue;
    FaceBox f;
    f.box = cv::Rect2f(r[0] * ix, r[1] * iy, r[2] * ix, r[3] * iy);
    f.score = std::clamp(r[14], 0.0f, 1.0f);
    f.detector = DetectorKind::kYuNet;
    f.has_landmarks = true;
    for (int k = 0; k < 5; ++k) f.landmarks[k] = cv::Point2f(r[4 + 2 * k] * ix, r[5 + 2 * k] * iy);
    out.push_back(f);
  }
  return out;
}

// YuNet 2022's landmarks lean towards an upright face: on the astronaut rotated by 15 degrees
// the eye line it reports is tilted by only ~6 degrees at 320 px (~10-14 at 512 px), and
// re-running it on a levelled crop does not converge (its residual estimates are as biased).
// The eye cascade is not: on the face levelled by YuNet's angle, the raw eye-cascade windows
// around each YuNet eye (a square of 0.8 inter-ocular distances) are averaged into an eye
// centre; the angle between the two centres is the residual roll. When both eyes collect at
// least kRefineMinEyeWindows windows and the residual is under kRefineMaxResidual degrees, all
// five landmarks are rotated about the eyes' midpoint by the residual (YuNet's face shape,
// the cascade's orientation). Otherwise YuNet's landmarks stay as they are.
void FaceDetector::Impl::RefineLandmarks(FaceBox& face, const cv::Mat& bgr, const cv::Mat& small,
                                         double scale) {
  const float face_side = std::max(face.box.width, face.box.height);
  if (!face.has_landmarks || face_side <= 0 || haar_eye.empty()) return;
  const cv::Point2f re = face.landmarks[0], le = face.landmarks[1];
  if (!(cv::norm(le - re) > 1e-3)) return;
  const double r0 = std::atan2(le.y - re.y, le.x - re.x) * 180.0 / CV_PI;
  const double crop_side_in = (1.0 + 2.0 * 0.1) * face_side;  // the aligned crop's framing
  const bool use_small = crop_side_in * scale >= kRefineCrop;
  const cv::Mat& src = use_small ? small : bgr;
  const double s = use_small ? scale : 1.0;
  const cv::Point2f mid = 0.5f * (re + le);
  const double k = kRefineCrop / (crop_side_in * s);
  // Input pixels -> the levelled crop, centred on the eyes' midpoint.
  cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(float(mid.x * s), float(mid.y * s)), r0, k);
  m.at<double>(0, 2) += 0.5 * kRefineCrop - mid.x * s;
  m.at<double>(1, 2) += 0.5 * kRefineCrop - mid.y * s;
  cv::Mat crop, gray;
  cv::warpAffine(src, crop, m, cv::Size(kRefineCrop, kRefineCrop), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  cv::cvtColor(crop, gray, cv::COLOR_BGR2GRAY);
  auto to_crop = [&](const cv::Point2f& p) {
    return cv::Point2d(m.at<double>(0, 0) * p.x * s + m.at<double>(0, 1) * p.y * s + m.at<double>(0, 2),
                       m.at<double>(1, 0) * p.x * s + m.at<double>(1, 1) * p.y * s + m.at<double>(1, 2));
  };
  const cv::Point2d cre = to_crop(re), cle = to_crop(le);
  const double iod = cv::norm(cle - cre);
  const double half = 0.4 * std::max(iod, 0.25 * kRefineCrop);
  std::array<cv::Point2d, 2> centres;
  for (int e = 0; e < 2; ++e) {
    const cv::Point2d c = e == 0 ? cre : cle;
    const cv::Rect roi = cv::Rect(int(std::lround(c.x - half)), int(std::lround(c.y - half)),
                                  int(std::lround(2 * half)), int(std::lround(2 * half))) &
                         cv::Rect(0, 0, gray.cols, gray.rows);
    if (roi.width < 20 || roi.height < 20) return;
    std::vector<cv::Rect> rects;
    try {
      haar_eye.detectMultiScale(gray(roi), rects, 1.1, 0, 0, cv::Size(20, 20));
    } catch (const cv::Exception&) {
      return;
    }
    if (int(rects.size()) < kRefineMinEyeWindows) return;
    cv::Point2d sum(0, 0);
    for (const auto& r : rects) sum += cv::Point2d(roi.x + r.x + 0.5 * r.width, roi.y + r.y + 0.5 * r.height);
    centres[e] = sum * (1.0 / rects.size());
  }
  const cv::Point2d d = centres[1] - centres[0];
  if (d.x <= 0.3 * iod) return;  // not two eyes side by side
  const double residual = std::atan2(d.y, d.x) * 180.0 / CV_PI;
  if (std::abs(residual) > kRefineMaxResidual) return;
  // Rotate the landmarks about the eyes' midpoint by `residual` (clockwise-positive, y down).
  const double a = residual * CV_PI / 180.0, ca = std::cos(a), sa = std::sin(a);
  for (auto& p : face.landmarks) {
    const double x = p.x - mid.x, y = p.y - mid.y;
    p = cv::Point2f(float(mid.x + ca * x - sa * y), float(mid.y + sa * x + ca * y));
  }
}

// Cascade confidence from the neighbour count n of a grouped detection (how many raw windows,
// across positions and scales, agreed on it): score = 1 - exp(-n / 12). With minNeighbors 5
// the smallest reported n is 6 (score 0.39); a clear frontal face collects 20-50 windows at a
// 1.1 scale step (0.8-0.98). Stray hits on the astronaut's suit had n = 4-5, which is why the
// grouping threshold is 5 rather than OpenCV's 3.
std::vector<FaceBox> FaceDetector::Impl::RunCascade(cv::CascadeClassifier& cascade,
                                                    DetectorKind kind, const cv::Mat& gray,
                                                    cv::Point2d scale, int min_side_px) {
  std::vector<FaceBox> out;
  const cv::Size window = cascade.getOriginalWindowSize();
  const int min_side = std::max({min_side_px, window.width, window.height});
  if (gray.cols < min_side || gray.rows < min_side) return out;
  std::vector<cv::Rect> rects;
  std::vector<int> neighbours;
  try {
    cascade.detectMultiScale(gray, rects, neighbours, kCascadeScaleFactor, kCascadeMinNeighbors, 0,
                             cv::Size(min_side, min_side));
  } catch (const cv::Exception& e) {
    LogWarning(absl::StrCat("face detector: ", DetectorName(kind), " cascade failed: ", e.what()));
    return out;
  }
  const float ix = static_cast<float>(1.0 / scale.x), iy = static_cast<float>(1.0 / scale.y);
  for (size_t i = 0; i < rects.size(); ++i) {
    const int n = i < neighbours.size() ? neighbours[i] : kCascadeMinNeighbors + 1;
    FaceBox f;
    f.box = cv::Rect2f(rects[i].x * ix, rects[i].y * iy, rects[i].width * ix,
                       rects[i].height * iy);
    f.score = static_cast<float>(1.0 - std::exp(-n / 12.0));
    f.detector = kind;
    f.has_landmarks = false;
    out.push_back(f);
  }
  return out;
}

Detection FaceDetector::Detect(const cv::Mat& input, bool refine_landmarks) {
  Detection det;
  if (input.empty()) return det;  // no pixels: nothing to detect, nothing to crop
  const cv::Mat bgr = ToBgr8(input);
  const cv::Size size = bgr.size();
  const int long_side = std::max(size.width, size.height);
  const double scale = long_side > impl_->max_side ? double(impl_->max_side) / long_side : 1.0;
  const cv::Size small_size(std::max(1, int(std::lround(size.width * scale))),
                            std::max(1, int(std::lround(size.height * scale))));
  // The effective per-axis scale (after rounding) maps boxes back exactly.
  const cv::Point2d map_scale(double(small_size.width) / size.width,
                              double(small_size.height) / size.height);

  // The coarse YuNet pass: most faces are found on a small copy, in a fraction of the time.
  const int coarse = impl_->config.coarse_side() > 0 ? impl_->config.coarse_side() : kDefaultCoarseSide;
  if (impl_->yunet && coarse < std::min(long_side, impl_->max_side)) {
    const double cs = double(coarse) / long_side;
    const cv::Size coarse_size(std::max(1, int(std::lround(size.width * cs))),
                               std::max(1, int(std::lround(size.height * cs))));
    if (std::min(coarse_size.width, coarse_size.height) >= kMinYuNetSide) {
      cv::Mat copy;
      cv::resize(bgr, copy, coarse_size, 0, 0, cv::INTER_AREA);
      const cv::Point2d coarse_scale(double(coarse_size.width) / size.width,
                                     double(coarse_size.height) / size.height);
      const int min_side_px =
          std::max(1, int(std::lround(impl_->min_face_fraction * std::min(coarse_size.width, coarse_size.height))));
      det.faces = impl_->RunYuNet(copy, coarse_scale, float(min_side_px));
      if (!det.faces.empty()) {
        det.tried.push_back(DetectorKind::kYuNet);
        det.detector = DetectorKind::kYuNet;
        for (size_t i = 0; refine_landmarks && i < det.faces.size() && i < kMaxRefinedFaces; ++i) {
          impl_->RefineLandmarks(det.faces[i], bgr, copy, 0.5 * (coarse_scale.x + coarse_scale.y));
        }
      }
    }
  }

  const bool can_detect = det.faces.empty() && std::min(small_size.width, small_size.height) >= kMinDetectSide;
  if (can_detect) {
    cv::Mat small;
    if (small_size == size) {
      small = bgr;
    } else {
      cv::resize(bgr, small, small_size, 0, 0, cv::INTER_AREA);
    }
    const int short_small = std::min(small_size.width, small_size.height);
    const int min_side_px = std::max(1, int(std::lround(impl_->min_face_fraction * short_small)));

    // YuNet's pooling needs a picture of at least kMinYuNetSide (its 32x downsampling);
    // smaller ones go to the cascades.
    if (impl_->yunet && std::min(small_size.width, small_size.height) >= kMinYuNetSide) {
      det.tried.push_back(DetectorKind::kYuNet);
      det.faces = impl_->RunYuNet(small, map_scale, float(min_side_px));
      if (!det.faces.empty()) det.detector = DetectorKind::kYuNet;
      for (size_t i = 0; refine_landmarks && i < det.faces.size() && i < kMaxRefinedFaces; ++i) {
        impl_->RefineLandmarks(det.faces[i], bgr, small, 0.5 * (map_scale.x + map_scale.y));
      }
    }
    if (det.faces.empty()) {
      cv::Mat gray;
      cv::cvtColor(small, gray, cv::COLOR_BGR2GRAY);
      cv::equalizeHist(gray, gray);
      det.tried.push_back(DetectorKind::kHaar);
      det.faces = impl_->RunCascade(impl_->haar_face, DetectorKind::kHaar, gray, map_scale,
                                    min_side_px);
      if (!det.faces.empty()) {
        det.detector = DetectorKind::kHaar;
      } else {
        det.tried.push_back(DetectorKind::kLbp);
        det.faces = impl_->RunCascade(impl_->lbp_face, DetectorKind::kLbp, gray, map_scale,
                                      min_side_px);
        if (!det.faces.empty()) det.detector = DetectorKind::kLbp;
      }
    }
  }

  if (!det.faces.empty()) {
    for (auto& f : det.faces) f.cut_at_border = CrossesBorder(f.box, size);
    std::stable_sort(det.faces.begin(), det.faces.end(),
                     [](const FaceBox& a, const FaceBox& b) { return a.area() > b.area(); });
    return det;
  }
  if (impl_->config.disable_center_crop()) return det;

  det.tried.push_back(DetectorKind::kCenterCrop);
  det.detector = DetectorKind::kCenterCrop;
  const float side =
      std::max(1.0f, kCenterCropFraction * float(std::min(size.width, size.height)));
  FaceBox crop;
  crop.box = cv::Rect2f(0.5f * (size.width - side), 0.5f * (size.height - side), side, side);
  crop.score = kCenterCropScore;
  crop.detector = DetectorKind::kCenterCrop;
  crop.has_landmarks = false;
  crop.cut_at_border = false;
  det.faces.push_back(crop);
  return det;
}

namespace {

std::vector<cv::Rect> RunCueCascade(cv::CascadeClassifier& cascade, const cv::Mat& region,
                                    int min_neighbors) {
  std::vector<cv::Rect> rects;
  if (region.empty() || cascade.empty()) return rects;
  const cv::Mat gray = ToGray8(region);
  const cv::Size window = cascade.getOriginalWindowSize();
  if (gray.cols < window.width || gray.rows < window.height) return rects;
  try {
    cascade.detectMultiScale(gray, rects, 1.1, std::max(0, min_neighbors), 0, window);
  } catch (const cv::Exception& e) {
    LogWarning(absl::StrCat("face detector: cue cascade failed: ", e.what()));
    rects.clear();
  }
  return rects;
}

}  // namespace

std::vector<cv::Rect> FaceDetector::DetectEyes(const cv::Mat& gray, int min_neighbors) {
  return RunCueCascade(impl_->haar_eye, gray, min_neighbors);
}

std::vector<cv::Rect> FaceDetector::DetectSmiles(const cv::Mat& gray, int min_neighbors) {
  return RunCueCascade(impl_->haar_smile, gray, min_neighbors);
}

}  // namespace burnout::face
