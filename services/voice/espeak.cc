#include "services/voice/espeak.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace burnout::voice {
namespace {

// Single-quoted for /bin/sh.
std::string ShellQuote(const std::string& s) {
  return absl::StrCat("'", absl::StrReplaceAll(s, {{"'", "'\\''"}}), "'");
}

}  // namespace

std::string SpeechSpec::Name() const {
  std::string name = absl::StrCat(absl::StrReplaceAll(voice, {{"+", "-"}}), "_p", pitch, "_s", speed);
  if (!pitch_range.empty()) absl::StrAppend(&name, "_", pitch_range);
  return name;
}

bool EspeakAvailable() {
  return std::system("espeak-ng --version >/dev/null 2>&1") == 0;
}

absl::StatusOr<std::string> SynthesizeWav(const SpeechSpec& spec) {
  std::string text = spec.text;
  std::string markup;
  if (!spec.pitch_range.empty()) {
    text = absl::StrCat("<speak><prosody range=\"", spec.pitch_range, "\">", text,
                        "</prosody></speak>");
    markup = " -m";
  }
  const std::string cmd = absl::StrCat("espeak-ng --stdout", markup, " -v ", ShellQuote(spec.voice),
                                       " -p ", spec.pitch, " -s ", spec.speed, " ",
                                       ShellQuote(text), " 2>/dev/null");
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return absl::UnavailableError("cannot run espeak-ng");
  std::string wav;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) wav.append(buf, n);
  const int rc = pclose(pipe);
  if (rc != 0 || wav.size() < 44) {
    return absl::UnavailableError(absl::StrCat("espeak-ng failed (exit ", rc, "): ", cmd));
  }
  return wav;
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
