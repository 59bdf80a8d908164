// burnout-capture: a live session with the orchestrator from a video file or camera and a
// WAV file or microphone; prints each update as it arrives and the session's summary.
// Ctrl-C on a live capture stops capturing and still prints the summary.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "clients/burnoutctl/render.h"
#include "clients/burnoutctl/stack_control.h"
#include "clients/capture/capture.h"
#include "common/auth/token.h"
#include "clients/capture/session_render.h"

namespace {

std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");

void OnSignal(int) {
  g_stop.store(true);
  static const char kMessage[] = "\nburnout-capture: stopping; waiting for the summary (Ctrl-C again to quit)\n";
  (void)!write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
}

void InstallStopHandler() {
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_RESTART;  // a second Ctrl-C ends the program at once
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int Fail(const absl::Status& s) {
  std::cerr << "burnout-capture: " << absl::StatusCodeToString(s.code()) << ": " << s.message()
            << std::endl;
  return 1;
}

std::string DefaultUser() {
  const char* u = std::getenv("USER");
  return u && *u ? u : "me";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "burnout-capture: a live burnout-risk session from a camera or video and a microphone or "
      "WAV (a self-awareness tool, not a diagnosis)"};
  burnout::capture::CaptureOptions o;
  burnout::ctl::StackOptions stack;
  o.user_id = DefaultUser();
  bool fast = false, json = false, quiet = false;
  std::string text, text_file;
  app.add_option("--server", o.target, "orchestrator address (default: the running stack's)");
  app.add_option("--config", stack.config_path, "stack config, to find the running stack")
      ->capture_default_str();
  app.add_option("--run_dir", stack.run_dir, "the stack's run directory (overrides the config)");
  app.add_option("--user", o.user_id, "whose session")->capture_default_str();
  if (const char* t = std::getenv("BURNOUT_TOKEN")) o.token = t;
  app.add_option("--token", o.token,
                 "bearer token (default: $BURNOUT_TOKEN, else one signed for --user by the local "
                 "stack's issuer)");
  app.add_option("--session_id", o.session_id, "client id of the session (default: the server's)");
  auto* video = app.add_option("--video", o.video, "a video file OpenCV can read (e.g. MJPEG .avi)");
  app.add_option("--camera", o.camera, "a camera index (live)")->excludes(video);
  auto* wav = app.add_option("--wav", o.wav, "a WAV file (sent as 16 kHz mono float PCM)");
  app.add_flag("--microphone", o.microphone, "record the microphone with arecord (live)")->excludes(wav);
  app.add_option("--mic_device", o.mic_device, "arecord -D device")->capture_default_str();
  app.add_option("--text", text, "something you wrote, fused with every update");
  app.add_option("--text_file", text_file, "read that text from a file ('-' = stdin)");
  app.add_flag("--fast", fast, "send files as fast as possible instead of in real time");
  app.add_option("--fps", o.fps, "frame rate (0: the video's or camera's own; else 30)");
  app.add_option("--chunk_ms", o.chunk_ms, "audio per message")->capture_default_str()->check(CLI::Range(10, 1000));
  app.add_flag("--raw", o.raw_frames, "send raw BGR pixels instead of JPEG");
  app.add_option("--jpeg_quality", o.jpeg_quality)->capture_default_str()->check(CLI::Range(1, 100));
  app.add_option("--frame_width", o.frame_width, "resize frames to this width (0: as captured)")
      ->capture_default_str();
  app.add_option("--max_seconds", o.max_seconds, "stop after this much media (0: all / until Ctrl-C)")
      ->capture_default_str();
  app.add_option("--update_interval_ms", o.update_interval_ms, "a fused update this often (0: server default)")
      ->capture_default_str();
  app.add_option("--timeout_ms", o.timeout_ms, "deadline of the whole session (0: none)")->capture_default_str();
  app.add_flag("--json", json, "print each update, the summary included, as one line of proto JSON");
  app.add_flag("--quiet", quiet, "print only the summary");
  CLI11_PARSE(app, argc, argv);

  o.realtime = !fast;
  if (!text_file.empty()) {
    auto t = burnout::ctl::ReadTextArg(text_file);
    if (!t.ok()) return Fail(t.status());
    o.text = *std::move(t);
  } else if (app.count("--text")) {
    o.text = text;
  }
  if (o.target.empty()) {
    auto addr = burnout::ctl::OrchestratorAddress(stack);
    if (!addr.ok()) return Fail(addr.status());
    o.target = *addr;
  }
  // The local stack's TLS and sign-in, as burnoutctl uses them.
  if (auto loaded = burnout::ctl::LoadStack(stack); loaded.ok()) {
    o.tls = burnout::ctl::ClientTls(loaded->run_dir());
    if (o.token.empty() &&
        std::filesystem::exists(burnout::auth::LocalIssuerKey(loaded->run_dir()))) {
      if (auto t = burnout::auth::LocalToken(loaded->run_dir(), o.user_id); t.ok()) o.token = *t;
    }
  }
  InstallStopHandler();
  o.stop = [] { return g_stop.load(); };

  burnout::capture::CaptureStats stats;
  const absl::Status status =
      burnout::capture::RunCapture(o, [&](const burnout::v1::SessionUpdate& u) {
        if (json) {
          std::cout << burnout::ctl::ToJson(u, /*pretty=*/false) << std::endl;
        } else if (u.has_summary()) {
          std::cout << "\n" << burnout::capture::RenderSummary(u.summary()) << std::flush;
        } else if (!quiet) {
          std::cout << burnout::capture::RenderUpdate(u) << std::endl;
        }
      }, &stats);
  if (stats.frames_sent + stats.chunks_sent + stats.updates_received > 0) {
    std::cerr << absl::StrFormat("burnout-capture: sent %d frames and %d audio chunks (%.1f s); %d updates\n",
                                 stats.frames_sent, stats.chunks_sent, stats.audio_s_sent,
                                 stats.updates_received);
  }
  return status.ok() ? 0 : Fail(status);
}
