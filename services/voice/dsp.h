// Small DSP helpers for the acoustic analysis: an iterative radix-2 FFT (complex and real),
// windows, a mel filterbank, a DCT-II, and simple statistics. Plain C++, no dependencies.
// Every class is immutable after construction and safe to share between threads; nothing
// allocates except constructors and functions that return a vector.
#pragma once

#include <cstddef>
#include <vector>

namespace burnout::voice::dsp {

// A complex number as two floats (std::complex<float> multiplication calls a slow libgcc
// helper without -ffast-math, which the FFT's inner loop cannot afford).
struct Cpx {
  float re = 0.0f;
  float im = 0.0f;
};

// Iterative radix-2 complex FFT of one power-of-two size (precomputed twiddles and bit
// reversal). Forward: X[k] = sum x[t] e^{-2 pi i k t / n}; the inverse is scaled by 1/n.
class ComplexFft {
 public:
  explicit ComplexFft(size_t n);  // rounded up to a power of two, at least 1
  size_t size() const { return n_; }
  void Transform(Cpx* data, bool inverse) const;  // in place, `size()` points

 private:
  size_t n_;
  std::vector<Cpx> twiddle_;      // e^{-2 pi i k / n}, k < n / 2
  std::vector<unsigned> bitrev_;  // index permutation
};

// FFT of real signals of one power-of-two size n, through one n/2-point complex transform.
// Same sign and scaling conventions as ComplexFft, so RealInverse(RealForward(x)) == x.
class RealFft {
 public:
  explicit RealFft(size_t n);  // rounded up to a power of two, at least 4
  size_t size() const { return n_; }
  // `n` real samples -> bins 0..n/2 (n/2 + 1 values).
  void Forward(const float* in, Cpx* out) const;
  // Bins 0..n/2 of a Hermitian spectrum -> `n` real samples; `in` is overwritten.
  void Inverse(Cpx* in, float* out) const;

 private:
  size_t n_;
  ComplexFft half_;
  std::vector<Cpx> twiddle_;  // e^{-2 pi i k / n}, k <= n / 4
};

// The smallest power of two >= n (>= 1).
size_t NextPowerOfTwo(size_t n);

// Hann window of `n` points without zero end points: w[i] = 0.5 - 0.5 cos(2 pi (i + 1) / (n + 1)),
// as Praat uses for its autocorrelation pitch analysis.
std::vector<float> HannWindow(size_t n);

// Triangular filters equally spaced on the mel scale (HTK: mel = 2595 log10(1 + f / 700))
// between `low_hz` and `high_hz`, over the n_fft / 2 + 1 bins of a power spectrum.
class MelFilterbank {
 public:
  MelFilterbank(int num_filters, size_t n_fft, double sample_rate, double low_hz, double high_hz);
  int num_filters() const { return static_cast<int>(filters_.size()); }
  // power: n_fft / 2 + 1 bins; out: num_filters energies.
  void Apply(const float* power, float* out) const;

 private:
  struct Filter {
    size_t first_bin = 0;
    std::vector<float> weights;
  };
  std::vector<Filter> filters_;
};

// Orthonormal DCT-II of `n_in` points, first `n_out` coefficients:
// c[k] = s_k sum_j x[j] cos(pi k (j + 0.5) / n_in), s_0 = sqrt(1/n_in), s_k = sqrt(2/n_in).
class Dct2 {
 public:
  Dct2(size_t n_in, size_t n_out);
  void Apply(const float* in, float* out) const;

 private:
  size_t n_in_;
  size_t n_out_;
  std::vector<float> basis_;  // n_out x n_in
};

// Sum of a[i] * b[i] (four accumulators so the compiler can keep several in flight).
float Dot(const float* a, const float* b, size_t n);

// The q-quantile (q in [0, 1]) with linear interpolation between order statistics (the
// "type 7" definition). 0 for an empty input. Takes a copy because it reorders.
double Percentile(std::vector<float> values, double q);
double Median(std::vector<float> values);

// Mean and population standard deviation; both 0 for an empty input.
struct MeanStd {
  double mean = 0.0;
  double std = 0.0;
};
MeanStd MeanAndStd(const std::vector<double>& values);
MeanStd MeanAndStd(const std::vector<float>& values);

// Least-squares slope of y against x (0 when x has no spread).
double RegressionSlope(const double* x, const double* y, size_t n);

// 10 log10(power), never below `floor_db` (power <= 0 gives floor_db).
double PowerToDb(double power, double floor_db = -100.0);

// Semitones of `hz` relative to `reference_hz` (12 log2(hz / reference)); `hz` must be > 0.
double HzToSemitones(double hz, double reference_hz = 27.5);

}  // namespace burnout::voice::dsp
