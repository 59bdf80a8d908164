// burnout-voice: the voice analyzer service.
#include "common/grpc/model_main.h"
#include "services/voice/voice_service.h"

int main(int argc, char** argv) {
  using namespace burnout;
  return grpcx::ModelServiceMain<v1::VoiceServiceConfig, voice::VoiceService>(
      argc, argv, "burnout-voice", "config/voice.textproto", voice::kVoiceReadiness,
      &voice::PrepareVoiceConfig);
}
