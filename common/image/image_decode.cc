#include "common/image/image_decode.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <utility>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/macros.h"

namespace burnout::image {
namespace {

constexpr char kAccepted[] = "accepted: JPEG (baseline or progressive) and PNG";

// ---- Bytes ----

bool StartsWith(absl::string_view b, absl::string_view magic, size_t at = 0) {
  return b.size() >= at + magic.size() && b.substr(at, magic.size()) == magic;
}

// Bounds are the caller's to check: every use below is preceded by a size test.
uint32_t U8(absl::string_view b, size_t at) { return static_cast<unsigned char>(b[at]); }
uint32_t U16BE(absl::string_view b, size_t at) { return U8(b, at) << 8 | U8(b, at + 1); }
uint32_t U32BE(absl::string_view b, size_t at) { return U16BE(b, at) << 16 | U16BE(b, at + 2); }

std::string HexHead(absl::string_view b, size_t n = 4) {
  std::string hex;
  for (unsigned char c : b.substr(0, n)) {
    absl::StrAppendFormat(&hex, "%s%02x", hex.empty() ? "" : " ", c);
  }
  return hex;
}

absl::Status Unsupported(absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("unsupported image format: ", what, "; ", kAccepted));
}

// ---- Recognising the input by its bytes ----

bool IsJpeg(absl::string_view b) { return StartsWith(b, "\xFF\xD8\xFF"); }
bool IsPng(absl::string_view b) { return StartsWith(b, "\x89PNG\r\n\x1A\n"); }

// Names a non-JPEG, non-PNG input. Only signatures: nothing else is parsed.
absl::Status NotJpegOrPng(absl::string_view b) {
  if (b.empty()) return absl::InvalidArgumentError(absl::StrCat("empty image (0 bytes); ", kAccepted));
  if (StartsWith(b, absl::string_view("II*\0", 4)) || StartsWith(b, absl::string_view("MM\0*", 4))) {
    return Unsupported("TIFF");
  }
  if (StartsWith(b, absl::string_view("II+\0", 4)) || StartsWith(b, absl::string_view("MM\0+", 4))) {
    return Unsupported("BigTIFF");
  }
  if (b.size() >= 132 && b.substr(128, 4) == "DICM") return Unsupported("DICOM");
  if (StartsWith(b, "BM") && b.size() >= 14 && b.substr(6, 4) == absl::string_view("\0\0\0\0", 4)) {
    return Unsupported("BMP");
  }
  if (StartsWith(b, "RIFF") && StartsWith(b, "WEBP", 8)) return Unsupported("WebP");
  if (StartsWith(b, "RIFF")) return Unsupported("RIFF container (not an image)");
  if (StartsWith(b, "GIF87a") || StartsWith(b, "GIF89a")) return Unsupported("GIF");
  if (StartsWith(b, "%PDF-")) return Unsupported("PDF");
  if (StartsWith(b, "\xFF\x4F\xFF\x51") ||
      StartsWith(b, absl::string_view("\0\0\0\x0CjP  \r\n\x87\n", 12))) {
    return Unsupported("JPEG 2000");
  }
  if (StartsWith(b, "\xFF\x0A") ||
      StartsWith(b, absl::string_view("\0\0\0\x0CJXL \r\n\x87\n", 12))) {
    return Unsupported("JPEG XL");
  }
  if (StartsWith(b, "ftyp", 4) && b.size() >= 12) {
    const absl::string_view brand = b.substr(8, 4);
    if (brand == "avif" || brand == "avis") return Unsupported("AVIF (ftyp)");
    if (brand == "heic" || brand == "heix" || brand == "hevc" || brand == "hevx" ||
        brand == "heim" || brand == "heis" || brand == "mif1" || brand == "msf1") {
      return Unsupported("HEIF/HEIC (ftyp)");
    }
    return Unsupported("ISO media container (ftyp), e.g. MP4 or QuickTime video");
  }
  if (StartsWith(b, "\x76\x2F\x31\x01")) return Unsupported("OpenEXR");
  if (b.size() >= 3 && b[0] == 'P' && ((b[1] >= '1' && b[1] <= '7') || b[1] == 'F' || b[1] == 'f') &&
      (b[2] == '\n' || b[2] == '\r' || b[2] == ' ' || b[2] == '\t')) {
    return Unsupported("PNM/PAM/PFM (Netpbm)");
  }
  if (StartsWith(b, "#?RADIANCE") || StartsWith(b, "#?RGBE")) return Unsupported("Radiance HDR");
  if (StartsWith(b, "\x59\xA6\x6A\x95")) return Unsupported("Sun raster");
  if (StartsWith(b, "8BPS")) return Unsupported("Photoshop PSD");
  if (StartsWith(b, absl::string_view("\0\0\1\0", 4)) && b.size() >= 6 && b[4] != 0) {
    return Unsupported("Windows icon (ICO)");
  }
  if (StartsWith(b, "\xFF\xD8")) return Unsupported("JPEG-like data without a marker after SOI");
  return Unsupported(absl::StrCat("unknown (first bytes ", HexHead(b), ")"));
}

// ---- EXIF (a TIFF structure; in JPEG after "Exif\0\0" in APP1, in PNG the eXIf chunk) ----

// IFD0's Orientation (0x0112), 1..8; 1 when absent or unreadable. Every read is bounds
// checked; broken EXIF is ignored (as browsers do), never an error.
int ExifOrientation(absl::string_view tiff) {
  if (tiff.size() < 8) return 1;
  bool big;
  if (tiff.substr(0, 4) == absl::string_view("II*\0", 4)) {
    big = false;
  } else if (tiff.substr(0, 4) == absl::string_view("MM\0*", 4)) {
    big = true;
  } else {
    return 1;
  }
  const auto u16 = [&](size_t at) {
    return big ? U16BE(tiff, at) : (U8(tiff, at) | U8(tiff, at + 1) << 8);
  };
  const auto u32 = [&](size_t at) {
    return big ? U32BE(tiff, at) : (u16(at) | static_cast<uint32_t>(u16(at + 2)) << 16);
  };
  const uint64_t ifd = u32(4);
  if (ifd < 8 || ifd + 2 > tiff.size()) return 1;
  const uint64_t count = u16(ifd);
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t entry = ifd + 2 + 12 * i;
    if (entry + 12 > tiff.size()) return 1;
    if (u16(entry) != 0x0112) continue;
    const uint32_t type = u16(entry + 2), n = u32(entry + 4);
    if (n != 1) return 1;
    uint32_t v = 0;
    if (type == 3) {  // SHORT, in the first two bytes of the value field
      v = u16(entry + 8);
    } else if (type == 4) {  // LONG (out of spec, but unambiguous)
      v = u32(entry + 8);
    } else {
      return 1;
    }
    return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
  }
  return 1;
}

// ---- Limits ----

absl::Status CheckSize(absl::string_view what, int64_t width, int64_t height,
                       const ImageLimits& limits) {
  const int64_t pixels = width * height;
  if (pixels > limits.max_pixels) {
    return absl::OutOfRangeError(absl::StrFormat("%s of %dx%d (%d pixels) exceeds max_pixels %d",
                                                 what, width, height, pixels, limits.max_pixels));
  }
  const int64_t side = std::max(width, height);
  if (side > limits.max_side) {
    return absl::OutOfRangeError(absl::StrFormat("%s of %dx%d: longest side %d exceeds max_side %d",
                                                 what, width, height, side, limits.max_side));
  }
  return absl::OkStatus();
}

// ---- PNG ----

struct Layout {
  ImageInfo info;
  absl::string_view decode;                         // the bytes the decoder sees
  std::vector<std::pair<size_t, size_t>> strip;     // [begin, end) ranges left out (JPEG APP1)
};

bool ChunkTypeOk(absl::string_view t) {
  return std::all_of(t.begin(), t.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
}

bool PngDepthOk(uint32_t colour, uint32_t depth) {
  switch (colour) {
    case 0: return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3: return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:
    case 4:
    case 6: return depth == 8 || depth == 16;
    default: return false;
  }
}

absl::StatusOr<Layout> ParsePng(absl::string_view b, const ImageLimits& limits) {
  Layout out;
  ImageInfo& info = out.info;
  info.format = ImageFormat::kPng;
  const size_t n = b.size();
  bool ihdr = false, plte = false, exif = false;
  int64_t idat_chunks = 0, idat_bytes = 0;
  uint32_t colour = 0;
  for (size_t pos = 8;;) {
    if (pos == n) {
      return absl::InvalidArgumentError(
          absl::StrFormat("truncated PNG: no IEND chunk (the %d bytes end after a chunk)", n));
    }
    if (n - pos < 12) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "truncated PNG: the file ends inside a chunk header at byte %d (%d bytes)", pos, n));
    }
    const uint32_t length = U32BE(b, pos);
    const absl::string_view type = b.substr(pos + 4, 4);
    if (!ChunkTypeOk(type)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "corrupt PNG: the chunk type at byte %d is not four letters (%s)", pos + 4,
          HexHead(type)));
    }
    if (length > 0x7FFFFFFFu) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "corrupt PNG: the %s chunk at byte %d declares %d bytes (at most 2^31-1)", type, pos,
          length));
    }
    const size_t body = pos + 8;
    if (length > n - body - 4) {  // n - body >= 4 from the check above
      return absl::InvalidArgumentError(absl::StrFormat(
          "truncated PNG: the %s chunk at byte %d declares %d bytes but only %d remain", type, pos,
          length, n - body - 4));
    }
    const absl::string_view data = b.substr(body, length);
    const size_t next = body + length + 4;  // CRC not checked

    if (!ihdr) {
      if (type != "IHDR" || length != 13) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "corrupt PNG: the first chunk is %s of %d bytes, not the 13-byte IHDR%s", type,
            length, type == "CgBI" ? " (Apple-optimised PNG)" : ""));
      }
      ihdr = true;
      const uint32_t width = U32BE(data, 0), height = U32BE(data, 4);
      const uint32_t depth = U8(data, 8), compression = U8(data, 10), filter = U8(data, 11);
      colour = U8(data, 9);
      const uint32_t interlace = U8(data, 12);
      if (width == 0 || height == 0) {
        return absl::InvalidArgumentError(
            absl::StrFormat("corrupt PNG header: %dx%d pixels (width and height must be > 0)",
                            width, height));
      }
      if (width > 0x7FFFFFFFu || height > 0x7FFFFFFFu) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "corrupt PNG header: %dx%d pixels (at most 2^31-1 per side)", width, height));
      }
      if (colour != 0 && colour != 2 && colour != 3 && colour != 4 && colour != 6) {
        return absl::InvalidArgumentError(
            absl::StrFormat("corrupt PNG header: colour type %d (0, 2, 3, 4 or 6)", colour));
      }
      if (!PngDepthOk(colour, depth)) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "corrupt PNG header: bit depth %d is not allowed with colour type %d", depth, colour));
      }
      if (compression != 0 || filter != 0 || interlace > 1) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "corrupt PNG header: compression %d, filter %d, interlace %d (0, 0 and 0 or 1)",
            compression, filter, interlace));
      }
      info.width = static_cast<int>(width);
      info.height = static_cast<int>(height);
      info.bit_depth = static_cast<int>(depth);
      info.palette = colour == 3;
      info.channels = colour == 0 ? 1 : colour == 4 ? 2 : colour == 6 ? 4 : 3;
      BR_RETURN_IF_ERROR(CheckSize("PNG", width, height, limits));
    } else if (type == "IHDR") {
      return absl::InvalidArgumentError(absl::StrFormat("corrupt PNG: a second IHDR at byte %d", pos));
    } else if (type == "PLTE") {
      if (length == 0 || length % 3 != 0 || length > 768) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "corrupt PNG: a PLTE chunk of %d bytes (1 to 256 RGB entries)", length));
      }
      if (idat_chunks > 0) {
        return absl::InvalidArgumentError("corrupt PNG: the PLTE chunk comes after the image data");
      }
      plte = true;
    } else if (type == "IDAT") {
      ++idat_chunks;
      idat_bytes += length;
    } else if (type == "eXIf" && !exif) {
      exif = true;
      info.orientation = ExifOrientation(data);
    } else if (type == "IEND") {
      if (info.palette && !plte) {
        return absl::InvalidArgumentError("corrupt PNG: a palette image without a PLTE chunk");
      }
      if (idat_chunks == 0) {
        return absl::InvalidArgumentError("corrupt PNG: no image data (IDAT chunk)");
      }
      // Deflate compresses at most 1032:1 (a 258-byte match in two 1-bit codes); less
      // compressed data than that for the filtered rows means the rows are not all there.
      const int64_t pixel_bits = info.bit_depth * (info.palette ? 1 : info.channels);
      const int64_t row_bytes = 1 + (int64_t{info.width} * pixel_bits + 7) / 8;
      const int64_t raw = row_bytes * info.height;
      if (idat_bytes * 1032 + 1024 < raw) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "corrupt PNG: %d bytes of compressed image data cannot hold %dx%d pixels (%d "
            "bytes of rows)", idat_bytes, info.width, info.height, raw));
      }
      out.decode = b.substr(0, next);  // whatever follows IEND is not shown to the decoder
      return out;
    }
    pos = next;
  }
}

// ---- JPEG ----

std::string MarkerName(uint32_t m) {
  if (m >= 0xE0 && m <= 0xEF) return absl::StrCat("APP", m - 0xE0);
  switch (m) {
    case 0xC4: return "DHT";
    case 0xCC: return "DAC";
    case 0xDA: return "SOS";
    case 0xDB: return "DQT";
    case 0xDC: return "DNL";
    case 0xDD: return "DRI";
    case 0xFE: return "COM";
    default: break;
  }
  if (m >= 0xC0 && m <= 0xCF) return absl::StrFormat("SOF%d", m - 0xC0);
  return absl::StrFormat("marker FF %02X", m);
}

const char* UnsupportedSof(uint32_t m) {
  switch (m) {
    case 0xC3: return "lossless JPEG (SOF3)";
    case 0xC5: return "hierarchical JPEG (SOF5, differential sequential)";
    case 0xC6: return "hierarchical JPEG (SOF6, differential progressive)";
    case 0xC7: return "hierarchical JPEG (SOF7, differential lossless)";
    case 0xC9: return "arithmetic-coded JPEG (SOF9)";
    case 0xCA: return "arithmetic-coded progressive JPEG (SOF10)";
    case 0xCB: return "arithmetic-coded lossless JPEG (SOF11)";
    case 0xCD: return "hierarchical arithmetic-coded JPEG (SOF13)";
    case 0xCE: return "hierarchical arithmetic-coded JPEG (SOF14)";
    case 0xCF: return "hierarchical arithmetic-coded JPEG (SOF15)";
    case 0xF7: return "JPEG-LS (SOF55)";
    default: return nullptr;
  }
}

absl::StatusOr<Layout> ParseJpeg(absl::string_view b, const ImageLimits& limits) {
  Layout out;
  ImageInfo& info = out.info;
  info.format = ImageFormat::kJpeg;
  const size_t n = b.size();
  bool sof = false, exif = false;
  int64_t scans = 0, scan_bytes = 0, min_scan_bits = 0;
  size_t pos = 2;  // after SOI
  while (true) {
    // A marker: FF, any number of FF fill bytes, then the code.
    if (pos >= n) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "truncated JPEG: no end-of-image marker (FF D9) in the %d bytes", n));
    }
    if (U8(b, pos) != 0xFF) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "corrupt JPEG: a marker expected at byte %d, found %02x", pos, U8(b, pos)));
    }
    const size_t marker_at = pos;
    while (pos < n && U8(b, pos) == 0xFF) ++pos;
    if (pos >= n) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "truncated JPEG: no end-of-image marker (FF D9) in the %d bytes", n));
    }
    const uint32_t m = U8(b, pos++);
    if (m == 0xD9) {  // EOI
      if (!sof || scans == 0) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "corrupt JPEG: end-of-image marker at byte %d before any %s", marker_at,
            sof ? "image data (SOS)" : "frame header (SOF)"));
      }
      // Huffman codes take at least one bit, and every 8x8 block of every component needs
      // at least one (its DC difference): less data than that is not the whole image.
      if (scan_bytes * 8 < min_scan_bits) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "corrupt JPEG: %d bytes of image data cannot hold %dx%d pixels (the data is "
            "truncated or the header forged)", scan_bytes, info.width, info.height));
      }
      out.decode = b.substr(0, pos);  // whatever follows EOI is not shown to the decoder
      return out;
    }
    if (m == 0xD8) {
      return absl::InvalidArgumentError(
          absl::StrFormat("corrupt JPEG: a second start-of-image marker at byte %d", marker_at));
    }
    if (m == 0x00) {
      return absl::InvalidArgumentError(
          absl::StrFormat("corrupt JPEG: a stuffed FF 00 outside image data at byte %d", marker_at));
    }
    if ((m >= 0xD0 && m <= 0xD7) || m == 0x01) continue;  // RSTn, TEM: no length
    if (n - pos < 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "truncated JPEG: the file ends inside the %s segment at byte %d", MarkerName(m),
          marker_at));
    }
    const uint32_t length = U16BE(b, pos);
    if (length < 2) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "corrupt JPEG: the %s segment at byte %d declares %d bytes", MarkerName(m), marker_at,
          length));
    }
    if (length > n - pos) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "truncated JPEG: the %s segment at byte %d declares %d bytes but only %d remain",
          MarkerName(m), marker_at, length, n - pos));
    }
    const absl::string_view seg = b.substr(pos + 2, length - 2);
    const size_t seg_end = pos + length;

    if (const char* what = UnsupportedSof(m)) return Unsupported(what);
    if (m == 0xC0 || m == 0xC1 || m == 0xC2) {
      if (sof) {
        return absl::InvalidArgumentError(
            absl::StrFormat("corrupt JPEG: a second frame header (SOF) at byte %d", marker_at));
      }
      sof = true;
      if (seg.size() < 6) {
        return absl::InvalidArgumentError(
            absl::StrFormat("corrupt JPEG: a %d-byte frame header", length));
      }
      const uint32_t precision = U8(seg, 0), height = U16BE(seg, 1), width = U16BE(seg, 3);
      const uint32_t components = U8(seg, 5);
      if (seg.size() != 6 + 3 * components) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "corrupt JPEG: a %d-byte frame header for %d components", length, components));
      }
      if (precision != 8) {
        return Unsupported(absl::StrFormat("%d-bit JPEG (8-bit samples only)", precision));
      }
      if (components != 1 && components != 3 && components != 4) {
        return Unsupported(absl::StrFormat("JPEG with %d components (1, 3 or 4)", components));
      }
      if (width == 0 || height == 0) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "corrupt JPEG header: %dx%d pixels (width and height must be > 0%s)", width, height,
            height == 0 ? "; a height given later by DNL is not supported" : ""));
      }
      info.width = static_cast<int>(width);
      info.height = static_cast<int>(height);
      info.channels = static_cast<int>(components);
      info.bit_depth = 8;
      info.progressive = m == 0xC2;
      BR_RETURN_IF_ERROR(CheckSize("JPEG", width, height, limits));
      uint32_t hmax = 1, vmax = 1;
      for (uint32_t c = 0; c < components; ++c) {
        const uint32_t h = U8(seg, 7 + 3 * c) >> 4, v = U8(seg, 7 + 3 * c) & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "corrupt JPEG header: sampling factors %dx%d for component %d (1 to 4)", h, v,
              c + 1));
        }
        hmax = std::max(hmax, h);
        vmax = std::max(vmax, v);
      }
      for (uint32_t c = 0; c < components; ++c) {
        const int64_t h = U8(seg, 7 + 3 * c) >> 4, v = U8(seg, 7 + 3 * c) & 15;
        const int64_t cw = (int64_t{width} * h + hmax - 1) / hmax;
        const int64_t ch = (int64_t{height} * v + vmax - 1) / vmax;
        min_scan_bits += ((cw + 7) / 8) * ((ch + 7) / 8);
      }
    } else if (m == 0xE1) {  // APP1: EXIF (or XMP)
      if (!exif && StartsWith(seg, absl::string_view("Exif\0\0", 6))) {
        exif = true;
        info.orientation = ExifOrientation(seg.substr(6));
      }
      // Left out of what the decoder sees: OpenCV parses the first APP1 it finds as EXIF
      // (whatever its prefix) and applies the orientation itself; here it is applied once.
      out.strip.emplace_back(marker_at, seg_end);
    } else if (m == 0xDA) {  // SOS, then entropy-coded data up to the next marker
      if (!sof) {
        return absl::InvalidArgumentError(
            absl::StrFormat("corrupt JPEG: image data (SOS) at byte %d before the frame header",
                            marker_at));
      }
      if (seg.empty() || seg.size() != 4 + 2 * size_t{U8(seg, 0)} || U8(seg, 0) == 0 ||
          U8(seg, 0) > 4) {
        return absl::InvalidArgumentError(
            absl::StrFormat("corrupt JPEG: a %d-byte scan header at byte %d", length, marker_at));
      }
      ++scans;
      size_t p = seg_end;
      while (true) {
        const void* ff = p < n ? std::memchr(b.data() + p, 0xFF, n - p) : nullptr;
        if (ff == nullptr || static_cast<const char*>(ff) - b.data() + 1 >= static_cast<ptrdiff_t>(n)) {
          return absl::InvalidArgumentError(absl::StrFormat(
              "truncated JPEG: the image data that starts at byte %d runs to the end of the %d "
              "bytes without an end-of-image marker (FF D9)", seg_end, n));
        }
        p = static_cast<size_t>(static_cast<const char*>(ff) - b.data());
        const uint32_t next = U8(b, p + 1);
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
          p += 2;
        } else if (next == 0xFF) {
          p += 1;  // fill byte; look again at the next FF
        } else {
          break;  // a marker
        }
      }
      scan_bytes += static_cast<int64_t>(p - seg_end);
      pos = p;
      continue;
    }
    pos = seg_end;
  }
}

absl::StatusOr<Layout> Parse(absl::string_view bytes, const ImageLimits& limits) {
  if (bytes.empty()) return NotJpegOrPng(bytes);
  if (static_cast<int64_t>(bytes.size()) > limits.max_bytes) {
    return absl::OutOfRangeError(absl::StrFormat("image of %d bytes exceeds max_image_bytes %d",
                                                 bytes.size(), limits.max_bytes));
  }
  if (IsPng(bytes)) return ParsePng(bytes, limits);
  if (IsJpeg(bytes)) return ParseJpeg(bytes, limits);
  return NotJpegOrPng(bytes);
}

// EXIF orientation as OpenCV's own ApplyExifOrientation does it (1: as stored; 6: rotate
// 90 degrees clockwise; ...).
void ApplyOrientation(int orientation, cv::Mat& m) {
  switch (orientation) {
    case 2: cv::flip(m, m, 1); break;
    case 3: cv::rotate(m, m, cv::ROTATE_180); break;
    case 4: cv::flip(m, m, 0); break;
    case 5: cv::transpose(m, m); break;
    case 6: cv::rotate(m, m, cv::ROTATE_90_CLOCKWISE); break;
    case 7: cv::transpose(m, m); cv::flip(m, m, -1); break;
    case 8: cv::rotate(m, m, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: break;
  }
}

const char* PngColourName(const ImageInfo& info) {
  if (info.palette) return "palette";
  switch (info.channels) {
    case 1: return "grey";
    case 2: return "grey+alpha";
    case 3: return "RGB";
    default: return "RGBA";
  }
}

const char* PixelFormatName(burnout::v1::PixelFormat f) {
  switch (f) {
    case burnout::v1::PIXEL_FORMAT_GRAY8: return "GRAY8";
    case burnout::v1::PIXEL_FORMAT_BGR8: return "BGR8";
    case burnout::v1::PIXEL_FORMAT_RGB8: return "RGB8";
    default: return "UNSPECIFIED";
  }
}

}  // namespace

std::string ImageInfo::Describe() const {
  std::string s;
  if (format == ImageFormat::kJpeg) {
    s = absl::StrFormat("JPEG %dx%d, %d component%s", width, height, channels,
                        channels == 1 ? "" : "s");
    if (progressive) s += ", progressive";
  } else {
    s = absl::StrFormat("PNG %dx%d, %s%s", width, height,
                        bit_depth != 8 ? absl::StrCat(bit_depth, "-bit ") : "",
                        PngColourName(*this));
  }
  if (orientation != 1) absl::StrAppend(&s, ", EXIF orientation ", orientation);
  return s;
}

absl::StatusOr<ImageInfo> ProbeImage(absl::string_view bytes, const ImageLimits& limits) {
  BR_ASSIGN_OR_RETURN(Layout layout, Parse(bytes, limits));
  return layout.info;
}

absl::StatusOr<DecodedImage> DecodeImage(absl::string_view bytes, const ImageLimits& limits) {
  BR_ASSIGN_OR_RETURN(Layout layout, Parse(bytes, limits));
  const ImageInfo& info = layout.info;
  const char* name = info.format == ImageFormat::kJpeg ? "JPEG" : "PNG";

  // The decoder sees the file up to its end marker, without the EXIF segments (their
  // orientation is applied here, once): only the JPEG or PNG decoder matches these bytes.
  std::string stripped;
  absl::string_view input = layout.decode;
  if (!layout.strip.empty()) {
    stripped.reserve(input.size());
    size_t at = 0;
    for (const auto& [begin, end] : layout.strip) {
      stripped.append(input.data() + at, begin - at);
      at = end;
    }
    stripped.append(input.data() + at, input.size() - at);
    input = stripped;
  }

  if (input.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::OutOfRangeError(absl::StrFormat(
        "image of %d bytes is more than the decoder takes (max_image_bytes %d)", input.size(),
        limits.max_bytes));
  }

  DecodedImage out;
  out.info = info;
  try {
    const cv::Mat buf(1, static_cast<int>(input.size()), CV_8UC1,
                      const_cast<char*>(input.data()));
    // IMREAD_COLOR: 8-bit BGR from grey, grey+alpha, palette, 16-bit and CMYK alike.
    out.bgr = cv::imdecode(buf, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
    if (out.bgr.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("corrupt ", name, " data: the decoder could not read ", info.Describe()));
    }
    if (out.bgr.type() != CV_8UC3 || out.bgr.cols != info.width || out.bgr.rows != info.height) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "corrupt %s data: decoded %dx%d (type %d), the header says %s", name, out.bgr.cols,
          out.bgr.rows, out.bgr.type(), info.Describe()));
    }
    ApplyOrientation(info.orientation, out.bgr);
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("corrupt ", name, " data: the decoder failed (", e.what(), ")"));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("out of memory decoding a %dx%d %s", info.width, info.height, name));
  }
  return out;
}

absl::Status CheckRaw(const burnout::v1::RawImage& raw, const ImageLimits& limits) {
  int channels = 0;
  switch (raw.format()) {
    case burnout::v1::PIXEL_FORMAT_GRAY8: channels = 1; break;
    case burnout::v1::PIXEL_FORMAT_BGR8:
    case burnout::v1::PIXEL_FORMAT_RGB8: channels = 3; break;
    default:
      return absl::InvalidArgumentError(absl::StrFormat(
          "raw frame: pixel format %s (%d); accepted: GRAY8, BGR8, RGB8",
          PixelFormatName(raw.format()), static_cast<int>(raw.format())));
  }
  const char* format = PixelFormatName(raw.format());
  if (raw.width() <= 0 || raw.height() <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "raw frame: %dx%d pixels (width and height must be > 0)", raw.width(), raw.height()));
  }
  BR_RETURN_IF_ERROR(CheckSize(absl::StrCat("raw ", format, " frame"), raw.width(), raw.height(),
                               limits));
  const int64_t expected = int64_t{raw.width()} * raw.height() * channels;
  const int64_t got = static_cast<int64_t>(raw.pixels().size());
  if (got != expected) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "raw frame: pixels has %d bytes, %d expected for %dx%d %s (%d byte%s per pixel)", got,
        expected, raw.width(), raw.height(), format, channels, channels == 1 ? "" : "s"));
  }
  return absl::OkStatus();
}

absl::StatusOr<cv::Mat> DecodeRaw(const burnout::v1::RawImage& raw, const ImageLimits& limits) {
  BR_RETURN_IF_ERROR(CheckRaw(raw, limits));
  const int channels = raw.format() == burnout::v1::PIXEL_FORMAT_GRAY8 ? 1 : 3;
  const cv::Mat view(raw.height(), raw.width(), channels == 1 ? CV_8UC1 : CV_8UC3,
                     const_cast<char*>(raw.pixels().data()));
  cv::Mat bgr;
  try {
    switch (raw.format()) {
      case burnout::v1::PIXEL_FORMAT_GRAY8: cv::cvtColor(view, bgr, cv::COLOR_GRAY2BGR); break;
      case burnout::v1::PIXEL_FORMAT_RGB8: cv::cvtColor(view, bgr, cv::COLOR_RGB2BGR); break;
      default: bgr = view.clone(); break;
    }
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrFormat("out of memory converting a %dx%d raw frame", raw.width(), raw.height()));
  }
  return bgr;
}

}  // namespace burnout::image
