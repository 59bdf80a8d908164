// Image decoding (JPEG/PNG, with EXIF orientation), as the face analyzer decodes a photo.
#include <cstddef>
#include <cstdint>

#include "common/image/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  burnout::image::ImageLimits limits;
  limits.max_pixels = 4'000'000;  // keeps one input's decode small; the checks are the same
  limits.max_side = 4096;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto info = burnout::image::ProbeImage(bytes, limits);
  auto image = burnout::image::DecodeImage(bytes, limits);
  // A decoded image passed the probe, is 8-bit BGR, and is within the limits.
  if (image.ok() && (!info.ok() || image->bgr.type() != CV_8UC3 ||
                     static_cast<int64_t>(image->bgr.cols) * image->bgr.rows > limits.max_pixels)) {
    __builtin_trap();
  }
  return 0;
}
