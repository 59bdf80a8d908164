#include "services/voice/stream_window.h"

#include <algorithm>

namespace burnout::voice {

StreamWindow::StreamWindow(int window_samples, int hop_samples, int rate)
    : window_(std::max(1, window_samples)),
      hop_(std::max(1, hop_samples)),
      rate_(rate),
      next_due_(window_) {
  buffer_.reserve(static_cast<size_t>(2 * window_));
}

void StreamWindow::Append(const float* samples, size_t n) {
  total_ += static_cast<int64_t>(n);
  if (static_cast<int64_t>(n) >= window_) {
    buffer_.assign(samples + (n - window_), samples + n);
    return;
  }
  buffer_.insert(buffer_.end(), samples, samples + n);
  if (static_cast<int64_t>(buffer_.size()) > 2 * window_) {
    buffer_.erase(buffer_.begin(), buffer_.end() - window_);
  }
}

StreamWindow::Window StreamWindow::Newest() const {
  const int64_t n = std::min<int64_t>(window_, static_cast<int64_t>(buffer_.size()));
  Window w;
  w.samples.assign(buffer_.end() - n, buffer_.end());
  w.end_s = static_cast<double>(total_) / rate_;
  w.start_s = static_cast<double>(total_ - n) / rate_;
  return w;
}

int64_t StreamWindow::AdvancePastDue() {
  if (total_ < next_due_) return 0;
  const int64_t due = (total_ - next_due_) / hop_ + 1;
  next_due_ += due * hop_;
  return due;
}

StreamWindow::Window StreamWindow::Take() {
  if (const int64_t due = AdvancePastDue(); due > 0) skipped_ += due - 1;
  return Newest();
}

StreamWindow::Window StreamWindow::Tail() {
  skipped_ += AdvancePastDue();
  return Newest();
}

}  // namespace burnout::voice
