#include "orchestrator/insight/alerts.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "orchestrator/insight/baseline.h"

namespace burnout::insight {
namespace {

constexpr int64_t kDayMs = 86400000;

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Sorted by day, one point per day: points sharing a day merge into their n-weighted mean
// (n <= 0 counts as 1), summed in a fixed order; non-finite means are dropped.
std::vector<DailyPoint> Normalise(std::vector<DailyPoint> days) {
  days.erase(std::remove_if(days.begin(), days.end(),
                            [](const DailyPoint& p) { return !std::isfinite(p.mean); }),
             days.end());
  std::sort(days.begin(), days.end(), [](const DailyPoint& a, const DailyPoint& b) {
    if (a.day != b.day) return a.day < b.day;
    if (a.mean != b.mean) return a.mean < b.mean;
    return a.n < b.n;
  });
  std::vector<DailyPoint> out;
  for (size_t i = 0; i < days.size();) {
    size_t j = i;
    double sum = 0;
    int n = 0;
    for (; j < days.size() && days[j].day == days[i].day; ++j) {
      const int w = std::max(1, days[j].n);
      sum += days[j].mean * w;
      n += w;
    }
    out.push_back({days[i].day, j - i == 1 ? days[i].mean : sum / n, j - i == 1 ? days[i].n : n});
    i = j;
  }
  return out;
}

std::string ScoreNoun(const std::string& kind) {
  std::string base = kind;
  for (const char* suffix : {"_rising", "_falling"}) {
    if (absl::EndsWith(base, suffix)) base.resize(base.size() - std::string(suffix).size());
  }
  if (base == "risk") return "your risk score";
  if (base == "work") return "your engagement with work";
  return absl::StrCat("your ", base);
}

std::string Capitalised(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace

int64_t LocalDay(int64_t time_ms, int utc_offset_minutes) {
  return FloorDiv(time_ms + int64_t{utc_offset_minutes} * 60000, kDayMs);
}

std::string DayString(int64_t day) {
  // Howard Hinnant's civil_from_days.
  const int64_t z = day + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return absl::StrFormat("%04d-%02d-%02d", y, m, d);
}

std::vector<DailyPoint> DailyMeans(const std::vector<TimedValue>& values, int utc_offset_minutes) {
  std::vector<std::pair<int64_t, double>> rows;
  rows.reserve(values.size());
  for (const TimedValue& v : values) {
    if (std::isfinite(v.value)) rows.emplace_back(LocalDay(v.time_ms, utc_offset_minutes), v.value);
  }
  std::sort(rows.begin(), rows.end());
  std::vector<DailyPoint> out;
  for (size_t i = 0; i < rows.size();) {
    size_t j = i;
    double sum = 0;
    for (; j < rows.size() && rows[j].first == rows[i].first; ++j) sum += rows[j].second;
    const int n = static_cast<int>(j - i);
    out.push_back({rows[i].first, sum / n, n});
    i = j;
  }
  return out;
}

std::vector<AlertEpisode> DetectEscalations(const std::string& kind,
                                            const std::vector<DailyPoint>& input,
                                            const AlertOptions& options) {
  const std::vector<DailyPoint> days = Normalise(input);
  const double sign = absl::EndsWith(kind, "_falling") ? -1.0 : 1.0;
  const int smooth = std::max(1, options.smooth_days);
  const int raise_days = std::max(1, options.raise_days);
  const int clear_days = std::max(1, options.clear_days);

  std::vector<AlertEpisode> episodes;
  std::vector<std::pair<int64_t, int64_t>> excluded;  // [onset, cleared] of cleared episodes
  bool active = false;
  double base_median = 0, base_scale = 0;                       // frozen while active
  int64_t blocked_until = std::numeric_limits<int64_t>::min();  // cooldown: last blocked day
  size_t run_start = 0;
  int raise_count = 0, clear_count = 0;
  size_t streak_first = 0;

  for (size_t i = 0; i < days.size(); ++i) {
    const int64_t d = days[i].day;
    if (i > 0 && d - days[i - 1].day > options.max_gap_days) {
      run_start = i;
      raise_count = clear_count = 0;
    }
    if (i + 1 - run_start < static_cast<size_t>(smooth)) continue;  // no level yet
    const size_t first = i + 1 - smooth;
    std::vector<double> recent;
    for (size_t j = first; j <= i; ++j) recent.push_back(days[j].mean);
    const double level = Median(std::move(recent));

    double median = base_median, scale = base_scale;
    if (!active) {
      // The baseline_days calendar days before the window, not counting past episodes' days:
      // the span reaches back further by the episode days inside it.
      const int64_t to = days[first].day - 1 - std::max(0, options.guard_days);
      int64_t cursor = to, need = options.baseline_days;
      for (auto it = excluded.rbegin(); it != excluded.rend(); ++it) {
        const auto& [a, b] = *it;  // newest first; spans are disjoint and ordered
        if (a > cursor) continue;
        const int64_t free = cursor - std::min(b, cursor);  // usual days in (b, cursor]
        if (free >= need) break;
        need -= free;
        cursor = a - 1;
      }
      const int64_t from = cursor - need + 1;
      std::vector<double> base;
      const auto begin =
          std::lower_bound(days.begin(), days.begin() + first, from,
                           [](const DailyPoint& p, int64_t day) { return p.day < day; });
      for (size_t j = begin - days.begin(); j < first; ++j) {
        const int64_t day = days[j].day;
        if (day > to) break;
        bool in_episode = false;
        for (const auto& [a, b] : excluded) in_episode = in_episode || (day >= a && day <= b);
        if (!in_episode) base.push_back(days[j].mean);
      }
      if (static_cast<int>(base.size()) < std::max(1, options.min_baseline_days)) {
        raise_count = 0;  // no decision without a baseline
        continue;
      }
      const RobustStats s = ComputeRobustStats(std::move(base), options.min_scale, 0.0);
      median = s.median;
      scale = s.scale;
    }
    const double z = sign * (level - median) / scale;

    if (active) {
      AlertEpisode& e = episodes.back();
      e.last_day = d;
      e.latest_value = level;
      e.latest_z = z;
      if (z > e.peak_z) {
        e.peak_z = z;
        e.peak_value = level;
        e.peak_day = d;
      }
      clear_count = z <= options.clear_z ? clear_count + 1 : 0;
      if (clear_count >= clear_days) {
        e.cleared_day = d;
        e.value_at_clear = level;
        excluded.emplace_back(e.onset_day, d);
        active = false;
        blocked_until = d + options.cooldown_days;
        raise_count = clear_count = 0;
      }
      continue;
    }

    if (z >= options.raise_z) {
      if (raise_count == 0) streak_first = i;
      ++raise_count;
    } else {
      raise_count = 0;
    }
    if (raise_count < raise_days || d <= blocked_until) continue;

    AlertEpisode e;
    e.kind = kind;
    e.raised_day = d;
    e.baseline_median = median;
    e.baseline_scale = scale;
    e.value_at_raise = e.peak_value = e.latest_value = level;
    e.z_at_raise = e.peak_z = e.latest_z = z;
    e.peak_day = e.last_day = d;
    e.onset_day = days[streak_first].day;
    const size_t window_first = streak_first + 1 - smooth;
    for (size_t j = window_first; j <= streak_first; ++j) {
      if (!excluded.empty() && days[j].day <= excluded.back().second) continue;  // disjoint spans
      if (sign * (days[j].mean - median) / scale >= options.raise_z) {
        e.onset_day = days[j].day;
        break;
      }
    }
    episodes.push_back(e);
    active = true;
    base_median = median;
    base_scale = scale;
    raise_count = clear_count = 0;
  }
  return episodes;
}

bool NoRecentData(const AlertEpisode& episode, int64_t today, const AlertOptions& options) {
  return !episode.cleared_day && today - episode.last_day > options.stale_days;
}

std::string EscalationMessage(const AlertEpisode& e, int64_t today, const AlertOptions& options) {
  const std::string noun = ScoreNoun(e.kind);
  if (e.cleared_day) {
    return absl::StrCat("Cleared on ", DayString(*e.cleared_day), ": ", noun,
                        " came back toward your usual.");
  }
  const char* where = absl::EndsWith(e.kind, "_falling") ? "below" : "above";
  const int64_t n = e.last_day - e.onset_day + 1;
  const std::string span = absl::StrCat(n, n == 1 ? " day" : " days");
  const std::string numbers =
      absl::StrFormat("(%.2f against your usual %.2f)", e.latest_value, e.baseline_median);
  if (NoRecentData(e, today, options)) {
    return absl::StrCat(Capitalised(noun), " was ", where, " your usual for ", span, " up to ",
                        DayString(e.last_day), " ", numbers, ". No recent data since then.");
  }
  return absl::StrCat(Capitalised(noun), " has been ", where, " your usual for ", span, " ",
                      numbers, ".");
}

}  // namespace burnout::insight
