#include "services/face/image_decode.h"

#include <sys/resource.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace burnout::face {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

const ImageLimits kDefault;

// A string from a literal with embedded NULs.
template <size_t N>
std::string B(const char (&s)[N]) {
  return std::string(s, N - 1);
}

// ---- Test images, written in memory ----

// 64x48 colour picture with distinct corners and flat 16x16 blocks, so that rotations are
// visible and JPEG keeps the colours close.
cv::Mat TestPicture(int width = 64, int height = 48) {
  cv::Mat m(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const int bx = x / 16, by = y / 16;
      m.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uint8_t>(40 * bx), static_cast<uint8_t>(50 * by),
                                        static_cast<uint8_t>(255 - 30 * (bx + by)));
    }
  }
  return m;
}

std::string Encode(const std::string& ext, const cv::Mat& m, const std::vector<int>& params = {}) {
  std::vector<uchar> buf;
  EXPECT_TRUE(cv::imencode(ext, m, buf, params)) << ext;
  return std::string(buf.begin(), buf.end());
}

std::string Jpeg(const cv::Mat& m = TestPicture(), std::vector<int> params = {}) {
  params.push_back(cv::IMWRITE_JPEG_QUALITY);
  params.push_back(95);
  return Encode(".jpg", m, params);
}

std::string Png(const cv::Mat& m = TestPicture()) { return Encode(".png", m); }

std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string PngChunk(const std::string& type, const std::string& data) {
  std::string typed = type + data;
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(typed.data()), typed.size());
  return Be32(static_cast<uint32_t>(data.size())) + typed + Be32(static_cast<uint32_t>(crc));
}

std::string Ihdr(uint32_t width, uint32_t height, int depth, int colour, int interlace = 0) {
  return Be32(width) + Be32(height) +
         std::string{static_cast<char>(depth), static_cast<char>(colour), 0, 0,
                     static_cast<char>(interlace)};
}

std::string Deflate(const std::string& raw) {
  uLongf size = compressBound(raw.size());
  std::string out(size, '\0');
  EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                      reinterpret_cast<const Bytef*>(raw.data()), raw.size(), 9),
            Z_OK);
  out.resize(size);
  return out;
}

// A PNG from its rows (without filter bytes): every row gets filter 0. `extra` chunks go
// between IHDR (and PLTE) and IDAT.
std::string HandPng(int width, int height, int depth, int colour, const std::vector<std::string>& rows,
                    const std::string& plte = "", const std::string& extra = "") {
  std::string raw;
  for (const std::string& r : rows) raw += std::string(1, '\0') + r;
  std::string png = "\x89PNG\r\n\x1A\n" + PngChunk("IHDR", Ihdr(width, height, depth, colour));
  if (!plte.empty()) png += PngChunk("PLTE", plte);
  png += extra;
  png += PngChunk("IDAT", Deflate(raw)) + PngChunk("IEND", "");
  return png;
}

// A TIFF structure holding IFD0 with one entry, Orientation (0x0112, SHORT, 1).
std::string ExifTiff(int orientation, bool big_endian) {
  std::string t;
  const auto put16 = [&](uint32_t v) {
    if (big_endian) {
      t += {static_cast<char>(v >> 8), static_cast<char>(v)};
    } else {
      t += {static_cast<char>(v), static_cast<char>(v >> 8)};
    }
  };
  const auto put32 = [&](uint32_t v) {
    if (big_endian) {
      put16(v >> 16);
      put16(v & 0xFFFF);
    } else {
      put16(v & 0xFFFF);
      put16(v >> 16);
    }
  };
  t += big_endian ? "MM" : "II";
  put16(42);
  put32(8);  // IFD0
  put16(2);  // entries
  put16(0x010F);  // Make, ASCII, 4 bytes inline: "Tst\0"
  put16(2);
  put32(4);
  t += B("Tst\0");
  put16(0x0112);  // Orientation
  put16(3);
  put32(1);
  put16(static_cast<uint32_t>(orientation));
  put16(0);
  put32(0);  // no next IFD
  return t;
}

std::string App1(const std::string& payload) {
  const size_t len = payload.size() + 2;
  return std::string("\xFF\xE1") + static_cast<char>(len >> 8) + static_cast<char>(len & 0xFF) +
         payload;
}

std::string ExifApp1(int orientation, bool big_endian) {
  return App1(B("Exif\0\0") + ExifTiff(orientation, big_endian));
}

// The segment goes right after SOI (FF D8).
std::string Splice(const std::string& jpeg, const std::string& segment) {
  return jpeg.substr(0, 2) + segment + jpeg.substr(2);
}

// A CMYK JPEG through libjpeg, in Adobe's convention (inverted: 255 = no ink), with the
// Adobe APP14 marker libjpeg writes for CMYK.
std::string CmykJpeg(int width, int height, const uint8_t cmyk[4]) {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* mem = nullptr;
  unsigned long mem_size = 0;
  jpeg_mem_dest(&cinfo, &mem, &mem_size);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = 4;
  cinfo.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 95, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  std::vector<uint8_t> row(static_cast<size_t>(width) * 4);
  for (int x = 0; x < width; ++x) std::copy(cmyk, cmyk + 4, row.begin() + 4 * x);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW r = row.data();
    jpeg_write_scanlines(&cinfo, &r, 1);
  }
  jpeg_finish_compress(&cinfo);
  std::string out(reinterpret_cast<char*>(mem), mem_size);
  jpeg_destroy_compress(&cinfo);
  free(mem);
  return out;
}

// The offset of the first SOFn marker (FF C0..C2) by walking the segments.
size_t SofOffset(const std::string& jpeg) {
  size_t pos = 2;
  while (pos + 4 <= jpeg.size()) {
    const uint8_t m = static_cast<uint8_t>(jpeg[pos + 1]);
    if (m == 0xC0 || m == 0xC1 || m == 0xC2) return pos;
    pos += 2 + (static_cast<uint8_t>(jpeg[pos + 2]) << 8 | static_cast<uint8_t>(jpeg[pos + 3]));
  }
  ADD_FAILURE() << "no SOF";
  return 0;
}

double MeanAbsDiff(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat d;
  cv::absdiff(a, b, d);
  const cv::Scalar s = cv::mean(d);
  return (s[0] + s[1] + s[2]) / 3.0;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void ExpectBgr(const absl::StatusOr<DecodedImage>& d, int width, int height) {
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->bgr.type(), CV_8UC3);
  EXPECT_EQ(d->bgr.cols, width);
  EXPECT_EQ(d->bgr.rows, height);
}

void ExpectInvalid(absl::string_view bytes, const std::string& what) {
  const auto d = DecodeImage(bytes, kDefault);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << d.status();
  EXPECT_THAT(std::string(d.status().message()), HasSubstr(what));
}

// ---- Not JPEG or PNG ----

TEST(ImageDecode, EmptyInput) {
  ExpectInvalid("", "empty");
  ExpectInvalid("", "0 bytes");
  EXPECT_EQ(ProbeImage("", kDefault).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ImageDecode, TextAndHtmlAreUnknown) {
  ExpectInvalid("hello, this is not an image\n", "unknown (first bytes 68 65 6c 6c)");
  ExpectInvalid("<html><body>a face</body></html>", "unknown (first bytes 3c 68 74 6d)");
  ExpectInvalid("x", "unknown (first bytes 78)");
}

TEST(ImageDecode, OtherFormatsAreNamedBeforeAnyDecoder) {
  ExpectInvalid(B("II*\0\x08\0\0\0\0\0"), "TIFF");
  ExpectInvalid(B("MM\0*\0\0\0\x08\0\0"), "TIFF");
  ExpectInvalid(Encode(".bmp", TestPicture(8, 8)), "BMP");
  ExpectInvalid(B("RIFF\x1A\0\0\0WEBPVP8L\x0D\0\0\0\x2F\0\0\0\x10\x07\x10\x11\x11\x88\x88\xFE\x07\0"),
                "WebP");
  ExpectInvalid("GIF89a\x01\0\x01\0\x80\0\0", "GIF");
  ExpectInvalid("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n", "PDF");
  ExpectInvalid(B("\0\0\0\x0CjP  \r\n\x87\n\0\0\0\x14" "ftypjp2 "), "JPEG 2000");
  ExpectInvalid(B("\xFF\x4F\xFF\x51\0\x2F"), "JPEG 2000");
  ExpectInvalid(B("\0\0\0\x1C" "ftypheic\0\0\0\0mif1heic"), "HEIF");
  ExpectInvalid(B("\0\0\0\x1C" "ftypavif\0\0\0\0mif1avif"), "AVIF");
  ExpectInvalid("\x76\x2F\x31\x01\x02\0\0\0", "OpenEXR");
  ExpectInvalid("P6\n2 2\n255\n0123456789ab", "PNM");
  ExpectInvalid("P5 1 1 255 x", "PNM");
}

TEST(ImageDecode, DicomNamedJpgIsNamedDicom) {
  // What a "scan.jpg" from a PACS export looks like: the 128-byte preamble, DICM, then
  // data elements (here with an encapsulated JPEG, which must not be dug out).
  std::string dicom(128, '\0');
  dicom += "DICM";
  dicom += B("\x02\0\x10\0UI\x16\0" "1.2.840.10008.1.2.4.50");
  dicom += Jpeg();
  ExpectInvalid(dicom, "DICOM");
}

// ---- Truncated and corrupt files ----

TEST(ImageDecode, TruncatedJpegIsNeverAHalfGreyPicture) {
  const std::string jpeg = Jpeg(TestPicture(256, 192));
  ExpectInvalid(jpeg.substr(0, jpeg.size() / 2), "truncated JPEG");
  // Cut mid-scan and padded with zeros (a broken upload).
  ExpectInvalid(jpeg.substr(0, jpeg.size() / 2) + std::string(jpeg.size() / 2, '\0'),
                "truncated JPEG");
  // Without only its end marker.
  ExpectInvalid(jpeg.substr(0, jpeg.size() - 2), "truncated JPEG");
  // Every proper prefix of a valid JPEG lacks the end marker.
  const std::string small = Jpeg(TestPicture(24, 16));
  for (size_t n = 1; n < small.size(); ++n) {
    const auto d = DecodeImage(small.substr(0, n), kDefault);
    ASSERT_FALSE(d.ok()) << n;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << n;
  }
}

TEST(ImageDecode, JpegCutShortWithAnEndMarkerIsRejected) {
  // 100 bytes of scan data and EOI appended: far too little for the size in the header
  // (every 8x8 block of every component needs at least one bit).
  const std::string jpeg = Jpeg(TestPicture(1024, 1024));
  const size_t sos = jpeg.find("\xFF\xDA");
  ASSERT_NE(sos, std::string::npos);
  const std::string forged = jpeg.substr(0, sos + 200) + "\xFF\xD9";
  ExpectInvalid(forged, "cannot hold 1024x1024 pixels");
  // A header alone, then EOI.
  ExpectInvalid(jpeg.substr(0, sos) + "\xFF\xD9", "before any image data");
}

TEST(ImageDecode, TruncatedPng) {
  const std::string png = Png(TestPicture(128, 96));
  ExpectInvalid(png.substr(0, png.size() / 2), "truncated PNG");
  ExpectInvalid(png.substr(0, png.size() - 12), "truncated PNG");  // no IEND
  ExpectInvalid(png.substr(0, 8), "truncated PNG");
  for (size_t n = 1; n < png.size(); ++n) {
    const auto d = DecodeImage(png.substr(0, n), kDefault);
    ASSERT_FALSE(d.ok()) << n;
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << n;
  }
}

TEST(ImageDecode, CorruptPngDataIsInvalidArgument) {
  std::string png = Png(TestPicture(64, 48));
  const size_t idat = png.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  for (size_t i = idat + 10; i < idat + 40; ++i) png[i] = static_cast<char>(png[i] ^ 0x5A);
  ExpectInvalid(png, "corrupt PNG");
}

TEST(ImageDecode, JpegHeaderChecks) {
  const std::string jpeg = Jpeg();
  const size_t sof = SofOffset(jpeg);
  {  // arithmetic coding
    std::string j = jpeg;
    j[sof + 1] = static_cast<char>(0xC9);
    ExpectInvalid(j, "arithmetic");
  }
  {  // lossless
    std::string j = jpeg;
    j[sof + 1] = static_cast<char>(0xC3);
    ExpectInvalid(j, "lossless");
  }
  {  // hierarchical
    std::string j = jpeg;
    j[sof + 1] = static_cast<char>(0xC5);
    ExpectInvalid(j, "hierarchical");
  }
  {  // 12-bit
    std::string j = jpeg;
    j[sof + 4] = 12;
    ExpectInvalid(j, "12-bit");
  }
  {  // width 0
    std::string j = jpeg;
    j[sof + 7] = 0;
    j[sof + 8] = 0;
    ExpectInvalid(j, "0x48");
  }
  {  // height 0
    std::string j = jpeg;
    j[sof + 5] = 0;
    j[sof + 6] = 0;
    ExpectInvalid(j, "64x0");
  }
  {  // the frame header's length runs past the end
    ExpectInvalid(jpeg.substr(0, sof + 6), "truncated JPEG");
  }
}

TEST(ImageDecode, PngHeaderChecks) {
  const auto png = [&](uint32_t w, uint32_t h, int depth, int colour) {
    return std::string("\x89PNG\r\n\x1A\n") + PngChunk("IHDR", Ihdr(w, h, depth, colour)) +
           PngChunk("IDAT", Deflate(std::string(5, '\0'))) + PngChunk("IEND", "");
  };
  ExpectInvalid(png(0, 1, 8, 0), "0x1");
  ExpectInvalid(png(4, 0, 8, 0), "4x0");
  ExpectInvalid(png(4, 1, 8, 5), "colour type 5");
  ExpectInvalid(png(4, 1, 4, 2), "bit depth 4");
  ExpectInvalid(png(4, 1, 8, 3), "PLTE");  // palette image without a palette
  ExpectInvalid(std::string("\x89PNG\r\n\x1A\n") + PngChunk("CgBI", "\x50\0\x20\x06") +
                    PngChunk("IHDR", Ihdr(1, 1, 8, 0)),
                "IHDR");
  ExpectInvalid(std::string("\x89PNG\r\n\x1A\n") + PngChunk("IHDR", Ihdr(1, 1, 8, 0)) +
                    PngChunk("IEND", ""),
                "IDAT");
  // A chunk length running far past the end.
  ExpectInvalid(std::string("\x89PNG\r\n\x1A\n") + PngChunk("IHDR", Ihdr(1, 1, 8, 0)) +
                    Be32(0x7FFFFFF0u) + "IDAT" + "abc",
                "truncated PNG");
}

// ---- Limits ----

TEST(ImageDecode, HugePngHeaderIsRejectedFromTheHeader) {
  const std::string header =
      std::string("\x89PNG\r\n\x1A\n") + PngChunk("IHDR", Ihdr(60000, 60000, 8, 2));
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& bytes :
       {header, header + PngChunk("IDAT", Deflate(std::string(100, '\0'))) + PngChunk("IEND", "")}) {
    const auto d = DecodeImage(bytes, kDefault);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), absl::StatusCode::kOutOfRange) << d.status();
    EXPECT_THAT(std::string(d.status().message()),
                AllOf(HasSubstr("60000x60000"), HasSubstr("max_pixels 40000000")));
    EXPECT_EQ(ProbeImage(bytes, kDefault).status().code(), absl::StatusCode::kOutOfRange);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST(ImageDecode, HugeJpegHeaderIsRejectedFromTheHeader) {
  std::string jpeg = Jpeg();
  const size_t sof = SofOffset(jpeg);
  jpeg[sof + 5] = jpeg[sof + 7] = static_cast<char>(0xFF);  // 65535x65535
  jpeg[sof + 6] = jpeg[sof + 8] = static_cast<char>(0xFF);
  const auto d = DecodeImage(jpeg, kDefault);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("max_pixels"));
}

TEST(ImageDecode, LongestSide) {
  cv::Mat line(1, 100000, CV_8UC1);
  for (int x = 0; x < line.cols; ++x) line.at<uint8_t>(0, x) = static_cast<uint8_t>(x * 7);
  const std::string png = Png(line);

  const auto d = DecodeImage(png, kDefault);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(d.status().message()),
              AllOf(HasSubstr("100000x1"), HasSubstr("max_side 16384")));

  ImageLimits wide;
  wide.max_side = 100000;
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto ok = DecodeImage(png, wide);
  ExpectBgr(ok, 100000, 1);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024) << "KiB";  // 300 KB of pixels
  EXPECT_EQ(ok->bgr.at<cv::Vec3b>(0, 12345), cv::Vec3b::all(static_cast<uint8_t>(12345 * 7)));
}

TEST(ImageDecode, OnePixel) {
  cv::Mat px(1, 1, CV_8UC3, cv::Scalar(10, 200, 30));
  const auto p = DecodeImage(Png(px), kDefault);
  ExpectBgr(p, 1, 1);
  EXPECT_EQ(p->bgr.at<cv::Vec3b>(0, 0), cv::Vec3b(10, 200, 30));
  const auto j = DecodeImage(Jpeg(px), kDefault);
  ExpectBgr(j, 1, 1);
  EXPECT_EQ(j->info.Describe(), "JPEG 1x1, 3 components");
}

TEST(ImageDecode, ByteLimit) {
  const std::string jpeg = Jpeg();
  ImageLimits small;
  small.max_bytes = 100;
  const auto d = DecodeImage(jpeg, small);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(d.status().message()),
              AllOf(HasSubstr(absl::StrCat(jpeg.size(), " bytes")), HasSubstr("max_image_bytes 100")));
  small.max_bytes = static_cast<int64_t>(jpeg.size());
  EXPECT_TRUE(DecodeImage(jpeg, small).ok());
}

TEST(ImageDecode, PixelLimitIsConfigurable) {
  ImageLimits tight;
  tight.max_pixels = 64 * 48 - 1;
  const auto d = ProbeImage(Png(), tight);
  EXPECT_EQ(d.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(d.status().message()), HasSubstr("max_pixels 3071"));
  tight.max_pixels = 64 * 48;
  EXPECT_TRUE(ProbeImage(Png(), tight).ok());
}

// ---- PNG flavours ----

TEST(ImageDecode, ColourPng) {
  const cv::Mat pic = TestPicture();
  const auto d = DecodeImage(Png(pic), kDefault);
  ExpectBgr(d, 64, 48);
  EXPECT_EQ(cv::norm(d->bgr, pic, cv::NORM_INF), 0);
  EXPECT_EQ(d->info.Describe(), "PNG 64x48, RGB");
  EXPECT_EQ(d->info.channels, 3);
}

TEST(ImageDecode, GreyPng) {
  cv::Mat grey(20, 30, CV_8UC1);
  cv::randu(grey, 0, 256);
  const auto d = DecodeImage(Png(grey), kDefault);
  ExpectBgr(d, 30, 20);
  cv::Mat expected;
  cv::cvtColor(grey, expected, cv::COLOR_GRAY2BGR);
  EXPECT_EQ(cv::norm(d->bgr, expected, cv::NORM_INF), 0);
  EXPECT_EQ(d->info.Describe(), "PNG 30x20, grey");
}

TEST(ImageDecode, GreyAlphaPng) {
  std::vector<std::string> rows;
  for (int y = 0; y < 6; ++y) {
    std::string r;
    for (int x = 0; x < 5; ++x) r += {static_cast<char>(40 * x + y), static_cast<char>(255 - 20 * y)};
    rows.push_back(r);
  }
  const auto d = DecodeImage(HandPng(5, 6, 8, 4, rows), kDefault);
  ExpectBgr(d, 5, 6);
  EXPECT_EQ(d->bgr.at<cv::Vec3b>(3, 2), cv::Vec3b::all(83));
  EXPECT_EQ(d->info.Describe(), "PNG 5x6, grey+alpha");
}

TEST(ImageDecode, RgbaPng) {
  cv::Mat rgba(10, 12, CV_8UC4, cv::Scalar(200, 100, 50, 128));
  const auto d = DecodeImage(Png(rgba), kDefault);
  ExpectBgr(d, 12, 10);
  EXPECT_EQ(d->bgr.at<cv::Vec3b>(5, 5), cv::Vec3b(200, 100, 50));
  EXPECT_EQ(d->info.Describe(), "PNG 12x10, RGBA");
}

TEST(ImageDecode, SixteenBitPng) {
  cv::Mat deep(200, 320, CV_16UC3, cv::Scalar(0xFF00, 0x8000, 0x1234));
  const std::string png = Png(deep);
  const auto info = ProbeImage(png, kDefault);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->Describe(), "PNG 320x200, 16-bit RGB");
  const auto d = DecodeImage(png, kDefault);
  ExpectBgr(d, 320, 200);
  const cv::Vec3b px = d->bgr.at<cv::Vec3b>(100, 100);
  EXPECT_NEAR(px[0], 0xFF, 1);
  EXPECT_NEAR(px[1], 0x80, 1);
  EXPECT_NEAR(px[2], 0x12, 1);
}

TEST(ImageDecode, PalettePng) {
  // 10x10, 8-bit indices into 3 colours (RGB in the file).
  const std::string plte("\xFF\0\0" "\0\xFF\0" "\0\0\xFF", 9);
  std::vector<std::string> rows;
  for (int y = 0; y < 10; ++y) {
    std::string r;
    for (int x = 0; x < 10; ++x) r += static_cast<char>((x + y) % 3);
    rows.push_back(r);
  }
  const std::string png = HandPng(10, 10, 8, 3, rows, plte);
  const auto d = DecodeImage(png, kDefault);
  ExpectBgr(d, 10, 10);
  EXPECT_TRUE(d->info.palette);
  EXPECT_EQ(d->info.Describe(), "PNG 10x10, palette");
  EXPECT_EQ(d->bgr.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));  // red
  EXPECT_EQ(d->bgr.at<cv::Vec3b>(0, 1), cv::Vec3b(0, 255, 0));  // green
  EXPECT_EQ(d->bgr.at<cv::Vec3b>(0, 2), cv::Vec3b(255, 0, 0));  // blue

  // 2-bit indices with transparency (tRNS).
  std::vector<std::string> packed(3, std::string(1, static_cast<char>(0b00011000)));
  const auto d2 = DecodeImage(
      HandPng(4, 3, 2, 3, packed, plte, PngChunk("tRNS", B("\0\x80"))), kDefault);
  ExpectBgr(d2, 4, 3);
  EXPECT_EQ(d2->info.Describe(), "PNG 4x3, 2-bit palette");
  EXPECT_EQ(d2->bgr.at<cv::Vec3b>(1, 1), cv::Vec3b(0, 255, 0));
  EXPECT_EQ(d2->bgr.at<cv::Vec3b>(1, 2), cv::Vec3b(255, 0, 0));
}

TEST(ImageDecode, InterlacedPngAndTrailingBytes) {
  // Adam7 would need the rows per pass; a 1x1 interlaced image has only pass 1.
  const std::string one = std::string("\x89PNG\r\n\x1A\n") +
                          PngChunk("IHDR", Ihdr(1, 1, 8, 0, 1)) +
                          PngChunk("IDAT", Deflate(B("\0\x7F"))) +
                          PngChunk("IEND", "");
  const auto d = DecodeImage(one + "trailing junk", kDefault);
  ExpectBgr(d, 1, 1);
  EXPECT_EQ(d->bgr.at<cv::Vec3b>(0, 0), cv::Vec3b::all(0x7F));
}

// ---- JPEG flavours ----

TEST(ImageDecode, ColourJpeg) {
  const cv::Mat pic = TestPicture(640, 480);
  const auto d = DecodeImage(Jpeg(pic), kDefault);
  ExpectBgr(d, 640, 480);
  EXPECT_LT(MeanAbsDiff(d->bgr, pic), 3.0);
  EXPECT_EQ(d->info.Describe(), "JPEG 640x480, 3 components");
  EXPECT_FALSE(d->info.progressive);
  EXPECT_EQ(d->info.orientation, 1);
}

TEST(ImageDecode, GreyJpeg) {
  cv::Mat grey(32, 40, CV_8UC1, cv::Scalar(90));
  const auto d = DecodeImage(Jpeg(grey), kDefault);
  ExpectBgr(d, 40, 32);
  EXPECT_EQ(d->info.Describe(), "JPEG 40x32, 1 component");
  EXPECT_NEAR(d->bgr.at<cv::Vec3b>(10, 10)[1], 90, 2);
}

TEST(ImageDecode, ProgressiveJpeg) {
  const cv::Mat pic = TestPicture(160, 120);
  const std::string jpeg = Jpeg(pic, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  const auto d = DecodeImage(jpeg, kDefault);
  ExpectBgr(d, 160, 120);
  EXPECT_TRUE(d->info.progressive);
  EXPECT_EQ(d->info.Describe(), "JPEG 160x120, 3 components, progressive");
  EXPECT_LT(MeanAbsDiff(d->bgr, pic), 3.0);
  ExpectInvalid(jpeg.substr(0, jpeg.size() / 2), "truncated JPEG");
}

TEST(ImageDecode, CmykJpeg) {
  const uint8_t red[4] = {255, 0, 0, 255};  // Adobe inverted: no cyan, full magenta+yellow
  const std::string jpeg = CmykJpeg(24, 16, red);
  const auto info = ProbeImage(jpeg, kDefault);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->channels, 4);
  EXPECT_EQ(info->Describe(), "JPEG 24x16, 4 components");
  const auto d = DecodeImage(jpeg, kDefault);
  ExpectBgr(d, 24, 16);
  const cv::Vec3b px = d->bgr.at<cv::Vec3b>(8, 12);
  EXPECT_LT(px[0], 20);
  EXPECT_LT(px[1], 20);
  EXPECT_GT(px[2], 235);
}

TEST(ImageDecode, TrailingBytesAfterJpegEndAreIgnored) {
  const std::string jpeg = Jpeg();
  ExpectBgr(DecodeImage(jpeg + std::string(300, '\0'), kDefault), 64, 48);
  ExpectBgr(DecodeImage(jpeg + "garbage after the end", kDefault), 64, 48);
}

// ---- EXIF orientation, applied exactly once ----

TEST(ImageDecode, ExifOrientationSixRotatesOnce) {
  const std::string plain = Jpeg();
  const auto upright = DecodeImage(plain, kDefault);
  ExpectBgr(upright, 64, 48);
  cv::Mat expected;
  cv::rotate(upright->bgr, expected, cv::ROTATE_90_CLOCKWISE);

  for (bool big_endian : {false, true}) {
    const std::string rotated = Splice(plain, ExifApp1(6, big_endian));
    const auto d = DecodeImage(rotated, kDefault);
    ExpectBgr(d, 48, 64);  // width and height swap
    EXPECT_EQ(d->info.orientation, 6);
    EXPECT_EQ(d->info.width, 64);  // as stored
    EXPECT_EQ(d->info.height, 48);
    EXPECT_EQ(cv::norm(d->bgr, expected, cv::NORM_INF), 0) << big_endian;
    EXPECT_EQ(d->info.Describe(), "JPEG 64x48, 3 components, EXIF orientation 6");

    // OpenCV's own reading (which applies the orientation itself) agrees: applied once.
    const cv::Mat reference = cv::imdecode(
        cv::Mat(1, static_cast<int>(rotated.size()), CV_8UC1, const_cast<char*>(rotated.data())),
        cv::IMREAD_COLOR);
    ASSERT_FALSE(reference.empty());
    EXPECT_EQ(cv::norm(d->bgr, reference, cv::NORM_INF), 0);
  }
}

TEST(ImageDecode, ExifOrientationThree) {
  const std::string plain = Jpeg();
  const auto upright = DecodeImage(plain, kDefault);
  ASSERT_TRUE(upright.ok());
  cv::Mat expected;
  cv::rotate(upright->bgr, expected, cv::ROTATE_180);
  const auto d = DecodeImage(Splice(plain, ExifApp1(3, true)), kDefault);
  ExpectBgr(d, 64, 48);
  EXPECT_EQ(d->info.orientation, 3);
  EXPECT_EQ(cv::norm(d->bgr, expected, cv::NORM_INF), 0);
}

TEST(ImageDecode, AllOrientations) {
  const std::string plain = Jpeg();
  const cv::Mat up = DecodeImage(plain, kDefault)->bgr;
  cv::Mat t;
  cv::transpose(up, t);
  std::vector<cv::Mat> expected(9);
  cv::flip(up, expected[2], 1);
  cv::flip(up, expected[3], -1);
  cv::flip(up, expected[4], 0);
  expected[5] = t;
  cv::flip(t, expected[6], 1);
  cv::flip(t, expected[7], -1);
  cv::flip(t, expected[8], 0);
  for (int o = 2; o <= 8; ++o) {
    const auto d = DecodeImage(Splice(plain, ExifApp1(o, o % 2 == 0)), kDefault);
    ASSERT_TRUE(d.ok()) << o;
    EXPECT_EQ(cv::norm(d->bgr, expected[o], cv::NORM_INF), 0) << o;
  }
}

TEST(ImageDecode, BrokenExifIsIgnored) {
  const std::string plain = Jpeg();
  std::vector<std::string> broken = {
      B("Exif\0\0"),                                // nothing after the header
      B("Exif\0\0II*\0\xFF\xFF\xFF\x7F"),          // IFD0 far past the end
      B("Exif\0\0MM\0*\0\0\0\x08\xFF\xFF"),        // 65535 entries, none there
      B("Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03"),  // entry cut short
      B("Exif\0\0XX\0*\0\0\0\x08"),                // no byte order
  };
  std::string wrong_type = ExifTiff(6, false);
  wrong_type[24] = 7;  // the Orientation entry's type: UNDEFINED
  broken.push_back(B("Exif\0\0") + wrong_type);
  std::string out_of_range = ExifTiff(9, true);
  broken.push_back(B("Exif\0\0") + out_of_range);
  for (const std::string& payload : broken) {
    const auto d = DecodeImage(Splice(plain, App1(payload)), kDefault);
    ExpectBgr(d, 64, 48);
    EXPECT_EQ(d->info.orientation, 1);
  }
}

TEST(ImageDecode, OnlyExifApp1CountsAndNoneReachesTheDecoder) {
  // OpenCV reads the first APP1 as EXIF whatever its prefix; this one is not EXIF (the
  // prefix is wrong) and must not turn the picture, nor may an XMP segment.
  const std::string plain = Jpeg();
  const std::string xmp = App1("http://ns.adobe.com/xap/1.0/\0<x:xmpmeta/>");
  const std::string not_exif = App1(B("Exif\0\1") + ExifTiff(6, false));
  for (const auto& [segment, orientation] : std::vector<std::pair<std::string, int>>{
           {xmp, 1}, {not_exif, 1}, {xmp + ExifApp1(3, false), 3}}) {
    const auto d = DecodeImage(Splice(plain, segment), kDefault);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->bgr.cols, 64);
    EXPECT_EQ(d->info.orientation, orientation);
    // OpenCV, shown the same bytes, would turn the picture by the not-EXIF APP1 (it does in
    // 4.6); shown what DecodeImage shows it, it does not.
  }
}

TEST(ImageDecode, PngExifOrientation) {
  const cv::Mat pic = TestPicture();
  std::vector<std::string> rows;
  for (int y = 0; y < pic.rows; ++y) {
    std::string r;
    for (int x = 0; x < pic.cols; ++x) {
      const cv::Vec3b p = pic.at<cv::Vec3b>(y, x);
      r += {static_cast<char>(p[2]), static_cast<char>(p[1]), static_cast<char>(p[0])};
    }
    rows.push_back(r);
  }
  const std::string png =
      HandPng(pic.cols, pic.rows, 8, 2, rows, "", PngChunk("eXIf", ExifTiff(6, false)));
  const auto d = DecodeImage(png, kDefault);
  ExpectBgr(d, 48, 64);
  EXPECT_EQ(d->info.orientation, 6);
  cv::Mat expected;
  cv::rotate(pic, expected, cv::ROTATE_90_CLOCKWISE);
  EXPECT_EQ(cv::norm(d->bgr, expected, cv::NORM_INF), 0);
}

// ---- Raw frames ----

burnout::v1::RawImage Raw(int width, int height, burnout::v1::PixelFormat format,
                          const std::string& pixels) {
  burnout::v1::RawImage raw;
  raw.set_width(width);
  raw.set_height(height);
  raw.set_format(format);
  raw.set_pixels(pixels);
  return raw;
}

TEST(ImageDecodeRaw, Gray8) {
  std::string px;
  for (int i = 0; i < 12; ++i) px += static_cast<char>(i * 20);
  const auto m = DecodeRaw(Raw(4, 3, burnout::v1::PIXEL_FORMAT_GRAY8, px), kDefault);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->type(), CV_8UC3);
  EXPECT_EQ(m->size(), cv::Size(4, 3));
  EXPECT_EQ(m->at<cv::Vec3b>(2, 1), cv::Vec3b::all(9 * 20));
}

TEST(ImageDecodeRaw, Bgr8IsACopy) {
  std::string px(2 * 2 * 3, '\0');
  px[0] = 1;
  px[1] = 2;
  px[2] = 3;
  auto raw = Raw(2, 2, burnout::v1::PIXEL_FORMAT_BGR8, px);
  const auto m = DecodeRaw(raw, kDefault);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->type(), CV_8UC3);
  raw.mutable_pixels()->assign(12, '\x7F');
  EXPECT_EQ(m->at<cv::Vec3b>(0, 0), cv::Vec3b(1, 2, 3));
}

TEST(ImageDecodeRaw, Rgb8IsSwapped) {
  std::string px(3 * 1 * 3, '\0');
  px[3] = 10;  // pixel 1: R=10, G=20, B=30
  px[4] = 20;
  px[5] = 30;
  const auto m = DecodeRaw(Raw(3, 1, burnout::v1::PIXEL_FORMAT_RGB8, px), kDefault);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->at<cv::Vec3b>(0, 1), cv::Vec3b(30, 20, 10));
}

TEST(ImageDecodeRaw, WrongSize) {
  const auto m = DecodeRaw(Raw(10, 4, burnout::v1::PIXEL_FORMAT_BGR8, std::string(100, '\0')),
                           kDefault);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(m.status().message()), AllOf(HasSubstr("100"), HasSubstr("120")));
  EXPECT_FALSE(
      DecodeRaw(Raw(10, 4, burnout::v1::PIXEL_FORMAT_GRAY8, std::string(41, '\0')), kDefault).ok());
}

TEST(ImageDecodeRaw, UnspecifiedFormatAndBadDimensions) {
  const auto u = DecodeRaw(Raw(2, 2, burnout::v1::PIXEL_FORMAT_UNSPECIFIED, std::string(4, '\0')),
                           kDefault);
  EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(u.status().message()), HasSubstr("UNSPECIFIED"));
  const auto odd = DecodeRaw(Raw(2, 2, static_cast<burnout::v1::PixelFormat>(42), ""), kDefault);
  EXPECT_EQ(odd.status().code(), absl::StatusCode::kInvalidArgument);
  for (auto [w, h] : {std::pair{0, 2}, {2, 0}, {-1, 2}, {2, -5}}) {
    const auto m = DecodeRaw(Raw(w, h, burnout::v1::PIXEL_FORMAT_GRAY8, ""), kDefault);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument) << w << "x" << h;
  }
}

TEST(ImageDecodeRaw, Limits) {
  // Checked before the size: a frame claiming 2^31-1 x 2^31-1 never gets to a multiplication
  // that could overflow.
  const auto huge = DecodeRaw(Raw(0x7FFFFFFF, 0x7FFFFFFF, burnout::v1::PIXEL_FORMAT_BGR8, ""),
                              kDefault);
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(huge.status().message()), HasSubstr("max_pixels"));
  const auto wide = DecodeRaw(Raw(20000, 1, burnout::v1::PIXEL_FORMAT_GRAY8, std::string(20000, '\0')),
                              kDefault);
  EXPECT_EQ(wide.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(std::string(wide.status().message()), HasSubstr("max_side 16384"));
}

// ---- Real photos ----

void ExpectPhoto(const std::string& name, bool colour) {
  const std::string path = std::string(BURNOUT_SOURCE_DIR) + "/../shared/data/faces/" + name;
  const std::string bytes = ReadFile(path);
  if (bytes.empty()) GTEST_SKIP() << path << " is absent (../shared not checked out)";
  const auto d = DecodeImage(bytes, kDefault);
  ExpectBgr(d, 512, 512);
  EXPECT_EQ(d->info.format, ImageFormat::kPng);
  cv::Mat channels[3];
  cv::split(d->bgr, channels);
  const bool grey = cv::norm(channels[0], channels[1], cv::NORM_INF) == 0 &&
                    cv::norm(channels[1], channels[2], cv::NORM_INF) == 0;
  EXPECT_EQ(grey, !colour) << d->info.Describe();
}

TEST(ImageDecodePhotos, Astronaut) { ExpectPhoto("astronaut.png", true); }
TEST(ImageDecodePhotos, Camera) { ExpectPhoto("camera.png", false); }

// ---- Anything at all: a status or a valid image, never a crash ----

void ExpectSane(absl::string_view bytes) {
  const auto d = DecodeImage(bytes, kDefault);
  if (d.ok()) {
    ASSERT_EQ(d->bgr.type(), CV_8UC3);
    ASSERT_FALSE(d->bgr.empty());
  } else {
    ASSERT_NE(d.status().code(), absl::StatusCode::kOk);
    ASSERT_FALSE(d.status().message().empty());
  }
  (void)ProbeImage(bytes, kDefault);
}

TEST(ImageDecodeFuzz, RandomBytesTruncationsAndBitFlips) {
  const auto start = std::chrono::steady_clock::now();
  std::mt19937 rng(1234);
  const auto random_bytes = [&](size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  const std::vector<std::string> heads = {"", "\xFF\xD8\xFF", "\xFF\xD8\xFF\xE1",
                                          "\xFF\xD8\xFF\xC0", "\x89PNG\r\n\x1A\n",
                                          B("\x89PNG\r\n\x1A\n\0\0\0\x0DIHDR")};
  for (int i = 0; i < 3000; ++i) {
    ExpectSane(heads[i % heads.size()] + random_bytes(rng() % 300));
  }

  const cv::Mat pic = TestPicture(48, 32);
  std::vector<std::string> valid = {
      Jpeg(pic), Jpeg(pic, {cv::IMWRITE_JPEG_PROGRESSIVE, 1}), Png(pic),
      Splice(Jpeg(pic), ExifApp1(6, true)), Png(cv::Mat(16, 16, CV_16UC1, cv::Scalar(999)))};
  for (const std::string& file : valid) {
    ASSERT_TRUE(DecodeImage(file, kDefault).ok());
    for (size_t n = 0; n < file.size(); n += 3) ExpectSane(file.substr(0, n));
    // Bit flips in the headers (the first 400 bytes: markers, tables, IHDR, EXIF).
    for (int k = 0; k < 1000; ++k) {
      std::string f = file;
      const size_t at = rng() % std::min<size_t>(f.size(), 400);
      f[at] = static_cast<char>(f[at] ^ (1 << (rng() % 8)));
      ExpectSane(f);
    }
    // Random bytes overwritten anywhere.
    for (int k = 0; k < 200; ++k) {
      std::string f = file;
      for (int j = 0; j < 4; ++j) f[rng() % f.size()] = static_cast<char>(rng());
      ExpectSane(f);
    }
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace burnout::face
