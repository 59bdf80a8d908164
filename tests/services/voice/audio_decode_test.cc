#include "services/voice/audio_decode.h"

#include <sndfile.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/voice/acoustics.h"

namespace burnout::voice {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr double kPi = 3.14159265358979323846;

// ---- Test WAVs, written in memory ----

// A tiny RIFF/RIFX/RF64 writer that can also write the broken headers the tests need.
struct WavSpec {
  bool is_float = false;
  int bits = 16;
  int channels = 1;
  int sample_rate = 16000;
  std::string container = "RIFF";  // "RIFF", "RIFX" or "RF64"
  bool extensible = false;
  int format_tag = -1;                    // overrides the tag (or the extensible subformat)
  std::optional<uint64_t> declared_data;  // the data size the header claims; default: real
  bool write_fmt = true;
  bool write_data = true;
  std::string before_fmt;  // raw chunk bytes written before fmt
  std::string after_data;  // raw chunk bytes written after the data
};

class Bytes {
 public:
  explicit Bytes(bool big_endian) : big_(big_endian) {}
  Bytes& Put(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s_.push_back(static_cast<char>(v >> (8 * (big_ ? n - 1 - i : i))));
    return *this;
  }
  Bytes& Put(const std::string& raw) {
    s_ += raw;
    return *this;
  }
  std::string& str() { return s_; }

 private:
  bool big_;
  std::string s_;
};

std::string EncodeSamples(const WavSpec& spec, const std::vector<double>& x) {
  Bytes out(spec.container == "RIFX");
  for (double v : x) {
    if (spec.is_float && spec.bits == 32) {
      const float f = static_cast<float>(v);
      uint32_t u;
      std::memcpy(&u, &f, 4);
      out.Put(u, 4);
    } else if (spec.is_float) {
      uint64_t u;
      std::memcpy(&u, &v, 8);
      out.Put(u, 8);
    } else {
      const double full = std::ldexp(1.0, spec.bits - 1);
      const int64_t code = std::clamp<int64_t>(std::llround(v * full), static_cast<int64_t>(-full),
                                               static_cast<int64_t>(full) - 1);
      out.Put(static_cast<uint64_t>(spec.bits == 8 ? code + 128 : code), spec.bits / 8);
    }
  }
  return out.str();
}

std::string MakeWav(const WavSpec& spec, const std::vector<double>& interleaved) {
  const std::string data = EncodeSamples(spec, interleaved);
  const bool rf64 = spec.container == "RF64";
  const uint64_t declared = spec.declared_data.value_or(data.size());
  Bytes w(spec.container == "RIFX");
  w.Put(spec.container).Put(rf64 ? 0xFFFFFFFF : 0, 4).Put("WAVE");
  if (rf64) {
    w.Put("ds64").Put(28, 4).Put(0, 8).Put(declared, 8);
    w.Put(data.size() / std::max(1, spec.channels * spec.bits / 8), 8).Put(0, 4);
  }
  w.Put(spec.before_fmt);
  if (spec.write_fmt) {
    const int tag = spec.format_tag >= 0 ? spec.format_tag : spec.is_float ? 3 : 1;
    const int block_align = spec.channels * spec.bits / 8;
    w.Put("fmt ").Put(spec.extensible ? 40 : 16, 4);
    w.Put(spec.extensible ? 0xFFFE : tag, 2).Put(spec.channels, 2).Put(spec.sample_rate, 4);
    w.Put(static_cast<uint64_t>(spec.sample_rate) * block_align, 4).Put(block_align, 2);
    w.Put(spec.bits, 2);
    if (spec.extensible) {
      w.Put(22, 2).Put(spec.bits, 2).Put(0, 4);  // cbSize, valid bits, channel mask
      w.Put(tag, 4).Put(0, 2).Put(0x0010, 2).Put(
          std::string("\x80\x00\x00\xAA\x00\x38\x9B\x71", 8));
    }
  }
  if (spec.write_data) {
    w.Put("data").Put(rf64 ? 0xFFFFFFFF : declared, 4).Put(data);
    if (data.size() % 2) w.Put(0, 1);
  }
  w.Put(spec.after_data);
  std::string out = std::move(w.str());
  if (!rf64) {  // the RIFF size field
    const std::string size = Bytes(spec.container == "RIFX").Put(out.size() - 8, 4).str();
    out.replace(4, 4, size);
  }
  return out;
}

// The same through libsndfile's own writer (it adds fact/PEAK chunks and knows RF64/WAVEX).
struct SfBuffer {
  std::string bytes;
  sf_count_t pos = 0;
};
sf_count_t SfLen(void* u) { return static_cast<SfBuffer*>(u)->bytes.size(); }
sf_count_t SfSeek(sf_count_t off, int whence, void* u) {
  auto* b = static_cast<SfBuffer*>(u);
  b->pos = (whence == SEEK_SET ? 0 : whence == SEEK_CUR ? b->pos : SfLen(u)) + off;
  return b->pos;
}
sf_count_t SfRead(void* p, sf_count_t n, void* u) {
  auto* b = static_cast<SfBuffer*>(u);
  n = std::max<sf_count_t>(0, std::min<sf_count_t>(n, SfLen(u) - b->pos));
  std::memcpy(p, b->bytes.data() + b->pos, n);
  b->pos += n;
  return n;
}
sf_count_t SfWrite(const void* p, sf_count_t n, void* u) {
  auto* b = static_cast<SfBuffer*>(u);
  if (b->pos + n > SfLen(u)) b->bytes.resize(b->pos + n);
  std::memcpy(&b->bytes[b->pos], p, n);
  b->pos += n;
  return n;
}
sf_count_t SfTell(void* u) { return static_cast<SfBuffer*>(u)->pos; }

std::string SfWav(int format, int rate, int channels, const std::vector<double>& interleaved) {
  SfBuffer buf;
  SF_VIRTUAL_IO io{SfLen, SfSeek, SfRead, SfWrite, SfTell};
  SF_INFO info{};
  info.samplerate = rate;
  info.channels = channels;
  info.format = format;
  SNDFILE* f = sf_open_virtual(&io, SFM_WRITE, &info, &buf);
  EXPECT_NE(f, nullptr) << sf_strerror(nullptr);
  if (!f) return "";
  EXPECT_EQ(sf_writef_double(f, interleaved.data(), interleaved.size() / channels),
            static_cast<sf_count_t>(interleaved.size() / channels));
  sf_close(f);
  return buf.bytes;
}

// Interleaved sine; channel c gets amplitude amp * gains[c].
std::vector<double> Sine(double hz, double amp, int rate, double seconds,
                         const std::vector<double>& gains = {1.0}) {
  const size_t frames = static_cast<size_t>(std::lround(rate * seconds));
  std::vector<double> x;
  x.reserve(frames * gains.size());
  for (size_t i = 0; i < frames; ++i) {
    const double s = amp * std::sin(2 * kPi * hz * static_cast<double>(i) / rate);
    for (double g : gains) x.push_back(s * g);
  }
  return x;
}

// ---- Measurements on the 16 kHz output, away from the resampler's edges ----

constexpr size_t kEdge = 200;

double Rms(const std::vector<float>& x) {
  if (x.size() <= 2 * kEdge) return 0.0;
  double sum = 0.0;
  for (size_t i = kEdge; i < x.size() - kEdge; ++i) sum += double{x[i]} * x[i];
  return std::sqrt(sum / static_cast<double>(x.size() - 2 * kEdge));
}

double ZeroCrossingHz(const std::vector<float>& x) {
  if (x.size() <= 2 * kEdge) return 0.0;
  int crossings = 0;
  for (size_t i = kEdge + 1; i < x.size() - kEdge; ++i) crossings += (x[i - 1] < 0) != (x[i] < 0);
  return crossings / 2.0 / (static_cast<double>(x.size() - 2 * kEdge - 1) / kAnalysisRate);
}

void ExpectFiniteInRange(const std::vector<float>& x) {
  for (float v : x) {
    ASSERT_TRUE(std::isfinite(v));
    ASSERT_LE(std::fabs(v), 1.0f);
  }
}

// ---- Accepted formats ----

TEST(DecodeAudioTest, Pcm16Mono16kRoundTripsExactly) {
  const std::vector<double> x = Sine(440, 0.5, 16000, 0.25);
  WavSpec spec;
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(MakeWav(spec, x), {});
  ASSERT_TRUE(audio.ok()) << audio.status();
  ASSERT_EQ(audio->samples.size(), x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    ASSERT_FLOAT_EQ(audio->samples[i], std::llround(x[i] * 32768) / 32768.0f) << i;
  }
  EXPECT_EQ(audio->source.format, "WAV PCM 16-bit");
  EXPECT_EQ(audio->source.sample_rate, 16000);
  EXPECT_EQ(audio->source.channels, 1);
  EXPECT_EQ(audio->source.frames, static_cast<int64_t>(x.size()));
  EXPECT_NEAR(audio->source.peak, 0.5, 1e-3);
  EXPECT_EQ(audio->source.clipped_ratio, 0.0);
  EXPECT_NEAR(audio->duration_s(), 0.25, 1e-9);
}

struct FormatCase {
  const char* name;
  int rate;
  int channels;
  std::optional<WavSpec> spec;  // our writer, or else libsndfile with sf_format
  int sf_format;
  const char* format;
  double amp_tolerance = 0.01;
};

WavSpec Spec(bool is_float, int bits, int rate, int channels, const char* container = "RIFF",
             bool extensible = false) {
  WavSpec s;
  s.is_float = is_float;
  s.bits = bits;
  s.sample_rate = rate;
  s.channels = channels;
  s.container = container;
  s.extensible = extensible;
  return s;
}

void PrintTo(const FormatCase& c, std::ostream* os) { *os << c.name; }

class WavFormatTest : public ::testing::TestWithParam<FormatCase> {};

TEST_P(WavFormatTest, OneKilohertzSineComesOutAt16kHz) {
  const FormatCase& c = GetParam();
  const double seconds = 0.5;
  const std::vector<double> x =
      Sine(1000, 0.5, c.rate, seconds, std::vector<double>(c.channels, 1));
  const std::string wav = c.spec ? MakeWav(*c.spec, x) : SfWav(c.sf_format, c.rate, c.channels, x);
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(wav, {});
  ASSERT_TRUE(audio.ok()) << audio.status();
  EXPECT_EQ(audio->source.format, c.format);
  EXPECT_EQ(audio->source.sample_rate, c.rate);
  EXPECT_EQ(audio->source.channels, c.channels);
  EXPECT_EQ(audio->source.frames, std::lround(c.rate * seconds));
  EXPECT_NEAR(static_cast<double>(audio->samples.size()), seconds * kAnalysisRate, 4);
  EXPECT_NEAR(ZeroCrossingHz(audio->samples), 1000, 5);
  EXPECT_NEAR(Rms(audio->samples) * std::sqrt(2.0), 0.5, c.amp_tolerance);
  EXPECT_NEAR(audio->source.peak, 0.5, c.amp_tolerance);
  EXPECT_EQ(audio->source.clipped_ratio, 0.0);
  ExpectFiniteInRange(audio->samples);
}

INSTANTIATE_TEST_SUITE_P(
    Formats, WavFormatTest,
    ::testing::Values(
        FormatCase{"Pcm16Stereo44k", 44100, 2, Spec(false, 16, 44100, 2), 0, "WAV PCM 16-bit"},
        FormatCase{"Pcm16Stereo16k", 16000, 2, Spec(false, 16, 16000, 2), 0, "WAV PCM 16-bit"},
        FormatCase{"Pcm16EightChannels192k", 192000, 8, Spec(false, 16, 192000, 8), 0,
                   "WAV PCM 16-bit"},
        FormatCase{"SfFloat32Mono48k", 48000, 1, std::nullopt, SF_FORMAT_WAV | SF_FORMAT_FLOAT,
                   "WAV float 32-bit"},
        FormatCase{"Pcm8Unsigned8k", 8000, 1, Spec(false, 8, 8000, 1), 0, "WAV PCM 8-bit", 0.02},
        FormatCase{"SfPcm8Unsigned11k", 11025, 2, std::nullopt, SF_FORMAT_WAV | SF_FORMAT_PCM_U8,
                   "WAV PCM 8-bit", 0.02},
        FormatCase{"Pcm24Mono96k", 96000, 1, Spec(false, 24, 96000, 1), 0, "WAV PCM 24-bit"},
        FormatCase{"SfPcm24Stereo22k", 22050, 2, std::nullopt, SF_FORMAT_WAV | SF_FORMAT_PCM_24,
                   "WAV PCM 24-bit"},
        FormatCase{"Pcm32Mono96k", 96000, 1, Spec(false, 32, 96000, 1), 0, "WAV PCM 32-bit"},
        FormatCase{"SfPcm32ThreeChannels32k", 32000, 3, std::nullopt,
                   SF_FORMAT_WAV | SF_FORMAT_PCM_32, "WAV PCM 32-bit"},
        FormatCase{"Float64Mono32k", 32000, 1, Spec(true, 64, 32000, 1), 0, "WAV float 64-bit"},
        FormatCase{"SfFloat64Stereo11k", 11025, 2, std::nullopt, SF_FORMAT_WAV | SF_FORMAT_DOUBLE,
                   "WAV float 64-bit"},
        FormatCase{"SfExtensiblePcm24Stereo48k", 48000, 2, std::nullopt,
                   SF_FORMAT_WAVEX | SF_FORMAT_PCM_24, "WAV PCM 24-bit (extensible)"},
        FormatCase{"ExtensibleFloat32Quad24k", 24000, 4, Spec(true, 32, 24000, 4, "RIFF", true), 0,
                   "WAV float 32-bit (extensible)"},
        FormatCase{"SfRf64Pcm16Stereo48k", 48000, 2, std::nullopt,
                   SF_FORMAT_RF64 | SF_FORMAT_PCM_16, "RF64 PCM 16-bit (extensible)"},
        FormatCase{"Rf64Float32Mono44k", 44100, 1, Spec(true, 32, 44100, 1, "RF64"), 0,
                   "RF64 float 32-bit"},
        FormatCase{"SfRifxPcm16Mono11k", 11025, 1, std::nullopt,
                   SF_FORMAT_WAV | SF_FORMAT_PCM_16 | SF_ENDIAN_BIG, "RIFX WAV PCM 16-bit"},
        FormatCase{"RifxFloat32Stereo48k", 48000, 2, Spec(true, 32, 48000, 2, "RIFX"), 0,
                   "RIFX WAV float 32-bit"}),
    [](const ::testing::TestParamInfo<FormatCase>& p) { return p.param.name; });

TEST(DecodeAudioTest, OppositePhaseStereoMixesToSilence) {
  const std::vector<double> x = Sine(1000, 0.5, 44100, 0.5, {1.0, -1.0});
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(MakeWav(Spec(false, 16, 44100, 2), x), {});
  ASSERT_TRUE(audio.ok()) << audio.status();
  EXPECT_LT(Rms(audio->samples), 1e-4);
  EXPECT_NEAR(audio->source.peak, 0.5, 1e-3);  // the source was loud
}

TEST(DecodeAudioTest, OneChannelOnlyMixesToHalfAmplitude) {
  const std::vector<double> x = Sine(1000, 0.5, 48000, 0.5, {1.0, 0.0});
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(MakeWav(Spec(true, 32, 48000, 2), x), {});
  ASSERT_TRUE(audio.ok()) << audio.status();
  EXPECT_NEAR(Rms(audio->samples) * std::sqrt(2.0), 0.25, 0.005);
}

double GainDb(double in_hz, int rate) {
  const std::vector<double> x = Sine(in_hz, 0.5, rate, 1.0);
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(MakeWav(Spec(true, 32, rate, 1), x), {});
  EXPECT_TRUE(audio.ok()) << audio.status();
  if (!audio.ok()) return 0.0;
  return 20 * std::log10(std::max(Rms(audio->samples), 1e-12) / (0.5 / std::sqrt(2.0)));
}

TEST(DecodeAudioTest, ToneAboveNewNyquistIsFilteredOut) {
  EXPECT_LT(GainDb(12000, 48000), -40.0);  // would alias to 4 kHz without the filter
  EXPECT_LT(GainDb(10000, 44100), -40.0);
  EXPECT_GT(GainDb(6000, 48000), -1.0);  // the pass band survives
}

TEST(DecodeAudioTest, DeclaredStreamingSizesReadWhatIsPresent) {
  const std::vector<double> x = Sine(1000, 0.5, 16000, 0.1);
  // 0x7FFFF000 is what espeak-ng and other pipe writers leave.
  for (uint64_t declared : {uint64_t{0}, uint64_t{0x7FFFF000}, uint64_t{0xFFFFFFFF}}) {
    for (const char* container : {"RIFF", "RIFX"}) {
      WavSpec spec = Spec(false, 16, 16000, 1, container);
      spec.declared_data = declared;
      absl::StatusOr<DecodedAudio> audio = DecodeAudio(MakeWav(spec, x), {});
      ASSERT_TRUE(audio.ok()) << container << " " << declared << ": " << audio.status();
      EXPECT_EQ(audio->samples.size(), x.size()) << container << " " << declared;
    }
  }
  WavSpec rf64 = Spec(false, 16, 16000, 1, "RF64");
  rf64.declared_data = 0;  // in ds64
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(MakeWav(rf64, x), {});
  ASSERT_TRUE(audio.ok()) << audio.status();
  EXPECT_EQ(audio->samples.size(), x.size());
}

TEST(DecodeAudioTest, ChunksAroundTheDataAreSkipped) {
  const std::vector<double> x = Sine(1000, 0.5, 16000, 0.1);
  WavSpec spec;
  spec.before_fmt = std::string("junk\3\0\0\0abc\0", 12);  // odd size + pad byte
  spec.after_data = std::string("LIST\4\0\0\0INFO", 12);
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(MakeWav(spec, x), {});
  ASSERT_TRUE(audio.ok()) << audio.status();
  EXPECT_EQ(audio->samples.size(), x.size());  // the LIST chunk is not read as samples
}

// ---- Rejected inputs ----

void ExpectError(absl::string_view bytes, absl::StatusCode code,
                 const std::vector<std::string>& phrases, const DecodeLimits& limits = {}) {
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(bytes, limits);
  ASSERT_FALSE(audio.ok());
  EXPECT_EQ(audio.status().code(), code) << audio.status();
  for (const std::string& p : phrases) EXPECT_THAT(audio.status().message(), HasSubstr(p));
}

const std::vector<double>& ShortSine() {
  static const std::vector<double> x = Sine(1000, 0.5, 16000, 0.1);
  return x;
}

TEST(DecodeAudioErrorTest, Empty) {
  ExpectError("", absl::StatusCode::kInvalidArgument, {"empty audio"});
}

TEST(DecodeAudioErrorTest, HeaderOnly) {
  ExpectError(std::string("RIFF\x04\x00\x00\x00WAVE", 12), absl::StatusCode::kInvalidArgument,
              {"no audio samples"});
  ExpectError(std::string("RIFF\x04\x00", 6), absl::StatusCode::kInvalidArgument,
              {"truncated WAV header"});
}

TEST(DecodeAudioErrorTest, FmtWithoutData) {
  WavSpec spec;
  spec.write_data = false;
  ExpectError(MakeWav(spec, {}), absl::StatusCode::kInvalidArgument,
              {"no audio samples", "no data chunk"});
}

TEST(DecodeAudioErrorTest, EmptyDataChunk) {
  ExpectError(MakeWav(WavSpec{}, {}), absl::StatusCode::kInvalidArgument, {"no audio samples"});
}

TEST(DecodeAudioErrorTest, DataWithoutFmt) {
  WavSpec spec;
  spec.write_fmt = false;
  ExpectError(MakeWav(spec, ShortSine()), absl::StatusCode::kInvalidArgument, {"no fmt chunk"});
}

TEST(DecodeAudioErrorTest, TruncatedData) {
  WavSpec spec;
  spec.declared_data = 100000;
  ExpectError(MakeWav(spec, ShortSine()), absl::StatusCode::kInvalidArgument,
              {"truncated WAV", "declares 100000 bytes but only 3200 are present"});
}

TEST(DecodeAudioErrorTest, TruncatedFmtChunk) {
  const std::string wav = MakeWav(WavSpec{}, ShortSine());
  ExpectError(wav.substr(0, 24), absl::StatusCode::kInvalidArgument,
              {"truncated WAV", "'fmt ' chunk"});
}

// Rejected from the header alone, before any sample buffer is allocated.
TEST(DecodeAudioErrorTest, HeaderClaimingHoursIsTruncated) {
  WavSpec spec = Spec(false, 8, 8000, 1);
  spec.declared_data = 0x10000000;  // 9 hours at 8 kHz
  ExpectError(MakeWav(spec, ShortSine()), absl::StatusCode::kInvalidArgument,
              {"truncated WAV", "declares 268435456 bytes"});
  WavSpec rf64 = Spec(false, 16, 48000, 2, "RF64");
  rf64.declared_data = uint64_t{1} << 50;
  ExpectError(MakeWav(rf64, ShortSine()), absl::StatusCode::kInvalidArgument, {"truncated WAV"});
}

TEST(DecodeAudioErrorTest, LongerThanMaxDuration) {
  // 130 s of 8 kHz 8-bit mono: 1 MB, within max_bytes.
  const std::vector<double> x(8000 * 130, 0.1);
  ExpectError(MakeWav(Spec(false, 8, 8000, 1), x), absl::StatusCode::kOutOfRange,
              {"130.0 s exceeds the limit of 120.0 s"});
  DecodeLimits limits;
  limits.max_duration_s = 0.05;
  WavSpec streaming;
  streaming.declared_data = 0xFFFFFFFF;
  ExpectError(MakeWav(streaming, ShortSine()), absl::StatusCode::kOutOfRange,
              {"exceeds the limit of 0.1 s"}, limits);
}

TEST(DecodeAudioErrorTest, MoreThanMaxBytes) {
  DecodeLimits limits;
  limits.max_bytes = 1000;
  ExpectError(MakeWav(WavSpec{}, ShortSine()), absl::StatusCode::kOutOfRange,
              {"3244 bytes exceeds the limit of 1000 bytes"}, limits);
}

TEST(DecodeAudioErrorTest, SampleRatesOutsideLimits) {
  ExpectError(MakeWav(Spec(false, 16, 1, 1), ShortSine()), absl::StatusCode::kInvalidArgument,
              {"sample rate 1 Hz", "8000 to 192000"});
  ExpectError(MakeWav(Spec(false, 16, 10000000, 1), ShortSine()),
              absl::StatusCode::kInvalidArgument, {"sample rate 10000000 Hz", "8000 to 192000"});
}

TEST(DecodeAudioErrorTest, ChannelCountsOutsideLimits) {
  ExpectError(MakeWav(Spec(false, 16, 16000, 0), ShortSine()), absl::StatusCode::kInvalidArgument,
              {"channel count 0", "1 to 8"});
  ExpectError(MakeWav(Spec(false, 16, 16000, 1000), std::vector<double>(4000, 0.1)),
              absl::StatusCode::kInvalidArgument, {"channel count 1000", "1 to 8"});
}

TEST(DecodeAudioErrorTest, NonFiniteFloatSamples) {
  std::vector<double> x = ShortSine();
  x[10] = std::numeric_limits<double>::quiet_NaN();
  x[20] = std::numeric_limits<double>::quiet_NaN();
  ExpectError(MakeWav(Spec(true, 32, 16000, 1), x), absl::StatusCode::kInvalidArgument,
              {"2 NaN/Inf samples", "first at frame 10"});
  x = ShortSine();
  x[100] = -std::numeric_limits<double>::infinity();
  ExpectError(MakeWav(Spec(true, 64, 16000, 1), x), absl::StatusCode::kInvalidArgument,
              {"1 NaN/Inf samples", "first at frame 100"});
}

TEST(DecodeAudioErrorTest, CompressedWavSampleFormats) {
  WavSpec ima = Spec(false, 4, 16000, 1);
  ima.format_tag = 0x0011;
  ExpectError(MakeWav(ima, {}) + std::string(256, '\x11'), absl::StatusCode::kInvalidArgument,
              {"WAV with IMA ADPCM samples (format tag 0x0011)"});
  WavSpec mulaw = Spec(false, 8, 8000, 1);
  mulaw.format_tag = 0x0007;
  ExpectError(MakeWav(mulaw, ShortSine()), absl::StatusCode::kInvalidArgument,
              {"WAV with µ-law samples (format tag 0x0007)"});
  WavSpec alaw_ext = Spec(false, 8, 8000, 1, "RIFF", true);
  alaw_ext.format_tag = 0x0006;
  ExpectError(MakeWav(alaw_ext, ShortSine()), absl::StatusCode::kInvalidArgument,
              {"A-law", "extensible subformat 0x0006"});
  WavSpec odd = Spec(false, 16, 16000, 1);
  odd.format_tag = 0x1234;
  ExpectError(MakeWav(odd, ShortSine()), absl::StatusCode::kInvalidArgument,
              {"unknown format tag 0x1234"});
}

TEST(DecodeAudioErrorTest, UnacceptedBitDepths) {
  ExpectError(MakeWav(Spec(false, 12, 16000, 1), {}) + std::string(64, '\0'),
              absl::StatusCode::kInvalidArgument, {"WAV PCM with 12-bit samples"});
  ExpectError(MakeWav(Spec(true, 16, 16000, 1), {}) + std::string(64, '\0'),
              absl::StatusCode::kInvalidArgument, {"WAV float with 16-bit samples"});
}

TEST(DecodeAudioErrorTest, BlockAlignMismatch) {
  std::string wav = MakeWav(Spec(false, 16, 16000, 2), Sine(1000, 0.5, 16000, 0.1, {1, 1}));
  wav[32] = 3;  // block align
  ExpectError(wav, absl::StatusCode::kInvalidArgument, {"block align 3"});
}

TEST(DecodeAudioErrorTest, OtherFormatsByMagicBytes) {
  const std::string pad(64, '\0');
  ExpectError(std::string("OggS\0\x02", 6) + pad, absl::StatusCode::kInvalidArgument,
              {"Ogg container (OggS)"});
  ExpectError(std::string("ID3\x04\x00\x00", 6) + pad, absl::StatusCode::kInvalidArgument,
              {"MP3 (ID3 tag / MPEG frame sync)"});
  ExpectError(std::string("\xFF\xFB\x90\x64", 4) + pad, absl::StatusCode::kInvalidArgument,
              {"MP3 (ID3 tag / MPEG frame sync)"});
  ExpectError(std::string("fLaC\0\0\0\x22", 8) + pad, absl::StatusCode::kInvalidArgument, {"FLAC"});
  ExpectError(std::string("FORM\0\0\0@AIFFCOMM", 16) + pad, absl::StatusCode::kInvalidArgument,
              {"AIFF"});
  ExpectError("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", absl::StatusCode::kInvalidArgument,
              {"not audio: starts with 25 50 44 46 ('%PDF')"});
  ExpectError(std::string("RIFF@\0\0\0AVI LIST", 16) + pad, absl::StatusCode::kInvalidArgument,
              {"RIFF container of type 'AVI ' (not WAVE)"});
  ExpectError("hi", absl::StatusCode::kInvalidArgument, {"not audio: starts with 68 69 ('hi')"});
}

TEST(DecodeAudioErrorTest, RandomBytes) {
  std::mt19937 rng(7);
  for (int i = 0; i < 50; ++i) {
    std::string bytes(1 + rng() % 4096, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    absl::StatusOr<DecodedAudio> audio = DecodeAudio(bytes, {});
    ASSERT_FALSE(audio.ok());
    EXPECT_EQ(audio.status().code(), absl::StatusCode::kInvalidArgument) << audio.status();
  }
}

// Damaged headers must give a status, never a crash, a hang or a huge allocation.
TEST(DecodeAudioErrorTest, MutatedHeadersNeverCrash) {
  const std::vector<std::string> seeds = {
      MakeWav(Spec(false, 16, 44100, 2), Sine(1000, 0.5, 44100, 0.05, {1, 1})),
      MakeWav(Spec(true, 32, 48000, 1, "RF64"), Sine(1000, 0.5, 48000, 0.05)),
      SfWav(SF_FORMAT_WAVEX | SF_FORMAT_PCM_24, 22050, 2, Sine(1000, 0.5, 22050, 0.05, {1, 1})),
      SfWav(SF_FORMAT_WAV | SF_FORMAT_FLOAT, 8000, 1, Sine(1000, 0.5, 8000, 0.05))};
  std::mt19937 rng(11);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string bytes = seeds[i % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e)
      bytes[rng() % std::min<size_t>(bytes.size(), 120)] = static_cast<char>(rng());
    if (rng() % 4 == 0) bytes.resize(rng() % bytes.size());
    absl::StatusOr<DecodedAudio> audio = DecodeAudio(bytes, {});
    if (!audio.ok()) continue;
    ++accepted;
    ASSERT_LE(audio->duration_s(), 120.1);
    ExpectFiniteInRange(audio->samples);
  }
  EXPECT_GT(accepted, 0);  // harmless edits (in the sample data) still decode
}

// ---- Clipping ----

TEST(DecodeAudioTest, FullScaleSquareIsAllClipped) {
  std::vector<double> square(8000);
  for (size_t i = 0; i < square.size(); ++i) square[i] = (i / 20) % 2 ? 1.0 : -1.0;
  for (int bits : {8, 16, 24}) {
    absl::StatusOr<DecodedAudio> audio =
        DecodeAudio(MakeWav(Spec(false, bits, 48000, 1), square), {});
    ASSERT_TRUE(audio.ok()) << audio.status();
    EXPECT_NEAR(audio->source.clipped_ratio, 1.0, 1e-9) << bits;
    EXPECT_NEAR(audio->source.peak, 1.0, 1e-9) << bits;
    ExpectFiniteInRange(audio->samples);  // soxr's overshoot is clamped
  }
  std::vector<double> loud = square;
  for (double& v : loud) v *= 1.5;
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(MakeWav(Spec(true, 32, 48000, 1), loud), {});
  ASSERT_TRUE(audio.ok()) << audio.status();
  EXPECT_NEAR(audio->source.peak, 1.5, 1e-6);
  EXPECT_NEAR(audio->source.clipped_ratio, 1.0, 1e-9);
  ExpectFiniteInRange(audio->samples);
}

TEST(DecodeAudioTest, HugeFiniteFloatsStayFinite) {
  std::vector<double> x = Sine(1000, 0.5, 48000, 0.1, {1, 1});
  for (size_t i = 200; i < 260; ++i) x[i] = 3e38;  // both channels: the sum overflows a float
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(MakeWav(Spec(true, 32, 48000, 2), x), {});
  ASSERT_TRUE(audio.ok()) << audio.status();
  EXPECT_NEAR(audio->source.peak, 3e38, 1e32);
  ExpectFiniteInRange(audio->samples);

  auto decoder = PcmStreamDecoder::Create(PcmEncoding::kF32LE, 48000, 2, {});
  ASSERT_TRUE(decoder.ok()) << decoder.status();
  std::vector<float> out;
  ASSERT_TRUE((*decoder)->Push(EncodeSamples(Spec(true, 32, 48000, 2), x), &out).ok());
  ASSERT_TRUE((*decoder)->Flush(&out).ok());
  ExpectFiniteInRange(out);
}

TEST(DecodeAudioTest, HalfScaleSineIsNotClipped) {
  absl::StatusOr<DecodedAudio> audio =
      DecodeAudio(MakeWav(Spec(false, 16, 48000, 2), Sine(1000, 0.5, 48000, 0.2, {1, 1})), {});
  ASSERT_TRUE(audio.ok()) << audio.status();
  EXPECT_EQ(audio->source.clipped_ratio, 0.0);
}

// ---- ResampleToAnalysisRate ----

TEST(ResampleToAnalysisRateTest, LengthAndIdentity) {
  std::vector<float> x(48000, 0.25f);
  absl::StatusOr<std::vector<float>> y = ResampleToAnalysisRate(x, 48000);
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_NEAR(static_cast<double>(y->size()), 16000, 2);
  EXPECT_NEAR(y->at(8000), 0.25, 1e-3);
  absl::StatusOr<std::vector<float>> same = ResampleToAnalysisRate(x, kAnalysisRate);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, x);
  EXPECT_EQ(ResampleToAnalysisRate(x, 0).status().code(), absl::StatusCode::kInvalidArgument);
}

// ---- PcmStreamDecoder ----

std::string S16le(const std::vector<double>& x) {
  WavSpec spec;
  return EncodeSamples(spec, x);
}

std::string F32le(const std::vector<double>& x) { return EncodeSamples(Spec(true, 32, 0, 1), x); }

std::unique_ptr<PcmStreamDecoder> MakeStream(PcmEncoding enc, int rate, int channels,
                                             const DecodeLimits& limits = {}) {
  auto decoder = PcmStreamDecoder::Create(enc, rate, channels, limits);
  EXPECT_TRUE(decoder.ok()) << decoder.status();
  return decoder.ok() ? std::move(decoder).value() : nullptr;
}

TEST(PcmStreamDecoderTest, UnevenChunksMatchOnePush) {
  // Stereo with different content per channel, 1 s at 48 kHz.
  std::vector<double> x = Sine(1000, 0.4, 48000, 1.0, {1.0, 0.5});
  const std::vector<double> tone = Sine(300, 0.3, 48000, 1.0);
  for (size_t i = 0; i < tone.size(); ++i) x[2 * i + 1] += tone[i];
  const std::string pcm = S16le(x);

  auto whole = MakeStream(PcmEncoding::kS16LE, 48000, 2);
  ASSERT_NE(whole, nullptr);
  std::vector<float> expected;
  ASSERT_TRUE(whole->Push(pcm, &expected).ok());
  ASSERT_TRUE(whole->Flush(&expected).ok());

  auto chunked = MakeStream(PcmEncoding::kS16LE, 48000, 2);
  ASSERT_NE(chunked, nullptr);
  std::vector<float> got;
  const size_t frame_counts[] = {1, 7, 100, 333, 0, 4096, 13, 2, 999};
  size_t pos = 0;
  for (int i = 0; pos < pcm.size(); ++i) {
    const size_t n = std::min(pcm.size() - pos, frame_counts[i % 9] * 4);
    ASSERT_TRUE(chunked->Push(absl::string_view(pcm).substr(pos, n), &got).ok());
    pos += n;
  }
  ASSERT_TRUE(chunked->Flush(&got).ok());

  ASSERT_EQ(got.size(), expected.size());
  EXPECT_NEAR(static_cast<double>(got.size()), 16000, 4);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], expected[i], 1e-4) << i;
  EXPECT_EQ(chunked->info().frames, 48000);
  EXPECT_EQ(chunked->info().channels, 2);
  EXPECT_EQ(chunked->info().format, "PCM s16le stream");
  EXPECT_EQ(chunked->info().clipped_ratio, 0.0);

  // The same samples as a WAV decode to the same signal.
  absl::StatusOr<DecodedAudio> file = DecodeAudio(MakeWav(Spec(false, 16, 48000, 2), x), {});
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ(file->samples.size(), got.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], file->samples[i], 1e-4) << i;
}

TEST(PcmStreamDecoderTest, AnalysisRatePassesThrough) {
  const std::vector<double> x = ShortSine();
  auto decoder = MakeStream(PcmEncoding::kF32LE, kAnalysisRate, 1);
  ASSERT_NE(decoder, nullptr);
  std::vector<float> out;
  ASSERT_TRUE(decoder->Push(F32le(x), &out).ok());
  ASSERT_TRUE(decoder->Flush(&out).ok());
  ASSERT_EQ(out.size(), x.size());
  for (size_t i = 0; i < x.size(); ++i) ASSERT_FLOAT_EQ(out[i], static_cast<float>(x[i]));
}

TEST(PcmStreamDecoderTest, AntiAliasing) {
  auto decoder = MakeStream(PcmEncoding::kF32LE, 48000, 1);
  ASSERT_NE(decoder, nullptr);
  std::vector<float> out;
  ASSERT_TRUE(decoder->Push(F32le(Sine(12000, 0.5, 48000, 1.0)), &out).ok());
  ASSERT_TRUE(decoder->Flush(&out).ok());
  EXPECT_LT(20 * std::log10(std::max(Rms(out), 1e-12) / (0.5 / std::sqrt(2.0))), -40.0);
}

TEST(PcmStreamDecoderTest, RejectsPartialFrames) {
  auto decoder = MakeStream(PcmEncoding::kS16LE, 48000, 2);
  ASSERT_NE(decoder, nullptr);
  std::vector<float> out;
  const absl::Status s = decoder->Push(std::string(6, '\0'), &out);  // a frame and a half
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("not a whole number of 4-byte frames"));
  EXPECT_EQ(decoder->info().frames, 0);
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(decoder->Push(std::string(8, '\0'), &out).ok());  // still usable
  EXPECT_EQ(decoder->info().frames, 2);
}

TEST(PcmStreamDecoderTest, RejectsNonFiniteFloats) {
  auto decoder = MakeStream(PcmEncoding::kF32LE, 48000, 1);
  ASSERT_NE(decoder, nullptr);
  std::vector<double> x = Sine(1000, 0.5, 48000, 0.01);
  x[3] = std::numeric_limits<double>::quiet_NaN();
  x[4] = std::numeric_limits<double>::infinity();
  std::vector<float> out;
  const absl::Status s = decoder->Push(F32le(x), &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("2 NaN/Inf samples"));
  EXPECT_EQ(decoder->info().frames, 0);
}

TEST(PcmStreamDecoderTest, CreateRejectsBadFormats) {
  auto bad_rate = PcmStreamDecoder::Create(PcmEncoding::kS16LE, 1, 1, {});
  ASSERT_FALSE(bad_rate.ok());
  EXPECT_EQ(bad_rate.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_rate.status().message(), HasSubstr("sample rate 1 Hz"));
  auto high_rate = PcmStreamDecoder::Create(PcmEncoding::kF32LE, 10000000, 1, {});
  EXPECT_THAT(high_rate.status().message(), HasSubstr("sample rate 10000000 Hz"));
  auto bad_channels = PcmStreamDecoder::Create(PcmEncoding::kS16LE, 16000, 0, {});
  EXPECT_EQ(bad_channels.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_channels.status().message(), HasSubstr("channel count 0"));
}

TEST(PcmStreamDecoderTest, TracksClippingAndLimitsDuration) {
  DecodeLimits limits;
  limits.max_duration_s = 1.0;
  auto decoder = MakeStream(PcmEncoding::kS16LE, 8000, 1, limits);
  ASSERT_NE(decoder, nullptr);
  std::vector<float> out;
  ASSERT_TRUE(decoder->Push(S16le(std::vector<double>(4000, 1.0)), &out).ok());
  ASSERT_TRUE(decoder->Push(S16le(std::vector<double>(4000, 0.1)), &out).ok());
  EXPECT_NEAR(decoder->info().clipped_ratio, 0.5, 1e-9);
  EXPECT_NEAR(decoder->info().peak, 1.0, 1e-4);
  const absl::Status s = decoder->Push(S16le(std::vector<double>(10, 0.1)), &out);
  EXPECT_EQ(s.code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(s.message(), HasSubstr("exceeds the limit of 1.0 s"));
  ASSERT_TRUE(decoder->Flush(&out).ok());
  EXPECT_NEAR(static_cast<double>(out.size()), 16000, 4);
  ExpectFiniteInRange(out);
  EXPECT_EQ(decoder->Push(S16le({0.1}), &out).code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace burnout::voice
