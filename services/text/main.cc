// burnout-text: the text emotion analyzer service.
#include "common/grpc/model_main.h"
#include "services/text/text_service.h"

int main(int argc, char** argv) {
  using namespace burnout;
  return grpcx::ModelServiceMain<v1::TextServiceConfig, text::TextService>(
      argc, argv, "burnout-text", "config/text.textproto", text::kTextReadiness,
      &text::PrepareTextConfig);
}
