#include "services/voice/dsp.h"

#include <algorithm>
#include <cmath>

namespace burnout::voice::dsp {
namespace {

constexpr double kPi = 3.14159265358979323846;

inline Cpx Mul(Cpx a, Cpx b) { return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }
inline Cpx Conj(Cpx a) { return {a.re, -a.im}; }

double HzToMel(double hz) { return 2595.0 * std::log10(1.0 + hz / 700.0); }
double MelToHz(double mel) { return 700.0 * (std::pow(10.0, mel / 2595.0) - 1.0); }

}  // namespace

size_t NextPowerOfTwo(size_t n) {
  size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

ComplexFft::ComplexFft(size_t n) : n_(NextPowerOfTwo(n)) {
  twiddle_.resize(n_ / 2);
  for (size_t k = 0; k < twiddle_.size(); ++k) {
    const double a = -2.0 * kPi * static_cast<double>(k) / static_cast<double>(n_);
    twiddle_[k] = {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))};
  }
  int bits = 0;
  while ((size_t{1} << bits) < n_) ++bits;
  bitrev_.resize(n_);
  for (size_t i = 0; i < n_; ++i) {
    unsigned r = 0;
    for (int b = 0; b < bits; ++b) {
      if (i & (size_t{1} << b)) r |= 1u << (bits - 1 - b);
    }
    bitrev_[i] = r;
  }
}

void ComplexFft::Transform(Cpx* data, bool inverse) const {
  const size_t n = n_;
  for (size_t i = 0; i < n; ++i) {
    const size_t j = bitrev_[i];
    if (i < j) std::swap(data[i], data[j]);
  }
  // First stage (twiddle 1) on its own: it is a quarter of the work in small transforms.
  for (size_t i = 0; i + 1 < n; i += 2) {
    const Cpx a = data[i];
    const Cpx b = data[i + 1];
    data[i] = {a.re + b.re, a.im + b.im};
    data[i + 1] = {a.re - b.re, a.im - b.im};
  }
  const float sign = inverse ? -1.0f : 1.0f;
  for (size_t len = 4; len <= n; len <<= 1) {
    const size_t half = len / 2;
    const size_t step = n / len;
    for (size_t i = 0; i < n; i += len) {
      Cpx* lo = data + i;
      Cpx* hi = lo + half;
      for (size_t j = 0; j < half; ++j) {
        const Cpx tw = twiddle_[j * step];
        const Cpx w = {tw.re, sign * tw.im};
        const Cpx t = Mul(hi[j], w);
        const Cpx u = lo[j];
        lo[j] = {u.re + t.re, u.im + t.im};
        hi[j] = {u.re - t.re, u.im - t.im};
      }
    }
  }
  if (inverse) {
    const float scale = 1.0f / static_cast<float>(n);
    for (size_t i = 0; i < n; ++i) {
      data[i].re *= scale;
      data[i].im *= scale;
    }
  }
}

RealFft::RealFft(size_t n) : n_(std::max<size_t>(4, NextPowerOfTwo(n))), half_(n_ / 2) {
  twiddle_.resize(n_ / 4 + 1);
  for (size_t k = 0; k < twiddle_.size(); ++k) {
    const double a = -2.0 * kPi * static_cast<double>(k) / static_cast<double>(n_);
    twiddle_[k] = {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))};
  }
}

// With z[t] = x[2t] + i x[2t+1] and Z its m-point transform (m = n/2): the even and odd
// halves' spectra are E[k] = (Z[k] + conj Z[m-k]) / 2 and O[k] = (Z[k] - conj Z[m-k]) / 2i,
// and X[k] = E[k] + W^k O[k], X[m-k] = conj(E[k] - W^k O[k]) with W = e^{-2 pi i / n}.
void RealFft::Forward(const float* in, Cpx* out) const {
  const size_t m = n_ / 2;
  for (size_t t = 0; t < m; ++t) out[t] = {in[2 * t], in[2 * t + 1]};
  half_.Transform(out, false);
  const Cpx z0 = out[0];
  out[0] = {z0.re + z0.im, 0.0f};
  out[m] = {z0.re - z0.im, 0.0f};
  for (size_t k = 1; k <= m / 2; ++k) {
    const Cpx a = out[k];
    const Cpx b = Conj(out[m - k]);
    const Cpx e = {0.5f * (a.re + b.re), 0.5f * (a.im + b.im)};
    const Cpx d = {0.5f * (a.re - b.re), 0.5f * (a.im - b.im)};
    const Cpx o = {d.im, -d.re};  // d / i
    const Cpx t = Mul(twiddle_[k], o);
    out[k] = {e.re + t.re, e.im + t.im};
    out[m - k] = {e.re - t.re, -(e.im - t.im)};
  }
}

void RealFft::Inverse(Cpx* in, float* out) const {
  const size_t m = n_ / 2;
  const float x0 = in[0].re;
  const float xm = in[m].re;
  in[0] = {0.5f * (x0 + xm), 0.5f * (x0 - xm)};
  for (size_t k = 1; k <= m / 2; ++k) {
    const Cpx a = in[k];
    const Cpx b = Conj(in[m - k]);
    const Cpx e = {0.5f * (a.re + b.re), 0.5f * (a.im + b.im)};
    const Cpx o = Mul({0.5f * (a.re - b.re), 0.5f * (a.im - b.im)}, Conj(twiddle_[k]));
    in[k] = {e.re - o.im, e.im + o.re};         // e + i o
    in[m - k] = {e.re + o.im, -e.im + o.re};    // conj(e) + i conj(o)
  }
  half_.Transform(in, true);
  for (size_t t = 0; t < m; ++t) {
    out[2 * t] = in[t].re;
    out[2 * t + 1] = in[t].im;
  }
}

std::vector<float> HannWindow(size_t n) {
  std::vector<float> w(n);
  for (size_t i = 0; i < n; ++i) {
    w[i] = static_cast<float>(0.5 - 0.5 * std::cos(2.0 * kPi * static_cast<double>(i + 1) /
                                                   static_cast<double>(n + 1)));
  }
  return w;
}

MelFilterbank::MelFilterbank(int num_filters, size_t n_fft, double sample_rate, double low_hz,
                             double high_hz) {
  const size_t bins = n_fft / 2 + 1;
  const double bin_hz = sample_rate / static_cast<double>(n_fft);
  high_hz = std::min(high_hz, sample_rate / 2.0);
  const double mel_low = HzToMel(low_hz);
  const double mel_high = HzToMel(high_hz);
  std::vector<double> edges(static_cast<size_t>(num_filters) + 2);
  for (size_t i = 0; i < edges.size(); ++i) {
    edges[i] = MelToHz(mel_low + (mel_high - mel_low) * static_cast<double>(i) /
                                     static_cast<double>(num_filters + 1));
  }
  filters_.resize(static_cast<size_t>(num_filters));
  for (int f = 0; f < num_filters; ++f) {
    const double lo = edges[f], mid = edges[f + 1], hi = edges[f + 2];
    Filter& filter = filters_[static_cast<size_t>(f)];
    size_t first = bins, last = 0;
    std::vector<float> weights(bins, 0.0f);
    for (size_t b = 0; b < bins; ++b) {
      const double hz = static_cast<double>(b) * bin_hz;
      double w = 0.0;
      if (hz > lo && hz < mid) w = (hz - lo) / (mid - lo);
      else if (hz >= mid && hz < hi) w = (hi - hz) / (hi - mid);
      if (w > 0.0) {
        weights[b] = static_cast<float>(w);
        first = std::min(first, b);
        last = b;
      }
    }
    if (first > last) {  // narrower than a bin: take the nearest bin
      first = last = std::min(bins - 1, static_cast<size_t>(std::lround(mid / bin_hz)));
      weights[first] = 1.0f;
    }
    filter.first_bin = first;
    filter.weights.assign(weights.begin() + static_cast<std::ptrdiff_t>(first),
                          weights.begin() + static_cast<std::ptrdiff_t>(last) + 1);
  }
}

void MelFilterbank::Apply(const float* power, float* out) const {
  for (size_t f = 0; f < filters_.size(); ++f) {
    const Filter& filter = filters_[f];
    out[f] = Dot(power + filter.first_bin, filter.weights.data(), filter.weights.size());
  }
}

Dct2::Dct2(size_t n_in, size_t n_out) : n_in_(n_in), n_out_(n_out), basis_(n_in * n_out) {
  for (size_t k = 0; k < n_out; ++k) {
    const double s = std::sqrt((k == 0 ? 1.0 : 2.0) / static_cast<double>(n_in));
    for (size_t j = 0; j < n_in; ++j) {
      basis_[k * n_in + j] = static_cast<float>(
          s * std::cos(kPi * static_cast<double>(k) * (static_cast<double>(j) + 0.5) /
                       static_cast<double>(n_in)));
    }
  }
}

void Dct2::Apply(const float* in, float* out) const {
  for (size_t k = 0; k < n_out_; ++k) out[k] = Dot(basis_.data() + k * n_in_, in, n_in_);
}

float Dot(const float* a, const float* b, size_t n) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

double Percentile(std::vector<float> values, double q) {
  if (values.empty()) return 0.0;
  q = std::clamp(q, 0.0, 1.0);
  const double pos = q * static_cast<double>(values.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(lo),
                   values.end());
  const double v_lo = values[lo];
  if (lo + 1 >= values.size()) return v_lo;
  const double v_hi =
      *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(lo) + 1, values.end());
  return v_lo + (pos - static_cast<double>(lo)) * (v_hi - v_lo);
}

double Median(std::vector<float> values) { return Percentile(std::move(values), 0.5); }

namespace {
template <typename T>
MeanStd MeanAndStdImpl(const std::vector<T>& values) {
  MeanStd r;
  if (values.empty()) return r;
  double sum = 0.0;
  for (T v : values) sum += v;
  r.mean = sum / static_cast<double>(values.size());
  double ss = 0.0;
  for (T v : values) ss += (v - r.mean) * (v - r.mean);
  r.std = std::sqrt(ss / static_cast<double>(values.size()));
  return r;
}
}  // namespace

MeanStd MeanAndStd(const std::vector<double>& values) { return MeanAndStdImpl(values); }
MeanStd MeanAndStd(const std::vector<float>& values) { return MeanAndStdImpl(values); }

double RegressionSlope(const double* x, const double* y, size_t n) {
  if (n < 2) return 0.0;
  double mx = 0.0, my = 0.0;
  for (size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0.0, sxx = 0.0;
  for (size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
  }
  return sxx > 0.0 ? sxy / sxx : 0.0;
}

double PowerToDb(double power, double floor_db) {
  if (!(power > 0.0)) return floor_db;
  return std::max(floor_db, 10.0 * std::log10(power));
}

double HzToSemitones(double hz, double reference_hz) { return 12.0 * std::log2(hz / reference_hz); }

}  // namespace burnout::voice::dsp
