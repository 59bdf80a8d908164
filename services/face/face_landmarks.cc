#include "services/face/face_landmarks.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "services/face/face_vit.h"

namespace burnout::face {
namespace {

constexpr double kRadToDeg = 180.0 / CV_PI;
// Tracking re-frames the face until its crop moves by at most this fraction of its side.
constexpr double kTrackTolerance = 0.04;
constexpr int kMaxTrackPasses = 3;

cv::Point2f Xy(const cv::Point3f& p) { return {p.x, p.y}; }
double Dist(const cv::Point3f& a, const cv::Point3f& b) { return std::hypot(a.x - b.x, a.y - b.y); }

cv::Point2f EyeCentre(const std::vector<cv::Point3f>& p, const int (&idx)[6]) {
  cv::Point2f c(0, 0);
  for (int i : idx) c += Xy(p[i]);
  return c * (1.0f / 6.0f);
}

double AspectRatio(const std::vector<cv::Point3f>& p, const int (&idx)[6]) {
  const double width = Dist(p[idx[0]], p[idx[3]]);
  if (width < 1e-6) return 0.0;
  return (Dist(p[idx[1]], p[idx[5]]) + Dist(p[idx[2]], p[idx[4]])) / (2.0 * width);
}

cv::Vec3d Vec(const cv::Point3f& a, const cv::Point3f& b) { return {b.x - a.x, b.y - a.y, b.z - a.z}; }

}  // namespace

// The eye aspect ratio from an Iris contour.
double ContourAspectRatio(const std::vector<cv::Point3f>& c) {
  const double width = Dist(c[eye::kOuterCorner], c[eye::kInnerCorner]);
  if (width < 1e-6) return 0.0;
  return (Dist(c[eye::kUpper1], c[eye::kLower1]) + Dist(c[eye::kUpper2], c[eye::kLower2])) / (2.0 * width);
}

bool Refined(const FaceMeshResult& mesh) {
  for (const auto& e : mesh.eyes) {
    if (mesh.eye_contour < 16 || static_cast<int>(e.size()) <= mesh.eye_contour) return false;
  }
  return true;
}

LandmarkMeasures MeasureLandmarks(const FaceMeshResult& mesh) {
  LandmarkMeasures m;
  const auto& p = mesh.points;
  if (p.size() < 468) return m;
  m.eyes_refined = Refined(mesh);
  if (m.eyes_refined) {
    m.right_eye = Xy(mesh.eyes[0][mesh.eye_contour]);  // the iris centre
    m.left_eye = Xy(mesh.eyes[1][mesh.eye_contour]);
    m.ear_right = ContourAspectRatio(mesh.eyes[0]);
    m.ear_left = ContourAspectRatio(mesh.eyes[1]);
  } else {
    m.right_eye = EyeCentre(p, mesh::kRightEar);
    m.left_eye = EyeCentre(p, mesh::kLeftEar);
    m.ear_right = AspectRatio(p, mesh::kRightEar);
    m.ear_left = AspectRatio(p, mesh::kLeftEar);
  }
  const cv::Point2f d = m.left_eye - m.right_eye;
  m.eye_distance_px = std::hypot(d.x, d.y);  // in the image (framing)

  // The face's own 3-D frame (the mesh has depth at the scale of x): X across the eyes, Y down
  // the face (forehead to chin) orthogonalised, Z out of the face. Head pose is its rotation;
  // the geometric measures are taken in it, so turning the head does not foreshorten them.
  cv::Vec3d x = Vec(p[mesh::kRightEyeOuter], p[mesh::kLeftEyeOuter]);
  cv::Vec3d y = Vec(p[mesh::kForehead], p[mesh::kChin]);
  if (cv::norm(x) < 1e-6 || cv::norm(y) < 1e-6) return m;
  x = x / cv::norm(x);
  cv::Vec3d z = x.cross(y);
  z = z / std::max(1e-9, cv::norm(z));
  y = z.cross(x);
  m.roll_deg = std::atan2(x[1], x[0]) * kRadToDeg;
  m.yaw_deg = std::asin(std::clamp(x[2], -1.0, 1.0)) * kRadToDeg;
  m.pitch_deg = std::asin(std::clamp(y[2], -1.0, 1.0)) * kRadToDeg;

  auto centre3 = [&](const int (&idx)[6]) {
    cv::Vec3d c(0, 0, 0);
    for (int i : idx) c += cv::Vec3d(p[i].x, p[i].y, p[i].z);
    return c * (1.0 / 6.0);
  };
  const cv::Vec3d er = centre3(mesh::kRightEar), el = centre3(mesh::kLeftEar);
  const cv::Vec3d mid = 0.5 * (er + el);
  const double iod = std::max(1e-6, cv::norm(el - er));
  m.eye_distance_3d = iod;
  auto at = [&](int i) { return cv::Vec3d(p[i].x, p[i].y, p[i].z); };
  auto v = [&](int i) { return (at(i) - mid).dot(y); };  // down the face
  const double mouth = cv::norm(at(mesh::kMouthLeft) - at(mesh::kMouthRight));
  m.mouth_aspect = mouth > 1e-6 ? cv::norm(at(mesh::kLowerLipInner) - at(mesh::kUpperLipInner)) / mouth : 0.0;
  m.mouth_width = mouth / iod;
  const double corners = 0.5 * (v(mesh::kMouthRight) + v(mesh::kMouthLeft));
  const double lip_centre = 0.5 * (v(mesh::kUpperLipInner) + v(mesh::kLowerLipInner));
  m.corner_lift = (corners - v(mesh::kNoseTip)) / iod;
  m.lip_corner_pull = (lip_centre - corners) / iod;
  m.brow_height = 0.5 * ((v(mesh::kRightUpperLid) - v(mesh::kRightBrow)) + (v(mesh::kLeftUpperLid) - v(mesh::kLeftBrow))) / iod;
  // The nose's offset as the image shows it (the 2-D turn the quality check reads).
  const double r = std::atan2(d.y, d.x);
  const cv::Point2f mid2 = 0.5f * (m.right_eye + m.left_eye);
  const double nx = p[mesh::kNoseTip].x - mid2.x, ny = p[mesh::kNoseTip].y - mid2.y;
  m.nose_offset = (std::cos(r) * nx + std::sin(r) * ny) / std::max(1e-6, m.eye_distance_px);
  return m;
}

FaceExtent MeshExtent(const FaceMeshResult& mesh) {
  if (mesh.points.size() < 468) return ExtentOfPoints(mesh.points, 0.0f);
  return ExtentOfPoints(mesh.points, EyeAngle(EyeCentre(mesh.points, mesh::kRightEar),
                                              EyeCentre(mesh.points, mesh::kLeftEar)));
}

absl::StatusOr<std::unique_ptr<LandmarkModel>> LandmarkModel::Load(const std::string& dir) {
  BR_ASSIGN_OR_RETURN(auto model, torchscript::TorchScriptModel::Load(dir, torchscript::kLandmarksKind));
  const auto& crop = model->spec().image().crop();
  if (!(crop.mesh_side() > 0) || !(crop.box_side() > 0)) {
    return absl::FailedPreconditionError(absl::StrCat(
        model->dir(), "/manifest.textproto: torchscript.image.crop: a landmark model needs box_side and mesh_side"));
  }
  return std::unique_ptr<LandmarkModel>(new LandmarkModel(std::move(model)));
}

FaceRoi LandmarkModel::RoiFromBox(const FaceExtent& box) const {
  return FramingFromBox(model_->spec().image().crop(), box);
}

FaceRoi LandmarkModel::RoiFromMesh(const FaceMeshResult& previous) const {
  return FramingFromMesh(model_->spec().image().crop(), MeshExtent(previous));
}

float LandmarkModel::min_face_score() const { return model_->spec().landmarks().min_face_score(); }

torchscript::ForwardInput LandmarkModel::Input(const cv::Mat& bgr, const FaceRoi& roi) const {
  const auto& im = model_->spec().image();
  torchscript::ForwardInput in;
  in.values = FaceModelInput(RenderRoi(bgr, roi, im.size()), im);
  return in;
}

FaceMeshResult LandmarkModel::Decode(const torchscript::ForwardOutput& out, const FaceRoi& roi) const {
  const int s = model_->spec().image().size();
  FaceMeshResult r;
  r.roi = roi;
  r.score = out.face_score;
  const size_t n = out.landmarks.size() / 3;
  r.points.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const cv::Point2f at = CropToImage(roi, s, {out.landmarks[3 * i] * s, out.landmarks[3 * i + 1] * s});
    r.points.emplace_back(at.x, at.y, out.landmarks[3 * i + 2] * roi.side);
  }
  return r;
}

absl::StatusOr<FaceMeshResult> LandmarkModel::Run(const cv::Mat& bgr, const FaceRoi& roi, bool refine_eyes) const {
  const torchscript::ForwardInput in = Input(bgr, roi);
  const torchscript::ForwardInput* one[] = {&in};
  BR_ASSIGN_OR_RETURN(auto out, model_->Forward(one));
  FaceMeshResult mesh = Decode(out[0], roi);
  if (refine_eyes && refines_eyes() && mesh.score >= min_face_score()) BR_RETURN_IF_ERROR(RefineEyes(bgr, &mesh));
  return mesh;
}

absl::StatusOr<FaceMeshResult> LandmarkModel::Track(const cv::Mat& bgr, const FaceMeshResult& previous) const {
  FaceRoi roi = RoiFromMesh(previous);
  BR_ASSIGN_OR_RETURN(FaceMeshResult mesh, Run(bgr, roi, /*refine_eyes=*/false));
  for (int pass = 0; pass < kMaxTrackPasses && mesh.score >= min_face_score(); ++pass) {
    const FaceRoi next = RoiFromMesh(mesh);
    const double moved = std::hypot(next.center.x - roi.center.x, next.center.y - roi.center.y);
    if (moved <= kTrackTolerance * roi.side && std::abs(next.side / std::max(1.0f, roi.side) - 1.0) <= kTrackTolerance) {
      break;
    }
    roi = next;
    BR_ASSIGN_OR_RETURN(mesh, Run(bgr, roi, /*refine_eyes=*/false));
  }
  if (refines_eyes() && mesh.score >= min_face_score()) BR_RETURN_IF_ERROR(RefineEyes(bgr, &mesh));
  return mesh;
}

absl::Status LandmarkModel::RefineEyes(const cv::Mat& bgr, FaceMeshResult* mesh) const {
  if (!refines_eyes() || mesh->points.size() < 468) return absl::OkStatus();
  const auto& spec = model_->spec().landmarks().eyes();
  burnout::v1::ImageInputSpec im = model_->spec().image();  // the face crop's scaling
  const int s = spec.size();
  im.set_size(s);
  const auto& p = mesh->points;
  // Both eyes are levelled by the face's eye line.
  const float angle = EyeAngle(EyeCentre(p, mesh::kRightEar), EyeCentre(p, mesh::kLeftEar));
  const int corners[2][2] = {{mesh::kRightEyeOuter, mesh::kRightEyeInner},
                             {mesh::kLeftEyeInner, mesh::kLeftEyeOuter}};
  // Both eyes in one forward: the model's weights are read once for the pair.
  FaceRoi rois[2];
  bool mirrored[2];
  torchscript::ForwardInput inputs[2];
  for (int e = 0; e < 2; ++e) {
    const cv::Point2f a = Xy(p[corners[e][0]]), b = Xy(p[corners[e][1]]);
    rois[e].center = 0.5f * (a + b);
    rois[e].side = std::max(2.0f, static_cast<float>(spec.crop_scale() * std::hypot(a.x - b.x, a.y - b.y)));
    rois[e].angle_deg = angle;
    cv::Mat crop = RenderRoi(bgr, rois[e], s);
    mirrored[e] = spec.mirrored() == (e == 1 ? "left" : "right");
    if (mirrored[e]) cv::flip(crop, crop, 1);
    inputs[e].values = FaceModelInput(crop, im);
  }
  const torchscript::ForwardInput* pair[] = {&inputs[0], &inputs[1]};
  BR_ASSIGN_OR_RETURN(auto out, model_->ForwardEyes(pair));
  for (int e = 0; e < 2; ++e) {
    const std::vector<float>& v = out[e];
    auto& pts = mesh->eyes[e];
    pts.clear();
    for (size_t i = 0; i + 2 < v.size(); i += 3) {
      const float u = mirrored[e] ? 1.0f - v[i] : v[i];
      const cv::Point2f at = CropToImage(rois[e], s, {u * s, v[i + 1] * s});
      pts.emplace_back(at.x, at.y, v[i + 2] * rois[e].side);
    }
  }
  mesh->eye_contour = spec.contour_count();
  return absl::OkStatus();
}

}  // namespace burnout::face
