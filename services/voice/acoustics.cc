// The acoustic indicators, in the order AnalyzeAcoustics emits them. "Speech frames" are
// the voice-activity frames, "voiced frames" those with an F0. eGeMAPS names refer to Eyben
// et al. (2016) where the definition matches.
//
// | name                    | unit        | definition (eGeMAPS counterpart)                       |
// |-------------------------|-------------|--------------------------------------------------------|
// | duration_s              | s           | length of the input                                    |
// | speech_ratio            | ratio       | speech frames / all frames                             |
// | voiced_ratio            | ratio       | voiced frames / all frames                             |
// | pause_count             | count       | silences >= min_pause_s between speech segments         |
// |                         |             | (leading and trailing silence not counted)             |
// | pause_mean_s            | s           | mean length of those pauses                            |
// | pause_max_s             | s           | longest pause                                          |
// | speaking_rate_sps       | syllables/s | syllable nuclei / duration_s (de Jong & Wempe 2009)   |
// | articulation_rate_sps   | syllables/s | syllable nuclei / speech time                          |
// | f0_mean_hz              | Hz          | mean F0 over voiced frames                             |
// | f0_mean_st              | st          | mean F0 in semitones re 27.5 Hz                        |
// |                         |             | (F0semitoneFrom27.5Hz_sma3nz_amean)                    |
// | pitch_variability_st    | st          | robust standard deviation of voiced F0 in semitones:   |
// |                         |             | 1.4826 x median |st - median st|; equals the std for    |
// |                         |             | normally spread pitch, ignores octave errors (eGeMAPS  |
// |                         |             | gives stddevNorm, the std / mean, instead)             |
// | f0_range_st             | st          | 95th - 5th percentile of voiced F0, semitones          |
// | jitter_local            | ratio       | mean |T(i) - T(i+1)| / mean T over glottal cycles      |
// |                         |             | (jitterLocal)                                          |
// | shimmer_local_db        | dB          | mean |20 log10(A(i+1)/A(i))| of cycle peak amplitudes  |
// |                         |             | (shimmerLocaldB)                                       |
// | hnr_db                  | dB          | mean over voiced frames of 10 log10(r / (1 - r)), r =  |
// |                         |             | forward cross-correlation at the period, one-floor-    |
// |                         |             | period windows every 10 ms (harmonicity.h)             |
// | rms_dbfs                | dB          | mean frame level over speech frames (dB re full scale  |
// |                         |             | 1.0, so a full-scale sine is -3 dBFS)                  |
// | energy_variability_db   | dB          | robust standard deviation (1.4826 x MAD) of frame      |
// |                         |             | level over voiced frames: loudness movement of vowels, |
// |                         |             | not the consonant/closure dips                         |
// | spectral_centroid_hz    | Hz          | mean power-weighted mean frequency, speech frames       |
// | spectral_slope_0_500    | dB/Hz       | regression slope of the dB power spectrum over         |
// |                         |             | 0-500 Hz, mean over voiced frames (slopeV0-500)        |
// | spectral_slope_500_1500 | dB/Hz       | same over 500-1500 Hz (slopeV500-1500)                 |
// | alpha_ratio_db          | dB          | 10 log10(energy 50-1000 Hz / energy 1-5 kHz), mean     |
// |                         |             | over voiced frames (alphaRatioV)                       |
// | hammarberg_index_db     | dB          | 10 log10(max power 0-2 kHz / max power 2-5 kHz), mean  |
// |                         |             | over voiced frames (hammarbergIndexV)                  |
// | mfcc1_mean .. 4_mean    | 1           | mean of MFCC 1-4 over speech frames (mfcc1-4_sma3):    |
// |                         |             | 26 mel bands 20-8000 Hz on a 0.97-pre-emphasised power |
// |                         |             | spectrum, natural log, orthonormal DCT-II, lifter 22   |
// | mfcc1_std .. 4_std      | 1           | their standard deviations                              |
// | noise_floor_dbfs        | dB          | 10th percentile of all frame levels                    |
// | snr_db                  | dB          | rms_dbfs - noise_floor_dbfs                            |
// | loudness_peak_db        | dB          | 95th percentile of voiced-frame level - median speech- |
// |                         |             | frame level: how far loudness peaks rise above the     |
// |                         |             | clip's own median (gain-free, unlike rms_dbfs)         |
// | f0_peak_st              | st          | 95th percentile - median of voiced F0, semitones: how  |
// |                         |             | far pitch peaks rise above the clip's own median       |
//
// Frames: levels and spectra use a 25 ms Hann window centred on each frame; pitch uses
// Praat's 3-periods-of-the-floor window (pitch.h).
#include "services/voice/acoustics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/schema/voice_schema.h"
#include "services/voice/dsp.h"
#include "services/voice/harmonicity.h"
#include "services/voice/pitch.h"

namespace burnout::voice {
namespace {

// 1.4826 x the median absolute deviation: the standard deviation of normally spread values,
// unmoved by a few outliers (octave errors, clicks). 0 for fewer than two values.
double RobustStd(const std::vector<float>& values) {
  if (values.size() < 2) return 0.0;
  const double median = dsp::Median(values);
  std::vector<float> dev(values.size());
  for (size_t i = 0; i < values.size(); ++i) dev[i] = static_cast<float>(std::abs(values[i] - median));
  return 1.4826 * dsp::Median(dev);
}


using schema::IndicatorSpec;
// The indicators, in order, as the voice analyzer publishes them (common/schema/voice_schema.h).
constexpr const IndicatorSpec* kIndicators = schema::kVoiceIndicators;
constexpr size_t kNumIndicators = schema::kNumVoiceIndicators;

constexpr double kPi = 3.14159265358979323846;
constexpr double kLevelFloorDb = -100.0;  // frame_dbfs of digital silence
constexpr double kSilenceDb = -90.0;      // no frame below this is speech
constexpr double kSpectralWindowS = 0.025;
constexpr int kMelBands = 26;
constexpr int kMfccs = 4;           // MFCC 1..4 (0 is left out, as in eGeMAPS)
constexpr double kCepLifter = 22.0;
constexpr double kPreEmphasis = 0.97;
constexpr double kMaxHnrDb = 50.0;  // r is clamped so a perfect periodicity stays finite

// Runs of equal values in a 0/1 mask: [begin, end).
struct Run {
  size_t begin;
  size_t end;
};
std::vector<Run> Runs(const std::vector<uint8_t>& mask, uint8_t value) {
  std::vector<Run> runs;
  for (size_t i = 0; i < mask.size();) {
    if (mask[i] != value) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < mask.size() && mask[j] == value) ++j;
    runs.push_back({i, j});
    i = j;
  }
  return runs;
}

// Per-frame spectral measures, accumulated over the frames they apply to.
class SpectralAnalyzer {
 public:
  SpectralAnalyzer()
      : length_(static_cast<int>(kSpectralWindowS * kAnalysisRate)),
        fft_(dsp::NextPowerOfTwo(static_cast<size_t>(length_))),
        window_(dsp::HannWindow(static_cast<size_t>(length_))),
        mel_(kMelBands, fft_.size(), kAnalysisRate, 20.0, 8000.0),
        dct_(kMelBands, kMfccs + 1),
        frame_(fft_.size()),
        spectrum_(fft_.size() / 2 + 1),
        power_(fft_.size() / 2 + 1),
        emphasis_(fft_.size() / 2 + 1),
        emphasised_(fft_.size() / 2 + 1),
        bin_hz_(fft_.size() / 2 + 1) {
    double w2 = 0.0;
    for (float w : window_) w2 += w * w;
    power_scale_ = 1.0 / (w2 * static_cast<double>(fft_.size()) / 2.0);
    for (size_t k = 0; k < bin_hz_.size(); ++k) {
      bin_hz_[k] = static_cast<double>(k) * kAnalysisRate / static_cast<double>(fft_.size());
      const double w = 2.0 * kPi * bin_hz_[k] / kAnalysisRate;
      emphasis_[k] =
          static_cast<float>(1.0 + kPreEmphasis * kPreEmphasis - 2.0 * kPreEmphasis * std::cos(w));
    }
    for (int i = 1; i <= kMfccs; ++i) {
      lifter_[i - 1] = 1.0 + kCepLifter / 2.0 * std::sin(kPi * i / kCepLifter);
    }
  }

  int length() const { return length_; }

  // Adds the frame centred at sample `centre`; `voiced` selects the voiced-only measures.
  void Add(const float* x, size_t n, int64_t centre, bool voiced) {
    const int64_t start = centre - length_ / 2;
    for (int j = 0; j < length_; ++j) {
      const int64_t i = start + j;
      frame_[j] = (i >= 0 && i < static_cast<int64_t>(n)) ? x[i] * window_[j] : 0.0f;
    }
    std::fill(frame_.begin() + length_, frame_.end(), 0.0f);
    fft_.Forward(frame_.data(), spectrum_.data());
    double total = 0.0, weighted = 0.0;
    for (size_t k = 0; k < power_.size(); ++k) {
      const double p = (spectrum_[k].re * spectrum_[k].re + spectrum_[k].im * spectrum_[k].im) *
                       power_scale_;
      power_[k] = static_cast<float>(p);
      total += p;
      weighted += p * bin_hz_[k];
    }
    if (total <= 0.0) return;  // digital silence inside speech: nothing to describe
    centroid_.push_back(weighted / total);
    AddMfcc();
    if (voiced) AddVoiced();
  }

  double centroid() const { return dsp::MeanAndStd(centroid_).mean; }
  double slope_low() const { return dsp::MeanAndStd(slope_low_).mean; }
  double slope_mid() const { return dsp::MeanAndStd(slope_mid_).mean; }
  double alpha() const { return dsp::MeanAndStd(alpha_).mean; }
  double hammarberg() const { return dsp::MeanAndStd(hammarberg_).mean; }
  dsp::MeanStd mfcc(int i) const { return dsp::MeanAndStd(mfcc_[i]); }

 private:
  void AddMfcc() {
    for (size_t k = 0; k < power_.size(); ++k) emphasised_[k] = power_[k] * emphasis_[k];
    float mel[kMelBands];
    mel_.Apply(emphasised_.data(), mel);
    for (float& m : mel) m = std::log(std::max(m, 1e-10f));
    float cep[kMfccs + 1];
    dct_.Apply(mel, cep);
    for (int i = 0; i < kMfccs; ++i) mfcc_[i].push_back(cep[i + 1] * lifter_[i]);
  }

  // Sums power in [lo, hi) Hz, or its maximum.
  double BandSum(double lo, double hi) const {
    double s = 0.0;
    for (size_t k = 0; k < power_.size(); ++k) {
      if (bin_hz_[k] >= lo && bin_hz_[k] < hi) s += power_[k];
    }
    return s;
  }
  double BandMax(double lo, double hi) const {
    double m = 0.0;
    for (size_t k = 0; k < power_.size(); ++k) {
      if (bin_hz_[k] >= lo && bin_hz_[k] < hi) m = std::max(m, double{power_[k]});
    }
    return m;
  }
  double BandSlope(double lo, double hi) const {
    double hz[64], db[64];
    size_t m = 0;
    for (size_t k = 0; k < power_.size() && m < 64; ++k) {
      if (bin_hz_[k] >= lo && bin_hz_[k] <= hi) {
        hz[m] = bin_hz_[k];
        db[m] = dsp::PowerToDb(power_[k], -200.0);
        ++m;
      }
    }
    return dsp::RegressionSlope(hz, db, m);
  }

  void AddVoiced() {
    slope_low_.push_back(BandSlope(0.0, 500.0));
    slope_mid_.push_back(BandSlope(500.0, 1500.0));
    const double low = BandSum(50.0, 1000.0), high = BandSum(1000.0, 5000.0);
    if (low > 0.0 && high > 0.0) alpha_.push_back(10.0 * std::log10(low / high));
    const double max_low = BandMax(0.0, 2000.0), max_high = BandMax(2000.0, 5000.0);
    if (max_low > 0.0 && max_high > 0.0) {
      hammarberg_.push_back(10.0 * std::log10(max_low / max_high));
    }
  }

  const int length_;
  dsp::RealFft fft_;
  std::vector<float> window_;
  dsp::MelFilterbank mel_;
  dsp::Dct2 dct_;
  std::vector<float> frame_;
  std::vector<dsp::Cpx> spectrum_;
  std::vector<float> power_;
  std::vector<float> emphasis_;  // |1 - 0.97 e^{-iw}|^2 per bin
  std::vector<float> emphasised_;
  std::vector<double> bin_hz_;
  double power_scale_ = 1.0;     // makes power a per-sample mean square (one-sided)
  double lifter_[kMfccs] = {};
  std::vector<double> centroid_, slope_low_, slope_mid_, alpha_, hammarberg_;
  std::vector<double> mfcc_[kMfccs];
};

// Level (dBFS) of the Hann-weighted window of `length` samples centred at each frame;
// window parts outside the signal do not count.
std::vector<float> FrameLevels(const float* x, size_t n, size_t frames, double hop, int length) {
  const std::vector<float> w = dsp::HannWindow(static_cast<size_t>(length));
  std::vector<float> w2(w.size());
  for (size_t j = 0; j < w.size(); ++j) w2[j] = w[j] * w[j];
  std::vector<float> levels(frames, static_cast<float>(kLevelFloorDb));
  std::vector<float> sq(static_cast<size_t>(length));
  for (size_t i = 0; i < frames; ++i) {
    const int64_t start = std::llround(static_cast<double>(i) * hop) - length / 2;
    const int64_t lo = std::max<int64_t>(0, -start);
    const int64_t hi = std::min<int64_t>(length, static_cast<int64_t>(n) - start);
    if (hi <= lo) continue;
    const float* seg = x + start + lo;
    for (int64_t j = 0; j < hi - lo; ++j) sq[j] = seg[j] * seg[j];
    const double energy = dsp::Dot(sq.data(), w2.data() + lo, static_cast<size_t>(hi - lo));
    double norm = 0.0;
    for (int64_t j = lo; j < hi; ++j) norm += w2[j];
    if (norm > 0.0) levels[i] = static_cast<float>(dsp::PowerToDb(energy / norm, kLevelFloorDb));
  }
  return levels;
}

// The voice-activity mask (see AcousticConfig).
std::vector<uint8_t> DetectSpeech(const std::vector<float>& levels, const std::vector<float>& f0,
                                  const AcousticConfig& config, double step) {
  const size_t frames = levels.size();
  std::vector<uint8_t> speech(frames, 0);
  if (frames == 0) return speech;
  const double floor_db = dsp::Percentile(levels, 0.10);
  const double loud_db = dsp::Percentile(levels, 0.95);
  const double threshold =
      floor_db + std::max(config.vad_min_margin_db, config.vad_range_fraction * (loud_db - floor_db));
  for (size_t i = 0; i < frames; ++i) {
    speech[i] = ((levels[i] >= threshold && levels[i] > kSilenceDb) || f0[i] > 0.0f) ? 1 : 0;
  }
  // Hangover: hold speech a little after it falls below.
  const size_t hold = static_cast<size_t>(std::lround(std::max(0.0, config.vad_hangover_s) / step));
  for (const Run& r : Runs(speech, 1)) {
    for (size_t i = r.end; i < std::min(frames, r.end + hold); ++i) speech[i] = 1;
  }
  // Bridge silences too short to be pauses.
  const std::vector<Run> gaps = Runs(speech, 0);
  for (const Run& g : gaps) {
    if (g.begin == 0 || g.end == frames) continue;
    if (static_cast<double>(g.end - g.begin) * step < config.min_pause_s) {
      std::fill(speech.begin() + static_cast<std::ptrdiff_t>(g.begin),
                speech.begin() + static_cast<std::ptrdiff_t>(g.end), 1);
    }
  }
  // Drop segments with too little voicing.
  const double min_voiced = std::max(config.min_voiced_s, step);
  for (const Run& r : Runs(speech, 1)) {
    size_t voiced = 0;
    for (size_t i = r.begin; i < r.end; ++i) voiced += f0[i] > 0.0f ? 1 : 0;
    if (static_cast<double>(voiced) * step + 1e-9 < min_voiced) {
      std::fill(speech.begin() + static_cast<std::ptrdiff_t>(r.begin),
                speech.begin() + static_cast<std::ptrdiff_t>(r.end), 0);
    }
  }
  return speech;
}

// Syllable nuclei: peaks of the smoothed intensity in voiced speech, above the threshold and
// separated from the previous nucleus by a dip (see AcousticConfig). Returns frame indices.
std::vector<size_t> FindNuclei(const std::vector<float>& levels, const std::vector<uint8_t>& speech,
                               const std::vector<float>& f0, const AcousticConfig& config) {
  const size_t frames = levels.size();
  std::vector<size_t> nuclei;
  if (frames < 3) return nuclei;
  // Smooth in the power domain with a (1 2 3 2 1) kernel: ~60 ms, like Praat's intensity
  // for a 50 Hz floor as de Jong & Wempe use.
  static constexpr double kKernel[5] = {1.0, 2.0, 3.0, 2.0, 1.0};
  std::vector<float> intensity(frames);
  for (size_t i = 0; i < frames; ++i) {
    double sum = 0.0, weight = 0.0;
    for (int k = -2; k <= 2; ++k) {
      const int64_t j = static_cast<int64_t>(i) + k;
      if (j < 0 || j >= static_cast<int64_t>(frames)) continue;
      sum += kKernel[k + 2] * std::pow(10.0, levels[static_cast<size_t>(j)] / 10.0);
      weight += kKernel[k + 2];
    }
    intensity[i] = static_cast<float>(dsp::PowerToDb(sum / weight, kLevelFloorDb));
  }
  const double threshold =
      std::max(dsp::Median(intensity) + config.nucleus_above_median_db,
               dsp::Percentile(intensity, 0.99) - config.nucleus_range_db);
  auto voiced_near = [&](size_t i) {
    for (size_t j = i >= 2 ? i - 2 : 0; j <= std::min(frames - 1, i + 2); ++j) {
      if (f0[j] > 0.0f) return true;
    }
    return false;
  };
  for (size_t i = 1; i + 1 < frames; ++i) {
    if (!speech[i] || intensity[i] < threshold) continue;
    if (!(intensity[i] > intensity[i - 1] && intensity[i] >= intensity[i + 1])) continue;
    if (!voiced_near(i)) continue;
    if (nuclei.empty()) {
      nuclei.push_back(i);
      continue;
    }
    const size_t prev = nuclei.back();
    float dip = intensity[i];
    bool gap = false;
    for (size_t j = prev + 1; j < i; ++j) {
      dip = std::min(dip, intensity[j]);
      gap = gap || !speech[j];
    }
    const double min_dip = config.nucleus_min_dip_db;
    if (gap || (intensity[prev] - dip >= min_dip && intensity[i] - dip >= min_dip)) {
      nuclei.push_back(i);
    } else if (intensity[i] > intensity[prev]) {
      nuclei.back() = i;  // one syllable: keep its higher peak
    }
  }
  return nuclei;
}

}  // namespace

const std::vector<std::string>& AcousticIndicatorNames() {
  static const std::vector<std::string>* names = [] {
    auto* v = new std::vector<std::string>();
    for (const IndicatorSpec& s : schema::kVoiceIndicators) v->push_back(s.name);
    return v;
  }();
  return *names;
}

double AcousticAnalysis::Get(absl::string_view name) const {
  for (const AcousticIndicator& ind : indicators) {
    if (ind.name == name) return ind.value;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

AcousticAnalysis AnalyzeAcoustics(const float* samples, size_t n, const AcousticConfig& config) {
  AcousticAnalysis out;
  if (samples == nullptr) n = 0;
  const double fs = kAnalysisRate;
  const double step = config.frame_step_s > 0.0 ? config.frame_step_s : 0.010;
  out.duration_s = static_cast<double>(n) / fs;

  PitchConfig pitch_config;
  pitch_config.sample_rate_hz = fs;
  pitch_config.step_s = step;
  pitch_config.floor_hz = config.pitch_floor_hz;
  pitch_config.ceiling_hz = config.pitch_ceiling_hz;
  PitchTrack pitch = AnalyzePitch(samples, n, pitch_config);
  const size_t frames = pitch.f0_hz.size();
  const double hop = step * fs;

  SpectralAnalyzer spectral;
  out.f0_hz = pitch.f0_hz;
  out.frame_dbfs = FrameLevels(samples, n, frames, hop, spectral.length());
  out.speech = DetectSpeech(out.frame_dbfs, out.f0_hz, config, step);
  const std::vector<size_t> nuclei = FindNuclei(out.frame_dbfs, out.speech, out.f0_hz, config);
  for (size_t i : nuclei) out.syllable_nuclei_s.push_back(static_cast<double>(i) * step);

  // Activity, pauses and rates.
  size_t speech_frames = 0, voiced_frames = 0;
  for (size_t i = 0; i < frames; ++i) {
    speech_frames += out.speech[i];
    voiced_frames += out.f0_hz[i] > 0.0f ? 1 : 0;
  }
  const double all = frames > 0 ? static_cast<double>(frames) : 1.0;
  std::vector<double> pauses;
  for (const Run& g : Runs(out.speech, 0)) {
    if (g.begin == 0 || g.end == frames) continue;  // leading / trailing silence
    const double length = static_cast<double>(g.end - g.begin) * step;
    if (length >= config.min_pause_s) pauses.push_back(length);
  }
  const double speech_time = static_cast<double>(speech_frames) * step;

  // Pitch.
  std::vector<double> semitones;
  std::vector<float> semitones_f;
  double f0_sum = 0.0, hnr_sum = 0.0;
  for (size_t i = 0; i < frames; ++i) {
    if (!(out.f0_hz[i] > 0.0f)) continue;
    f0_sum += out.f0_hz[i];
    semitones.push_back(dsp::HzToSemitones(out.f0_hz[i]));
    semitones_f.push_back(static_cast<float>(semitones.back()));
    const double max_r = 1.0 / (1.0 + std::pow(10.0, -kMaxHnrDb / 10.0));
    const double r = std::clamp(static_cast<double>(pitch.strength[i]), 1e-6, max_r);
    hnr_sum += 10.0 * std::log10(r / (1.0 - r));
  }
  (void)hnr_sum;
  HarmonicityConfig harmonicity;
  harmonicity.floor_hz = config.pitch_floor_hz;
  const double hnr = std::clamp(MeasureHarmonicity(samples, n, fs, harmonicity), -kMaxHnrDb, kMaxHnrDb);
  const dsp::MeanStd st = dsp::MeanAndStd(semitones);
  const double pitch_spread = RobustStd(semitones_f);
  const Perturbation perturbation =
      MeasurePerturbation(samples, n, out.f0_hz, pitch_config);

  // Level and spectrum over speech frames.
  std::vector<double> speech_levels;
  std::vector<float> voiced_levels;
  for (size_t i = 0; i < frames; ++i) {
    if (out.f0_hz[i] > 0.0f) voiced_levels.push_back(out.frame_dbfs[i]);
    if (!out.speech[i]) continue;
    speech_levels.push_back(out.frame_dbfs[i]);
    spectral.Add(samples, n, std::llround(static_cast<double>(i) * hop), out.f0_hz[i] > 0.0f);
  }
  const dsp::MeanStd level = dsp::MeanAndStd(speech_levels);
  std::vector<float> speech_levels_f(speech_levels.begin(), speech_levels.end());
  const double loudness_peak =
      voiced_levels.empty() || speech_levels_f.empty()
          ? 0.0
          : dsp::Percentile(voiced_levels, 0.95) - dsp::Median(speech_levels_f);
  const double noise_floor = dsp::Percentile(out.frame_dbfs, 0.10);

  const double v = static_cast<double>(voiced_frames);
  const dsp::MeanStd pause_stats = dsp::MeanAndStd(pauses);
  double values[kNumIndicators] = {
      out.duration_s,
      static_cast<double>(speech_frames) / all,
      v / all,
      static_cast<double>(pauses.size()),
      pause_stats.mean,
      pauses.empty() ? 0.0 : *std::max_element(pauses.begin(), pauses.end()),
      out.duration_s > 0.0 ? static_cast<double>(nuclei.size()) / out.duration_s : 0.0,
      speech_time > 0.0 ? static_cast<double>(nuclei.size()) / speech_time : 0.0,
      voiced_frames > 0 ? f0_sum / v : 0.0,
      st.mean,
      pitch_spread,
      semitones_f.empty()
          ? 0.0
          : dsp::Percentile(semitones_f, 0.95) - dsp::Percentile(semitones_f, 0.05),
      perturbation.jitter_local,
      perturbation.shimmer_local_db,
      voiced_frames > 0 ? hnr : 0.0,
      level.mean,
      RobustStd(voiced_levels),
      spectral.centroid(),
      spectral.slope_low(),
      spectral.slope_mid(),
      spectral.alpha(),
      spectral.hammarberg(),
      spectral.mfcc(0).mean,
      spectral.mfcc(1).mean,
      spectral.mfcc(2).mean,
      spectral.mfcc(3).mean,
      spectral.mfcc(0).std,
      spectral.mfcc(1).std,
      spectral.mfcc(2).std,
      spectral.mfcc(3).std,
      frames > 0 ? noise_floor : 0.0,
      speech_frames > 0 ? level.mean - noise_floor : 0.0,
      loudness_peak,
      semitones_f.empty() ? 0.0
                          : dsp::Percentile(semitones_f, 0.95) - dsp::Median(semitones_f),
  };
  out.indicators.reserve(kNumIndicators);
  for (size_t i = 0; i < kNumIndicators; ++i) {
    const double value = std::isfinite(values[i]) ? values[i] : 0.0;
    out.indicators.push_back({kIndicators[i].name, value, kIndicators[i].unit});
  }
  return out;
}

}  // namespace burnout::voice
