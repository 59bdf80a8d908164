#include "services/voice/espeak.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "services/voice/voice_files.h"

namespace burnout::voice {

std::string SpeechSpec::Name() const {
  std::string name = absl::StrCat(absl::StrReplaceAll(voice, {{"+", "-"}}), "_p", pitch, "_s", speed);
  if (!pitch_range.empty()) absl::StrAppend(&name, "_", pitch_range);
  return name;
}

bool EspeakAvailable() { return RunCommand({"espeak-ng", "--version"}).ok(); }

absl::StatusOr<std::string> SynthesizeWav(const SpeechSpec& spec) {
  std::vector<std::string> argv = {"espeak-ng", "--stdout"};
  std::string text = spec.text;
  if (!spec.pitch_range.empty()) {
    text = absl::StrCat("<speak><prosody range=\"", spec.pitch_range, "\">", text,
                        "</prosody></speak>");
    argv.push_back("-m");
  }
  argv.insert(argv.end(), {"-v", spec.voice, "-p", std::to_string(spec.pitch), "-s",
                           std::to_string(spec.speed), text});
  absl::StatusOr<std::string> wav = RunCommand(argv);
  if (!wav.ok()) return absl::UnavailableError(wav.status().message());
  if (wav->size() < 44) {
    return absl::UnavailableError(
        absl::StrCat("espeak-ng wrote ", wav->size(), " bytes for ", spec.Name()));
  }
  return wav;
}

absl::StatusOr<std::vector<float>> SynthesizeSpeech(const SpeechSpec& spec) {
  absl::StatusOr<std::string> wav = SynthesizeWav(spec);
  if (!wav.ok()) return wav.status();
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(*wav, FileDecodeLimits());
  if (!audio.ok()) {
    return absl::Status(audio.status().code(),
                        absl::StrCat("espeak-ng output for ", spec.Name(), ": ",
                                     audio.status().message()));
  }
  return std::move(audio->samples);
}

std::vector<SpeechSpec> SpeechCorpus() {
  const std::vector<std::string> sentences = {
      "I have been working late every night this week and I still cannot catch up.",
      "The weather was lovely this morning, so we walked to the market together.",
      "Honestly, I do not know how much longer I can keep doing this.",
      "We finished the project early and the whole team went out to celebrate.",
  };
  const std::vector<std::string> voices = {"en-us", "en-gb", "en-us+f3", "en-gb+m3"};
  std::vector<SpeechSpec> corpus;
  int i = 0;
  for (const auto& voice : voices) {
    for (int pitch : {25, 50, 75}) {
      for (int speed : {120, 175, 220}) {
        SpeechSpec s;
        s.text = sentences[i % sentences.size()];
        s.voice = voice;
        s.pitch = pitch;
        s.speed = speed;
        if (i % 3 == 1) s.pitch_range = "x-low";
        if (i % 5 == 2) s.pitch_range = "x-high";
        corpus.push_back(s);
        ++i;
      }
    }
  }
  return corpus;
}

}  // namespace burnout::voice
