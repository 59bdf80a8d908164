// What the voice service serves, by the model directory's kind:
//   voice-acoustic     the default hand-set mapping (voice_model.h), unchanged;
//   torchscript-voice  a TorchScript model from the repository (torch_voice_model.h), e.g.
//                      superb/wav2vec2-base-superb-er exported by
//                      deploy/models/export_hf_models.py.
// Under both, decoding, resampling, the acoustic analysis, the quality checks, the indicators
// and the findings are the same signal processing; only the emotions and the embedding (and
// the evidence, which only the default model has) come from the model.
//
// A clip goes through in two halves so the service can batch the second: Prepare (signal
// processing, per clip, on the service's executor) and Complete (the model, over many clips
// at once: one forward for a TorchScript model). For voice-acoustic the model step is a few
// dozen multiply-adds, so Prepare already gives the whole result and Complete does nothing.
//
// No libtorch types here: common/torchscript's header is libtorch-free. Immutable after Load;
// every method may run from many threads at once.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/config.pb.h"
#include "common/torchscript/torchscript_model.h"
#include "services/voice/audio_decode.h"

namespace burnout::voice {

// A clip after the signal-processing half.
struct PreparedClip {
  // voice-acoustic: the whole result. torchscript-voice: everything but the emotions, the
  // embedding and the "forward" timing, which Complete adds.
  burnout::v1::ModalityResult result;
  // torchscript-voice: the model's input (mono, at the model's rate, at most max_seconds,
  // normalised when do_normalize).
  torchscript::ForwardInput input;
};

class ServedVoiceModel {
 public:
  // Opens a model version directory by its manifest's kind (voice-acoustic or
  // torchscript-voice) and checks everything (checksum, spec; for TorchScript the file's
  // location inside the directory, the forward signature and a warm-up forward).
  // FAILED_PRECONDITION / DATA_LOSS naming the file and what was expected; an unknown kind
  // names the kinds this service serves.
  static absl::StatusOr<std::unique_ptr<ServedVoiceModel>> Load(const std::string& dir);

  virtual ~ServedVoiceModel() = default;

  // True when Complete runs a neural forward worth batching (TorchScript).
  virtual bool batched() const = 0;

  // The signal-processing half. INVALID_ARGUMENT when the model cannot take the clip
  // (torchscript-voice: shorter than the spec's min_seconds).
  virtual absl::StatusOr<PreparedClip> Prepare(
      const DecodedAudio& audio, const burnout::v1::VoiceQualityConfig& quality) const = 0;

  // The model's half over several prepared clips at once; on error no clip is completed.
  virtual absl::Status Complete(absl::Span<PreparedClip* const> clips) const = 0;

  // Both halves for one clip (stream windows, warm-up).
  absl::StatusOr<burnout::v1::ModalityResult> Analyze(
      const DecodedAudio& audio, const burnout::v1::VoiceQualityConfig& quality) const;

  // The least audio Prepare accepts, in seconds (0 for voice-acoustic).
  virtual double min_seconds() const { return 0.0; }

  // The manifest's kind, and the name/version/sha256 results carry.
  virtual const std::string& kind() const = 0;
  virtual const burnout::v1::ModelInfo& info() const = 0;
};

}  // namespace burnout::voice
