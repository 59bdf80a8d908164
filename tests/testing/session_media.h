// Media for live-session tests and benchmarks (library burnout_test_media): a video of faces
// on a plain background and a WAV of espeak-ng speech, generated on the fly so nothing
// binary is checked in. Thread-safe (no shared state).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace burnout::testutil {

// The shared photographs with faces (<shared_dir>/data/faces/astronaut.png, camera.png) that
// exist; empty when the shared folder is absent (callers skip, saying so).
std::vector<std::string> SharedFaceImages(const std::string& shared_dir = "../shared");

// An MJPG .avi of round(seconds * fps) frames, width x height: a plain background with one
// of `face_images` pasted in (about 60% of the frame height), drifting a little from frame
// to frame, the next image every 3 s. No images: the background alone (a face-less video).
// NOT_FOUND for an image that cannot be read, INVALID_ARGUMENT for a non-positive size, rate
// or length, INTERNAL when OpenCV cannot write the file.
absl::Status WriteFaceVideo(const std::string& path, const std::vector<std::string>& face_images,
                            double seconds, double fps, int width, int height);

// espeak-ng's SpeechCorpus utterances, one after another with 0.4 s pauses, until at least
// `min_seconds`: mono 16 kHz samples. UNAVAILABLE when espeak-ng is not installed.
absl::StatusOr<std::vector<float>> SpeechSamples(double min_seconds);

// SpeechSamples written as a 16 kHz mono 16-bit WAV (libsndfile).
absl::Status WriteSpeechWav(const std::string& path, double min_seconds);

}  // namespace burnout::testutil
