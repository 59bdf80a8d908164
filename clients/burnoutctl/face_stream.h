// `burnoutctl watch`: streams video frames (a video file, a camera, or a list of images) to
// the face analyzer's AnalyzeStream, in real time or as fast as possible, the way a webcam
// capture client would, and prints each per-frame and rolling result as it arrives.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "burnout/v1/config.pb.h"
#include "absl/status/status.h"
#include "burnout/v1/face.pb.h"

namespace burnout::ctl {

struct WatchOptions {
  std::string target;               // the face service
  burnout::v1::TlsConfig tls;  // toward the service (the stack's client certificate)
  std::string video;                // a video file OpenCV can read (e.g. MJPEG .avi) ...
  int camera = -1;                  // ... or a camera index ...
  std::vector<std::string> images;  // ... or still images, each sent `repeat` times
  int repeat = 1;
  double fps = 0;                   // 0: the video's own rate (30 for images and cameras)
  bool realtime = true;             // pace frames at `fps`
  bool raw = false;                 // send raw BGR pixels instead of JPEG
  int jpeg_quality = 85;
  int max_frames = 0;               // 0: all (a camera: until interrupted)
  int analyze_every_n = 0;          // 0: the service's defaults
  int window_ms = 0;
  int timeout_ms = 600000;
};

// Runs the stream; `on_result` sees every result, the final one last.
absl::Status Watch(const WatchOptions& options,
                   const std::function<void(const burnout::v1::FaceFrameResult&)>& on_result);

// One line per result: frame, detector, the frame's and the window's top expression, cues,
// counters.
std::string RenderFaceFrame(const burnout::v1::FaceFrameResult& result);

}  // namespace burnout::ctl
