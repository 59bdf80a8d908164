#include "services/voice/voice_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"

namespace burnout::voice {
namespace {

using burnout::v1::ModalityResult;
using burnout::v1::VoiceAcousticModel;
using Clock = std::chrono::steady_clock;

double Millis(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

const burnout::v1::FeatureSpec* Reference(const VoiceAcousticModel& spec, const std::string& name) {
  for (const auto& f : spec.features()) {
    if (f.name() == name) return &f;
  }
  return nullptr;
}

struct Literature {
  double mean, std;
  const char* source;
};

// Typical adult conversational speech.
const std::map<std::string, Literature>& LiteratureReferences() {
  static const auto* refs = new std::map<std::string, Literature>{
      {"speech_ratio", {0.75, 0.12, "phonation-time ratio of conversational speech, 0.6-0.9 "
                                    "(de Jong & Wempe 2009; Goldman-Eisler 1968)"}},
      {"pause_mean_s", {0.6, 0.3, "silent pauses of conversational speech, 0.25-1.5 s "
                                  "(Campione & Veronis 2002)"}},
      {"speaking_rate_sps", {3.8, 0.9, "speech rate incl. pauses, 3-5 syllables/s "
                                       "(de Jong & Wempe 2009; Jacewicz et al. 2009)"}},
      {"articulation_rate_sps", {4.8, 0.9, "articulation rate, 4-6 syllables/s "
                                           "(Jacewicz et al. 2009)"}},
      {"pitch_variability_st", {3.0, 1.0, "F0 standard deviation of lively conversational "
                                          "speech, 2-4 semitones; monotone speech below 2 "
                                          "(Traunmüller & Eriksson 1995)"}},
      {"f0_range_st", {10.0, 3.5, "5th-95th percentile F0 range of conversational speech, "
                                  "about an octave (Traunmüller & Eriksson 1995)"}},
      {"f0_peak_st", {5.0, 1.8, "height of pitch peaks above the speaker's median (95th "
                                "percentile - median), about half the 5th-95th percentile "
                                "range of conversational speech (Traunmüller & Eriksson 1995)"}},
      {"jitter_local", {0.02, 0.01, "jitterLocal of running speech, 1-3% (Eyben et al. 2016)"}},
      {"shimmer_local_db", {1.0, 0.4, "shimmerLocaldB of running speech, 0.5-1.5 dB "
                                      "(Eyben et al. 2016)"}},
      {"hnr_db", {9.0, 4.0, "HNRdBACF of running speech, 2-16 dB (Eyben et al. 2016)"}},
      {"hammarberg_index_db", {16.0, 5.0, "hammarbergIndexV of read and acted speech, 8-25 dB; "
                                          "lower with more vocal effort (Eyben et al. 2016)"}},
  };
  return *refs;
}

void Weight(google::protobuf::RepeatedPtrField<burnout::v1::WeightedFeature>* out,
            const std::string& feature, float weight) {
  auto* w = out->Add();
  w->set_feature(feature);
  w->set_weight(weight);
}

void Logit(VoiceAcousticModel* m, const std::string& label, float bias, float arousal,
           float tension, float abs_arousal) {
  auto* l = m->add_logits();
  l->set_label(label);
  l->set_bias(bias);
  l->set_arousal(arousal);
  l->set_tension(tension);
  l->set_abs_arousal(abs_arousal);
}

}  // namespace

void AddIndicator(ModalityResult* r, const std::string& name, double value, const std::string& unit) {
  auto* ind = r->add_indicators();
  ind->set_name(name);
  ind->set_value(std::isfinite(value) ? value : 0.0);
  ind->set_unit(unit);
}

VoiceAcousticModel ReferenceVoiceSpec() {
  VoiceAcousticModel m;
  for (const char* label : {"neutral", "happy", "angry", "sad"}) m.add_labels(label);
  for (const auto& name : AcousticIndicatorNames()) {
    if (auto it = LiteratureReferences().find(name); it != LiteratureReferences().end()) {
      auto* f = m.add_features();
      f->set_name(name);
      f->set_mean(static_cast<float>(it->second.mean));
      f->set_std(static_cast<float>(it->second.std));
      (*m.mutable_reference_source())[name] = absl::StrCat("literature: ", it->second.source);
    }
  }
  // Arousal, from level-free cues only (Juslin & Laukka 2003, Table 7: anger, fear and
  // happiness have fast speech rate, much F0 variability and high F0 relative to the
  // speaker, sadness and tenderness slow rate and little F0 variability; high-frequency
  // energy rises with arousal; Eyben et al. 2016: F0 variability, rate and spectral balance
  // are the arousal parameters of eGeMAPS). No absolute level: it depends on the microphone.
  Weight(m.mutable_arousal(), "pitch_variability_st", 0.35f);
  Weight(m.mutable_arousal(), "f0_range_st", 0.10f);
  Weight(m.mutable_arousal(), "f0_peak_st", 0.10f);
  Weight(m.mutable_arousal(), "speaking_rate_sps", 0.25f);
  Weight(m.mutable_arousal(), "articulation_rate_sps", 0.10f);
  Weight(m.mutable_arousal(), "hammarberg_index_db", -0.10f);
  // Tension: a pressed, strained or irregular voice — less harmonic, more perturbed, more
  // high-frequency energy (Juslin & Laukka 2003: anger has much high-frequency energy and
  // microstructural irregularity, happiness very little irregularity; Banse & Scherer
  // 1996). It tells anger from joy at equal arousal, and is what lowers valence.
  Weight(m.mutable_tension(), "hnr_db", -0.35f);
  Weight(m.mutable_tension(), "jitter_local", 0.20f);
  Weight(m.mutable_tension(), "shimmer_local_db", 0.20f);
  Weight(m.mutable_tension(), "hammarberg_index_db", -0.25f);
  // neutral near typical arousal; happy and angry high arousal split by tension; sad (and
  // fatigued) low arousal, flat speech.
  Logit(&m, "neutral", 0.6f, 0.0f, 0.0f, -1.0f);
  Logit(&m, "happy", 0.0f, 1.0f, -0.8f, 0.0f);
  Logit(&m, "angry", -0.3f, 0.8f, 1.0f, 0.0f);
  Logit(&m, "sad", 0.0f, -1.2f, 0.0f, 0.0f);
  m.set_temperature(1.5f);  // hand-set weights: keep the estimate modest
  m.set_evidence_voiced_s(3.0f);
  m.set_z_clamp(3.0f);
  return m;
}

burnout::v1::VoiceQualityConfig DefaultQualityConfig() {
  burnout::v1::VoiceQualityConfig q;
  q.set_min_duration_s(1.0);
  q.set_min_voiced_s(0.5);
  q.set_silence_dbfs(-55.0);
  q.set_max_clipped_ratio(0.01);
  q.set_min_snr_db(10.0);
  return q;
}

QualityVerdict AssessQuality(const AcousticAnalysis& a, const AudioSourceInfo& source,
                             const burnout::v1::VoiceQualityConfig& config) {
  QualityVerdict v;
  auto lower = [&v](double factor, std::string issue) {
    v.quality *= static_cast<float>(std::clamp(factor, 0.05, 1.0));
    v.issues.push_back(std::move(issue));
  };
  const double duration = a.duration_s;
  const double speech = a.Get("speech_ratio") * duration;
  const double voiced = a.Get("voiced_ratio") * duration;
  const double level = a.Get("rms_dbfs");
  if (duration < config.min_duration_s()) {
    lower(duration / config.min_duration_s(),
          absl::StrFormat("too short: %.2f s of audio (at least %.1f s is needed)", duration,
                          config.min_duration_s()));
  }
  if (speech <= 0.0 || level < config.silence_dbfs()) {
    lower(0.05, speech <= 0.0
                    ? std::string("silent: no speech was detected")
                    : absl::StrFormat("nearly silent: speech level %.0f dBFS (below %.0f dBFS)",
                                      level, config.silence_dbfs()));
  } else if (voiced < config.min_voiced_s()) {
    lower(voiced / config.min_voiced_s(),
          absl::StrFormat("too little voiced speech: %.2f s (at least %.1f s is needed)", voiced,
                          config.min_voiced_s()));
  }
  if (source.clipped_ratio > config.max_clipped_ratio()) {
    lower(0.5, absl::StrFormat("clipped: %.1f%% of samples at full scale", 100.0 * source.clipped_ratio));
  }
  const double snr = a.Get("snr_db");
  if (speech > 0.0 && snr < config.min_snr_db()) {
    lower(0.6, absl::StrFormat("noisy: speech only %.0f dB above the background (%.0f dB or more "
                               "is clean)",
                               snr, config.min_snr_db()));
  }
  return v;
}

VoiceModel::VoiceModel(std::unique_ptr<const schema::VoiceMapping> mapping, burnout::v1::ModelInfo info)
    : mapping_(std::move(mapping)), spec_(mapping_->spec()), info_(std::move(info)) {}

absl::StatusOr<std::unique_ptr<VoiceModel>> VoiceModel::FromSpec(VoiceAcousticModel spec,
                                                                 burnout::v1::ModelInfo info) {
  BR_ASSIGN_OR_RETURN(std::unique_ptr<const schema::VoiceMapping> mapping,
                      schema::VoiceMapping::FromSpec(std::move(spec)));
  return std::unique_ptr<VoiceModel>(new VoiceModel(std::move(mapping), std::move(info)));
}

absl::StatusOr<std::unique_ptr<VoiceModel>> VoiceModel::Load(const std::string& model_dir) {
  VoiceAcousticModel spec;
  std::string path;
  BR_ASSIGN_OR_RETURN(burnout::v1::ModelInfo info,
                      model::LoadTextModel(model_dir, kVoiceModelKind, &spec, &path));
  auto m = FromSpec(std::move(spec), std::move(info));
  if (!m.ok()) return absl::FailedPreconditionError(absl::StrCat(path, ": ", m.status().message()));
  return m;
}

EmotionEstimate VoiceModel::Estimate(const AcousticAnalysis& a, double quality) const {
  // AcousticAnalysis holds every indicator in the published order; the clip's duration is its
  // own field.
  std::vector<double> values(schema::kNumVoiceIndicators, 0.0);
  for (size_t i = 0; i < values.size() && i < a.indicators.size(); ++i) values[i] = a.indicators[i].value;
  values[static_cast<size_t>(schema::VoiceIndicatorIndex("duration_s"))] = a.duration_s;
  return mapping_->Estimate(values, quality);
}

std::vector<std::string> DescribeVoice(const AcousticAnalysis& a, const VoiceAcousticModel& spec) {
  std::vector<std::string> out;
  const double duration = a.duration_s;
  const double speech_ratio = a.Get("speech_ratio");
  const double voiced_s = a.Get("voiced_ratio") * duration;
  if (duration <= 0.0 || speech_ratio <= 0.0) return out;
  auto relative = [](double v, double ref) { return ref > 0 ? (v - ref) / ref : 0.0; };
  if (const auto* ref = Reference(spec, "pitch_variability_st"); ref && voiced_s >= 0.3) {
    const double v = a.Get("pitch_variability_st");
    const double d = relative(v, ref->mean());
    if (std::abs(d) >= 0.15) {
      out.push_back(absl::StrFormat(
          "Your pitch varied %.0f%% %s than a typical animated voice (%.1f vs %.1f semitones).",
          100 * std::abs(d), d < 0 ? "less" : "more", v, ref->mean()));
    } else {
      out.push_back(absl::StrFormat("Your pitch varied about as much as a typical voice (%.1f "
                                    "semitones).",
                                    v));
    }
  }
  {
    const double pauses = 1.0 - speech_ratio;
    const int count = static_cast<int>(std::lround(a.Get("pause_count")));
    std::string text = absl::StrFormat("%.0f%% of the clip was pauses or silence", 100 * pauses);
    if (count > 0) {
      absl::StrAppend(&text, absl::StrFormat(" (%d pause%s inside your speech, the longest %.1f s)",
                                             count, count == 1 ? "" : "s", a.Get("pause_max_s")));
    }
    if (const auto* ref = Reference(spec, "speech_ratio")) {
      absl::StrAppend(&text, absl::StrFormat("; in typical conversation it is about %.0f%%",
                                             100 * (1.0 - ref->mean())));
    }
    out.push_back(text + ".");
  }
  if (const auto* ref = Reference(spec, "speaking_rate_sps")) {
    const double v = a.Get("speaking_rate_sps");
    out.push_back(absl::StrFormat(
        "You spoke at %.1f syllables per second (typical conversation: about %.1f).", v,
        ref->mean()));
  }
  return out;
}

ModalityResult AnalyzeSignal(const DecodedAudio& audio,
                             const burnout::v1::VoiceQualityConfig& quality_config,
                             const VoiceAcousticModel& reference, SignalAnalysis* signal) {
  ModalityResult r;
  r.set_modality(burnout::v1::MODALITY_VOICE);
  const auto t0 = Clock::now();
  SignalAnalysis local;
  SignalAnalysis& s = signal ? *signal : local;
  s.acoustics = AnalyzeAcoustics(audio.samples.data(), audio.samples.size(), AcousticConfig{});
  const double acoustics_ms = Millis(t0);
  s.quality = AssessQuality(s.acoustics, audio.source, quality_config);
  for (const auto& ind : s.acoustics.indicators) AddIndicator(&r, ind.name, ind.value, ind.unit);
  AddIndicator(&r, "clipped_ratio", audio.source.clipped_ratio, "ratio");
  AddIndicator(&r, "source_sample_rate_hz", audio.source.sample_rate, "Hz");
  AddIndicator(&r, "source_channels", audio.source.channels, "count");
  r.set_quality(s.quality.quality);
  for (const auto& issue : s.quality.issues) r.add_quality_issues(issue);
  for (auto& f : DescribeVoice(s.acoustics, reference)) r.add_findings(std::move(f));
  auto* ta = r.add_timings();
  ta->set_stage("acoustics");
  ta->set_millis(acoustics_ms);
  return r;
}

ModalityResult VoiceModel::Analyze(const DecodedAudio& audio,
                                   const burnout::v1::VoiceQualityConfig& quality_config) const {
  SignalAnalysis signal;
  ModalityResult r = AnalyzeSignal(audio, quality_config, spec_, &signal);
  const auto t1 = Clock::now();
  const EmotionEstimate e = Estimate(signal.acoustics, signal.quality.quality);
  for (int i = 0; i < spec_.labels_size(); ++i) {
    auto* ls = r.add_emotions();
    ls->set_label(spec_.labels(i));
    ls->set_probability(e.probabilities[i]);
  }
  auto* emb = r.mutable_embedding();
  for (float v : e.embedding) emb->add_values(v);
  emb->set_dimension(static_cast<int>(e.embedding.size()));
  emb->set_model_id(absl::StrCat(info_.name(), "/", info_.version()));
  AddIndicator(&r, "arousal", e.arousal, "z");
  AddIndicator(&r, "valence", e.valence, "z");
  AddIndicator(&r, "tension", e.tension, "z");
  AddIndicator(&r, "emotion_evidence", e.evidence, "ratio");
  // Strongest contributions, at most 3 per label.
  absl::flat_hash_map<std::string, int> per_label;
  for (const auto& ev : e.contributions) {
    if (per_label[ev.label()]++ < 3) *r.add_evidence() = ev;
  }
  *r.mutable_model() = info_;
  auto* tm = r.add_timings();
  tm->set_stage("emotion");
  tm->set_millis(Millis(t1));
  return r;
}

}  // namespace burnout::voice
