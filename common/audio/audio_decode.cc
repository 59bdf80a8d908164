#include "common/audio/audio_decode.h"

#include <sndfile.h>
#include <soxr.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/macros.h"

namespace burnout::audio {
namespace {

constexpr char kAccepted[] =
    "accepted: WAV (RIFF/RIFX/RF64) with 8/16/24/32-bit integer PCM or 32/64-bit IEEE float "
    "samples";
constexpr uint16_t kTagPcm = 0x0001;
constexpr uint16_t kTagFloat = 0x0003;
constexpr uint16_t kTagExtensible = 0xFFFE;
constexpr double kClipLevel = 0.999;
constexpr sf_count_t kReadBlockFrames = 4096;

absl::Status Unsupported(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("unsupported audio format: ", what, "; ", kAccepted));
}

// ---- Recognising the input by its bytes ----

bool StartsWith(absl::string_view b, absl::string_view magic, size_t at = 0) {
  return b.size() >= at + magic.size() && b.substr(at, magic.size()) == magic;
}

std::string Printable(absl::string_view b) {
  std::string s;
  for (unsigned char c : b) s.push_back(c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '.');
  return s;
}

// Names a non-WAV input; the caller has already ruled out RIFF/RIFX/RF64 + WAVE.
absl::Status NotWav(absl::string_view b) {
  const auto u = [&](size_t i) { return static_cast<unsigned char>(b[i]); };
  if (StartsWith(b, "OggS")) {
    std::string codec;
    if (StartsWith(b, "OpusHead", 28)) codec = " with Opus";
    if (StartsWith(b, "\x01vorbis", 28)) codec = " with Vorbis";
    if (StartsWith(b, "\177FLAC", 28)) codec = " with FLAC";
    return Unsupported(absl::StrCat("Ogg container (OggS)", codec));
  }
  if (StartsWith(b, "ID3")) return Unsupported("MP3 (ID3 tag / MPEG frame sync)");
  if (b.size() >= 2 && u(0) == 0xFF && (u(1) & 0xE0) == 0xE0) {
    return Unsupported((u(1) & 0x06) == 0 ? "AAC (ADTS frame sync)"
                                          : "MP3 (ID3 tag / MPEG frame sync)");
  }
  if (StartsWith(b, "fLaC")) return Unsupported("FLAC");
  if (StartsWith(b, "FORM") && StartsWith(b, "AIFF", 8)) return Unsupported("AIFF");
  if (StartsWith(b, "FORM") && StartsWith(b, "AIFC", 8)) return Unsupported("AIFF-C");
  if (StartsWith(b, "FORM")) return Unsupported("IFF container (FORM)");
  if (StartsWith(b, ".snd")) return Unsupported("Sun/NeXT AU");
  if (StartsWith(b, "caff")) return Unsupported("Apple CAF");
  if (StartsWith(b, "ftyp", 4)) return Unsupported("MP4/M4A container (ftyp)");
  if (StartsWith(b, "\x1A\x45\xDF\xA3")) return Unsupported("Matroska/WebM container");
  if (StartsWith(b, "#!AMR")) return Unsupported("AMR");
  if (StartsWith(b, "wvpk")) return Unsupported("WavPack");
  if (StartsWith(b, "MAC ")) return Unsupported("Monkey's Audio (APE)");
  if (StartsWith(b, "MThd")) return Unsupported("MIDI (no audio samples)");
  if (StartsWith(b, "riff")) return Unsupported("Sony Wave64 (W64)");
  if (StartsWith(b, "BW64")) return Unsupported("BW64");
  if (StartsWith(b, "RIFF") || StartsWith(b, "RIFX") || StartsWith(b, "RF64")) {
    return Unsupported(absl::StrCat(b.substr(0, 4), " container of type '",
                                    Printable(b.substr(8, 4)), "' (not WAVE)"));
  }
  const absl::string_view head = b.substr(0, 4);
  std::string hex;
  for (unsigned char c : head) absl::StrAppendFormat(&hex, "%s%02X", hex.empty() ? "" : " ", c);
  return absl::InvalidArgumentError(
      absl::StrCat("not audio: starts with ", hex, " ('", Printable(head), "'); ", kAccepted));
}

const char* FormatTagName(uint32_t tag) {
  switch (tag) {
    case 0x0002: return "Microsoft ADPCM";
    case 0x0006: return "A-law";
    case 0x0007: return "µ-law";
    case 0x0011: return "IMA ADPCM";
    case 0x0031: return "GSM 6.10";
    case 0x0040: return "G.721 ADPCM";
    case 0x0050: return "MPEG";
    case 0x0055: return "MP3";
    case 0x00FF: return "AAC";
    case 0x0161:
    case 0x0162:
    case 0x0163: return "WMA";
    case 0x2000: return "AC-3";
    default: return nullptr;
  }
}

// ---- Parsing the RIFF chunks ourselves ----

enum class Container { kRiff, kRifx, kRf64 };

struct Patch {  // bytes shown to libsndfile instead of the input's, at `offset`
  int64_t offset;
  std::string bytes;
};

struct WavLayout {
  Container container = Container::kRiff;
  bool is_float = false;
  bool extensible = false;
  int bits = 0;
  int channels = 0;
  int sample_rate = 0;
  int block_align = 0;
  int64_t frames = 0;
  std::vector<Patch> patches;  // streaming-written size fields, set to the real data size
};

// Integers in the input's byte order (RIFX is big-endian, RIFF and RF64 little-endian).
class Reader {
 public:
  Reader(absl::string_view b, bool big_endian) : b_(b), big_(big_endian) {}
  uint64_t Read(size_t at, int n) const {
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) {
      v |= uint64_t{static_cast<unsigned char>(b_[at + (big_ ? n - 1 - i : i)])} << (8 * i);
    }
    return v;
  }
  uint32_t U16(size_t at) const { return static_cast<uint32_t>(Read(at, 2)); }
  uint32_t U32(size_t at) const { return static_cast<uint32_t>(Read(at, 4)); }
  uint64_t U64(size_t at) const { return Read(at, 8); }
  std::string Encode(uint64_t v, int n) const {
    std::string s(n, '\0');
    for (int i = 0; i < n; ++i) s[big_ ? n - 1 - i : i] = static_cast<char>(v >> (8 * i));
    return s;
  }

 private:
  absl::string_view b_;
  bool big_;
};

bool LooksLikeChunkId(absl::string_view b, size_t at) {
  if (at + 4 > b.size()) return false;
  for (size_t i = at; i < at + 4; ++i) {
    if (b[i] < 0x20 || b[i] > 0x7E) return false;
  }
  return true;
}

absl::StatusOr<WavLayout> ParseWav(absl::string_view b, const DecodeLimits& limits) {
  WavLayout w;
  w.container = StartsWith(b, "RIFX")   ? Container::kRifx
                : StartsWith(b, "RF64") ? Container::kRf64
                                        : Container::kRiff;
  const Reader r(b, w.container == Container::kRifx);
  const int64_t size = static_cast<int64_t>(b.size());

  int64_t fmt_at = -1, fmt_size = 0, data_at = -1, ds64_data_at = -1;
  uint32_t data32 = 0;
  for (int64_t pos = 12; pos + 8 <= size;) {
    const absl::string_view id = b.substr(pos, 4);
    const int64_t body = pos + 8, chunk = r.U32(pos + 4), remain = size - body;
    if (id == "data" && data_at < 0) {
      data_at = body;
      data32 = static_cast<uint32_t>(chunk);
      if (fmt_at >= 0 || chunk == 0 || chunk == 0xFFFFFFFF || chunk > remain) break;
    } else if (chunk > remain) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "truncated WAV: the '%s' chunk at byte %d declares %d bytes but only %d remain",
          Printable(id), pos, chunk, remain));
    } else if (id == "fmt " && fmt_at < 0) {
      fmt_at = body;
      fmt_size = chunk;
    } else if (id == "ds64" && pos == 12 && w.container == Container::kRf64 && chunk >= 24) {
      ds64_data_at = body + 8;
    }
    int64_t next = body + chunk;
    if ((chunk & 1) && !(!LooksLikeChunkId(b, next + 1) && LooksLikeChunkId(b, next))) ++next;
    pos = next;
  }

  if (fmt_at < 0) {
    if (data_at < 0) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "no audio samples: the %d-byte WAV has neither a fmt nor a data chunk", size));
    }
    return absl::InvalidArgumentError("malformed WAV: a data chunk but no fmt chunk before it");
  }
  if (fmt_size < 16) {
    return absl::InvalidArgumentError(
        absl::StrFormat("malformed WAV: fmt chunk of %d bytes (at least 16 needed)", fmt_size));
  }
  uint32_t tag = r.U16(fmt_at);
  const uint32_t channels = r.U16(fmt_at + 2), rate = r.U32(fmt_at + 4);
  const uint32_t block_align = r.U16(fmt_at + 12), bits = r.U16(fmt_at + 14);
  std::string tag_desc = absl::StrFormat("format tag 0x%04X", tag);
  if (tag == kTagExtensible) {
    w.extensible = true;
    if (fmt_size < 40) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "malformed WAV: WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes (40 needed)", fmt_size));
    }
    // KSDATAFORMAT_SUBTYPE_*: {0000xxxx-0000-0010-8000-00AA00389B71}, xxxx the format tag.
    const size_t guid = fmt_at + 24;
    const uint32_t data1 = r.U32(guid);
    if ((data1 >> 16) != 0 || r.U16(guid + 4) != 0 || r.U16(guid + 6) != 0x0010 ||
        b.substr(guid + 8, 8) != absl::string_view("\x80\x00\x00\xAA\x00\x38\x9B\x71", 8)) {
      return Unsupported("WAV (extensible) with a subformat GUID that is not PCM or float");
    }
    tag = data1;
    tag_desc = absl::StrFormat("extensible subformat 0x%04X", tag);
  }
  if (tag != kTagPcm && tag != kTagFloat) {
    const char* name = FormatTagName(tag);
    return Unsupported(name ? absl::StrCat("WAV with ", name, " samples (", tag_desc, ")")
                            : absl::StrCat("WAV with samples of unknown ", tag_desc));
  }
  w.is_float = tag == kTagFloat;
  w.bits = static_cast<int>(bits);
  if (w.is_float ? (bits != 32 && bits != 64)
                 : (bits != 8 && bits != 16 && bits != 24 && bits != 32)) {
    return Unsupported(absl::StrFormat("WAV %s with %d-bit samples (accepted: %s)",
                                       w.is_float ? "float" : "PCM", bits,
                                       w.is_float ? "32 or 64" : "8, 16, 24 or 32"));
  }
  if (channels < 1 || static_cast<int64_t>(channels) > limits.max_channels) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "channel count %d outside the accepted 1 to %d", channels, limits.max_channels));
  }
  if (rate < static_cast<uint32_t>(std::max(limits.min_sample_rate, 1)) ||
      static_cast<int64_t>(rate) > limits.max_sample_rate) {
    return absl::InvalidArgumentError(
        absl::StrFormat("sample rate %d Hz outside the accepted %d to %d Hz", rate,
                        limits.min_sample_rate, limits.max_sample_rate));
  }
  w.channels = static_cast<int>(channels);
  w.sample_rate = static_cast<int>(rate);
  w.block_align = w.channels * w.bits / 8;
  if (block_align != static_cast<uint32_t>(w.block_align)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "malformed WAV: block align %d for %d channels of %d-bit samples (%d expected)",
        block_align, channels, bits, w.block_align));
  }
  if (data_at < 0) {
    return absl::InvalidArgumentError(
        "no audio samples: the WAV has a fmt chunk but no data chunk");
  }

  // The declared data size. 0 and all-ones are what streaming writers leave behind;
  // espeak-ng and other pipe writers put 0x7FFFF000 (the largest size a 32-bit signed reader
  // accepts), and so do some recorders: any declared size from there up means "unknown".
  const int64_t present = size - data_at;
  const bool use_ds64 = w.container == Container::kRf64 && data32 == 0xFFFFFFFF;
  if (use_ds64 && ds64_data_at < 0) {
    return absl::InvalidArgumentError("malformed RF64: no ds64 chunk to give the data size");
  }
  const uint64_t declared = use_ds64 ? r.U64(ds64_data_at) : data32;
  const bool streaming = declared == 0 || (!use_ds64 && declared >= 0x7FFFF000) ||
                         declared == ~uint64_t{0};
  if (!streaming && declared > static_cast<uint64_t>(present)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("truncated WAV: the data chunk declares %d bytes but only %d are present",
                        declared, present));
  }
  const int64_t data_bytes = streaming ? present : static_cast<int64_t>(declared);
  // libsndfile reads a declared 0 as "no samples"; show it the real size instead.
  if (ds64_data_at >= 0) {
    w.patches.push_back({ds64_data_at, r.Encode(static_cast<uint64_t>(data_bytes), 8)});
  }
  if (streaming && !use_ds64) {
    w.patches.push_back({data_at - 4, r.Encode(std::min<int64_t>(data_bytes, 0xFFFFFFFF), 4)});
  }
  w.frames = data_bytes / w.block_align;
  if (w.frames == 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "no audio samples: the data chunk holds %d bytes, less than one %d-byte frame", data_bytes,
        w.block_align));
  }
  const double duration_s = static_cast<double>(w.frames) / w.sample_rate;
  if (duration_s > limits.max_duration_s) {
    return absl::OutOfRangeError(absl::StrFormat("audio of %.1f s exceeds the limit of %.1f s",
                                                 duration_s, limits.max_duration_s));
  }
  return w;
}

// ---- libsndfile over the byte buffer ----

struct MemoryFile {
  absl::string_view bytes;
  const std::vector<Patch>* patches;
  sf_count_t pos = 0;
};

sf_count_t VioLength(void* user) {
  return static_cast<sf_count_t>(static_cast<MemoryFile*>(user)->bytes.size());
}
sf_count_t VioSeek(sf_count_t offset, int whence, void* user) {
  auto* f = static_cast<MemoryFile*>(user);
  const sf_count_t base = whence == SEEK_SET   ? 0
                          : whence == SEEK_CUR ? f->pos
                                               : static_cast<sf_count_t>(f->bytes.size());
  if (base + offset < 0) return -1;
  f->pos = base + offset;
  return f->pos;
}
sf_count_t VioRead(void* ptr, sf_count_t count, void* user) {
  auto* f = static_cast<MemoryFile*>(user);
  const sf_count_t size = static_cast<sf_count_t>(f->bytes.size());
  const sf_count_t n = std::clamp<sf_count_t>(size - f->pos, 0, std::max<sf_count_t>(count, 0));
  if (n == 0) return 0;
  char* out = static_cast<char*>(ptr);
  std::memcpy(out, f->bytes.data() + f->pos, n);
  for (const Patch& p : *f->patches) {
    const sf_count_t end = static_cast<sf_count_t>(p.offset + p.bytes.size());
    for (sf_count_t i = std::max(f->pos, p.offset); i < std::min(f->pos + n, end); ++i) {
      out[i - f->pos] = p.bytes[i - p.offset];
    }
  }
  f->pos += n;
  return n;
}
sf_count_t VioWrite(const void*, sf_count_t, void*) { return 0; }
sf_count_t VioTell(void* user) { return static_cast<MemoryFile*>(user)->pos; }

struct SndfileCloser {
  void operator()(SNDFILE* f) const { sf_close(f); }
};

bool AcceptedSfFormat(int format) {
  const int type = format & SF_FORMAT_TYPEMASK, sub = format & SF_FORMAT_SUBMASK;
  return (type == SF_FORMAT_WAV || type == SF_FORMAT_WAVEX || type == SF_FORMAT_RF64) &&
         (sub == SF_FORMAT_PCM_U8 || sub == SF_FORMAT_PCM_16 || sub == SF_FORMAT_PCM_24 ||
          sub == SF_FORMAT_PCM_32 || sub == SF_FORMAT_FLOAT || sub == SF_FORMAT_DOUBLE);
}

// Source statistics over interleaved samples.
struct SampleStats {
  double clip_level = kClipLevel;
  int64_t samples = 0, clipped = 0, non_finite = 0, first_non_finite = -1;
  double peak = 0.0;
  void Add(const float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
      if (!std::isfinite(x[i])) {
        if (first_non_finite < 0) first_non_finite = samples + i;
        ++non_finite;
        continue;
      }
      const double a = std::fabs(x[i]);
      peak = std::max(peak, a);
      if (a >= clip_level) ++clipped;
    }
    samples += n;
  }
  void Fill(AudioSourceInfo* info) const {
    info->peak = peak;
    info->clipped_ratio = samples > 0 ? static_cast<double>(clipped) / samples : 0.0;
  }
};

// Averages the channels. Float sources may exceed full scale; far beyond it (up to FLT_MAX)
// they would overflow the resampler, so the mix is limited to +-kMaxMixLevel (+24 dBFS).
void MixToMono(const float* interleaved, int64_t frames, int channels, std::vector<float>* out) {
  constexpr double kMaxMixLevel = 16.0;
  for (int64_t i = 0; i < frames; ++i) {
    double sum = 0.0;
    for (int c = 0; c < channels; ++c) sum += interleaved[i * channels + c];
    out->push_back(static_cast<float>(std::clamp(sum / channels, -kMaxMixLevel, kMaxMixLevel)));
  }
}

void Clamp(float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) x[i] = std::clamp(x[i], -1.0f, 1.0f);
}

absl::Status CheckStreamFormat(int sample_rate, int channels, const DecodeLimits& limits) {
  if (channels < 1 || channels > limits.max_channels) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PCM stream: channel count %d outside the accepted 1 to %d", channels,
                        limits.max_channels));
  }
  if (sample_rate < std::max(limits.min_sample_rate, 1) || sample_rate > limits.max_sample_rate) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PCM stream: sample rate %d Hz outside the accepted %d to %d Hz",
                        sample_rate, limits.min_sample_rate, limits.max_sample_rate));
  }
  return absl::OkStatus();
}

}  // namespace

double DecodedAudio::duration_s() const {
  return static_cast<double>(samples.size()) / kAnalysisRate;
}

absl::StatusOr<std::vector<float>> Resample(const std::vector<float>& in, int in_rate,
                                            int out_rate) {
  if (in_rate <= 0 || out_rate <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("sample rate ", in_rate <= 0 ? in_rate : out_rate, " Hz"));
  }
  if (in_rate == out_rate || in.empty()) return in;
  const double ratio = static_cast<double>(out_rate) / in_rate;
  std::vector<float> out(static_cast<size_t>(std::ceil(in.size() * ratio)) + 16);
  const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
  const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
  size_t odone = 0;
  const soxr_error_t err = soxr_oneshot(in_rate, out_rate, 1, in.data(), in.size(), nullptr,
                                        out.data(), out.size(), &odone, &io, &quality, nullptr);
  if (err) return absl::InternalError(absl::StrCat("soxr resampling failed: ", err));
  out.resize(odone);
  return out;
}

absl::StatusOr<std::vector<float>> ResampleToAnalysisRate(const std::vector<float>& in, int rate) {
  return Resample(in, rate, kAnalysisRate);
}

absl::StatusOr<DecodedAudio> DecodeAudio(absl::string_view bytes, const DecodeLimits& limits) {
  if (bytes.empty()) return absl::InvalidArgumentError("empty audio: 0 bytes");
  if (static_cast<int64_t>(bytes.size()) > limits.max_bytes) {
    return absl::OutOfRangeError(absl::StrFormat("audio of %d bytes exceeds the limit of %d bytes",
                                                 bytes.size(), limits.max_bytes));
  }
  const bool riff_like =
      StartsWith(bytes, "RIFF") || StartsWith(bytes, "RIFX") || StartsWith(bytes, "RF64");
  if (riff_like && bytes.size() < 12) {
    return absl::InvalidArgumentError(
        absl::StrFormat("truncated WAV header: %d of 12 bytes", bytes.size()));
  }
  if (!riff_like || !StartsWith(bytes, "WAVE", 8)) return NotWav(bytes);
  BR_ASSIGN_OR_RETURN(WavLayout layout, ParseWav(bytes, limits));

  MemoryFile file{bytes, &layout.patches};
  SF_VIRTUAL_IO vio{VioLength, VioSeek, VioRead, VioWrite, VioTell};
  SF_INFO sf_info{};
  std::unique_ptr<SNDFILE, SndfileCloser> sf(sf_open_virtual(&vio, SFM_READ, &sf_info, &file));
  if (!sf) {
    // sf_strerror(nullptr) is libsndfile's last open error (process-wide).
    return absl::InvalidArgumentError(
        absl::StrCat("libsndfile could not open the WAV: ", sf_strerror(nullptr)));
  }
  if (!AcceptedSfFormat(sf_info.format) || sf_info.channels != layout.channels ||
      sf_info.samplerate != layout.sample_rate) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "libsndfile reads the WAV as format 0x%08X, %d channels at %d Hz, not the accepted "
        "%d channels at %d Hz its fmt chunk declares",
        sf_info.format, sf_info.channels, sf_info.samplerate, layout.channels, layout.sample_rate));
  }

  DecodedAudio result;
  AudioSourceInfo& info = result.source;
  const char* container = layout.container == Container::kRifx   ? "RIFX WAV"
                          : layout.container == Container::kRf64 ? "RF64"
                                                                 : "WAV";
  info.format = absl::StrFormat("%s %s %d-bit%s", container, layout.is_float ? "float" : "PCM",
                                layout.bits, layout.extensible ? " (extensible)" : "");
  info.sample_rate = layout.sample_rate;
  info.channels = layout.channels;

  // Allocation is bounded by the limits checked in ParseWav.
  const int64_t frames = std::min<int64_t>(layout.frames, sf_info.frames);
  if (frames <= 0) return absl::InvalidArgumentError("no audio samples: libsndfile found none");
  std::vector<float> mono;
  mono.reserve(static_cast<size_t>(frames));
  std::vector<float> block(static_cast<size_t>(kReadBlockFrames * layout.channels));
  SampleStats stats;
  if (layout.bits == 8) stats.clip_level = 127.0 / 128.0;  // the largest 8-bit code
  for (int64_t done = 0; done < frames;) {
    const sf_count_t want = std::min<sf_count_t>(kReadBlockFrames, frames - done);
    const sf_count_t got = sf_readf_float(sf.get(), block.data(), want);
    if (got <= 0) {
      return absl::InvalidArgumentError(absl::StrFormat("libsndfile read only %d of %d frames: %s",
                                                        done, frames, sf_strerror(sf.get())));
    }
    stats.Add(block.data(), got * layout.channels);
    MixToMono(block.data(), got, layout.channels, &mono);
    done += got;
  }
  if (stats.non_finite > 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("float WAV holds %d NaN/Inf samples (first at frame %d)", stats.non_finite,
                        stats.first_non_finite / layout.channels));
  }
  info.frames = frames;
  stats.Fill(&info);

  BR_ASSIGN_OR_RETURN(result.samples, ResampleToAnalysisRate(mono, layout.sample_rate));
  Clamp(result.samples.data(), result.samples.size());
  return result;
}

// ---- PcmStreamDecoder ----

struct PcmStreamDecoder::State {
  PcmEncoding encoding;
  int bytes_per_sample;
  double max_duration_s;
  soxr_t soxr = nullptr;  // null when the stream is already at kAnalysisRate
  bool flushed = false;
  AudioSourceInfo info;
  SampleStats stats;
  std::vector<float> interleaved, mono;  // scratch, reused between chunks

  ~State() {
    if (soxr) soxr_delete(soxr);
  }

  // Feeds `n` samples (or end of input when `in` is null) and appends the output, clamped.
  absl::Status Resample(const float* in, size_t n, std::vector<float>* out) {
    const size_t first = out->size();
    if (!soxr) {
      out->insert(out->end(), in, in + n);
    } else {
      const double ratio = static_cast<double>(kAnalysisRate) / info.sample_rate;
      size_t consumed = 0;
      for (;;) {
        const size_t room = static_cast<size_t>((n - consumed) * ratio) + 256;
        const size_t old = out->size();
        out->resize(old + room);
        size_t idone = 0, odone = 0;
        const soxr_error_t err =
            soxr_process(soxr, in ? in + consumed : nullptr, in ? n - consumed : 0, &idone,
                         out->data() + old, room, &odone);
        out->resize(old + odone);
        if (err) return absl::InternalError(absl::StrCat("soxr resampling failed: ", err));
        consumed += idone;
        if (in ? (consumed >= n && odone < room) : odone == 0) break;
      }
    }
    Clamp(out->data() + first, out->size() - first);
    return absl::OkStatus();
  }
};

PcmStreamDecoder::PcmStreamDecoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
PcmStreamDecoder::~PcmStreamDecoder() = default;

absl::StatusOr<std::unique_ptr<PcmStreamDecoder>> PcmStreamDecoder::Create(
    PcmEncoding encoding, int sample_rate, int channels, const DecodeLimits& limits) {
  BR_RETURN_IF_ERROR(CheckStreamFormat(sample_rate, channels, limits));
  auto state = std::make_unique<State>();
  state->encoding = encoding;
  state->bytes_per_sample = encoding == PcmEncoding::kS16LE ? 2 : 4;
  state->max_duration_s = limits.max_duration_s;
  state->info.format = encoding == PcmEncoding::kS16LE ? "PCM s16le stream" : "PCM f32le stream";
  state->info.sample_rate = sample_rate;
  state->info.channels = channels;
  if (sample_rate != kAnalysisRate) {
    const soxr_io_spec_t io = soxr_io_spec(SOXR_FLOAT32_I, SOXR_FLOAT32_I);
    const soxr_quality_spec_t quality = soxr_quality_spec(SOXR_HQ, 0);
    soxr_error_t err = nullptr;
    state->soxr = soxr_create(sample_rate, kAnalysisRate, 1, &err, &io, &quality, nullptr);
    if (err || !state->soxr) {
      return absl::InternalError(absl::StrCat("soxr_create failed: ", err ? err : "null"));
    }
  }
  return std::unique_ptr<PcmStreamDecoder>(new PcmStreamDecoder(std::move(state)));
}

absl::Status PcmStreamDecoder::Push(absl::string_view chunk, std::vector<float>* out) {
  State& s = *state_;
  if (s.flushed) return absl::FailedPreconditionError("PCM stream: Push after Flush");
  const int channels = s.info.channels;
  const size_t frame_bytes = static_cast<size_t>(s.bytes_per_sample) * channels;
  if (chunk.size() % frame_bytes != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "PCM chunk of %d bytes is not a whole number of %d-byte frames (%d channels)", chunk.size(),
        frame_bytes, channels));
  }
  const int64_t frames = static_cast<int64_t>(chunk.size() / frame_bytes);
  if (frames == 0) return absl::OkStatus();
  const double duration_s = static_cast<double>(s.info.frames + frames) / s.info.sample_rate;
  if (duration_s > s.max_duration_s) {
    return absl::OutOfRangeError(absl::StrFormat("PCM stream of %.1f s exceeds the limit of %.1f s",
                                                 duration_s, s.max_duration_s));
  }

  const size_t n = static_cast<size_t>(frames) * channels;
  s.interleaved.resize(n);
  const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
  int64_t non_finite = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s.encoding == PcmEncoding::kS16LE) {
      const auto v = static_cast<int16_t>(p[2 * i] | (p[2 * i + 1] << 8));
      s.interleaved[i] = static_cast<float>(v) / 32768.0f;
    } else {
      const uint32_t u =
          static_cast<uint32_t>(p[4 * i]) | (static_cast<uint32_t>(p[4 * i + 1]) << 8) |
          (static_cast<uint32_t>(p[4 * i + 2]) << 16) | (static_cast<uint32_t>(p[4 * i + 3]) << 24);
      float f;
      std::memcpy(&f, &u, sizeof(f));
      if (!std::isfinite(f)) ++non_finite;
      s.interleaved[i] = f;
    }
  }
  if (non_finite > 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PCM chunk holds %d NaN/Inf samples", non_finite));
  }
  s.stats.Add(s.interleaved.data(), static_cast<int64_t>(n));
  s.info.frames += frames;
  s.stats.Fill(&s.info);
  s.mono.clear();
  MixToMono(s.interleaved.data(), frames, channels, &s.mono);
  return s.Resample(s.mono.data(), s.mono.size(), out);
}

absl::Status PcmStreamDecoder::Flush(std::vector<float>* out) {
  State& s = *state_;
  if (s.flushed || !s.soxr) {
    s.flushed = true;
    return absl::OkStatus();
  }
  s.flushed = true;
  return s.Resample(nullptr, 0, out);
}

const AudioSourceInfo& PcmStreamDecoder::info() const { return state_->info; }

absl::StatusOr<DecodedAudio> DecodeAudioFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  DecodeLimits limits;
  limits.max_bytes = int64_t{1} << 31;
  limits.max_duration_s = 24 * 3600.0;
  auto audio = DecodeAudio(bytes.str(), limits);
  if (!audio.ok()) {
    return absl::Status(audio.status().code(), absl::StrCat(path, ": ", audio.status().message()));
  }
  return audio;
}

}  // namespace burnout::audio
