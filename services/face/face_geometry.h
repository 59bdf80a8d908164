// Where a face model looks: a square, possibly rotated region of the full-resolution image
// (FaceRoi), how a model's framing (FaceCropSpec in proto/burnout/v1/model.proto) places it
// from the eyes or from a detector's box, and rendering it at the model's input size.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "burnout/v1/model.pb.h"

namespace burnout::face {

struct FaceRoi {
  cv::Point2f center;      // image pixels
  float side = 0.0f;       // image pixels
  float angle_deg = 0.0f;  // the crop's rotation: positive turns the image clockwise on screen
                           // (the roll of an eye line descending to the right is undone)
};

// The affine map from image pixels to an out x out rendering of `roi` (the roi's top-left
// corner -> (0, 0), its side -> out pixels, rotated by -angle about its centre).
cv::Matx23d RoiToCrop(const FaceRoi& roi, int out);
// Maps a crop pixel back to the image.
cv::Point2f CropToImage(const FaceRoi& roi, int out, const cv::Point2f& p);

// `roi` of `bgr` (8-bit, 1 or 3 channels) as an out x out image of the same type: bilinear
// sampling, parts beyond the image replicated from its border. A region much larger than
// `out` is first rendered at (about) its own resolution and then area-averaged down, so a
// large face is downsampled without aliasing.
cv::Mat RenderRoi(const cv::Mat& bgr, const FaceRoi& roi, int out);

// A face's extent: a box in the face's eye-levelled frame, rotated by angle_deg about its centre.
struct FaceExtent {
  cv::Point2f center;
  float width = 0.0f, height = 0.0f;
  float angle_deg = 0.0f;  // the eye line's angle (the roll): 0 for an upright box
};

// The eye line's angle in degrees (atan2 of left - right; "right" is the subject's right, the
// image's left on a frontal face).
float EyeAngle(const cv::Point2f& right_eye, const cv::Point2f& left_eye);
// An upright detector box, with the eye angle when the detector gave eyes (else 0).
FaceExtent ExtentOfBox(const cv::Rect2f& box, float angle_deg);
// The bounding box of `points` (image pixels) in the frame rotated by angle_deg.
FaceExtent ExtentOfPoints(const std::vector<cv::Point3f>& points, float angle_deg);

// The square crop `side` x the extent's longer side, its centre moved center_dy x that side
// down the face; rotated by the extent's angle when level (else upright).
FaceRoi Framing(const FaceExtent& extent, float side, float center_dy, bool level);
// The spec's framings from a detector's box and from the mesh's extent.
FaceRoi FramingFromBox(const burnout::v1::FaceCropSpec& spec, const FaceExtent& box);
FaceRoi FramingFromMesh(const burnout::v1::FaceCropSpec& spec, const FaceExtent& mesh);

}  // namespace burnout::face
