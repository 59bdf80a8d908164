// gRPC adapter for the voice analyzer: unary Analyze (an encoded WAV) and the bidirectional
// AnalyzeStream (PCM chunks in, a result per hop out). Decoding and analysis run on the
// executor, off gRPC's threads. No model code here.
#pragma once

#include <memory>

#include "burnout/v1/config.pb.h"
#include "burnout/v1/voice.grpc.pb.h"
#include "common/grpc/executor.h"
#include "common/grpc/model_slot.h"
#include "common/grpc/stream_registry.h"
#include "services/voice/audio_decode.h"
#include "services/voice/voice_model.h"

namespace burnout::voice {

inline constexpr char kVoiceReadiness[] = "burnout.v1.VoiceAnalyzer";

class VoiceStreamReactor;

class VoiceService final : public burnout::v1::VoiceAnalyzer::CallbackService {
 public:
  // `config` must have gone through PrepareVoiceConfig.
  explicit VoiceService(const burnout::v1::VoiceServiceConfig& config);
  ~VoiceService() override;

  // Loads and warms the configured model; called once, from the loader thread.
  absl::Status LoadModel(bool force = false);

  grpc::ServerUnaryReactor* Analyze(grpc::CallbackServerContext* ctx,
                                    const burnout::v1::AnalyzeAudioRequest* request,
                                    burnout::v1::ModalityResult* response) override;

  grpc::ServerBidiReactor<burnout::v1::AudioStreamRequest, burnout::v1::VoiceWindowResult>*
  AnalyzeStream(grpc::CallbackServerContext* ctx) override;

  int active_streams() const;

 private:
  friend class VoiceStreamReactor;

  burnout::v1::VoiceServiceConfig config_;
  DecodeLimits limits_;
  // Loads and warms the model in one version directory.
  absl::StatusOr<std::unique_ptr<VoiceModel>> LoadVersion(const std::string& dir) const;
  grpcx::ModelSlot<VoiceModel> model_;
  grpcx::Executor executor_;
  grpcx::StreamRegistry streams_;  // max_streams; idle and stalled-client timeouts
};

// Fills zero fields with defaults, then checks ranges (INVALID_ARGUMENT naming the key).
absl::Status PrepareVoiceConfig(burnout::v1::VoiceServiceConfig* config);

}  // namespace burnout::voice
