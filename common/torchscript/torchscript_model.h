// A TorchScript model from the model repository: the emotion kinds torchscript-text, -voice,
// -face and -face-gray, and the face landmark kind torchscript-face-landmarks (the signatures
// are documented on TorchScriptSpec in proto/burnout/v1/model.proto).
// This header has no libtorch types, so the services that use it compile without libtorch's
// headers; only torchscript_model.cc includes them.
//
// Load() checks everything before the model may serve: the manifest (kind, labels, embedding
// size, the input spec for the kind), the file's SHA-256, that every file the manifest names
// lies inside the model directory, the forward signature, and a warm-up forward of a batch of
// two whose outputs must have the declared shapes and be finite. Each failure names the file
// and what was expected.
//
// Image models run with their 4-D weights and inputs in channels-last memory order (the
// oneDNN convolutions libtorch picks for it are 1.3-2x faster here on small face crops).
//
// Thread-safe after Load: Forward may run from many threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/model.pb.h"

namespace burnout::torchscript {

inline constexpr char kTextKind[] = "torchscript-text";
inline constexpr char kVoiceKind[] = "torchscript-voice";
inline constexpr char kFaceKind[] = "torchscript-face";
inline constexpr char kFaceGrayKind[] = "torchscript-face-gray";
inline constexpr char kLandmarksKind[] = "torchscript-face-landmarks";

// The kinds whose input is a face image (pixel_values [B, C, S, S]).
bool IsImageKind(absl::string_view kind);
// Channels of an image kind's input: 1 for torchscript-face-gray, else 3.
int ImageChannels(absl::string_view kind);

// One request's input, unpadded.
struct ForwardInput {
  std::vector<int64_t> ids;   // torchscript-text: token ids (with <s> ... </s>)
  std::vector<float> values;  // -voice: normalised samples; image kinds: C x S x S, channel-major
};

struct ForwardOutput {
  std::vector<float> probabilities;  // emotion kinds: softmax of the logits, in labels() order
  std::vector<float> embedding;      // emotion kinds: spec().embedding_dim() values
  std::vector<float> landmarks;      // landmark kind: landmarks.count x (x, y, z), crop units
  float face_score = 0.0f;           // landmark kind: in [0, 1]
};

struct LoadOptions {
  int64_t pad_id = 1;  // torchscript-text: the id padding takes (the tokenizer's <pad>)
};

class TorchScriptModel {
 public:
  // `kind` is one of the kinds above. The model is warmed up before this returns.
  static absl::StatusOr<std::unique_ptr<TorchScriptModel>> Load(const std::string& dir,
                                                                absl::string_view kind,
                                                                LoadOptions options = {});
  ~TorchScriptModel();

  // One forward over the batch: token ids are padded to the longest (with an attention mask);
  // audio is padded likewise when the model takes a mask, and otherwise grouped by length,
  // one forward per length, since padding would change a group-norm model's output; images
  // are stacked. INVALID_ARGUMENT for an input of the wrong size; INTERNAL if libtorch fails.
  absl::StatusOr<std::vector<ForwardOutput>> Forward(
      absl::Span<const ForwardInput* const> batch) const;

  // The landmark kind's `eyes` method (spec().landmarks().eyes()): each input is 3 x S x S,
  // each output (contour + iris) x 3 values in crop units. FAILED_PRECONDITION when the model
  // has no eye method; INVALID_ARGUMENT for an input of the wrong size; INTERNAL if libtorch
  // fails.
  absl::StatusOr<std::vector<std::vector<float>>> ForwardEyes(
      absl::Span<const ForwardInput* const> batch) const;

  const burnout::v1::ModelManifest& manifest() const { return manifest_; }
  const burnout::v1::TorchScriptSpec& spec() const { return manifest_.torchscript(); }
  const burnout::v1::ModelInfo& info() const { return info_; }
  const std::string& dir() const { return dir_; }
  const std::string& model_path() const { return model_path_; }
  // A file the manifest names (tokenizer files), resolved inside the model directory.
  absl::StatusOr<std::string> File(const std::string& relative, const std::string& what) const;

 private:
  TorchScriptModel() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string dir_, model_path_, kind_;
  burnout::v1::ModelManifest manifest_;
  burnout::v1::ModelInfo info_;
  LoadOptions options_;
};

// Checks a manifest's TorchScriptSpec for `kind` (labels unique and non-empty, embedding_dim,
// the kind's input spec): FAILED_PRECONDITION naming `manifest_path` and the field.
absl::Status ValidateSpec(const burnout::v1::TorchScriptSpec& spec, absl::string_view kind,
                          const std::string& manifest_path);

// Zero mean, unit variance (variance + 1e-7), as Wav2Vec2FeatureExtractor normalises.
void NormalizeUtterance(std::vector<float>* samples);

// libtorch's intra-op and inter-op thread counts (n <= 0 leaves them alone).
void SetTorchThreads(int n);

// OpenBLAS's thread count, when libtorch runs on OpenBLAS (n <= 0 leaves it alone). False when
// no OpenBLAS is loaded.
bool SetBlasThreads(int n);

}  // namespace burnout::torchscript
