// burnout-build-voice-model: writes the default voice model directory
// (models/voice-acoustic/1): the hand-set mapping documented on VoiceAcousticModel and in
// services/voice/README.md, with each acoustic indicator's reference value.
//
// Reference values come from two places, recorded per feature in `reference_source`:
//  - literature, for the indicators a person can read (speaking rate, pauses, pitch
//    variability and peaks, voice quality; no absolute level, which depends on the gain):
//    ReferenceVoiceSpec() in voice_model.h, which also holds the hand-set weights;
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

// Indicators standardised by calibration over the espeak-ng corpus.
const std::vector<std::string>& CalibratedFeatures() {
  static const auto* names = new std::vector<std::string>{
      "energy_variability_db", "spectral_centroid_hz", "spectral_slope_0_500", "spectral_slope_500_1500",
      "alpha_ratio_db", "mfcc1_mean", "mfcc2_mean", "mfcc3_mean",
      "mfcc4_mean", "mfcc1_std", "mfcc2_std", "mfcc3_std", "mfcc4_std", "loudness_peak_db"};
  return *names;
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

  // The literature references and the hand-set mapping (voice_model.h), then the
  // calibrated scales.
  burnout::v1::VoiceAcousticModel m = ReferenceVoiceSpec();
  for (const auto& name : CalibratedFeatures()) {
    const auto& v = values[name];
    double mean = 0, sq = 0;
    for (double x : v) mean += x;
    mean /= v.size();
    for (double x : v) sq += (x - mean) * (x - mean);
    const double std = std::max(1e-6, std::sqrt(sq / v.size()));
    auto* f = m.add_features();
    f->set_name(name);
    f->set_mean(static_cast<float>(mean));
    f->set_std(static_cast<float>(std));
    (*m.mutable_reference_source())[name] =
        absl::StrCat("calibration: mean and spread over ", files,
                     " espeak-ng utterances (services/voice/espeak.cc); a scale, not a "
                     "population norm");
  }

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
