// What the text service runs on one text: the emotion model (text_model.h), the burnout
// dimensions (burnout_lexicon.h) and the language check (text_language.h), merged into one
// ModalityResult. Immutable and thread-safe; the service swaps whole analyzers on a reload.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/common.pb.h"
#include "services/text/burnout_lexicon.h"
#include "services/text/text_language.h"
#include "services/text/text_model.h"

namespace burnout::text {

class TextAnalyzer {
 public:
  // `lexicon` may be null (no dimensions are reported).
  TextAnalyzer(std::unique_ptr<TextModel> model, std::shared_ptr<const BurnoutLexicon> lexicon,
               bool detect_language = true);

  // The model's result plus, when a lexicon is set, the five dimension indicators with their
  // phrases as evidence (label = the dimension, `context` = how the text used it), and the
  // language verdict (indicator english_share, details["language"], and for text that is not
  // English lower quality with the reason).
  absl::StatusOr<burnout::v1::ModalityResult> Analyze(std::string_view text, const AnalyzeOptions& options) const;
  std::vector<absl::StatusOr<burnout::v1::ModalityResult>> AnalyzeBatch(const std::vector<std::string_view>& texts,
                                                                        const AnalyzeOptions& options) const;
  bool batches() const { return model_->batches(); }
  const TextModel& model() const { return *model_; }
  const BurnoutLexicon* lexicon() const { return lexicon_.get(); }

 private:
  void Complete(std::string_view text, burnout::v1::ModalityResult* r) const;
  std::unique_ptr<TextModel> model_;
  std::shared_ptr<const BurnoutLexicon> lexicon_;
  bool detect_language_;
};

// The language verdict's effect on a result (exposed for tests): below 20% English the quality is
// multiplied by 0.2 ("text looks German; the text model reads English only"), between 20% and 80%
// by the English share ("text is partly German (about 40%) ..."); too little text to tell changes
// nothing. Adds the english_share indicator and details["language"].
void ApplyLanguage(const LanguageVerdict& verdict, burnout::v1::ModalityResult* r);

}  // namespace burnout::text
