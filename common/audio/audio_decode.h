// Audio input: encoded WAV files (decoded with libsndfile from memory) and raw PCM stream
// chunks, both mixed to mono and resampled to kAnalysisRate with soxr's anti-aliasing
// resampler. Only the formats we need are accepted — RIFF/RIFX/RF64 WAVE with integer PCM or
// IEEE float samples — recognised by their bytes before libsndfile parses anything; every
// other input is INVALID_ARGUMENT naming what was found ("Ogg container (OggS)", "MP3 (ID3
// tag / MPEG frame sync)", "WAV with IMA ADPCM samples (format tag 0x0011)", ...).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace burnout::audio {

// Every analysis of the voice analyzer runs at this rate; decoding resamples to it.
inline constexpr int kAnalysisRate = 16000;  // Hz


struct DecodeLimits {
  int64_t max_bytes = 32 << 20;      // encoded size
  double max_duration_s = 120.0;     // longer clips are rejected, not truncated
  int min_sample_rate = 8000;        // Hz
  int max_sample_rate = 192000;      // Hz
  int max_channels = 8;
};

// What the input held, before mixing and resampling, and what was done to it.
struct AudioSourceInfo {
  std::string format;          // "WAV PCM 16-bit", "WAV float 32-bit", "PCM s16le stream", ...
  int sample_rate = 0;         // of the source
  int channels = 0;
  int64_t frames = 0;          // per channel, of the source
  // Share of source samples (all channels) at or beyond full scale: |x| >= 0.999, or for
  // 8-bit WAV |x| >= 127/128 (its largest positive code).
  double clipped_ratio = 0.0;
  double peak = 0.0;           // largest |sample| of the source, linear
};

struct DecodedAudio {
  std::vector<float> samples;  // mono, kAnalysisRate, finite, in [-1, 1]
  AudioSourceInfo source;
  double duration_s() const;
};

// Decodes one encoded file. INVALID_ARGUMENT for anything that is not an accepted WAV
// (naming what it is), for truncated data (the header declares more sample bytes than the
// file holds; a declared size of 0 or 0xFFFFFFFF, as streaming writers leave it, means
// "whatever follows"), for NaN/Inf samples, and for rates or channel counts outside the
// limits; OUT_OF_RANGE for more than max_bytes or a clip longer than max_duration_s (judged
// from the header, before any sample is read). Headers without samples are INVALID_ARGUMENT
// "no audio samples: ...". Thread-safe; `bytes` is only borrowed for the call.
absl::StatusOr<DecodedAudio> DecodeAudio(absl::string_view bytes, const DecodeLimits& limits);

// A local file for a client to stream (burnoutctl listen, burnout-capture): read and decoded
// with limits far beyond a service's; errors name the path.
absl::StatusOr<DecodedAudio> DecodeAudioFile(const std::string& path);

enum class PcmEncoding { kS16LE, kF32LE };

// Raw interleaved PCM arriving in chunks (a live stream): converts, mixes to mono and
// resamples incrementally, keeping the resampler's state between chunks so the output is
// the same as resampling the whole stream at once (apart from the final flush). One decoder
// per stream; not thread-safe. Create is INVALID_ARGUMENT for a rate or channel count outside
// the limits; max_bytes does not apply (there is no encoded file).
class PcmStreamDecoder {
 public:
  static absl::StatusOr<std::unique_ptr<PcmStreamDecoder>> Create(PcmEncoding encoding,
                                                                   int sample_rate,
                                                                   int channels,
                                                                   const DecodeLimits& limits);
  ~PcmStreamDecoder();

  // Appends the 16 kHz mono samples of `chunk` (clamped to [-1, 1]) to `out`.
  // INVALID_ARGUMENT when the chunk is not a whole number of frames or holds NaN/Inf;
  // OUT_OF_RANGE once the stream would exceed max_duration_s; FAILED_PRECONDITION after
  // Flush. A rejected chunk changes nothing. Counts frames and clipping in `info()`.
  absl::Status Push(absl::string_view chunk, std::vector<float>* out);
  // Emits what the resampler still holds (end of stream). Later calls emit nothing.
  absl::Status Flush(std::vector<float>* out);
  const AudioSourceInfo& info() const;

 private:
  struct State;
  explicit PcmStreamDecoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Resamples mono `in` from `in_rate` to `out_rate` (soxr, high quality, one shot); a copy
// when the rates are equal. Not clamped. INVALID_ARGUMENT for a rate <= 0.
absl::StatusOr<std::vector<float>> Resample(const std::vector<float>& in, int in_rate,
                                            int out_rate);

// Resample(in, rate, kAnalysisRate). Exposed for tests.
absl::StatusOr<std::vector<float>> ResampleToAnalysisRate(const std::vector<float>& in, int rate);

}  // namespace burnout::audio
