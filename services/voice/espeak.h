// Speech made offline by espeak-ng (Debian package `espeak-ng`): the test, calibration and
// comparison corpus of the voice analyzer. Not used by the service.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace burnout::voice {

struct SpeechSpec {
  std::string text;
  std::string voice = "en-us";  // espeak-ng -v (a language, optionally +variant)
  int pitch = 50;               // -p, 0..99
  int speed = 175;              // -s, words per minute
  // SSML prosody range ("x-low" .. "x-high"); empty = the voice's default intonation.
  std::string pitch_range;
  std::string Name() const;     // "en-us_p50_s175[_x-low]"
};

// True when espeak-ng can be run.
bool EspeakAvailable();

// The WAV file espeak-ng writes for `spec` (mono 16-bit, 22050 Hz; run without a shell).
absl::StatusOr<std::string> SynthesizeWav(const SpeechSpec& spec);

// SynthesizeWav decoded by DecodeAudio: mono samples at kAnalysisRate (16 kHz).
absl::StatusOr<std::vector<float>> SynthesizeSpeech(const SpeechSpec& spec);

// A fixed set of utterances: several voices, pitches, speeds and intonation ranges.
std::vector<SpeechSpec> SpeechCorpus();

}  // namespace burnout::voice
