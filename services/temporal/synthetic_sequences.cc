#include "services/temporal/synthetic_sequences.h"

#include <algorithm>
#include <cmath>

#include <array>

#include "common/random/rng.h"
#include "common/state/state_formulas.h"
#include "common/state/synthetic_text.h"

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

SyntheticSequence MakeSequence(Rng& rng, const SequenceOptions& o) {
  SyntheticSequence seq;
  const int n = rng.UniformInt(o.min_steps, o.max_steps);
  seq.latent_trend = rng.UniformInt(0, 2);
  double start = 0.0, change = 0.0, wobble = 0.0, period = 1.0, phase = 0.0;
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
      period = rng.Uniform(4.0, 12.0);
      phase = rng.Uniform(0.0, 2.0 * M_PI);
      break;
  }
  const double gamma = rng.Uniform(0.6, 1.6);
  const double sd = rng.Uniform(0.04, 0.10);
  for (int t = 0; t < n; ++t) {
    const double progress = n > 1 ? static_cast<double>(t) / (n - 1) : 1.0;
    double b = start + change * std::pow(progress, gamma) +
               wobble * std::sin(2.0 * M_PI * t / period + phase);
    b = std::min(0.98, std::max(0.02, b));
    if (t == 0) seq.start_burden = static_cast<float>(b);
    if (t == n - 1) seq.end_burden = static_cast<float>(b);
    const bool outlier = rng.Bernoulli(o.outlier_rate);
    if (outlier) {
      const double shift = rng.Uniform(0.25, 0.45);
      b = Clip(rng.Bernoulli(0.7) ? b + shift : b - shift);
    }
    if (t == n - 1) seq.newest_is_outlier = outlier;
    seq.steps.push_back(Step(b, sd, rng));
  }
  seq.label = rng.Bernoulli(o.label_noise) ? rng.UniformInt(0, 2) : seq.latent_trend;
  return seq;
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

}  // namespace burnout::temporal
