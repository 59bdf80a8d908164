#include "services/fusion/synthetic_profiles.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "common/random/rng.h"

namespace burnout::fusion {
namespace {

using burnout::v1::ModalityResult;

using burnout::random::Rng;

double Clip(double v, double lo, double hi) { return std::min(hi, std::max(lo, v)); }
double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// What a channel expresses: the person's (or a presented, or a random) state.
struct State {
  double energy;
  double stress;
  double expressiveness;  // personal, unrelated to burnout
};

// A channel's raw observation before quality mixing: emotions and indicators in the order
// of DefaultInputSpecs().
struct Observation {
  std::vector<double> emotions;
  std::vector<double> indicators;
};

std::vector<double> Concentration(double total, std::vector<double> weights) {
  double sum = 0.0;
  for (double w : weights) sum += w;
  for (double& w : weights) w = total * w / sum;
  return weights;
}

Observation ObserveText(const State& s, Rng& rng) {
  const double e = s.energy, st = s.stress, f = 1.0 - s.energy;
  Observation o;
  // anger, disgust, fear, joy, neutral, sadness, surprise
  o.emotions = rng.Dirichlet(Concentration(
      10.0, {0.4 + 1.2 * st, 0.25 + 0.5 * st, 0.3 + 0.4 * st + 1.6 * st * f,
             0.2 + 3.0 * e * (1.0 - st), 1.2 + 0.8 * f, 0.2 + 2.4 * f, 0.35 + 0.3 * e}));
  // Per-word rates, counted over a text of 8-250 words (log-uniform): short texts give noisy
  // ratios, as the text analyzer's per-word counts do.
  const int words = static_cast<int>(std::exp(rng.Uniform(std::log(8.0), std::log(250.0))));
  const double fatigue = rng.Binomial(words, 0.001 + 0.03 * f * f) / words;
  const double absolutist = rng.Binomial(words, 0.006 + 0.02 * st + 0.01 * f) / words;
  const double first_person = rng.Binomial(words, 0.045 + 0.04 * st * f + 0.02 * f) / words;
  o.indicators = {fatigue, absolutist, first_person};
  return o;
}

Observation ObserveVoice(const State& s, Rng& rng) {
  const double e = s.energy, st = s.stress, f = 1.0 - s.energy;
  Observation o;
  // neutral, happy, angry, sad
  o.emotions = rng.Dirichlet(Concentration(
      8.0, {1.0 + 1.2 * f, 0.2 + 2.6 * e * (1.0 - st), 0.15 + 1.3 * st * e, 0.15 + 1.8 * f}));
  const double pitch = Clip(
      1.3 + 3.6 * e * (1.0 - 0.4 * st) + 0.5 * s.expressiveness + rng.Normal(0, 0.45), 0.3, 9.0);
  const double speech = Clip(0.42 + 0.42 * e + rng.Normal(0, 0.06), 0.15, 0.97);
  const double rate = Clip(2.6 + 2.2 * e + 0.7 * st * e + rng.Normal(0, 0.35), 1.5, 7.0);
  o.indicators = {pitch, speech, rate};
  return o;
}

Observation ObserveFace(const State& s, Rng& rng) {
  const double e = s.energy, st = s.stress, f = 1.0 - s.energy;
  Observation o;
  // angry, disgust, fear, happy, neutral, sad, surprise
  o.emotions = rng.Dirichlet(Concentration(
      10.0, {0.2 + 0.8 * st, 0.15 + 0.4 * st, 0.15 + 0.6 * st * f, 0.2 + 2.4 * e * (1.0 - st),
             2.0 + 1.0 * f, 0.15 + 1.5 * f, 0.25 + 0.3 * e}));
  const double smile =
      Sigmoid(-2.2 + 4.5 * e * (1.0 - st) + 0.5 * s.expressiveness + rng.Normal(0, 0.6));
  const double eyes = Clip(0.5 + 0.4 * e + rng.Normal(0, 0.08), 0.0, 1.0);
  o.indicators = {smile, eyes};
  return o;
}

Observation Observe(int slot, const State& s, Rng& rng) {
  switch (slot) {
    case 0:
      return ObserveText(s, rng);
    case 1:
      return ObserveVoice(s, rng);
    default:
      return ObserveFace(s, rng);
  }
}

struct Layout {
  burnout::v1::Modality modality;
  std::vector<const char*> emotions;
  std::vector<std::pair<const char*, const char*>> indicators;  // name, unit
};

const std::array<Layout, kSyntheticSlots>& Layouts() {
  static const auto* layouts = new std::array<Layout, kSyntheticSlots>{
      Layout{burnout::v1::MODALITY_TEXT,
             {"anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise"},
             {{"fatigue_term_ratio", "ratio"},
              {"absolutist_ratio", "ratio"},
              {"first_person_ratio", "ratio"}}},
      Layout{burnout::v1::MODALITY_VOICE,
             {"neutral", "happy", "angry", "sad"},
             {{"pitch_variability_st", "semitones"},
              {"speech_ratio", "ratio"},
              {"speaking_rate_sps", "syllables/s"}}},
      Layout{burnout::v1::MODALITY_FACE,
             {"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"},
             {{"smile", "score"}, {"eyes_open", "score"}}},
  };
  return *layouts;
}

ModalityResult ToResult(int slot, const Observation& o, double quality) {
  const Layout& layout = Layouts()[slot];
  ModalityResult r;
  r.set_modality(layout.modality);
  for (size_t i = 0; i < layout.emotions.size(); ++i) {
    auto* e = r.add_emotions();
    e->set_label(layout.emotions[i]);
    e->set_probability(static_cast<float>(o.emotions[i]));
  }
  for (size_t i = 0; i < layout.indicators.size(); ++i) {
    auto* ind = r.add_indicators();
    ind->set_name(layout.indicators[i].first);
    ind->set_unit(layout.indicators[i].second);
    ind->set_value(o.indicators[i]);
  }
  r.set_quality(static_cast<float>(quality));
  if (quality < 0.5) r.add_quality_issues("synthetic: low-quality observation");
  return r;
}

SyntheticProfile MakeProfile(Rng& rng, const ProfileOptions& options) {
  static constexpr double kCentre[3] = {0.18, 0.50, 0.82};
  SyntheticProfile p;
  p.latent_level = rng.UniformInt(0, 2);
  p.label = p.latent_level;
  if (rng.Bernoulli(options.label_noise)) {
    p.label = p.latent_level == 1 ? (rng.Bernoulli(0.5) ? 0 : 2) : 1;
  }
  const double burden = Clip(rng.Normal(kCentre[p.latent_level], 0.09), 0.0, 1.0);
  const State person{Clip(1.0 - burden + rng.Normal(0, 0.12), 0.0, 1.0),
                     Clip(burden + rng.Normal(0, 0.12), 0.0, 1.0), rng.Normal(0, 1)};
  p.energy = static_cast<float>(person.energy);
  p.stress = static_cast<float>(person.stress);
  if (rng.Bernoulli(options.masking_rate)) {
    const double u = rng.Uniform();
    p.masked_slot = u < 0.5 ? 0 : (u < 0.85 ? 2 : 1);
  }
  for (int slot = 0; slot < kSyntheticSlots; ++slot) {
    State shown = person;
    if (slot == p.masked_slot) {
      shown.energy = rng.Uniform(0.6, 0.9);
      shown.stress = rng.Uniform(0.1, 0.35);
    }
    const double quality = rng.Uniform(options.min_quality, 1.0);
    const State unrelated{rng.Uniform(), rng.Uniform(), rng.Normal(0, 1)};
    const Observation signal = Observe(slot, shown, rng);
    const Observation noise = Observe(slot, unrelated, rng);
    Observation mixed = signal;
    for (size_t i = 0; i < mixed.emotions.size(); ++i) {
      mixed.emotions[i] = quality * signal.emotions[i] + (1.0 - quality) * noise.emotions[i];
    }
    // Each indicator is the person's with probability q, else the unrelated state's: the
    // values stay on their natural scale (a text with no fatigue terms still reads 0).
    for (size_t i = 0; i < mixed.indicators.size(); ++i) {
      if (!rng.Bernoulli(quality)) mixed.indicators[i] = noise.indicators[i];
    }
    p.results[slot] = ToResult(slot, mixed, quality);
  }
  const int subset = rng.UniformInt(1, 7);  // bit 0 text, bit 1 voice, bit 2 face
  for (int slot = 0; slot < kSyntheticSlots; ++slot) p.present[slot] = (subset >> slot) & 1;
  return p;
}

}  // namespace

std::vector<SyntheticProfile> GenerateProfiles(int count, uint64_t seed,
                                               const ProfileOptions& options) {
  Rng rng(seed);
  std::vector<SyntheticProfile> out;
  out.reserve(std::max(count, 0));
  for (int i = 0; i < count; ++i) out.push_back(MakeProfile(rng, options));
  return out;
}

burnout::v1::FuseRequest ToFuseRequest(const SyntheticProfile& profile,
                                       const std::array<bool, kSyntheticSlots>& present) {
  burnout::v1::FuseRequest request;
  if (present[0]) *request.mutable_text() = profile.results[0];
  if (present[1]) *request.mutable_voice() = profile.results[1];
  if (present[2]) *request.mutable_face() = profile.results[2];
  return request;
}

}  // namespace burnout::fusion
