// gRPC adapter for the face analyzer: unary Analyze (an encoded image) and the bidirectional
// AnalyzeStream (video frames in, a result per analysed frame out). Decoding, detection and
// analysis run on the executor, off gRPC's threads. No OpenCV or model code here.
#pragma once

#include <memory>
#include <string>

#include "burnout/v1/config.pb.h"
#include "burnout/v1/face.grpc.pb.h"
#include "common/grpc/executor.h"
#include "common/grpc/model_slot.h"
#include "common/grpc/stream_registry.h"
#include "services/face/face_pipeline.h"

namespace burnout::face {

inline constexpr char kFaceReadiness[] = "burnout.v1.FaceAnalyzer";

class FaceStreamReactor;

class FaceService final : public burnout::v1::FaceAnalyzer::CallbackService {
 public:
  // `config` must have gone through PrepareFaceConfig.
  explicit FaceService(const burnout::v1::FaceServiceConfig& config);
  ~FaceService() override;

  // Loads the model and the detectors and warms them up; called once, from the loader thread.
  absl::Status LoadModel(bool force = false);

  grpc::ServerUnaryReactor* Analyze(grpc::CallbackServerContext* ctx,
                                    const burnout::v1::AnalyzeImageRequest* request,
                                    burnout::v1::ModalityResult* response) override;

  grpc::ServerBidiReactor<burnout::v1::FaceStreamRequest, burnout::v1::FaceFrameResult>*
  AnalyzeStream(grpc::CallbackServerContext* ctx) override;

  int active_streams() const;

 private:
  friend class FaceStreamReactor;

  burnout::v1::FaceServiceConfig config_;
  // Loads and warms the pipeline with the model in one version directory.
  absl::StatusOr<std::unique_ptr<FacePipeline>> LoadVersion(const std::string& dir) const;
  grpcx::ModelSlot<FacePipeline> pipeline_;
  grpcx::Executor executor_;
  grpcx::StreamRegistry streams_;  // max_streams; idle and stalled-client timeouts
};

// Fills zero fields with defaults, then checks ranges (INVALID_ARGUMENT naming the key).
absl::Status PrepareFaceConfig(burnout::v1::FaceServiceConfig* config);

// Resolves the detector's file paths against the config file's directory.
void ResolveFacePaths(const std::string& config_path, burnout::v1::FaceServiceConfig* config);

}  // namespace burnout::face
