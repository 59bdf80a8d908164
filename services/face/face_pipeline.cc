#include "services/face/face_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <optional>
#include <utility>

#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"
#include "services/face/face_cues.h"
#include "services/face/face_detect.h"
#include "services/face/face_fatigue.h"
#include "services/face/face_geometry.h"
#include "services/face/face_landmarks.h"
#include "services/face/face_model.h"
#include "services/face/face_vit.h"
#include "services/face/image_decode.h"

namespace burnout::face {

namespace {

using Clock = std::chrono::steady_clock;

double MillisSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void AddTiming(burnout::v1::ModalityResult* r, const char* stage, double ms) {
  auto* t = r->add_timings();
  t->set_stage(stage);
  t->set_millis(ms);
}

// The seed ViT's input side; the aligned colour crop is made at this size.
constexpr int kModelSide = 224;
// A whole picture taken as a face crop: its framing is assumed, not measured (x 0.9); when the
// landmarks do not confirm a face in it either, x 0.5.
constexpr double kFaceCropFactor = 0.9;
constexpr double kUnconfirmedCropFactor = 0.5;
// A detected face whose landmarks could not be placed (turned away, covered, not a face).
constexpr double kNoLandmarksFactor = 0.5;

// The evidence the expression's probabilities carry: the quality, which is 1 for a good
// picture and only lower for a stated reason (each quality issue); for a centre crop (no face
// found) also the crop's low detector score, so the estimate stays near uniform. Not finite -> 0.
double Evidence(double quality, const FaceBox& face) {
  const double e = face.detector == DetectorKind::kCenterCrop ? quality * face.score : quality;
  return std::isfinite(e) ? std::clamp(e, 0.0, 1.0) : 0.0;
}

// A small, roughly square picture, taken whole as a face crop when no detector fires on it.
bool LooksLikeFaceCrop(const cv::Mat& bgr, int max_side) {
  const int longer = std::max(bgr.cols, bgr.rows), shorter = std::min(bgr.cols, bgr.rows);
  return longer <= max_side && shorter * 5 >= longer * 3;
}

FaceBox WholeImage(const cv::Mat& bgr) {
  FaceBox f;
  f.box = cv::Rect2f(0, 0, static_cast<float>(bgr.cols), static_cast<float>(bgr.rows));
  f.detector = DetectorKind::kWholeImage;
  return f;
}

// The face box and five points (eye centres, nose tip, mouth corners) a mesh stands for, as a
// detector would give them: the square of the mesh extent's longer side (a YuNet box and the
// mesh extent of a face agree to a few percent), upright.
FaceBox BoxFromMesh(const FaceMeshResult& mesh, const LandmarkMeasures& m, const cv::Size& image) {
  const FaceExtent e = MeshExtent(mesh);
  const float side = std::max(e.width, e.height);
  FaceBox f;
  f.box = cv::Rect2f(e.center.x - side / 2, e.center.y - side / 2, side, side);
  f.has_landmarks = true;
  f.landmarks = {m.right_eye, m.left_eye, cv::Point2f(mesh.points[mesh::kNoseTip].x, mesh.points[mesh::kNoseTip].y),
                 cv::Point2f(mesh.points[mesh::kMouthRight].x, mesh.points[mesh::kMouthRight].y),
                 cv::Point2f(mesh.points[mesh::kMouthLeft].x, mesh.points[mesh::kMouthLeft].y)};
  f.cut_at_border = f.box.x < 0 || f.box.y < 0 || f.box.x + side > image.width || f.box.y + side > image.height;
  return f;
}

}  // namespace

struct FaceStream::Impl {
  explicit Impl(const FatigueOptions& o) : fatigue(o) {}
  std::optional<FaceMeshResult> last;  // the previous frame's mesh, when it held a face
  FaceBox last_box;
  int since_detection = 0;
  int faces_at_detection = 0;
  FatigueTracker fatigue;
};

FaceStream::FaceStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FaceStream::~FaceStream() = default;

struct FacePipeline::Impl {
  burnout::v1::FaceServiceConfig config;
  ImageLimits limits;
  std::string kind;
  burnout::v1::ModelInfo info;
  // face-cues: the model. torchscript-face: the ViT, with `cue_spec` (the shipped face-cues
  // spec) giving the descriptor side the cues are measured at and the findings' references.
  std::unique_ptr<FaceModel> cue_model;
  std::unique_ptr<torchscript::TorchScriptModel> vit;  // torchscript-face or -face-gray
  burnout::v1::FaceCueModel cue_spec;
  std::string yunet_status;
  std::unique_ptr<LandmarkModel> landmarks;  // null: the cascades measure the cues
  std::string landmark_status;
  FatigueOptions fatigue;

  // Detectors are not thread-safe: each call borrows one; new ones are made on demand.
  mutable std::mutex pool_mu;
  mutable std::vector<std::unique_ptr<FaceDetector>> pool;

  absl::StatusOr<std::unique_ptr<FaceDetector>> Borrow() const {
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (!pool.empty()) {
        auto d = std::move(pool.back());
        pool.pop_back();
        return d;
      }
    }
    return FaceDetector::Create(config.detector());
  }
  void Return(std::unique_ptr<FaceDetector> d) const {
    std::lock_guard<std::mutex> lock(pool_mu);
    pool.push_back(std::move(d));
  }

  // `stream` (may be null) follows the face and collects the fatigue samples, at `time_us`.
  absl::StatusOr<PreparedFace> Prepare(const cv::Mat& bgr, double decode_ms, FaceStream::Impl* stream = nullptr,
                                       int64_t time_us = 0) const;
  // The expression model's input for the located face.
  std::vector<float> ExpressionInput(const cv::Mat& bgr, const FaceBox& face, const FaceMeshResult* mesh,
                                     const AlignedFace& aligned) const;
};

FacePipeline::FacePipeline(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FacePipeline::~FacePipeline() = default;

absl::StatusOr<std::unique_ptr<FacePipeline>> FacePipeline::Create(
    const burnout::v1::FaceServiceConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->limits.max_bytes = config.max_image_bytes();
  impl->limits.max_pixels = config.max_pixels();
  impl->limits.max_side = config.max_side();
  {  // Unset quality fields take the documented defaults.
    const auto d = DefaultFaceQualityConfig();
    auto* q = impl->config.mutable_quality();
    if (q->min_face_px() == 0) q->set_min_face_px(d.min_face_px());
    if (q->min_brightness() == 0) q->set_min_brightness(d.min_brightness());
    if (q->max_brightness() == 0) q->set_max_brightness(d.max_brightness());
    if (q->min_contrast() == 0) q->set_min_contrast(d.min_contrast());
    if (q->min_sharpness() == 0) q->set_min_sharpness(d.min_sharpness());
  }
  cv::setNumThreads(config.opencv_threads() > 0 ? config.opencv_threads() : 1);

  // The manifest's kind picks the model; each loader then checks the directory in full.
  const std::string manifest_path =
      (std::filesystem::path(config.model_dir()) / model::kManifestName).string();
  BR_ASSIGN_OR_RETURN(burnout::v1::ModelManifest manifest, model::ReadManifest(config.model_dir()));
  impl->kind = manifest.kind();
  if (impl->kind == kFaceModelKind) {
    BR_ASSIGN_OR_RETURN(impl->cue_model, FaceModel::Load(config.model_dir()));
    impl->cue_spec = impl->cue_model->spec();
    impl->info = impl->cue_model->info();
  } else if (impl->kind == torchscript::kFaceKind || impl->kind == torchscript::kFaceGrayKind) {
    BR_ASSIGN_OR_RETURN(impl->vit, torchscript::TorchScriptModel::Load(config.model_dir(), impl->kind));
    impl->cue_spec = DefaultFaceCueSpec();
    impl->info = impl->vit->info();
  } else {
    return absl::FailedPreconditionError(absl::StrCat(
        manifest_path, ": kind is \"", manifest.kind(), "\"; the face analyzer serves \"",
        torchscript::kFaceGrayKind, "\", \"", torchscript::kFaceKind, "\" or \"", kFaceModelKind,
        "\" models"));
  }
  if (!config.landmark_model_dir().empty()) {
    std::error_code ec;
    if (!std::filesystem::exists(config.landmark_model_dir(), ec)) {
      impl->landmark_status = absl::StrCat("not installed (", config.landmark_model_dir(),
                                           " does not exist); the eye, smile and mouth cues come from OpenCV's cascades");
    } else {
      BR_ASSIGN_OR_RETURN(model::ModelVersion v, model::ResolveModelVersion(config.landmark_model_dir()));
      auto lm = LandmarkModel::Load(v.dir);
      if (!lm.ok()) return lm.status();
      impl->landmarks = std::move(*lm);
      impl->landmark_status = absl::StrCat("loaded ", v.dir, " (", model::ModelId(impl->landmarks->model().manifest()),
                                           impl->landmarks->refines_eyes() ? ", with eye refinement" : "", ")");
    }
  } else {
    impl->landmark_status = "not configured (landmark_model_dir); the cues come from OpenCV's cascades";
  }
  if (config.fatigue().window_ms() > 0) impl->fatigue.window_us = int64_t{config.fatigue().window_ms()} * 1000;
  if (config.fatigue().min_span_ms() > 0) impl->fatigue.min_span_us = int64_t{config.fatigue().min_span_ms()} * 1000;
  BR_ASSIGN_OR_RETURN(auto detector, FaceDetector::Create(config.detector()));
  impl->yunet_status = detector->yunet_status();
  impl->pool.push_back(std::move(detector));
  return std::unique_ptr<FacePipeline>(new FacePipeline(std::move(impl)));
}

std::vector<float> FacePipeline::Impl::ExpressionInput(const cv::Mat& bgr, const FaceBox& face,
                                                      const FaceMeshResult* mesh, const AlignedFace& aligned) const {
  const auto& im = vit->spec().image();
  const auto& crop = im.crop();
  if (!(crop.box_side() > 0)) return FaceModelInput(aligned.bgr, im);  // the ViT: the aligned crop
  // The model's framing: from the landmarks' extent when placed, else from the box; a whole
  // picture taken as a face crop is already framed.
  FaceRoi roi;
  if (face.detector == DetectorKind::kWholeImage) {
    roi.center = {bgr.cols / 2.0f, bgr.rows / 2.0f};
    roi.side = static_cast<float>(std::max(bgr.cols, bgr.rows));
  } else if (mesh != nullptr) {
    roi = FramingFromMesh(crop, MeshExtent(*mesh));
  } else {
    const float angle = face.has_landmarks ? EyeAngle(face.landmarks[0], face.landmarks[1]) : 0.0f;
    roi = FramingFromBox(crop, ExtentOfBox(face.box, angle));
  }
  const int native = im.native_size() > 0 ? im.native_size() : im.size();
  return FaceModelInput(RenderRoi(bgr, roi, native), im);
}

absl::StatusOr<PreparedFace> FacePipeline::Impl::Prepare(const cv::Mat& bgr, double decode_ms,
                                                         FaceStream::Impl* stream, int64_t time_us) const {
  BR_ASSIGN_OR_RETURN(auto detector, Borrow());
  auto t0 = Clock::now();
  FaceBox face;
  int faces_found = 0;
  std::vector<DetectorKind> tried;
  std::optional<FaceMeshResult> mesh;
  std::optional<LandmarkMeasures> measures;
  float mesh_score = 0.0f;
  double landmarks_ms = 0.0;
  // 1. A stream follows its face with the landmarks, and detects again every redetect_frames.
  if (stream != nullptr && landmarks && stream->last &&
      stream->since_detection + 1 < config.detector().redetect_frames()) {
    const auto tl = Clock::now();
    auto m = landmarks->Track(bgr, *stream->last);
    if (!m.ok()) {
      Return(std::move(detector));
      return m.status();
    }
    landmarks_ms = MillisSince(tl);
    if (m->score >= landmarks->min_face_score()) {
      measures = MeasureLandmarks(*m);
      face = BoxFromMesh(*m, *measures, bgr.size());
      face.detector = DetectorKind::kTracked;
      face.score = stream->last_box.score;
      faces_found = stream->faces_at_detection;
      mesh_score = m->score;
      mesh = std::move(*m);
      tried.push_back(DetectorKind::kTracked);
      ++stream->since_detection;
    }
  }
  double detect_ms = 0.0;
  if (!mesh) {
    const auto td = Clock::now();
    const Detection detection = detector->Detect(bgr, /*refine_landmarks=*/!landmarks);
    detect_ms = MillisSince(td);
    tried.insert(tried.end(), detection.tried.begin(), detection.tried.end());
    const bool none = detection.faces.empty() || detection.detector == DetectorKind::kCenterCrop;
    if (none && LooksLikeFaceCrop(bgr, config.detector().face_crop_max_side())) {
      face = WholeImage(bgr);
      tried.push_back(DetectorKind::kWholeImage);
    } else if (detection.faces.empty()) {
      Return(std::move(detector));  // only when the centre crop is disabled
      return absl::NotFoundError("no face found (detector.disable_center_crop is set, so nothing was analysed)");
    } else {
      face = detection.faces.front();
      faces_found = static_cast<int>(detection.faces.size());
    }
    if (landmarks && face.detector != DetectorKind::kCenterCrop) {
      const float angle = face.has_landmarks ? EyeAngle(face.landmarks[0], face.landmarks[1]) : 0.0f;
      const auto tl = Clock::now();
      auto m = landmarks->Run(bgr, landmarks->RoiFromBox(ExtentOfBox(face.box, angle)));
      if (!m.ok()) {
        Return(std::move(detector));
        return m.status();
      }
      landmarks_ms = MillisSince(tl);
      mesh_score = m->score;
      if (m->score >= landmarks->min_face_score()) {
        measures = MeasureLandmarks(*m);
        if (face.detector == DetectorKind::kWholeImage) {
          face.score = m->score;
          faces_found = 1;
        }
        face.has_landmarks = true;  // the mesh's five points level and place what follows
        const FaceBox from_mesh = BoxFromMesh(*m, *measures, bgr.size());
        face.landmarks = from_mesh.landmarks;
        mesh = std::move(*m);
      }
    }
    if (stream != nullptr) {
      stream->since_detection = 0;
      stream->faces_at_detection = faces_found;
    }
  }
  if (stream != nullptr) {
    stream->last = mesh;
    stream->last_box = face;
  }

  t0 = Clock::now();
  const bool whole = face.detector == DetectorKind::kWholeImage;
  const bool vit_crop = vit && !(vit->spec().image().crop().box_side() > 0);
  const AlignedFace aligned = AlignFace(bgr, face, vit_crop ? kModelSide : cue_spec.descriptor_side(),
                                        cue_spec.descriptor_side());
  FaceCues cues;
  if (measures) {
    cues = MeasureLandmarkCues(bgr, face, aligned, faces_found, *measures, mesh_score);
  } else if (landmarks) {
    cues = MeasureImageCues(bgr, face, aligned, faces_found);
  } else {
    cues = MeasureCues(bgr, face, aligned, faces_found, *detector);
  }
  Return(std::move(detector));
  if (whole) {
    // A face crop counts as a found face only when its landmarks confirm it.
    const int i = FaceCueIndex("face_detected");
    cues.values[i] = measures || !landmarks ? 1.0 : 0.0;
  }

  FaceQualityVerdict verdict = AssessFaceQuality(cues, face, config.quality());
  auto lower = [&verdict](double factor, std::string issue) {
    verdict.quality *= static_cast<float>(factor);
    verdict.issues.push_back(std::move(issue));
  };
  if (whole && landmarks && !measures) {
    lower(kUnconfirmedCropFactor,
          absl::StrFormat("no face was detected and the landmarks found none in the whole picture (score %.2f)",
                          mesh_score));
  } else if (whole) {
    lower(kFaceCropFactor,
          "the picture was taken as a face crop and analysed whole (no detector fires on a face that fills it)");
  } else if (landmarks && !measures && face.detector != DetectorKind::kCenterCrop) {
    lower(kNoLandmarksFactor,
          absl::StrFormat("the facial landmarks could not be placed (score %.2f, at least %.2f is needed); "
                          "the face may be turned away or covered",
                          mesh_score, landmarks->min_face_score()));
  }

  PreparedFace out;
  burnout::v1::ModalityResult& r = out.result;
  r.set_modality(burnout::v1::MODALITY_FACE);
  out.evidence = Evidence(verdict.quality, face);
  if (cue_model) {
    const ExpressionEstimate est = cue_model->Estimate(
        cues, verdict.quality, face.detector == DetectorKind::kCenterCrop ? face.score : 1.0);
    out.evidence = est.evidence;
    const auto& labels = cue_spec.labels();
    for (int i = 0; i < labels.size(); ++i) {
      auto* e = r.add_emotions();
      e->set_label(labels[i]);
      e->set_probability(est.probabilities[i]);
    }
    const std::vector<float> descriptor = LbpDescriptor(aligned.gray, cue_spec.descriptor_grid());
    auto* emb = r.mutable_embedding();
    emb->set_model_id(absl::StrCat(info.name(), "/", info.version()));
    emb->set_dimension(static_cast<int>(descriptor.size()));
    emb->mutable_values()->Add(descriptor.begin(), descriptor.end());
    for (const auto& c : est.contributions) *r.add_evidence() = c;
    out.complete = true;
  } else {
    // The model's emotions and embedding come in Complete().
    out.input.values = ExpressionInput(bgr, face, mesh ? &*mesh : nullptr, aligned);
  }
  const auto& table = FaceCueTable();
  for (size_t i = 0; i < table.size(); ++i) {
    if (!cues.measured[i]) continue;
    auto* ind = r.add_indicators();
    ind->set_name(table[i].name);
    ind->set_unit(table[i].unit);
    ind->set_value(cues.values[i]);
  }
  auto* ev = r.add_indicators();
  ev->set_name("emotion_evidence");
  ev->set_unit("ratio");
  ev->set_value(out.evidence);
  r.set_quality(verdict.quality);
  for (const auto& issue : verdict.issues) r.add_quality_issues(issue);
  *r.mutable_model() = info;
  for (auto& f : DescribeFace(cues, face, cue_spec)) r.add_findings(std::move(f));
  if (stream != nullptr) {
    FatigueSample sample;
    sample.time_us = time_us;
    sample.face = measures.has_value();
    if (measures) {
      sample.ear_right = measures->ear_right;
      sample.ear_left = measures->ear_left;
      sample.mouth_aspect = measures->mouth_aspect;
      sample.pitch_deg = measures->pitch_deg;
    }
    stream->fatigue.Add(sample);
    const FatigueMeasures fm = stream->fatigue.Measures();
    if (fm.ready) {
      const double values[] = {fm.perclos, fm.blink_rate_per_min, fm.blink_duration_ms, double(fm.long_closures),
                               double(fm.yawns), double(fm.head_nods), fm.span_s, fm.sample_fps};
      const char* units[] = {"ratio", "per minute", "ms", "count", "count", "count", "s", "frames/s"};
      const auto& names = FatigueIndicatorNames();
      for (size_t i = 0; i < names.size(); ++i) {
        auto* ind = r.add_indicators();
        ind->set_name(names[i]);
        ind->set_unit(units[i]);
        ind->set_value(values[i]);
      }
    }
    r.add_findings(DescribeFatigue(fm, fatigue));
  } else if (measures) {
    r.add_findings(
        "One picture shows how open your eyes were, not tiredness over time: eyelid closure (PERCLOS), "
        "blinks and yawns need a stream of frames (burnoutctl watch, or a live session).");
  }
  auto& details = *r.mutable_details();
  details["detector"] = DetectorName(face.detector);
  std::string tried_names;
  for (DetectorKind k : tried) absl::StrAppend(&tried_names, tried_names.empty() ? "" : ",", DetectorName(k));
  details["detectors_tried"] = tried_names;
  details["image"] = absl::StrFormat("%dx%d", bgr.cols, bgr.rows);
  details["face_box"] = absl::StrFormat("%.0f,%.0f %.0fx%.0f", face.box.x, face.box.y,
                                        face.box.width, face.box.height);
  details["aligned"] = aligned.aligned ? "landmarks" : "box";
  details["expression_model"] = kind;
  details["landmarks"] = !landmarks ? "cascades (no landmark model)"
                         : measures ? (landmarks->refines_eyes() ? "facemesh+iris" : "facemesh")
                                    : absl::StrFormat("not placed (score %.2f)", mesh_score);
  if (whole) details["face_crop"] = "the whole picture was analysed as a face crop";
  AddTiming(&r, "decode", decode_ms);
  if (!tried.empty() && tried.front() != DetectorKind::kTracked) AddTiming(&r, "detect", detect_ms);
  if (landmarks) AddTiming(&r, "landmarks", landmarks_ms);
  AddTiming(&r, "analyze", MillisSince(t0));
  return out;
}

absl::Status FacePipeline::Complete(absl::Span<PreparedFace* const> batch) const {
  std::vector<PreparedFace*> todo;
  std::vector<const torchscript::ForwardInput*> inputs;
  for (PreparedFace* p : batch) {
    if (p->complete) continue;
    if (!impl_->vit) return absl::InternalError("a prepared face without a model to complete it");
    todo.push_back(p);
    inputs.push_back(&p->input);
  }
  if (todo.empty()) return absl::OkStatus();
  const auto& vit = *impl_->vit;
  const std::string model_id = model::ModelId(vit.manifest());
  const auto t0 = Clock::now();
  auto outputs = vit.Forward(inputs);
  const double forward_ms = MillisSince(t0);
  if (!outputs.ok()) {
    return absl::InternalError(absl::StrCat("face expression model ", model_id, ": ",
                                            outputs.status().message()));
  }
  const auto& labels = vit.spec().labels();
  const double uniform = 1.0 / labels.size();
  for (size_t k = 0; k < todo.size(); ++k) {
    PreparedFace& p = *todo[k];
    const torchscript::ForwardOutput& o = (*outputs)[k];
    burnout::v1::ModalityResult& r = p.result;
    // The same evidence rule as the face-cues model: a weak reading (a centre crop, a poor
    // picture, an unsure detector) is shrunk towards uniform, p = e * p_model + (1 - e) / L.
    int top = 0;
    for (int i = 0; i < labels.size(); ++i) {
      if (o.probabilities[i] > o.probabilities[top]) top = i;
      auto* e = r.add_emotions();
      e->set_label(labels[i]);
      e->set_probability(static_cast<float>(p.evidence * o.probabilities[i] + (1 - p.evidence) * uniform));
    }
    auto* emb = r.mutable_embedding();
    emb->set_model_id(model_id);
    emb->set_dimension(static_cast<int>(o.embedding.size()));
    emb->mutable_values()->Add(o.embedding.begin(), o.embedding.end());
    const std::string& source = vit.spec().source();
    const bool fer = vit.manifest().kind() == torchscript::kFaceGrayKind;
    std::string finding = absl::StrCat(
        "The expression estimate comes from the ", fer ? "FER2013-trained expression model " : "ViT expression model ",
        model_id, source.empty() ? "" : absl::StrCat(" (", source, ")"),
        fer ? " on your face framed as its training pictures were" : " on the aligned face",
        absl::StrFormat(": it read %s %.2f.", labels[top], o.probabilities[top]));
    if (p.evidence < 0.995) {
      absl::StrAppend(&finding, absl::StrFormat(" Its probabilities were moved towards uniform by the picture's quality "
                                                "(%.2f; see the quality issues).",
                                                p.evidence));
    }
    absl::StrAppend(&finding, " The observations about your face are measurements, not its reasons.");
    r.add_findings(std::move(finding));
    (*r.mutable_details())["batch_size"] = absl::StrCat(todo.size());
    AddTiming(&r, "forward", forward_ms);
    p.input = {};
    p.complete = true;
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<burnout::v1::ModalityResult> CompleteOne(const FacePipeline& pipeline,
                                                       absl::StatusOr<PreparedFace> prepared) {
  if (!prepared.ok()) return prepared.status();
  PreparedFace* one[] = {&*prepared};
  BR_RETURN_IF_ERROR(pipeline.Complete(one));
  return std::move(prepared->result);
}

}  // namespace

absl::StatusOr<PreparedFace> FacePipeline::PrepareEncoded(absl::string_view bytes) const {
  const auto t0 = Clock::now();
  BR_ASSIGN_OR_RETURN(DecodedImage image, DecodeImage(bytes, impl_->limits));
  BR_ASSIGN_OR_RETURN(PreparedFace p, impl_->Prepare(image.bgr, MillisSince(t0)));
  (*p.result.mutable_details())["input"] = image.info.Describe();
  return p;
}

std::unique_ptr<FaceStream> FacePipeline::NewStream() const {
  return std::unique_ptr<FaceStream>(new FaceStream(std::make_unique<FaceStream::Impl>(impl_->fatigue)));
}

absl::StatusOr<burnout::v1::ModalityResult> FacePipeline::AnalyzeStreamFrame(const burnout::v1::VideoFrame& frame,
                                                                             int64_t time_us, FaceStream* stream) const {
  const auto t0 = Clock::now();
  cv::Mat bgr;
  std::string input;
  switch (frame.image_case()) {
    case burnout::v1::VideoFrame::kEncoded: {
      BR_ASSIGN_OR_RETURN(DecodedImage image, DecodeImage(frame.encoded(), impl_->limits));
      bgr = std::move(image.bgr);
      input = image.info.Describe();
      break;
    }
    case burnout::v1::VideoFrame::kRaw: {
      BR_ASSIGN_OR_RETURN(bgr, DecodeRaw(frame.raw(), impl_->limits));
      break;
    }
    default:
      return absl::InvalidArgumentError("a frame with neither encoded nor raw image");
  }
  absl::StatusOr<PreparedFace> p = impl_->Prepare(bgr, MillisSince(t0), stream ? stream->impl_.get() : nullptr, time_us);
  if (p.ok() && !input.empty()) (*p->result.mutable_details())["input"] = input;
  return CompleteOne(*this, std::move(p));
}

absl::StatusOr<PreparedFace> FacePipeline::PrepareRaw(const burnout::v1::RawImage& raw) const {
  const auto t0 = Clock::now();
  BR_ASSIGN_OR_RETURN(cv::Mat bgr, DecodeRaw(raw, impl_->limits));
  return impl_->Prepare(bgr, MillisSince(t0));
}

absl::StatusOr<PreparedFace> FacePipeline::PrepareFrame(const burnout::v1::VideoFrame& frame) const {
  switch (frame.image_case()) {
    case burnout::v1::VideoFrame::kEncoded:
      return PrepareEncoded(frame.encoded());
    case burnout::v1::VideoFrame::kRaw:
      return PrepareRaw(frame.raw());
    default:
      return absl::InvalidArgumentError("a frame with neither encoded nor raw image");
  }
}

absl::StatusOr<burnout::v1::ModalityResult> FacePipeline::AnalyzeEncoded(
    absl::string_view bytes) const {
  return CompleteOne(*this, PrepareEncoded(bytes));
}

absl::StatusOr<burnout::v1::ModalityResult> FacePipeline::AnalyzeRaw(
    const burnout::v1::RawImage& raw) const {
  return CompleteOne(*this, PrepareRaw(raw));
}

absl::StatusOr<burnout::v1::ModalityResult> FacePipeline::AnalyzeFrame(
    const burnout::v1::VideoFrame& frame) const {
  return CompleteOne(*this, PrepareFrame(frame));
}

absl::Status FacePipeline::CheckFrame(const burnout::v1::VideoFrame& frame) const {
  switch (frame.image_case()) {
    case burnout::v1::VideoFrame::kEncoded:
      return ProbeImage(frame.encoded(), impl_->limits).status();
    case burnout::v1::VideoFrame::kRaw:
      return CheckRaw(frame.raw(), impl_->limits);
    default:
      return absl::InvalidArgumentError("a frame with neither encoded nor raw image");
  }
}

const std::string& FacePipeline::kind() const { return impl_->kind; }
bool FacePipeline::batches() const { return impl_->vit != nullptr; }
const burnout::v1::ModelInfo& FacePipeline::model_info() const { return impl_->info; }
std::string FacePipeline::yunet_status() const { return impl_->yunet_status; }
std::string FacePipeline::landmark_status() const { return impl_->landmark_status; }

}  // namespace burnout::face
