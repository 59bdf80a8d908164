// gRPC adapter for the face analyzer: unary Analyze (an encoded image) and the bidirectional
// AnalyzeStream (video frames in, a result per analysed frame out). Decoding, detection and
// analysis run on the executor, off gRPC's threads. No OpenCV or model code here.
//
// Batching: with a TorchScript model (torchscript-face), a unary Analyze is prepared on the
// executor (decode, detect, align, cues), then its forward waits in a DynamicBatcher
// (config `batching`), whose threads run one forward per group of calls that share a model
// snapshot and answer each call. A full batching queue answers RESOURCE_EXHAUSTED. The
// default face-cues model's step is a few multiply-adds and runs inline, unbatched. Stream
// frames (one in flight per stream) run their forward directly, as a batch of one, from the
// stream's executor task.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "burnout/v1/config.pb.h"
#include "burnout/v1/face.grpc.pb.h"
#include "common/grpc/batcher.h"
#include "common/grpc/executor.h"
#include "common/grpc/model_slot.h"
#include "common/grpc/stream_registry.h"
#include "common/grpc/unary.h"
#include "services/face/face_pipeline.h"

namespace burnout::face {

inline constexpr char kFaceReadiness[] = "burnout.v1.FaceAnalyzer";

class FaceStreamReactor;

// A unary Analyze waiting for its model forward.
struct FaceJob : grpcx::UnaryJob {
  std::shared_ptr<const FacePipeline> pipeline;  // the snapshot it was prepared with
  burnout::v1::ModalityResult* response = nullptr;
  std::string filename;                          // for error messages
  PreparedFace face;
};

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
  // The forward batcher's counters (batches taken from the queue, calls, largest batch), and
  // the forwards it ran (one per model snapshot in a batch): for tests and benchmarks.
  grpcx::BatcherStats batcher_stats() const { return batcher_.stats(); }
  uint64_t forwards() const { return forwards_.load(); }

 private:
  friend class FaceStreamReactor;

  // Loads and warms the pipeline with the model in one version directory.
  absl::StatusOr<std::unique_ptr<FacePipeline>> LoadVersion(const std::string& dir) const;
  // The batcher's runner: drops expired calls, one Complete() per pipeline snapshot, answers.
  void RunBatch(std::vector<FaceJob>& batch);

  burnout::v1::FaceServiceConfig config_;
  grpcx::ModelSlot<FacePipeline> pipeline_;
  std::atomic<uint64_t> forwards_{0};
  // Declared before the executor, so it is destroyed after it: executor tasks submit to it.
  grpcx::DynamicBatcher<FaceJob> batcher_;
  grpcx::Executor executor_;
  grpcx::StreamRegistry streams_;  // max_streams; idle and stalled-client timeouts
};

// Fills zero fields with defaults, then checks ranges (INVALID_ARGUMENT naming the key).
absl::Status PrepareFaceConfig(burnout::v1::FaceServiceConfig* config);

// Resolves the detector's file paths against the config file's directory.
void ResolveFacePaths(const std::string& config_path, burnout::v1::FaceServiceConfig* config);

}  // namespace burnout::face
