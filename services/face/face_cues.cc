#include "services/face/face_cues.h"

#include "services/face/face_landmarks.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace burnout::face {

const std::vector<CueDef>& FaceCueTable() {
  static const auto* table = new std::vector<CueDef>{
      {"face_detected", "flag", "1 when a detector found the face, 0 for the centre-crop fallback"},
      {"face_count", "count", "faces found in the image"},
      {"face_size", "ratio", "face box side / the image's short side"},
      {"detector_score", "score", "the detector's confidence in the analysed face"},
      {"face_cut", "flag", "1 when the face box crosses the image border"},
      {"smile", "score", "smile cascade response in the mouth region, and mouth widening"},
      {"eyes_open", "score", "eye cascade response in each eye region"},
      {"mouth_open", "score", "dark mouth cavity between the mouth corners"},
      {"mouth_width", "ratio", "mouth-corner distance / inter-ocular distance"},
      {"corner_lift", "ratio", "nose-to-mouth-corner drop / inter-ocular distance (lower: corners up)"},
      {"roll_deg", "deg", "head roll: the eye line's angle to the horizontal"},
      {"yaw", "ratio", "nose offset from the eyes' midpoint / inter-ocular distance"},
      {"brightness", "grey level", "mean grey level of the face, 0..255"},
      {"contrast", "grey level", "standard deviation of the face's grey levels"},
      {"sharpness", "variance", "variance of the Laplacian of the descriptor-size grey face"},
      {"landmark_score", "score", "FaceMesh's probability that its crop held a face"},
      {"eye_openness_right", "ratio", "right eye: 0 closed, 1 as open as a relaxed eye"},
      {"eye_openness_left", "ratio", "left eye: 0 closed, 1 as open as a relaxed eye"},
      {"eye_aspect_ratio", "ratio", "mean eye aspect ratio: lid gaps / (2 x eye width)"},
      {"mouth_aspect_ratio", "ratio", "inner-lip gap / mouth width"},
      {"lip_corner_pull", "ratio", "(lip centre height - corner height) / eye distance (+: raised)"},
      {"brow_height", "ratio", "(upper lid - mid brow) / eye distance (lower: brows lowered)"},
      {"yaw_deg", "deg", "head turn from the 3-D landmarks (+: towards the image's right)"},
      {"pitch_deg", "deg", "head tilt from the 3-D landmarks (+: down, chin to the chest)"},
  };
  return *table;
}

const std::vector<std::string>& FaceCueNames() {
  static const auto* names = [] {
    auto* n = new std::vector<std::string>;
    for (const auto& c : FaceCueTable()) n->push_back(c.name);
    return n;
  }();
  return *names;
}

int FaceCueIndex(const std::string& name) {
  const auto& names = FaceCueNames();
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) return static_cast<int>(i);
  }
  return -1;
}

double FaceCues::get(const char* name) const {
  const int i = FaceCueIndex(name);
  if (i < 0 || i >= static_cast<int>(values.size())) return std::nan("");
  if (i < static_cast<int>(measured.size()) && !measured[i]) return std::nan("");
  return values[i];
}

double EyeOpenness(double eye_aspect, double open_reference) {
  const double span = std::max(1e-3, open_reference - kClosedEyeAspect);
  const double v = (eye_aspect - kClosedEyeAspect) / span;
  return std::isfinite(v) ? std::clamp(v, 0.0, 1.5) : 0.0;
}

// AlignFace and MeasureCues: below.

namespace {

constexpr double kPadding = 0.10;        // per side, of the squared box
constexpr int kMaxNativeCrop = 1024;     // the crop is rendered at most this large, then resized
constexpr int kCueFaceSide = 224;        // the grey face the cue cascades run on
// Cue cascades (raw windows, no grouping). A smiling mouth collects 90-240 smile windows in
// its region of the 224 px face, a closed or masked one 0-7, drawn shapes up to ~25; an open
// eye 50-180 eye windows, a small or turned face's eyes 0-5.
constexpr double kStraySmileWindows = 4.0;
constexpr double kSmileWindowScale = 40.0;
constexpr double kEyeWindowScale = 6.0;
// Eye and mouth regions are sized from the inter-ocular distance (unit coordinates of the
// aligned crop), but never from less than this: a turned face's IOD is foreshortened.
constexpr double kMinRegionIod = 0.30;

// Neutral values of the landmark cues when the detector gives no landmarks.
// The expression model's reference values (models/face-cues: Farkas 1994 and the standard
// five-point alignment template), reported when there are no landmarks to measure.
constexpr double kNeutralMouthWidth = 0.83;  // typical mouth width / inter-ocular distance
constexpr double kNeutralCornerLift = 0.55;  // typical corner drop below the nose tip / IOD

// Where the landmarks sit inside a face box when the detector gives none (fractions of the
// box, from YuNet's landmarks on frontal faces relative to its box and to the cascades').
constexpr double kEyeY = 0.40, kRightEyeX = 0.30, kLeftEyeX = 0.70;
constexpr double kNoseX = 0.50, kNoseY = 0.62;
constexpr double kMouthY = 0.77, kRightMouthX = 0.32, kLeftMouthX = 0.68;

cv::Mat ToBgr8(const cv::Mat& in) {
  cv::Mat m = in;
  if (m.depth() != CV_8U) {
    double lo = 0, hi = 0;
    cv::minMaxLoc(m.reshape(1), &lo, &hi);
    const double scale = hi > lo ? 255.0 / (hi - lo) : 1.0;
    cv::Mat c;
    m.convertTo(c, CV_8U, scale, -lo * scale);
    m = c;
  }
  cv::Mat out;
  if (m.channels() == 1) {
    cv::cvtColor(m, out, cv::COLOR_GRAY2BGR);
  } else if (m.channels() == 4) {
    cv::cvtColor(m, out, cv::COLOR_BGRA2BGR);
  } else if (m.channels() == 3) {
    out = m;
  } else {
    cv::Mat first;
    cv::extractChannel(m, first, 0);
    cv::cvtColor(first, out, cv::COLOR_GRAY2BGR);
  }
  return out;
}

bool Finite(const cv::Point2f& p) { return std::isfinite(p.x) && std::isfinite(p.y); }

// The similarity that maps input pixels to the aligned crop: rotation about the eyes'
// midpoint (so the eye line is level), then the squared, padded box.
struct AlignGeometry {
  double roll_deg = 0.0;
  bool rotated = false;
  cv::Matx23d rot = cv::Matx23d(1, 0, 0, 0, 1, 0);  // input -> rotated frame
  cv::Point2d top_left;                             // of the crop square, rotated frame
  double side = 1.0;                                // crop square side, input pixels

  // Input pixel -> [0, 1]^2 of the aligned crop.
  cv::Point2d ToUnit(const cv::Point2f& p) const {
    const double x = rot(0, 0) * p.x + rot(0, 1) * p.y + rot(0, 2);
    const double y = rot(1, 0) * p.x + rot(1, 1) * p.y + rot(1, 2);
    return {(x - top_left.x) / side, (y - top_left.y) / side};
  }
};

AlignGeometry ComputeGeometry(const FaceBox& face) {
  AlignGeometry g;
  if (face.has_landmarks && Finite(face.landmarks[0]) && Finite(face.landmarks[1])) {
    const cv::Point2f re = face.landmarks[0], le = face.landmarks[1];
    const double dx = le.x - re.x, dy = le.y - re.y;
    if (std::hypot(dx, dy) > 1e-3) {
      // Positive roll: the eye line descends towards the image's right (clockwise on screen).
      g.roll_deg = std::atan2(dy, dx) * 180.0 / CV_PI;
      const cv::Point2f mid = 0.5f * (re + le);
      const cv::Mat r = cv::getRotationMatrix2D(mid, g.roll_deg, 1.0);
      g.rot = cv::Matx23d(r.ptr<double>(0)[0], r.ptr<double>(0)[1], r.ptr<double>(0)[2],
                          r.ptr<double>(1)[0], r.ptr<double>(1)[1], r.ptr<double>(1)[2]);
      g.rotated = true;
    }
  }
  const cv::Rect2f& b = face.box;
  const float w = std::isfinite(b.width) ? std::max(0.0f, b.width) : 0.0f;
  const float h = std::isfinite(b.height) ? std::max(0.0f, b.height) : 0.0f;
  const cv::Point2f c(std::isfinite(b.x) ? b.x + 0.5f * w : 0.0f,
                      std::isfinite(b.y) ? b.y + 0.5f * h : 0.0f);
  g.side = std::max(1.0, (1.0 + 2.0 * kPadding) * std::max(w, h));
  const double cx = g.rot(0, 0) * c.x + g.rot(0, 1) * c.y + g.rot(0, 2);
  const double cy = g.rot(1, 0) * c.x + g.rot(1, 1) * c.y + g.rot(1, 2);
  g.top_left = {cx - 0.5 * g.side, cy - 0.5 * g.side};
  return g;
}

cv::Mat ResizeTo(const cv::Mat& in, int side) {
  if (in.cols == side && in.rows == side) return in.clone();
  cv::Mat out;
  cv::resize(in, out, cv::Size(side, side), 0, 0,
             in.cols > side ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

// A rectangle given in unit coordinates of an n x n image, clipped; empty when outside.
cv::Rect UnitRect(double x0, double y0, double x1, double y1, int n) {
  const int ax = static_cast<int>(std::floor(std::clamp(std::min(x0, x1), 0.0, 1.0) * n));
  const int ay = static_cast<int>(std::floor(std::clamp(std::min(y0, y1), 0.0, 1.0) * n));
  const int bx = static_cast<int>(std::ceil(std::clamp(std::max(x0, x1), 0.0, 1.0) * n));
  const int by = static_cast<int>(std::ceil(std::clamp(std::max(y0, y1), 0.0, 1.0) * n));
  return cv::Rect(ax, ay, std::max(0, bx - ax), std::max(0, by - ay)) & cv::Rect(0, 0, n, n);
}

double Saturate(double count, double scale) { return 1.0 - std::exp(-std::max(0.0, count) / scale); }

FaceCues EmptyCues() {
  FaceCues cues;
  cues.values.assign(FaceCueTable().size(), 0.0);
  cues.measured.assign(FaceCueTable().size(), false);
  return cues;
}

// Sets a cue as measured (non-finite values, from degenerate inputs, become 0).
void SetCue(FaceCues* cues, const char* name, double v) {
  const int i = FaceCueIndex(name);
  if (i < 0) return;
  cues->values[i] = std::isfinite(v) ? v : 0.0;
  cues->measured[i] = true;
}

// The cues every path measures: how the face was found, and the image quality on the
// descriptor-size grey face (brightness and contrast inside the box, without the 10%
// padding; sharpness over the whole grey face).
void SetImageCues(const cv::Mat& bgr, const FaceBox& face, const AlignedFace& aligned, int faces_found,
                  FaceCues* cues) {
  const bool center_crop = face.detector == DetectorKind::kCenterCrop;
  SetCue(cues, "face_detected", center_crop || face.detector == DetectorKind::kNone ? 0.0 : 1.0);
  SetCue(cues, "face_count", center_crop ? 0.0 : std::max(0, faces_found));
  const double short_side = bgr.empty() ? 0.0 : std::min(bgr.cols, bgr.rows);
  SetCue(cues, "face_size", short_side > 0 ? std::max(face.box.width, face.box.height) / short_side : 0.0);
  SetCue(cues, "detector_score", std::clamp<double>(face.score, 0.0, 1.0));
  SetCue(cues, "face_cut", face.cut_at_border ? 1.0 : 0.0);
  const cv::Mat& dg = aligned.gray;
  if (dg.empty()) return;
  const int m = dg.cols;
  const double pad = kPadding / (1 + 2 * kPadding);
  cv::Rect inner = UnitRect(pad, pad, 1 - pad, 1 - pad, m) & cv::Rect(0, 0, dg.cols, dg.rows);
  if (inner.area() == 0) inner = cv::Rect(0, 0, dg.cols, dg.rows);
  cv::Scalar mean, stddev;
  cv::meanStdDev(dg(inner), mean, stddev);
  SetCue(cues, "brightness", mean[0]);
  SetCue(cues, "contrast", stddev[0]);
  cv::Mat lap;
  cv::Laplacian(dg, lap, CV_64F);
  cv::Scalar lm, ls;
  cv::meanStdDev(lap, lm, ls);
  SetCue(cues, "sharpness", ls[0] * ls[0]);
}

}  // namespace

AlignedFace AlignFace(const cv::Mat& bgr_in, const FaceBox& face, int model_side,
                      int descriptor_side) {
  AlignedFace out;
  model_side = std::max(1, model_side);
  descriptor_side = std::max(1, descriptor_side);
  if (bgr_in.empty()) {
    out.bgr = cv::Mat::zeros(model_side, model_side, CV_8UC3);
    out.gray = cv::Mat::zeros(descriptor_side, descriptor_side, CV_8UC1);
    return out;
  }
  const cv::Mat bgr = ToBgr8(bgr_in);
  const AlignGeometry g = ComputeGeometry(face);
  // Render the crop once at (about) its native resolution, never below the larger output
  // side, so both outputs come from one warp and downscaling uses area averaging.
  const int native = static_cast<int>(std::lround(std::min<double>(g.side, kMaxNativeCrop)));
  const int n = std::max({native, model_side, descriptor_side});
  const double k = n / g.side;
  const cv::Matx23d m(k * g.rot(0, 0), k * g.rot(0, 1), k * (g.rot(0, 2) - g.top_left.x),
                      k * g.rot(1, 0), k * g.rot(1, 1), k * (g.rot(1, 2) - g.top_left.y));
  cv::Mat crop;
  cv::warpAffine(bgr, crop, cv::Mat(m), cv::Size(n, n), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  out.bgr = ResizeTo(crop, model_side);
  cv::Mat gray;
  cv::cvtColor(crop, gray, cv::COLOR_BGR2GRAY);
  out.gray = ResizeTo(gray, descriptor_side);
  out.roll_deg = g.roll_deg;
  out.aligned = g.rotated;
  return out;
}

// The cues. Geometry (landmarks) is measured in the aligned frame, where the eye line is
// level; IOD = inter-ocular distance (eye landmark to eye landmark); the cue cascades run on
// the aligned face as 224 px grey, with raw windows (no grouping) counted.
//   smile       = 0.6 * S + 0.4 * W with landmarks, S alone without them, where
//                 S = 1 - exp(-max(0, n_smile - 4) / 40), n_smile = smile-cascade windows in
//                 the mouth region (1.5 IOD wide, from 0.35 IOD above to 0.45 IOD below the
//                 mouth centre; 4 stray windows are ignored), and
//                 W = clamp((mouth_width - 0.80) / 0.20, 0, 1) (mouth widening: ~0.8 IOD is a
//                 closed neutral mouth, >= 1.0 a broad smile).
//   eyes_open   = 0.05 + 0.9 * (E_right + E_left) / 2, E = 1 - exp(-n_eye / 6), n_eye =
//                 eye-cascade windows in a square of 0.8 IOD around that eye: both eyes
//                 found (tens of windows) -> ~0.95, none -> 0.05.
//   mouth_open  = clamp(dark / 0.30, 0, 1), dark = fraction of pixels darker than 0.55 x the
//                 face's median grey (inside the box) in the region between the mouth
//                 corners (inner 80% of their span, from 0.15 IOD above to 0.30 IOD below).
//   mouth_width = |right corner - left corner| / IOD; 0.83 without landmarks.
//   corner_lift = (mean corner y - nose tip y) / IOD; 0.55 without landmarks.
//   roll_deg    = angle of the eye line (positive: descending towards the image's right,
//                 i.e. the head tilted clockwise on screen); 0 without landmarks.
//   yaw         = (nose x - eyes' midpoint x) / IOD, clamped to [-1, 1]; 0 without landmarks.
//   brightness, contrast = mean and standard deviation of the descriptor-size grey face
//                 inside the box (the 10% padding excluded).
//   sharpness   = variance of the Laplacian of the whole descriptor-size grey face.
//   face_detected 0 and face_count 0 for the centre crop; face_size = the box's longer side
//                 / the image's short side.
// Without landmarks (cascades, centre crop) the eye and mouth regions sit at their typical
// places in the box (eyes at 40% of its height, 30% and 70% across; mouth at 77%).
// Non-finite values (degenerate inputs) are reported as 0.
FaceCues MeasureCues(const cv::Mat& bgr, const FaceBox& face, const AlignedFace& aligned_in,
                     int faces_found, FaceDetector& detector) {
  FaceCues cues = EmptyCues();
  auto set = [&](const char* name, double v) { SetCue(&cues, name, v); };
  AlignedFace aligned = aligned_in;
  if (aligned.bgr.empty() || aligned.gray.empty()) aligned = AlignFace(bgr, face, 224, 96);
  SetImageCues(bgr, face, aligned, faces_found, &cues);

  const bool landmarks = face.has_landmarks && Finite(face.landmarks[0]) &&
                         Finite(face.landmarks[1]) && Finite(face.landmarks[2]) &&
                         Finite(face.landmarks[3]) && Finite(face.landmarks[4]) &&
                         cv::norm(face.landmarks[1] - face.landmarks[0]) > 1e-3;
  cues.has_landmarks = landmarks;

  // Landmarks (or their typical positions) in unit coordinates of the aligned crop.
  const AlignGeometry g = ComputeGeometry(face);
  std::array<cv::Point2d, 5> u;
  if (landmarks) {
    for (int i = 0; i < 5; ++i) u[i] = g.ToUnit(face.landmarks[i]);
  } else {
    const cv::Rect2f& b = face.box;
    auto at = [&](double fx, double fy) {
      return g.ToUnit(cv::Point2f(b.x + float(fx) * b.width, b.y + float(fy) * b.height));
    };
    u = {at(kRightEyeX, kEyeY), at(kLeftEyeX, kEyeY), at(kNoseX, kNoseY),
         at(kRightMouthX, kMouthY), at(kLeftMouthX, kMouthY)};
  }
  const double iod = std::max(1e-6, cv::norm(u[1] - u[0]));
  const cv::Point2d eye_mid = 0.5 * (u[0] + u[1]);
  const double mouth_y = 0.5 * (u[3].y + u[4].y);

  double mouth_width = kNeutralMouthWidth, corner_lift = kNeutralCornerLift, yaw = 0.0,
         roll = 0.0;
  if (landmarks) {
    mouth_width = cv::norm(u[4] - u[3]) / iod;
    corner_lift = (mouth_y - u[2].y) / iod;
    yaw = std::clamp((u[2].x - eye_mid.x) / iod, -1.0, 1.0);
    roll = g.roll_deg;
  }
  set("mouth_width", mouth_width);
  set("corner_lift", corner_lift);
  set("roll_deg", roll);
  set("yaw", yaw);

  // The grey face the cue cascades run on.
  cv::Mat cue_gray;
  cv::cvtColor(ToBgr8(aligned.bgr), cue_gray, cv::COLOR_BGR2GRAY);
  if (cue_gray.cols != kCueFaceSide) cue_gray = ResizeTo(cue_gray, kCueFaceSide);
  const int n = kCueFaceSide;

  // Smile: raw smile-cascade windows around the mouth, and mouth widening.
  const cv::Point2d mouth_c = 0.5 * (u[3] + u[4]);
  const double region_iod = std::max(iod, kMinRegionIod);
  const cv::Rect smile_roi =
      UnitRect(mouth_c.x - 0.75 * region_iod, mouth_c.y - 0.35 * region_iod,
               mouth_c.x + 0.75 * region_iod, mouth_c.y + 0.45 * region_iod, n);
  const double n_smile =
      smile_roi.area() > 0 ? double(detector.DetectSmiles(cue_gray(smile_roi), 0).size()) : 0.0;
  const double s_cascade = Saturate(n_smile - kStraySmileWindows, kSmileWindowScale);
  const double widening = std::clamp((mouth_width - 0.80) / 0.20, 0.0, 1.0);
  set("smile", landmarks ? 0.6 * s_cascade + 0.4 * widening : s_cascade);

  // Eyes: raw eye-cascade windows in a square around each eye.
  double eye_sum = 0.0;
  for (int e = 0; e < 2; ++e) {
    const double half = 0.4 * region_iod;
    const cv::Rect roi = UnitRect(u[e].x - half, u[e].y - half, u[e].x + half, u[e].y + half, n);
    const double count =
        roi.area() > 0 ? double(detector.DetectEyes(cue_gray(roi), 0).size()) : 0.0;
    eye_sum += Saturate(count, kEyeWindowScale);
  }
  set("eyes_open", 0.05 + 0.9 * eye_sum / 2.0);

  // Mouth opening: dark cavity between the corners, relative to the face's median grey.
  {
    const cv::Rect inner = UnitRect(kPadding / (1 + 2 * kPadding), kPadding / (1 + 2 * kPadding),
                                    1 - kPadding / (1 + 2 * kPadding),
                                    1 - kPadding / (1 + 2 * kPadding), n);
    double median = 0.0;
    if (inner.area() > 0) {
      int hist[256] = {0};
      const cv::Mat f = cue_gray(inner);
      for (int y = 0; y < f.rows; ++y)
        for (int x = 0; x < f.cols; ++x) ++hist[f.ptr<uchar>(y)[x]];
      const int half = (f.rows * f.cols + 1) / 2;
      int acc = 0;
      for (int v = 0; v < 256; ++v) {
        acc += hist[v];
        if (acc >= half) {
          median = v;
          break;
        }
      }
    }
    const double left = std::min(u[3].x, u[4].x), right = std::max(u[3].x, u[4].x);
    const double span = right - left;
    const cv::Rect roi = UnitRect(left + 0.1 * span, mouth_y - 0.15 * region_iod,
                                  right - 0.1 * span, mouth_y + 0.30 * region_iod, n);
    double dark = 0.0;
    if (roi.area() > 0 && median > 0) {
      cv::Mat mask;
      cv::compare(cue_gray(roi), cv::Scalar(0.55 * median), mask, cv::CMP_LT);
      dark = double(cv::countNonZero(mask)) / roi.area();
    }
    set("mouth_open", std::clamp(dark / 0.30, 0.0, 1.0));
  }

  return cues;
}

FaceCues MeasureImageCues(const cv::Mat& bgr, const FaceBox& face, const AlignedFace& aligned,
                          int faces_found) {
  FaceCues cues = EmptyCues();
  SetImageCues(bgr, face, aligned.gray.empty() ? AlignFace(bgr, face, 224, 96) : aligned, faces_found, &cues);
  return cues;
}

// The landmark cues (MeasureLandmarks gives the geometry in the eye-levelled frame):
//   eye_openness_*  = EyeOpenness(that eye's aspect ratio): (EAR - 0.08) / (0.31 - 0.08) in
//                     [0, 1.5] (kClosedEyeAspect, kOpenEyeAspect); eyes_open = their mean in [0, 1].
//   mouth_open      = clamp(mouth_aspect_ratio / 0.5, 0, 1): FER2013 neutral faces median 0.03,
//                     open surprise 0.35 (90th percentile), a yawn above 0.5.
//   smile           = clamp(((pull + 0.016) / 0.059 + (width - 0.758) / 0.178) / 2, 0, 1): both
//                     terms run from the median FER2013 test face labelled neutral (0) to the
//                     median happy one (1), pull = lip_corner_pull, width = mouth_width.
//   mouth_width, corner_lift, yaw as the cascade path defines them, from the mesh's lip corners
//   (61, 291), nose tip (1) and the eye centres; roll_deg from the eye line.
FaceCues MeasureLandmarkCues(const cv::Mat& bgr, const FaceBox& face, const AlignedFace& aligned,
                             int faces_found, const LandmarkMeasures& m, double landmark_score) {
  FaceCues cues = EmptyCues();
  SetImageCues(bgr, face, aligned.gray.empty() ? AlignFace(bgr, face, 224, 96) : aligned, faces_found, &cues);
  cues.has_landmarks = true;
  cues.from_mesh = true;
  const double right = EyeOpenness(m.ear_right), left = EyeOpenness(m.ear_left);
  SetCue(&cues, "landmark_score", std::clamp(landmark_score, 0.0, 1.0));
  SetCue(&cues, "eye_openness_right", right);
  SetCue(&cues, "eye_openness_left", left);
  SetCue(&cues, "eyes_open", std::clamp(0.5 * (right + left), 0.0, 1.0));
  SetCue(&cues, "eye_aspect_ratio", 0.5 * (m.ear_right + m.ear_left));
  SetCue(&cues, "mouth_aspect_ratio", m.mouth_aspect);
  SetCue(&cues, "mouth_open", std::clamp(m.mouth_aspect / 0.5, 0.0, 1.0));
  SetCue(&cues, "mouth_width", m.mouth_width);
  SetCue(&cues, "corner_lift", m.corner_lift);
  SetCue(&cues, "lip_corner_pull", m.lip_corner_pull);
  SetCue(&cues, "smile", std::clamp(((m.lip_corner_pull + 0.016) / 0.059 + (m.mouth_width - 0.758) / 0.178) / 2.0,
                                    0.0, 1.0));
  SetCue(&cues, "brow_height", m.brow_height);
  SetCue(&cues, "roll_deg", m.roll_deg);
  SetCue(&cues, "yaw", std::clamp(m.nose_offset, -1.0, 1.0));
  SetCue(&cues, "yaw_deg", m.yaw_deg);
  SetCue(&cues, "pitch_deg", m.pitch_deg);
  return cues;
}

}  // namespace burnout::face
