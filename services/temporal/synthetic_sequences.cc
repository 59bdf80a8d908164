#include "services/temporal/synthetic_sequences.h"

#include <algorithm>
#include <cmath>

#include <array>

#include "common/random/rng.h"
#include "common/state/state_formulas.h"
#include "common/state/synthetic_text.h"
#include "common/state/trend_features.h"

namespace burnout::temporal {
namespace {

using burnout::random::Rng;

double Clip(double v) { return std::min(1.0, std::max(0.0, v)); }

// One assessment's feature vector for burden `b` (see the header's assumptions 3 and 4).
std::vector<float> Step(double b, double sd, Rng& rng) {
  // The person's latent state on the day, then what the analyzers and the state engine
  // would report about it.
  const double e = Clip(1.0 - b + rng.Normal(0, sd));
  const double s = Clip(0.15 + 0.7 * b + rng.Normal(0, sd));
  const double d = Clip(b + rng.Normal(0, sd + 0.05));
  const double ie = Clip(0.15 + 0.7 * b + rng.Normal(0, sd + 0.05));
  const double f = 1.0 - e;
  const bool text_used = rng.Bernoulli(0.7);
  state::DrawnDimensions dims;
  if (text_used) {
    const int words = static_cast<int>(std::exp(rng.Uniform(std::log(8.0), std::log(250.0))));
    dims = state::DrawTextDimensions({e, s, d, ie}, words, rng);
  }
  const double w[7] = {0.4 + 1.2 * s,
                       0.25 + 0.5 * s,
                       0.3 + 0.4 * s + 1.6 * s * f,
                       0.2 + 3.0 * e * (1 - s) + 1.2 * dims.loss_mentions,
                       1.6 + 0.8 * f,
                       0.2 + 2.4 * f,
                       0.35 + 0.3 * e};
  double wsum = 0.0;
  for (double x : w) wsum += x;
  std::array<double, 7> p;
  double psum = 0.0;
  for (int k = 0; k < 7; ++k) psum += p[k] = std::max(rng.Gamma(10.0 * w[k] / wsum), 1e-12);
  for (double& x : p) x /= psum;
  // The joy that loss mentions add is not present joy (orchestrator/state_engine.h): the
  // orchestrator moves it to neutral, and so does this.
  if (dims.loss_mentions > 0) {
    const double present = dims.recovery < 1.0 ? -std::log(1.0 - dims.recovery) : 10.0;
    double loss = 0;
    for (int i = 0; i < dims.loss_mentions; ++i) loss += 0.55;
    const double share = present / (present + loss);
    p[4] += p[3] * (1.0 - share);
    p[3] *= share;
  }
  state::TextSignals text;
  text.has_dimensions = text_used;
  text.exhaustion = dims.exhaustion;
  text.overload = dims.overload;
  text.mental_distance = dims.mental_distance;
  text.reduced_efficacy = dims.reduced_efficacy;
  text.recovery = dims.recovery;
  text.absolutist_ratio = text_used ? std::max(0.0, 0.006 + 0.02 * s + 0.01 * f + rng.Normal(0, 0.006)) : 0.0;
  const state::StateValues v = state::ComputeStateValues(p, text);
  const double risk = 1.0 / (1.0 + std::exp(-(7.0 * (b - 0.5) + rng.Normal(0, 0.7))));
  std::vector<float> out = {static_cast<float>(v.energy), static_cast<float>(v.stress),
                            static_cast<float>(v.work), static_cast<float>(risk)};
  for (int k = 0; k < 6; ++k) out.push_back(static_cast<float>(p[k]));
  return out;
}

// Assumption 1: a gap later the same day, kept within the day when there is room.
double SameDayGap(double t, Rng& rng) {
  const double room = std::floor(t) + 1.0 - t - 0.005;
  return rng.Uniform(0.03, room >= 0.04 ? std::min(0.35, room) : 0.35);
}

// Assumption 1: a gap drawn from the person's habit (weights over the four kinds).
double HabitGap(const std::array<double, 4>& habit, double t, Rng& rng) {
  double u = rng.Uniform();
  int kind = 0;
  while (kind < 3 && u >= habit[kind]) u -= habit[kind++];
  switch (kind) {
    case 0:
      return SameDayGap(t, rng);
    case 1:
      return rng.Uniform(0.6, 2.5);
    case 2:
      return rng.Uniform(3.0, 10.0);
    default:
      return rng.Uniform(14.0, 24.0);
  }
}

// One calendar day of a sequence (assumptions 3 and 5).
struct Day {
  double shift = 0.0;   // outlier-day shift in burden, 0 on an ordinary day
  double offset = 0.0;  // the day's own offset
};

double OutlierShift(Rng& rng, bool bad) {
  const double size = rng.Uniform(0.25, 0.45);
  return bad ? size : -size;
}

std::vector<float> WithGap(std::vector<float> step, double gap_days) {
  step.push_back(static_cast<float>(EncodeGapDays(gap_days)));
  return step;
}

SyntheticSequence MakeSequence(Rng& rng, const SequenceOptions& o) {
  SyntheticSequence seq;
  const int n = rng.UniformInt(o.min_steps, o.max_steps);
  // Times and days first (assumptions 1 and 5); they do not depend on the burden.
  std::array<double, 4> habit;
  {
    constexpr double kMean[4] = {0.15, 0.45, 0.30, 0.10};
    double sum = 0.0;
    for (int k = 0; k < 4; ++k) sum += habit[k] = std::max(rng.Gamma(4.0 * kMean[k]), 1e-12);
    for (double& w : habit) w /= sum;
  }
  const double day_sd = rng.Uniform(0.02, 0.05);
  const bool final_burst = rng.Bernoulli(o.final_bad_day_rate);
  const int burst = final_burst ? rng.UniformInt(1, std::min(4, n - 1)) : 0;
  std::vector<double> t(n);
  std::vector<int> day_of(n);
  std::vector<Day> days;
  t[0] = rng.Uniform(0.25, 0.85);
  for (int i = 0; i < n; ++i) {
    const bool in_burst = final_burst && i >= n - burst;
    if (i > 0) {
      const bool repeat_bad_day =
          days[day_of[i - 1]].shift > 0.0 && rng.Bernoulli(o.bad_day_repeat);
      const bool same_day = (in_burst && i > n - burst) || repeat_bad_day;
      t[i] = t[i - 1] + (same_day ? SameDayGap(t[i - 1], rng) : HabitGap(habit, t[i - 1], rng));
    }
    if (i == 0 || std::floor(t[i]) != std::floor(t[i - 1])) {
      Day d;
      if (rng.Bernoulli(o.outlier_day_rate)) d.shift = OutlierShift(rng, rng.Bernoulli(0.7));
      d.offset = rng.Normal(0.0, day_sd);
      days.push_back(d);
    }
    day_of[i] = static_cast<int>(days.size()) - 1;
    // The newest assessments' day is a bad one (also if it began before the burst).
    if (in_burst && days.back().shift <= 0.0) days.back().shift = OutlierShift(rng, true);
  }
  const double span = t[n - 1] - t[0];

  // The latent trajectory in time (assumption 2).
  seq.latent_trend = span >= o.min_trend_days ? rng.UniformInt(0, 2) : 1;
  double start = 0.0, change = 0.0, wobble = 0.0, period = 1.0, phase = 0.0, onset = 0.0;
  switch (seq.latent_trend) {
    case 0:  // improving
      start = rng.Uniform(0.45, 0.92);
      change = -rng.Uniform(0.2, 0.5);
      break;
    case 2:  // worsening
      start = rng.Uniform(0.08, 0.55);
      change = rng.Uniform(0.2, 0.5);
      break;
    default:  // stable
      start = rng.Uniform(0.1, 0.9);
      change = rng.Uniform(-0.06, 0.06);
      wobble = rng.Uniform(0.0, 0.05);
      period = rng.Uniform(5.0, 25.0);
      phase = rng.Uniform(0.0, 2.0 * M_PI);
      break;
  }
  if (seq.latent_trend != 1 && rng.Bernoulli(0.5)) onset = rng.Uniform(0.2, 0.6);
  const double gamma = rng.Uniform(0.6, 1.6);
  const double sd = rng.Uniform(0.04, 0.10);
  for (int i = 0; i < n; ++i) {
    const double elapsed = t[i] - t[0];
    const double progress = span > 0.0 ? elapsed / span : 1.0;
    const double p = progress > onset ? (progress - onset) / (1.0 - onset) : 0.0;
    double b = start + change * std::pow(p, gamma) +
               wobble * std::sin(2.0 * M_PI * elapsed / period + phase);
    b = std::min(0.98, std::max(0.02, b));
    if (i == 0) seq.start_burden = static_cast<float>(b);
    if (i == n - 1) seq.end_burden = static_cast<float>(b);
    const Day& d = days[day_of[i]];
    seq.days.push_back(elapsed);
    seq.steps.push_back(
        WithGap(Step(Clip(b + d.offset + d.shift), sd, rng), i > 0 ? t[i] - t[i - 1] : 0.0));
  }
  const Day& newest = days[day_of[n - 1]];
  seq.newest_is_outlier = newest.shift != 0.0;
  seq.newest_day_is_bad = newest.shift > 0.0;
  seq.newest_day_assessments =
      static_cast<int>(std::count(day_of.begin(), day_of.end(), day_of[n - 1]));
  seq.label = rng.Bernoulli(o.label_noise) ? rng.UniformInt(0, 2) : seq.latent_trend;
  return seq;
}

BurstProbe MakeProbe(Rng& rng) {
  const int stable_steps = rng.UniformInt(6, 10);
  const double level = rng.Uniform(0.15, 0.5);
  const double shift = rng.Uniform(0.3, 0.45);
  const double sd = rng.Uniform(0.04, 0.08);
  BurstProbe probe;
  probe.clustered.latent_trend = probe.clustered.label = 1;
  probe.spread.latent_trend = probe.spread.label = 2;
  double tc = 0.0, ts = 0.0;
  for (int i = 0; i < stable_steps + 4; ++i) {
    const bool bad = i >= stable_steps;
    double clustered_gap = 0.0, spread_gap = 0.0;
    if (i > 0 && i <= stable_steps) {
      clustered_gap = spread_gap = rng.Uniform(0.6, 3.0);
    } else if (i > stable_steps) {
      clustered_gap = rng.Uniform(0.05, 0.15);
      spread_gap = rng.Uniform(6.0, 9.0);
    }
    tc += clustered_gap;
    ts += spread_gap;
    const std::vector<float> values = Step(Clip(level + (bad ? shift : 0.0)), sd, rng);
    probe.clustered.days.push_back(tc);
    probe.clustered.steps.push_back(WithGap(values, clustered_gap));
    probe.spread.days.push_back(ts);
    probe.spread.steps.push_back(WithGap(values, spread_gap));
  }
  for (SyntheticSequence* s : {&probe.clustered, &probe.spread}) {
    s->start_burden = static_cast<float>(level);
    s->end_burden = static_cast<float>(level + (s == &probe.spread ? shift : 0.0));
    s->newest_is_outlier = s->newest_day_is_bad = s == &probe.clustered;
    s->newest_day_assessments = s == &probe.clustered ? 4 : 1;
  }
  return probe;
}

}  // namespace

std::vector<SyntheticSequence> GenerateSequences(int count, uint64_t seed,
                                                 const SequenceOptions& options) {
  Rng rng(seed);
  std::vector<SyntheticSequence> out;
  out.reserve(std::max(count, 0));
  for (int i = 0; i < count; ++i) out.push_back(MakeSequence(rng, options));
  return out;
}

std::vector<BurstProbe> GenerateBurstProbes(int count, uint64_t seed) {
  Rng rng(seed);
  std::vector<BurstProbe> out;
  out.reserve(std::max(count, 0));
  for (int i = 0; i < count; ++i) out.push_back(MakeProbe(rng));
  return out;
}

}  // namespace burnout::temporal
