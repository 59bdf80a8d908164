// A "torchscript-voice" model served by the voice service (the seeds' speech-emotion model,
// superb/wav2vec2-base-superb-er, exported by deploy/models/export_hf_models.py; or a tiny
// test model from common/torchscript/tiny_models.h).
//
// Per clip: the same signal processing as the default model (served_model.h), with the
// findings and the acoustic `arousal` / `tension` indicators measured against the default
// mapping's literature references (ReferenceVoiceSpec), so they read the same under either
// model. The model's input is prepared as Wav2Vec2FeatureExtractor does: the decoded mono
// audio at the spec's sample_rate (resampled with soxr when it is not the 16 kHz analysis
// rate), its first max_seconds only (a longer clip gets the quality issue "cut: ..." and the
// `truncated` indicator; quality is not lowered, since the measurements still cover the whole
// clip), refused below min_seconds (INVALID_ARGUMENT), and normalised to zero mean and unit
// variance when do_normalize. Emotions are the softmax of the logits under the manifest's
// labels; the embedding is the model's, with model_id "name/version"; the result's model is
// the manifest's name, version and sha256. The model gives no per-measurement contributions,
// so the result has no evidence, and a finding says so.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/voice/served_model.h"

namespace burnout::voice {

// Loads and checks a torchscript-voice version directory (TorchScriptModel::Load: manifest,
// spec, checksum, file inside the directory, signature, warm-up forward).
absl::StatusOr<std::unique_ptr<ServedVoiceModel>> LoadTorchVoiceModel(const std::string& dir);

}  // namespace burnout::voice
