// gRPC adapter for the GRU trend model.
#pragma once

#include "burnout/v1/config.pb.h"
#include "burnout/v1/temporal.grpc.pb.h"
#include "common/grpc/executor.h"
#include "common/grpc/model_slot.h"
#include "services/temporal/temporal_model.h"

namespace burnout::temporal {

inline constexpr char kTemporalReadiness[] = "burnout.v1.Temporal";

class TemporalService final : public burnout::v1::Temporal::CallbackService {
 public:
  explicit TemporalService(const burnout::v1::TemporalServiceConfig& config);
  absl::Status LoadModel(bool force = false);
  grpc::ServerUnaryReactor* Predict(grpc::CallbackServerContext* ctx,
                                    const burnout::v1::TrendRequest* request,
                                    burnout::v1::TrendResponse* response) override;

 private:
  burnout::v1::TemporalServiceConfig config_;
  grpcx::ModelSlot<TemporalModel> model_;
  grpcx::Executor executor_;
};

absl::Status PrepareTemporalConfig(burnout::v1::TemporalServiceConfig* config);

}  // namespace burnout::temporal
