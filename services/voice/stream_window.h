// The rolling analysis window of a live audio stream: samples in (at kAnalysisRate), the
// newest `window` samples out every `hop`. Only the newest due window is ever handed out:
// when the consumer is busy past one or more hops, those windows are counted as skipped, never
// queued, so memory stays at about two windows whatever the input rate. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace burnout::voice {

class StreamWindow {
 public:
  struct Window {
    std::vector<float> samples;
    double start_s = 0.0;  // stream time of the first sample
    double end_s = 0.0;
  };

  StreamWindow(int window_samples, int hop_samples, int rate);

  void Append(const float* samples, size_t n);
  // A window is due once `window` samples have arrived, then every `hop`.
  bool Due() const { return total_ >= next_due_; }
  // The newest window (call when Due()); hops that passed since the last Take without being
  // taken count as skipped.
  Window Take();
  // The newest min(total, window) samples: the stream's final window. Windows still due
  // then were never analysed and count as skipped.
  Window Tail();

  int64_t total_samples() const { return total_; }
  int64_t skipped() const { return skipped_; }
  double seconds() const { return static_cast<double>(total_) / rate_; }

 private:
  Window Newest() const;
  int64_t AdvancePastDue();  // moves the next due time past total; returns how many were due
  const int64_t window_, hop_;
  const int rate_;
  std::vector<float> buffer_;  // the newest samples; buffer_.back() is sample total_ - 1
  int64_t total_ = 0;
  int64_t next_due_;
  int64_t skipped_ = 0;
};

}  // namespace burnout::voice
