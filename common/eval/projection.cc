#include "common/eval/projection.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace burnout::eval {
namespace {

// Squared Euclidean distances, n x n, over each pair's common prefix.
std::vector<double> SquaredDistances(const std::vector<std::vector<double>>& x) {
  const size_t n = x.size();
  std::vector<double> d(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const size_t m = std::min(x[i].size(), x[j].size());
      double s = 0;
      for (size_t k = 0; k < m; ++k) s += (x[i][k] - x[j][k]) * (x[i][k] - x[j][k]);
      d[i * n + j] = d[j * n + i] = s;
    }
  }
  return d;
}

// Row i of the conditional P(j|i), with the bandwidth found by bisection on beta = 1/2sigma^2
// so that the row's entropy is log(perplexity).
void ConditionalRow(const double* d, size_t n, size_t i, double log_perplexity, double* p) {
  double dmin = INFINITY;
  for (size_t j = 0; j < n; ++j)
    if (j != i) dmin = std::min(dmin, d[j]);
  double beta = 1, lo = 0, hi = INFINITY;
  for (int step = 0; step < 200; ++step) {
    double sum = 0, weighted = 0;
    for (size_t j = 0; j < n; ++j) {
      p[j] = j == i ? 0.0 : std::exp(-(d[j] - dmin) * beta);
      sum += p[j];
      weighted += p[j] * (d[j] - dmin);
    }
    const double entropy = std::log(sum) + beta * weighted / sum;
    const double diff = entropy - log_perplexity;
    if (std::abs(diff) < 1e-5) break;
    if (diff > 0) {  // too flat: narrow the kernel
      lo = beta;
      beta = std::isinf(hi) ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = (beta + lo) / 2;
    }
  }
  double sum = 0;
  for (size_t j = 0; j < n; ++j) sum += p[j];
  for (size_t j = 0; j < n; ++j) p[j] /= sum;
}

}  // namespace

Projection Pca2(const std::vector<std::vector<double>>& x) {
  Projection out;
  const size_t n = x.size();
  out.points.assign(n, {0.0, 0.0});
  out.explained = {0.0, 0.0};
  size_t d = 0;
  for (const auto& row : x) d = std::max(d, row.size());
  if (n < 2 || d == 0) return out;
  auto at = [&](size_t i, size_t k) { return k < x[i].size() ? x[i][k] : 0.0; };
  std::vector<double> mean(d, 0.0), c(d * d, 0.0), row(d);
  for (size_t i = 0; i < n; ++i)
    for (size_t k = 0; k < d; ++k) mean[k] += at(i, k) / n;
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < d; ++k) row[k] = at(i, k) - mean[k];
    for (size_t a = 0; a < d; ++a) {
      const double ra = row[a] / (n - 1);
      for (size_t b = a; b < d; ++b) c[a * d + b] += ra * row[b];
    }
  }
  double trace = 0;
  for (size_t a = 0; a < d; ++a) {
    trace += c[a * d + a];
    for (size_t b = 0; b < a; ++b) c[a * d + b] = c[b * d + a];
  }
  if (!(trace > 0)) return out;

  // Subspace iteration on V = [v0 v1] from a fixed, generic start.
  std::vector<double> v(2 * d), w(2 * d);
  for (size_t k = 0; k < d; ++k) {
    v[k] = 1.0 / (1.0 + k);
    v[d + k] = (k % 2 ? -1.0 : 1.0) / (2.0 + k);
  }
  auto mul = [&](const std::vector<double>& in, std::vector<double>& res) {  // res = C in
    for (size_t a = 0; a < d; ++a) {
      double s0 = 0, s1 = 0;
      for (size_t b = 0; b < d; ++b) {
        s0 += c[a * d + b] * in[b];
        s1 += c[a * d + b] * in[d + b];
      }
      res[a] = s0;
      res[d + a] = s1;
    }
  };
  auto orthonormalise = [&](std::vector<double>& m) {
    for (int col = 0; col < 2; ++col) {
      double* u = &m[col * d];
      if (col == 1) {
        double dot = 0;
        for (size_t k = 0; k < d; ++k) dot += u[k] * m[k];
        for (size_t k = 0; k < d; ++k) u[k] -= dot * m[k];
      }
      double norm = 0;
      for (size_t k = 0; k < d; ++k) norm += u[k] * u[k];
      norm = std::sqrt(norm);
      for (size_t k = 0; k < d; ++k) u[k] = norm > 1e-150 ? u[k] / norm : 0.0;
    }
  };
  orthonormalise(v);
  double lambda[2] = {0, 0};
  for (int iter = 0; iter < 1000; ++iter) {
    mul(v, w);
    // Rayleigh-Ritz: rotate V within its span to the eigenvectors of H = V'CV.
    double h00 = 0, h01 = 0, h11 = 0;
    for (size_t k = 0; k < d; ++k) {
      h00 += v[k] * w[k];
      h01 += v[k] * w[d + k];
      h11 += v[d + k] * w[d + k];
    }
    const double angle = 0.5 * std::atan2(2 * h01, h00 - h11);
    const double cs = std::cos(angle), sn = std::sin(angle);
    lambda[0] = cs * cs * h00 + 2 * cs * sn * h01 + sn * sn * h11;
    lambda[1] = sn * sn * h00 - 2 * cs * sn * h01 + cs * cs * h11;
    for (size_t k = 0; k < d; ++k) {
      const double a = w[k], b = w[d + k];
      w[k] = cs * a + sn * b;
      w[d + k] = -sn * a + cs * b;
    }
    orthonormalise(w);
    double change = 0;
    for (int col = 0; col < 2; ++col) {
      double dot = 0;
      for (size_t k = 0; k < d; ++k) dot += v[col * d + k] * w[col * d + k];
      change = std::max(change, 1.0 - std::abs(dot));
    }
    v.swap(w);
    if (change < 1e-13 && iter > 2) break;
  }
  for (int col = 0; col < 2; ++col) {
    double* u = &v[col * d];
    const size_t big =
        std::max_element(u, u + d, [](double a, double b) { return std::abs(a) < std::abs(b); }) -
        u;
    if (u[big] < 0)
      for (size_t k = 0; k < d; ++k) u[k] = -u[k];
    out.explained[col] = std::clamp(lambda[col] / trace, 0.0, 1.0);
  }
  for (size_t i = 0; i < n; ++i) {
    for (int col = 0; col < 2; ++col) {
      double s = 0;
      for (size_t k = 0; k < d; ++k) s += (at(i, k) - mean[k]) * v[col * d + k];
      out.points[i][col] = s;
    }
  }
  return out;
}

Projection Tsne2(const std::vector<std::vector<double>>& x, const TsneOptions& o) {
  Projection out;
  const size_t n = x.size();
  out.points.assign(n, {0.0, 0.0});
  if (n < 2) return out;

  // Input affinities: conditional rows, then P = (P + P') / 2N, kept as float for bandwidth.
  const double perplexity = std::max(1.0, std::min(o.perplexity, (n - 1) / 3.0));
  std::vector<double> cond = SquaredDistances(x);
  {
    std::vector<double> row(n);
    for (size_t i = 0; i < n; ++i) {
      ConditionalRow(&cond[i * n], n, i, std::log(perplexity), row.data());
      std::copy(row.begin(), row.end(), cond.begin() + i * n);
    }
  }
  std::vector<float> p(n * n, 0.0f);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i != j)
        p[i * n + j] =
            static_cast<float>(std::max((cond[i * n + j] + cond[j * n + i]) / (2.0 * n), 1e-12));
    }
  }
  cond = {};

  // Start: N(0, 1e-4^2) per coordinate, Box-Muller on mt19937_64's raw output.
  std::mt19937_64 rng(o.seed);
  auto uniform = [&rng] { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; };
  std::vector<double> y(2 * n), update(2 * n, 0.0), gain(2 * n, 1.0), attract(2 * n),
      repulse(2 * n);
  for (size_t i = 0; i < n; ++i) {
    const double r = std::sqrt(-2.0 * std::log(uniform())), t = 6.283185307179586 * uniform();
    y[2 * i] = 1e-4 * r * std::cos(t);
    y[2 * i + 1] = 1e-4 * r * std::sin(t);
  }

  for (int iter = 0; iter < o.iterations; ++iter) {
    const bool early = iter < o.exaggeration_iterations;
    const double exaggeration = early ? o.early_exaggeration : 1.0;
    const double momentum = early ? 0.5 : 0.8;
    // grad_i = 4 sum_j (P_ij - q_ij/Z) q_ij (y_i - y_j), with q_ij = 1/(1+|y_i-y_j|^2):
    // the attractive sum P q (y_i-y_j) and the repulsive sum q^2 (y_i-y_j) are accumulated in
    // one pass over the upper triangle, and Z applied at the end.
    std::fill(attract.begin(), attract.end(), 0.0);
    std::fill(repulse.begin(), repulse.end(), 0.0);
    double z = 0;
    for (size_t i = 0; i < n; ++i) {
      const double xi = y[2 * i], yi = y[2 * i + 1];
      const float* pi = &p[i * n];
      double ax = 0, ay = 0, rx = 0, ry = 0, zi = 0;
      for (size_t j = i + 1; j < n; ++j) {
        const double dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
        const double q = 1.0 / (1.0 + dx * dx + dy * dy);
        const double pq = pi[j] * q, qq = q * q;
        zi += q;
        ax += pq * dx;
        ay += pq * dy;
        rx += qq * dx;
        ry += qq * dy;
        attract[2 * j] -= pq * dx;
        attract[2 * j + 1] -= pq * dy;
        repulse[2 * j] -= qq * dx;
        repulse[2 * j + 1] -= qq * dy;
      }
      attract[2 * i] += ax;
      attract[2 * i + 1] += ay;
      repulse[2 * i] += rx;
      repulse[2 * i + 1] += ry;
      z += zi;
    }
    z *= 2;
    double cx = 0, cy = 0;
    for (size_t k = 0; k < 2 * n; ++k) {
      const double grad = 4.0 * (exaggeration * attract[k] - repulse[k] / z);
      gain[k] = (grad > 0) != (update[k] > 0) ? gain[k] + 0.2 : std::max(gain[k] * 0.8, 0.01);
      update[k] = momentum * update[k] - o.learning_rate * gain[k] * grad;
      y[k] += update[k];
      (k % 2 ? cy : cx) += y[k];
    }
    for (size_t i = 0; i < n; ++i) {
      y[2 * i] -= cx / n;
      y[2 * i + 1] -= cy / n;
    }
  }

  double z = 0;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      z += 2.0 / (1.0 + dx * dx + dy * dy);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const double q = 1.0 / (1.0 + dx * dx + dy * dy) / z, pij = p[i * n + j];
      out.kl += pij * std::log(pij / std::max(q, 1e-300));
    }
    out.points[i] = {y[2 * i], y[2 * i + 1]};
  }
  return out;
}

}  // namespace burnout::eval
