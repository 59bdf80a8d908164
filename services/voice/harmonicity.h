// Harmonics-to-noise ratio by forward cross-correlation: the method Boersma (1993) describes
// for HNR and Praat's manual documents for "To Harmonicity (cc)", implemented here from that
// description. Pure and thread-safe.
#pragma once

#include <cstddef>

namespace burnout::voice {

struct HarmonicityConfig {
  double step_s = 0.01;             // a frame every 10 ms
  double floor_hz = 75.0;           // the window is one period of the floor
  double silence_threshold = 0.1;   // frames much quieter than the clip's peak are not voiced
};

// The mean HNR over voiced frames, in dB (0 when none is voiced); `voiced_frames` (optional)
// gets their number. Per frame at time t: a window of one floor period around t, its mean
// removed, is correlated with the same-length stretch `lag` samples later for every lag from 2
// samples up to one floor period; r is the largest normalised correlation at a local maximum,
// refined on the band-limited (windowed-sinc) interpolation of the correlation. The frame is voiced when r beats
// 2 - (window peak / clip peak) / silence_threshold (quiet frames need a larger r, silent ones
// can never be voiced); its HNR is 10 log10(r / (1 - r)), r at most 1 - 1e-5 (50 dB).
double MeasureHarmonicity(const float* x, size_t n, double sample_rate_hz, const HarmonicityConfig& config,
                          int* voiced_frames = nullptr);

}  // namespace burnout::voice
