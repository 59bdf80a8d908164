#include "orchestrator/insight/baseline.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace burnout::insight {
namespace {

// How an indicator is named in plain words. `noun` is used with z ("stress is above your
// usual"); `phrase` (ratio-scale indicators only) with the relative change: "<phrase> 40%
// <less> <tail>".
struct Wording {
  const char* key;
  const char* noun;
  const char* phrase;  // "" for indicators phrased by z only
  const char* more;
  const char* less;
  const char* tail;
};

// Keys are the indicator names without their modality prefix; extend freely.
const std::vector<Wording>& WordingTable() {
  static const auto* table = new std::vector<Wording>{
      // The 0..1 scores: phrased by z.
      {"risk", "your risk score", "", "", "", ""},
      {"stress", "stress", "", "", "", ""},
      {"energy", "energy", "", "", "", ""},
      {"work", "engagement with work", "", "", "", ""},
      // Voice.
      {"pitch_variability_st", "your pitch variability", "your pitch varied", "more", "less",
       "than it usually does for you"},
      {"f0_range_st", "your pitch range", "your pitch range was", "wider", "narrower",
       "than it usually is"},
      {"energy_variability_db", "your loudness variability", "your loudness varied", "more", "less",
       "than it usually does for you"},
      {"speaking_rate_sps", "your speaking rate", "you spoke", "faster", "slower",
       "than you usually do"},
      {"articulation_rate_sps", "your articulation rate", "you articulated", "faster", "slower",
       "than you usually do"},
      {"pause_mean_s", "your pause length", "your pauses were", "longer", "shorter",
       "than they usually are"},
      {"pause_max_s", "your longest pause", "your longest pause was", "longer", "shorter",
       "than it usually is"},
      {"f0_mean_st", "your pitch", "", "", "", ""},
      {"f0_mean_hz", "your pitch", "", "", "", ""},
      {"loudness_db", "your loudness", "", "", "", ""},
      {"rms_dbfs", "your loudness", "", "", "", ""},
      {"loudness_peak_db", "your loudness peaks", "", "", "", ""},
      {"arousal", "the arousal in your voice", "", "", "", ""},
      {"tension", "the tension in your voice", "", "", "", ""},
      {"perclos", "eyelid closure (PERCLOS)", "your eyes were closed", "more of the time",
       "less of the time", "than they usually are"},
      {"blink_rate_per_min", "your blink rate", "you blinked", "more often", "less often",
       "than you usually do"},
      {"blink_duration_ms", "your blink length", "your blinks lasted", "longer", "shorter",
       "than they usually do"},
      {"yawns", "yawning", "", "", "", ""},
      {"head_nods", "head nodding", "", "", "", ""},
      {"speech_ratio", "your share of speaking time", "you spoke", "more of the time",
       "less of the time", "than you usually do"},
      // Face.
      {"eyes_open", "how open your eyes were", "", "", "", ""},
      {"smile", "smiling", "", "", "", ""},
      // Text: the burnout lexicon's 0..1 dimensions, then word ratios.
      {"exhaustion", "exhaustion in your words", "", "", "", ""},
      {"overload", "overload in your words", "", "", "", ""},
      {"mental_distance", "distance from work in your words", "", "", "", ""},
      {"reduced_efficacy", "doubt about your work in your words", "", "", "", ""},
      {"recovery", "rest and recovery in your words", "", "", "", ""},
      {"fatigue_term_ratio", "your use of tiredness words", "", "", "", ""},
      {"absolutist_ratio", "your use of all-or-nothing words", "", "", "", ""},
      {"first_person_ratio", "your use of \"I\" and \"me\"", "", "", "", ""},
  };
  return *table;
}

std::string Suffix(const std::string& name) {
  const size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

const Wording* FindWording(const std::string& name) {
  for (const std::string& key : {name, Suffix(name)}) {
    for (const Wording& w : WordingTable()) {
      if (key == w.key) return &w;
    }
  }
  return nullptr;
}

// Median of a sorted, non-empty vector.
double SortedMedian(const std::vector<double>& v) {
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

std::map<std::string, double> DefaultScaleFloors() {
  return {{"risk", 0.05},
          {"stress", 0.05},
          {"energy", 0.05},
          {"work", 0.05},
          {"exhaustion", 0.05},
          {"overload", 0.05},
          {"mental_distance", 0.05},
          {"reduced_efficacy", 0.05},
          {"recovery", 0.05},
          {"perclos", 0.02},
          {"loudness_db", 0.5},
          {"rms_dbfs", 0.5},
          {"loudness_peak_db", 0.5},
          {"energy_variability_db", 0.5},
          {"f0_mean_st", 0.1},
          {"pitch_variability_st", 0.1},
          {"f0_range_st", 0.1}};
}

double ScaleFloor(const std::string& name, const BaselineOptions& options) {
  for (const std::string& key : {name, Suffix(name)}) {
    auto it = options.scale_floors.find(key);
    if (it != options.scale_floors.end()) return it->second;
  }
  return options.absolute_floor;
}

RobustStats ComputeRobustStats(std::vector<double> values, double absolute_floor,
                               double relative_floor) {
  RobustStats s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  s.n = static_cast<int>(values.size());
  s.median = SortedMedian(values);
  for (double& v : values) v = std::abs(v - s.median);
  std::sort(values.begin(), values.end());
  s.mad = SortedMedian(values);
  const double floor = std::max(absolute_floor, relative_floor * std::abs(s.median));
  s.scale = std::max(kMadToSd * s.mad, floor);
  if (!(s.scale > 0)) s.scale = 1e-12;  // a zero floor and no spread: still finite z
  return s;
}

const IndicatorBaseline* Baseline::Find(const std::string& name) const {
  auto it = indicators.find(name);
  return it == indicators.end() ? nullptr : &it->second;
}

Baseline ComputeBaseline(const std::vector<Observation>& observations,
                         const BaselineOptions& options) {
  std::map<std::string, std::vector<std::pair<int64_t, double>>> by_name;
  for (const Observation& o : observations) {
    if (!std::isfinite(o.value)) continue;
    by_name[o.name].emplace_back(o.time_ms, o.value);
  }
  Baseline b;
  b.min_observations = options.min_observations;
  for (auto& [name, rows] : by_name) {
    // Newest first; same time: smaller value first. Rows equal in both are interchangeable.
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& c) {
      if (a.first != c.first) return a.first > c.first;
      return a.second < c.second;
    });
    if (options.window > 0 && rows.size() > static_cast<size_t>(options.window)) {
      rows.resize(options.window);
    }
    IndicatorBaseline& ib = b.indicators[name];
    ib.count = static_cast<int>(rows.size());
    ib.newest_ms = rows.front().first;
    ib.oldest_ms = rows.back().first;
    if (ib.count >= std::max(1, options.min_observations)) {
      std::vector<double> values;
      values.reserve(rows.size());
      for (const auto& r : rows) values.push_back(r.second);
      ib.stats =
          ComputeRobustStats(std::move(values), ScaleFloor(name, options), options.relative_floor);
    }
  }
  return b;
}

Deviation Deviate(const std::string& name, double value, const Baseline& baseline) {
  Deviation d;
  d.name = name;
  d.value = value;
  d.need = baseline.min_observations;
  const IndicatorBaseline* ib = baseline.Find(name);
  if (ib == nullptr) return d;
  d.have = ib->count;
  if (!ib->stats || !std::isfinite(value)) return d;
  d.ready = true;
  d.median = ib->stats->median;
  d.scale = ib->stats->scale;
  d.z = std::clamp((value - d.median) / d.scale, -kMaxZ, kMaxZ);
  if (std::abs(d.median) >= kMinRelativeMedian)
    d.relative = (value - d.median) / std::abs(d.median);
  return d;
}

std::string DisplayName(const std::string& name) {
  const Wording* w = FindWording(name);
  if (w == nullptr) return name;
  return *w->phrase != '\0' ? w->phrase : w->noun;
}

std::string DescribeDeviation(const Deviation& d) {
  if (!d.ready || std::abs(d.z) < 1.0) return "";
  const Wording* w = FindWording(d.name);
  const bool up = d.z > 0;
  if (w != nullptr && *w->phrase != '\0' && d.relative && d.median > 0) {
    const int percent =
        static_cast<int>(std::lround(std::min(std::abs(*d.relative), up ? 1e9 : 1.0) * 100.0));
    return absl::StrCat(w->phrase, " ", percent, "% ", up ? w->more : w->less, " ", w->tail);
  }
  const std::string noun = w != nullptr ? w->noun : d.name;
  const char* where =
      std::abs(d.z) >= 2.0 ? (up ? "well above" : "well below") : (up ? "above" : "below");
  // The values, not the z-score: "0.53 against your usual 0.35" is what a person can check.
  return absl::StrFormat("%s is %s your usual (%.3g against your usual %.3g)", noun, where,
                         d.value, d.median);
}

std::string ColdStartMessage(int have, int need) {
  const int more = need - have;
  if (more <= 0) return "";
  return absl::StrCat(more, " more ", more == 1 ? "assessment" : "assessments",
                      " to learn your baseline");
}

}  // namespace burnout::insight
