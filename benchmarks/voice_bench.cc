// Voice analysis speed, in seconds of compute per second of audio (s/s) on one thread:
// AnalyzeAcoustics and TrackPitch alone on espeak-ng speech and on synthetic signals, and
// Praat's `To Pitch: 0, 75, 600` on the same audio in the same run (looped inside one praat
// process, so its start-up is excluded; the start-up-inclusive time of one call is printed
// too). Prints figures only; asserts nothing.
//
//   ./build/bin/voice_bench [seconds_of_audio=60] [repetitions=7]
//
// Sections of main(): corpus, acoustics, pitch alone, Praat, summary. (A whole-service-call
// section belongs after "pitch alone".)
#include <sndfile.h>
#include <soxr.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "services/voice/acoustics.h"
#include "services/voice/pitch.h"

namespace {

namespace fs = std::filesystem;
using burnout::voice::kAnalysisRate;
using Clock = std::chrono::steady_clock;
constexpr double kPi = 3.14159265358979323846;

// ---- helpers: processes, WAV files, timing ----

// Runs argv (no shell); its stdout, or nullopt when it cannot start or fails.
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

// espeak-ng's WAV as 16 kHz mono; empty on failure.
std::vector<float> ReadWav16k(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) return {};
  std::vector<float> in(static_cast<size_t>(info.frames) * info.channels);
  const sf_count_t frames = sf_readf_float(f, in.data(), info.frames);
  sf_close(f);
  std::vector<float> mono(static_cast<size_t>(frames));
  for (sf_count_t i = 0; i < frames; ++i) {
    double sum = 0.0;
    for (int c = 0; c < info.channels; ++c) sum += in[i * info.channels + c];
    mono[i] = static_cast<float>(sum / info.channels);
  }
  if (info.samplerate == kAnalysisRate) return mono;
  std::vector<float> out(mono.size() * kAnalysisRate / info.samplerate + 16);
  size_t done = 0;
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  if (soxr_oneshot(info.samplerate, kAnalysisRate, 1, mono.data(), mono.size(), nullptr,
                   out.data(), out.size(), &done, &io, &quality, nullptr) != nullptr) {
    return {};
  }
  out.resize(done);
  return out;
}

bool WriteWav16k(const std::string& path, const std::vector<float>& samples) {
  SF_INFO info{};
  info.samplerate = kAnalysisRate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (f == nullptr) return false;
  const sf_count_t n = static_cast<sf_count_t>(samples.size());
  const bool ok = sf_writef_float(f, samples.data(), n) == n;
  sf_close(f);
  return ok;
}

double Median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Median wall time of `reps` calls of `fn`, after one warm-up call.
double TimeMedian(int reps, const std::function<void()>& fn) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto start = Clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  return Median(t);
}

// ---- corpus ----

struct Clip {
  std::string name;
  std::vector<float> samples;
  std::string wav;  // the same samples as a 16 kHz file, for Praat
  double seconds() const { return static_cast<double>(samples.size()) / kAnalysisRate; }
};

// espeak-ng utterances of several voices, pitches and speeds, concatenated to `seconds`.
std::vector<float> EspeakSpeech(double seconds, const fs::path& dir) {
  static const char* const kSentences[] = {
      "I have been working late every night this month and I feel tired all the time.",
      "The quick brown fox jumps over the lazy dog, and then it runs away into the forest.",
      "Could you tell me where the nearest train station is, please?",
      "Yesterday we walked along the river and watched the boats go by.",
  };
  static const char* const kVoices[] = {"en-us", "en+f3", "en+m3", "en+f2"};
  std::vector<float> all;
  const fs::path raw = dir / "utterance.wav";
  for (int i = 0; all.size() < seconds * kAnalysisRate; ++i) {
    const std::vector<std::string> args = {
        "espeak-ng", "-v", kVoices[i % 4], "-p", std::to_string(30 + (i * 17) % 50), "-s",
        std::to_string(110 + (i * 29) % 90), "-w", raw.string(), kSentences[(i / 4) % 4]};
    if (!Run(args)) return {};
    const std::vector<float> part = ReadWav16k(raw.string());
    if (part.empty()) return {};
    all.insert(all.end(), part.begin(), part.end());
  }
  all.resize(static_cast<size_t>(seconds * kAnalysisRate));
  return all;
}

// Harmonic "syllables" (gliding F0 with vibrato, 8 harmonics, 150-300 ms, amplitude
// bursts) separated by short gaps and pauses, in light noise.
std::vector<float> SyntheticSpeech(double seconds) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 0.003);
  const size_t n = static_cast<size_t>(seconds * kAnalysisRate);
  std::vector<float> x(n);
  size_t i = 0;
  double phase = 0.0;
  while (i < n) {
    const size_t len = static_cast<size_t>((0.15 + 0.15 * u(rng)) * kAnalysisRate);
    const double f_start = 90.0 + 200.0 * u(rng), f_end = f_start * (0.8 + 0.4 * u(rng));
    for (size_t k = 0; k < len && i < n; ++k, ++i) {
      const double t = static_cast<double>(k) / len;
      const double f0 = (f_start + (f_end - f_start) * t) *
                        (1.0 + 0.01 * std::sin(2.0 * kPi * 5.0 * k / kAnalysisRate));
      phase += 2.0 * kPi * f0 / kAnalysisRate;
      double s = 0.0;
      for (int h = 1; h <= 8; ++h) s += std::sin(h * phase) / h;
      x[i] = static_cast<float>(0.25 * std::sin(kPi * t) * s + noise(rng));
    }
    const double gap = u(rng) < 0.2 ? 0.3 + 0.5 * u(rng) : 0.03 + 0.07 * u(rng);
    for (size_t k = 0; k < static_cast<size_t>(gap * kAnalysisRate) && i < n; ++k, ++i) {
      x[i] = static_cast<float>(noise(rng));
    }
  }
  return x;
}

// ---- Praat ----

constexpr char kPraatLoop[] = R"(form Time To Pitch
  sentence File
  natural Repetitions 10
endform
sound = Read from file: file$
stopwatch
for i to repetitions
  selectObject: sound
  pitch = To Pitch: 0.0, 75, 600
  removeObject: pitch
endfor
seconds = stopwatch
writeInfoLine: seconds / repetitions
)";

struct PraatTimes {
  double loop_s = NAN;     // one To Pitch, inside a running praat
  double process_s = NAN;  // one whole `praat --run` (start-up, reading, one To Pitch)
};

// `pin` runs praat under `taskset -c 0` (Praat's To Pitch is multi-threaded; pinned it is
// on one core like ours).
PraatTimes TimePraat(const std::string& script, const std::string& wav, int loops, int reps,
                     bool pin) {
  PraatTimes t;
  std::vector<std::string> prefix;
  if (pin) prefix = {"taskset", "-c", "0"};
  auto args = [&](int n) {
    std::vector<std::string> a = prefix;
    for (const char* s : {"praat", "--run"}) a.push_back(s);
    a.push_back(script);
    a.push_back(wav);
    a.push_back(std::to_string(n));
    return a;
  };
  std::vector<double> loop, process;
  for (int r = 0; r < reps; ++r) {
    const std::optional<std::string> out = Run(args(loops));
    if (!out) return t;
    loop.push_back(std::atof(out->c_str()));
    const auto start = Clock::now();
    if (!Run(args(1))) return t;
    process.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  t.loop_s = Median(loop);
  t.process_s = Median(process);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 60.0;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 7;
  char tmpl[] = "/tmp/voice_bench_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path dir = tmpl;

  // ---- corpus ----
  std::vector<Clip> clips;
  {
    Clip speech{"espeak-ng speech", EspeakSpeech(seconds, dir), ""};
    if (speech.samples.empty()) {
      std::printf("espeak-ng not available: speech clip skipped\n");
    } else {
      clips.push_back(std::move(speech));
    }
    clips.push_back({"synthetic", SyntheticSpeech(seconds), ""});
    for (size_t i = 0; i < clips.size(); ++i) {
      clips[i].wav = (dir / ("clip" + std::to_string(i) + ".wav")).string();
      if (!WriteWav16k(clips[i].wav, clips[i].samples)) clips[i].wav.clear();
    }
  }
  std::printf("voice analysis speed: %.0f s clips, median of %d runs, one thread; "
              "s/s = seconds of compute per second of audio\n\n",
              seconds, reps);

  // ---- acoustics: the whole AnalyzeAcoustics ----
  const burnout::voice::AcousticConfig config;
  std::vector<double> acoustics_sps(clips.size()), pitch_sps(clips.size());
  std::printf("AnalyzeAcoustics\n");
  for (size_t i = 0; i < clips.size(); ++i) {
    const Clip& c = clips[i];
    double voiced = 0.0;
    const double t = TimeMedian(reps, [&] {
      const auto a = burnout::voice::AnalyzeAcoustics(c.samples.data(), c.samples.size(), config);
      voiced = a.Get("voiced_ratio");
    });
    acoustics_sps[i] = t / c.seconds();
    std::printf("  %-18s %.5f s/s   (%.3f s per run, voiced %.2f)\n", c.name.c_str(),
                acoustics_sps[i], t, voiced);
  }

  // ---- pitch alone: TrackPitch ----
  burnout::voice::PitchConfig pitch_config;
  pitch_config.sample_rate_hz = kAnalysisRate;
  std::printf("\nTrackPitch alone\n");
  for (size_t i = 0; i < clips.size(); ++i) {
    const Clip& c = clips[i];
    const double t = TimeMedian(reps, [&] {
      const auto f0 = burnout::voice::TrackPitch(c.samples.data(), c.samples.size(), pitch_config);
      if (f0.empty()) std::abort();
    });
    pitch_sps[i] = t / c.seconds();
    std::printf("  %-18s %.5f s/s   (%.3f s per run)\n", c.name.c_str(), pitch_sps[i], t);
  }

  // ---- Praat: To Pitch (ac) on the same samples ----
  std::vector<PraatTimes> praat_one(clips.size()), praat_any(clips.size());
  const bool have_praat = Run({"praat", "--version"}).has_value();
  const bool have_taskset = Run({"taskset", "-c", "0", "true"}).has_value();
  if (have_praat) {
    const std::string script = (dir / "loop.praat").string();
    std::ofstream(script) << kPraatLoop;
    std::printf("\nPraat To Pitch: 0, 75, 600 (looped inside one process; and one whole "
                "praat --run incl. start-up)\n");
    for (size_t i = 0; i < clips.size(); ++i) {
      const Clip& c = clips[i];
      if (c.wav.empty()) continue;
      if (have_taskset) praat_one[i] = TimePraat(script, c.wav, 10, 3, true);
      praat_any[i] = TimePraat(script, c.wav, 10, 3, false);
      std::printf("  %-18s one core: %.5f s/s (process %.3f s)   all cores: %.5f s/s "
                  "(process %.3f s)\n",
                  c.name.c_str(), praat_one[i].loop_s / c.seconds(), praat_one[i].process_s,
                  praat_any[i].loop_s / c.seconds(), praat_any[i].process_s);
    }
  } else {
    std::printf("\npraat not on PATH: Praat section skipped\n");
  }

  // ---- summary ----
  std::printf("\nsummary (s/s; ratio = ours / Praat one-core To Pitch, < 1 is faster)\n");
  for (size_t i = 0; i < clips.size(); ++i) {
    const double praat = praat_one[i].loop_s / clips[i].seconds();
    const double praat_process = praat_one[i].process_s / clips[i].seconds();
    std::printf("  %-18s acoustics %.5f (x%.2f)   pitch %.5f (x%.2f)   praat %.5f, with "
                "start-up %.5f\n",
                clips[i].name.c_str(), acoustics_sps[i], acoustics_sps[i] / praat, pitch_sps[i],
                pitch_sps[i] / praat, praat, praat_process);
  }

  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return 0;
}
