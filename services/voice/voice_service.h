// gRPC adapter for the voice analyzer: unary Analyze (an encoded WAV) and the bidirectional
// AnalyzeStream (PCM chunks in, a result per hop out). Decoding and analysis run on the
// executor, off gRPC's threads. No model code here.
//
// The model is whatever config.model_dir holds (served_model.h): the default voice-acoustic
// mapping, or a torchscript-voice model. With a TorchScript model, unary calls are batched:
// decoding and the acoustic analysis run on the executor as always, then the forward job
// waits in a DynamicBatcher (config `batching`) whose runner groups jobs by model snapshot,
// drops the expired ones, runs one forward per group and answers each call; a full batching
// queue answers RESOURCE_EXHAUSTED. The default model's step is trivial and runs inline.
// AnalyzeStream windows run the model directly (a batch of one) from the stream's executor
// task: a stream has at most one window in flight, so it has nothing to batch with.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "burnout/v1/config.pb.h"
#include "burnout/v1/voice.grpc.pb.h"
#include "common/grpc/batcher.h"
#include "common/grpc/executor.h"
#include "common/grpc/model_slot.h"
#include "common/grpc/stream_registry.h"
#include "common/grpc/unary.h"
#include "services/voice/audio_decode.h"
#include "services/voice/served_model.h"
#include "services/voice/voice_model.h"

namespace burnout::voice {

inline constexpr char kVoiceReadiness[] = "burnout.v1.VoiceAnalyzer";

class VoiceStreamReactor;

class VoiceService final : public burnout::v1::VoiceAnalyzer::CallbackService {
 public:
  // `config` must have gone through PrepareVoiceConfig.
  explicit VoiceService(const burnout::v1::VoiceServiceConfig& config);
  ~VoiceService() override;

  // Serves the newest version of config.model_dir (a version directory, or a model
  // directory whose highest numbered version wins), loaded and warmed beside the serving one;
  // a version that fails to load leaves the serving one in place. Called by the loader
  // thread at start, every server.model_poll_ms and on SIGHUP (force).
  absl::Status LoadModel(bool force = false);

  grpc::ServerUnaryReactor* Analyze(grpc::CallbackServerContext* ctx,
                                    const burnout::v1::AnalyzeAudioRequest* request,
                                    burnout::v1::ModalityResult* response) override;

  grpc::ServerBidiReactor<burnout::v1::AudioStreamRequest, burnout::v1::VoiceWindowResult>*
  AnalyzeStream(grpc::CallbackServerContext* ctx) override;

  int active_streams() const;
  // The TorchScript forwards' batcher (tests, monitoring): batches run and calls in them.
  grpcx::BatcherStats batcher_stats() const { return batcher_.stats(); }

 private:
  friend class VoiceStreamReactor;

  // A unary call whose clip went through the signal-processing half, waiting for a forward.
  struct ForwardJob : grpcx::UnaryJob {
    std::shared_ptr<const ServedVoiceModel> model;
    std::shared_ptr<PreparedClip> clip;
    burnout::v1::ModalityResult* response = nullptr;
    std::chrono::steady_clock::time_point queued;
  };

  // Loads and warms the model in one version directory.
  absl::StatusOr<std::unique_ptr<ServedVoiceModel>> LoadVersion(const std::string& dir) const;
  // The executor's part of a unary call: decode, the signal half, then answer (default model)
  // or queue the forward (TorchScript).
  void RunUnary(const burnout::v1::AnalyzeAudioRequest* request, ForwardJob job);
  // The batcher's runner.
  void RunForwards(std::vector<ForwardJob>& batch);

  burnout::v1::VoiceServiceConfig config_;
  DecodeLimits limits_;
  grpcx::ModelSlot<ServedVoiceModel> model_;
  // Declared before the executor, so the executor (whose tasks queue forwards) drains first.
  grpcx::DynamicBatcher<ForwardJob> batcher_;
  grpcx::Executor executor_;
  grpcx::StreamRegistry streams_;  // max_streams; idle and stalled-client timeouts
};

// Fills zero fields with defaults (batching included), then checks ranges (INVALID_ARGUMENT
// naming the key).
absl::Status PrepareVoiceConfig(burnout::v1::VoiceServiceConfig* config);

}  // namespace burnout::voice
