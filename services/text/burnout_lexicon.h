// The burnout dimensions of a text: words and phrases scored towards exhaustion, overload,
// mental distance, reduced efficacy and recovery (a lexicon, kind "text-burnout-lexicon",
// written by burnout-build-lexicon from services/text/data/burnout_terms.tsv), with the rules
// that change what a phrase means:
//
//  - Clauses. The text is split at . , ; : ! ? and line breaks, and at the lexicon's
//    clause-break words (and, but, because ...); every rule below looks only inside a clause.
//  - Terms. At each position the longest matching term wins (ties: the higher weight, then the
//    earlier term); its words are then used up. A term word ending in '*' matches any word it
//    starts; "_" skips up to two words.
//  - Negation. A negator starting up to `negation_window` words before the term ("not tired",
//    "I don't enjoy it") turns it into its `negated_dimension` at `negated_weight`, or into
//    nothing when it has none (the match is still reported, with weight 0).
//  - The past and loss. A past marker anywhere else in the clause ("used to", "no longer")
//    means the term is about the past: a positive term counts towards `loss_dimension` at
//    weight x loss_factor ("I used to love this work" is loss, not present joy), a complaint
//    counts `past_relief_weight` towards `relief_dimension` ("I'm no longer exhausted"). A loss
//    marker ("anymore", "I miss") turns a positive term into loss the same way but leaves a
//    complaint as it is ("I don't care anymore" is a present complaint). Negation comes first:
//    "I don't enjoy it anymore" is a negated enjoyment.
//  - Intensity. An intensifier ("so", "really") or diminisher ("a bit") starting up to
//    `modifier_window` words before multiplies the weight by intensifier_factor or
//    diminisher_factor; a chronicity marker in the clause ("every day", "never stop") by
//    chronic_factor (not for negated or past terms).
//  - Who. The nearest subject word before the term in its clause: the writer ("I", "my", "we")
//    or nobody leaves the weight; someone else ("he", "my boss") multiplies it by
//    other_person_factor.
//
// A dimension's score is 1 - exp(-raw / saturation), raw the sum of its matches' weights: one
// direct statement ("I am exhausted", weight 1) gives 0.63, two 0.86. Scores say how strongly
// the text speaks of a dimension, not how long it is. Plain C++; immutable and thread-safe
// after Load.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/model.pb.h"

namespace burnout::text {

inline constexpr char kLexiconKind[] = "text-burnout-lexicon";

struct DimensionMatch {
  int dimension = -1;     // the dimension it counted for (after negation / loss)
  int term = -1;          // index in the lexicon's terms
  std::string surface;    // the words as written (normalised), attached modifiers included
  double weight = 0;      // what it added to the dimension's raw sum
  std::string context;    // "", "negated", "loss", "past", "other", "intensified", "softened",
                          // "chronic"; several joined by ","
  int clause = 0;
};

struct BurnoutReading {
  std::vector<double> raw;     // per dimension
  std::vector<double> scores;  // per dimension, 0..1
  std::vector<DimensionMatch> matches;  // in text order
};

class BurnoutLexicon {
 public:
  // A version directory (or a model directory: its highest version) of kind
  // text-burnout-lexicon. FAILED_PRECONDITION naming the file for anything wrong.
  static absl::StatusOr<std::shared_ptr<const BurnoutLexicon>> Load(const std::string& dir);
  // INVALID_ARGUMENT naming the first bad entry (unknown dimension, empty term, bad weight ...).
  static absl::StatusOr<std::shared_ptr<const BurnoutLexicon>> Compile(burnout::v1::BurnoutLexicon proto,
                                                                       burnout::v1::ModelInfo info = {});

  // `text` must be valid UTF-8.
  BurnoutReading Read(std::string_view text) const;

  // Adds the scores as indicators (unit "score") and each match as evidence (label = the
  // dimension, feature = the surface, contribution = the weight, context) to `result`.
  void AddTo(const BurnoutReading& reading, burnout::v1::ModalityResult* result) const;

  const std::vector<std::string>& dimensions() const { return dimensions_; }
  bool positive(int d) const { return positive_[d]; }
  int DimensionIndex(std::string_view name) const;  // -1 when unknown
  const burnout::v1::BurnoutLexicon& proto() const { return proto_; }
  const burnout::v1::ModelInfo& info() const { return info_; }
  ~BurnoutLexicon();

 private:
  struct Impl;
  BurnoutLexicon() = default;
  burnout::v1::BurnoutLexicon proto_;
  burnout::v1::ModelInfo info_;
  std::vector<std::string> dimensions_;
  std::vector<bool> positive_;
  std::unique_ptr<Impl> impl_;
};

// The text's clauses as normalised words (Tokenize, words only), split as above at punctuation
// and at `breaks` (single words). Exposed for tests.
std::vector<std::vector<std::string>> SplitClauses(std::string_view text, const std::vector<std::string>& breaks);

}  // namespace burnout::text
