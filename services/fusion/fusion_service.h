// gRPC adapter for the fusion model.
#pragma once

#include "burnout/v1/config.pb.h"
#include "burnout/v1/fusion.grpc.pb.h"
#include "common/grpc/executor.h"
#include "common/grpc/model_slot.h"
#include "services/fusion/fusion_model.h"

namespace burnout::fusion {

inline constexpr char kFusionReadiness[] = "burnout.v1.Fusion";

class FusionService final : public burnout::v1::Fusion::CallbackService {
 public:
  explicit FusionService(const burnout::v1::FusionServiceConfig& config);
  absl::Status LoadModel(bool force = false);  // Load() already runs a warm-up forward
  grpc::ServerUnaryReactor* Fuse(grpc::CallbackServerContext* ctx,
                                 const burnout::v1::FuseRequest* request,
                                 burnout::v1::FuseResponse* response) override;

 private:
  burnout::v1::FusionServiceConfig config_;
  grpcx::ModelSlot<FusionModel> model_;
  grpcx::Executor executor_;
};

absl::Status PrepareFusionConfig(burnout::v1::FusionServiceConfig* config);

}  // namespace burnout::fusion
