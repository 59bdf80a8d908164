// What every text model's result shares, whichever model made the emotions: input checks,
// the lexicon indicators (from the project's own tokenizer, so they mean the same under every
// model), and the short-text quality rule.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "burnout/v1/common.pb.h"
#include "services/text/lexicon.h"

namespace burnout::text {

// Texts with fewer words than this lose quality.
inline constexpr int kReliableWords = 5;

// INVALID_ARGUMENT unless `text` is valid UTF-8 with something besides white space.
absl::Status CheckAnalyzableText(std::string_view text);

void AddIndicator(const std::string& name, double value, const std::string& unit,
                  burnout::v1::ModalityResult* r);

// word_count, first_person_ratio, absolutist_ratio, fatigue_term_ratio, negation_ratio.
void AddLexiconIndicators(const LexiconCounts& counts, burnout::v1::ModalityResult* r);

// The quality factor for a text of `words` words (1 from kReliableWords up), adding the
// matching quality issue to `r`.
double WordCountQuality(int words, burnout::v1::ModalityResult* r);

}  // namespace burnout::text
