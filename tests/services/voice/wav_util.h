// Test audio: synthetic voiced speech-like signals and a minimal 16-bit PCM WAV writer.
// Header-only.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace burnout::testutil {

// A vowel-like signal: harmonics of f0 (1/k amplitude) with a slow vibrato of `vibrato_st`
// semitones, in syllable-like bursts of `syllables_per_s` (0 = continuous).
inline std::vector<float> Vowel(double f0, double seconds, int rate = 16000, double vibrato_st = 0,
                                double syllables_per_s = 0, double amplitude = 0.3) {
  std::vector<float> x(static_cast<size_t>(seconds * rate));
  double phase = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / rate;
    const double f = f0 * std::pow(2.0, vibrato_st * std::sin(2 * M_PI * 0.7 * t) / 12.0);
    phase += 2 * M_PI * f / rate;
    double v = 0;
    for (int k = 1; k <= 8; ++k) v += std::sin(k * phase) / k;
    double env = 1.0;
    if (syllables_per_s > 0) env = std::pow(std::max(0.0, std::sin(M_PI * syllables_per_s * t)), 2);
    x[i] = static_cast<float>(amplitude * 0.6 * v * env);
  }
  return x;
}

// Interleaved float samples in [-1, 1] -> a 16-bit PCM WAV file.
inline std::string Wav16(const std::vector<float>& interleaved, int rate, int channels = 1) {
  std::string out;
  auto u32 = [&out](uint32_t v) { for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i))); };
  auto u16 = [&out](uint16_t v) { for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>(v >> (8 * i))); };
  const uint32_t data_bytes = static_cast<uint32_t>(interleaved.size() * 2);
  out += "RIFF";
  u32(36 + data_bytes);
  out += "WAVEfmt ";
  u32(16);
  u16(1);
  u16(static_cast<uint16_t>(channels));
  u32(static_cast<uint32_t>(rate));
  u32(static_cast<uint32_t>(rate * channels * 2));
  u16(static_cast<uint16_t>(channels * 2));
  u16(16);
  out += "data";
  u32(data_bytes);
  for (float s : interleaved) {
    const double c = std::max(-1.0, std::min(1.0, static_cast<double>(s)));
    u16(static_cast<uint16_t>(static_cast<int16_t>(std::lround(c * 32767))));
  }
  return out;
}

// Raw little-endian s16 PCM of `samples`.
inline std::string PcmS16(const std::vector<float>& samples) {
  std::string out;
  for (float s : samples) {
    const int16_t v = static_cast<int16_t>(std::lround(std::max(-1.0f, std::min(1.0f, s)) * 32767));
    out.push_back(static_cast<char>(v & 0xff));
    out.push_back(static_cast<char>((v >> 8) & 0xff));
  }
  return out;
}

}  // namespace burnout::testutil
