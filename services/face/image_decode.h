// The face analyzer's image input is the shared media library's (common/image/image_decode.h:
// JPEG/PNG probing and decoding with their limits, raw frames), under the names the face code
// uses.
#pragma once

#include "common/image/image_decode.h"

namespace burnout::face {

using image::CheckRaw;
using image::DecodedImage;
using image::DecodeImage;
using image::DecodeRaw;
using image::ImageFormat;
using image::ImageInfo;
using image::ImageLimits;
using image::ProbeImage;

}  // namespace burnout::face
