// RoBERTa's byte-level BPE tokenizer (GPT-2's encoding, as in Hugging Face's RobertaTokenizer
// and the tokenizers library's ByteLevel BPE), reproducing their token ids exactly from the
// model's vocab.json and merges.txt.
//
// Pipeline, in order:
//  1. add_prefix_space: a space is prepended when the text is non-empty and does not start with
//     ' ' (once, for the whole text, as RobertaTokenizer does).
//  2. Special tokens written in the text (<s>, </s>, <pad>, <unk>, <mask>; matched exactly, on
//     the text as given) become single tokens; <mask> has lstrip: it swallows the white space
//     before it. The pieces between them are tokenized independently.
//  3. lowercase: each piece is lowercased code point by code point (full Unicode mapping).
//  4. Pre-tokenization by GPT-2's pattern
//       's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//     (\p{L} = Lu Ll Lt Lm Lo, \p{N} = Nd Nl No, \s = Unicode White_Space; leftmost-first
//     alternation, so a run of spaces before a word leaves its last space to the word).
//  5. Each pre-token's UTF-8 bytes are merged by BPE rank (lowest rank first, leftmost first
//     among equal ranks) into vocabulary tokens.
//
// Text should be UTF-8. Invalid bytes never fail: each is a token character of its own (in the
// punctuation class) and is encoded byte-wise, so Decode still returns the input's bytes.
//
// Thread safety: a loaded tokenizer is immutable apart from an internal, bounded, mutex-sharded
// cache of per-word results; every const method may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace burnout::text {

struct BpeOptions {
  bool add_prefix_space = false;  // RoBERTa default false
  bool lowercase = false;
  std::string pad_token = "<pad>", bos_token = "<s>", eos_token = "</s>", unk_token = "<unk>";
  std::string mask_token = "<mask>";  // lstrip special token; empty: none
};

struct BpeEncoding {
  std::vector<int64_t> ids;  // with <s> ... </s> when special tokens were added
  bool truncated = false;    // the text had more tokens than max_length allowed
  int full_length = 0;       // tokens the text would have had untruncated (incl. specials)
};

class RobertaTokenizer {
 public:
  // vocab.json (an object of token -> id) and merges.txt (an optional "#version" header line,
  // then "left right" per line; the line order is the merge rank). FAILED_PRECONDITION naming
  // the file and the problem: missing or unreadable, not JSON, an entry that is not a
  // non-negative integer, two tokens sharing an id, a malformed merge line, a merge whose parts
  // or result are not in the vocab, a byte or special token missing from the vocab.
  static absl::StatusOr<std::unique_ptr<RobertaTokenizer>> Load(const std::string& vocab_path,
                                                                const std::string& merges_path,
                                                                BpeOptions options = {});

  ~RobertaTokenizer();
  RobertaTokenizer(const RobertaTokenizer&) = delete;
  RobertaTokenizer& operator=(const RobertaTokenizer&) = delete;

  // Token ids of `text` without <s> ... </s> around them (special tokens written in the text
  // are still recognised, as Hugging Face does with add_special_tokens=False).
  std::vector<int64_t> EncodeOrdinary(std::string_view text) const;

  // Adds <s> and </s> when add_special_tokens; truncates to max_length (counting the specials;
  // keeps the beginning, always ends with </s> when specials are added) and sets `truncated`.
  // max_length <= 0: no limit. With specials and max_length == 1 the result is [</s>].
  BpeEncoding Encode(std::string_view text, int max_length, bool add_special_tokens = true) const;

  // Vocabulary strings of the ids, e.g. "Ġquick"; ids not in the vocabulary give unk_token.
  std::vector<std::string> Tokens(const std::vector<int64_t>& ids) const;

  // The bytes the ids stand for. Special tokens and ids not in the vocabulary are dropped.
  std::string Decode(const std::vector<int64_t>& ids) const;

  int64_t pad_id() const { return pad_id_; }
  int64_t bos_id() const { return bos_id_; }
  int64_t eos_id() const { return eos_id_; }
  int64_t unk_id() const { return unk_id_; }
  int64_t mask_id() const { return mask_id_; }  // -1 without a mask token
  size_t vocab_size() const { return vocab_size_; }

 private:
  struct Tables;     // merges, byte ids, id -> token
  class WordCache;   // sharded, bounded
  struct Special {
    std::string text;
    int64_t id;
    bool lstrip;
  };

  RobertaTokenizer();
  void EncodePiece(absl::string_view piece, std::vector<int64_t>* out) const;
  void EncodeWord(absl::string_view word, std::vector<int64_t>* out) const;
  void BpeWord(absl::string_view word, std::vector<int64_t>* out) const;

  BpeOptions options_;
  std::unique_ptr<Tables> tables_;
  std::unique_ptr<WordCache> cache_;
  std::vector<Special> specials_;
  int64_t pad_id_ = -1, bos_id_ = -1, eos_id_ = -1, unk_id_ = -1, mask_id_ = -1;
  size_t vocab_size_ = 0;
};

}  // namespace burnout::text
