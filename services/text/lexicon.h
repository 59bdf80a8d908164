// The small word lists behind the text indicators, all in lexicon.cc (one place to review).
// They match normalised tokens (see tokenizer.h), so they are lowercase with ' apostrophes.
#pragma once

#include <vector>

#include "services/text/tokenizer.h"

namespace burnout::text {

// Counts over one tokenised text. Ratios are per word (tokens with is_word), 0 without words.
struct LexiconCounts {
  int words = 0;
  int first_person = 0;  // I, me, my, mine, myself and I-contractions
  int absolutist = 0;    // absolutist words (Al-Mosaiwi & Johnstone 2018)
  int fatigue = 0;       // fatigue / burnout terms; a two-word term ("worn out") counts once
  int negation = 0;      // negators, incl. any "...n't" word
};

LexiconCounts CountLexicon(const std::vector<Token>& tokens);

}  // namespace burnout::text
