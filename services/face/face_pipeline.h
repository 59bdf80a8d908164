// The whole face analysis of one image, behind a header free of OpenCV so the gRPC adapter,
// tools and benchmarks stay light: decode (JPEG/PNG or a raw frame) -> detect (chain) ->
// align -> cues -> expression estimate, descriptor, quality and findings -> ModalityResult.
//
// Thread-safe: detectors are not, so each call borrows one from a pool (created on demand,
// at most one per concurrent caller).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/config.pb.h"
#include "burnout/v1/face.pb.h"

namespace burnout::face {

class FaceDetector;
class FaceModel;

class FacePipeline {
 public:
  // Loads the model directory and one detector (the cascades must load; YuNet is optional).
  // `config` must have gone through PrepareFaceConfig.
  static absl::StatusOr<std::unique_ptr<FacePipeline>> Create(
      const burnout::v1::FaceServiceConfig& config);
  ~FacePipeline();

  // An encoded JPEG/PNG. INVALID_ARGUMENT / OUT_OF_RANGE for bad input (see image_decode.h).
  absl::StatusOr<burnout::v1::ModalityResult> AnalyzeEncoded(absl::string_view bytes) const;
  absl::StatusOr<burnout::v1::ModalityResult> AnalyzeRaw(const burnout::v1::RawImage& raw) const;
  absl::StatusOr<burnout::v1::ModalityResult> AnalyzeFrame(
      const burnout::v1::VideoFrame& frame) const;

  // Header-only check of a frame (signature, dimensions, sizes): cheap, for every frame of a
  // stream, including the ones that are not analysed.
  absl::Status CheckFrame(const burnout::v1::VideoFrame& frame) const;

  const burnout::v1::ModelInfo& model_info() const;
  std::string yunet_status() const;

 private:
  struct Impl;
  explicit FacePipeline(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace burnout::face
