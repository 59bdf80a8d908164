#include "services/face/face_pipeline.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <utility>

#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"
#include "services/face/face_cues.h"
#include "services/face/face_detect.h"
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

// The evidence rule of the face-cues model (FaceModel::Estimate), for any expression model:
// e = clamp(quality x detector confidence, 0, 1); not finite -> 0.
double Evidence(double quality, double confidence) {
  const double e = quality * confidence;
  return std::isfinite(e) ? std::clamp(e, 0.0, 1.0) : 0.0;
}

}  // namespace

struct FacePipeline::Impl {
  burnout::v1::FaceServiceConfig config;
  ImageLimits limits;
  std::string kind;
  burnout::v1::ModelInfo info;
  // face-cues: the model. torchscript-face: the ViT, with `cue_spec` (the shipped face-cues
  // spec) giving the descriptor side the cues are measured at and the findings' references.
  std::unique_ptr<FaceModel> cue_model;
  std::unique_ptr<torchscript::TorchScriptModel> vit;
  burnout::v1::FaceCueModel cue_spec;
  std::string yunet_status;

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

  absl::StatusOr<PreparedFace> Prepare(const cv::Mat& bgr, double decode_ms) const;
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
  } else if (impl->kind == torchscript::kFaceKind) {
    BR_ASSIGN_OR_RETURN(impl->vit,
                        torchscript::TorchScriptModel::Load(config.model_dir(), torchscript::kFaceKind));
    impl->cue_spec = DefaultFaceCueSpec();
    impl->info = impl->vit->info();
  } else {
    return absl::FailedPreconditionError(absl::StrCat(
        manifest_path, ": kind is \"", manifest.kind(), "\"; the face analyzer serves \"",
        kFaceModelKind, "\" or \"", torchscript::kFaceKind, "\" models"));
  }
  BR_ASSIGN_OR_RETURN(auto detector, FaceDetector::Create(config.detector()));
  impl->yunet_status = detector->yunet_status();
  impl->pool.push_back(std::move(detector));
  return std::unique_ptr<FacePipeline>(new FacePipeline(std::move(impl)));
}

absl::StatusOr<PreparedFace> FacePipeline::Impl::Prepare(const cv::Mat& bgr,
                                                         double decode_ms) const {
  BR_ASSIGN_OR_RETURN(auto detector, Borrow());
  auto t0 = Clock::now();
  const Detection detection = detector->Detect(bgr);
  const double detect_ms = MillisSince(t0);
  if (detection.faces.empty()) {
    // Only when the centre crop is disabled.
    Return(std::move(detector));
    return absl::NotFoundError(
        "no face found (detector.disable_center_crop is set, so nothing was analysed)");
  }
  t0 = Clock::now();
  const FaceBox& face = detection.faces.front();
  const AlignedFace aligned = AlignFace(bgr, face, kModelSide, cue_spec.descriptor_side());
  const FaceCues cues = MeasureCues(bgr, face, aligned, static_cast<int>(detection.faces.size()),
                                    *detector);
  Return(std::move(detector));

  const FaceQualityVerdict verdict = AssessFaceQuality(cues, face, config.quality());
  PreparedFace out;
  burnout::v1::ModalityResult& r = out.result;
  r.set_modality(burnout::v1::MODALITY_FACE);
  if (cue_model) {
    const ExpressionEstimate est = cue_model->Estimate(cues, verdict.quality, face.score);
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
    // The ViT sees the aligned colour crop; its emotions and embedding come in Complete().
    out.evidence = Evidence(verdict.quality, face.score);
    out.input.values = FaceModelInput(aligned.bgr, vit->spec().image());
  }
  const auto& table = FaceCueTable();
  for (size_t i = 0; i < table.size(); ++i) {
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
  auto& details = *r.mutable_details();
  details["detector"] = DetectorName(face.detector);
  std::string tried;
  for (DetectorKind k : detection.tried) absl::StrAppend(&tried, tried.empty() ? "" : ",", DetectorName(k));
  details["detectors_tried"] = tried;
  details["image"] = absl::StrFormat("%dx%d", bgr.cols, bgr.rows);
  details["face_box"] = absl::StrFormat("%.0f,%.0f %.0fx%.0f", face.box.x, face.box.y,
                                        face.box.width, face.box.height);
  details["aligned"] = aligned.aligned ? "landmarks" : "box";
  details["expression_model"] = kind;
  AddTiming(&r, "decode", decode_ms);
  AddTiming(&r, "detect", detect_ms);
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
    r.add_findings(absl::StrCat(
        "The expression estimate comes from the ViT expression model ", model_id,
        source.empty() ? "" : absl::StrCat(" (", source, ")"),
        absl::StrFormat(" on the aligned face: it read %s %.2f, weighted by the evidence %.2f. ",
                        labels[top], o.probabilities[top], p.evidence),
        "The observations about your face are measurements, not its reasons."));
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

}  // namespace burnout::face
