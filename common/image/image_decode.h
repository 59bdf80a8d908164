// Image input (the face analyzer's, and any client's or tool's): JPEG and PNG only, recognised by their signature and
// checked against byte and pixel limits from their headers before any decoder runs (the
// OpenCV build links many more codecs: TIFF, WebP, JPEG 2000, OpenEXR, ... none of them may
// see untrusted bytes here). Raw frames (RawImage) are checked and converted the same way.
#pragma once

#include <cstdint>
#include <string>

#include <opencv2/core.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "burnout/v1/face.pb.h"

namespace burnout::image {

enum class ImageFormat { kJpeg, kPng };

struct ImageLimits {
  int64_t max_bytes = 16 << 20;
  int64_t max_pixels = 40'000'000;  // width x height
  int max_side = 16384;             // longest side
};

// What the header says, before decoding.
struct ImageInfo {
  ImageFormat format = ImageFormat::kJpeg;
  int width = 0;   // as stored, before the EXIF orientation is applied
  int height = 0;
  int channels = 0;  // JPEG: components (1 grey, 3 YCbCr, 4 CMYK/YCCK); PNG: 1..4
  int bit_depth = 8;
  bool palette = false;      // PNG colour type 3
  bool progressive = false;  // JPEG SOF2
  int orientation = 1;       // EXIF orientation 1..8 (JPEG APP1 / PNG eXIf); 1 when absent
  std::string Describe() const;  // "JPEG 640x480, 3 components"
};

// Signature and header only; no decoder runs. INVALID_ARGUMENT naming what the bytes are
// when they are not JPEG or PNG ("empty", "TIFF", "BMP", "WebP", "GIF", "DICOM", "PDF",
// "unknown (first bytes 3c 68 74 6d)") or when the header is truncated or corrupt;
// OUT_OF_RANGE naming the limit (max_image_bytes, max_pixels, max_side) when over it.
absl::StatusOr<ImageInfo> ProbeImage(absl::string_view bytes, const ImageLimits& limits);

struct DecodedImage {
  cv::Mat bgr;  // CV_8UC3, EXIF orientation applied
  ImageInfo info;
};

// ProbeImage, then the decoder. Grey, grey+alpha, palette, 16-bit and CMYK inputs all come
// out as 8-bit BGR. A truncated file (JPEG without its end marker, PNG without IEND) is
// INVALID_ARGUMENT, never a half-grey picture.
absl::StatusOr<DecodedImage> DecodeImage(absl::string_view bytes, const ImageLimits& limits);

// A raw frame's format, dimensions (against the limits) and pixels.size() (against
// width x height x channels), without converting anything.
absl::Status CheckRaw(const burnout::v1::RawImage& raw, const ImageLimits& limits);

// A raw frame: checks format, dimensions against the limits and pixels.size() against
// width x height x channels; returns an 8-bit BGR copy.
absl::StatusOr<cv::Mat> DecodeRaw(const burnout::v1::RawImage& raw, const ImageLimits& limits);

}  // namespace burnout::image
