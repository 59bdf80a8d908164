// Small TorchScript models with exactly the exported signatures (TorchScriptSpec in
// proto/burnout/v1/model.proto), written with libtorch's Module::define, as repository entries
// (model.pt + manifest.textproto, and for text a byte-level vocab.json + merges.txt). Tests,
// benchmarks and `burnout-make-tiny-model` use them to prove the TorchScript serving path
// without the real weights, which no machine here can download.
//
// They compute something deterministic from their input (masked mean-pooled token
// embeddings; utterance energy and zero-crossing statistics; per-channel image statistics),
// so padding mistakes, batch mix-ups and version switches show in their outputs. Weights are
// random from `seed`; a model's outputs mean nothing beyond that.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace burnout::torchscript {

enum class TinyVariant {
  kGood,
  kWrongInputs,        // forward takes the wrong number of inputs
  kWrongLabelCount,    // one more logit than the manifest's labels
  kWrongEmbeddingDim,  // embedding one wider than the manifest says
  kNotTuple,           // returns the logits alone
  kNonFinite,          // returns NaN logits
  kFixedBatch,         // only works at batch size 1 (the warm-up uses 2)
};

struct TinyModelOptions {
  std::string kind;     // torchscript-text, -voice or -face
  std::string name = "tiny";
  std::string version = "1";
  std::vector<std::string> labels;  // empty: the kind's real labels (7 / 4 / 7)
  int embedding_dim = 16;
  uint64_t seed = 1;
  TinyVariant variant = TinyVariant::kGood;
  // torchscript-text: copy vocab.json and merges.txt from here (e.g. the RoBERTa files);
  // empty writes a byte-level vocabulary (4 specials, 256 bytes, 3 merges, <mask>).
  std::string tokenizer_dir;
  int max_length = 64;
  int image_size = 32;  // torchscript-face
};

// Writes the entry into `dir` (created). INTERNAL when libtorch or the file system fails.
absl::Status WriteTinyModel(const std::string& dir, const TinyModelOptions& options);

// The labels the seeds' models emit, per kind.
std::vector<std::string> DefaultLabels(const std::string& kind);

}  // namespace burnout::torchscript
