// Which language a text is in, so that text the English-only models cannot read lowers the
// result's quality with a reason instead of being scored silently. Compact Language Detector 2
// (Debian's libcld2), run on each sentence with English as the prior (a hint that keeps short,
// informal English - slang, names, "lol" - from being read as Danish or Malay), so mixed texts
// get an English share by bytes. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace burnout::text {

struct LanguageVerdict {
  // Bytes of letters CLD2 could judge (sentences under 20 such bytes are not judged).
  int judged_bytes = 0;
  double english_share = 1.0;  // of the judged bytes; 1 when nothing could be judged
  std::string main_language;   // the most frequent other language's English name ("German"), or ""
  std::string main_code;       // its code ("de"), or "en" / "" (nothing judged)
  bool too_short() const { return judged_bytes < kMinJudgedBytes; }
  static constexpr int kMinJudgedBytes = 30;
};

// `text` must be valid UTF-8.
LanguageVerdict DetectLanguage(std::string_view text);

}  // namespace burnout::text
