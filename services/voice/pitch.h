// F0 tracking and glottal-cycle measures.
//
// TrackPitch follows Boersma's (1993) autocorrelation method as Praat's "To Pitch (ac)" does
// it: per frame a Hann window of `periods_per_window` periods of the floor, the windowed
// signal's autocorrelation (by FFT) divided by the window's own autocorrelation, its local
// maxima as candidates (parabolic interpolation) plus an "unvoiced" candidate whose strength
// rises in quiet frames, and a Viterbi path through the candidates that charges for octave
// jumps and voiced/unvoiced switches (which is what keeps octave errors away). Defaults are
// Praat's, so f0 means agree with Praat's `To Pitch: 0, 75, 600`.
//
// MeasurePerturbation finds the glottal periods inside the voiced frames by normalised
// cross-correlation of consecutive cycles and reports jitter and shimmer from them.
//
// All functions are pure (no state between calls) and thread-safe; they accept any finite
// input, including empty ones.
#pragma once

#include <cstddef>
#include <vector>

namespace burnout::voice {

struct PitchConfig {
  double sample_rate_hz = 16000.0;
  double step_s = 0.010;            // frame i is centred at sample round(i * step_s * rate)
  double floor_hz = 75.0;           // lowest F0 searched; sets the window length
  double ceiling_hz = 600.0;        // highest F0 accepted
  double periods_per_window = 3.0;  // window length in periods of floor_hz
  int max_candidates = 15;          // per frame, including the unvoiced one
  double silence_threshold = 0.03;  // frames whose peak is below this share of the global
                                    // peak lean to unvoiced
  double voicing_threshold = 0.45;  // autocorrelation strength needed to call a frame voiced
  double octave_cost = 0.01;        // per octave, favours higher candidates (against
                                    // undertones)
  double octave_jump_cost = 0.35;   // per octave of F0 change between frames (per 10 ms)
  double voiced_unvoiced_cost = 0.14;  // per voicing switch (per 10 ms)
};

struct PitchTrack {
  std::vector<float> f0_hz;     // per frame; 0 = unvoiced
  std::vector<float> strength;  // normalised autocorrelation at the chosen period, in (0, 1];
                                // 0 where unvoiced
};

// Frames a signal of `n` samples gets: frames are centred at 0, step, 2 step, ... up to the
// last sample (0 for n = 0). Frames whose analysis window does not fit in the signal are
// unvoiced.
size_t PitchFrameCount(size_t n, const PitchConfig& config);

// The F0 track and the voicing strength per frame.
PitchTrack AnalyzePitch(const float* x, size_t n, const PitchConfig& config);

// Only the F0 track (Hz per frame, 0 = unvoiced).
std::vector<float> TrackPitch(const float* x, size_t n, const PitchConfig& config);

// Cycle-to-cycle perturbation over the voiced frames of `f0_hz` (a track from TrackPitch
// with the same config). Periods are paired only within one voiced stretch and only when
// their ratio is at most 1.3 (Praat's "maximum period factor").
struct Perturbation {
  double jitter_local = 0.0;      // mean |T(i) - T(i+1)| / mean T (eGeMAPS jitterLocal)
  double shimmer_local_db = 0.0;  // mean |20 log10(A(i+1) / A(i))|, A = peak amplitude of
                                  // a cycle (eGeMAPS shimmerLocaldB)
  int periods = 0;                // cycles found
  int pairs = 0;                  // consecutive pairs the means are over (0 -> both are 0)
};
Perturbation MeasurePerturbation(const float* x, size_t n, const std::vector<float>& f0_hz,
                                 const PitchConfig& config);

}  // namespace burnout::voice
