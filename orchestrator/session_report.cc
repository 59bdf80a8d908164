#include "orchestrator/session_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace burnout::orchestrator {
namespace {

namespace v1 = burnout::v1;

// A result of quality 0 still says something (and a window of only such results must not
// divide by zero), so it keeps a small weight.
constexpr double kMinWeight = 0.05;
constexpr int kMaxIssues = 5;

double Weight(const v1::ModalityResult& r) {
  return std::max(static_cast<double>(r.quality()), kMinWeight);
}

// The probability of `label` in `emotions`, 0 when it is not there: other models' label sets
// contribute nothing to a label they do not have.
double Probability(const google::protobuf::RepeatedPtrField<v1::LabelScore>& emotions,
                   const std::string& label) {
  for (const auto& e : emotions) {
    if (e.label() == label) return e.probability();
  }
  return 0;
}

std::vector<std::string> Labels(const google::protobuf::RepeatedPtrField<v1::LabelScore>& e) {
  std::vector<std::string> labels;
  labels.reserve(e.size());
  for (const auto& s : e) labels.push_back(s.label());
  return labels;
}

// Scales `values` to sum 1; all-zero stays all-zero (nothing to say, not a uniform guess).
void Renormalise(std::vector<double>& values) {
  double total = 0;
  for (double v : values) total += v;
  if (total <= 0) return;
  for (double& v : values) v /= total;
}

bool SameEmbeddingSpace(const v1::Embedding& a, const v1::Embedding& b) {
  return a.model_id() == b.model_id() && a.dimension() == b.dimension() &&
         a.values_size() == b.values_size();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// ResultAccumulator

void ResultAccumulator::Add(const v1::ModalityResult& result) {
  const double w = Weight(result);
  // Labels come from the first result that has any: one without emotions (e.g. no face in
  // the frame) has no label order to give.
  if (labels_.empty() && result.emotions_size() > 0) {
    labels_ = Labels(result.emotions());
    emotion_sums_.assign(labels_.size(), 0.0);
  }
  for (size_t i = 0; i < labels_.size(); ++i) {
    emotion_sums_[i] += w * Probability(result.emotions(), labels_[i]);
  }

  for (const auto& ind : result.indicators()) {
    auto [it, inserted] = indicators_.try_emplace(ind.name());
    if (inserted) indicator_order_.push_back(ind.name());
    IndicatorSum& s = it->second;
    s.sum += w * ind.value();
    s.weight += w;
    if (s.unit.empty()) s.unit = ind.unit();
  }

  const auto& emb = result.embedding();
  if (count_ == 0) {
    embedding_mixable_ = true;
    embedding_sum_.assign(emb.values_size(), 0.0);
  } else if (embedding_mixable_ && !SameEmbeddingSpace(emb, newest_.embedding())) {
    // Every earlier result shared newest_'s space, so one mismatch ends mixing for good.
    embedding_mixable_ = false;
    embedding_sum_.clear();
  }
  if (embedding_mixable_) {
    for (int i = 0; i < emb.values_size(); ++i) embedding_sum_[i] += w * emb.values(i);
  }

  // Counted once per result: "most frequent" means carried by the most results.
  std::set<std::string> issues(result.quality_issues().begin(), result.quality_issues().end());
  // Issues can carry numbers ("face too small: 41 px"), so an hour of results could hold
  // thousands of distinct ones: new issues stop being tracked once 64 are.
  for (const auto& issue : issues) {
    auto it = issue_counts_.find(issue);
    if (it != issue_counts_.end()) {
      ++it->second;
    } else if (issue_counts_.size() < 64) {
      issue_counts_.emplace(issue, 1);
    }
  }

  ++count_;
  weight_ += w;
  quality_sum_ += result.quality();
  newest_ = result;
}

v1::ModalityResult ResultAccumulator::Result() const {
  v1::ModalityResult out;
  out.set_modality(newest_.modality());
  if (count_ == 0) return out;

  *out.mutable_model() = newest_.model();
  *out.mutable_details() = newest_.details();
  *out.mutable_findings() = newest_.findings();
  *out.mutable_evidence() = newest_.evidence();

  std::vector<double> emotions = emotion_sums_;
  for (double& e : emotions) e /= weight_;
  Renormalise(emotions);
  for (size_t i = 0; i < labels_.size(); ++i) {
    auto* e = out.add_emotions();
    e->set_label(labels_[i]);
    e->set_probability(static_cast<float>(emotions[i]));
  }

  for (const auto& name : indicator_order_) {
    const IndicatorSum& s = indicators_.at(name);
    auto* ind = out.add_indicators();
    ind->set_name(name);
    ind->set_value(s.weight > 0 ? s.sum / s.weight : 0.0);
    ind->set_unit(s.unit);
  }

  if (newest_.has_embedding()) {
    auto* emb = out.mutable_embedding();
    *emb = newest_.embedding();
    if (embedding_mixable_) {
      for (size_t i = 0; i < embedding_sum_.size(); ++i) {
        emb->set_values(static_cast<int>(i), static_cast<float>(embedding_sum_[i] / weight_));
      }
    }
  }

  out.set_quality(static_cast<float>(quality_sum_ / count_));

  std::vector<std::pair<std::string, int>> issues(issue_counts_.begin(), issue_counts_.end());
  // issue_counts_ is ordered by name, so a stable sort by count keeps ties alphabetical.
  std::stable_sort(issues.begin(), issues.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (size_t i = 0; i < issues.size() && i < static_cast<size_t>(kMaxIssues); ++i) {
    out.add_quality_issues(issues[i].first);
  }
  return out;
}

void ResultAccumulator::Clear() { *this = ResultAccumulator(); }

// ---------------------------------------------------------------------------------------------
// ResultWindow

// At least one result is held: a window of none would aggregate nothing, ever.
ResultWindow::ResultWindow(double window_s, int max_results)
    : window_s_(window_s), max_results_(std::max(1, max_results)) {}

void ResultWindow::Add(double t_s, const v1::ModalityResult& result) {
  items_.emplace_back(t_s, result);
  while (static_cast<int>(items_.size()) > max_results_) items_.pop_front();
}

void ResultWindow::Expire(double now_s) {
  const double cutoff = now_s - window_s_;
  while (!items_.empty() && items_.front().first < cutoff) items_.pop_front();
}

double ResultWindow::oldest_s() const { return items_.empty() ? 0.0 : items_.front().first; }

double ResultWindow::newest_s() const { return items_.empty() ? 0.0 : items_.back().first; }

std::optional<v1::ModalityResult> ResultWindow::Aggregate() const {
  if (items_.empty()) return std::nullopt;
  ResultAccumulator acc;
  for (const auto& [t, r] : items_) acc.Add(r);
  return acc.Result();
}

// ---------------------------------------------------------------------------------------------
// EmotionSeries

// A non-positive step would make every step index infinite; one second is a safe fallback.
EmotionSeries::EmotionSeries(v1::Modality modality, double step_s, int max_points,
                             std::vector<std::string> indicators)
    : modality_(modality),
      step_s_(step_s > 0 ? step_s : 1.0),
      max_points_(std::max(1, max_points)),
      indicators_(std::move(indicators)),
      units_(indicators_.size()) {}

void EmotionSeries::Add(double t_s, const v1::ModalityResult& result) {
  if (labels_.empty() && result.emotions_size() > 0) {
    labels_ = Labels(result.emotions());
    // Points made before the labels were known had no emotions: they count as zeros.
    for (auto& p : points_) p.emotion_sums.assign(labels_.size(), 0.0);
  }
  int64_t index;
  if (std::isfinite(t_s)) {
    index = static_cast<int64_t>(std::floor(t_s / step_s_));
  } else {
    // No usable time: it joins the latest point rather than inventing a step.
    index = points_.empty() ? 0 : points_.back().step_index;
  }
  if (points_.empty() || points_.back().step_index != index) {
    Point p;
    p.step_index = index;
    p.emotion_sums.assign(labels_.size(), 0.0);
    p.indicator_sums.assign(indicators_.size(), 0.0);
    p.indicator_counts.assign(indicators_.size(), 0);
    points_.push_back(std::move(p));
  }
  Point& p = points_.back();
  for (size_t i = 0; i < labels_.size(); ++i) {
    p.emotion_sums[i] += Probability(result.emotions(), labels_[i]);
  }
  for (const auto& ind : result.indicators()) {
    for (size_t k = 0; k < indicators_.size(); ++k) {
      if (ind.name() != indicators_[k] || !std::isfinite(ind.value())) continue;
      p.indicator_sums[k] += ind.value();
      ++p.indicator_counts[k];
      if (units_[k].empty()) units_[k] = ind.unit();
    }
  }
  p.quality_sum += result.quality();
  ++p.results;
  while (static_cast<int>(points_.size()) > max_points_) Compact();
}

void EmotionSeries::Compact() {
  // Sums (not means) are stored, so merging is adding: the merged mean is weighted by the
  // result counts for free. Integer division moves every index toward 0, so repeated
  // compaction always ends.
  std::vector<Point> merged;
  merged.reserve(points_.size() / 2 + 1);
  for (auto& p : points_) {
    const int64_t index = p.step_index / 2;
    if (!merged.empty() && merged.back().step_index == index) {
      Point& m = merged.back();
      for (size_t i = 0; i < m.emotion_sums.size() && i < p.emotion_sums.size(); ++i) {
        m.emotion_sums[i] += p.emotion_sums[i];
      }
      m.quality_sum += p.quality_sum;
      m.results += p.results;
      for (size_t k = 0; k < m.indicator_sums.size() && k < p.indicator_sums.size(); ++k) {
        m.indicator_sums[k] += p.indicator_sums[k];
        m.indicator_counts[k] += p.indicator_counts[k];
      }
    } else {
      p.step_index = index;
      merged.push_back(std::move(p));
    }
  }
  points_ = std::move(merged);
  step_s_ *= 2;
}

v1::ModalitySeries EmotionSeries::ToProto() const {
  v1::ModalitySeries out;
  out.set_modality(modality_);
  out.set_step_s(step_s_);
  for (const auto& p : points_) {
    auto* sp = out.add_points();
    sp->set_t_s(static_cast<double>(p.step_index) * step_s_);
    const double n = p.results > 0 ? p.results : 1;
    for (size_t i = 0; i < labels_.size(); ++i) {
      auto* e = sp->add_emotions();
      e->set_label(labels_[i]);
      e->set_probability(
          static_cast<float>(i < p.emotion_sums.size() ? p.emotion_sums[i] / n : 0.0));
    }
    sp->set_quality(static_cast<float>(p.quality_sum / n));
    sp->set_results(p.results);
    for (size_t k = 0; k < indicators_.size(); ++k) {
      if (k >= p.indicator_counts.size() || p.indicator_counts[k] == 0) continue;
      auto* ind = sp->add_indicators();
      ind->set_name(indicators_[k]);
      ind->set_unit(units_[k]);
      ind->set_value(p.indicator_sums[k] / p.indicator_counts[k]);
    }
  }
  return out;
}

int EmotionSeries::size() const { return static_cast<int>(points_.size()); }

// ---------------------------------------------------------------------------------------------
// FusedSeries

FusedSeries::FusedSeries(double step_s, int max_points)
    : step_s_(step_s), max_points_(std::max(1, max_points)) {}

void FusedSeries::Add(const v1::FusedPoint& point) {
  points_.push_back(point);
  weights_.push_back(1);
  if (static_cast<int>(points_.size()) <= max_points_) return;

  std::vector<v1::FusedPoint> merged;
  std::vector<int> merged_weights;
  merged.reserve(points_.size() / 2 + 1);
  merged_weights.reserve(points_.size() / 2 + 1);
  for (size_t i = 0; i < points_.size(); i += 2) {
    if (i + 1 == points_.size()) {  // an odd trailing point waits for its partner
      merged.push_back(points_[i]);
      merged_weights.push_back(weights_[i]);
      break;
    }
    const v1::FusedPoint& a = points_[i];
    const v1::FusedPoint& b = points_[i + 1];
    const double wa = weights_[i];
    const double wb = weights_[i + 1];
    auto mean = [&](float x, float y) { return static_cast<float>((wa * x + wb * y) / (wa + wb)); };
    v1::FusedPoint m;
    m.set_t_s(a.t_s());
    // The level is categorical, so it is not averaged: the worse of the two stands.
    m.set_level(b.risk_score() > a.risk_score() ? b.level() : a.level());
    m.set_risk_score(mean(a.risk_score(), b.risk_score()));
    m.set_confidence(mean(a.confidence(), b.confidence()));
    m.set_stress(mean(a.stress(), b.stress()));
    m.set_energy(mean(a.energy(), b.energy()));
    m.set_work(mean(a.work(), b.work()));
    merged.push_back(std::move(m));
    merged_weights.push_back(weights_[i] + weights_[i + 1]);
  }
  points_ = std::move(merged);
  weights_ = std::move(merged_weights);
  step_s_ *= 2;
}

// ---------------------------------------------------------------------------------------------
// SpikeDetector

SpikeDetector::SpikeDetector(const SpikeOptions& options) : options_(options) {
  // An average of no points says nothing; at least one previous point is compared against.
  options_.lookback = std::max(1, options_.lookback);
  options_.max_spikes = std::max(0, options_.max_spikes);
}

std::vector<v1::StressSpike> SpikeDetector::Add(const v1::FusedPoint& point) {
  std::vector<v1::StressSpike> found;
  if (static_cast<int>(recent_.size()) >= options_.lookback) {
    double confidence = 0, stress = 0;
    for (const auto& p : recent_) {
      confidence += p.confidence();
      stress += p.stress();
    }
    confidence /= recent_.size();
    stress /= recent_.size();
    auto spike = [&](const char* kind, double value, double average) {
      v1::StressSpike s;
      s.set_t_s(point.t_s());
      s.set_kind(kind);
      s.set_value(static_cast<float>(value));
      s.set_recent_average(static_cast<float>(average));
      s.set_magnitude(static_cast<float>(std::abs(value - average)));
      found.push_back(std::move(s));
    };
    // In double: float thresholds compared against float differences would flicker at the edge.
    if (confidence - point.confidence() > options_.confidence_drop) {
      spike("confidence_drop", point.confidence(), confidence);
    }
    if (point.stress() - stress > options_.stress_jump) {
      spike("stress_jump", point.stress(), stress);
    }
  }
  for (const auto& s : found) {
    ++total_;
    if (static_cast<int>(spikes_.size()) < options_.max_spikes) spikes_.push_back(s);
  }
  recent_.push_back(point);
  while (static_cast<int>(recent_.size()) > options_.lookback) recent_.pop_front();
  return found;
}

// ---------------------------------------------------------------------------------------------
// Segments

std::vector<v1::SegmentStats> Segments(double duration_s,
                                       const std::vector<v1::ModalitySeries>& series,
                                       const std::vector<v1::FusedPoint>& fused) {
  // No duration (or a nonsensical one): both boundaries sit at 0, so every point with
  // t_s >= 0 lands in "end" and nothing divides by zero.
  const double d = std::isfinite(duration_s) && duration_s > 0 ? duration_s : 0.0;
  const double b1 = 0.2 * d;
  const double b2 = 0.8 * d;
  // "end" is closed at d and takes anything after it; "beginning" takes anything before 0.
  auto segment_of = [&](double t) { return t < b1 ? 0 : (t < b2 ? 1 : 2); };

  std::vector<v1::SegmentStats> out(3);
  const char* names[3] = {"beginning", "middle", "end"};
  const double bounds[4] = {0.0, b1, b2, d};
  for (int s = 0; s < 3; ++s) {
    out[s].set_name(names[s]);
    out[s].set_start_s(bounds[s]);
    out[s].set_end_s(bounds[s + 1]);
  }

  struct FusedSums {
    int n = 0;
    double risk = 0, confidence = 0, stress = 0, energy = 0;
  } fs[3];
  for (const auto& p : fused) {
    FusedSums& f = fs[segment_of(p.t_s())];
    ++f.n;
    f.risk += p.risk_score();
    f.confidence += p.confidence();
    f.stress += p.stress();
    f.energy += p.energy();
  }
  for (int s = 0; s < 3; ++s) {
    const FusedSums& f = fs[s];
    out[s].set_fused_points(f.n);
    if (f.n == 0) continue;
    out[s].set_mean_risk_score(static_cast<float>(f.risk / f.n));
    out[s].set_mean_confidence(static_cast<float>(f.confidence / f.n));
    out[s].set_mean_stress(static_cast<float>(f.stress / f.n));
    out[s].set_mean_energy(static_cast<float>(f.energy / f.n));
  }

  for (const auto& ms : series) {
    // The series' own label order; every point of one series carries the same labels.
    std::vector<std::string> labels;
    for (const auto& p : ms.points()) {
      if (p.emotions_size() > 0) {
        labels = Labels(p.emotions());
        break;
      }
    }
    struct Sums {
      std::vector<double> emotions;
      double quality = 0;
      double weight = 0;
      int64_t results = 0;
      std::map<std::string, std::pair<double, double>> indicators;  // name -> (sum, weight)
    } sums[3];
    for (auto& s : sums) s.emotions.assign(labels.size(), 0.0);
    std::vector<std::pair<std::string, std::string>> indicator_order;  // name, unit
    for (const auto& p : ms.points()) {
      Sums& s = sums[segment_of(p.t_s())];
      // A point stands for `results` results: weighting by it makes the segment the mean of
      // the results, however the series was compacted.
      const double w = std::max(0, p.results());
      for (size_t i = 0; i < labels.size(); ++i) {
        s.emotions[i] += w * Probability(p.emotions(), labels[i]);
      }
      s.quality += w * p.quality();
      s.weight += w;
      s.results += p.results() > 0 ? p.results() : 0;
      for (const auto& ind : p.indicators()) {
        auto& [sum, weight] = s.indicators[ind.name()];
        sum += w * ind.value();
        weight += w;
        if (std::none_of(indicator_order.begin(), indicator_order.end(),
                         [&](const auto& o) { return o.first == ind.name(); })) {
          indicator_order.emplace_back(ind.name(), ind.unit());
        }
      }
    }
    for (int seg = 0; seg < 3; ++seg) {
      Sums& s = sums[seg];
      auto* m = out[seg].add_modalities();
      m->set_modality(ms.modality());
      m->set_results(static_cast<int32_t>(s.results));
      if (s.weight <= 0) continue;  // nothing in this segment: zeros and no emotions
      for (double& e : s.emotions) e /= s.weight;
      Renormalise(s.emotions);
      double best = 0;
      for (size_t i = 0; i < labels.size(); ++i) {
        auto* e = m->add_emotions();
        e->set_label(labels[i]);
        e->set_probability(static_cast<float>(s.emotions[i]));
        if (s.emotions[i] > best) {  // strict: the first label wins a tie, none wins all-zero
          best = s.emotions[i];
          m->set_dominant(labels[i]);
        }
      }
      m->set_quality(static_cast<float>(s.quality / s.weight));
      for (const auto& [name, unit] : indicator_order) {
        auto it = s.indicators.find(name);
        if (it == s.indicators.end() || it->second.second <= 0) continue;
        auto* ind = m->add_indicators();
        ind->set_name(name);
        ind->set_unit(unit);
        ind->set_value(it->second.first / it->second.second);
      }
    }
  }
  return out;
}

}  // namespace burnout::orchestrator
