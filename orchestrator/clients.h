// The orchestrator's seams: it depends on these interfaces, not on generated stubs, so
// masking, partial failure and deadlines are unit-testable. grpc_clients.h implements them
// over real channels.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/fusion.pb.h"
#include "burnout/v1/temporal.pb.h"

namespace burnout::orchestrator {

using Deadline = std::chrono::system_clock::time_point;

// What one analyzer is asked to look at: text, or encoded media bytes.
struct AnalyzerInput {
  burnout::v1::Modality modality = burnout::v1::MODALITY_UNSPECIFIED;
  std::string text;   // MODALITY_TEXT
  std::string media;  // MODALITY_VOICE / MODALITY_FACE: encoded file bytes
  std::string filename;  // optional, for messages only
};

// One analyzer service (text, voice or face). Thread-safe.
class AnalyzerClient {
 public:
  using Callback = std::function<void(absl::StatusOr<burnout::v1::ModalityResult>)>;
  virtual ~AnalyzerClient() = default;
  // Starts the call and returns at once; `done` runs exactly once, on any thread, no later
  // than shortly after `deadline`.
  virtual void AnalyzeAsync(const AnalyzerInput& input, Deadline deadline, Callback done) = 0;
};

class FusionClient {
 public:
  virtual ~FusionClient() = default;
  virtual absl::StatusOr<burnout::v1::FuseResponse> Fuse(const burnout::v1::FuseRequest& request,
                                                         Deadline deadline) = 0;
};

class TemporalClient {
 public:
  virtual ~TemporalClient() = default;
  virtual absl::StatusOr<burnout::v1::TrendResponse> Predict(
      const burnout::v1::TrendRequest& request, Deadline deadline) = 0;
};

}  // namespace burnout::orchestrator
