// Known-answer tests of the acoustic analysis: synthetic tones, glides, noise, bursts and
// perturbed periods with computable answers, edge inputs, and espeak-ng speech whose
// prosody we control (skipped when espeak-ng is not installed).
#include "services/voice/acoustics.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <unistd.h>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/voice/dsp.h"
#include "services/voice/espeak.h"
#include "tests/services/voice/espeak_util.h"
#include "services/voice/harmonicity.h"
#include "services/voice/pitch.h"
#include "services/voice/voice_files.h"

namespace burnout::voice {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kRate = kAnalysisRate;

// ---- signal makers ----

// A harmonic complex (harmonic h at amplitude 1/h) following f0(t) (Hz), peak about `amp`.
template <typename F0>
std::vector<float> Harmonic(double seconds, F0 f0_at, int harmonics = 6, double amp = 0.3) {
  std::vector<float> x(static_cast<size_t>(seconds * kRate));
  double phase = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    double s = 0.0;
    for (int h = 1; h <= harmonics; ++h) s += std::sin(h * phase) / h;
    x[i] = static_cast<float>(amp * s / 1.5);
    phase += 2.0 * kPi * f0_at(static_cast<double>(i) / kRate) / kRate;
  }
  return x;
}

std::vector<float> Tone(double f0, double seconds, int harmonics = 6, double amp = 0.3) {
  return Harmonic(seconds, [f0](double) { return f0; }, harmonics, amp);
}

std::vector<float> WhiteNoise(double seconds, double stddev, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> d(0.0, stddev);
  std::vector<float> x(static_cast<size_t>(seconds * kRate));
  for (float& v : x) v = static_cast<float>(std::clamp(d(rng), -1.0, 1.0));
  return x;
}

void Add(std::vector<float>* x, const std::vector<float>& y) {
  for (size_t i = 0; i < std::min(x->size(), y.size()); ++i) (*x)[i] += y[i];
}

// Cycles of a fixed harmonic waveform whose lengths (and amplitudes) are drawn around
// `f0` with uniform relative perturbations of +-period_jitter (+-amp_jitter).
std::vector<float> PerturbedCycles(double f0, double seconds, double period_jitter,
                                   double amp_jitter, unsigned seed = 3) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::vector<float> x;
  while (x.size() < seconds * kRate) {
    const double period = kRate / f0 * (1.0 + period_jitter * u(rng));
    const double amp = 0.3 * (1.0 + amp_jitter * u(rng));
    const int n = static_cast<int>(std::lround(period));
    for (int k = 0; k < n; ++k) {
      const double phase = 2.0 * kPi * k / n;
      double s = 0.0;
      for (int h = 1; h <= 5; ++h) s += std::sin(h * phase) / h;
      x.push_back(static_cast<float>(amp * s / 1.5));
    }
  }
  return x;
}

// Raised-cosine tone bursts of `burst_s` at 160 Hz, separated by the given gaps, in noise
// 40 dB below the bursts' amplitude, starting and ending with 0.3 s of noise.
std::vector<float> Bursts(const std::vector<double>& gaps_s, double burst_s, double amp) {
  std::vector<float> x(static_cast<size_t>(0.3 * kRate), 0.0f);
  const std::vector<float> tone = Tone(160.0, burst_s, 6, amp);
  for (size_t b = 0; b <= gaps_s.size(); ++b) {
    for (size_t i = 0; i < tone.size(); ++i) {
      const double env = std::sin(kPi * static_cast<double>(i) / tone.size());
      x.push_back(static_cast<float>(tone[i] * env));
    }
    const double gap = b < gaps_s.size() ? gaps_s[b] : 0.3;
    x.resize(x.size() + static_cast<size_t>(gap * kRate), 0.0f);
  }
  Add(&x, WhiteNoise(static_cast<double>(x.size()) / kRate, amp * 1e-2, 9));
  return x;
}

AcousticAnalysis Analyze(const std::vector<float>& x) {
  return AnalyzeAcoustics(x.data(), x.size(), AcousticConfig{});
}

// The F0 track value nearest to `t` seconds (0 if unvoiced).
double F0At(const AcousticAnalysis& a, double t) {
  const size_t i = static_cast<size_t>(std::lround(t / AcousticConfig{}.frame_step_s));
  return i < a.f0_hz.size() ? a.f0_hz[i] : 0.0;
}

double MedianVoicedF0(const AcousticAnalysis& a) {
  std::vector<float> v;
  for (float f : a.f0_hz) {
    if (f > 0.0f) v.push_back(f);
  }
  return dsp::Median(v);
}

void ExpectAllFinite(const AcousticAnalysis& a, const std::string& what) {
  ASSERT_EQ(a.indicators.size(), AcousticIndicatorNames().size()) << what;
  for (size_t i = 0; i < a.indicators.size(); ++i) {
    EXPECT_EQ(a.indicators[i].name, AcousticIndicatorNames()[i]) << what;
    EXPECT_TRUE(std::isfinite(a.indicators[i].value)) << what << ": " << a.indicators[i].name;
  }
  EXPECT_EQ(a.f0_hz.size(), a.frame_dbfs.size()) << what;
  EXPECT_EQ(a.f0_hz.size(), a.speech.size()) << what;
  for (float v : a.f0_hz) EXPECT_TRUE(std::isfinite(v)) << what;
  for (float v : a.frame_dbfs) EXPECT_TRUE(std::isfinite(v)) << what;
}

// ---- dsp helpers ----

TEST(VoiceAcousticsDspTest, RealFftMatchesTheDftAndInverts) {
  for (size_t n : {4u, 16u, 512u}) {
    std::vector<float> x(n);
    std::mt19937 rng(static_cast<unsigned>(n));
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& v : x) v = u(rng);
    const dsp::RealFft fft(n);
    std::vector<dsp::Cpx> spectrum(n / 2 + 1);
    fft.Forward(x.data(), spectrum.data());
    for (size_t k = 0; k <= n / 2; ++k) {
      double re = 0.0, im = 0.0;
      for (size_t t = 0; t < n; ++t) {
        re += x[t] * std::cos(2.0 * kPi * k * t / n);
        im -= x[t] * std::sin(2.0 * kPi * k * t / n);
      }
      EXPECT_NEAR(spectrum[k].re, re, 1e-3) << "n=" << n << " k=" << k;
      EXPECT_NEAR(spectrum[k].im, im, 1e-3) << "n=" << n << " k=" << k;
    }
    std::vector<float> back(n);
    fft.Inverse(spectrum.data(), back.data());
    for (size_t t = 0; t < n; ++t) EXPECT_NEAR(back[t], x[t], 1e-5);
  }
}

TEST(VoiceAcousticsDspTest, ComplexFftOfAnExponentialIsOneBin) {
  const size_t n = 64;
  std::vector<dsp::Cpx> x(n);
  for (size_t t = 0; t < n; ++t) {
    x[t] = {static_cast<float>(std::cos(2.0 * kPi * 5 * t / n)),
            static_cast<float>(std::sin(2.0 * kPi * 5 * t / n))};
  }
  dsp::ComplexFft(n).Transform(x.data(), false);
  for (size_t k = 0; k < n; ++k) {
    EXPECT_NEAR(x[k].re, k == 5 ? 64.0 : 0.0, 1e-3) << k;
    EXPECT_NEAR(x[k].im, 0.0, 1e-3) << k;
  }
}

TEST(VoiceAcousticsDspTest, DctMelAndStatistics) {
  // The orthonormal DCT-II of a constant has only c0 = sqrt(n) * value.
  const std::vector<float> ones(26, 2.0f);
  float c[5];
  dsp::Dct2(26, 5).Apply(ones.data(), c);
  EXPECT_NEAR(c[0], 2.0 * std::sqrt(26.0), 1e-4);
  for (int k = 1; k < 5; ++k) EXPECT_NEAR(c[k], 0.0, 1e-4);
  // A flat power spectrum puts energy in every mel band, more in the wider high bands.
  const dsp::MelFilterbank mel(26, 512, 16000.0, 20.0, 8000.0);
  const std::vector<float> flat(257, 1.0f);
  std::vector<float> bands(26);
  mel.Apply(flat.data(), bands.data());
  for (float b : bands) EXPECT_GT(b, 0.0f);
  EXPECT_GT(bands[25], bands[0]);
  EXPECT_DOUBLE_EQ(dsp::Percentile({1.0f, 2.0f, 3.0f, 4.0f, 5.0f}, 0.5), 3.0);
  EXPECT_DOUBLE_EQ(dsp::Percentile({4.0f, 1.0f, 3.0f, 2.0f}, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(dsp::Percentile({}, 0.5), 0.0);
  EXPECT_DOUBLE_EQ(dsp::PowerToDb(0.0), -100.0);
  EXPECT_NEAR(dsp::HzToSemitones(55.0), 12.0, 1e-12);
  const double x[] = {0.0, 1.0, 2.0}, y[] = {1.0, 3.0, 5.0};
  EXPECT_DOUBLE_EQ(dsp::RegressionSlope(x, y, 3), 2.0);
}

// ---- the contract ----

// HNR by forward cross-correlation on signals whose harmonics-to-noise ratio is known: a
// periodic tone (harmonics of 140 Hz) with white noise added at a set power ratio.
TEST(HarmonicityTest, RecoversTheHarmonicsToNoiseRatioOfAToneInNoise) {
  const double fs = 16000;
  std::mt19937 rng(7);
  std::normal_distribution<double> gauss(0.0, 1.0);
  auto make = [&](double hnr_db) {
    std::vector<float> x(static_cast<size_t>(fs * 1.5));
    std::vector<double> tone(x.size()), noise(x.size());
    double pt = 0, pn = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double t = i / fs;
      for (int k = 1; k <= 8; ++k) tone[i] += std::sin(2 * M_PI * 140 * k * t + k) / k;
      noise[i] = gauss(rng);
      pt += tone[i] * tone[i];
      pn += noise[i] * noise[i];
    }
    const double g = std::sqrt(pt / pn / std::pow(10.0, hnr_db / 10.0));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(0.1 * (tone[i] + g * noise[i]));
    return x;
  };
  for (double target : {5.0, 10.0, 20.0}) {
    const auto x = make(target);
    int voiced = 0;
    const double hnr = MeasureHarmonicity(x.data(), x.size(), fs, HarmonicityConfig{}, &voiced);
    EXPECT_GT(voiced, 100) << target;
    EXPECT_NEAR(hnr, target, 1.5) << target;
  }
  // A clean tone is far above any of them; silence and pure noise have nothing periodic.
  const auto clean = make(80.0);
  EXPECT_GT(MeasureHarmonicity(clean.data(), clean.size(), fs, HarmonicityConfig{}), 35.0);
  std::vector<float> silence(16000, 0.0f);
  int voiced = -1;
  EXPECT_EQ(MeasureHarmonicity(silence.data(), silence.size(), fs, HarmonicityConfig{}, &voiced), 0.0);
  EXPECT_EQ(voiced, 0);
  std::vector<float> noise(24000);
  for (auto& v : noise) v = static_cast<float>(0.1 * gauss(rng));
  EXPECT_LT(MeasureHarmonicity(noise.data(), noise.size(), fs, HarmonicityConfig{}), 0.0);
  EXPECT_EQ(MeasureHarmonicity(nullptr, 0, fs, HarmonicityConfig{}), 0.0);
}

TEST(VoiceAcousticsTest, IndicatorNamesAndUnitsAreTheContract) {
  const std::vector<std::string> expected = {
      "duration_s", "speech_ratio", "voiced_ratio", "pause_count", "pause_mean_s",
      "pause_max_s", "speaking_rate_sps", "articulation_rate_sps", "f0_mean_hz", "f0_mean_st",
      "pitch_variability_st", "f0_range_st", "jitter_local", "shimmer_local_db", "hnr_db",
      "rms_dbfs", "energy_variability_db", "spectral_centroid_hz", "spectral_slope_0_500",
      "spectral_slope_500_1500", "alpha_ratio_db", "hammarberg_index_db", "mfcc1_mean",
      "mfcc2_mean", "mfcc3_mean", "mfcc4_mean", "mfcc1_std", "mfcc2_std", "mfcc3_std",
      "mfcc4_std", "noise_floor_dbfs", "snr_db", "loudness_peak_db", "f0_peak_st"};
  EXPECT_EQ(AcousticIndicatorNames(), expected);
  const AcousticAnalysis a = Analyze(Tone(200.0, 0.5));
  ASSERT_EQ(a.indicators.size(), expected.size());
  EXPECT_EQ(a.indicators[0].unit, "s");
  EXPECT_EQ(a.indicators[8].unit, "Hz");
  EXPECT_EQ(a.indicators[9].unit, "st");
  EXPECT_EQ(a.indicators[18].unit, "dB/Hz");
  EXPECT_NEAR(a.Get("duration_s"), 0.5, 1e-9);
  EXPECT_TRUE(std::isnan(a.Get("no_such_indicator")));
  // Frame i is centred at i * 10 ms, up to the last sample.
  EXPECT_EQ(a.f0_hz.size(), 50u);
}

// ---- pitch ----

TEST(VoiceAcousticsTest, Tone220HzIsTrackedWithinOnePercent) {
  const AcousticAnalysis a = Analyze(Tone(220.0, 1.0));
  EXPECT_NEAR(MedianVoicedF0(a), 220.0, 2.2);
  EXPECT_NEAR(a.Get("f0_mean_hz"), 220.0, 2.2);
  EXPECT_NEAR(a.Get("f0_mean_st"), 12.0 * std::log2(220.0 / 27.5), 0.18);  // 36 st
  EXPECT_GT(a.Get("voiced_ratio"), 0.9);
  EXPECT_LT(a.Get("pitch_variability_st"), 0.05);
}

class VoiceAcousticsToneTest : public ::testing::TestWithParam<double> {};

TEST_P(VoiceAcousticsToneTest, TrackedWithinOnePercent) {
  const double f0 = GetParam();
  const AcousticAnalysis a = Analyze(Tone(f0, 1.0, 10));
  EXPECT_NEAR(MedianVoicedF0(a), f0, 0.01 * f0);
  EXPECT_NEAR(a.Get("f0_mean_hz"), f0, 0.01 * f0);
  EXPECT_GT(a.Get("voiced_ratio"), 0.9);
  // TrackPitch alone gives the same track.
  const std::vector<float> x = Tone(f0, 1.0, 10);
  PitchConfig config;
  const std::vector<float> track = TrackPitch(x.data(), x.size(), config);
  EXPECT_EQ(track, a.f0_hz);
}

INSTANTIATE_TEST_SUITE_P(Frequencies, VoiceAcousticsToneTest, ::testing::Values(100.0, 150.0, 300.0));

TEST(VoiceAcousticsTest, MissingFundamentalIsNotAnOctaveError) {
  // Harmonics 2..6 of 120 Hz only: the pitch is still 120 Hz, not 240.
  std::vector<float> x = Tone(120.0, 1.0, 6);
  const std::vector<float> fundamental = Tone(120.0, 1.0, 1);
  for (size_t i = 0; i < x.size(); ++i) x[i] -= fundamental[i];
  const AcousticAnalysis a = Analyze(x);
  EXPECT_NEAR(MedianVoicedF0(a), 120.0, 1.2);
}

TEST(VoiceAcousticsTest, LinearGlideIsFollowed) {
  // 150 -> 300 Hz over 2 s.
  const auto f0 = [](double t) { return 150.0 + 75.0 * t; };
  const AcousticAnalysis a = Analyze(Harmonic(2.0, f0));
  for (double t : {0.1, 0.5, 1.0, 1.5, 1.9}) {
    EXPECT_NEAR(F0At(a, t), f0(t), 0.015 * f0(t)) << "at " << t << " s";
  }
  EXPECT_GT(a.Get("voiced_ratio"), 0.9);
  EXPECT_NEAR(a.Get("f0_range_st"), 0.9 * 12.0, 1.0);  // 5th..95th percentile of an octave
}

TEST(VoiceAcousticsTest, SilenceHasNoSpeechAndNoVoice) {
  const std::vector<float> x(2 * kAnalysisRate, 0.0f);
  const AcousticAnalysis a = Analyze(x);
  ExpectAllFinite(a, "silence");
  EXPECT_EQ(a.Get("speech_ratio"), 0.0);
  EXPECT_EQ(a.Get("voiced_ratio"), 0.0);
  EXPECT_EQ(a.Get("pause_count"), 0.0);
  EXPECT_TRUE(a.syllable_nuclei_s.empty());
  EXPECT_EQ(a.Get("noise_floor_dbfs"), -100.0);
}

TEST(VoiceAcousticsTest, WhiteNoiseIsNearlyUnvoiced) {
  const AcousticAnalysis a = Analyze(WhiteNoise(3.0, 0.1));
  ExpectAllFinite(a, "noise");
  EXPECT_LT(a.Get("voiced_ratio"), 0.05);
  EXPECT_LT(a.Get("speech_ratio"), 0.1);
  EXPECT_LT(a.syllable_nuclei_s.size(), 2u);
}

// ---- activity, pauses, syllables ----

TEST(VoiceAcousticsTest, BurstsGiveNucleiAndPauses) {
  // 8 bursts; the 0.1 s gaps are inside speech, the 0.5 and 0.8 s gaps are pauses.
  const std::vector<double> gaps = {0.1, 0.1, 0.5, 0.1, 0.1, 0.8, 0.1};
  const AcousticAnalysis a = Analyze(Bursts(gaps, 0.2, 0.3));
  EXPECT_EQ(a.syllable_nuclei_s.size(), 8u);
  EXPECT_EQ(a.Get("pause_count"), 2.0);
  EXPECT_NEAR(a.Get("pause_max_s"), 0.8, 0.06);
  EXPECT_NEAR(a.Get("pause_mean_s"), 0.65, 0.06);
  // Speech: 8 bursts and 5 short gaps = 2.1 s of 3.9 s.
  EXPECT_NEAR(a.Get("speech_ratio"), 2.1 / 3.9, 0.05);
  EXPECT_NEAR(a.Get("speaking_rate_sps"), 8.0 / 3.9, 0.3);
  EXPECT_NEAR(a.Get("articulation_rate_sps"), 8.0 / 2.1, 0.4);
  // Each nucleus sits in a burst: bursts start at 0.3 s.
  ASSERT_FALSE(a.syllable_nuclei_s.empty());
  EXPECT_NEAR(a.syllable_nuclei_s[0], 0.3 + 0.1, 0.05);
}

TEST(VoiceAcousticsTest, VoiceActivityAdaptsToQuietRecordings) {
  const std::vector<double> gaps = {0.1, 0.6, 0.1, 0.4};
  const AcousticAnalysis loud = Analyze(Bursts(gaps, 0.25, 0.3));
  const AcousticAnalysis quiet = Analyze(Bursts(gaps, 0.25, 0.003));  // 40 dB lower
  EXPECT_EQ(quiet.Get("pause_count"), 2.0);
  EXPECT_EQ(quiet.Get("pause_count"), loud.Get("pause_count"));
  EXPECT_EQ(quiet.syllable_nuclei_s.size(), loud.syllable_nuclei_s.size());
  EXPECT_NEAR(quiet.Get("speech_ratio"), loud.Get("speech_ratio"), 0.03);
  EXPECT_NEAR(quiet.Get("rms_dbfs"), loud.Get("rms_dbfs") - 40.0, 1.0);
  EXPECT_NEAR(quiet.Get("snr_db"), loud.Get("snr_db"), 3.0);
}

// ---- voice quality ----

TEST(VoiceAcousticsTest, JitterIsNearZeroForPeriodicAndLargerForPerturbedPeriods) {
  const AcousticAnalysis clean = Analyze(PerturbedCycles(150.0, 2.0, 0.0, 0.0));
  const AcousticAnalysis jittery = Analyze(PerturbedCycles(150.0, 2.0, 0.04, 0.0));
  EXPECT_LT(clean.Get("jitter_local"), 0.002);
  // Uniform +-4% periods: E|T(i) - T(i+1)| / T = 2 * 0.04 / 3 = 0.027 (before rounding to
  // whole samples).
  EXPECT_NEAR(jittery.Get("jitter_local"), 0.027, 0.008);
  EXPECT_LT(clean.Get("shimmer_local_db"), 0.1);
}

TEST(VoiceAcousticsTest, ShimmerFollowsAmplitudePerturbation) {
  const AcousticAnalysis clean = Analyze(PerturbedCycles(150.0, 2.0, 0.0, 0.0));
  const AcousticAnalysis shimmery = Analyze(PerturbedCycles(150.0, 2.0, 0.0, 0.1));
  // Uniform +-10% amplitudes: E|20 log10(A1/A2)| is about 20/ln10 * 0.2/3 = 0.58 dB.
  EXPECT_NEAR(shimmery.Get("shimmer_local_db"), 0.58, 0.15);
  EXPECT_LT(clean.Get("shimmer_local_db"), 0.1);
}

TEST(VoiceAcousticsTest, HnrIsHighForCleanAndLowerForNoisyVoice) {
  const std::vector<float> clean = Tone(180.0, 2.0);
  std::vector<float> noisy = clean;
  Add(&noisy, WhiteNoise(2.0, 0.06));  // tone RMS ~0.19: SNR about 10 dB
  const double hnr_clean = Analyze(clean).Get("hnr_db");
  const double hnr_noisy = Analyze(noisy).Get("hnr_db");
  EXPECT_GT(hnr_clean, 25.0);
  EXPECT_LT(hnr_noisy, hnr_clean - 10.0);
  EXPECT_GT(hnr_noisy, 0.0);
}

// ---- spectrum ----

TEST(VoiceAcousticsTest, SpectralBalanceMovesTheRightWay) {
  // Dull: 2 harmonics; bright: 40 harmonics with a flat spectrum up to 6 kHz.
  const AcousticAnalysis dull = Analyze(Tone(150.0, 1.0, 2));
  std::vector<float> bright(kAnalysisRate);
  for (size_t i = 0; i < bright.size(); ++i) {
    double s = 0.0;
    for (int h = 1; h <= 40; ++h) s += std::sin(2.0 * kPi * 150.0 * h * i / kRate);
    bright[i] = static_cast<float>(0.02 * s);
  }
  const AcousticAnalysis b = Analyze(bright);
  EXPECT_GT(b.Get("spectral_centroid_hz"), dull.Get("spectral_centroid_hz") + 1000.0);
  EXPECT_GT(dull.Get("alpha_ratio_db"), b.Get("alpha_ratio_db") + 10.0);
  EXPECT_GT(dull.Get("hammarberg_index_db"), b.Get("hammarberg_index_db") + 10.0);
  EXPECT_NEAR(b.Get("hammarberg_index_db"), 0.0, 3.0);  // equal harmonics below and above 2 kHz
  EXPECT_NE(b.Get("mfcc1_mean"), dull.Get("mfcc1_mean"));
}

// ---- edge inputs ----

TEST(VoiceAcousticsTest, EdgeInputsGiveFiniteIndicators) {
  ExpectAllFinite(AnalyzeAcoustics(nullptr, 0, AcousticConfig{}), "empty");
  const float one = 0.5f;
  ExpectAllFinite(AnalyzeAcoustics(&one, 1, AcousticConfig{}), "1 sample");
  ExpectAllFinite(Analyze(std::vector<float>(100, 0.2f)), "100 samples");
  ExpectAllFinite(Analyze(std::vector<float>(kAnalysisRate, 0.0f)), "zeros");
  ExpectAllFinite(Analyze(std::vector<float>(kAnalysisRate, 0.5f)), "DC");
  std::vector<float> square(kAnalysisRate);
  for (size_t i = 0; i < square.size(); ++i) square[i] = (i / 40) % 2 ? 1.0f : -1.0f;
  const AcousticAnalysis sq = Analyze(square);
  ExpectAllFinite(sq, "square");
  EXPECT_NEAR(MedianVoicedF0(sq), 200.0, 2.0);
  ExpectAllFinite(Analyze(WhiteNoise(1.0, 0.3)), "white noise");
  ExpectAllFinite(Analyze(Tone(200.0, 1.0, 6, 1e-5)), "-100 dB tone");
  const AcousticAnalysis dc = Analyze(std::vector<float>(kAnalysisRate, 0.5f));
  EXPECT_EQ(dc.Get("voiced_ratio"), 0.0);
}

// ---- espeak-ng speech ----

using testutil::Speak;

class VoiceAcousticsEspeakTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!EspeakAvailable()) GTEST_SKIP() << "espeak-ng is not on PATH (apt-get install espeak-ng)";
  }
  // 22 syllables.
  static constexpr char kSentence[] =
      "The quick brown fox jumps over the lazy dog, and then it runs away into the forest.";

  AcousticAnalysis AnalyzeSpeech(int pitch, int speed, const std::string& range) {
    const std::vector<float> x = Speak(kSentence, pitch, speed, range);
    EXPECT_GT(x.size(), static_cast<size_t>(kAnalysisRate)) << "espeak-ng produced no audio";
    const AcousticAnalysis a = Analyze(x);
    ExpectAllFinite(a, "espeak-ng speech");
    return a;
  }
};

TEST_F(VoiceAcousticsEspeakTest, MonotoneSlowVersusVariedFast) {
  // A flat intonation range 10%, slow, low pitch; versus 200%, fast, high.
  const AcousticAnalysis flat = AnalyzeSpeech(50, 110, "10%");
  const AcousticAnalysis lively = AnalyzeSpeech(70, 190, "200%");
  EXPECT_LT(flat.Get("pitch_variability_st"), 1.0);
  EXPECT_GT(lively.Get("pitch_variability_st"), flat.Get("pitch_variability_st") + 1.0);
  EXPECT_GT(lively.Get("pitch_variability_st"), 3.0 * flat.Get("pitch_variability_st"));
  EXPECT_GT(lively.Get("f0_range_st"), flat.Get("f0_range_st") + 4.0);
  EXPECT_GT(lively.Get("speaking_rate_sps"), 1.3 * flat.Get("speaking_rate_sps"));
  EXPECT_GT(lively.Get("articulation_rate_sps"), 1.3 * flat.Get("articulation_rate_sps"));
  EXPECT_GT(lively.Get("f0_mean_hz"), flat.Get("f0_mean_hz"));
  for (const AcousticAnalysis* a : {&flat, &lively}) {
    EXPECT_GT(a->Get("speech_ratio"), 0.6);
    EXPECT_GT(a->Get("voiced_ratio"), 0.4);
    // The sentence has 22 syllables; the nuclei detector should land near that.
    EXPECT_NEAR(static_cast<double>(a->syllable_nuclei_s.size()), 22.0, 6.0);
  }
}

TEST_F(VoiceAcousticsEspeakTest, HigherPitchSettingGivesHigherF0) {
  const double low = AnalyzeSpeech(40, 175, "").Get("f0_mean_hz");
  const double mid = AnalyzeSpeech(60, 175, "").Get("f0_mean_hz");
  const double high = AnalyzeSpeech(80, 175, "").Get("f0_mean_hz");
  EXPECT_GT(low, 75.0);
  EXPECT_GT(mid, low * 1.05);
  EXPECT_GT(high, mid * 1.05);
}

TEST_F(VoiceAcousticsEspeakTest, RelativeLoudnessAndPitchPeaksIgnoreTheGain) {
  const std::vector<float> x = Speak(kSentence, 60, 175, "");
  std::vector<float> quiet = x;
  for (float& v : quiet) v *= 0.1f;
  const AcousticAnalysis a = Analyze(x), q = Analyze(quiet);
  // (Digital-silence frames inside speech stay at the -100 dB floor, so the mean level moves
  // a little less than the gain.)
  EXPECT_NEAR(q.Get("rms_dbfs"), a.Get("rms_dbfs") - 20.0, 2.0);
  EXPECT_GT(a.Get("loudness_peak_db"), 1.0);
  EXPECT_GT(a.Get("f0_peak_st"), 0.5);
  for (const char* name : {"loudness_peak_db", "f0_peak_st", "energy_variability_db",
                           "jitter_local", "shimmer_local_db", "hnr_db", "alpha_ratio_db",
                           "hammarberg_index_db", "spectral_slope_0_500",
                           "spectral_slope_500_1500", "pitch_variability_st",
                           "speaking_rate_sps"}) {
    EXPECT_NEAR(q.Get(name), a.Get(name), 1e-3 * std::max(1.0, std::fabs(a.Get(name)))) << name;
  }
}

// Jitter, shimmer and HNR against Praat itself on espeak-ng speech (skipped without Praat):
// our measures stay within the agreement services/voice/README.md documents
// (burnout-voice-compare-praat on 16 utterances: median jitter 4%, shimmer 28%, HNR 0.07 dB;
// on these four clips jitter is about 9% and shimmer 34%). HNR and jitter meet their aims
// (0.5 dB, 5% over the corpus); shimmer is short of its 10%. A regression past these bounds fails.
TEST_F(VoiceAcousticsEspeakTest, VoiceQualityAgreesWithPraat) {
  if (!RunCommand({"praat", "--version"}).ok()) GTEST_SKIP() << "praat is not on PATH";
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("burnout-voice-praat-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string script = (dir / "report.praat").string();
  std::ofstream(script) << "form Report\n  sentence File\nendform\n"
                           "sound = Read from file: file$\n"
                           "pulses = To PointProcess (periodic, cc): 75, 600\n"
                           "jitter = Get jitter (local): 0, 0, 0.0001, 0.02, 1.3\n"
                           "selectObject: sound, pulses\n"
                           "shimmer = Get shimmer (local_dB): 0, 0, 0.0001, 0.02, 1.3, 1.6\n"
                           "selectObject: sound\n"
                           "To Harmonicity (cc): 0.01, 75, 0.1, 1.0\n"
                           "hnr = Get mean: 0, 0\n"
                           "writeInfoLine: jitter, \" \", shimmer, \" \", hnr\n";
  std::vector<double> dj, dsh, dh;
  const struct {
    int pitch, speed;
    const char* range;
  } kClips[] = {{50, 175, ""}, {80, 140, ""}, {40, 200, ""}, {65, 120, "200%"}};
  for (const auto& c : kClips) {
    const std::vector<float> x = Speak(kSentence, c.pitch, c.speed, c.range);
    ASSERT_FALSE(x.empty());
    const std::string wav = (dir / ("p" + std::to_string(c.pitch) + ".wav")).string();
    ASSERT_TRUE(WriteWav16k(wav, x).ok());
    // Both read the same 16-bit samples.
    absl::StatusOr<DecodedAudio> audio = ReadAudioFile(wav);
    ASSERT_TRUE(audio.ok()) << audio.status();
    const AcousticAnalysis ours = Analyze(audio->samples);
    absl::StatusOr<std::string> out = RunCommand({"praat", "--run", script, wav});
    ASSERT_TRUE(out.ok()) << out.status();
    std::istringstream in(*out);
    double jitter = 0, shimmer = 0, hnr = 0;
    ASSERT_TRUE(in >> jitter >> shimmer >> hnr) << *out;
    dj.push_back(std::fabs(ours.Get("jitter_local") - jitter) / jitter);
    dsh.push_back(std::fabs(ours.Get("shimmer_local_db") - shimmer) / shimmer);
    dh.push_back(std::fabs(ours.Get("hnr_db") - hnr));
    std::printf("%s: jitter %.1f%%, shimmer %.1f%%, HNR %.2f dB from Praat\n", wav.c_str(), 100 * dj.back(),
                100 * dsh.back(), dh.back());
    // Every clip stays within the documented maxima, not just the median.
    EXPECT_LT(dj.back(), 0.15) << wav;
    EXPECT_LT(dsh.back(), 0.9) << wav;
    EXPECT_LT(dh.back(), 1.0) << wav;
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return 0.5 * (v[(v.size() - 1) / 2] + v[v.size() / 2]);
  };
  EXPECT_LT(median(dj), 0.12);
  EXPECT_LT(median(dsh), 0.5);
  EXPECT_LT(median(dh), 0.5);
}

TEST_F(VoiceAcousticsEspeakTest, SlowerSpeechHasLowerRate) {
  const AcousticAnalysis slow = AnalyzeSpeech(50, 120, "");
  const AcousticAnalysis fast = AnalyzeSpeech(50, 220, "");
  EXPECT_GT(slow.Get("duration_s"), fast.Get("duration_s") * 1.3);
  EXPECT_GT(fast.Get("speaking_rate_sps"), slow.Get("speaking_rate_sps") * 1.3);
  EXPECT_NEAR(fast.Get("f0_mean_hz"), slow.Get("f0_mean_hz"), 0.1 * slow.Get("f0_mean_hz"));
}

}  // namespace
}  // namespace burnout::voice
