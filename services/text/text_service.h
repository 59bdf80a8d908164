// gRPC adapter for the text analyzer: validates, queues calls for the dynamic batcher (whose
// threads run the model, off gRPC's), converts the status. No model code here.
#pragma once

#include <memory>

#include "burnout/v1/config.pb.h"
#include "burnout/v1/text.grpc.pb.h"
#include "common/grpc/batcher.h"
#include "common/grpc/unary.h"
#include "common/grpc/model_slot.h"
#include "services/text/text_analyzer.h"

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

  // Batches run so far (tests, benchmarks).
  grpcx::BatcherStats batch_stats() const { return batcher_.stats(); }
  // The version directory serving now.
  std::string serving_dir() const { return model_.serving_dir(); }

 private:
  // The model in `dir`, with the configured lexicon, warmed up.
  absl::StatusOr<std::unique_ptr<TextAnalyzer>> LoadVersion(const std::string& dir) const;
  burnout::v1::TextServiceConfig config_;
  // One call waiting for a batch: its model snapshot (a version switch never moves a queued
  // call to another model), its text and where the answer goes.
  struct Job : grpcx::UnaryJob {
    std::shared_ptr<const TextAnalyzer> model;
    const burnout::v1::AnalyzeTextRequest* request = nullptr;
    burnout::v1::ModalityResult* response = nullptr;
    AnalyzeOptions options;
  };
  static void RunBatch(std::vector<Job>& batch);

  grpcx::ModelSlot<TextAnalyzer> model_;
  grpcx::DynamicBatcher<Job> batcher_;
};

// Fills zero fields with defaults, then checks ranges (INVALID_ARGUMENT naming the key).
absl::Status PrepareTextConfig(burnout::v1::TextServiceConfig* config);

// Resolves lexicon_dir against the config file's directory.
void ResolveTextPaths(const std::string& config_path, burnout::v1::TextServiceConfig* config);

}  // namespace burnout::text
