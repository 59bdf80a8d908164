#include "services/text/tokenizer.h"

#include <cstdint>

namespace burnout::text {
namespace {

enum class Kind { kWord, kApostrophe, kBang, kQuestion, kSymbol, kIgnorable, kSeparator };

bool IsAsciiLetter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }

// Coarse Unicode classes by block; letters of every script are word characters, emoji and
// pictographs are symbols, punctuation blocks separate.
Kind Classify(char32_t c) {
  if (c < 0x80) {
    if (IsAsciiLetter(c) || IsAsciiDigit(c)) return Kind::kWord;
    if (c == '\'') return Kind::kApostrophe;
    if (c == '!') return Kind::kBang;
    if (c == '?') return Kind::kQuestion;
    return Kind::kSeparator;
  }
  if (c == 0x2018 || c == 0x2019 || c == 0x02BC) return Kind::kApostrophe;
  if (c == 0x200C || c == 0x200D || (c >= 0xFE00 && c <= 0xFE0F) ||
      (c >= 0x1F3FB && c <= 0x1F3FF) || (c >= 0xE0000 && c <= 0xE007F)) {
    return Kind::kIgnorable;  // joiners, variation selectors, skin tones, tag characters
  }
  if (c <= 0xBF || c == 0xD7 || c == 0xF7) return Kind::kSeparator;  // Latin-1 punctuation
  if (c < 0x2000) return Kind::kWord;                                // alphabets, marks
  if (c < 0x2070) return Kind::kSeparator;  // general punctuation and spaces
  if (c < 0x2C00) return Kind::kSymbol;     // currency, arrows, math, dingbats, misc symbols
  if (c < 0x2E00) return Kind::kWord;
  if (c < 0x2E80) return Kind::kSeparator;                  // supplemental punctuation
  if (c >= 0x3000 && c < 0x3040) return Kind::kSeparator;   // CJK punctuation
  if (c >= 0xE000 && c < 0xF900) return Kind::kSeparator;   // private use
  if (c >= 0xFE10 && c < 0xFE70) return Kind::kSeparator;   // compatibility punctuation forms
  if (c >= 0xFFF0 && c < 0x10000) return Kind::kSeparator;  // specials, U+FFFD
  if (c >= 0x1F000 && c < 0x1FB00) return Kind::kSymbol;    // emoji, pictographs, flags
  if (c >= 0xF0000) return Kind::kSeparator;                // private use planes
  return Kind::kWord;
}

// Decodes the code point at s[*pos] and advances *pos past it. A byte that does not start a
// valid UTF-8 sequence (overlong forms, surrogates, stray continuation bytes) is U+FFFD, a
// separator, and advances one byte: any input makes progress, and no invalid sequence can pass
// for ASCII punctuation (an overlong "?" once made the "!?" run below loop forever).
char32_t Decode(std::string_view s, size_t* pos) {
  char32_t c = 0;
  const int len = DecodeUtf8(s, *pos, &c);
  if (len == 0) {
    ++*pos;
    return 0xFFFD;
  }
  *pos += len;
  return c;
}

char32_t Lower(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 32;
  return c;
}

// Builds one word, cutting runs of 3+ identical ASCII letters to 2.
class WordBuilder {
 public:
  void Add(char32_t c) {
    if (IsAsciiLetter(c)) {
      run_ = (c == last_) ? run_ + 1 : 1;
      last_ = c;
      if (run_ >= 3) return;
    } else {
      last_ = 0;
      run_ = 0;
    }
    AppendUtf8(c, &word_);
  }
  bool empty() const { return word_.empty(); }
  void Flush(std::vector<Token>* out) {
    if (!word_.empty()) out->push_back(Token{std::move(word_), true});
    word_.clear();
    last_ = 0;
    run_ = 0;
  }

 private:
  std::string word_;
  char32_t last_ = 0;
  int run_ = 0;
};

// Matches "[Letters]" at s[pos] ('[' there); returns its length or 0.
size_t MaskLength(std::string_view s, size_t pos) {
  size_t i = pos + 1;
  while (i < s.size() && i - pos <= 24 && IsAsciiLetter(static_cast<unsigned char>(s[i]))) ++i;
  if (i == pos + 1 || i >= s.size() || s[i] != ']') return 0;
  return i + 1 - pos;
}

}  // namespace

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

int DecodeUtf8(std::string_view s, size_t i, char32_t* c) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    *c = b0;
    return 1;
  }
  int len;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  char32_t v = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    v = (v << 6) | (b & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *c = v;
  return len;
}

bool IsValidUtf8(std::string_view s) {
  char32_t c;
  for (size_t i = 0; i < s.size();) {
    const int len = DecodeUtf8(s, i, &c);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::vector<Token> Tokenize(std::string_view s) {
  std::vector<Token> out;
  WordBuilder word;
  size_t pos = 0;
  while (pos < s.size()) {
    if (s[pos] == '[') {
      if (size_t n = MaskLength(s, pos); n > 0) {
        word.Flush(&out);
        std::string p;
        for (size_t i = pos; i < pos + n; ++i) p.push_back(static_cast<char>(Lower(s[i])));
        out.push_back(Token{std::move(p), true});
        pos += n;
        continue;
      }
    }
    const size_t start = pos;
    const char32_t c = Decode(s, &pos);
    switch (Classify(c)) {
      case Kind::kWord:
        word.Add(Lower(c));
        break;
      case Kind::kIgnorable:
        break;
      case Kind::kApostrophe: {
        size_t peek = pos;
        const bool inside = !word.empty() && peek < s.size() && IsAsciiLetter(Decode(s, &peek));
        if (inside) {
          word.Add('\'');
        } else {
          word.Flush(&out);
        }
        break;
      }
      case Kind::kBang:
      case Kind::kQuestion: {
        word.Flush(&out);
        bool bang = false, question = false;
        pos = start;
        while (pos < s.size() && (s[pos] == '!' || s[pos] == '?')) {
          (s[pos] == '!' ? bang : question) = true;
          ++pos;
        }
        if (question) out.push_back(Token{"?", false});
        if (bang) out.push_back(Token{"!", false});
        break;
      }
      case Kind::kSymbol: {
        word.Flush(&out);
        std::string sym(s.substr(start, pos - start));
        if (out.empty() || out.back().is_word || out.back().text != sym) {
          out.push_back(Token{std::move(sym), false});
        }
        break;
      }
      case Kind::kSeparator:
        word.Flush(&out);
        break;
    }
  }
  word.Flush(&out);
  return out;
}

}  // namespace burnout::text
