// burnout-voice-compare-praat: our F0 and voice-quality indicators (AnalyzeAcoustics'
// f0_mean_hz, jitter_local, shimmer_local_db, hnr_db) against Praat's on the same 16 kHz
// audio:
//   F0:      To Pitch: 0, 75, 600; Get mean: 0, 0, "Hertz"
//   jitter:  To PointProcess (periodic, cc): 75, 600; Get jitter (local): 0, 0, 0.0001, 0.02, 1.3
//   shimmer: (Sound + PointProcess) Get shimmer (local_dB): 0, 0, 0.0001, 0.02, 1.3, 1.6
//   HNR:     To Harmonicity (cc): 0.01, 75, 0.1, 1.0; Get mean: 0, 0
//
//   burnout-voice-compare-praat [--keep] [file.wav ...]
//
// Without files it synthesises a corpus with espeak-ng (several voices, -p 20..80,
// -s 100..200, intonation ranges, four sentences) into a temporary directory, resampled to
// 16 kHz so both sides read identical samples. Given files are read by Praat as they are and
// by us as the service decodes them (WAV only, mixed to mono, resampled to 16 kHz), so give
// 16 kHz mono files for a like-for-like comparison. Prints a table and, per measure, the
// median and maximum |difference|: F0 in semitones, jitter and shimmer relative to Praat's
// value (%), HNR in dB. Exits 1 when Praat or espeak-ng cannot be run.
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

constexpr char kPraatScript[] = R"(form Voice report
  sentence File
endform
sound = Read from file: file$
pitch = To Pitch: 0.0, 75, 600
mean = Get mean: 0, 0, "Hertz"
voiced = Count voiced frames
frames = Get number of frames
selectObject: sound
pulses = To PointProcess (periodic, cc): 75, 600
jitter = Get jitter (local): 0, 0, 0.0001, 0.02, 1.3
selectObject: sound, pulses
shimmer = Get shimmer (local_dB): 0, 0, 0.0001, 0.02, 1.3, 1.6
selectObject: sound
harmonicity = To Harmonicity (cc): 0.01, 75, 0.1, 1.0
hnr = Get mean: 0, 0
writeInfoLine: mean, " ", voiced, " ", frames, " ", jitter, " ", shimmer, " ", hnr
)";

struct PraatResult {
  double mean_hz = NAN;  // NaN when Praat found no voiced frame (likewise below)
  double voiced_ratio = 0.0;
  double jitter = NAN;
  double shimmer_db = NAN;
  double hnr_db = NAN;
};

double PraatNumber(const std::string& s) {
  return s == "--undefined--" ? NAN : std::atof(s.c_str());
}

std::optional<PraatResult> PraatReport(const std::string& script, const std::string& wav) {
  const absl::StatusOr<std::string> out = RunCommand({"praat", "--run", script, wav});
  if (!out.ok()) return std::nullopt;
  std::istringstream in(*out);
  std::string mean, jitter, shimmer, hnr;
  double voiced = 0.0, frames = 0.0;
  if (!(in >> mean >> voiced >> frames >> jitter >> shimmer >> hnr)) return std::nullopt;
  PraatResult r;
  r.mean_hz = PraatNumber(mean);
  r.voiced_ratio = frames > 0 ? voiced / frames : 0.0;
  r.jitter = PraatNumber(jitter);
  r.shimmer_db = PraatNumber(shimmer);
  r.hnr_db = PraatNumber(hnr);
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
  const std::string script = (dir / "voice_report.praat").string();
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

  std::printf("%-30s %8s %8s %6s | %7s %7s %6s | %6s %6s %6s | %6s %6s %5s\n", "file",
              "praat_hz", "ours_hz", "d_st", "praat_j", "ours_j", "d_%", "prt_sh", "our_sh",
              "d_%", "prt_h", "our_h", "d_dB");
  std::vector<double> d_f0, d_jitter, d_shimmer, d_hnr;
  const burnout::voice::AcousticConfig config;
  for (const std::string& file : files) {
    const std::optional<PraatResult> praat = PraatReport(script, file);
    const absl::StatusOr<burnout::voice::DecodedAudio> audio = burnout::voice::ReadAudioFile(file);
    const std::string name = fs::path(file).filename().string();
    if (!praat || !audio.ok() || audio->samples.empty()) {
      std::printf("%-30s  (unreadable by %s)\n", name.c_str(), praat ? "us" : "praat");
      if (!audio.ok()) std::fprintf(stderr, "%s\n", std::string(audio.status().message()).c_str());
      continue;
    }
    const std::vector<float>& samples = audio->samples;
    const burnout::voice::AcousticAnalysis ours =
        burnout::voice::AnalyzeAcoustics(samples.data(), samples.size(), config);
    const double ours_hz = ours.Get("f0_mean_hz");
    const double ours_j = ours.Get("jitter_local"), ours_sh = ours.Get("shimmer_local_db");
    const double ours_h = ours.Get("hnr_db");
    double df0 = NAN, dj = NAN, dsh = NAN, dh = NAN;
    if (std::isfinite(praat->mean_hz) && ours_hz > 0.0) {
      df0 = std::fabs(12.0 * std::log2(ours_hz / praat->mean_hz));
      d_f0.push_back(df0);
    }
    if (std::isfinite(praat->jitter) && praat->jitter > 0.0) {
      dj = 100.0 * std::fabs(ours_j - praat->jitter) / praat->jitter;
      d_jitter.push_back(dj);
    }
    if (std::isfinite(praat->shimmer_db) && praat->shimmer_db > 0.0) {
      dsh = 100.0 * std::fabs(ours_sh - praat->shimmer_db) / praat->shimmer_db;
      d_shimmer.push_back(dsh);
    }
    if (std::isfinite(praat->hnr_db)) {
      dh = std::fabs(ours_h - praat->hnr_db);
      d_hnr.push_back(dh);
    }
    std::printf("%-30s %8.2f %8.2f %6.3f | %7.4f %7.4f %6.1f | %6.3f %6.3f %6.1f | %6.2f %6.2f %5.2f\n",
                name.c_str(), praat->mean_hz, ours_hz, df0, praat->jitter, ours_j, dj,
                praat->shimmer_db, ours_sh, dsh, praat->hnr_db, ours_h, dh);
  }
  auto max_of = [](const std::vector<double>& v) {
    return v.empty() ? NAN : *std::max_element(v.begin(), v.end());
  };
  std::printf("\nfiles compared: %zu\n", d_f0.size());
  std::printf("median |difference|: F0 %.3f st, jitter %.1f%%, shimmer %.1f%%, HNR %.2f dB\n",
              Median(d_f0), Median(d_jitter), Median(d_shimmer), Median(d_hnr));
  std::printf("max |difference|:    F0 %.3f st, jitter %.1f%%, shimmer %.1f%%, HNR %.2f dB\n",
              max_of(d_f0), max_of(d_jitter), max_of(d_shimmer), max_of(d_hnr));
  if (keep) {
    std::printf("files kept in %s\n", dir.c_str());
  } else {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  return d_f0.empty() ? 1 : 0;
}
