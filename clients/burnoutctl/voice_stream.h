// `burnoutctl listen`: streams a WAV file to the voice analyzer's AnalyzeStream, in real time
// or as fast as possible, the way a microphone capture client would, and prints each rolling
// result as it arrives.
#pragma once

#include <functional>
#include <string>

#include "burnout/v1/config.pb.h"
#include "absl/status/status.h"
#include "burnout/v1/voice.pb.h"

namespace burnout::ctl {

struct ListenOptions {
  std::string target;   // the voice service
  burnout::v1::TlsConfig tls;  // toward the service (the stack's client certificate)
  std::string wav_path;
  bool realtime = true; // pace chunks at the audio's own rate
  int chunk_ms = 100;
  int window_ms = 0;    // 0: the service's defaults
  int hop_ms = 0;
  int timeout_ms = 600000;
};

// Runs the stream; `on_result` sees every result, the final one last.
absl::Status Listen(const ListenOptions& options,
                    const std::function<void(const burnout::v1::VoiceWindowResult&)>& on_result);

// One line per result: window, top emotions, the key indicators, skips.
std::string RenderVoiceWindow(const burnout::v1::VoiceWindowResult& result);

}  // namespace burnout::ctl
