// The pure parts of a live session (StreamSession), no gRPC and no I/O: rolling windows of a
// modality's results, running session-wide aggregates, bounded time series, the facial-model
// seed's beginning / middle / end segments and its stress spikes. Not thread-safe; a
// session guards them with its own lock.
//
// Memory is bounded by construction: a window holds at most `max_results`, a series at most
// `max_points` (when full, neighbouring points merge pairwise and the step doubles), the
// spike list at most `max_spikes`.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::orchestrator {

// Quality-weighted mean of one modality's results (weight = max(quality, 0.05)):
//   emotions     by label, in the first result's label order, renormalised to sum 1;
//   indicators   by name, the weighted mean over the results that carry it (unit kept);
//   embedding    the weighted mean when every result has the same model_id and dimension,
//                otherwise the newest result's;
//   quality      the plain mean;
//   quality_issues  distinct, most frequent first, at most 5 (of the first 64 distinct seen);
//   modality, model, details, findings, evidence: the newest result's.
class ResultAccumulator {
 public:
  void Add(const burnout::v1::ModalityResult& result);
  int count() const { return count_; }
  // The aggregate; a result with only `modality` set when nothing was added.
  burnout::v1::ModalityResult Result() const;
  void Clear();

 private:
  int count_ = 0;
  double weight_ = 0;
  double quality_sum_ = 0;
  std::vector<std::string> labels_;
  std::vector<double> emotion_sums_;
  struct IndicatorSum {
    double sum = 0;
    double weight = 0;
    std::string unit;
  };
  std::vector<std::string> indicator_order_;
  std::map<std::string, IndicatorSum> indicators_;
  std::vector<double> embedding_sum_;
  bool embedding_mixable_ = true;
  std::map<std::string, int> issue_counts_;
  burnout::v1::ModalityResult newest_;
};

// The results of one modality over the last `window_s` of session time.
class ResultWindow {
 public:
  ResultWindow(double window_s, int max_results);
  // `t_s` never decreases between calls; the oldest result goes when max_results are held.
  void Add(double t_s, const burnout::v1::ModalityResult& result);
  // Drops results older than now_s - window_s.
  void Expire(double now_s);
  int size() const { return static_cast<int>(items_.size()); }
  double oldest_s() const;  // 0 when empty
  double newest_s() const;
  // The ResultAccumulator aggregate of what the window holds; nullopt when empty.
  std::optional<burnout::v1::ModalityResult> Aggregate() const;
  void Clear() { items_.clear(); }

 private:
  double window_s_;
  int max_results_;
  std::deque<std::pair<double, burnout::v1::ModalityResult>> items_;
};

// A modality's emotions over the session, one point per step (the mean of the results whose
// t_s falls in it), and the `indicators` named (the face's fatigue measures), each the mean
// over the step's results that carry it. When max_points are held, neighbouring points merge
// pairwise (weighted by their result counts) and the step doubles, so an hour-long session
// stays bounded.
class EmotionSeries {
 public:
  EmotionSeries(burnout::v1::Modality modality, double step_s, int max_points,
                std::vector<std::string> indicators = {});
  void Add(double t_s, const burnout::v1::ModalityResult& result);
  burnout::v1::ModalitySeries ToProto() const;
  int size() const;

 private:
  void Compact();
  burnout::v1::Modality modality_;
  double step_s_;
  int max_points_;
  std::vector<std::string> labels_;  // of the first result
  std::vector<std::string> indicators_;
  std::vector<std::string> units_;   // of each indicator, as first seen
  struct Point {
    int64_t step_index = 0;  // t_s / step_s
    std::vector<double> emotion_sums;
    double quality_sum = 0;
    int results = 0;
    std::vector<double> indicator_sums;  // per followed indicator
    std::vector<int> indicator_counts;
  };
  std::vector<Point> points_;
};

// The fused updates of a session, at most max_points: when full, neighbouring points merge
// pairwise (means; the level of the higher risk score) and the step doubles.
class FusedSeries {
 public:
  FusedSeries(double step_s, int max_points);
  void Add(const burnout::v1::FusedPoint& point);
  const std::vector<burnout::v1::FusedPoint>& points() const { return points_; }
  double step_s() const { return step_s_; }

 private:
  double step_s_;
  int max_points_;
  std::vector<burnout::v1::FusedPoint> points_;
  std::vector<int> weights_;  // fused updates merged into each point
};

struct SpikeOptions {
  int lookback = 3;                // previous points forming the recent average
  float confidence_drop = 0.15f;   // confidence below the average by more: a spike
  float stress_jump = 0.15f;       // stress above the average by more: a spike
  int max_spikes = 200;            // kept; later spikes are counted, not kept
};

// The seed's detector, run on every fused point as it arrives (before any merging): a point
// whose confidence is below the mean of the previous `lookback` points by more than
// confidence_drop is a "confidence_drop"; one whose stress is above that mean by more than
// stress_jump is a "stress_jump". Nothing is reported until `lookback` points were seen.
class SpikeDetector {
 public:
  explicit SpikeDetector(const SpikeOptions& options);
  // The spikes this point makes (0, 1 or 2), also appended to spikes().
  std::vector<burnout::v1::StressSpike> Add(const burnout::v1::FusedPoint& point);
  const std::vector<burnout::v1::StressSpike>& spikes() const { return spikes_; }
  int64_t total() const { return total_; }  // including those beyond max_spikes

 private:
  SpikeOptions options_;
  std::deque<burnout::v1::FusedPoint> recent_;
  std::vector<burnout::v1::StressSpike> spikes_;
  int64_t total_ = 0;
};

// The seed's segments over [0, duration_s]: beginning (first 20%), middle (60%), end (last
// 20%), each with the fused points and each modality's series points whose t_s falls in it
// (a point belongs to the segment holding its t_s), the followed indicators' means weighted
// by the points' results. Segments with nothing in them still appear, with zero counts.
std::vector<burnout::v1::SegmentStats> Segments(
    double duration_s, const std::vector<burnout::v1::ModalitySeries>& series,
    const std::vector<burnout::v1::FusedPoint>& fused);

}  // namespace burnout::orchestrator
