// The open streams of a service: a cap on how many may be open, and a watcher thread that
// calls each stream's CheckTimers about every 100 ms (idle clients, clients that stopped
// reading). Streams are reference-counted so the watcher never touches a deleted one.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace burnout::grpcx {

class WatchedStream {
 public:
  using Clock = std::chrono::steady_clock;
  virtual void CheckTimers(Clock::time_point now) = 0;
  void Ref() { refs_.fetch_add(1); }
  void Unref() {
    if (refs_.fetch_sub(1) == 1) delete this;
  }

 protected:
  virtual ~WatchedStream() = default;

 private:
  std::atomic<int> refs_{1};  // the owner's (released in OnDone) plus the watcher's
};

class StreamRegistry {
 public:
  explicit StreamRegistry(int max_streams);
  ~StreamRegistry();  // stops the watcher; streams must have unregistered
  StreamRegistry(const StreamRegistry&) = delete;
  StreamRegistry& operator=(const StreamRegistry&) = delete;

  bool Register(WatchedStream* stream);  // false when max_streams are open
  void Unregister(WatchedStream* stream);
  int size() const;
  int max_streams() const { return max_streams_; }

 private:
  void Watch();
  const int max_streams_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<WatchedStream*> streams_;
  bool stopping_ = false;
  std::thread watcher_;
};

}  // namespace burnout::grpcx
