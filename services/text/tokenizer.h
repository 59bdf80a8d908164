// Tokenisation shared by the text model's trainer and its inference, so both see the same
// features. The contract is versioned (kTokenizerVersion, stored in the model file): any change
// that alters the tokens of some text must bump it.
//
// Rules, in order:
//  - Input should be valid UTF-8 (IsValidUtf8); an invalid byte is read as U+FFFD, a separator.
//  - ASCII letters are lowercased, and so are the Latin-1 capitals U+00C0..U+00DE.
//  - A word is a run of letters/digits (any script). An apostrophe (' U+2018 U+2019 U+02BC)
//    between a word and an ASCII letter stays inside the word, straightened to '
//    ("I’m" -> "i'm", "can't" -> "can't"); elsewhere it separates.
//  - Within a word, a run of 3+ identical ASCII letters is cut to 2 ("sooooo" -> "soo").
//  - GoEmotions name masks ("[NAME]", "[RELIGION]") become one word: "[name]", "[religion]".
//  - A run of '!' / '?' becomes the token "?" (if the run has a '?') then "!" (if it has a '!').
//  - Each emoji or pictographic symbol is a token of its own; repeats in a row count once.
//    Joiners, variation selectors and skin-tone modifiers are dropped.
//  - Everything else (spaces, other punctuation, controls) separates tokens.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace burnout::text {

inline constexpr char kTokenizerVersion[] = "burnout-text-tokenizer/1";

struct Token {
  std::string text;  // normalised form, as listed in the model's vocabulary
  bool is_word;      // a word (letters/digits/name mask), not "!", "?" or a symbol
};

// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Decodes one well-formed UTF-8 code point at s[i] into *c and returns its length, or returns
// 0 (an invalid byte: stray continuation, overlong form, surrogate, > U+10FFFF, truncated).
int DecodeUtf8(std::string_view s, size_t i, char32_t* c);

// Appends code point `c` as UTF-8 (shared with the BPE tokenizer).
void AppendUtf8(char32_t c, std::string* out);

// Splits valid UTF-8 into normalised tokens following the rules above. Linear time.
std::vector<Token> Tokenize(std::string_view text);

}  // namespace burnout::text
