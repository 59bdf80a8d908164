// burnout-voice: the voice analyzer service.
#include "common/grpc/model_main.h"
#include "common/torchscript/torchscript_model.h"
#include "services/voice/voice_service.h"

int main(int argc, char** argv) {
  using namespace burnout;
  return grpcx::ModelServiceMain<v1::VoiceServiceConfig, voice::VoiceService>(
      argc, argv, "burnout-voice", "config/voice.textproto", voice::kVoiceReadiness,
      &voice::PrepareVoiceConfig, [](const v1::VoiceServiceConfig& c) {
        // libtorch's threads, for a torchscript-voice model (the default model has none).
        torchscript::SetTorchThreads(c.server().torch_threads());
      });
}
