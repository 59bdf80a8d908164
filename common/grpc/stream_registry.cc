#include "common/grpc/stream_registry.h"

#include <vector>

namespace burnout::grpcx {

StreamRegistry::StreamRegistry(int max_streams)
    : max_streams_(max_streams), watcher_([this] { Watch(); }) {}

StreamRegistry::~StreamRegistry() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  watcher_.join();
}

bool StreamRegistry::Register(WatchedStream* stream) {
  std::lock_guard<std::mutex> lock(mu_);
  if (static_cast<int>(streams_.size()) >= max_streams_) return false;
  streams_.insert(stream);
  return true;
}

void StreamRegistry::Unregister(WatchedStream* stream) {
  std::lock_guard<std::mutex> lock(mu_);
  streams_.erase(stream);
}

int StreamRegistry::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(streams_.size());
}

void StreamRegistry::Watch() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
    if (stopping_) break;
    std::vector<WatchedStream*> streams(streams_.begin(), streams_.end());
    for (auto* s : streams) s->Ref();
    lock.unlock();
    const auto now = WatchedStream::Clock::now();
    for (auto* s : streams) {
      s->CheckTimers(now);
      s->Unref();
    }
    lock.lock();
  }
}

}  // namespace burnout::grpcx
