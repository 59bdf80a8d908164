// The options of `burnoutctl listen` and `burnoutctl watch`, shared by burnoutctl (which parses
// them, finds the service and hands over) and burnout-stream (which decodes the WAV or captures
// the frames and streams them). burnoutctl links no media code: libsndfile's codecs and
// OpenCV's video I/O load only in burnout-stream, started only for these two commands.
#pragma once

#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "clients/burnoutctl/face_stream.h"
#include "clients/burnoutctl/voice_stream.h"

namespace burnout::ctl {

// The stack's TLS files, passed from burnoutctl to burnout-stream (see ClientTls).
inline void AddTlsOptions(CLI::App* sc, burnout::v1::TlsConfig* tls) {
  sc->add_option("--tls_ca", *tls->mutable_ca_file(), "CA the service's certificate chains to");
  sc->add_option("--tls_cert", *tls->mutable_cert_file(), "client certificate (mutual TLS)");
  sc->add_option("--tls_key", *tls->mutable_key_file(), "its private key");
}

inline void AppendTls(const burnout::v1::TlsConfig& tls, std::vector<std::string>* a) {
  if (!tls.ca_file().empty()) a->insert(a->end(), {"--tls_ca", tls.ca_file()});
  if (!tls.cert_file().empty()) a->insert(a->end(), {"--tls_cert", tls.cert_file()});
  if (!tls.key_file().empty()) a->insert(a->end(), {"--tls_key", tls.key_file()});
}

inline void AddListenOptions(CLI::App* sc, ListenOptions* lo, bool* fast, bool* json) {
  sc->add_option("--audio", lo->wav_path, "the WAV file to stream")->required();
  sc->add_option("--voice", lo->target, "voice service address (default: the running stack's)");
  sc->add_flag("--fast", *fast, "send as fast as possible instead of in real time");
  sc->add_option("--window_ms", lo->window_ms, "analysis window (0: service default)");
  sc->add_option("--hop_ms", lo->hop_ms, "a result every hop (0: service default)");
  sc->add_option("--chunk_ms", lo->chunk_ms, "audio per message")->capture_default_str();
  sc->add_flag("--json", *json, "print each result as proto JSON");
  AddTlsOptions(sc, &lo->tls);
}

// The command line that gives `burnout-stream listen` the same options (after the subcommand).
inline std::vector<std::string> ListenArguments(const ListenOptions& lo, bool fast, bool json) {
  std::vector<std::string> a = {"--voice", lo.target, "--audio", lo.wav_path, "--window_ms",
                                std::to_string(lo.window_ms), "--hop_ms", std::to_string(lo.hop_ms),
                                "--chunk_ms", std::to_string(lo.chunk_ms)};
  if (fast) a.push_back("--fast");
  if (json) a.push_back("--json");
  AppendTls(lo.tls, &a);
  return a;
}

inline void AddWatchOptions(CLI::App* sc, WatchOptions* wo, bool* fast, bool* json) {
  sc->add_option("--video", wo->video, "a video file (e.g. MJPEG .avi)");
  sc->add_option("--camera", wo->camera, "a camera index");
  sc->add_option("--image", wo->images, "still images, sent as frames (repeatable)");
  sc->add_option("--repeat", wo->repeat, "send each image this many times")->capture_default_str();
  sc->add_option("--face", wo->target, "face service address (default: the running stack's)");
  sc->add_option("--fps", wo->fps, "frame rate (0: the video's own; 30 for images)");
  sc->add_flag("--fast", *fast, "send as fast as possible instead of in real time");
  sc->add_flag("--raw", wo->raw, "send raw BGR pixels instead of JPEG");
  sc->add_option("--max_frames", wo->max_frames, "stop after this many frames (0: all)");
  sc->add_option("--every", wo->analyze_every_n, "analyse every N-th frame (0: service default)");
  sc->add_option("--window_ms", wo->window_ms, "rolling window (0: service default)");
  sc->add_flag("--json", *json, "print each result as proto JSON");
  AddTlsOptions(sc, &wo->tls);
}

// The command line that gives `burnout-stream watch` the same options (after the subcommand).
inline std::vector<std::string> WatchArguments(const WatchOptions& wo, bool fast, bool json) {
  std::vector<std::string> a = {"--face", wo.target};
  if (!wo.video.empty()) a.insert(a.end(), {"--video", wo.video});
  if (wo.camera >= 0) a.insert(a.end(), {"--camera", std::to_string(wo.camera)});
  for (const auto& i : wo.images) a.insert(a.end(), {"--image", i});
  a.insert(a.end(), {"--repeat", std::to_string(wo.repeat), "--fps", std::to_string(wo.fps), "--max_frames",
                     std::to_string(wo.max_frames), "--every", std::to_string(wo.analyze_every_n), "--window_ms",
                     std::to_string(wo.window_ms)});
  if (fast) a.push_back("--fast");
  if (wo.raw) a.push_back("--raw");
  if (json) a.push_back("--json");
  AppendTls(wo.tls, &a);
  return a;
}

}  // namespace burnout::ctl
