// The seeds' text model served from the repository: a "torchscript-text" entry (DistilRoBERTa
// fine-tuned on emotions, exported by deploy/models/export_hf_models.py), tokenised exactly as
// RoBERTa does (bpe_tokenizer.h) and run by libtorch (common/torchscript). Emotions and the
// embedding are the model's; the lexicon indicators and the short-text quality rule are the
// same as the default model's (text_result.h), so fusion sees the same indicators under both.
// Texts longer than the model's max_length are cut, with a quality issue and the
// `truncated` / `token_count` indicators saying so.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/text/text_model.h"

namespace burnout::text {

// Loads and checks (manifest, checksum, tokenizer files inside the directory, signature,
// warm-up forward) a torchscript-text model directory.
absl::StatusOr<std::unique_ptr<TextModel>> LoadTorchTextModel(const std::string& model_dir);

}  // namespace burnout::text
