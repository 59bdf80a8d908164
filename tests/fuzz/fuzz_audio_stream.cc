// A live stream's PCM chunks: the first bytes choose the format (encoding, rate, channels),
// the rest is cut into chunks at lengths the input also chooses; then the flush.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/audio/audio_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  using burnout::audio::PcmEncoding;
  const PcmEncoding encoding = data[0] & 1 ? PcmEncoding::kF32LE : PcmEncoding::kS16LE;
  static const int kRates[] = {0, 4000, 8000, 11025, 16000, 22050, 44100, 48000, 96000, 192000, 250000, -1};
  const int rate = kRates[data[1] % (sizeof kRates / sizeof kRates[0])];
  const int channels = data[2] % 10;  // 0 and 9 are out of the limits
  burnout::audio::DecodeLimits limits;
  limits.max_duration_s = 5;
  auto decoder = burnout::audio::PcmStreamDecoder::Create(encoding, rate, channels, limits);
  if (!decoder.ok()) return 0;
  std::vector<float> out;
  size_t at = 3;
  while (at < size) {
    const size_t n = std::min<size_t>(size - at, 1 + data[at] * 7);
    (void)(*decoder)->Push(absl::string_view(reinterpret_cast<const char*>(data) + at + 1,
                                             std::min(n, size - at - 1)),
                           &out);
    at += n + 1;
  }
  (void)(*decoder)->Flush(&out);
  for (float x : out) {
    if (!std::isfinite(x) || x < -1.0f || x > 1.0f) __builtin_trap();
  }
  return 0;
}
