// burnout-voice-compare-praat: our mean F0 (AnalyzeAcoustics' f0_mean_hz) against Praat's
// `To Pitch: 0, 75, 600` + `Get mean` on the same 16 kHz audio.
//
//   burnout-voice-compare-praat [--keep] [file.wav ...]
//
// Without files it synthesises a corpus with espeak-ng (several voices, -p 20..80,
// -s 100..200, intonation ranges, four sentences) into a temporary directory, resampled to
// 16 kHz so both sides read identical samples. Given files are read by Praat as they are and
// by us as the service decodes them (WAV only, mixed to mono, resampled to 16 kHz). Prints a
// table and the median and maximum |difference| in semitones; exits 1 when Praat or
// espeak-ng cannot be run.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/voice/acoustics.h"
#include "services/voice/espeak.h"
#include "services/voice/voice_files.h"

namespace {

namespace fs = std::filesystem;
using burnout::voice::RunCommand;
using burnout::voice::SpeechSpec;

const char* const kSentences[] = {
    "The quick brown fox jumps over the lazy dog, and then it runs away into the forest.",
    "I have been working late every night this month and I feel tired all the time.",
    "Could you tell me where the nearest train station is, please?",
    "Yesterday we walked along the river and watched the boats go by.",
};

// Not SpeechCorpus (the voice model's calibration set): wider pitches and speeds, the male
// and female variants. Male voices sit near 90-140 Hz at -p 40..80; below -p 40 they fall
// under the 75 Hz floor, so the lowest pitches go to the female variants.
std::vector<SpeechSpec> ComparisonCorpus() {
  struct Row {
    const char* voice;
    int pitch;
    int speed;
    const char* range;  // SSML prosody range, empty = the voice's own
    int sentence;
  };
  static const Row kRows[] = {
      {"en-us", 50, 175, "", 0},      {"en-us", 80, 140, "", 1},
      {"en-us", 40, 200, "", 2},      {"en-us", 65, 120, "x-high", 3},
      {"en+f3", 20, 160, "", 3},      {"en+f3", 60, 110, "", 0},
      {"en+f3", 80, 190, "", 1},      {"en+f3", 35, 150, "x-low", 2},
      {"en+m3", 45, 100, "", 2},      {"en+m3", 70, 175, "", 3},
      {"en+m3", 55, 130, "x-high", 0}, {"en+f2", 50, 150, "", 0},
      {"en+f2", 25, 200, "", 2},      {"en+m1", 60, 130, "", 1},
      {"en+m1", 45, 180, "", 3},      {"en-us", 75, 165, "x-low", 0},
  };
  std::vector<SpeechSpec> corpus;
  for (const Row& r : kRows) {
    SpeechSpec s;
    s.text = kSentences[r.sentence];
    s.voice = r.voice;
    s.pitch = r.pitch;
    s.speed = r.speed;
    s.pitch_range = r.range;
    corpus.push_back(s);
  }
  return corpus;
}

// espeak-ng speech at 16 kHz as `<name>.wav` in `dir`; the path, or the error.
absl::StatusOr<std::string> Synthesize(const SpeechSpec& s, const fs::path& dir) {
  absl::StatusOr<std::vector<float>> samples = burnout::voice::SynthesizeSpeech(s);
  if (!samples.ok()) return samples.status();
  const std::string out = (dir / (s.Name() + ".wav")).string();
  if (absl::Status w = burnout::voice::WriteWav16k(out, *samples); !w.ok()) return w;
  return out;
}

constexpr char kPraatScript[] = R"(form Mean F0
  sentence File
endform
Read from file: file$
To Pitch: 0.0, 75, 600
mean = Get mean: 0, 0, "Hertz"
voiced = Count voiced frames
frames = Get number of frames
writeInfoLine: mean, " ", voiced, " ", frames
)";

struct PraatResult {
  double mean_hz = NAN;  // NaN when Praat found no voiced frame
  double voiced_ratio = 0.0;
};

std::optional<PraatResult> PraatMeanF0(const std::string& script, const std::string& wav) {
  const absl::StatusOr<std::string> out = RunCommand({"praat", "--run", script, wav});
  if (!out.ok()) return std::nullopt;
  std::istringstream in(*out);
  std::string mean;
  double voiced = 0.0, frames = 0.0;
  if (!(in >> mean >> voiced >> frames)) return std::nullopt;
  PraatResult r;
  r.mean_hz = mean == "--undefined--" ? NAN : std::atof(mean.c_str());
  r.voiced_ratio = frames > 0 ? voiced / frames : 0.0;
  return r;
}

double Median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

}  // namespace

int main(int argc, char** argv) {
  bool keep = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--keep") {
      keep = true;
    } else if (a == "-h" || a == "--help") {
      std::printf("usage: %s [--keep] [file.wav ...]\n", argv[0]);
      return 0;
    } else {
      files.push_back(a);
    }
  }
  char tmpl[] = "/tmp/burnout-compare-praat-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path dir = tmpl;
  const std::string script = (dir / "mean_f0.praat").string();
  std::ofstream(script) << kPraatScript;
  if (!RunCommand({"praat", "--version"}).ok()) {
    std::fprintf(stderr, "praat is not on PATH\n");
    return 1;
  }
  if (files.empty()) {
    if (!burnout::voice::EspeakAvailable()) {
      std::fprintf(stderr, "espeak-ng is not on PATH (give WAV files instead)\n");
      return 1;
    }
    for (const SpeechSpec& s : ComparisonCorpus()) {
      const absl::StatusOr<std::string> path = Synthesize(s, dir);
      if (!path.ok()) {
        std::fprintf(stderr, "espeak-ng failed for %s: %s\n", s.Name().c_str(),
                     std::string(path.status().message()).c_str());
        return 1;
      }
      files.push_back(*path);
    }
  }

  std::printf("%-34s %9s %9s %8s %8s %8s\n", "file", "praat_hz", "ours_hz", "diff_st",
              "praat_v", "ours_v");
  std::vector<double> diffs;
  const burnout::voice::AcousticConfig config;
  for (const std::string& file : files) {
    const std::optional<PraatResult> praat = PraatMeanF0(script, file);
    const absl::StatusOr<burnout::voice::DecodedAudio> audio = burnout::voice::ReadAudioFile(file);
    const std::string name = fs::path(file).filename().string();
    if (!praat || !audio.ok() || audio->samples.empty()) {
      std::printf("%-34s  (unreadable by %s)\n", name.c_str(), praat ? "us" : "praat");
      if (!audio.ok()) std::fprintf(stderr, "%s\n", std::string(audio.status().message()).c_str());
      continue;
    }
    const std::vector<float>& samples = audio->samples;
    const burnout::voice::AcousticAnalysis ours =
        burnout::voice::AnalyzeAcoustics(samples.data(), samples.size(), config);
    const double ours_hz = ours.Get("f0_mean_hz");
    double diff = NAN;
    if (std::isfinite(praat->mean_hz) && ours_hz > 0.0) {
      diff = std::fabs(12.0 * std::log2(ours_hz / praat->mean_hz));
      diffs.push_back(diff);
    }
    std::printf("%-34s %9.2f %9.2f %8.3f %8.3f %8.3f\n", name.c_str(), praat->mean_hz, ours_hz,
                diff, praat->voiced_ratio, ours.Get("voiced_ratio"));
  }
  std::printf("\nfiles compared: %zu\nmedian |difference|: %.3f st\nmax |difference|:    %.3f st\n",
              diffs.size(), Median(diffs),
              diffs.empty() ? NAN : *std::max_element(diffs.begin(), diffs.end()));
  if (keep) {
    std::printf("files kept in %s\n", dir.c_str());
  } else {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  return diffs.empty() ? 1 : 0;
}
