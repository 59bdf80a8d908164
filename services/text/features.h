// Features of the bag model: every token ("happy", "!", "😂") and every pair of adjacent
// tokens joined by one space ("not happy"). Shared by the trainer (vocabulary building) and
// inference (lookup), so both extract exactly the same features.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "services/text/tokenizer.h"

namespace burnout::text {

// "a b": the feature string of the token pair (a, b).
std::string PairFeature(std::string_view a, std::string_view b);

// Appends all feature strings of `tokens` (unigrams, then pairs), repeats included.
void AppendFeatureStrings(const std::vector<Token>& tokens, std::vector<std::string>* out);

// One known feature found in a text: tokens[token] alone, or tokens[token], tokens[token + 1].
struct FeatureHit {
  int32_t id;
  int32_t token;
  bool pair;
};

// An immutable feature -> row map. Thread-safe after construction.
class FeatureVocab {
 public:
  FeatureVocab() = default;

  // `features`: unique, non-empty; the first `num_unigrams` contain no space, the rest are
  // exactly two tokens joined by one space. INVALID_ARGUMENT naming the first offender.
  static absl::StatusOr<FeatureVocab> Create(std::vector<std::string> features, int num_unigrams);

  // Row of `feature`, or -1.
  int32_t Find(std::string_view feature) const;

  // Appends the known features of `tokens` to *hits (unigrams in token order, then pairs) and
  // returns how many tokens are known unigrams.
  int Extract(const std::vector<Token>& tokens, std::vector<FeatureHit>* hits) const;

  int size() const { return static_cast<int>(features_.size()); }
  int num_unigrams() const { return num_unigrams_; }
  const std::string& feature(int32_t id) const { return features_[id]; }
  const std::vector<std::string>& features() const { return features_; }

 private:
  std::vector<std::string> features_;
  int num_unigrams_ = 0;
  absl::flat_hash_map<std::string, int32_t> index_;
};

}  // namespace burnout::text
