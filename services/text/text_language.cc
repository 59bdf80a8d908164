#include "services/text/text_language.h"

#include <cstdio>  // compact_lang_det.h uses FILE without including it
#include <map>
#include <vector>

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

namespace burnout::text {
namespace {

constexpr int kMinSentenceBytes = 20;

// Sentences: split after . ! ? and line breaks.
std::vector<std::string_view> Sentences(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' || c == '!' || c == '?' || c == '\n') {
      if (i + 1 > start) out.push_back(text.substr(start, i + 1 - start));
      start = i + 1;
    }
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

}  // namespace

LanguageVerdict DetectLanguage(std::string_view text) {
  LanguageVerdict v;
  std::map<CLD2::Language, int> bytes_by_language;
  int english = 0;
  for (std::string_view sentence : Sentences(text)) {
    CLD2::CLDHints hints{nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::ENGLISH};
    CLD2::Language language3[3];
    int percent3[3];
    double scores3[3];
    int text_bytes = 0, valid_prefix = 0;
    bool reliable = false;
    const CLD2::Language top = CLD2::ExtDetectLanguageSummaryCheckUTF8(
        sentence.data(), static_cast<int>(sentence.size()), true, &hints, 0, language3, percent3, scores3, nullptr,
        &text_bytes, &reliable, &valid_prefix);
    if (text_bytes < kMinSentenceBytes || !reliable || top == CLD2::UNKNOWN_LANGUAGE) continue;
    v.judged_bytes += text_bytes;
    if (top == CLD2::ENGLISH) {
      english += text_bytes;
    } else {
      bytes_by_language[top] += text_bytes;
    }
  }
  if (v.judged_bytes == 0) return v;
  v.english_share = static_cast<double>(english) / v.judged_bytes;
  CLD2::Language main = CLD2::UNKNOWN_LANGUAGE;
  int most = 0;
  for (const auto& [language, bytes] : bytes_by_language) {
    if (bytes > most) {
      most = bytes;
      main = language;
    }
  }
  if (main != CLD2::UNKNOWN_LANGUAGE) {
    v.main_language = CLD2::LanguageName(main);
    v.main_code = CLD2::LanguageCode(main);
    // CLD2's names are upper case ("GERMAN"): "German".
    for (size_t i = 1; i < v.main_language.size(); ++i) {
      if (v.main_language[i - 1] != ' ' && v.main_language[i - 1] != '_') {
        v.main_language[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(v.main_language[i])));
      }
    }
    for (char& c : v.main_language) {
      if (c == '_') c = ' ';
    }
  } else {
    v.main_code = "en";
  }
  return v;
}

}  // namespace burnout::text
