// Programs and audio files for the voice tools, tests and benchmarks (library
// burnout_voice_speech; not linked by the service): running a program without a shell,
// reading a WAV file as analysis-rate mono (the service's own decoder), writing WAV files.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/voice/audio_decode.h"

namespace burnout::voice {

// Runs `argv` (argv[0] looked up on PATH; no shell) with stdin from /dev/null and returns
// what it wrote to stdout. Its stderr is captured, not shown. NOT_FOUND when argv[0] cannot
// be started (not installed), INTERNAL when it exits non-zero or is killed (the message ends
// with the tail of its stderr), INVALID_ARGUMENT for an empty argv.
absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv);

// Limits for local files in tools and tests: far beyond the service's (1 GiB, 24 h,
// 1 kHz .. 384 kHz, 64 channels).
DecodeLimits FileDecodeLimits();

// The whole file. NOT_FOUND when it cannot be opened. Errors name the path.
absl::StatusOr<std::string> ReadFileBytes(const std::string& path);

// A WAV file mixed to mono and resampled to kAnalysisRate by DecodeAudio (so it accepts
// exactly what the service accepts) under FileDecodeLimits. Errors name the path.
absl::StatusOr<DecodedAudio> ReadAudioFile(const std::string& path);

enum class WavSampleFormat { kPcm16, kFloat32 };

// Interleaved samples as a WAV file at `path` (replaced if it exists), by libsndfile.
// INVALID_ARGUMENT when the sample count is not a multiple of `channels` or the rate or
// channel count is not positive.
absl::Status WriteWav(const std::string& path, const std::vector<float>& interleaved,
                      int sample_rate, int channels, WavSampleFormat format);

// Mono kAnalysisRate samples as a WAV file at `path`.
absl::Status WriteWav16k(const std::string& path, const std::vector<float>& samples,
                         WavSampleFormat format = WavSampleFormat::kPcm16);

}  // namespace burnout::voice
