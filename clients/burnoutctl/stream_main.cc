// burnout-stream: what `burnoutctl listen` and `burnoutctl watch` run. It streams a WAV file to
// the voice analyzer as a microphone would, or video frames (a file, a camera, images) to the
// face analyzer as a webcam would, and prints each result. The media code (libsndfile, soxr,
// OpenCV's video I/O) lives here so that burnoutctl itself loads none of it.
#include <iostream>

#include "CLI/CLI.hpp"
#include "clients/burnoutctl/render.h"
#include "clients/burnoutctl/stream_options.h"

int main(int argc, char** argv) {
  namespace ctl = burnout::ctl;
  CLI::App app{"burnout-stream: stream a WAV or video frames to an analyzer (burnoutctl listen / watch run it)"};
  app.require_subcommand(1);
  ctl::ListenOptions lo;
  ctl::WatchOptions wo;
  bool fast = false, json = false;
  auto* listen = app.add_subcommand("listen", "stream a WAV to the voice analyzer");
  ctl::AddListenOptions(listen, &lo, &fast, &json);
  auto* watch = app.add_subcommand("watch", "stream video frames to the face analyzer");
  ctl::AddWatchOptions(watch, &wo, &fast, &json);
  CLI11_PARSE(app, argc, argv);
  absl::Status s;
  if (listen->parsed()) {
    if (lo.target.empty()) {
      std::cerr << "burnout-stream: --voice is required (burnoutctl listen finds the running stack's)" << std::endl;
      return 2;
    }
    lo.realtime = !fast;
    s = ctl::Listen(lo, [json](const burnout::v1::VoiceWindowResult& r) {
      std::cout << (json ? ctl::ToJson(r) : ctl::RenderVoiceWindow(r)) << std::endl;
    });
  } else {
    if (wo.target.empty()) {
      std::cerr << "burnout-stream: --face is required (burnoutctl watch finds the running stack's)" << std::endl;
      return 2;
    }
    wo.realtime = !fast;
    s = ctl::Watch(wo, [json](const burnout::v1::FaceFrameResult& r) {
      std::cout << (json ? ctl::ToJson(r) : ctl::RenderFaceFrame(r)) << std::endl;
    });
  }
  if (!s.ok()) {
    std::cerr << "burnoutctl: " << s.message() << std::endl;
    return 1;
  }
  return 0;
}
