// The write side of one analyzer stream (voice or face AnalyzeStream), as a session's core
// sees it: at most one write in flight; messages offered while one is in flight wait in a
// byte-bounded queue or are refused; the half-close goes out once the queue has drained. It
// decides, and records the operations for the transport to issue (UpstreamOp); it issues
// nothing itself. Not thread-safe: the session's lock guards it.
#pragma once

#include <cstddef>
#include <deque>
#include <utility>
#include <vector>

namespace burnout::orchestrator {

// An operation on an analyzer stream, for the transport to issue in order.
template <typename Req>
struct UpstreamOp {
  enum class Kind { kStart, kWrite, kWritesDone, kCancel };
  Kind kind;
  Req message;  // kStart: the opening message; kWrite: the message to write
};

template <typename Req>
class UpstreamFlow {
 public:
  using Op = UpstreamOp<Req>;
  enum class Offered { kStarted, kQueued, kBusy, kClosed };

  // A stream is open (started and not done).
  bool live() const { return live_; }

  // Opens a stream with `open` as its first write (in flight until WriteDone).
  void Start(Req open, size_t max_queued_bytes, std::vector<Op>* ops) {
    live_ = true;
    writing_ = true;  // the opening message goes first
    half_close_ = writes_done_ = closed_ = false;
    queue_.clear();
    queued_bytes_ = 0;
    max_queued_bytes_ = max_queued_bytes;
    ops->push_back({Op::Kind::kStart, std::move(open)});
  }

  // Takes `request` for sending: kStarted when it is written now, kQueued when it waits for
  // the write in flight, kBusy when it is refused (a write in flight and `may_queue` false
  // or the queue full), kClosed when the stream takes no more.
  Offered Offer(Req request, size_t bytes, bool may_queue, std::vector<Op>* ops) {
    if (!live_ || closed_ || half_close_) return Offered::kClosed;
    if (writing_) {
      if (!may_queue || queued_bytes_ + bytes > max_queued_bytes_) return Offered::kBusy;
      queued_bytes_ += bytes;
      queue_.emplace_back(std::move(request), bytes);
      return Offered::kQueued;
    }
    writing_ = true;
    ops->push_back({Op::Kind::kWrite, std::move(request)});
    return Offered::kStarted;
  }

  // Half-closes once the queue has drained.
  void HalfClose(std::vector<Op>* ops) {
    if (!live_ || half_close_ || closed_) return;
    half_close_ = true;
    if (writing_) return;
    writes_done_ = true;
    ops->push_back({Op::Kind::kWritesDone, Req{}});
  }

  // The write in flight completed (`ok` false: the stream takes no more writes).
  void WriteDone(bool ok, std::vector<Op>* ops) {
    if (!live_) return;
    writing_ = false;
    if (!ok) {
      closed_ = true;
      queue_.clear();
      queued_bytes_ = 0;
      return;
    }
    if (!queue_.empty()) {
      queued_bytes_ -= queue_.front().second;
      ops->push_back({Op::Kind::kWrite, std::move(queue_.front().first)});
      queue_.pop_front();
      writing_ = true;
      return;
    }
    if (half_close_ && !writes_done_) {
      writes_done_ = true;
      ops->push_back({Op::Kind::kWritesDone, Req{}});
    }
  }

  void Cancel(std::vector<Op>* ops) const {
    if (live_) ops->push_back({Op::Kind::kCancel, Req{}});
  }

  // The stream ended (its status is in); a new one may be started.
  void Done() {
    live_ = false;
    closed_ = true;
    writing_ = false;
    queue_.clear();
    queued_bytes_ = 0;
  }

  size_t queued_bytes() const { return queued_bytes_; }
  size_t queued() const { return queue_.size(); }

 private:
  std::deque<std::pair<Req, size_t>> queue_;
  size_t queued_bytes_ = 0;
  size_t max_queued_bytes_ = 0;
  bool live_ = false;
  bool writing_ = false;
  bool half_close_ = false;
  bool writes_done_ = false;
  bool closed_ = false;
};

}  // namespace burnout::orchestrator
