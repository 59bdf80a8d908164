#include "services/text/lexicon.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace burnout::text {
namespace {

using WordSet = absl::flat_hash_set<absl::string_view>;

// First-person singular pronouns, with the contractions of "I" (and their apostrophe-less
// spellings that are not ordinary words: "im", "ive").
const WordSet& FirstPerson() {
  static const auto* s =
      new WordSet{"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll", "im", "ive"};
  return *s;
}

// Absolutist words: the absolutist index of Al-Mosaiwi & Johnstone (2018), "In an Absolute
// State", Clinical Psychological Science 6(4), plus "entirely" and "constant(ly)" variants.
const WordSet& Absolutist() {
  static const auto* s = new WordSet{
      "absolutely", "all",    "always",   "complete", "completely", "constant", "constantly",
      "definitely", "entire", "entirely", "ever",     "every",      "everyone", "everything",
      "full",       "must",   "never",    "nothing",  "totally",    "whole"};
  return *s;
}

// Idioms in which an absolutist word hedges rather than generalises ("nothing much to report",
// "all right"): not counted. The index counts words without context; these pairs are the
// everyday phrases in which the word means the opposite of all-or-nothing.
constexpr std::pair<absl::string_view, absl::string_view> kHedges[] = {
    {"nothing", "much"}, {"nothing", "special"}, {"nothing", "new"},      {"nothing", "major"},
    {"nothing", "unusual"}, {"nothing", "else"}, {"nothing", "exciting"}, {"all", "right"},
    {"all", "good"}};

bool IsHedge(const std::vector<Token>& tokens, size_t i) {
  if (i + 1 >= tokens.size()) return false;
  for (const auto& [first, second] : kHedges) {
    if (tokens[i].text == first && tokens[i + 1].text == second) return true;
  }
  return false;
}

// Fatigue and burnout vocabulary (single words).
const WordSet& FatigueWords() {
  static const auto* s =
      new WordSet{"exhausted", "exhausting", "exhaustion",  "tired",        "tiring",  "drained",
                  "draining",  "burnout",    "overwhelmed", "overwhelming", "fatigue", "fatigued",
                  "sleepless", "insomnia",   "weary",       "knackered"};
  return *s;
}

// Fatigue terms of two tokens: first word, second word.
constexpr std::pair<absl::string_view, absl::string_view> kFatiguePairs[] = {
    {"burnt", "out"},  {"burned", "out"},  {"worn", "out"},
    {"can't", "cope"}, {"cannot", "cope"}, {"cant", "cope"}};

// Negators; any word ending in "n't" also counts, and so do these apostrophe-less forms.
const WordSet& Negators() {
  static const auto* s = new WordSet{
      "no",      "not",     "never",    "none",  "nobody", "nothing", "nowhere", "neither", "nor",
      "cannot",  "without", "dont",     "cant",  "didnt",  "doesnt",  "isnt",    "wasnt",   "wont",
      "wouldnt", "couldnt", "shouldnt", "arent", "werent", "havent",  "hasnt",   "aint"};
  return *s;
}

}  // namespace

LexiconCounts CountLexicon(const std::vector<Token>& tokens) {
  LexiconCounts c;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (!t.is_word) continue;
    ++c.words;
    const absl::string_view w = t.text;
    if (FirstPerson().contains(w)) ++c.first_person;
    if (Absolutist().contains(w) && !IsHedge(tokens, i)) ++c.absolutist;
    if (Negators().contains(w) || absl::EndsWith(w, "n't")) ++c.negation;
    if (FatigueWords().contains(w)) {
      ++c.fatigue;
    } else if (i + 1 < tokens.size()) {
      for (const auto& [first, second] : kFatiguePairs) {
        if (w == first && tokens[i + 1].text == second) {
          ++c.fatigue;
          break;
        }
      }
    }
  }
  return c;
}

}  // namespace burnout::text
