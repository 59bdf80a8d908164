// The input of a TorchScript face expression model (kind torchscript-face, the seeds'
// trpakov/vit-face-expression exported by deploy/models/export_hf_models.py), made the way
// Hugging Face's ViTImageProcessor makes it, from the aligned colour face crop.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "burnout/v1/model.pb.h"

namespace burnout::face {

// `bgr` (8-bit; 1, 3 or 4 channels, as OpenCV decodes: blue first) ->
//   1. resized to spec.size x spec.size with bilinear interpolation (cv::INTER_LINEAR; skipped
//      when it already has that size, as the 224 px aligned crop does for a 224 px ViT),
//   2. channels put in spec.channel_order ("RGB" swaps OpenCV's blue and red),
//   3. each value v -> (v * spec.rescale - spec.mean[c]) / spec.std[c],
//   4. laid out channel-major: out[c * S * S + y * S + x], the [3, S, S] the model takes.
// channel_order "GRAY" (torchscript-face-gray): one channel, the float luminance
// gray_weights . (R, G, B) computed at the crop's own size and then resized bilinearly, scaled
// the same way; [1, S, S].
// `spec` must have passed torchscript::ValidateSpec for its kind.
std::vector<float> FaceModelInput(const cv::Mat& bgr, const burnout::v1::ImageInputSpec& spec);

}  // namespace burnout::face
