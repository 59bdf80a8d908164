// gRPC adapter for the text analyzer: validates, runs the model on the executor, converts
// the status. No model code here.
#pragma once

#include <memory>

#include "burnout/v1/config.pb.h"
#include "burnout/v1/text.grpc.pb.h"
#include "common/grpc/executor.h"
#include "common/grpc/model_slot.h"
#include "services/text/text_model.h"

namespace burnout::text {

inline constexpr char kTextReadiness[] = "burnout.v1.TextAnalyzer";

class TextService final : public burnout::v1::TextAnalyzer::CallbackService {
 public:
  // `config` must have server defaults applied.
  explicit TextService(const burnout::v1::TextServiceConfig& config);

  // Loads and warms the configured model; called once, from the loader thread.
  absl::Status LoadModel(bool force = false);

  grpc::ServerUnaryReactor* Analyze(grpc::CallbackServerContext* ctx,
                                    const burnout::v1::AnalyzeTextRequest* request,
                                    burnout::v1::ModalityResult* response) override;

 private:
  static absl::StatusOr<std::unique_ptr<TextModel>> LoadVersion(const std::string& dir);
  burnout::v1::TextServiceConfig config_;
  grpcx::ModelSlot<TextModel> model_;
  grpcx::Executor executor_;
};

// Fills zero fields with defaults, then checks ranges (INVALID_ARGUMENT naming the key).
absl::Status PrepareTextConfig(burnout::v1::TextServiceConfig* config);

}  // namespace burnout::text
