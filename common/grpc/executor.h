// A fixed pool of threads with a bounded queue: model work runs here, off gRPC's threads.
// Thread-safe. TrySubmit never blocks; a full queue is the caller's RESOURCE_EXHAUSTED.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace burnout::grpcx {

class Executor {
 public:
  Executor(int threads, int max_queue);
  ~Executor();  // runs what is queued, then joins
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // False when `max_queue` tasks are already waiting or the executor is stopping.
  bool TrySubmit(std::function<void()> task);
  size_t queued() const;

 private:
  void Loop();
  const size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace burnout::grpcx
