// burnout-build-voice-model: writes the default voice model directory
// (models/voice-acoustic/1): the hand-set mapping documented on VoiceAcousticModel and in
// services/voice/README.md, with each acoustic indicator's reference value.
//
// Reference values come from two places, recorded per feature in `reference_source`:
//  - literature, for the indicators a person can read (speaking rate, pauses, pitch
//    variability, loudness, voice quality);
//  - calibration, for the spectral and MFCC statistics whose scale depends on our own
//    implementation: mean and spread over the espeak-ng corpus (espeak.h), so the embedding
//    has unit scale. espeak-ng is synthetic speech; these are scales, not population norms.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/model/model_dir.h"
#include "services/voice/acoustics.h"
#include "services/voice/audio_decode.h"
#include "services/voice/espeak.h"
#include "services/voice/voice_model.h"

ABSL_FLAG(std::string, out_dir, "models/voice-acoustic/1", "model directory to write");
ABSL_FLAG(std::string, version, "1", "model version");

namespace burnout::voice {
namespace {

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
      {"rms_dbfs", {-26.0, 7.0, "speech level of a close-talk recording, -35..-18 dBFS "
                                "(ITU-T P.56 active speech level practice)"}},
      {"jitter_local", {0.02, 0.01, "jitterLocal of running speech, 1-3% (Eyben et al. 2016)"}},
      {"shimmer_local_db", {1.0, 0.4, "shimmerLocaldB of running speech, 0.5-1.5 dB "
                                      "(Eyben et al. 2016)"}},
      {"hnr_db", {9.0, 4.0, "HNRdBACF of running speech, 2-16 dB (Eyben et al. 2016)"}},
      {"hammarberg_index_db", {16.0, 5.0, "hammarbergIndexV of read and acted speech, 8-25 dB; "
                                          "lower with more vocal effort (Eyben et al. 2016)"}},
  };
  return *refs;
}

// Indicators standardised by calibration over the espeak-ng corpus.
const std::vector<std::string>& CalibratedFeatures() {
  static const auto* names = new std::vector<std::string>{
      "energy_variability_db", "spectral_centroid_hz", "spectral_slope_0_500", "spectral_slope_500_1500",
      "alpha_ratio_db", "mfcc1_mean", "mfcc2_mean", "mfcc3_mean",
      "mfcc4_mean", "mfcc1_std", "mfcc2_std", "mfcc3_std", "mfcc4_std"};
  return *names;
}

void Weight(google::protobuf::RepeatedPtrField<burnout::v1::WeightedFeature>* out,
            const std::string& feature, float weight) {
  auto* w = out->Add();
  w->set_feature(feature);
  w->set_weight(weight);
}

void Logit(burnout::v1::VoiceAcousticModel* m, const std::string& label, float bias, float arousal,
           float tension, float abs_arousal) {
  auto* l = m->add_logits();
  l->set_label(label);
  l->set_bias(bias);
  l->set_arousal(arousal);
  l->set_tension(tension);
  l->set_abs_arousal(abs_arousal);
}

int Run() {
  if (!EspeakAvailable()) {
    std::fprintf(stderr, "burnout-build-voice-model: espeak-ng is needed for calibration "
                         "(apt-get install espeak-ng)\n");
    return 1;
  }
  // Calibration statistics over the corpus.
  std::map<std::string, std::vector<double>> values;
  int files = 0;
  for (const auto& spec : SpeechCorpus()) {
    auto wav = SynthesizeWav(spec);
    if (!wav.ok()) {
      std::fprintf(stderr, "%s\n", std::string(wav.status().message()).c_str());
      return 1;
    }
    auto audio = DecodeAudio(*wav, DecodeLimits{});
    if (!audio.ok()) {
      std::fprintf(stderr, "%s: %s\n", spec.Name().c_str(),
                   std::string(audio.status().message()).c_str());
      return 1;
    }
    const auto a = AnalyzeAcoustics(audio->samples.data(), audio->samples.size(), AcousticConfig{});
    for (const auto& ind : a.indicators) values[ind.name].push_back(ind.value);
    ++files;
  }

  burnout::v1::VoiceAcousticModel m;
  for (const char* label : {"neutral", "happy", "angry", "sad"}) m.add_labels(label);
  auto add_feature = [&](const std::string& name, double mean, double std, std::string source) {
    auto* f = m.add_features();
    f->set_name(name);
    f->set_mean(static_cast<float>(mean));
    f->set_std(static_cast<float>(std));
    (*m.mutable_reference_source())[name] = std::move(source);
  };
  for (const auto& name : AcousticIndicatorNames()) {
    if (auto it = LiteratureReferences().find(name); it != LiteratureReferences().end()) {
      add_feature(name, it->second.mean, it->second.std,
                  absl::StrCat("literature: ", it->second.source));
    }
  }
  for (const auto& name : CalibratedFeatures()) {
    const auto& v = values[name];
    double mean = 0, sq = 0;
    for (double x : v) mean += x;
    mean /= v.size();
    for (double x : v) sq += (x - mean) * (x - mean);
    const double std = std::max(1e-6, std::sqrt(sq / v.size()));
    add_feature(name, mean, std,
                absl::StrCat("calibration: mean and spread over ", files,
                             " espeak-ng utterances (services/voice/espeak.cc); a scale, not a "
                             "population norm"));
  }
  // Arousal: livelier, faster, more varied and louder speech with more high-frequency
  // energy (Scherer 2003; Juslin & Laukka 2003; Eyben et al. 2016).
  Weight(m.mutable_arousal(), "pitch_variability_st", 0.35f);
  Weight(m.mutable_arousal(), "f0_range_st", 0.10f);
  Weight(m.mutable_arousal(), "speaking_rate_sps", 0.25f);
  Weight(m.mutable_arousal(), "articulation_rate_sps", 0.10f);
  Weight(m.mutable_arousal(), "rms_dbfs", 0.10f);
  Weight(m.mutable_arousal(), "hammarberg_index_db", -0.10f);
  // Tension: a pressed or harsh voice — less harmonic, more perturbed, louder, with a
  // flatter spectrum (anger vs. joy at equal arousal; Banse & Scherer 1996).
  Weight(m.mutable_tension(), "hnr_db", -0.35f);
  Weight(m.mutable_tension(), "jitter_local", 0.15f);
  Weight(m.mutable_tension(), "shimmer_local_db", 0.15f);
  Weight(m.mutable_tension(), "rms_dbfs", 0.15f);
  Weight(m.mutable_tension(), "hammarberg_index_db", -0.20f);
  // neutral near typical arousal; happy and angry high arousal split by tension; sad (and
  // fatigued) low arousal, flat speech.
  Logit(&m, "neutral", 0.6f, 0.0f, 0.0f, -1.0f);
  Logit(&m, "happy", 0.0f, 1.0f, -0.8f, 0.0f);
  Logit(&m, "angry", -0.3f, 0.8f, 1.0f, 0.0f);
  Logit(&m, "sad", 0.0f, -1.2f, 0.0f, 0.0f);
  m.set_temperature(1.5f);  // hand-set weights: keep the estimate modest
  m.set_evidence_voiced_s(3.0f);
  m.set_z_clamp(3.0f);

  // Validate by building the model before writing anything.
  if (auto built = VoiceModel::FromSpec(m, {}); !built.ok()) {
    std::fprintf(stderr, "%s\n", std::string(built.status().message()).c_str());
    return 1;
  }
  const std::string dir = absl::GetFlag(FLAGS_out_dir);
  burnout::v1::ModelManifest manifest;
  manifest.set_name("voice-acoustic");
  manifest.set_version(absl::GetFlag(FLAGS_version));
  manifest.set_kind(kVoiceModelKind);
  manifest.set_file("voice_acoustic.textproto");
  auto* training = manifest.mutable_training();
  training->set_data(absl::StrCat(
      "not trained: hand-set weights from the vocal-affect literature; spectral and MFCC "
      "scales calibrated on ",
      files, " espeak-ng utterances"));
  training->set_program(absl::StrCat("burnout-build-voice-model --out_dir=", dir,
                                     " --version=", absl::GetFlag(FLAGS_version)));
  if (auto s = model::WriteTextModel(
          dir, m,
          "# The default voice model (burnout.v1.VoiceAcousticModel), written by "
          "burnout-build-voice-model.\n# Hand-set mapping; see services/voice/README.md.\n",
          manifest);
      !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  std::printf("wrote %s (%d features, calibrated on %d utterances)\n", dir.c_str(),
              m.features_size(), files);
  return 0;
}

}  // namespace
}  // namespace burnout::voice

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return burnout::voice::Run();
}
