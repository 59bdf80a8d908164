#include "clients/burnoutctl/voice_stream.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "burnout/v1/voice.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/status.h"
#include "common/audio/audio_decode.h"

namespace burnout::ctl {

absl::Status Listen(const ListenOptions& o,
                    const std::function<void(const burnout::v1::VoiceWindowResult&)>& on_result) {
  auto decoded = audio::DecodeAudioFile(o.wav_path);
  if (!decoded.ok()) return decoded.status();
  auto stub = burnout::v1::VoiceAnalyzer::NewStub(grpcx::MakeChannel(o.target, 4 << 20, o.tls));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(o.timeout_ms));
  auto stream = stub->AnalyzeStream(&ctx);
  // The writer paces and sends; this thread reads, so results print while audio flows.
  std::thread writer([&] {
    burnout::v1::AudioStreamRequest open;
    auto* f = open.mutable_open()->mutable_format();
    f->set_encoding(burnout::v1::AUDIO_ENCODING_PCM_F32LE);
    f->set_sample_rate(audio::kAnalysisRate);
    f->set_channels(1);
    open.mutable_open()->set_window_ms(o.window_ms);
    open.mutable_open()->set_hop_ms(o.hop_ms);
    if (!stream->Write(open)) return;
    const size_t chunk = static_cast<size_t>(audio::kAnalysisRate) * o.chunk_ms / 1000;
    const auto start = std::chrono::steady_clock::now();
    const auto& x = decoded->samples;
    for (size_t i = 0; i < x.size(); i += chunk) {
      const size_t n = std::min(chunk, x.size() - i);
      if (o.realtime) {
        std::this_thread::sleep_until(
            start + std::chrono::microseconds(static_cast<int64_t>(i) * 1000000 / audio::kAnalysisRate));
      }
      burnout::v1::AudioStreamRequest req;
      std::string pcm(n * sizeof(float), '\0');
      std::memcpy(pcm.data(), x.data() + i, pcm.size());  // little-endian hosts
      req.mutable_chunk()->set_pcm(std::move(pcm));
      req.mutable_chunk()->set_capture_time_us(
          std::chrono::duration_cast<std::chrono::microseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count());
      if (!stream->Write(req)) return;
    }
    stream->WritesDone();
  });
  burnout::v1::VoiceWindowResult result;
  while (stream->Read(&result)) on_result(result);
  writer.join();
  return grpcx::FromGrpc(stream->Finish());
}

std::string RenderVoiceWindow(const burnout::v1::VoiceWindowResult& r) {
  const auto& m = r.result();
  std::vector<burnout::v1::LabelScore> e(m.emotions().begin(), m.emotions().end());
  std::sort(e.begin(), e.end(),
            [](const auto& a, const auto& b) { return a.probability() > b.probability(); });
  std::string line = absl::StrFormat("%s %6.1f-%6.1f s  ", r.final() ? "final" : "     ",
                                     r.window_start_s(), r.window_end_s());
  for (size_t i = 0; i < std::min<size_t>(2, e.size()); ++i) {
    absl::StrAppend(&line, absl::StrFormat("%-7s %3.0f%%  ", e[i].label(), 100 * e[i].probability()));
  }
  auto get = [&m](const char* name) {
    for (const auto& i : m.indicators()) {
      if (i.name() == name) return i.value();
    }
    return 0.0;
  };
  absl::StrAppend(&line, absl::StrFormat("| pitch var %.1f st, speech %.0f%%, %.1f syl/s, quality %.2f",
                                         get("pitch_variability_st"), 100 * get("speech_ratio"),
                                         get("speaking_rate_sps"), m.quality()));
  if (r.windows_skipped() > 0) absl::StrAppend(&line, ", ", r.windows_skipped(), " skipped");
  if (!m.quality_issues().empty()) absl::StrAppend(&line, " (", m.quality_issues(0), ")");
  return line;
}

}  // namespace burnout::ctl
