#include "services/text/text_result.h"

#include "absl/strings/str_cat.h"
#include "services/text/tokenizer.h"

namespace burnout::text {
namespace {

// True if every code point of valid UTF-8 `text` is white space (ASCII or Unicode spaces,
// zero-width space, BOM).
bool IsBlank(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b == ' ' || (b >= '\t' && b <= '\r')) {
      ++i;
      continue;
    }
    const std::string_view rest = text.substr(i);
    static constexpr std::string_view kSpaces[] = {
        "\u00A0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004",
        "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200A", "\u200B",
        "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\uFEFF"};
    bool space = false;
    for (std::string_view s : kSpaces) {
      if (rest.substr(0, s.size()) == s) {
        i += s.size();
        space = true;
        break;
      }
    }
    if (!space) return false;
  }
  return true;
}

}  // namespace

absl::Status CheckAnalyzableText(std::string_view text) {
  if (!IsValidUtf8(text)) return absl::InvalidArgumentError("text is not valid UTF-8");
  if (IsBlank(text)) return absl::InvalidArgumentError("text is empty or only white space");
  return absl::OkStatus();
}

void AddIndicator(const std::string& name, double value, const std::string& unit,
                  burnout::v1::ModalityResult* r) {
  auto* ind = r->add_indicators();
  ind->set_name(name);
  ind->set_value(value);
  ind->set_unit(unit);
}

void AddLexiconIndicators(const LexiconCounts& counts, burnout::v1::ModalityResult* r) {
  const double words = counts.words;
  auto per_word = [words](int n) { return words > 0 ? n / words : 0.0; };
  AddIndicator("word_count", words, "count", r);
  AddIndicator("first_person_ratio", per_word(counts.first_person), "ratio", r);
  AddIndicator("absolutist_ratio", per_word(counts.absolutist), "ratio", r);
  AddIndicator("fatigue_term_ratio", per_word(counts.fatigue), "ratio", r);
  AddIndicator("negation_ratio", per_word(counts.negation), "ratio", r);
}

double WordCountQuality(int words, burnout::v1::ModalityResult* r) {
  if (words == 0) {
    r->add_quality_issues("no words, only symbols or punctuation; the estimate is a guess");
    return 0.1;
  }
  if (words < kReliableWords) {
    r->add_quality_issues(absl::StrCat("only ", words, words == 1 ? " word" : " words",
                                       "; short texts are unreliable"));
    return 0.2 + 0.16 * words;
  }
  return 1.0;
}

}  // namespace burnout::text
