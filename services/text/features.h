// Features of the bag model, shared by the trainer (vocabulary building) and inference (lookup)
// so both extract exactly the same ones:
//  - every token ("happy", "!", "😂"), weight 1;
//  - every pair of adjacent tokens joined by one space ("not happy"), weight 1;
//  - optionally the character n-grams ("subwords", counted in code points) of each word
//    wrapped as "<word>", min_n <= n <= max_n, the whole "<word>" excluded; the known subwords
//    of one word share the weight `subword_weight` equally.
// Rows: tokens, then pairs, then subwords.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/text/tokenizer.h"

namespace burnout::text {

struct SubwordSpec {
  int min_n = 0;  // 0: no subword features
  int max_n = 0;
  float weight = 0;
};

// "a b": the feature string of the token pair (a, b).
std::string PairFeature(std::string_view a, std::string_view b);

// True for the tokens that get subwords: words, not "[name]"-style masks.
bool HasSubwords(const Token& token);

// Appends the subword strings of `word` (see above), repeats included.
void AppendSubwords(std::string_view word, int min_n, int max_n, std::vector<std::string>* out);

// One known feature found in a text: tokens[token] alone or with its subword (kind kSubword),
// or the pair tokens[token], tokens[token + 1].
struct FeatureHit {
  enum Kind : uint8_t { kToken, kPair, kSubword };
  int32_t id;
  int32_t token;
  Kind kind;
  float weight;
};

// An immutable feature -> row map. Thread-safe after construction.
class FeatureVocab {
 public:
  FeatureVocab() = default;

  // `features`: unique; the first `num_unigrams` are single tokens (non-empty, no space), the
  // rest are exactly two tokens joined by one space. `subwords`: unique, non-empty, and empty
  // unless spec.min_n > 0 (then 1 <= min_n <= max_n <= 16 and weight > 0).
  // INVALID_ARGUMENT naming the first offender.
  static absl::StatusOr<FeatureVocab> Create(std::vector<std::string> features, int num_unigrams,
                                             std::vector<std::string> subwords = {},
                                             SubwordSpec spec = {});

  // Row of a token or pair feature, or -1.
  int32_t Find(std::string_view feature) const;

  // Appends the known features of `tokens` to *hits and returns how many tokens are known
  // (single-token features).
  int Extract(const std::vector<Token>& tokens, std::vector<FeatureHit>* hits) const;

  int rows() const { return static_cast<int>(features_.size() + subwords_.size()); }
  int num_unigrams() const { return num_unigrams_; }
  const std::vector<std::string>& features() const { return features_; }
  const std::vector<std::string>& subwords() const { return subwords_; }
  const SubwordSpec& subword_spec() const { return spec_; }
  // The text a hit stands for: its token, or "a b" for a pair.
  std::string Surface(const FeatureHit& hit, const std::vector<Token>& tokens) const;

 private:
  std::vector<std::string> features_;
  std::vector<std::string> subwords_;
  int num_unigrams_ = 0;
  SubwordSpec spec_;
  absl::flat_hash_map<std::string, int32_t> index_;
  absl::flat_hash_map<std::string, int32_t> subword_index_;  // row = features_.size() + i
};

}  // namespace burnout::text
