// Where a live session's media comes from: video frames (a file, a camera, pre-encoded
// images) and audio (a WAV file, a microphone through arecord, samples in memory), merged by
// MediaSource into the SessionRequests of StreamSession in capture-time order. No gRPC; one
// thread drives a MediaSource and its sources (none of them is thread-safe).
//
// Time: every item carries an offset from the start of its source in microseconds (frames:
// index / fps, or a camera's own buffer timestamps; audio: first sample / rate), and
// capture_time_us = the session's start (unix epoch, µs) + that offset, so both modalities
// share one clock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "burnout/v1/burnout_risk.pb.h"

namespace burnout::capture {

// One frame of a FrameSource: decoded pixels, or bytes the source already holds encoded.
struct SourceFrame {
  cv::Mat image;        // 8-bit BGR (or grey), when `encoded` is empty
  std::string encoded;  // a JPEG / PNG, sent as is
  int64_t offset_us = 0;  // from the source's first frame; never decreasing
};

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // The nominal rate, sent as SessionOpen.frame_rate.
  virtual double fps() const = 0;
  // True for a camera: it paces itself and runs until stopped.
  virtual bool live() const = 0;
  // The next frame; OK with *end = true after the last one. An error ends the source.
  virtual absl::Status Next(SourceFrame* frame, bool* end) = 0;
};

class AudioSource {
 public:
  virtual ~AudioSource() = default;
  virtual const burnout::v1::AudioFormat& format() const = 0;
  virtual bool live() const = 0;
  // Up to `frames` sample frames as PCM in format(): exactly `frames` except at the end of
  // the source; empty after it. Blocks on a live source until they are captured.
  virtual absl::Status Read(int64_t frames, std::string* pcm) = 0;
};

// A video file OpenCV can read (e.g. MJPEG .avi); offsets index / fps, fps the file's own
// unless `fps` > 0. NOT_FOUND when it cannot be opened.
absl::StatusOr<std::unique_ptr<FrameSource>> OpenVideoFile(const std::string& path, double fps = 0);

// A camera by index. Offsets come from the camera's buffer timestamps (V4L2), else from the
// time each frame is read: a webcam's real rate is often below its nominal one (it halves
// in low light), and index / fps would drift away from the audio clock. UNAVAILABLE when it
// cannot be opened or yields no first frame.
absl::StatusOr<std::unique_ptr<FrameSource>> OpenCamera(int index, double fps = 0);

// Pre-encoded JPEG / PNG frames at `fps`, in order; with `loop`, over and over (bound the
// session with MediaOptions::max_seconds).
std::unique_ptr<FrameSource> EncodedFrames(std::vector<std::string> frames, double fps, bool loop);

// Mono float samples in memory, sent as PCM_F32LE at `sample_rate`; with `loop`, over and over.
std::unique_ptr<AudioSource> SamplesAudio(std::vector<float> samples, int sample_rate, bool loop);

// A WAV file decoded by the voice service's own decoder (voice::DecodeAudio: mixed to mono
// and resampled to 16 kHz), sent as PCM_F32LE at 16 kHz. Errors name the path.
absl::StatusOr<std::unique_ptr<AudioSource>> OpenWav(const std::string& path);

// Polled by sources and MediaSource: true ends capture at the next item (Ctrl-C, or the
// session already over).
using StopFn = std::function<bool()>;

// A microphone: `arecord -q -f S16_LE -r <rate> -c 1 -t raw -D <device>` (alsa-utils) as a
// child process in its own process group (a terminal's Ctrl-C reaches us, not it), no shell,
// its stdout read as PCM_S16LE. NOT_FOUND naming alsa-utils when arecord is not installed;
// UNAVAILABLE with the end of its stderr once arecord exits on its own (no such device,
// device busy, ...). A Read returns early, with the whole frames it has, once `stop` says
// so. The child is terminated and reaped when the source is destroyed.
absl::StatusOr<std::unique_ptr<AudioSource>> OpenMicrophone(const std::string& device,
                                                            int sample_rate = 16000,
                                                            StopFn stop = nullptr);

struct MediaOptions {
  int chunk_ms = 100;        // audio per AudioChunk
  bool raw_frames = false;   // RawImage BGR8 / GRAY8 instead of JPEG
  int jpeg_quality = 85;
  int frame_width = 0;       // > 0: frames resized to this width, aspect kept
  double max_seconds = 0;    // > 0: media up to this offset only (the last chunk cut there)
  StopFn stop;               // true: both sources end at the next item
};

// One SessionRequest (an audio chunk or a frame) and its offset.
struct TimedRequest {
  burnout::v1::SessionRequest request;
  int64_t offset_us = 0;
};

// Merges a frame source and an audio source (either may be null, not both) into one
// sequence ordered by offset, an audio chunk before a frame at the same offset. An item is
// yielded once nothing earlier can come from the other source: the next chunk's offset is
// known before it is captured (samples so far / rate) and frames never go back, so a live
// frame waits only for the chunk that starts before it, never for a later one.
class MediaSource {
 public:
  MediaSource(std::unique_ptr<FrameSource> frames, std::unique_ptr<AudioSource> audio,
              const MediaOptions& options);

  // The capture time of offset 0 (unix epoch µs); set before the first Next.
  void set_start_us(int64_t start_us) { start_us_ = start_us; }

  // Reads the first item of each source (a camera's warm-up, arecord's start), so a source
  // that cannot deliver fails before a session is opened. Next calls it when not yet done.
  absl::Status Prime();

  // The next item with capture_time_us set, or nullopt when both sources ended (or reached
  // max_seconds) or stop says so. A source's error is returned as is and ends that source;
  // callers stop there.
  absl::StatusOr<std::optional<TimedRequest>> Next();

  // What SessionOpen needs from the sources: modalities, audio_format, frame_rate.
  void FillOpen(burnout::v1::SessionOpen* open) const;

  bool has_frames() const { return frames_ != nullptr; }
  bool has_audio() const { return audio_ != nullptr; }
  bool live() const;
  int64_t chunk_frames() const { return chunk_frames_; }  // sample frames per full chunk

 private:
  absl::Status LoadFrame();
  absl::Status LoadChunk();
  absl::Status EncodeFrame(SourceFrame& frame, burnout::v1::VideoFrame* out) const;
  int64_t FrameLowerBound() const;
  int64_t AudioLowerBound() const;
  TimedRequest Take(std::optional<TimedRequest>* head);
  bool Stopped() const { return options_.stop && options_.stop(); }

  std::unique_ptr<FrameSource> frames_;
  std::unique_ptr<AudioSource> audio_;
  MediaOptions options_;
  int64_t start_us_ = 0;
  int64_t max_offset_us_ = 0;      // 0: no limit
  int64_t chunk_frames_ = 0;
  int64_t audio_frames_read_ = 0;  // sample frames read so far, the pending chunk's included
  int64_t last_frame_us_ = 0;
  int bytes_per_frame_ = 0;
  bool primed_ = false;
  std::optional<TimedRequest> next_frame_, next_chunk_;
  bool frames_ended_ = false, audio_ended_ = false;
};

}  // namespace burnout::capture
