#include "services/face/face_pipeline.h"

#include <chrono>
#include <utility>

#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/macros.h"
#include "services/face/face_cues.h"
#include "services/face/face_detect.h"
#include "services/face/face_model.h"
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

}  // namespace

struct FacePipeline::Impl {
  burnout::v1::FaceServiceConfig config;
  ImageLimits limits;
  std::unique_ptr<FaceModel> model;
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

  absl::StatusOr<burnout::v1::ModalityResult> Analyze(const cv::Mat& bgr, double decode_ms) const;
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
  BR_ASSIGN_OR_RETURN(impl->model, FaceModel::Load(config.model_dir()));
  BR_ASSIGN_OR_RETURN(auto detector, FaceDetector::Create(config.detector()));
  impl->yunet_status = detector->yunet_status();
  impl->pool.push_back(std::move(detector));
  return std::unique_ptr<FacePipeline>(new FacePipeline(std::move(impl)));
}

absl::StatusOr<burnout::v1::ModalityResult> FacePipeline::Impl::Analyze(const cv::Mat& bgr,
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
  const int side = model->spec().descriptor_side();
  const AlignedFace aligned = AlignFace(bgr, face, kModelSide, side);
  const FaceCues cues = MeasureCues(bgr, face, aligned, static_cast<int>(detection.faces.size()),
                                    *detector);
  Return(std::move(detector));

  const FaceQualityVerdict verdict = AssessFaceQuality(cues, face, config.quality());
  const ExpressionEstimate est = model->Estimate(cues, verdict.quality, face.score);
  const std::vector<float> descriptor =
      LbpDescriptor(aligned.gray, model->spec().descriptor_grid());

  burnout::v1::ModalityResult r;
  r.set_modality(burnout::v1::MODALITY_FACE);
  const auto& labels = model->spec().labels();
  for (int i = 0; i < labels.size(); ++i) {
    auto* e = r.add_emotions();
    e->set_label(labels[i]);
    e->set_probability(est.probabilities[i]);
  }
  auto* emb = r.mutable_embedding();
  emb->set_model_id(absl::StrCat(model->info().name(), "/", model->info().version()));
  emb->set_dimension(static_cast<int>(descriptor.size()));
  emb->mutable_values()->Add(descriptor.begin(), descriptor.end());
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
  ev->set_value(est.evidence);
  r.set_quality(verdict.quality);
  for (const auto& issue : verdict.issues) r.add_quality_issues(issue);
  *r.mutable_model() = model->info();
  for (const auto& c : est.contributions) *r.add_evidence() = c;
  for (auto& f : DescribeFace(cues, face, model->spec())) r.add_findings(std::move(f));
  auto& details = *r.mutable_details();
  details["detector"] = DetectorName(face.detector);
  std::string tried;
  for (DetectorKind k : detection.tried) absl::StrAppend(&tried, tried.empty() ? "" : ",", DetectorName(k));
  details["detectors_tried"] = tried;
  details["image"] = absl::StrFormat("%dx%d", bgr.cols, bgr.rows);
  details["face_box"] = absl::StrFormat("%.0f,%.0f %.0fx%.0f", face.box.x, face.box.y,
                                        face.box.width, face.box.height);
  details["aligned"] = aligned.aligned ? "landmarks" : "box";
  AddTiming(&r, "decode", decode_ms);
  AddTiming(&r, "detect", detect_ms);
  AddTiming(&r, "analyze", MillisSince(t0));
  return r;
}

absl::StatusOr<burnout::v1::ModalityResult> FacePipeline::AnalyzeEncoded(
    absl::string_view bytes) const {
  const auto t0 = Clock::now();
  BR_ASSIGN_OR_RETURN(DecodedImage image, DecodeImage(bytes, impl_->limits));
  BR_ASSIGN_OR_RETURN(auto r, impl_->Analyze(image.bgr, MillisSince(t0)));
  (*r.mutable_details())["input"] = image.info.Describe();
  return r;
}

absl::StatusOr<burnout::v1::ModalityResult> FacePipeline::AnalyzeRaw(
    const burnout::v1::RawImage& raw) const {
  const auto t0 = Clock::now();
  BR_ASSIGN_OR_RETURN(cv::Mat bgr, DecodeRaw(raw, impl_->limits));
  return impl_->Analyze(bgr, MillisSince(t0));
}

absl::StatusOr<burnout::v1::ModalityResult> FacePipeline::AnalyzeFrame(
    const burnout::v1::VideoFrame& frame) const {
  switch (frame.image_case()) {
    case burnout::v1::VideoFrame::kEncoded:
      return AnalyzeEncoded(frame.encoded());
    case burnout::v1::VideoFrame::kRaw:
      return AnalyzeRaw(frame.raw());
    default:
      return absl::InvalidArgumentError("a frame with neither encoded nor raw image");
  }
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

const burnout::v1::ModelInfo& FacePipeline::model_info() const { return impl_->model->info(); }
std::string FacePipeline::yunet_status() const { return impl_->yunet_status; }

}  // namespace burnout::face
