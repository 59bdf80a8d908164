#include "services/voice/harmonicity.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "services/voice/dsp.h"

namespace burnout::voice {

namespace {

constexpr long kSincDepth = 12;  // samples of the correlation on each side of a refined peak

// The band-limited value of the sequence r[0 .. n) at fractional position x: a sinc kernel
// tapered by a raised cosine that reaches zero one sample past the `depth` samples used on each
// side of x.
double BandLimited(const std::vector<double>& r, long n, double x, long depth) {
  const long below = static_cast<long>(std::floor(x));
  if (x == static_cast<double>(below)) return r[static_cast<size_t>(below)];
  const long lo = std::max(0L, below - depth + 1), hi = std::min(n - 1, below + depth);
  const double left_span = x - lo + 1, right_span = hi - x + 1;
  double sum = 0.0;
  for (long i = lo; i <= hi; ++i) {
    const double d = x - static_cast<double>(i);
    const double sinc = std::sin(M_PI * d) / (M_PI * d);
    const double window = 0.5 * (1.0 + std::cos(M_PI * d / (i <= below ? left_span : right_span)));
    sum += r[static_cast<size_t>(i)] * sinc * window;
  }
  return sum;
}

// The maximum of the band-limited r between lag - 1 and lag + 1 (golden-section search).
double PeakNear(const std::vector<double>& r, long n, long lag, long depth) {
  const double g = 0.5 * (std::sqrt(5.0) - 1.0);
  double a = lag - 1.0, b = lag + 1.0;
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = BandLimited(r, n, c, depth), fd = BandLimited(r, n, d, depth);
  while (b - a > 1e-3) {
    if (fc > fd) {
      b = d, d = c, fd = fc, c = b - g * (b - a), fc = BandLimited(r, n, c, depth);
    } else {
      a = c, c = d, fc = fd, d = a + g * (b - a), fd = BandLimited(r, n, d, depth);
    }
  }
  return std::max({BandLimited(r, n, 0.5 * (a + b), depth), r[static_cast<size_t>(lag)]});
}

}  // namespace

double MeasureHarmonicity(const float* x, size_t n, double fs, const HarmonicityConfig& c, int* voiced_frames) {
  if (voiced_frames != nullptr) *voiced_frames = 0;
  if (x == nullptr || !(fs > 0.0) || !(c.floor_hz > 0.0) || !(c.step_s > 0.0)) return 0.0;
  const long w = std::lround(fs / c.floor_hz);  // one floor period, in samples
  const long max_lag = w;
  const long total = static_cast<long>(n);
  if (w < 4 || total < 2 * w + max_lag) return 0.0;
  double global_peak = 0.0;
  for (size_t i = 0; i < n; ++i) global_peak = std::max(global_peak, std::fabs(double{x[i]}));
  if (global_peak == 0.0) return 0.0;
  // Frames centred so the analysed span (window + one lag range) fits, evenly over the clip.
  const double span_s = static_cast<double>(w + max_lag) / fs;
  const double duration = static_cast<double>(n) / fs;
  const long frames = static_cast<long>(std::floor((duration - span_s) / c.step_s)) + 1;
  if (frames < 1) return 0.0;
  const double first = 0.5 * (duration - (frames - 1) * c.step_s);  // centre of the first frame
  std::vector<float> seg(static_cast<size_t>(w + max_lag + 1));
  std::vector<double> r(static_cast<size_t>(max_lag + 2), 0.0);
  double hnr_sum = 0.0;
  int voiced = 0;
  for (long f = 0; f < frames; ++f) {
    const double t = first + f * c.step_s;
    long start = std::lround(t * fs) - (w + max_lag) / 2;
    start = std::clamp(start, 0L, total - (w + max_lag) - 1);
    double mean = 0.0;
    for (long i = 0; i < w; ++i) mean += x[start + i];
    mean /= static_cast<double>(w);
    double peak = 0.0;
    for (long i = 0; i <= w + max_lag; ++i) {
      const double v = x[start + i] - mean;
      seg[static_cast<size_t>(i)] = static_cast<float>(v);
      if (i < w) peak = std::max(peak, std::fabs(v));
    }
    double e0 = 0.0;
    auto sq = [&](long i) { return static_cast<double>(seg[static_cast<size_t>(i)]) * seg[static_cast<size_t>(i)]; };
    for (long i = 0; i < w; ++i) e0 += sq(i);
    if (e0 <= 0.0) continue;
    // Energy of the lagged window, updated as the lag grows.
    double el = 0.0;
    for (long i = 1; i <= w; ++i) el += sq(i);
    for (long lag = 1; lag <= max_lag + 1 && lag + w <= w + max_lag; ++lag) {
      if (lag > 1) el += sq(lag + w - 1) - sq(lag - 1);
      const double dot = dsp::Dot(seg.data(), seg.data() + lag, static_cast<size_t>(w));
      r[static_cast<size_t>(lag)] = el > 0.0 ? dot / std::sqrt(e0 * el) : 0.0;
    }
    // The two highest local maxima, refined (a refinement moves a peak by far less than the
    // gap between the highest and the third).
    long first_lag = -1, second_lag = -1;
    for (long lag = 2; lag < max_lag; ++lag) {
      const double a = r[lag - 1], b = r[lag], d = r[lag + 1];
      if (b <= 0.0 || b < a || b < d) continue;
      if (first_lag < 0 || b > r[first_lag]) {
        second_lag = first_lag;
        first_lag = lag;
      } else if (second_lag < 0 || b > r[second_lag]) {
        second_lag = lag;
      }
    }
    double best = 0.0;
    for (long lag : {first_lag, second_lag}) {
      if (lag >= 0) best = std::max(best, std::min(PeakNear(r, max_lag + 1, lag, kSincDepth), 1.0));
    }
    const double silence = 2.0 - (peak / global_peak) / c.silence_threshold;
    if (best <= 0.0 || best <= silence) continue;
    const double rr = std::min(best, 1.0 - 1e-5);
    hnr_sum += 10.0 * std::log10(rr / (1.0 - rr));
    ++voiced;
  }
  if (voiced_frames != nullptr) *voiced_frames = voiced;
  return voiced > 0 ? hnr_sum / voiced : 0.0;
}

}  // namespace burnout::voice
