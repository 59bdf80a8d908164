// A small seeded random number generator for the synthetic data generators: xoshiro256**
// seeded by SplitMix64, with hand-written distributions, so a seed gives the same sequence
// on every standard library and platform (the shipped checkpoints are reproducible from
// their seeds: do not change what any method draws or how). Not thread-safe: one Rng per
// thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace burnout::random {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }
  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  int UniformInt(int lo, int hi) {  // [lo, hi], one draw
    return lo + static_cast<int>(Uniform() * (hi - lo + 1));
  }
  bool Bernoulli(double p) { return Uniform() < p; }
  double Binomial(int n, double p) {  // n draws
    int k = 0;
    for (int i = 0; i < n; ++i) k += Bernoulli(p);
    return k;
  }
  double Normal(double mean, double sd) {  // Box-Muller, two draws
    const double u1 = 1.0 - Uniform();     // (0, 1]
    const double u2 = Uniform();
    return mean + sd * std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  // Marsaglia & Tsang (2000); shape < 1 via the U^(1/shape) boost.
  double Gamma(double shape) {
    if (shape < 1.0) return Gamma(shape + 1.0) * std::pow(1.0 - Uniform(), 1.0 / shape);
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    while (true) {
      double x, v;
      do {
        x = Normal(0.0, 1.0);
        v = 1.0 + c * x;
      } while (v <= 0.0);
      v = v * v * v;
      const double u = 1.0 - Uniform();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
  }
  // Knuth's product of uniforms: fine for the small means the generators use (< 30).
  int Poisson(double mean) {
    const double limit = std::exp(-std::max(0.0, mean));
    int k = 0;
    double p = Uniform();
    while (p > limit) {
      ++k;
      p *= Uniform();
    }
    return k;
  }
  std::vector<double> Dirichlet(const std::vector<double>& alpha) {
    std::vector<double> out(alpha.size());
    double sum = 0.0;
    for (size_t i = 0; i < alpha.size(); ++i) sum += out[i] = std::max(Gamma(alpha[i]), 1e-12);
    for (double& v : out) v /= sum;
    return out;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace burnout::random
