// Escalation alerts: a score (risk, stress, ...) that has stayed above the person's own usual
// over several days, not one bad assessment. Pure functions, no I/O; thread-safe. Recomputed
// from the full history each time, so stored alerts can always be rebuilt: the same values in,
// in any order, give the same episodes out.
//
// DailyMeans: each value's local day is floor((time_ms + utc_offset_minutes * 60000) /
// 86400000) (days since 1970-01-01, local calendar); a day's mean is the plain mean of its
// finite values (summed in sorted order, so it does not depend on arrival order).
//
// DetectEscalations walks the observed days in order (days without data are simply absent):
//   sign     = -1 for a kind ending in "_falling" (e.g. "energy_falling"), else +1.
//   run      = observed days where no two neighbours are more than max_gap_days apart; a longer
//              gap starts a new run (the smoothing and the streaks start over).
//   level(d) = median of the daily means of the last smooth_days observed days of d's run up
//              to d; no level (no decision) before the run has smooth_days days. The median of
//              three means one bad day, however bad, never moves the level.
//   baseline = median and scale = max(1.4826 MAD, min_scale) of the daily means of the
//              observed days in the baseline_days calendar days that end guard_days before
//              the first day of d's smoothing window. The guard keeps the first days of a
//              gradual rise out of the baseline they are judged against. Days of earlier
//              episodes (onset..cleared) are left out, so past escalations do not count as
//              usual; the span then reaches back further by the left-out days. Not ready with
//              fewer than min_baseline_days such days (no decision: the raise streak restarts).
//              While an episode is active its baseline is frozen at the one it was raised
//              against: a long escalation does not become the new normal while it lasts.
//   z(d)     = sign (level - median) / scale.
// Inactive: z >= raise_z on raise_days consecutive decided days raises an episode, unless d is
// within cooldown_days after the last clear of this kind (the streak still counts, so an
// elevation outlasting the cooldown raises on the first day after it). Active: z <= clear_z on
// clear_days consecutive decided days clears it. Between clear_z and raise_z the state holds
// (hysteresis): an active episode does not clear, an inactive one does not raise.
//
// With daily data and the defaults: a step rise is raised 3 days after it began (on its 4th
// day); a new person's first decision needs min_baseline_days + guard_days + smooth_days = 15
// days of history. Measured in tests/orchestrator/alerts_test.cc on stationary noise (sd 0.08
// around 0.3): 0.16 false episodes a person-year.
//
// Long gaps: an active episode stays active across any gap (it is about the person, not the
// calendar) and is judged against its frozen baseline once smooth_days new days are in; if
// `today` is more than stale_days after its last data, the message says there is no recent
// data. With no active episode, a gap longer than about baseline_days + guard_days empties the
// baseline: no alert until min_baseline_days observed days have been learned again (a person
// coming back already worse is not compared with a usual months old).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/insight/timed_value.h"

namespace burnout::insight {

struct DailyPoint {
  int64_t day = 0;  // local calendar day, days since 1970-01-01
  double mean = 0;
  int n = 0;  // values that day
};

// Days ascending, one point per day with at least one finite value.
std::vector<DailyPoint> DailyMeans(const std::vector<TimedValue>& values, int utc_offset_minutes);

// The local day of a time (floor division, so times before 1970 work too).
int64_t LocalDay(int64_t time_ms, int utc_offset_minutes);

// "2024-03-05" for a day number.
std::string DayString(int64_t day);

struct AlertOptions {
  // Raise when the smoothed level is this many scales above the baseline median ...
  double raise_z = 2.0;
  // ... and clear when it is back within this many (hysteresis band in between).
  double clear_z = 1.0;
  // Consecutive decided days at or above raise_z to raise. With the median-of-3 level a raise
  // needs three elevated days in a row and comes on the 4th day of a sustained rise. 2 raises
  // a day sooner but, on stationary noise, about 5x as often (0.9 vs 0.19 false episodes a
  // person-year in alerts_test's setting).
  int raise_days = 3;
  // Consecutive decided days at or below clear_z to clear.
  int clear_days = 2;
  // Days after a clear on which no new episode of the same kind is raised. The raise streak
  // still counts during them, so a re-rise that outlasts the cooldown is raised on the day
  // after it. (With raise_days 3 and the level's lag, a cooldown under 4 days never bites.)
  int cooldown_days = 7;
  // Calendar days of history the baseline is learned from (see guard_days).
  int baseline_days = 28;
  // Observed days the baseline needs before anything is raised.
  int min_baseline_days = 5;
  // Scale floor, in the score's unit: 0.05 on a 0..1 score, so a person whose score barely
  // moves is not alerted by a 0.06 change.
  double min_scale = 0.05;
  // Observed days the level is the median of.
  int smooth_days = 3;
  // Calendar days between the baseline's end and the smoothing window. Without it a rise over
  // a week leaks into its own baseline (the MAD grows): in alerts_test's setting 4 in 300
  // week-long ramps went unraised (0 with it) and a 2.5-sd step was missed 69 times in 300
  // (16 with it), for the same false-alarm rate.
  int guard_days = 7;
  // A gap longer than this (days between two observed days) restarts smoothing and streaks.
  int max_gap_days = 7;
  // An active episode with no data for longer than this (before `today`) says so.
  int stale_days = 14;
};

struct AlertEpisode {
  std::string kind;        // "risk_rising", "stress_rising", "energy_falling", ...
  int64_t raised_day = 0;  // the day the raise condition was met
  std::optional<int64_t> cleared_day;
  double baseline_median = 0;  // the frozen baseline it was raised against
  double baseline_scale = 0;
  double value_at_raise = 0;  // level and z on raised_day
  double z_at_raise = 0;
  double peak_value = 0;  // level and z on the day of the highest z while active
  double peak_z = 0;
  int64_t peak_day = 0;
  double value_at_clear = 0;  // level on cleared_day (0 while active)
  // Added beyond the stored fields, for the messages:
  int64_t onset_day = 0;    // first elevated day: the earliest day in the smoothing window of the
                            // streak's first day whose own daily mean had z >= raise_z
                            // (after the previous episode's clear), else that first day
  int64_t last_day = 0;     // last observed day while active (cleared_day once cleared)
  double latest_value = 0;  // level and z on last_day
  double latest_z = 0;
};

// Episodes in raised_day order; at most the last one is active (no cleared_day). `days` may be
// in any order; points sharing a day are merged (n-weighted mean).
std::vector<AlertEpisode> DetectEscalations(const std::string& kind,
                                            const std::vector<DailyPoint>& days,
                                            const AlertOptions& options = {});

// Active and its last data more than options.stale_days before `today`.
bool NoRecentData(const AlertEpisode& episode, int64_t today, const AlertOptions& options = {});

// Plain words for an episode as of `today` (a local day number):
//   active:  "Your stress has been above your usual for 3 days (0.68 against your usual 0.35)."
//            (days counted onset_day..last_day; the value is the latest level)
//   stale:   "Your stress was above your usual for 3 days up to 2024-03-05 (0.68 against your
//            usual 0.35). No recent data since then."
//   cleared: "Cleared on 2024-03-09: your stress came back toward your usual."
// "below" for a falling kind; the score is named from the kind (risk -> "your risk score").
std::string EscalationMessage(const AlertEpisode& episode, int64_t today,
                              const AlertOptions& options = {});

}  // namespace burnout::insight
