// What the voice analyzer publishes about its output, as data: the acoustic indicators it
// reports (names and units, in the order of every VoiceResult and of AcousticAnalysis) and
// the voice model kind whose mapping (voice_mapping.h) turns them into emotions. Fusion's
// trainer reads this and the shipped model file, never the voice service's code.
// Header-only; no dependencies.
#pragma once

#include <cstddef>

namespace burnout::schema {

// An indicator as published: its name, unit and the range its values stay in (the voice
// indicators leave the range open).
struct IndicatorSpec {
  const char* name;
  const char* unit;
  double min = -1e300;
  double max = 1e300;
};

// The voice analyzer's acoustic indicators (services/voice/README.md explains each).
inline constexpr IndicatorSpec kVoiceIndicators[] = {
    {"duration_s", "s"},
    {"speech_ratio", "ratio"},
    {"voiced_ratio", "ratio"},
    {"pause_count", "count"},
    {"pause_mean_s", "s"},
    {"pause_max_s", "s"},
    {"speaking_rate_sps", "syllables/s"},
    {"articulation_rate_sps", "syllables/s"},
    {"f0_mean_hz", "Hz"},
    {"f0_mean_st", "st"},
    {"pitch_variability_st", "st"},
    {"f0_range_st", "st"},
    {"jitter_local", "ratio"},
    {"shimmer_local_db", "dB"},
    {"hnr_db", "dB"},
    {"rms_dbfs", "dB"},
    {"energy_variability_db", "dB"},
    {"spectral_centroid_hz", "Hz"},
    {"spectral_slope_0_500", "dB/Hz"},
    {"spectral_slope_500_1500", "dB/Hz"},
    {"alpha_ratio_db", "dB"},
    {"hammarberg_index_db", "dB"},
    {"mfcc1_mean", "1"},
    {"mfcc2_mean", "1"},
    {"mfcc3_mean", "1"},
    {"mfcc4_mean", "1"},
    {"mfcc1_std", "1"},
    {"mfcc2_std", "1"},
    {"mfcc3_std", "1"},
    {"mfcc4_std", "1"},
    {"noise_floor_dbfs", "dB"},
    {"snr_db", "dB"},
    {"loudness_peak_db", "dB"},
    {"f0_peak_st", "st"},
};
inline constexpr size_t kNumVoiceIndicators = sizeof(kVoiceIndicators) / sizeof(kVoiceIndicators[0]);

// The index of indicator `name` in kVoiceIndicators, or -1.
inline int VoiceIndicatorIndex(const char* name) {
  for (size_t i = 0; i < kNumVoiceIndicators; ++i) {
    const char* a = kVoiceIndicators[i].name;
    const char* b = name;
    while (*a && *a == *b) ++a, ++b;
    if (*a == *b) return static_cast<int>(i);
  }
  return -1;
}

// The model kind of the default voice model: a VoiceAcousticModel text proto.
inline constexpr char kVoiceModelKind[] = "voice-acoustic";

}  // namespace burnout::schema
