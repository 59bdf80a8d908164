// burnout-temporal: the GRU trend service.
#include <ATen/Parallel.h>

#include "common/grpc/model_main.h"
#include "services/temporal/temporal_service.h"

int main(int argc, char** argv) {
  using namespace burnout;
  return grpcx::ModelServiceMain<v1::TemporalServiceConfig, temporal::TemporalService>(
      argc, argv, "burnout-temporal", "config/temporal.textproto", temporal::kTemporalReadiness,
      &temporal::PrepareTemporalConfig, [](const v1::TemporalServiceConfig& c) {
        if (c.server().torch_threads() > 0) {
          at::set_num_threads(c.server().torch_threads());
          at::set_num_interop_threads(1);
        }
      });
}
