#include "services/text/burnout_lexicon.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"
#include "services/text/tokenizer.h"

namespace burnout::text {
namespace {

using Phrase = std::vector<std::string>;

struct Clause {
  std::vector<std::string> words;
  bool continues = false;  // split from the previous clause by a comma or a break word, not a sentence end
};

// Splits at sentence ends (. ! ? ; : line breaks) and soft breaks (, and the break words).
std::vector<Clause> Clauses(std::string_view text, const absl::flat_hash_set<std::string>& breaks) {
  std::vector<Clause> out;
  bool next_continues = false;
  auto flush = [&](std::string_view piece, bool hard_end) {
    std::vector<std::string> words;
    for (Token& t : Tokenize(piece)) {
      if (!t.is_word) continue;
      if (breaks.contains(t.text)) {
        if (!words.empty()) {
          out.push_back({std::move(words), next_continues});
          words.clear();
        }
        next_continues = true;
        continue;
      }
      words.push_back(std::move(t.text));
    }
    if (!words.empty()) {
      out.push_back({std::move(words), next_continues});
      next_continues = true;
    }
    if (hard_end) next_continues = false;
  };
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool hard = c == '.' || c == '!' || c == '?' || c == ';' || c == ':' || c == '\n' || c == '\r';
    if (hard || c == ',') {
      flush(text.substr(start, i - start), hard);
      start = i + 1;
    }
  }
  flush(text.substr(start), true);
  return out;
}

bool WordMatches(const std::string& pattern, const std::string& word) {
  if (!pattern.empty() && pattern.back() == '*') {
    const absl::string_view prefix(pattern.data(), pattern.size() - 1);
    return word.size() >= prefix.size() && absl::StartsWith(word, prefix);
  }
  return pattern == word;
}

// The end of `words[wi..]` matched from words position `pos`, or -1. "_" skips 0..2 words.
int MatchFrom(const std::vector<std::string>& tokens, const std::vector<bool>& used, int pos,
              const Phrase& words, size_t wi) {
  if (wi == words.size()) return pos;
  if (words[wi] == "_") {
    for (int skip = 0; skip <= 2; ++skip) {
      const int end = MatchFrom(tokens, used, pos + skip, words, wi + 1);
      if (end >= 0) return end;
      if (pos + skip >= static_cast<int>(tokens.size()) || used[pos + skip]) break;
    }
    return -1;
  }
  if (pos >= static_cast<int>(tokens.size()) || used[pos] || !WordMatches(words[wi], tokens[pos])) return -1;
  return MatchFrom(tokens, used, pos + 1, words, wi + 1);
}

// Whether phrase `p` occurs at `pos` over unused words; returns its end or -1.
int PhraseAt(const std::vector<std::string>& tokens, const std::vector<bool>& used, int pos, const Phrase& p) {
  if (pos < 0 || pos + static_cast<int>(p.size()) > static_cast<int>(tokens.size())) return -1;
  for (size_t k = 0; k < p.size(); ++k) {
    if (used[pos + k] || tokens[pos + k] != p[k]) return -1;
  }
  return pos + static_cast<int>(p.size());
}

struct Span {
  int begin = -1, end = -1;
};

}  // namespace

struct BurnoutLexicon::Impl {
  struct Term {
    int dim = -1;
    Phrase words;
    double weight = 0;
    int neg_dim = -1;
    double neg_weight = 0;
  };
  std::vector<Term> terms;
  absl::flat_hash_map<std::string, std::vector<int>> by_first;
  std::vector<int> prefix_first;  // terms whose first word is a prefix pattern
  std::vector<Phrase> negators, intensifiers, diminishers, chronic, past, loss;
  absl::flat_hash_set<std::string> self, other, breaks;
  double saturation = 1, intensifier = 1.4, diminisher = 0.5, chronic_factor = 1.25, other_factor = 0.3,
         loss_factor = 0.8, relief_weight = 0.3;
  int negation_window = 3, modifier_window = 2;
  int loss_dim = -1, relief_dim = -1;

  // A phrase of `list` that starts in [lo, hi) and ends at or before `hi`, over unused words,
  // not inside `excluded`; the earliest start.
  Span Before(const std::vector<std::string>& tokens, const std::vector<bool>& used, int lo, int hi,
              const std::vector<Phrase>& list, const std::vector<Span>& excluded = {}) const {
    for (int p = std::max(0, lo); p < hi; ++p) {
      for (const Phrase& ph : list) {
        const int end = PhraseAt(tokens, used, p, ph);
        if (end < 0 || end > hi) continue;
        bool inside = false;
        for (const Span& x : excluded) inside = inside || (p < x.end && end > x.begin);
        if (!inside) return {p, end};
      }
    }
    return {};
  }
  // Every occurrence of a phrase of `list` over unused words.
  std::vector<Span> All(const std::vector<std::string>& tokens, const std::vector<bool>& used,
                        const std::vector<Phrase>& list) const {
    std::vector<Span> out;
    for (int p = 0; p < static_cast<int>(tokens.size()); ++p) {
      for (const Phrase& ph : list) {
        const int end = PhraseAt(tokens, used, p, ph);
        if (end >= 0) out.push_back({p, end});
      }
    }
    return out;
  }
};

BurnoutLexicon::~BurnoutLexicon() = default;

int BurnoutLexicon::DimensionIndex(std::string_view name) const {
  for (size_t i = 0; i < dimensions_.size(); ++i) {
    if (dimensions_[i] == name) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<std::shared_ptr<const BurnoutLexicon>> BurnoutLexicon::Compile(burnout::v1::BurnoutLexicon proto,
                                                                              burnout::v1::ModelInfo info) {
  std::shared_ptr<BurnoutLexicon> lex(new BurnoutLexicon());
  lex->impl_ = std::make_unique<Impl>();
  Impl& im = *lex->impl_;
  for (const auto& d : proto.dimensions()) {
    if (d.name().empty() || lex->DimensionIndex(d.name()) >= 0) {
      return absl::InvalidArgumentError(absl::StrCat("dimension \"", d.name(), "\": empty or repeated"));
    }
    lex->dimensions_.push_back(d.name());
    lex->positive_.push_back(d.positive());
  }
  if (lex->dimensions_.empty()) return absl::InvalidArgumentError("no dimensions");
  auto dim = [&](const std::string& name, const std::string& where) -> absl::StatusOr<int> {
    const int i = lex->DimensionIndex(name);
    if (i < 0) return absl::InvalidArgumentError(absl::StrCat(where, ": unknown dimension \"", name, "\""));
    return i;
  };
  BR_ASSIGN_OR_RETURN(im.loss_dim, dim(proto.loss_dimension(), "loss_dimension"));
  BR_ASSIGN_OR_RETURN(im.relief_dim, dim(proto.relief_dimension(), "relief_dimension"));
  for (int i = 0; i < proto.terms_size(); ++i) {
    const auto& t = proto.terms(i);
    const std::string where = absl::StrCat("term ", i, " (\"", absl::StrJoin(t.words(), " "), "\")");
    Impl::Term term;
    BR_ASSIGN_OR_RETURN(term.dim, dim(t.dimension(), where));
    if (t.words().empty() || t.words(0) == "_" || t.words(0) == "*" || t.words(t.words_size() - 1) == "_") {
      return absl::InvalidArgumentError(absl::StrCat(where, ": a term needs words, and may not start or end with a gap"));
    }
    for (const auto& w : t.words()) {
      if (w.empty() || w.find(' ') != std::string::npos || w == "*") {
        return absl::InvalidArgumentError(absl::StrCat(where, ": bad word \"", w, "\""));
      }
      term.words.push_back(w);
    }
    if (!(t.weight() > 0 && t.weight() <= 3)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": weight must be in (0, 3]"));
    }
    term.weight = t.weight();
    if (!t.negated_dimension().empty()) {
      BR_ASSIGN_OR_RETURN(term.neg_dim, dim(t.negated_dimension(), where));
      if (!(t.negated_weight() > 0 && t.negated_weight() <= 3)) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": negated_weight must be in (0, 3]"));
      }
      term.neg_weight = t.negated_weight();
    }
    const std::string& first = term.words.front();
    if (first.back() == '*') {
      im.prefix_first.push_back(static_cast<int>(im.terms.size()));
    } else {
      im.by_first[first].push_back(static_cast<int>(im.terms.size()));
    }
    im.terms.push_back(std::move(term));
  }
  for (const auto& m : proto.modifiers()) {
    std::vector<Phrase>* list = nullptr;
    absl::flat_hash_set<std::string>* set = nullptr;
    if (m.kind() == "negator") list = &im.negators;
    else if (m.kind() == "intensifier") list = &im.intensifiers;
    else if (m.kind() == "diminisher") list = &im.diminishers;
    else if (m.kind() == "chronic") list = &im.chronic;
    else if (m.kind() == "past") list = &im.past;
    else if (m.kind() == "loss") list = &im.loss;
    else if (m.kind() == "self") set = &im.self;
    else if (m.kind() == "other") set = &im.other;
    else if (m.kind() == "clause_break") set = &im.breaks;
    else return absl::InvalidArgumentError(absl::StrCat("modifier kind \"", m.kind(), "\" is unknown"));
    for (const auto& p : m.phrases()) {
      Phrase words = absl::StrSplit(p, ' ', absl::SkipEmpty());
      if (words.empty()) return absl::InvalidArgumentError(absl::StrCat("modifier ", m.kind(), ": an empty phrase"));
      if (set != nullptr) {
        if (words.size() != 1) {
          return absl::InvalidArgumentError(absl::StrCat("modifier ", m.kind(), ": \"", p, "\" must be one word"));
        }
        set->insert(words[0]);
      } else {
        list->push_back(std::move(words));
      }
    }
  }
  // Longer phrases first, so "a little bit" is preferred to "a little".
  for (auto* list : {&im.negators, &im.intensifiers, &im.diminishers, &im.chronic, &im.past, &im.loss}) {
    std::stable_sort(list->begin(), list->end(), [](const Phrase& a, const Phrase& b) { return a.size() > b.size(); });
  }
  auto param = [&](const char* name, double* out, double lo, double hi) -> absl::Status {
    auto it = proto.params().find(name);
    if (it == proto.params().end()) return absl::OkStatus();
    if (!(it->second >= lo && it->second <= hi)) {
      return absl::InvalidArgumentError(absl::StrCat("param ", name, " = ", it->second, " is outside [", lo, ", ", hi, "]"));
    }
    *out = it->second;
    return absl::OkStatus();
  };
  double negation_window = im.negation_window, modifier_window = im.modifier_window;
  BR_RETURN_IF_ERROR(param("saturation", &im.saturation, 0.05, 20));
  BR_RETURN_IF_ERROR(param("intensifier_factor", &im.intensifier, 1, 3));
  BR_RETURN_IF_ERROR(param("diminisher_factor", &im.diminisher, 0, 1));
  BR_RETURN_IF_ERROR(param("chronic_factor", &im.chronic_factor, 1, 3));
  BR_RETURN_IF_ERROR(param("other_person_factor", &im.other_factor, 0, 1));
  BR_RETURN_IF_ERROR(param("loss_factor", &im.loss_factor, 0, 2));
  BR_RETURN_IF_ERROR(param("past_relief_weight", &im.relief_weight, 0, 2));
  BR_RETURN_IF_ERROR(param("negation_window", &negation_window, 1, 8));
  BR_RETURN_IF_ERROR(param("modifier_window", &modifier_window, 1, 8));
  im.negation_window = static_cast<int>(negation_window);
  im.modifier_window = static_cast<int>(modifier_window);
  for (const auto& [name, value] : proto.params()) {
    static const char* kKnown[] = {"saturation",          "intensifier_factor", "diminisher_factor",
                                   "chronic_factor",      "other_person_factor", "loss_factor",
                                   "past_relief_weight",  "negation_window",     "modifier_window"};
    if (std::find_if(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return name == k; }) ==
        std::end(kKnown)) {
      return absl::InvalidArgumentError(absl::StrCat("param \"", name, "\" is unknown"));
    }
  }
  lex->proto_ = std::move(proto);
  lex->info_ = std::move(info);
  return std::shared_ptr<const BurnoutLexicon>(std::move(lex));
}

absl::StatusOr<std::shared_ptr<const BurnoutLexicon>> BurnoutLexicon::Load(const std::string& dir) {
  BR_ASSIGN_OR_RETURN(model::ModelVersion version, model::ResolveModelVersion(dir));
  burnout::v1::BurnoutLexicon proto;
  std::string path;
  absl::StatusOr<burnout::v1::ModelInfo> info = model::LoadTextModel(version.dir, kLexiconKind, &proto, &path);
  if (!info.ok()) return info.status();
  auto lex = Compile(std::move(proto), *std::move(info));
  if (!lex.ok()) return absl::FailedPreconditionError(absl::StrCat(path, ": ", lex.status().message()));
  return lex;
}

BurnoutReading BurnoutLexicon::Read(std::string_view text) const {
  const Impl& im = *impl_;
  BurnoutReading out;
  out.raw.assign(dimensions_.size(), 0.0);
  out.scores.assign(dimensions_.size(), 0.0);
  const std::vector<Clause> clauses = Clauses(text, im.breaks);
  int subject_other = 0;  // the running subject of the sentence: 1 someone else, -1 the writer, 0 none
  for (size_t ci = 0; ci < clauses.size(); ++ci) {
    const std::vector<std::string>& w = clauses[ci].words;
    const int n = static_cast<int>(w.size());
    if (!clauses[ci].continues) subject_other = 0;
    // 1. The terms: leftmost, longest.
    std::vector<bool> used(n, false);
    struct Hit {
      int term, begin, end;
    };
    std::vector<Hit> hits;
    for (int pos = 0; pos < n;) {
      int best = -1, best_end = -1;
      auto consider = [&](int t) {
        const int end = MatchFrom(w, used, pos, im.terms[t].words, 0);
        if (end < 0) return;
        if (best < 0 || end > best_end || (end == best_end && im.terms[t].weight > im.terms[best].weight)) {
          best = t;
          best_end = end;
        }
      };
      if (auto it = im.by_first.find(w[pos]); it != im.by_first.end()) {
        for (int t : it->second) consider(t);
      }
      for (int t : im.prefix_first) consider(t);
      if (best < 0) {
        ++pos;
        continue;
      }
      hits.push_back({best, pos, best_end});
      for (int k = pos; k < best_end; ++k) used[k] = true;
      pos = best_end;
    }
    // 2. The clause-wide markers, over the words no term used.
    const std::vector<Span> chronic = im.All(w, used, im.chronic);
    const std::vector<Span> past = im.All(w, used, im.past);
    const std::vector<Span> loss = im.All(w, used, im.loss);
    // 3. Each hit in its context.
    size_t next_hit = 0;
    for (int pos = 0; pos <= n; ++pos) {
      // The subject follows the words as they come (the nearest before each hit).
      while (next_hit < hits.size() && hits[next_hit].begin == pos) {
        const Hit& h = hits[next_hit++];
        const Impl::Term& term = im.terms[h.term];
        DimensionMatch m;
        m.term = h.term;
        m.clause = static_cast<int>(ci);
        std::vector<std::string> context;
        int surface_begin = h.begin;
        const Span neg = im.Before(w, used, h.begin - im.negation_window, h.begin, im.negators, chronic);
        int d = term.dim;
        double weight = term.weight;
        bool plain = true;
        if (neg.begin >= 0) {
          context.push_back("negated");
          surface_begin = std::min(surface_begin, neg.begin);
          d = term.neg_dim;
          weight = term.neg_dim >= 0 ? term.neg_weight : 0.0;
          plain = false;
        } else if (positive_[term.dim] && (!past.empty() || !loss.empty())) {
          plain = false;
          context.push_back("loss");
          d = im.loss_dim;
          weight *= im.loss_factor;
        } else if (!positive_[term.dim] && !past.empty()) {
          plain = false;
          context.push_back("past");
          d = im.relief_dim;
          weight = im.relief_weight;
        }
        if (context.size() == 1 && (context[0] == "loss" || context[0] == "past")) {
          for (const auto* markers : {&past, &loss}) {
            for (const Span& s : *markers) {
              if (s.end <= h.begin && s.begin >= h.begin - 3) surface_begin = std::min(surface_begin, s.begin);
            }
          }
        }
        if (plain) {
          const Span up = im.Before(w, used, h.begin - im.modifier_window, h.begin, im.intensifiers);
          const Span down = im.Before(w, used, h.begin - im.modifier_window, h.begin, im.diminishers);
          if (down.begin >= 0) {
            context.push_back("softened");
            weight *= im.diminisher;
            surface_begin = std::min(surface_begin, down.begin);
          } else if (up.begin >= 0) {
            context.push_back("intensified");
            weight *= im.intensifier;
            surface_begin = std::min(surface_begin, up.begin);
          }
          if (!chronic.empty()) {
            context.push_back("chronic");
            weight *= im.chronic_factor;
          }
        }
        // Who: the nearest subject word before the hit in this clause, else the sentence's.
        int who = 0;
        for (int k = h.begin - 1; k >= 0 && who == 0; --k) {
          if (im.self.contains(w[k])) who = -1;
          else if (im.other.contains(w[k])) who = 1;
        }
        if (who == 0) who = subject_other;
        if (who == 1) {
          context.push_back("other");
          weight *= im.other_factor;
        }
        m.dimension = d;
        m.weight = d >= 0 ? weight : 0.0;
        m.context = absl::StrJoin(context, ",");
        m.surface = absl::StrJoin(w.begin() + surface_begin, w.begin() + h.end, " ");
        if (m.dimension >= 0) out.raw[m.dimension] += m.weight;
        out.matches.push_back(std::move(m));
      }
      if (pos < n && !used[pos]) {
        if (im.self.contains(w[pos])) subject_other = -1;
        else if (im.other.contains(w[pos])) subject_other = 1;
      }
    }
  }
  for (size_t d = 0; d < out.raw.size(); ++d) out.scores[d] = 1.0 - std::exp(-out.raw[d] / im.saturation);
  return out;
}

void BurnoutLexicon::AddTo(const BurnoutReading& reading, burnout::v1::ModalityResult* result) const {
  for (size_t d = 0; d < dimensions_.size(); ++d) {
    auto* ind = result->add_indicators();
    ind->set_name(dimensions_[d]);
    ind->set_value(reading.scores[d]);
    ind->set_unit("score");
  }
  for (const DimensionMatch& m : reading.matches) {
    auto* e = result->add_evidence();
    // A negation without a dimension of its own is reported under the term's dimension, at 0.
    e->set_label(dimensions_[m.dimension >= 0 ? m.dimension : impl_->terms[m.term].dim]);
    e->set_feature(m.surface);
    e->set_contribution(static_cast<float>(m.weight));
    e->set_context(m.context);
  }
}

std::vector<std::vector<std::string>> SplitClauses(std::string_view text, const std::vector<std::string>& breaks) {
  const absl::flat_hash_set<std::string> set(breaks.begin(), breaks.end());
  std::vector<std::vector<std::string>> out;
  for (Clause& c : Clauses(text, set)) out.push_back(std::move(c.words));
  return out;
}

}  // namespace burnout::text
