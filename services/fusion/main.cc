// burnout-fusion: the attention fusion service.
#include <ATen/Parallel.h>

#include "common/grpc/model_main.h"
#include "services/fusion/fusion_service.h"

int main(int argc, char** argv) {
  using namespace burnout;
  return grpcx::ModelServiceMain<v1::FusionServiceConfig, fusion::FusionService>(
      argc, argv, "burnout-fusion", "config/fusion.textproto", fusion::kFusionReadiness,
      &fusion::PrepareFusionConfig, [](const v1::FusionServiceConfig& c) {
        if (c.server().torch_threads() > 0) {
          at::set_num_threads(c.server().torch_threads());
          at::set_num_interop_threads(1);
        }
      });
}
