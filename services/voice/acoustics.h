// Acoustic analysis of 16 kHz mono speech: the interpretable voice indicators (pitch,
// voicing, pauses, speaking rate, voice quality, spectrum, MFCC), named after eGeMAPS
// (Eyben et al., 2016) where the definition matches. Plain C++ (no model, no I/O); working
// memory grows linearly with the input; safe on any finite input (silence, noise, a few
// samples); thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/audio/audio_decode.h"

namespace burnout::voice {

inline constexpr int kAnalysisRate = audio::kAnalysisRate;  // Hz; every analysis runs at this rate

struct AcousticConfig {
  double frame_step_s = 0.010;     // hop of every per-frame track
  double pitch_floor_hz = 75.0;    // F0 search range (Praat's defaults for speech)
  double pitch_ceiling_hz = 600.0;
  double min_pause_s = 0.25;       // shorter silences inside speech are not pauses

  // Voice activity (adaptive): a frame is loud enough for speech when its level exceeds the
  // noise floor (10th percentile of frame levels) by max(vad_min_margin_db,
  // vad_range_fraction * (95th percentile - noise floor)); voiced frames always are. Speech
  // is held vad_hangover_s after it falls below, gaps shorter than min_pause_s are bridged,
  // and segments with less than min_voiced_s of voicing are dropped (noise, clicks).
  double vad_min_margin_db = 6.0;
  double vad_range_fraction = 0.3;
  double vad_hangover_s = 0.02;
  double min_voiced_s = 0.03;
  // Syllable nuclei (de Jong & Wempe 2009): voiced peaks of the smoothed intensity at least
  // nucleus_above_median_db above the median intensity (and within nucleus_range_db of the
  // 99th percentile), separated from the previous nucleus by a dip of nucleus_min_dip_db.
  double nucleus_above_median_db = 0.0;
  double nucleus_range_db = 25.0;
  double nucleus_min_dip_db = 2.0;
};

// One named measurement with its unit ("Hz", "st", "dB", "ratio", "count", "s",
// "syllables/s", "dB/Hz", "1").
struct AcousticIndicator {
  std::string name;
  double value;
  std::string unit;
};

struct AcousticAnalysis {
  double duration_s = 0.0;
  // Per-frame tracks, one value per frame_step_s, frame i centred at i * frame_step_s.
  std::vector<float> f0_hz;          // 0 where unvoiced
  std::vector<float> frame_dbfs;     // RMS level of the frame, dBFS (floor -100)
  std::vector<uint8_t> speech;       // voice-activity decision, 1 = speech
  std::vector<double> syllable_nuclei_s;  // times of detected syllable nuclei
  // Every indicator, always the same names in the same order (see AcousticIndicatorNames);
  // a value that cannot be measured (e.g. jitter with no voiced frames) is 0 and the
  // speech_ratio / voiced_ratio indicators say why.
  std::vector<AcousticIndicator> indicators;

  // The value of indicator `name`; NaN when there is no such indicator.
  double Get(absl::string_view name) const;
};

// Analyses `n` samples at kAnalysisRate. Samples are expected in [-1, 1] and finite.
AcousticAnalysis AnalyzeAcoustics(const float* samples, size_t n, const AcousticConfig& config);

// The indicator names AnalyzeAcoustics emits, in order.
const std::vector<std::string>& AcousticIndicatorNames();

}  // namespace burnout::voice
