// The default face expression model ("face-cues"), its quality checks, findings and the
// uniform-LBP descriptor. The mapping and its sources are documented in
// services/face/README.md ("Default expression model", "Descriptor") and written by
// services/face/tools/build_face_model.cc.
#include "services/face/face_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include <opencv2/imgproc.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/model/model_dir.h"

namespace burnout::face {
namespace {

using burnout::v1::FaceCueModel;
using burnout::v1::FaceQualityConfig;

// A face turned further than this (nose offset from the eyes' midpoint, in inter-ocular
// distances; about 33 degrees of head yaw for a typical nose) is "turned away". Not in
// FaceQualityConfig: it follows from face geometry, not from the camera.
constexpr double kMaxYaw = 0.35;
// The same limit for the head turn the 3-D landmarks measure.
constexpr double kMaxYawDeg = 30.0;
// Quality factors: each failed check multiplies quality by at least this.
constexpr double kMinFactor = 0.2;
constexpr double kCenterCropFactor = 0.25;
constexpr double kCutFactor = 0.7;
constexpr double kTurnedFactor = 0.6;
constexpr double kSeveralFacesFactor = 0.9;

// The cue's value, or `fallback` when it is missing or not finite.
double Cue(const FaceCues& cues, const char* name, double fallback) {
  const double v = cues.get(name);
  return std::isfinite(v) ? v : fallback;
}

// Cues measured from the detector's landmarks (face_cues.h): without landmarks they hold a
// fallback value, and on a face turned away the ratios are projections of a rotated face.
// Either way the model counts them at their reference (z = 0) and the findings skip them.
bool IsLandmarkCue(const std::string& name) {
  return name == "mouth_width" || name == "corner_lift" || name == "roll_deg" || name == "yaw";
}
// The face is turned away: by the 3-D landmarks' yaw when measured, else by the nose's offset.
bool TurnedAway(const FaceCues& cues) {
  const double deg = cues.get("yaw_deg");
  if (std::isfinite(deg)) return std::abs(deg) > kMaxYawDeg;
  return std::abs(Cue(cues, "yaw", 0.0)) > kMaxYaw;
}
bool GeometryUsable(const FaceCues& cues) { return cues.has_landmarks && !TurnedAway(cues); }

// The reference of a cue as `cues` measured it: the landmark references, or the cascade ones
// when the cascades measured it (falling back to the landmark reference).
const burnout::v1::FeatureSpec* Reference(const FaceCueModel& spec, const std::string& name, bool from_mesh) {
  if (!from_mesh) {
    for (const auto& c : spec.cascade_cues()) {
      if (c.name() == name) return &c;
    }
  }
  for (const auto& c : spec.cues()) {
    if (c.name() == name) return &c;
  }
  return nullptr;
}

bool IsCenterCrop(const FaceCues& cues, const FaceBox& face) {
  return face.detector == DetectorKind::kCenterCrop || face.detector == DetectorKind::kNone ||
         Cue(cues, "face_detected", 1.0) < 0.5;
}

// ---- LBP ----

// Uniform patterns (at most two 0/1 transitions around the circle): 58 of the 256 codes get
// bins 0..57 in increasing code order; every other code shares bin 58.
const std::array<uint8_t, 256>& UniformBins() {
  static const std::array<uint8_t, 256> bins = [] {
    std::array<uint8_t, 256> b{};
    int next = 0;
    for (int code = 0; code < 256; ++code) {
      int transitions = 0;
      for (int i = 0; i < 8; ++i) {
        transitions += ((code >> i) & 1) != ((code >> ((i + 1) % 8)) & 1);
      }
      b[code] = static_cast<uint8_t>(transitions <= 2 ? next++ : 58);
    }
    return b;
  }();
  return bins;
}

// One single-channel CV_32F image from any input (monotonic conversion: LBP codes only
// depend on the order of grey levels, so no information is lost or invented).
cv::Mat ToGrayFloat(const cv::Mat& in) {
  cv::Mat f;
  in.convertTo(f, CV_32F);
  switch (in.channels()) {
    case 1:
      return f;
    case 3: {
      cv::Mat g;
      cv::cvtColor(f, g, cv::COLOR_BGR2GRAY);
      return g;
    }
    case 4: {
      cv::Mat g;
      cv::cvtColor(f, g, cv::COLOR_BGRA2GRAY);
      return g;
    }
    default: {
      cv::Mat g;
      cv::extractChannel(f, g, 0);
      return g;
    }
  }
}

}  // namespace

std::vector<float> LbpDescriptor(const cv::Mat& gray, int grid) {
  if (grid < 1) return {};
  constexpr int kBins = 59;
  std::vector<float> out(static_cast<size_t>(grid) * grid * kBins, 0.0f);
  if (gray.empty() || gray.dims != 2 || gray.rows < 3 || gray.cols < 3) return out;
  const cv::Mat g = ToGrayFloat(gray);
  const auto& bins = UniformBins();
  const int rows = g.rows, cols = g.cols;
  std::vector<double> hist(out.size(), 0.0);
  // Neighbours on the radius-1 circle, counter-clockwise from the right: the 3x3
  // neighbourhood, diagonals at the corner pixels (LBP_{8,1} without interpolation).
  static constexpr int kDy[8] = {0, -1, -1, -1, 0, 1, 1, 1};
  static constexpr int kDx[8] = {1, 1, 0, -1, -1, -1, 0, 1};
  for (int y = 1; y < rows - 1; ++y) {
    const int cy = y * grid / rows;
    const float* row[3] = {g.ptr<float>(y - 1), g.ptr<float>(y), g.ptr<float>(y + 1)};
    for (int x = 1; x < cols - 1; ++x) {
      const float c = row[1][x];
      int code = 0;
      for (int p = 0; p < 8; ++p) {
        if (row[1 + kDy[p]][x + kDx[p]] >= c) code |= 1 << p;
      }
      const int cx = x * grid / cols;
      hist[(static_cast<size_t>(cy) * grid + cx) * kBins + bins[code]] += 1.0;
    }
  }
  // Per cell: L1, then the square root (Hellinger); then L2 over the whole vector.
  double total = 0.0;
  for (size_t cell = 0; cell < hist.size() / kBins; ++cell) {
    double n = 0.0;
    for (int b = 0; b < kBins; ++b) n += hist[cell * kBins + b];
    if (n <= 0.0) continue;
    for (int b = 0; b < kBins; ++b) {
      const double v = std::sqrt(hist[cell * kBins + b] / n);
      hist[cell * kBins + b] = v;
      total += v * v;
    }
  }
  if (total <= 0.0) return out;
  const double scale = 1.0 / std::sqrt(total);
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<float>(hist[i] * scale);
  return out;
}

// ---- Quality ----

FaceQualityConfig DefaultFaceQualityConfig() {
  FaceQualityConfig q;
  q.set_min_face_px(48);
  q.set_min_brightness(40.0);
  q.set_max_brightness(220.0);
  q.set_min_contrast(20.0);
  // Variance of the Laplacian (3x3 aperture) of the 96 px grey face. Calibrated on the two
  // shared photographs (../shared/data/faces) blurred step by step: sharp faces give
  // 500-800; the smile and eye cues hold up to about 60 and collapse below about 30 (the
  // eye cascade stops firing, so blurred eyes read as closed). 40 flags that range. See
  // services/face/README.md.
  q.set_min_sharpness(40.0);
  return q;
}

FaceQualityVerdict AssessFaceQuality(const FaceCues& cues, const FaceBox& face,
                                     const FaceQualityConfig& given) {
  const FaceQualityConfig defaults = DefaultFaceQualityConfig();
  auto pick = [](double v, double d) { return v > 0 ? v : d; };
  const double min_face_px = pick(given.min_face_px(), defaults.min_face_px());
  const double min_brightness = pick(given.min_brightness(), defaults.min_brightness());
  const double max_brightness = pick(given.max_brightness(), defaults.max_brightness());
  const double min_contrast = pick(given.min_contrast(), defaults.min_contrast());
  const double min_sharpness = pick(given.min_sharpness(), defaults.min_sharpness());

  FaceQualityVerdict v;
  auto lower = [&v](double factor, std::string issue) {
    if (!std::isfinite(factor)) factor = kMinFactor;
    v.quality *= static_cast<float>(std::clamp(factor, kMinFactor, 1.0));
    v.issues.push_back(std::move(issue));
  };
  const bool center_crop = IsCenterCrop(cues, face);
  if (center_crop) {
    lower(kCenterCropFactor, "no face detected; the centre of the image was analysed");
  } else {
    const double side = std::min(face.box.width, face.box.height);
    if (side < min_face_px) {
      lower(side / min_face_px,
            absl::StrFormat("face too small: %.0f px across (at least %.0f px is needed)", side,
                            min_face_px));
    }
    if (face.cut_at_border || Cue(cues, "face_cut", 0.0) > 0.5) {
      lower(kCutFactor, "face cut off at the image border");
    }
    const double yaw = Cue(cues, "yaw", 0.0), yaw_deg = cues.get("yaw_deg");
    if (cues.has_landmarks && TurnedAway(cues)) {
      lower(kTurnedFactor,
            std::isfinite(yaw_deg)
                ? absl::StrFormat("face turned away: %.0f degrees from the camera (at most %.0f)",
                                  std::abs(yaw_deg), kMaxYawDeg)
                : absl::StrFormat("face turned away: the nose is %.2f eye-distances off the eyes' "
                                  "midline (at most %.2f)",
                                  std::abs(yaw), kMaxYaw));
    }
    const int count = static_cast<int>(std::lround(Cue(cues, "face_count", 1.0)));
    if (count > 1) {
      lower(kSeveralFacesFactor,
            absl::StrFormat("%d faces found; the largest was analysed", count));
    }
  }
  const double brightness = cues.get("brightness");
  if (std::isfinite(brightness)) {
    if (brightness < min_brightness) {
      lower(brightness / min_brightness,
            absl::StrFormat("too dark: mean brightness %.0f of 255 (at least %.0f is needed)",
                            brightness, min_brightness));
    } else if (brightness > max_brightness) {
      lower((255.0 - brightness) / std::max(1.0, 255.0 - max_brightness),
            absl::StrFormat("overexposed: mean brightness %.0f of 255 (at most %.0f)",
                            brightness, max_brightness));
    }
  }
  const double contrast = cues.get("contrast");
  if (std::isfinite(contrast) && contrast < min_contrast) {
    lower(contrast / min_contrast,
          absl::StrFormat("low contrast: grey-level spread %.1f (at least %.0f is needed)",
                          contrast, min_contrast));
  }
  const double sharpness = cues.get("sharpness");
  if (std::isfinite(sharpness) && sharpness < min_sharpness) {
    // Linear: below the threshold the cascade cues fail fast (closed-looking eyes, no
    // smile), so a blurred face should count for little.
    lower(std::max(0.0, sharpness) / min_sharpness,
          absl::StrFormat("blurred: sharpness %.1f (at least %.0f is needed)", sharpness,
                          min_sharpness));
  }
  return v;
}

// ---- The model ----

FaceModel::FaceModel(FaceCueModel spec, burnout::v1::ModelInfo info)
    : spec_(std::move(spec)), info_(std::move(info)) {}

absl::StatusOr<std::unique_ptr<FaceModel>> FaceModel::FromSpec(FaceCueModel spec,
                                                               burnout::v1::ModelInfo info) {
  auto fail = [](auto&&... parts) {
    return absl::FailedPreconditionError(absl::StrCat("face model: ", parts...));
  };
  if (spec.labels_size() < 2) return fail("at least two labels are needed");
  std::set<std::string> labels;
  for (const auto& l : spec.labels()) {
    if (l.empty()) return fail("a label is empty");
    if (!labels.insert(l).second) return fail("label '", l, "' is listed twice");
  }
  if (!(spec.temperature() > 0) || !std::isfinite(spec.temperature())) {
    return fail("temperature must be positive");
  }
  if (!(spec.z_clamp() > 0) || !std::isfinite(spec.z_clamp())) {
    return fail("z_clamp must be positive");
  }
  if (spec.descriptor_side() < 16 || spec.descriptor_side() > 1024) {
    return fail("descriptor_side must be in [16, 1024], not ", spec.descriptor_side());
  }
  if (spec.descriptor_grid() < 1 || spec.descriptor_grid() > 16) {
    return fail("descriptor_grid must be in [1, 16], not ", spec.descriptor_grid());
  }
  std::unique_ptr<FaceModel> m(new FaceModel(std::move(spec), std::move(info)));
  const auto& s = m->spec_;
  std::map<std::string, int> position;
  for (int i = 0; i < s.cues_size(); ++i) {
    const auto& c = s.cues(i);
    const int idx = FaceCueIndex(c.name());
    if (idx < 0) return fail("cue '", c.name(), "' is not a face cue");
    if (!(c.std() > 0) || !std::isfinite(c.std()) || !std::isfinite(c.mean())) {
      return fail("cue '", c.name(), "' needs a finite mean and a positive std");
    }
    if (!position.emplace(c.name(), i).second) {
      return fail("cue '", c.name(), "' is listed twice");
    }
    m->cue_index_.push_back(idx);
  }
  for (const auto& c : s.cascade_cues()) {
    if (!position.count(c.name())) return fail("cascade cue '", c.name(), "' is not one of the cues");
    if (!(c.std() > 0) || !std::isfinite(c.std()) || !std::isfinite(c.mean())) {
      return fail("cascade cue '", c.name(), "' needs a finite mean and a positive std");
    }
  }
  std::map<std::string, const burnout::v1::LinearLogit*> logit_of;
  for (const auto& l : s.logits()) {
    if (!labels.count(l.label())) {
      return fail("logit for '", l.label(), "', which is not a label");
    }
    if (!logit_of.emplace(l.label(), &l).second) {
      return fail("label '", l.label(), "' has more than one logit");
    }
  }
  for (const auto& label : s.labels()) {
    auto it = logit_of.find(label);
    if (it == logit_of.end()) return fail("label '", label, "' has no logit");
    const auto& l = *it->second;
    if (!std::isfinite(l.bias())) return fail("logit '", label, "' has a non-finite bias");
    std::vector<double> w(s.cues_size(), 0.0);
    std::set<std::string> seen;
    for (const auto& wf : l.weights()) {
      auto p = position.find(wf.feature());
      if (p == position.end()) {
        return fail("logit '", label, "' weight names '", wf.feature(),
                    "', which is not a listed cue");
      }
      if (!seen.insert(wf.feature()).second) {
        return fail("logit '", label, "' weights cue '", wf.feature(), "' twice");
      }
      if (!std::isfinite(wf.weight())) {
        return fail("logit '", label, "' has a non-finite weight for '", wf.feature(), "'");
      }
      w[p->second] = wf.weight();
    }
    m->weights_.push_back(std::move(w));
  }
  return m;
}

absl::StatusOr<std::unique_ptr<FaceModel>> FaceModel::Load(const std::string& model_dir) {
  FaceCueModel spec;
  std::string path;
  auto info = model::LoadTextModel(model_dir, kFaceModelKind, &spec, &path);
  if (!info.ok()) return info.status();
  auto m = FromSpec(std::move(spec), std::move(*info));
  if (!m.ok()) return absl::FailedPreconditionError(absl::StrCat(path, ": ", m.status().message()));
  return m;
}

ExpressionEstimate FaceModel::Estimate(const FaceCues& cues, double quality,
                                       double confidence) const {
  const auto& s = spec_;
  const int nc = s.cues_size();
  const double zc = s.z_clamp();
  std::vector<double> z(nc, 0.0);
  const bool geometry = GeometryUsable(cues);
  for (int i = 0; i < nc; ++i) {
    const int idx = cue_index_[i];
    if (idx >= static_cast<int>(cues.values.size())) continue;
    if (idx < static_cast<int>(cues.measured.size()) && !cues.measured[idx]) continue;
    if (!geometry && IsLandmarkCue(s.cues(i).name())) continue;
    const double v = cues.values[idx];
    const burnout::v1::FeatureSpec& ref = *Reference(s, s.cues(i).name(), cues.from_mesh);
    const double zi = (v - ref.mean()) / ref.std();
    z[i] = std::isfinite(zi) ? std::clamp(zi, -zc, zc) : 0.0;
  }
  ExpressionEstimate e;
  const double ev = quality * confidence;
  e.evidence = std::isfinite(ev) ? std::clamp(ev, 0.0, 1.0) : 0.0;
  std::vector<double> logits;
  logits.reserve(s.labels_size());
  for (int l = 0; l < s.labels_size(); ++l) {
    const auto& label = s.labels(l);
    double bias = 0.0;
    for (const auto& x : s.logits()) {
      if (x.label() == label) bias = x.bias();
    }
    // The logit is summed from the reported (float) contributions, so bias + the reported
    // contributions is the logit, to double rounding.
    double logit = bias;
    for (int i = 0; i < nc; ++i) {
      const double w = weights_[l][i];
      if (w == 0.0) continue;
      const float contribution = static_cast<float>(w * z[i]);
      logit += contribution;
      burnout::v1::Evidence evd;
      evd.set_label(label);
      evd.set_feature(s.cues(i).name());
      evd.set_contribution(contribution);
      e.contributions.push_back(std::move(evd));
    }
    logits.push_back(logit);
  }
  std::stable_sort(e.contributions.begin(), e.contributions.end(),
                   [](const auto& a, const auto& b) {
                     return std::abs(a.contribution()) > std::abs(b.contribution());
                   });
  const double mx = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0.0;
  for (size_t i = 0; i < logits.size(); ++i) {
    p[i] = std::exp((logits[i] - mx) / s.temperature());
    sum += p[i];
  }
  const double uniform = 1.0 / static_cast<double>(logits.size());
  e.probabilities.reserve(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    e.probabilities.push_back(
        static_cast<float>(e.evidence * p[i] / sum + (1.0 - e.evidence) * uniform));
  }
  return e;
}

// ---- Findings ----

std::vector<std::string> DescribeFace(const FaceCues& cues, const FaceBox& face,
                                      const FaceCueModel& spec) {
  std::vector<std::string> out;
  if (IsCenterCrop(cues, face)) {
    // Cues measured on the centre of an arbitrary picture are not about a face: say only that.
    out.push_back("No face was found; the centre of the picture was analysed instead, so this "
                  "reading is weak.");
    return out;
  }
  out.push_back(absl::StrFormat("Found by the %s detector (score %.2f).",
                                DetectorName(face.detector), face.score));
  const int count = static_cast<int>(std::lround(Cue(cues, "face_count", 1.0)));
  if (count > 1) {
    out.push_back(absl::StrFormat(
        "%d faces were in the picture; the largest was analysed, which may not be you.", count));
  }
  // The smile cascade also fires a little on relaxed mouths, so "smiling" is judged against
  // the model's reference for a relaxed face: clearly from 1.25 std above it, slightly from
  // 0.6 std above.
  double clear_smile = 0.55, slight_smile = 0.42;
  if (const auto* ref = Reference(spec, "smile", cues.from_mesh)) {
    clear_smile = ref->mean() + 1.25 * ref->std();
    slight_smile = ref->mean() + 0.6 * ref->std();
  }
  const double smile = cues.get("smile");
  if (std::isfinite(smile)) {
    if (smile >= clear_smile) {
      out.push_back(absl::StrFormat("You were smiling clearly (smile %.2f on a 0–1 scale).", smile));
    } else if (smile >= slight_smile) {
      out.push_back(absl::StrFormat("You were smiling slightly (smile %.2f on a 0–1 scale).", smile));
    } else {
      out.push_back(absl::StrFormat("No clear smile (smile %.2f on a 0–1 scale).", smile));
    }
  }
  const double eyes = cues.get("eyes_open");
  const double right = cues.get("eye_openness_right"), left = cues.get("eye_openness_left");
  if (std::isfinite(right) && std::isfinite(left)) {
    // From the Iris contours: openness 1 is a relaxed open eye (FER2013 neutral faces), 0 shut.
    const double mean = 0.5 * (right + left);
    const std::string both = absl::StrFormat("openness %.2f: left %.2f, right %.2f, where 1 is a relaxed open eye",
                                             mean, left, right);
    if (mean < 0.3) {
      out.push_back(absl::StrCat("Your eyes were mostly closed (", both,
                                 "; a blink, glasses or glare can also do this)."));
    } else if (mean < 0.65) {
      out.push_back(absl::StrCat("Your eyes were half closed (", both, ")."));
    } else if (mean > 1.2) {
      out.push_back(absl::StrCat("Your eyes were wide open (", both, ")."));
    } else {
      out.push_back(absl::StrCat("Your eyes were open (", both, ")."));
    }
    if (std::abs(right - left) > 0.4 && std::min(right, left) < 0.7 && !TurnedAway(cues)) {
      out.push_back(absl::StrFormat("One eye was more closed than the other (left %.2f, right %.2f): a wink, "
                                    "a squint, or light from one side.",
                                    left, right));
    }
  } else if (std::isfinite(eyes)) {
    if (eyes < 0.3) {
      out.push_back(absl::StrFormat(
          "Your eyes looked mostly closed (eyes open %.2f on a 0–1 scale; glasses, glare, "
          "shadow or blur can also lower this).",
          eyes));
    } else if (eyes < 0.6) {
      out.push_back(absl::StrFormat("Your eyes looked half-closed (eyes open %.2f on a 0–1 scale).",
                                    eyes));
    } else {
      out.push_back(absl::StrFormat("Your eyes were open (eyes open %.2f on a 0–1 scale).", eyes));
    }
  }
  const double mouth = cues.get("mouth_open");
  const bool mouth_open = std::isfinite(mouth) && mouth >= 0.5;
  const double aspect = cues.get("mouth_aspect_ratio");
  if (std::isfinite(aspect)) {
    if (aspect >= 0.5) {
      out.push_back(absl::StrFormat("Your mouth was wide open (the lips %.2f mouth-widths apart), as in a yawn, "
                                    "a shout or a laugh.",
                                    aspect));
    } else if (aspect >= 0.2) {
      out.push_back(absl::StrFormat("Your mouth was open (the lips %.2f mouth-widths apart).", aspect));
    } else if (aspect >= 0.1) {
      out.push_back(absl::StrFormat("Your mouth was slightly open (the lips %.2f mouth-widths apart).", aspect));
    } else {
      out.push_back("Your mouth was closed.");
    }
  } else if (std::isfinite(mouth)) {
    if (mouth_open) {
      out.push_back(absl::StrFormat("Your mouth was open (mouth open %.2f on a 0–1 scale).", mouth));
    } else if (mouth >= 0.25) {
      out.push_back(absl::StrFormat("Your mouth was slightly open (mouth open %.2f on a 0–1 scale).",
                                    mouth));
    } else {
      out.push_back(absl::StrFormat("Your mouth was closed (mouth open %.2f on a 0–1 scale).", mouth));
    }
  }
  // The head's pose, from the 3-D landmarks.
  const double yaw_deg = cues.get("yaw_deg"), pitch = cues.get("pitch_deg");
  if (std::isfinite(yaw_deg) && std::abs(yaw_deg) >= 20) {
    out.push_back(absl::StrFormat("Your head was turned %.0f degrees to the %s of the picture.", std::abs(yaw_deg),
                                  yaw_deg > 0 ? "right" : "left"));
  }
  if (const auto* ref = Reference(spec, "pitch_deg", true); ref && std::isfinite(pitch)) {
    if (pitch - ref->mean() >= 1.5 * ref->std()) {
      out.push_back(absl::StrFormat("Your head was tilted down (%.0f degrees; a relaxed face looking at the camera: "
                                    "about %.0f).",
                                    pitch, ref->mean()));
    } else if (pitch - ref->mean() <= -1.5 * ref->std()) {
      out.push_back(absl::StrFormat("Your head was tilted back (%.0f degrees; about %.0f is typical).", pitch,
                                    ref->mean()));
    }
  }
  // The geometry cues only mean something when measured from landmarks on a frontal face.
  if (!GeometryUsable(cues)) return out;
  if (const auto* ref = Reference(spec, "mouth_width", cues.from_mesh); ref && ref->mean() > 0) {
    const double v = cues.get("mouth_width");
    const double rel = (v - ref->mean()) / ref->mean();
    if (std::isfinite(v) && std::abs(rel) >= 0.10) {
      out.push_back(absl::StrFormat(
          "Your mouth was %.0f%% %s than a typical relaxed mouth (%.2f vs %.2f times the "
          "distance between your eyes).",
          100 * std::abs(rel), rel > 0 ? "wider" : "narrower", v, ref->mean()));
    }
  }
  if (const auto* ref = Reference(spec, "brow_height", true); ref && cues.from_mesh) {
    const double v = cues.get("brow_height");
    const double z = (v - ref->mean()) / ref->std();
    if (std::isfinite(z) && z <= -1.2) {
      out.push_back(absl::StrFormat("Your brows were lowered (%.2f eye-distances above the upper lids; typical "
                                    "relaxed: %.2f), as in a frown or concentration.",
                                    v, ref->mean()));
    } else if (std::isfinite(z) && z >= 1.2) {
      out.push_back(absl::StrFormat("Your brows were raised (%.2f eye-distances above the upper lids; typical "
                                    "relaxed: %.2f).",
                                    v, ref->mean()));
    }
  }
  if (const auto* ref = Reference(spec, "corner_lift", cues.from_mesh)) {
    const double v = cues.get("corner_lift");
    const double z = (v - ref->mean()) / ref->std();
    if (std::isfinite(z) && z <= -1.0) {
      out.push_back(absl::StrFormat(
          "The corners of your mouth were raised (%.2f eye-distances below the nose; typical "
          "relaxed: %.2f).",
          v, ref->mean()));
    } else if (std::isfinite(z) && z >= 1.0) {
      out.push_back(absl::StrFormat(
          "The corners of your mouth sat lower than typical (%.2f eye-distances below the nose; "
          "typical relaxed: %.2f)%s.",
          v, ref->mean(), mouth_open ? "; an open mouth also lowers them" : ""));
    }
  }
  return out;
}

}  // namespace burnout::face
