// Test images for the face analyzer: the shared photographs (../shared/data/faces, read from
// the repository root, which is the tests' working directory), augmentations that keep track
// of where the face went, and drawn images without any face. Header-only, for the face tests
// and benchmarks.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace burnout::face::test_images {

inline bool FileExists(const std::string& path) { return std::ifstream(path).good(); }

// The shared folder beside the repository: "../shared" from the working directory, else
// next to the source tree. Empty when neither exists.
inline std::string SharedDir() {
  const std::vector<std::string> candidates = {
      "../shared",
#ifdef BURNOUT_SOURCE_DIR
      std::string(BURNOUT_SOURCE_DIR) + "/../shared",
#endif
  };
  for (const auto& dir : candidates) {
    if (FileExists(dir + "/data/faces/astronaut.png")) return dir;
  }
  return "";
}

inline std::string YuNetModelPath() {
  const std::string dir = SharedDir();
  const std::string path = dir + "/models/yunet/face_detection_yunet_2022mar.onnx";
  return !dir.empty() && FileExists(path) ? path : "";
}
inline constexpr char kYuNetSha256[] =
    "50ef07f702a31741ca46a4c0d947773b64143b9362780237bf0d427d6c79bab7";

// "astronaut.png" or "camera.png" as 8-bit BGR (the grey camera photo too); empty if absent.
inline cv::Mat LoadSharedFace(const std::string& name) {
  const std::string dir = SharedDir();
  if (dir.empty()) return {};
  return cv::imread(dir + "/data/faces/" + name, cv::IMREAD_COLOR);
}

// ---- augmentations (each has a matching box transform below) ----

inline cv::Mat Scale(const cv::Mat& img, double factor) {
  cv::Mat out;
  const cv::Size size(std::max(1, int(std::lround(img.cols * factor))),
                      std::max(1, int(std::lround(img.rows * factor))));
  cv::resize(img, out, size, 0, 0, factor < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return out;
}

// Rotates the content by `deg` degrees CLOCKWISE on screen about the image centre, keeping the
// size (corners filled by replication). A level face then has roll_deg close to +deg.
inline cv::Mat Rotate(const cv::Mat& img, double deg) {
  const cv::Point2f c(0.5f * img.cols, 0.5f * img.rows);
  const cv::Mat m = cv::getRotationMatrix2D(c, -deg, 1.0);
  cv::Mat out;
  cv::warpAffine(img, out, m, img.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

inline cv::Mat Flip(const cv::Mat& img) {
  cv::Mat out;
  cv::flip(img, out, 1);
  return out;
}

inline cv::Mat Darken(const cv::Mat& img, double factor = 0.4) {
  cv::Mat out;
  img.convertTo(out, -1, factor, 0);
  return out;
}

inline cv::Mat Blur(const cv::Mat& img, double sigma = 2.0) {
  cv::Mat out;
  cv::GaussianBlur(img, out, cv::Size(0, 0), sigma);
  return out;
}

inline cv::Mat Recompress(const cv::Mat& img, int quality = 30) {
  std::vector<uchar> bytes;
  cv::imencode(".jpg", img, bytes, {cv::IMWRITE_JPEG_QUALITY, quality});
  return cv::imdecode(bytes, cv::IMREAD_COLOR);
}

// A random texture (blurred noise, coloured blocks and lines): a background with no face.
inline cv::Mat TextureScene(cv::Size size, uint64_t seed) {
  cv::RNG rng(seed);
  cv::Mat noise(size, CV_8UC3);
  rng.fill(noise, cv::RNG::UNIFORM, cv::Scalar::all(40), cv::Scalar::all(215));
  cv::Mat scene;
  cv::GaussianBlur(noise, scene, cv::Size(0, 0), 4.0);
  cv::normalize(scene, scene, 30, 220, cv::NORM_MINMAX);
  for (int i = 0; i < 25; ++i) {
    const cv::Point a(rng.uniform(0, size.width), rng.uniform(0, size.height));
    const cv::Point b(rng.uniform(0, size.width), rng.uniform(0, size.height));
    const cv::Scalar colour(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255));
    if (i % 2 == 0) {
      cv::rectangle(scene, a, a + cv::Point(rng.uniform(20, 200), rng.uniform(20, 120)), colour,
                    cv::FILLED);
    } else {
      cv::line(scene, a, b, colour, rng.uniform(1, 6), cv::LINE_AA);
    }
  }
  return scene;
}

// `img` pasted at `offset` into a `scene_size` random texture (clipped to the scene).
inline cv::Mat PasteIntoScene(const cv::Mat& img, cv::Size scene_size = {1280, 720},
                              cv::Point offset = {600, 120}, uint64_t seed = 12345) {
  cv::Mat scene = TextureScene(scene_size, seed);
  const cv::Rect dst = cv::Rect(offset, img.size()) & cv::Rect(cv::Point(0, 0), scene_size);
  if (dst.area() > 0) img(dst - offset).copyTo(scene(dst));
  return scene;
}

// Faceless drawings: rectangles, circles, lines, noise, a gradient, and a mixture.
inline std::vector<cv::Mat> DrawnShapes() {
  std::vector<cv::Mat> out;
  cv::RNG rng(2024);
  const cv::Size size(480, 360);
  auto colour = [&] { return cv::Scalar(rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)); };
  {
    cv::Mat m(size, CV_8UC3, cv::Scalar(235, 235, 235));
    for (int i = 0; i < 12; ++i) {
      const cv::Point a(rng.uniform(0, size.width), rng.uniform(0, size.height));
      cv::rectangle(m, a, a + cv::Point(rng.uniform(20, 160), rng.uniform(20, 120)), colour(),
                    i % 3 == 0 ? 3 : cv::FILLED);
    }
    out.push_back(m);
  }
  {
    cv::Mat m(size, CV_8UC3, cv::Scalar(30, 60, 90));
    for (int i = 0; i < 10; ++i) {
      cv::circle(m, {rng.uniform(0, size.width), rng.uniform(0, size.height)}, rng.uniform(10, 90),
                 colour(), i % 2 == 0 ? cv::FILLED : 4, cv::LINE_AA);
    }
    out.push_back(m);
  }
  {
    cv::Mat m(size, CV_8UC3, cv::Scalar(255, 255, 255));
    for (int i = 0; i < 30; ++i) {
      cv::line(m, {rng.uniform(0, size.width), rng.uniform(0, size.height)},
               {rng.uniform(0, size.width), rng.uniform(0, size.height)}, colour(),
               rng.uniform(1, 8), cv::LINE_AA);
    }
    out.push_back(m);
  }
  {
    cv::Mat m(size, CV_8UC3);
    rng.fill(m, cv::RNG::UNIFORM, cv::Scalar::all(0), cv::Scalar::all(256));
    out.push_back(m);
  }
  {
    cv::Mat m(size, CV_8UC3);
    for (int y = 0; y < m.rows; ++y) {
      for (int x = 0; x < m.cols; ++x) {
        m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(255 * x / (m.cols - 1)), uchar(255 * y / (m.rows - 1)),
                                          uchar(128));
      }
    }
    out.push_back(m);
  }
  {
    cv::Mat m = TextureScene({640, 480}, 99);
    cv::rectangle(m, {50, 50}, {250, 200}, cv::Scalar(20, 200, 20), cv::FILLED);
    cv::circle(m, {450, 300}, 80, cv::Scalar(200, 30, 30), 6, cv::LINE_AA);
    cv::line(m, {0, 470}, {639, 10}, cv::Scalar(0, 0, 0), 5, cv::LINE_AA);
    out.push_back(m);
  }
  return out;
}

// ---- boxes through the augmentations ----

inline cv::Rect2f ScaleBox(const cv::Rect2f& b, double f) {
  return {float(b.x * f), float(b.y * f), float(b.width * f), float(b.height * f)};
}
// The box's centre follows the rotation; its size is kept (a face box stays face-sized).
inline cv::Rect2f RotateBox(const cv::Rect2f& b, cv::Size size, double deg) {
  const cv::Point2f c(0.5f * size.width, 0.5f * size.height);
  const cv::Mat m = cv::getRotationMatrix2D(c, -deg, 1.0);
  const double x = b.x + 0.5 * b.width, y = b.y + 0.5 * b.height;
  const double nx = m.at<double>(0, 0) * x + m.at<double>(0, 1) * y + m.at<double>(0, 2);
  const double ny = m.at<double>(1, 0) * x + m.at<double>(1, 1) * y + m.at<double>(1, 2);
  return {float(nx - 0.5 * b.width), float(ny - 0.5 * b.height), b.width, b.height};
}
inline cv::Rect2f FlipBox(const cv::Rect2f& b, cv::Size size) {
  return {size.width - b.x - b.width, b.y, b.width, b.height};
}
inline cv::Rect2f OffsetBox(const cv::Rect2f& b, cv::Point offset) {
  return {b.x + offset.x, b.y + offset.y, b.width, b.height};
}

inline double IoU(const cv::Rect2f& a, const cv::Rect2f& b) {
  const float inter = (a & b).area();
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0.0;
}

struct Augmented {
  std::string name;
  cv::Mat image;
  cv::Rect2f expected;  // the face box carried through the augmentation
};

// The standard set: original, 0.5x and 2x, rotations of -15 and +15 degrees, horizontal flip,
// darkened to 40%, Gaussian blur sigma 2, JPEG quality 30, and pasted into a 1280x720 scene.
inline std::vector<Augmented> Augmentations(const cv::Mat& img, const cv::Rect2f& box) {
  std::vector<Augmented> out;
  out.push_back({"original", img, box});
  out.push_back({"scale0.5", Scale(img, 0.5), ScaleBox(box, 0.5)});
  out.push_back({"scale2", Scale(img, 2.0), ScaleBox(box, 2.0)});
  out.push_back({"rotate-15", Rotate(img, -15), RotateBox(box, img.size(), -15)});
  out.push_back({"rotate+15", Rotate(img, 15), RotateBox(box, img.size(), 15)});
  out.push_back({"flip", Flip(img), FlipBox(box, img.size())});
  out.push_back({"darken0.4", Darken(img, 0.4), box});
  out.push_back({"blur2", Blur(img, 2.0), box});
  out.push_back({"jpeg30", Recompress(img, 30), box});
  const cv::Point offset(600, 120);
  out.push_back({"scene", PasteIntoScene(img, {1280, 720}, offset), OffsetBox(box, offset)});
  return out;
}

}  // namespace burnout::face::test_images
