// burnout-capture's library: one live session (BurnoutRisk.StreamSession) from a video file
// or camera and a WAV file or microphone, through the orchestrator. One writer thread sends
// SessionOpen, then the media merged in capture-time order (MediaSource), paced in real time
// or as fast as possible, then half-closes; the calling thread reads the updates as they
// come, up to the summary.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "burnout/v1/burnout_risk.pb.h"
#include "burnout/v1/config.pb.h"
#include "clients/capture/media_source.h"

namespace burnout::capture {

struct CaptureOptions {
  std::string target;                 // the orchestrator, a gRPC target ("127.0.0.1:7100")
  std::string user_id;
  std::string token;                  // bearer token; empty: none sent
  burnout::v1::TlsConfig tls;         // toward the orchestrator; empty: plaintext
  std::string session_id;             // empty: the server makes one
  std::string video;                  // a video file OpenCV can read ...
  int camera = -1;                    // ... or a camera index (live)
  std::string wav;                    // a WAV file ...
  bool microphone = false;            // ... or a microphone through arecord (live)
  std::string mic_device = "default"; // arecord -D
  std::optional<std::string> text;    // analysed once by the server, fused with every update
  bool realtime = true;               // pace files at their own rate; false: as fast as possible
  double fps = 0;                     // 0: the video's own (a camera's, else 30)
  int chunk_ms = 100;                 // audio per message
  bool raw_frames = false;            // raw BGR pixels instead of JPEG
  int jpeg_quality = 85;
  int frame_width = 0;                // > 0: frames resized to this width, aspect kept
  double max_seconds = 0;             // > 0: stop after this much media
  int update_interval_ms = 0;         // 0: the server's default
  int timeout_ms = 0;                 // deadline of the whole session; 0: none (the server
                                      // bounds a session by its max_session_s)
  StopFn stop;                        // true (e.g. after Ctrl-C): stop capturing, half-close,
                                      // and still wait for the summary
};

struct CaptureStats {
  int64_t frames_sent = 0;
  int64_t chunks_sent = 0;
  double audio_s_sent = 0;
  int64_t updates_received = 0;       // the summary included
  std::optional<burnout::v1::Assessment> summary;
};

// Opens the sources the options name (INVALID_ARGUMENT for none or two of a kind; NOT_FOUND /
// UNAVAILABLE before any session when one cannot deliver) and runs the session. `on_update` is called on the calling thread for
// every update, the summary last. Returns the session's final status: OK only when the
// server finished OK after a summary; the server's error otherwise (the summary, if it came
// first, is in `stats` and was given to `on_update`); a source's error (e.g. arecord died)
// after the server finished OK. `stats` may be null.
absl::Status RunCapture(const CaptureOptions& options,
                        const std::function<void(const burnout::v1::SessionUpdate&)>& on_update,
                        CaptureStats* stats);

// The same with sources the caller built (benchmarks, tests); the options' media fields
// (video, camera, wav, microphone, fps, chunking and frame encoding) are not used.
absl::Status RunSession(const CaptureOptions& options, MediaSource& media,
                        const std::function<void(const burnout::v1::SessionUpdate&)>& on_update,
                        CaptureStats* stats);

// The SessionOpen the options and sources make.
burnout::v1::SessionRequest MakeOpen(const CaptureOptions& options, const MediaSource& media);

// The options' media settings as MediaOptions.
MediaOptions MediaOptionsFrom(const CaptureOptions& options);

}  // namespace burnout::capture
