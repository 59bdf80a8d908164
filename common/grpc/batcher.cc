#include "common/grpc/batcher.h"

#include "common/grpc/server.h"
#include "common/status/macros.h"

namespace burnout::grpcx {

absl::Status PrepareBatchingConfig(const burnout::v1::ServerConfig& server,
                                   burnout::v1::BatchingConfig* b) {
  if (b->max_batch_size() == 0) b->set_max_batch_size(8);
  if (b->max_queue_delay_us() == 0) b->set_max_queue_delay_us(1000);
  if (b->max_queue() == 0) b->set_max_queue(server.max_queue());
  if (b->threads() == 0) b->set_threads(server.worker_threads());
  BR_RETURN_IF_ERROR(CheckRange("batching.max_batch_size", b->max_batch_size(), 1, 256));
  BR_RETURN_IF_ERROR(CheckRange("batching.max_queue_delay_us", b->max_queue_delay_us(), -1, 1000000));
  BR_RETURN_IF_ERROR(CheckRange("batching.max_queue", b->max_queue(), 1, 100000));
  return CheckRange("batching.threads", b->threads(), 1, 64);
}

BatchingOptions ToBatchingOptions(const burnout::v1::BatchingConfig& b) {
  BatchingOptions o;
  o.max_batch_size = b.max_batch_size();
  o.max_queue_delay = std::chrono::microseconds(std::max(0, b.max_queue_delay_us()));
  o.max_queue = b.max_queue();
  o.threads = b.threads();
  return o;
}

}  // namespace burnout::grpcx
