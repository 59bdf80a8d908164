// burnout-text: the text emotion analyzer service.
#include "common/grpc/model_main.h"
#include "common/torchscript/torchscript_model.h"
#include "services/text/text_service.h"

int main(int argc, char** argv) {
  using namespace burnout;
  return grpcx::ModelServiceMain<v1::TextServiceConfig, text::TextService>(
      argc, argv, "burnout-text", "config/text.textproto", text::kTextReadiness,
      &text::PrepareTextConfig, [](const v1::TextServiceConfig& c) {
        // A TorchScript model (torchscript-text) runs with these intra-op threads.
        torchscript::SetTorchThreads(c.server().torch_threads());
      },
      &text::ResolveTextPaths);
}
