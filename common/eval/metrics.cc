#include "common/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <utility>

namespace burnout::eval {

Confusion MakeConfusion(std::vector<std::string> labels, const std::vector<int>& truth,
                        const std::vector<int>& pred) {
  Confusion c;
  const int k = static_cast<int>(labels.size());
  c.labels = std::move(labels);
  c.counts.assign(k, std::vector<int64_t>(k, 0));
  const size_t n = std::min(truth.size(), pred.size());
  for (size_t i = 0; i < n; ++i) {
    if (truth[i] < 0 || truth[i] >= k || pred[i] < 0 || pred[i] >= k) continue;
    ++c.counts[truth[i]][pred[i]];
  }
  return c;
}

std::vector<ClassScores> PerClassScores(const Confusion& c) {
  const size_t k = c.counts.size();
  std::vector<ClassScores> out(k);
  for (size_t i = 0; i < k; ++i) {
    int64_t row = 0, col = 0;
    for (size_t j = 0; j < k; ++j) {
      row += c.counts[i][j];
      col += c.counts[j][i];
    }
    const double tp = static_cast<double>(c.counts[i][i]);
    ClassScores& s = out[i];
    s.label = i < c.labels.size() ? c.labels[i] : std::string();
    s.support = row;
    s.precision = col > 0 ? tp / col : 0.0;
    s.recall = row > 0 ? tp / row : 0.0;
    s.f1 = row + col > 0 ? 2.0 * tp / static_cast<double>(row + col) : 0.0;
  }
  return out;
}

double MacroF1(const Confusion& c) {
  const std::vector<ClassScores> scores = PerClassScores(c);
  double sum = 0;
  int present = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    int64_t predicted = 0;
    for (size_t j = 0; j < scores.size(); ++j) predicted += c.counts[j][i];
    if (scores[i].support == 0 && predicted == 0) continue;
    sum += scores[i].f1;
    ++present;
  }
  return present > 0 ? sum / present : 0.0;
}

double Accuracy(const Confusion& c) {
  int64_t total = 0, diagonal = 0;
  for (size_t i = 0; i < c.counts.size(); ++i) {
    for (size_t j = 0; j < c.counts[i].size(); ++j) total += c.counts[i][j];
    if (i < c.counts[i].size()) diagonal += c.counts[i][i];
  }
  return total > 0 ? static_cast<double>(diagonal) / total : 0.0;
}

Reliability MeasureReliability(const std::vector<std::vector<double>>& probs,
                               const std::vector<int>& truth, int bins) {
  bins = std::max(bins, 1);
  std::vector<double> sum_conf(bins, 0.0), sum_ok(bins, 0.0);
  std::vector<int64_t> count(bins, 0);
  int64_t n = 0;
  const size_t rows = std::min(probs.size(), truth.size());
  for (size_t i = 0; i < rows; ++i) {
    const std::vector<double>& p = probs[i];
    if (p.empty() || truth[i] < 0 || truth[i] >= static_cast<int>(p.size())) continue;
    const size_t arg = std::max_element(p.begin(), p.end()) - p.begin();
    const double conf = p[arg];
    const int b = std::clamp(static_cast<int>(conf * bins), 0, bins - 1);
    sum_conf[b] += conf;
    sum_ok[b] += static_cast<int>(arg) == truth[i] ? 1.0 : 0.0;
    ++count[b];
    ++n;
  }
  Reliability r;
  for (int b = 0; b < bins; ++b) {
    ReliabilityBin bin;
    bin.lo = static_cast<double>(b) / bins;
    bin.hi = static_cast<double>(b + 1) / bins;
    bin.count = count[b];
    if (count[b] > 0) {
      bin.mean_confidence = sum_conf[b] / count[b];
      bin.accuracy = sum_ok[b] / count[b];
      r.ece += std::abs(sum_conf[b] - sum_ok[b]) / static_cast<double>(n);
    }
    r.bins.push_back(bin);
  }
  return r;
}

double Silhouette(const std::vector<std::vector<double>>& x, const std::vector<int>& groups) {
  const size_t n = std::min(x.size(), groups.size());
  std::map<int, int> index;  // group id -> dense index
  for (size_t i = 0; i < n; ++i) index.emplace(groups[i], 0);
  if (index.size() < 2) return 0.0;
  int next = 0;
  for (auto& [id, k] : index) k = next++;
  std::vector<int> g(n);
  std::vector<int64_t> size(index.size(), 0);
  for (size_t i = 0; i < n; ++i) ++size[g[i] = index[groups[i]]];

  std::vector<double> dist(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const size_t d = std::min(x[i].size(), x[j].size());
      double s = 0;
      for (size_t k = 0; k < d; ++k) s += (x[i][k] - x[j][k]) * (x[i][k] - x[j][k]);
      dist[i * n + j] = dist[j * n + i] = std::sqrt(s);
    }
  }
  double total = 0;
  std::vector<double> sum(index.size());
  for (size_t i = 0; i < n; ++i) {
    if (size[g[i]] < 2) continue;  // a singleton scores 0
    std::fill(sum.begin(), sum.end(), 0.0);
    for (size_t j = 0; j < n; ++j) sum[g[j]] += dist[i * n + j];
    const double a = sum[g[i]] / static_cast<double>(size[g[i]] - 1);
    double b = INFINITY;
    for (size_t k = 0; k < sum.size(); ++k) {
      if (static_cast<int>(k) != g[i]) b = std::min(b, sum[k] / static_cast<double>(size[k]));
    }
    const double m = std::max(a, b);
    if (m > 0) total += (b - a) / m;
  }
  return n > 0 ? total / static_cast<double>(n) : 0.0;
}

}  // namespace burnout::eval
