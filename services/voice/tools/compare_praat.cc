// burnout-voice-compare-praat: our mean F0 (AnalyzeAcoustics' f0_mean_hz) against Praat's
// `To Pitch: 0, 75, 600` + `Get mean` on the same 16 kHz audio.
//
//   burnout-voice-compare-praat [--keep] [file.wav ...]
//
// Without files it synthesises a corpus with espeak-ng (several voices, -p 20..80,
// -s 100..200, intonation ranges, four sentences) into a temporary directory, resampled to
// 16 kHz so both sides read identical samples. Given files are read by Praat as they are and
// by us after mixing to mono and resampling to 16 kHz. Prints a table and the median and
// maximum |difference| in semitones; exits 1 when Praat or espeak-ng cannot be run.
#include <sndfile.h>
#include <soxr.h>
#include <sys/wait.h>
#include <unistd.h>

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

#include "services/voice/acoustics.h"

namespace {

namespace fs = std::filesystem;
using burnout::voice::kAnalysisRate;

// Runs argv (no shell) and returns its stdout, or nullopt when it cannot start or fails.
std::optional<std::string> Run(const std::vector<std::string>& args) {
  int fds[2];
  if (pipe(fds) != 0) return std::nullopt;
  const pid_t pid = fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  std::string out;
  char buf[4096];
  ssize_t got;
  while ((got = read(fds[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(got));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return out;
}

// Mono samples and their rate; empty on failure.
struct Audio {
  std::vector<float> samples;
  int rate = 0;
};

Audio ReadWav(const std::string& path) {
  Audio audio;
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) return audio;
  std::vector<float> interleaved(static_cast<size_t>(info.frames) * info.channels);
  const sf_count_t frames = sf_readf_float(f, interleaved.data(), info.frames);
  sf_close(f);
  audio.rate = info.samplerate;
  audio.samples.resize(static_cast<size_t>(frames));
  for (sf_count_t i = 0; i < frames; ++i) {
    double sum = 0.0;
    for (int c = 0; c < info.channels; ++c) sum += interleaved[i * info.channels + c];
    audio.samples[i] = static_cast<float>(sum / info.channels);
  }
  return audio;
}

std::vector<float> ResampleTo16k(const Audio& in) {
  if (in.rate == kAnalysisRate || in.samples.empty()) return in.samples;
  const double ratio = static_cast<double>(kAnalysisRate) / in.rate;
  std::vector<float> out(static_cast<size_t>(std::ceil(in.samples.size() * ratio)) + 16);
  size_t done = 0;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  if (soxr_oneshot(in.rate, kAnalysisRate, 1, in.samples.data(), in.samples.size(), nullptr,
                   out.data(), out.size(), &done, &io, &quality, nullptr) != nullptr) {
    return {};
  }
  out.resize(done);
  return out;
}

bool Write16kWav(const std::string& path, const std::vector<float>& samples) {
  SF_INFO info{};
  info.samplerate = kAnalysisRate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (f == nullptr) return false;
  const sf_count_t wrote =
      sf_writef_float(f, samples.data(), static_cast<sf_count_t>(samples.size()));
  sf_close(f);
  return wrote == static_cast<sf_count_t>(samples.size());
}

struct Spec {
  std::string voice;
  int pitch;
  int speed;
  std::string range;  // SSML prosody range, empty = the voice's own
  int sentence;
};

const char* const kSentences[] = {
    "The quick brown fox jumps over the lazy dog, and then it runs away into the forest.",
    "I have been working late every night this month and I feel tired all the time.",
    "Could you tell me where the nearest train station is, please?",
    "Yesterday we walked along the river and watched the boats go by.",
};

// Male voices sit near 90-140 Hz at -p 40..80; below -p 40 they fall under the 75 Hz floor,
// so the lowest pitches go to the female variants.
const Spec kCorpus[] = {
    {"en-us", 50, 175, "", 0},      {"en-us", 80, 140, "", 1},
    {"en-us", 40, 200, "", 2},      {"en-us", 65, 120, "x-high", 3},
    {"en+f3", 20, 160, "", 3},      {"en+f3", 60, 110, "", 0},
    {"en+f3", 80, 190, "", 1},      {"en+f3", 35, 150, "x-low", 2},
    {"en+m3", 45, 100, "", 2},      {"en+m3", 70, 175, "", 3},
    {"en+m3", 55, 130, "x-high", 0}, {"en+f2", 50, 150, "", 0},
    {"en+f2", 25, 200, "", 2},      {"en+m1", 60, 130, "", 1},
    {"en+m1", 45, 180, "", 3},      {"en-us", 75, 165, "x-low", 0},
};

std::string SpecName(const Spec& s) {
  std::string voice = s.voice;
  std::replace(voice.begin(), voice.end(), '+', '-');
  std::string name = voice + "_p" + std::to_string(s.pitch) + "_s" + std::to_string(s.speed);
  if (!s.range.empty()) name += "_" + s.range;
  return name + ".wav";
}

// espeak-ng output resampled to a 16 kHz WAV in `dir`; the path, or empty on failure.
std::string Synthesize(const Spec& s, const fs::path& dir) {
  const fs::path raw = dir / ("raw_" + SpecName(s));
  std::vector<std::string> args = {"espeak-ng", "-v", s.voice, "-p", std::to_string(s.pitch),
                                   "-s", std::to_string(s.speed), "-w", raw.string()};
  std::string text = kSentences[s.sentence];
  if (!s.range.empty()) {
    args.push_back("-m");
    text = "<speak><prosody range=\"" + s.range + "\">" + text + "</prosody></speak>";
  }
  args.push_back(text);
  if (!Run(args)) return "";
  const std::vector<float> samples = ResampleTo16k(ReadWav(raw.string()));
  const fs::path out = dir / SpecName(s);
  fs::remove(raw);
  if (samples.empty() || !Write16kWav(out.string(), samples)) return "";
  return out.string();
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
  const std::optional<std::string> out = Run({"praat", "--run", script, wav});
  if (!out) return std::nullopt;
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
  if (!Run({"praat", "--version"})) {
    std::fprintf(stderr, "praat is not on PATH\n");
    return 1;
  }
  if (files.empty()) {
    if (!Run({"espeak-ng", "--version"})) {
      std::fprintf(stderr, "espeak-ng is not on PATH (give WAV files instead)\n");
      return 1;
    }
    for (const Spec& s : kCorpus) {
      const std::string path = Synthesize(s, dir);
      if (path.empty()) {
        std::fprintf(stderr, "espeak-ng failed for %s\n", SpecName(s).c_str());
        return 1;
      }
      files.push_back(path);
    }
  }

  std::printf("%-34s %9s %9s %8s %8s %8s\n", "file", "praat_hz", "ours_hz", "diff_st",
              "praat_v", "ours_v");
  std::vector<double> diffs;
  const burnout::voice::AcousticConfig config;
  for (const std::string& file : files) {
    const std::optional<PraatResult> praat = PraatMeanF0(script, file);
    const std::vector<float> samples = ResampleTo16k(ReadWav(file));
    const std::string name = fs::path(file).filename().string();
    if (!praat || samples.empty()) {
      std::printf("%-34s  (unreadable by %s)\n", name.c_str(), praat ? "us" : "praat");
      continue;
    }
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
