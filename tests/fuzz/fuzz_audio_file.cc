// Audio file decoding (WAV and the other libsndfile formats), as the voice analyzer decodes a
// clip: to 16 kHz mono, clamped, within the limits.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "common/audio/audio_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  burnout::audio::DecodeLimits limits;
  limits.max_duration_s = 20;  // keeps one input's resampling small; the checks are the same
  auto audio = burnout::audio::DecodeAudio(
      absl::string_view(reinterpret_cast<const char*>(data), size), limits);
  if (!audio.ok()) return 0;
  if (audio->samples.size() > static_cast<size_t>(16000 * (limits.max_duration_s + 1))) __builtin_trap();
  for (float x : audio->samples) {
    if (!std::isfinite(x) || x < -1.0f || x > 1.0f) __builtin_trap();
  }
  return 0;
}
