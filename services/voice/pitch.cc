#include "services/voice/pitch.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "services/voice/dsp.h"

namespace burnout::voice {
namespace {

struct Candidate {
  float f0 = 0.0f;        // 0 = the unvoiced candidate
  float strength = 0.0f;  // normalised autocorrelation (voiced) or unvoiced strength
};

bool IsVoiced(float f0, double ceiling_hz) { return f0 > 0.0f && f0 < ceiling_hz; }

// Window geometry, the window's normalised autocorrelation and the FFT, computed once per
// call.
class FrameAnalyzer {
 public:
  explicit FrameAnalyzer(const PitchConfig& c)
      : config_(c),
        half_window_(std::max(2, static_cast<int>(std::floor(c.periods_per_window / c.floor_hz *
                                                             c.sample_rate_hz)) / 2 - 1)),
        window_length_(2 * half_window_),
        period_(std::max(2, static_cast<int>(std::floor(c.sample_rate_hz / c.floor_hz)))),
        half_period_(period_ / 2 + 1),
        max_interp_lag_(window_length_ / 2),
        max_lag_(std::min(static_cast<int>(std::floor(window_length_ / c.periods_per_window)) + 2,
                          max_interp_lag_)),
        fft_(dsp::NextPowerOfTwo(static_cast<size_t>(window_length_ * 3 / 2 + 1))),
        window_(dsp::HannWindow(static_cast<size_t>(window_length_))),
        window_r_(fft_.size()),
        frame_(fft_.size()),
        ac_(fft_.size()),
        spectrum_(fft_.size() / 2 + 1) {
    // The window's autocorrelation, normalised to 1 at lag 0.
    std::copy(window_.begin(), window_.end(), frame_.begin());
    std::fill(frame_.begin() + window_length_, frame_.end(), 0.0f);
    Autocorrelate(window_r_.data());
    const float r0 = window_r_[0];
    for (float& v : window_r_) v /= r0;
  }

  int half_window() const { return half_window_; }

  // Whether the window of the frame centred at sample `centre` lies inside [0, n).
  bool Fits(int64_t centre, size_t n) const {
    return centre - half_window_ >= 0 && centre + half_window_ <= static_cast<int64_t>(n) &&
           centre - period_ >= 0 && centre + period_ <= static_cast<int64_t>(n);
  }

  // Candidates of the frame centred at `centre` (which must fit) into `out` (the unvoiced
  // one first); returns the frame's peak relative to `global_peak` (Praat's "intensity").
  double Analyze(const float* x, int64_t centre, double global_peak, std::vector<Candidate>* out) {
    out->assign(1, Candidate{});
    double mean = 0.0;
    for (int64_t i = centre - period_; i < centre + period_; ++i) mean += x[i];
    mean /= 2.0 * period_;
    const float* start = x + (centre - half_window_);
    for (int j = 0; j < window_length_; ++j) {
      frame_[j] = (start[j] - static_cast<float>(mean)) * window_[j];
    }
    std::fill(frame_.begin() + window_length_, frame_.end(), 0.0f);
    double local_peak = 0.0;
    const int lo = std::max(0, half_window_ - half_period_);
    const int hi = std::min(window_length_ - 1, half_window_ + half_period_);
    for (int j = lo; j <= hi; ++j) local_peak = std::max(local_peak, std::fabs(double{frame_[j]}));
    const double intensity = local_peak >= global_peak ? 1.0 : local_peak / global_peak;
    if (local_peak == 0.0) return intensity;

    Autocorrelate(ac_.data());
    if (!(ac_[0] > 0.0f)) return intensity;
    float* r = ac_.data();  // r[i] = ac[i] / (ac[0] * window_r[i]), in place
    const float inv0 = 1.0f / ac_[0];
    r[0] = 1.0f;
    for (int i = 1; i <= max_interp_lag_; ++i) r[i] = ac_[i] * inv0 / window_r_[i];

    const double threshold = 0.5 * config_.voicing_threshold;
    const int limit = std::min(max_lag_, max_interp_lag_);
    const size_t max_voiced = static_cast<size_t>(std::max(1, config_.max_candidates - 1));
    for (int i = 2; i < limit; ++i) {
      if (!(r[i] > threshold && r[i] > r[i - 1] && r[i] >= r[i + 1])) continue;
      const double dr = 0.5 * (r[i + 1] - r[i - 1]);
      const double d2r = 2.0 * r[i] - r[i - 1] - r[i + 1];
      const double lag = i + dr / d2r;
      double strength = r[i] + 0.5 * dr * dr / d2r;
      if (strength > 1.0) strength = 1.0 / strength;  // short-window overshoot, reflected
      const Candidate cand{static_cast<float>(config_.sample_rate_hz / lag),
                           static_cast<float>(strength)};
      if (out->size() - 1 < max_voiced) {
        out->push_back(cand);
        continue;
      }
      // Replace the weakest, with a bonus for higher frequencies (octave cost).
      size_t weakest = 0;
      double weakest_score = 1e30;
      for (size_t k = 1; k < out->size(); ++k) {
        const double s = Score((*out)[k]);
        if (s < weakest_score) {
          weakest_score = s;
          weakest = k;
        }
      }
      if (Score(cand) > weakest_score) (*out)[weakest] = cand;
    }
    return intensity;
  }

 private:
  double Score(const Candidate& c) const {
    return c.strength - config_.octave_cost * std::log2(config_.floor_hz / c.f0);
  }

  // Autocorrelation of frame_ (zero-padded) into `out` (fft size values).
  void Autocorrelate(float* out) {
    fft_.Forward(frame_.data(), spectrum_.data());
    for (dsp::Cpx& c : spectrum_) c = {c.re * c.re + c.im * c.im, 0.0f};
    fft_.Inverse(spectrum_.data(), out);
  }

  const PitchConfig& config_;
  const int half_window_;
  const int window_length_;
  const int period_;       // samples in the longest period (local mean: one each side)
  const int half_period_;  // local peak: half a period each side
  const int max_interp_lag_;
  const int max_lag_;
  dsp::RealFft fft_;
  std::vector<float> window_;
  std::vector<float> window_r_;
  std::vector<float> frame_;
  std::vector<float> ac_;
  std::vector<dsp::Cpx> spectrum_;
};

double Hop(const PitchConfig& c) { return c.step_s * c.sample_rate_hz; }

int64_t FrameCentre(size_t i, double hop) {
  return static_cast<int64_t>(std::llround(static_cast<double>(i) * hop));
}

}  // namespace

size_t PitchFrameCount(size_t n, const PitchConfig& config) {
  const double hop = Hop(config);
  if (n == 0 || !(hop > 0.0)) return 0;
  return static_cast<size_t>(std::floor(static_cast<double>(n - 1) / hop)) + 1;
}

PitchTrack AnalyzePitch(const float* x, size_t n, const PitchConfig& requested) {
  PitchTrack track;
  const size_t frames = PitchFrameCount(n, requested);
  track.f0_hz.assign(frames, 0.0f);
  track.strength.assign(frames, 0.0f);
  if (frames == 0 || !(requested.floor_hz > 0.0) ||
      !(requested.ceiling_hz > requested.floor_hz) || !(requested.periods_per_window > 0.0)) {
    return track;
  }
  // As Praat: room for a candidate per multiple of the floor below the ceiling; at most
  // 255 so candidate indices fit a byte.
  PitchConfig config = requested;
  config.max_candidates = std::clamp(
      std::max(config.max_candidates, static_cast<int>(config.ceiling_hz / config.floor_hz)), 2,
      255);
  double global_mean = 0.0;
  for (size_t i = 0; i < n; ++i) global_mean += x[i];
  global_mean /= static_cast<double>(n);
  double global_peak = 0.0;
  for (size_t i = 0; i < n; ++i) global_peak = std::max(global_peak, std::fabs(x[i] - global_mean));
  if (global_peak == 0.0) return track;

  // Candidates per frame; then the path with the best total score (Viterbi).
  FrameAnalyzer analyzer(config);
  const double hop = Hop(config);
  const size_t max_cands = static_cast<size_t>(std::max(2, config.max_candidates));
  std::vector<Candidate> cands(frames * max_cands);
  std::vector<uint8_t> count(frames, 1);
  std::vector<float> log_f0(frames * max_cands, 0.0f);
  std::vector<Candidate> frame_cands;
  const double vt = config.voicing_threshold;
  for (size_t i = 0; i < frames; ++i) {
    const int64_t centre = FrameCentre(i, hop);
    double intensity = 0.0;
    if (analyzer.Fits(centre, n)) {
      intensity = analyzer.Analyze(x, centre, global_peak, &frame_cands);
    } else {
      frame_cands.assign(1, Candidate{});
    }
    // The unvoiced candidate: strong in quiet frames.
    const double unvoiced = config.silence_threshold <= 0.0
                                ? vt
                                : vt + std::max(0.0, 2.0 - intensity /
                                                               (config.silence_threshold / (1.0 + vt)));
    frame_cands[0].strength = static_cast<float>(unvoiced);
    count[i] = static_cast<uint8_t>(std::min(frame_cands.size(), max_cands));
    for (size_t k = 0; k < count[i]; ++k) {
      cands[i * max_cands + k] = frame_cands[k];
      if (IsVoiced(frame_cands[k].f0, config.ceiling_hz)) {
        log_f0[i * max_cands + k] = std::log2(frame_cands[k].f0);
      }
    }
  }

  const double correction = 0.01 / config.step_s;  // costs are per 10 ms
  const double jump_cost = config.octave_jump_cost * correction;
  const double vuv_cost = config.voiced_unvoiced_cost * correction;
  const double log2_ceiling = std::log2(config.ceiling_hz);
  auto local_score = [&](size_t i, size_t k) {
    const Candidate& c = cands[i * max_cands + k];
    if (!IsVoiced(c.f0, config.ceiling_hz)) return static_cast<double>(cands[i * max_cands].strength);
    return c.strength - config.octave_cost * (log2_ceiling - log_f0[i * max_cands + k]);
  };
  std::vector<double> prev(max_cands), cur(max_cands);
  std::vector<uint8_t> back(frames * max_cands, 0);
  for (size_t k = 0; k < count[0]; ++k) prev[k] = local_score(0, k);
  for (size_t i = 1; i < frames; ++i) {
    for (size_t k = 0; k < count[i]; ++k) {
      const bool voiced = IsVoiced(cands[i * max_cands + k].f0, config.ceiling_hz);
      const float lf = log_f0[i * max_cands + k];
      double best = -1e300;
      size_t arg = 0;
      for (size_t j = 0; j < count[i - 1]; ++j) {
        const bool prev_voiced = IsVoiced(cands[(i - 1) * max_cands + j].f0, config.ceiling_hz);
        double cost = 0.0;
        if (voiced && prev_voiced) {
          cost = jump_cost * std::fabs(lf - log_f0[(i - 1) * max_cands + j]);
        } else if (voiced != prev_voiced) {
          cost = vuv_cost;
        }
        const double v = prev[j] - cost;
        if (v > best) {
          best = v;
          arg = j;
        }
      }
      cur[k] = best + local_score(i, k);
      back[i * max_cands + k] = static_cast<uint8_t>(arg);
    }
    std::swap(prev, cur);
  }
  size_t k = 0;
  for (size_t j = 1; j < count[frames - 1]; ++j) {
    if (prev[j] > prev[k]) k = j;
  }
  for (size_t i = frames; i-- > 0;) {
    const Candidate& c = cands[i * max_cands + k];
    if (IsVoiced(c.f0, config.ceiling_hz)) {
      track.f0_hz[i] = c.f0;
      track.strength[i] = c.strength;
    }
    k = back[i * max_cands + k];
  }
  return track;
}

std::vector<float> TrackPitch(const float* x, size_t n, const PitchConfig& config) {
  return AnalyzePitch(x, n, config).f0_hz;
}

Perturbation MeasurePerturbation(const float* x, size_t n, const std::vector<float>& f0_hz,
                                 const PitchConfig& config) {
  Perturbation result;
  const double fs = config.sample_rate_hz;
  const double hop = Hop(config);
  constexpr double kMaxPeriodFactor = 1.3;
  constexpr double kMinCorrelation = 0.5;
  double sum_period = 0.0, sum_period_diff = 0.0, sum_amp_db = 0.0;
  int amp_pairs = 0;
  const size_t frames = std::min(f0_hz.size(), PitchFrameCount(n, config));
  std::vector<double> corr;
  size_t a = 0;
  while (a < frames) {
    if (!(f0_hz[a] > 0.0f)) {
      ++a;
      continue;
    }
    size_t b = a;
    while (b + 1 < frames && f0_hz[b + 1] > 0.0f) ++b;
    // One voiced stretch: frames a..b.
    const int64_t span_start = std::max<int64_t>(0, std::llround(a * hop - hop / 2));
    const int64_t span_end =
        std::min<int64_t>(static_cast<int64_t>(n), std::llround(b * hop + hop / 2) + 1);
    auto f0_at = [&](double pos) {
      const double idx = std::clamp(std::round(pos / hop), static_cast<double>(a),
                                    static_cast<double>(b));
      return static_cast<double>(f0_hz[static_cast<size_t>(idx)]);
    };
    double period0 = fs / f0_at(static_cast<double>(span_start));
    // Cycle amplitudes are peaks of the polarity with the larger first peak (glottal
    // pulses may point either way). Start half a period before that peak, so cycle windows
    // keep their peaks in the middle.
    const int64_t first_end = std::min(span_end, span_start + static_cast<int64_t>(period0));
    int64_t hi_i = span_start, lo_i = span_start;
    for (int64_t i = span_start; i < first_end; ++i) {
      if (x[i] > x[hi_i]) hi_i = i;
      if (x[i] < x[lo_i]) lo_i = i;
    }
    const float sign = x[hi_i] >= -x[lo_i] ? 1.0f : -1.0f;
    const int64_t peak = sign > 0.0f ? hi_i : lo_i;
    double p = std::max(static_cast<double>(span_start), peak - period0 / 2);
    double last_period = 0.0, last_amp = 0.0;
    for (;;) {
      const double t = fs / f0_at(p + period0 / 2);
      const int len = static_cast<int>(std::lround(t));
      const int64_t p0 = std::llround(p);
      const int lo = std::max(2, static_cast<int>(std::floor(t / kMaxPeriodFactor)));
      const int hi = static_cast<int>(std::ceil(t * kMaxPeriodFactor));
      if (len < 2 || p0 + hi + len + 1 > span_end) break;
      const float* ref = x + p0;
      const double e_ref = dsp::Dot(ref, ref, static_cast<size_t>(len));
      // Normalised correlation of this cycle with the signal `lag` later, for lags lo-1 ..
      // hi+1 so the best lag in lo..hi has both neighbours for the parabola.
      corr.assign(static_cast<size_t>(hi - lo + 3), 0.0);
      double e_lag = dsp::Dot(ref + lo - 1, ref + lo - 1, static_cast<size_t>(len));
      for (int lag = lo - 1; lag <= hi + 1; ++lag) {
        if (lag > lo - 1) {
          const double out = ref[lag - 1], in = ref[lag - 1 + len];
          e_lag += in * in - out * out;
        }
        const double denom = std::sqrt(e_ref * std::max(e_lag, 0.0));
        corr[static_cast<size_t>(lag - lo + 1)] =
            denom > 0.0 ? dsp::Dot(ref, ref + lag, static_cast<size_t>(len)) / denom : 0.0;
      }
      size_t best = 1;
      for (size_t k = 2; k + 1 < corr.size(); ++k) {
        if (corr[k] > corr[best]) best = k;
      }
      if (corr[best] < kMinCorrelation) {  // not periodic here: break the chain
        last_period = 0.0;
        p += t;
        period0 = t;
        continue;
      }
      const int best_lag = lo - 1 + static_cast<int>(best);
      const double best_prev = corr[best - 1], best_next = corr[best + 1];
      const double d2 = 2.0 * corr[best] - best_prev - best_next;
      double period = best_lag;
      if (d2 > 0.0) period += 0.5 * (best_next - best_prev) / d2;
      // Peak amplitude of this cycle, refined by a parabola through the largest sample.
      const int cycle = static_cast<int>(std::lround(period));
      int imax = 0;
      for (int i = 1; i < cycle; ++i) {
        if (sign * ref[i] > sign * ref[imax]) imax = i;
      }
      double amp = sign * ref[imax];
      if (imax > 0 && imax + 1 < cycle) {
        const double y0 = sign * ref[imax - 1], y2 = sign * ref[imax + 1];
        const double den = 2.0 * amp - y0 - y2;
        if (den > 0.0) amp += 0.125 * (y2 - y0) * (y2 - y0) / den;
      }
      ++result.periods;
      if (last_period > 0.0) {
        const double ratio = std::max(period, last_period) / std::min(period, last_period);
        if (ratio <= kMaxPeriodFactor) {
          sum_period += period;
          sum_period_diff += std::fabs(period - last_period);
          ++result.pairs;
          if (amp > 0.0 && last_amp > 0.0) {
            sum_amp_db += std::fabs(20.0 * std::log10(amp / last_amp));
            ++amp_pairs;
          }
        }
      }
      last_period = period;
      last_amp = amp;
      period0 = period;
      p += period;
    }
    a = b + 1;
  }
  if (result.pairs > 0 && sum_period > 0.0) {
    result.jitter_local = sum_period_diff / sum_period;
  }
  if (amp_pairs > 0) result.shimmer_local_db = sum_amp_db / amp_pairs;
  return result;
}

}  // namespace burnout::voice
