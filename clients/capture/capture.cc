#include "clients/capture/capture.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "burnout/v1/burnout_risk.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/status.h"

namespace burnout::capture {
namespace {

using Clock = std::chrono::system_clock;
using Steady = std::chrono::steady_clock;

// A summary with its series can be large; frames are sent, not received.
constexpr int kMaxReceiveBytes = 64 << 20;

int64_t EpochUs(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

struct WriterResult {
  absl::Status status;
  int64_t frames = 0, chunks = 0;
  double audio_s = 0;
};

// `session_over` is set once the server has finished, so the writer (and a microphone
// waiting for samples, when its stop polls the flag) stops at once.
absl::Status Run(const CaptureOptions& o, MediaSource& media,
                 const std::function<void(const burnout::v1::SessionUpdate&)>& on_update,
                 CaptureStats* stats, std::atomic<bool>* session_over) {
  CaptureStats local;
  CaptureStats& st = stats ? *stats : local;
  st = CaptureStats{};
  // Fails here, before a session is opened, when a source cannot deliver.
  if (absl::Status s = media.Prime(); !s.ok()) return s;

  auto stub =
      burnout::v1::BurnoutRisk::NewStub(grpcx::MakeChannel(o.target, kMaxReceiveBytes, o.tls));
  grpc::ClientContext ctx;
  if (!o.token.empty()) ctx.AddMetadata("authorization", "Bearer " + o.token);
  if (o.timeout_ms > 0) ctx.set_deadline(Clock::now() + std::chrono::milliseconds(o.timeout_ms));
  auto stream = stub->StreamSession(&ctx);
  const burnout::v1::SessionRequest open = MakeOpen(o, media);
  const auto& format = open.open().audio_format();
  const double audio_bytes_per_s =
      static_cast<double>(format.sample_rate()) * format.channels() *
      (format.encoding() == burnout::v1::AUDIO_ENCODING_PCM_S16LE ? 2 : 4);

  // The only thread that writes: a stream's Write must not be called concurrently.
  WriterResult w;
  std::thread writer([&] {
    if (!stream->Write(open)) return;
    const auto start = Clock::now();
    const auto start_steady = Steady::now();
    media.set_start_us(EpochUs(start));
    // A live source paces itself; sleeping on its offsets would only add delay.
    const bool pace = o.realtime && !media.live();
    while (!session_over->load() && !(o.stop && o.stop())) {
      auto next = media.Next();
      if (!next.ok()) {
        w.status = next.status();
        break;
      }
      if (!next->has_value()) break;
      TimedRequest& item = **next;
      if (pace) std::this_thread::sleep_until(start_steady + std::chrono::microseconds(item.offset_us));
      if (item.request.has_audio()) {
        ++w.chunks;
        w.audio_s += static_cast<double>(item.request.audio().pcm().size()) / audio_bytes_per_s;
      } else {
        ++w.frames;
      }
      if (!stream->Write(item.request)) return;  // the server ended the call: see Finish
    }
    stream->WritesDone();
  });

  burnout::v1::SessionUpdate update;
  while (stream->Read(&update)) {
    ++st.updates_received;
    if (update.has_summary()) st.summary = update.summary();
    if (on_update) on_update(update);
  }
  session_over->store(true);
  writer.join();
  st.frames_sent = w.frames;
  st.chunks_sent = w.chunks;
  st.audio_s_sent = w.audio_s;
  absl::Status status = grpcx::FromGrpc(stream->Finish());
  if (!status.ok()) return status;
  if (!w.status.ok()) return w.status;
  if (!st.summary) return absl::UnknownError("the server finished the session without a summary");
  return absl::OkStatus();
}

}  // namespace

MediaOptions MediaOptionsFrom(const CaptureOptions& o) {
  MediaOptions m;
  m.chunk_ms = o.chunk_ms;
  m.raw_frames = o.raw_frames;
  m.jpeg_quality = o.jpeg_quality;
  m.frame_width = o.frame_width;
  m.max_seconds = o.max_seconds;
  m.stop = o.stop;
  return m;
}

burnout::v1::SessionRequest MakeOpen(const CaptureOptions& o, const MediaSource& media) {
  burnout::v1::SessionRequest req;
  auto* open = req.mutable_open();
  open->set_user_id(o.user_id);
  open->set_session_id(o.session_id);
  if (o.text) open->set_text(*o.text);
  open->set_update_interval_ms(o.update_interval_ms);
  media.FillOpen(open);
  return req;
}

absl::Status RunSession(const CaptureOptions& options, MediaSource& media,
                        const std::function<void(const burnout::v1::SessionUpdate&)>& on_update,
                        CaptureStats* stats) {
  std::atomic<bool> session_over{false};
  return Run(options, media, on_update, stats, &session_over);
}

absl::Status RunCapture(const CaptureOptions& o,
                        const std::function<void(const burnout::v1::SessionUpdate&)>& on_update,
                        CaptureStats* stats) {
  if (!o.video.empty() && o.camera >= 0) return absl::InvalidArgumentError("give --video or --camera, not both");
  if (!o.wav.empty() && o.microphone) return absl::InvalidArgumentError("give --wav or --microphone, not both");
  if (o.video.empty() && o.camera < 0 && o.wav.empty() && !o.microphone) {
    return absl::InvalidArgumentError("nothing to capture: give --video or --camera, and/or --wav or --microphone");
  }
  if (o.chunk_ms < 10 || o.chunk_ms > 1000) return absl::InvalidArgumentError("chunk_ms must be 10..1000");
  std::atomic<bool> session_over{false};
  MediaOptions mo = MediaOptionsFrom(o);
  mo.stop = [&session_over, user = o.stop] { return session_over.load() || (user && user()); };

  std::unique_ptr<FrameSource> frames;
  if (!o.video.empty()) {
    auto f = OpenVideoFile(o.video, o.fps);
    if (!f.ok()) return f.status();
    frames = std::move(*f);
  } else if (o.camera >= 0) {
    auto f = OpenCamera(o.camera, o.fps);
    if (!f.ok()) return f.status();
    frames = std::move(*f);
  }
  std::unique_ptr<AudioSource> audio;
  if (!o.wav.empty()) {
    auto a = OpenWav(o.wav);
    if (!a.ok()) return a.status();
    audio = std::move(*a);
  } else if (o.microphone) {
    auto a = OpenMicrophone(o.mic_device, 16000, mo.stop);
    if (!a.ok()) return a.status();
    audio = std::move(*a);
  }
  MediaSource media(std::move(frames), std::move(audio), mo);
  return Run(o, media, on_update, stats, &session_over);
}

}  // namespace burnout::capture
