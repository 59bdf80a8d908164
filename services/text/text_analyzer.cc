#include "services/text/text_analyzer.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/text/text_result.h"

namespace burnout::text {

TextAnalyzer::TextAnalyzer(std::unique_ptr<TextModel> model, std::shared_ptr<const BurnoutLexicon> lexicon,
                           bool detect_language)
    : model_(std::move(model)), lexicon_(std::move(lexicon)), detect_language_(detect_language) {}

void ApplyLanguage(const LanguageVerdict& v, burnout::v1::ModalityResult* r) {
  AddIndicator("english_share", v.english_share, "ratio", r);
  auto& details = *r->mutable_details();
  if (v.too_short()) {
    details["language"] = "too short to tell";
    return;
  }
  details["language"] = v.english_share >= 0.5 || v.main_code.empty() ? "en" : v.main_code;
  if (v.english_share >= 0.8 || v.main_language.empty()) return;
  if (v.english_share < 0.2) {
    r->set_quality(r->quality() * 0.2f);
    r->add_quality_issues(absl::StrCat("text looks ", v.main_language, "; the text model reads English only"));
  } else {
    r->set_quality(static_cast<float>(r->quality() * v.english_share));
    r->add_quality_issues(absl::StrFormat("text is partly %s (about %.0f%%); the text model reads English only",
                                          v.main_language, 100 * (1 - v.english_share)));
  }
}

void TextAnalyzer::Complete(std::string_view text, burnout::v1::ModalityResult* r) const {
  const auto start = std::chrono::steady_clock::now();
  if (lexicon_) {
    lexicon_->AddTo(lexicon_->Read(text), r);
    (*r->mutable_details())["burnout_lexicon"] =
        absl::StrCat(lexicon_->info().name(), "/", lexicon_->info().version(), " sha256 ", lexicon_->info().sha256());
  }
  if (detect_language_) ApplyLanguage(DetectLanguage(text), r);
  auto* t = r->add_timings();
  t->set_stage("dimensions_language");
  t->set_millis(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
}

absl::StatusOr<burnout::v1::ModalityResult> TextAnalyzer::Analyze(std::string_view text,
                                                                  const AnalyzeOptions& options) const {
  absl::StatusOr<burnout::v1::ModalityResult> r = model_->Analyze(text, options);
  if (r.ok()) Complete(text, &*r);
  return r;
}

std::vector<absl::StatusOr<burnout::v1::ModalityResult>> TextAnalyzer::AnalyzeBatch(
    const std::vector<std::string_view>& texts, const AnalyzeOptions& options) const {
  auto results = model_->AnalyzeBatch(texts, options);
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok()) Complete(texts[i], &*results[i]);
  }
  return results;
}

}  // namespace burnout::text
