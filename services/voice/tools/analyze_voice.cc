// burnout-voice-analyze: what the voice analyzer measures in WAV files, without a server.
// Prints every indicator (name, value, unit) per file, the emotion estimate and the findings
// of the default model; --tsv prints one row per file for spreadsheets.
//
//   burnout-voice-analyze [--model_dir=models/voice-acoustic/1] [--tsv] a.wav [b.wav ...]
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "services/voice/audio_decode.h"
#include "services/voice/voice_model.h"

ABSL_FLAG(std::string, model_dir, "models/voice-acoustic/1", "voice model directory");
ABSL_FLAG(bool, tsv, false, "one tab-separated row per file");

int main(int argc, char** argv) {
  using namespace burnout::voice;
  std::vector<char*> files = absl::ParseCommandLine(argc, argv);
  files.erase(files.begin());
  if (files.empty()) {
    std::fprintf(stderr, "usage: burnout-voice-analyze [--model_dir=DIR] [--tsv] file.wav ...\n");
    return 2;
  }
  auto model = VoiceModel::Load(absl::GetFlag(FLAGS_model_dir));
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", std::string(model.status().message()).c_str());
    return 1;
  }
  const bool tsv = absl::GetFlag(FLAGS_tsv);
  int failed = 0;
  bool header = false;
  for (const char* path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    auto audio = DecodeAudio(bytes.str(), DecodeLimits{});
    if (!in || !audio.ok()) {
      std::fprintf(stderr, "%s: %s\n", path,
                   in ? std::string(audio.status().message()).c_str() : "cannot read");
      ++failed;
      continue;
    }
    const auto r = (*model)->Analyze(*audio, DefaultQualityConfig());
    if (tsv) {
      if (!header) {
        std::printf("file\tquality");
        for (const auto& e : r.emotions()) std::printf("\t%s", e.label().c_str());
        for (const auto& i : r.indicators()) std::printf("\t%s", i.name().c_str());
        std::printf("\n");
        header = true;
      }
      std::printf("%s\t%.3f", path, r.quality());
      for (const auto& e : r.emotions()) std::printf("\t%.3f", e.probability());
      for (const auto& i : r.indicators()) std::printf("\t%.4g", i.value());
      std::printf("\n");
      continue;
    }
    std::printf("%s (%s, %d Hz, %d ch)\n", path, audio->source.format.c_str(),
                audio->source.sample_rate, audio->source.channels);
    for (const auto& i : r.indicators()) {
      std::printf("  %-24s %12.4g %s\n", i.name().c_str(), i.value(), i.unit().c_str());
    }
    std::printf("  quality %.2f", r.quality());
    for (const auto& q : r.quality_issues()) std::printf("; %s", q.c_str());
    std::printf("\n  emotions:");
    for (const auto& e : r.emotions()) std::printf(" %s %.2f", e.label().c_str(), e.probability());
    std::printf("\n");
    for (const auto& f : r.findings()) std::printf("  - %s\n", f.c_str());
  }
  return failed == 0 ? 0 : 1;
}
