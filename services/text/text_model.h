// Text emotion models. The default: a bag of words and word pairs trained on GoEmotions
// (Ekman mapping; 7 labels: anger, disgust, fear, joy, neutral, sadness, surprise) by
// tools/train_text. Pure C++ at inference; no libtorch, no gRPC.
//
// Lifecycle: Load() once, then Analyze() from any number of threads (the model is immutable
// after Load).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/common.pb.h"

namespace burnout::text {

inline constexpr char kTextModelKind[] = "text-bag";

struct AnalyzeOptions {
  int evidence_per_label = 3;  // strongest tokens reported for each emotion
};

class TextModel {
 public:
  // Opens a model version directory (manifest.textproto + model file, checksum verified): a
  // "text-bag" model (the default, above) or a "torchscript-text" one (the seeds'
  // DistilRoBERTa, exported; torch_text_model.h). FAILED_PRECONDITION / DATA_LOSS naming the
  // file when it is missing, corrupt or of another kind.
  static absl::StatusOr<std::unique_ptr<TextModel>> Load(const std::string& model_dir);

  // Text must be valid, non-empty UTF-8 (the service validates; INVALID_ARGUMENT here too).
  // Returns a ModalityResult with modality TEXT: emotions (softmax, label names), embedding,
  // indicators (word_count, first_person_ratio, absolutist_ratio, fatigue_term_ratio,
  // negation_ratio, known_token_ratio), quality and quality_issues, evidence (per-token
  // contributions in logit units, strongest first), model info and timings.
  virtual absl::StatusOr<burnout::v1::ModalityResult> Analyze(
      std::string_view text, const AnalyzeOptions& options) const = 0;

  // Several texts at once, each answered as Analyze would. The TorchScript model runs them in
  // one forward (dynamic batching); the default runs them one by one.
  virtual std::vector<absl::StatusOr<burnout::v1::ModalityResult>> AnalyzeBatch(
      const std::vector<std::string_view>& texts, const AnalyzeOptions& options) const;

  // True when AnalyzeBatch runs a batch faster than its texts one by one (worth waiting a
  // moment for a batch to fill).
  virtual bool batches() const { return false; }

  virtual const std::vector<std::string>& labels() const = 0;
  // Per-label decision thresholds tuned at training time on held-out training data: a text
  // shows label l when its probability is >= thresholds()[l]; the most probable label always.
  virtual const std::vector<float>& thresholds() const = 0;
  virtual const burnout::v1::ModelInfo& info() const = 0;
  virtual ~TextModel() = default;
};

}  // namespace burnout::text
