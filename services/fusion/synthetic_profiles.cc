#include "services/fusion/synthetic_profiles.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <utility>

#include "common/random/rng.h"
#include "common/state/synthetic_text.h"
#include "common/schema/face_schema.h"
#include "common/schema/text_schema.h"
#include "common/schema/voice_mapping.h"
#include "common/schema/voice_schema.h"

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
  double distance = 0.5;    // mental distance from work (cynicism)
  double inefficacy = 0.5;  // lost sense of efficacy
};

// A channel's raw observation before quality mixing: emotions and indicators in the order
// of DefaultInputSpecs().
struct Observation {
  std::vector<double> emotions;
  std::vector<double> indicators;
  std::vector<bool> carried;  // per indicator (empty: all); an optional one may be left out
};

std::vector<double> Concentration(double total, std::vector<double> weights) {
  double sum = 0.0;
  for (double w : weights) sum += w;
  for (double& w : weights) w = total * w / sum;
  return weights;
}

// A recording's own properties: the same whoever is heard in it (not swapped by quality).
struct Recording {
  double duration_s;
  double gain_db;
};

// The independently drawn voice quantities (synthetic_profiles.h, 4a); quality mixing swaps
// each one, and the derived indicators are computed from the swapped values.
enum VoiceDrawn {
  kSpeechRatio,
  kArticulationRate,
  kVoicedShare,
  kPitchVariability,
  kF0RangeFactor,
  kF0PeakShare,
  kEnergyVariability,
  kEffortDb,
  kJitter,
  kShimmerDb,
  kHnrDb,
  kVoiceDrawnCount
};

Observation ObserveVoice(const State& s, Rng& rng) {
  const double e = s.energy, st = s.stress, f = 1.0 - s.energy;
  Observation o;
  o.indicators.resize(kVoiceDrawnCount);
  auto& v = o.indicators;
  v[kSpeechRatio] = Clip(0.50 + 0.38 * e + rng.Normal(0, 0.06), 0.15, 0.97);
  v[kArticulationRate] = Clip(4.0 + 1.6 * e + 0.5 * st * e + rng.Normal(0, 0.3), 2.5, 7.5);
  v[kVoicedShare] = Clip(0.72 - 0.08 * f + rng.Normal(0, 0.04), 0.4, 0.9);
  v[kPitchVariability] = Clip(
      1.3 + 3.6 * e * (1.0 - 0.4 * st) + 0.5 * s.expressiveness + rng.Normal(0, 0.45), 0.3, 9.0);
  v[kF0RangeFactor] = 3.3 * std::exp(rng.Normal(0, 0.1));
  v[kF0PeakShare] = Clip(0.5 * std::exp(rng.Normal(0, 0.12)), 0.25, 0.9);
  v[kEnergyVariability] =
      Clip(4.5 + 3.5 * e + 1.0 * st * e + 0.4 * s.expressiveness + rng.Normal(0, 1.0), 1.5, 15.0);
  v[kEffortDb] = 2.5 * (e - 0.5) + 3.0 * (st - 0.5) + rng.Normal(0, 1.0);
  v[kJitter] = Clip((0.012 + 0.008 * st + 0.008 * f) * std::exp(rng.Normal(0, 0.25)), 0.002, 0.1);
  v[kShimmerDb] = Clip(0.7 + 0.3 * st + 0.3 * f + rng.Normal(0, 0.15), 0.1, 3.0);
  v[kHnrDb] = Clip(13.0 - 4.8 * st - 3.2 * f + rng.Normal(0, 2.4), 0.0, 30.0);
  return o;
}

// Turns drawn voice quantities into the analyzer's indicators and the voice model's
// emotions. Every indicator the model uses but the generator does not draw stays at the
// model's reference mean (z = 0).
class VoiceMapper {
 public:
  explicit VoiceMapper(const burnout::schema::VoiceMapping& mapping) : mapping_(mapping) {
    base_.assign(burnout::schema::kNumVoiceIndicators, 0.0);
    for (const auto& f : mapping.spec().features()) {
      const int i = burnout::schema::VoiceIndicatorIndex(f.name().c_str());
      if (i >= 0) base_[static_cast<size_t>(i)] = f.mean();
    }
    for (size_t i = 0; i < std::size(kEmitted); ++i) {
      analysis_index_[i] = burnout::schema::VoiceIndicatorIndex(kEmitted[i].name);
    }
  }

  // The voice result (indicators in `kEmitted` order, then emotion_evidence) and its
  // emotions, from swapped drawn quantities `v`.
  ModalityResult Result(const Recording& rec, const std::vector<double>& v,
                        double quality) const {
    const double speech = v[kSpeechRatio];
    const double values[] = {
        v[kPitchVariability],
        speech,
        v[kArticulationRate] * speech,
        rec.duration_s,
        speech * v[kVoicedShare],
        v[kArticulationRate],
        v[kPitchVariability] * v[kF0RangeFactor],
        v[kPitchVariability] * v[kF0RangeFactor] * v[kF0PeakShare],
        v[kEnergyVariability],
        Clip(-26.0 + rec.gain_db + v[kEffortDb], -60.0, -3.0),
        v[kJitter],
        v[kShimmerDb],
        v[kHnrDb],
    };
    std::vector<double> a = base_;
    ModalityResult r;
    r.set_modality(burnout::v1::MODALITY_VOICE);
    for (size_t i = 0; i < std::size(kEmitted); ++i) {
      if (analysis_index_[i] >= 0) a[static_cast<size_t>(analysis_index_[i])] = values[i];
      auto* ind = r.add_indicators();
      ind->set_name(kEmitted[i].name);
      ind->set_unit(kEmitted[i].unit);
      ind->set_value(values[i]);
    }
    const burnout::schema::VoiceEstimate est = mapping_.Estimate(a, quality);
    const auto& labels = mapping_.spec().labels();
    for (int i = 0; i < labels.size(); ++i) {
      auto* e = r.add_emotions();
      e->set_label(labels[i]);
      e->set_probability(est.probabilities[i]);
    }
    auto* ev = r.add_indicators();
    ev->set_name("emotion_evidence");
    ev->set_unit("ratio");
    ev->set_value(est.evidence);
    return r;
  }

 private:
  struct Emitted {
    const char* name;
    const char* unit;
  };
  // The first three are the fusion voice slot's indicators (DefaultInputSpecs()).
  static constexpr Emitted kEmitted[] = {
      {"pitch_variability_st", "semitones"}, {"speech_ratio", "ratio"},
      {"speaking_rate_sps", "syllables/s"},  {"duration_s", "s"},
      {"voiced_ratio", "ratio"},             {"articulation_rate_sps", "syllables/s"},
      {"f0_range_st", "semitones"},          {"f0_peak_st", "semitones"},
      {"energy_variability_db", "dB"},
      {"rms_dbfs", "dB"},                    {"jitter_local", "ratio"},
      {"shimmer_local_db", "dB"},            {"hnr_db", "dB"},
  };

  const burnout::schema::VoiceMapping& mapping_;
  std::vector<double> base_;  // every published indicator at the mapping's reference mean
  std::array<int, std::size(kEmitted)> analysis_index_;  // kEmitted[i] in base_
};

// A face observation's own properties, shared by the person's and the unrelated observation
// in quality mixing: whether it came from a stream (the fatigue measures exist) and whether
// the landmarks were placed (the landmark cues exist).
struct FaceRecording {
  bool stream = false;
  bool landmarks = true;
};

size_t Categorical(const std::vector<double>& w, Rng& rng) {
  double total = 0.0;
  for (double x : w) total += x;
  double u = rng.Uniform() * total;
  for (size_t i = 0; i < w.size(); ++i) {
    if ((u -= w[i]) < 0) return i;
  }
  return w.size() - 1;
}

// What a model outputs for an input of a given true label: a Dirichlet draw with the mean and
// concentration of its measured outputs on real examples of that label (ExpressionOutputProfile).
class OutputSampler {
 public:
  explicit OutputSampler(const burnout::v1::ExpressionOutputProfile& outputs) {
    for (const auto& l : outputs.labels()) labels_.push_back(l);
    for (const auto& t : outputs.truths()) {
      truths_.push_back(t.label());
      std::vector<double> alpha;
      for (float m : t.mean()) alpha.push_back(std::max(1e-3, double(t.concentration()) * m));
      alpha_.push_back(std::move(alpha));
    }
  }
  bool ok() const {
    if (labels_.size() < 2 || truths_.empty()) return false;
    for (const auto& a : alpha_) {
      if (a.size() != labels_.size()) return false;
    }
    return true;
  }
  std::vector<double> Draw(size_t truth, Rng& rng) const { return rng.Dirichlet(alpha_[truth]); }
  const std::vector<std::string>& labels() const { return labels_; }  // the model's output order
  const std::vector<std::string>& truths() const { return truths_; }

 private:
  std::vector<std::string> labels_;
  std::vector<std::string> truths_;
  std::vector<std::vector<double>> alpha_;
};

// The text slot (assumptions 3 and 3b): a text of a few sentences, each expressing one emotion
// drawn from the state, read by the text model as its measured outputs on GoEmotions texts of
// that emotion show; sentences about what the writer used to enjoy express joy. The burnout
// dimensions come from common/state/synthetic_text.h.
class TextMapper {
 public:
  explicit TextMapper(const burnout::v1::ExpressionOutputProfile& outputs) : sampler_(outputs) {
    for (size_t i = 0; i < sampler_.truths().size(); ++i) {
      if (sampler_.truths()[i] == "joy") joy_ = static_cast<int>(i);
    }
  }
  bool ok() const { return sampler_.ok() && joy_ >= 0; }

  Observation Observe(const State& s, Rng& rng) const {
    const double e = s.energy, st = s.stress, f = 1.0 - s.energy;
    Observation o;
    // The text's length (8-250 words, log-uniform) sets how much it can say.
    const int words = static_cast<int>(std::exp(rng.Uniform(std::log(8.0), std::log(250.0))));
    const state::DrawnDimensions d = state::DrawTextDimensions({e, st, s.distance, s.inefficacy}, words, rng);
    std::vector<double> weights;
    for (const auto& t : sampler_.truths()) weights.push_back(ExpressionWeight(t, e, st, f));
    const int sentences = std::clamp(static_cast<int>(std::lround(words / 14.0)), 1, 8);
    o.emotions.assign(sampler_.labels().size(), 0.0);
    for (int k = 0; k < sentences; ++k) {
      const size_t c = k < d.loss_mentions ? static_cast<size_t>(joy_) : Categorical(weights, rng);
      const std::vector<double> p = sampler_.Draw(c, rng);
      for (size_t i = 0; i < p.size(); ++i) o.emotions[i] += p[i] / sentences;
    }
    // A per-word rate, counted over the text as the analyzer counts it.
    const double absolutist = rng.Binomial(words, 0.006 + 0.02 * st + 0.01 * f) / words;
    o.indicators = {absolutist, d.exhaustion, d.overload, d.mental_distance, d.reduced_efficacy, d.recovery};
    return o;
  }
  const std::vector<std::string>& labels() const { return sampler_.labels(); }

 private:
  // How often a sentence by a writer in state (e, st, f) expresses each emotion (assumption 3).
  static double ExpressionWeight(const std::string& label, double e, double st, double f) {
    if (label == "anger") return 0.4 + 1.2 * st;
    if (label == "disgust") return 0.25 + 0.5 * st;
    if (label == "fear") return 0.3 + 0.4 * st + 1.6 * st * f;
    if (label == "joy") return 0.2 + 3.0 * e * (1.0 - st);
    if (label == "sadness") return 0.2 + 2.4 * f;
    if (label == "surprise") return 0.35 + 0.3 * e;
    return 1.2 + 0.8 * f;  // neutral
  }
  OutputSampler sampler_;
  int joy_ = -1;
};

// The face slot (assumption 3a): expressions drawn from the state, their emotions from the
// expression model's measured outputs, landmark cues and fatigue measures from the state.
class FaceMapper {
 public:
  explicit FaceMapper(const burnout::v1::ExpressionOutputProfile& outputs) : sampler_(outputs) {}
  bool ok() const { return sampler_.ok(); }

  // `shown` is the state the face shows (a presented one when masked); `person` the true one,
  // which the eyelids, yawns and posture follow whatever the expression does.
  Observation Observe(const State& shown, const State& person, const FaceRecording& rec, Rng& rng) const {
    const double e = shown.energy, st = shown.stress, f = 1.0 - shown.energy;
    std::vector<double> weights;
    for (const auto& t : sampler_.truths()) weights.push_back(ExpressionWeight(t, e, st, f));
    Observation o;
    o.emotions.assign(sampler_.labels().size(), 0.0);
    const int draws = rec.stream ? kStreamFrames : 1;
    int happy = 0;
    for (int k = 0; k < draws; ++k) {
      const size_t c = Categorical(weights, rng);
      happy += sampler_.truths()[c] == "happy";
      const std::vector<double> p = sampler_.Draw(c, rng);
      for (size_t i = 0; i < p.size(); ++i) o.emotions[i] += p[i] / draws;
    }
    const double fp = 1.0 - person.energy;
    const double smile =
        Clip(0.05 + 0.8 * happy / double(draws) + 0.1 * shown.expressiveness + rng.Normal(0, 0.12), 0.0, 1.0);
    const double eyes = Clip(1.0 - 0.4 * fp + rng.Normal(0, 0.12), 0.0, 1.0);
    const double perclos = Clip(0.02 + 0.2 * fp * fp + rng.Normal(0, 0.025), 0.0, 1.0);
    const double yawns = rng.Poisson(0.15 + 2.0 * fp * fp);
    o.indicators = {smile, eyes, perclos, yawns};
    o.carried = {rec.landmarks, rec.landmarks, rec.stream && rec.landmarks, rec.stream && rec.landmarks};
    return o;
  }

  const std::vector<std::string>& labels() const { return sampler_.labels(); }

 private:
  static constexpr int kStreamFrames = 6;

  // How often a face in state (e, st, f) shows each FER expression (assumption 3a).
  static double ExpressionWeight(const std::string& label, double e, double st, double f) {
    if (label == "angry") return 0.10 + 0.6 * st;
    if (label == "disgust") return 0.03 + 0.15 * st;
    if (label == "fear") return 0.05 + 0.35 * st * f;
    if (label == "happy") return 0.15 + 1.8 * e * (1.0 - st);
    if (label == "sad") return 0.10 + 1.0 * f;
    if (label == "surprise") return 0.08 + 0.15 * e;
    return 1.2 + 0.6 * f;  // neutral
  }

  OutputSampler sampler_;
};

struct Layout {
  burnout::v1::Modality modality;
  std::vector<const char*> emotions;
  std::vector<std::pair<const char*, const char*>> indicators;  // name, unit
};

const std::array<Layout, kSyntheticSlots>& Layouts() {
  static const auto* layouts = new std::array<Layout, kSyntheticSlots>{
      // Names and units as the text and face analyzers publish them (common/schema).
      Layout{burnout::v1::MODALITY_TEXT,
             {std::begin(schema::kTextEmotionLabels), std::end(schema::kTextEmotionLabels)},
             {{schema::kTextAbsolutistRatio.name, schema::kTextAbsolutistRatio.unit},
              {schema::kTextDimensions[0].name, schema::kTextDimensions[0].unit},
              {schema::kTextDimensions[1].name, schema::kTextDimensions[1].unit},
              {schema::kTextDimensions[2].name, schema::kTextDimensions[2].unit},
              {schema::kTextDimensions[3].name, schema::kTextDimensions[3].unit},
              {schema::kTextDimensions[4].name, schema::kTextDimensions[4].unit}}},
      Layout{burnout::v1::MODALITY_VOICE, {}, {}},  // VoiceMapper builds voice results
      Layout{burnout::v1::MODALITY_FACE, {},  // labels from the expression model's outputs
             {{schema::kFaceSmile.name, schema::kFaceSmile.unit},
              {schema::kFaceEyesOpen.name, schema::kFaceEyesOpen.unit},
              {schema::kFacePerclos.name, schema::kFacePerclos.unit},
              {schema::kFaceYawns.name, schema::kFaceYawns.unit}}},
  };
  return *layouts;
}

ModalityResult ToResult(int slot, const Observation& o, const std::vector<std::string>* labels = nullptr) {
  const Layout& layout = Layouts()[slot];
  ModalityResult r;
  r.set_modality(layout.modality);
  const size_t n = labels != nullptr ? labels->size() : layout.emotions.size();
  for (size_t i = 0; i < n; ++i) {
    auto* e = r.add_emotions();
    e->set_label(labels != nullptr ? (*labels)[i] : layout.emotions[i]);
    e->set_probability(static_cast<float>(o.emotions[i]));
  }
  for (size_t i = 0; i < layout.indicators.size(); ++i) {
    if (!o.carried.empty() && !o.carried[i]) continue;
    auto* ind = r.add_indicators();
    ind->set_name(layout.indicators[i].first);
    ind->set_unit(layout.indicators[i].second);
    ind->set_value(o.indicators[i]);
  }
  return r;
}

SyntheticProfile MakeProfile(Rng& rng, const ProfileOptions& options, const TextMapper& text,
                             const VoiceMapper& voice, const FaceMapper& face) {
  static constexpr double kCentre[3] = {0.18, 0.50, 0.82};
  SyntheticProfile p;
  p.latent_level = rng.UniformInt(0, 2);
  p.label = p.latent_level;
  if (rng.Bernoulli(options.label_noise)) {
    p.label = p.latent_level == 1 ? (rng.Bernoulli(0.5) ? 0 : 2) : 1;
  }
  const double burden = Clip(rng.Normal(kCentre[p.latent_level], 0.09), 0.0, 1.0);
  State person{Clip(1.0 - burden + rng.Normal(0, 0.12), 0.0, 1.0),
               Clip(0.15 + 0.7 * burden + rng.Normal(0, 0.15), 0.0, 1.0), rng.Normal(0, 1)};
  person.distance = Clip(burden + rng.Normal(0, 0.15), 0.0, 1.0);
  person.inefficacy = Clip(0.15 + 0.7 * burden + rng.Normal(0, 0.18), 0.0, 1.0);
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
      shown.distance = rng.Uniform(0.05, 0.3);
      shown.inefficacy = rng.Uniform(0.05, 0.3);
    }
    const double quality = rng.Uniform(options.min_quality, 1.0);
    State unrelated{rng.Uniform(), rng.Uniform(), rng.Normal(0, 1)};
    unrelated.distance = rng.Uniform();
    unrelated.inefficacy = rng.Uniform();
    Recording recording{};
    FaceRecording face_recording{};
    if (slot == 1) {
      recording.duration_s = std::exp(rng.Uniform(std::log(2.0), std::log(60.0)));
      recording.gain_db = rng.Normal(0, 7.0);
    } else if (slot == 2) {
      face_recording.stream = rng.Bernoulli(options.face_stream_rate);
      face_recording.landmarks = !rng.Bernoulli(options.face_landmarks_missing);
    }
    auto observe = [&](const State& state, const State& truth) {
      switch (slot) {
        case 0:
          return text.Observe(state, rng);
        case 1:
          return ObserveVoice(state, rng);
        default:
          return face.Observe(state, truth, face_recording, rng);
      }
    };
    const Observation signal = observe(shown, person);
    const Observation noise = observe(unrelated, unrelated);
    Observation mixed = signal;
    for (size_t i = 0; i < mixed.emotions.size(); ++i) {
      mixed.emotions[i] = quality * signal.emotions[i] + (1.0 - quality) * noise.emotions[i];
    }
    // Each indicator is the person's with probability q, else the unrelated state's: the
    // values stay on their natural scale (a text with no fatigue terms still reads 0).
    for (size_t i = 0; i < mixed.indicators.size(); ++i) {
      if (!rng.Bernoulli(quality)) mixed.indicators[i] = noise.indicators[i];
    }
    // Voice: the emotions come from the voice model's mapping of the mixed indicators.
    p.results[slot] = slot == 1   ? voice.Result(recording, mixed.indicators, quality)
                      : slot == 2 ? ToResult(slot, mixed, &face.labels())
                                  : ToResult(slot, mixed, &text.labels());
    p.results[slot].set_quality(static_cast<float>(quality));
    if (quality < 0.5) p.results[slot].add_quality_issues("synthetic: low-quality observation");
  }
  const int subset = rng.UniformInt(1, 7);  // bit 0 text, bit 1 voice, bit 2 face
  for (int slot = 0; slot < kSyntheticSlots; ++slot) p.present[slot] = (subset >> slot) & 1;
  return p;
}

}  // namespace

std::vector<SyntheticProfile> GenerateProfiles(int count, uint64_t seed,
                                               const ProfileOptions& options) {
  if (options.voice_model == nullptr) {
    std::fprintf(stderr,
                 "GenerateProfiles: ProfileOptions::voice_model is required (the voice "
                 "emotions come from its mapping; load models/voice-acoustic/1)\n");
    std::abort();
  }
  if (options.face_outputs == nullptr || !FaceMapper(*options.face_outputs).ok()) {
    std::fprintf(stderr,
                 "GenerateProfiles: ProfileOptions::face_outputs is required (the face emotions are "
                 "drawn from the expression model's measured outputs; load "
                 "services/fusion/data/fer2013_expression_outputs.textproto)\n");
    std::abort();
  }
  if (options.text_outputs == nullptr || !TextMapper(*options.text_outputs).ok()) {
    std::fprintf(stderr,
                 "GenerateProfiles: ProfileOptions::text_outputs is required (the text emotions are "
                 "drawn from the text model's measured outputs, with a \"joy\" label; load "
                 "services/fusion/data/goemotions_text_outputs.textproto)\n");
    std::abort();
  }
  const TextMapper text(*options.text_outputs);
  const VoiceMapper voice(*options.voice_model);
  const FaceMapper face(*options.face_outputs);
  Rng rng(seed);
  std::vector<SyntheticProfile> out;
  out.reserve(std::max(count, 0));
  for (int i = 0; i < count; ++i) out.push_back(MakeProfile(rng, options, text, voice, face));
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
