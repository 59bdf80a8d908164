// A dynamic batcher in the manner of Triton's: requests submitted from many threads are
// grouped into batches of at most max_batch_size, a batch waiting at most max_queue_delay
// after its oldest request arrived for more to join, and each batch is handed to `run` on one
// of the batcher's threads. The queue is bounded: TrySubmit never blocks, and a full queue is
// the caller's RESOURCE_EXHAUSTED. `run` answers every item of its batch itself.
//
// Thread-safe. The destructor runs what is queued, then joins.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "burnout/v1/config.pb.h"

#include "common/grpc/metrics.h"

namespace burnout::grpcx {

struct BatchingOptions {
  int max_batch_size = 8;
  std::chrono::microseconds max_queue_delay{1000};
  int max_queue = 64;
  int threads = 1;
};

// Fills zero fields of `batching` (defaults in config.proto: batch 8, delay 1000 us, queue =
// server.max_queue, threads = server.worker_threads) and checks ranges (INVALID_ARGUMENT
// naming the key). `server` must have its defaults applied.
absl::Status PrepareBatchingConfig(const burnout::v1::ServerConfig& server,
                                   burnout::v1::BatchingConfig* batching);
BatchingOptions ToBatchingOptions(const burnout::v1::BatchingConfig& batching);

inline const std::vector<double>& kBatchBuckets() {
  static const std::vector<double> b = {1, 2, 4, 8, 16, 32, 64, 128, 256};
  return b;
}

struct BatcherStats {
  uint64_t batches = 0;
  uint64_t items = 0;
  uint64_t largest_batch = 0;
};

template <typename Item>
class DynamicBatcher {
 public:
  using Run = std::function<void(std::vector<Item>& batch)>;

  DynamicBatcher(BatchingOptions options, Run run)
      : options_(options), run_(std::move(run)) {
    if (options_.max_batch_size < 1) options_.max_batch_size = 1;
    if (options_.threads < 1) options_.threads = 1;
    for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { Loop(); });
  }
  ~DynamicBatcher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  DynamicBatcher(const DynamicBatcher&) = delete;
  DynamicBatcher& operator=(const DynamicBatcher&) = delete;

  // False when max_queue items are already waiting or the batcher is stopping; `item` is
  // left untouched then, for the caller to answer. An item with `wait_for_batch` false (a
  // model that gains nothing from batching) runs as soon as a thread is free, with whatever
  // is queued behind it, without the max_queue_delay wait.
  bool TrySubmit(Item& item, bool wait_for_batch = true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_ || queue_.size() >= static_cast<size_t>(options_.max_queue)) return false;
      queue_.push_back(Waiting{std::move(item), Clock::now(), wait_for_batch});
    }
    cv_.notify_one();
    return true;
  }

  size_t queued() const {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }
  BatcherStats stats() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }
  const BatchingOptions& options() const { return options_; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiting {
    Item item;
    Clock::time_point arrived;
    bool wait_for_batch;
  };

  void Loop() {
    const size_t max = static_cast<size_t>(options_.max_batch_size);
    for (;;) {
      std::vector<Item> batch;
      bool more = false;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping and drained
        // Wait for the batch to fill, up to the oldest request's delay.
        if (max > 1 && options_.max_queue_delay.count() > 0 && queue_.front().wait_for_batch) {
          const auto until = queue_.front().arrived + options_.max_queue_delay;
          cv_.wait_until(lock, until, [&] { return stopping_ || queue_.size() >= max; });
          if (queue_.empty()) continue;  // another thread took them
        }
        const size_t n = std::min(max, queue_.size());
        batch.reserve(n);
        for (size_t i = 0; i < n; ++i) {
          batch.push_back(std::move(queue_.front().item));
          queue_.pop_front();
        }
        ++stats_.batches;
        stats_.items += n;
        stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, n);
        more = !queue_.empty();
      }
      if (more) cv_.notify_one();  // another thread may start the next batch
      const auto start = std::chrono::steady_clock::now();
      const size_t size = batch.size();
      run_(batch);
      // Batch sizes and forward times (the model's work per batch), for /metrics.
      Metrics::Get().Observe("burnout_batch_size", {}, static_cast<double>(size), kBatchBuckets());
      Metrics::Get().Observe(
          "burnout_batch_run_seconds", {},
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
          Metrics::LatencyBuckets());
    }
  }

  BatchingOptions options_;
  Run run_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Waiting> queue_;
  bool stopping_ = false;
  BatcherStats stats_;
  std::vector<std::thread> threads_;
};

}  // namespace burnout::grpcx
