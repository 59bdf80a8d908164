// burnout-build-lexicon: expands services/text/data/burnout_terms.tsv (see its header) into the
// text analyzer's burnout lexicon, a model directory of kind text-burnout-lexicon:
//
//   burnout-build-lexicon --out_dir=models/text-burnout-lexicon/1 [--terms=...] [--wordnet_dir=...]
//
// Every phrase is expanded (macros, {a|b} choices) into word sequences normalised by the text
// tokenizer; terms flagged "wordnet" gain the WordNet synonyms of their adjective (when WordNet is
// installed: Debian's wordnet-base, /usr/share/wordnet; without it, --wordnet_dir= builds without
// them and the lexicon says so). The output depends only on the two inputs: rebuilding gives the
// same bytes.
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "absl/container/flat_hash_map.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "burnout/v1/model.pb.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"
#include "services/text/burnout_lexicon.h"
#include "services/text/tokenizer.h"

ABSL_FLAG(std::string, terms, BURNOUT_SOURCE_DIR "/services/text/data/burnout_terms.tsv", "the source file");
ABSL_FLAG(std::string, out_dir, "", "the version directory to write (required)");
ABSL_FLAG(std::string, version, "1", "the manifest's version");
ABSL_FLAG(std::string, wordnet_dir, "/usr/share/wordnet",
          "WordNet 3.0 database files (index.adj, data.adj); empty: no synonyms");

namespace burnout::text {
namespace {

using Words = std::vector<std::string>;

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One piece of a phrase, normalised: "_" (a gap), "word*" (a prefix) or the tokenizer's words.
absl::StatusOr<Words> NormalisePiece(const std::string& piece) {
  if (piece == "_") return Words{"_"};
  if (!piece.empty() && piece.back() == '*') {
    Words words;
    for (Token& t : Tokenize(piece.substr(0, piece.size() - 1))) {
      if (t.is_word) words.push_back(t.text);
    }
    if (words.size() != 1) return absl::InvalidArgumentError(absl::StrCat("\"", piece, "\": a prefix must be one word"));
    return Words{words[0] + "*"};
  }
  Words words;
  for (Token& t : Tokenize(piece)) {
    if (t.is_word) words.push_back(t.text);
  }
  return words;
}

absl::StatusOr<Words> NormaliseText(const std::string& text) {
  Words out;
  for (const std::string& piece : std::vector<std::string>(absl::StrSplit(text, ' ', absl::SkipEmpty()))) {
    BR_ASSIGN_OR_RETURN(Words w, NormalisePiece(piece));
    out.insert(out.end(), w.begin(), w.end());
  }
  return out;
}

// All word sequences of a phrase: "{a|b c|} @macro word".
absl::StatusOr<std::vector<Words>> Expand(const std::string& phrase,
                                          const std::map<std::string, std::vector<std::string>>& macros) {
  std::vector<std::vector<std::string>> slots;  // each slot: its alternatives (text)
  size_t i = 0;
  while (i < phrase.size()) {
    if (phrase[i] == ' ') {
      ++i;
      continue;
    }
    if (phrase[i] == '{') {
      const size_t close = phrase.find('}', i);
      if (close == std::string::npos) return absl::InvalidArgumentError(absl::StrCat("\"", phrase, "\": { without }"));
      slots.push_back(absl::StrSplit(phrase.substr(i + 1, close - i - 1), '|'));
      i = close + 1;
      continue;
    }
    size_t end = phrase.find_first_of(" {", i);
    if (end == std::string::npos) end = phrase.size();
    const std::string word = phrase.substr(i, end - i);
    if (word[0] == '@') {
      auto it = macros.find(word);
      if (it == macros.end()) return absl::InvalidArgumentError(absl::StrCat("\"", phrase, "\": unknown macro ", word));
      slots.push_back(it->second);
    } else {
      slots.push_back({word});
    }
    i = end;
  }
  std::vector<Words> out = {{}};
  for (const auto& alternatives : slots) {
    std::vector<Words> next;
    for (const Words& prefix : out) {
      for (const std::string& alt : alternatives) {
        BR_ASSIGN_OR_RETURN(Words w, NormaliseText(alt));
        Words joined = prefix;
        joined.insert(joined.end(), w.begin(), w.end());
        next.push_back(std::move(joined));
      }
    }
    out = std::move(next);
  }
  for (const Words& w : out) {
    if (w.empty()) return absl::InvalidArgumentError(absl::StrCat("\"", phrase, "\": expands to nothing"));
  }
  return out;
}

// WordNet 3.0 adjectives: a lemma's first sense, and for a head sense its similar-to satellites.
class WordNet {
 public:
  static absl::StatusOr<WordNet> Open(const std::string& dir) {
    WordNet wn;
    BR_ASSIGN_OR_RETURN(std::string index, ReadFile(dir + "/index.adj"));
    BR_ASSIGN_OR_RETURN(wn.data_, ReadFile(dir + "/data.adj"));
    for (absl::string_view line : absl::StrSplit(index, '\n')) {
      if (line.empty() || line[0] == ' ') continue;
      std::vector<absl::string_view> f = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (f.size() < 4) continue;
      int pointers = 0;
      if (!absl::SimpleAtoi(f[3], &pointers) || f.size() < static_cast<size_t>(4 + pointers + 3)) continue;
      wn.first_sense_[std::string(f[0])] = std::string(f[4 + pointers + 2]);
    }
    BR_ASSIGN_OR_RETURN(std::string sha, model::Sha256File(dir + "/data.adj"));
    wn.description_ = absl::StrCat("WordNet 3.0 (Princeton University; Debian wordnet-base), data.adj sha256 ", sha);
    return wn;
  }
  // The synonyms of `lemma`, in WordNet's order, without the lemma itself.
  std::vector<std::string> Synonyms(const std::string& lemma) const {
    std::vector<std::string> out;
    auto it = first_sense_.find(lemma);
    if (it == first_sense_.end()) return out;
    std::vector<std::string> similar;
    const bool head = Synset(it->second, &out, &similar);
    if (head) {
      for (const std::string& s : similar) Synset(s, &out, nullptr);
    }
    std::vector<std::string> unique;
    std::set<std::string> seen = {lemma};
    for (std::string& w : out) {
      if (seen.insert(w).second) unique.push_back(std::move(w));
    }
    return unique;
  }
  const std::string& description() const { return description_; }

 private:
  // Appends the synset's words ("played out"); returns whether it is a head ('a') synset and,
  // if asked, its similar-to ('&') pointers.
  bool Synset(const std::string& offset, std::vector<std::string>* words, std::vector<std::string>* similar) const {
    const size_t at = data_.find("\n" + offset + " ");
    if (at == std::string::npos) return false;
    const size_t end = data_.find('\n', at + 1);
    const std::string line = data_.substr(at + 1, end - at - 1);
    std::vector<std::string> f = absl::StrSplit(line.substr(0, line.find(" | ")), ' ', absl::SkipEmpty());
    if (f.size() < 4) return false;
    const bool head = f[2] == "a";
    const int count = std::stoi(f[3], nullptr, 16);
    size_t k = 4;
    for (int i = 0; i < count && k + 1 < f.size(); ++i, k += 2) {
      std::string w = f[k];
      if (const size_t paren = w.find('('); paren != std::string::npos) w = w.substr(0, paren);
      words->push_back(absl::StrReplaceAll(w, {{"_", " "}}));
    }
    if (similar != nullptr && k < f.size()) {
      const int pointers = std::stoi(f[k]);
      ++k;
      for (int i = 0; i < pointers && k + 3 < f.size(); ++i, k += 4) {
        if (f[k] == "&") similar->push_back(f[k + 1]);
      }
    }
    return head;
  }
  std::string data_;
  std::map<std::string, std::string> first_sense_;
  std::string description_;
};

absl::Status Run() {
  const std::string terms_path = absl::GetFlag(FLAGS_terms);
  const std::string out_dir = absl::GetFlag(FLAGS_out_dir);
  if (out_dir.empty()) return absl::InvalidArgumentError("--out_dir is required");
  BR_ASSIGN_OR_RETURN(std::string source, ReadFile(terms_path));
  BR_ASSIGN_OR_RETURN(std::string source_sha, model::Sha256File(terms_path));
  std::optional<WordNet> wordnet;
  if (!absl::GetFlag(FLAGS_wordnet_dir).empty()) {
    auto wn = WordNet::Open(absl::GetFlag(FLAGS_wordnet_dir));
    if (!wn.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(wn.status().message(),
                                                        " (install wordnet-base, or pass --wordnet_dir= to build "
                                                        "without synonyms)"));
    }
    wordnet = *std::move(wn);
  }

  burnout::v1::BurnoutLexicon lex;
  lex.set_built_from(absl::StrCat("services/text/data/burnout_terms.tsv sha256 ", source_sha));
  if (wordnet) lex.set_wordnet(wordnet->description());
  std::map<std::string, std::vector<std::string>> macros;
  std::map<Words, std::string> term_dimension;  // every expanded word sequence -> its dimension
  int line_no = 0, seeds = 0, synonyms = 0;
  auto add_term = [&](burnout::v1::BurnoutLexicon::Term t, const Words& words, const std::string& where,
                      bool from_wordnet) -> absl::Status {
    auto [it, added] = term_dimension.emplace(words, t.dimension());
    if (!added) {
      if (from_wordnet) return absl::OkStatus();  // the hand-written entry wins
      if (it->second != t.dimension()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": \"", absl::StrJoin(words, " "), "\" is already a ",
                                                       it->second, " term"));
      }
      return absl::OkStatus();  // the same phrase twice in one dimension: the first weight stays
    }
    for (const auto& w : words) t.add_words(w);
    t.set_wordnet(from_wordnet);
    *lex.add_terms() = std::move(t);
    return absl::OkStatus();
  };
  struct SynonymRequest {
    burnout::v1::BurnoutLexicon::Term term;
    std::string lemma, flags, where;
  };
  std::vector<SynonymRequest> synonym_requests;  // after every hand-written term, which win
  for (absl::string_view raw : absl::StrSplit(source, '\n')) {
    ++line_no;
    const std::string line(absl::StripTrailingAsciiWhitespace(raw));
    if (line.empty() || line[0] == '#') continue;
    const std::string where = absl::StrCat(terms_path, ":", line_no);
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    auto need = [&](size_t n) -> absl::Status {
      if (f.size() < n) return absl::InvalidArgumentError(absl::StrCat(where, ": expected ", n, " tab-separated fields"));
      return absl::OkStatus();
    };
    if (f[0] == "dimension") {
      BR_RETURN_IF_ERROR(need(4));
      auto* d = lex.add_dimensions();
      d->set_name(f[1]);
      d->set_positive(f[2] == "positive");
      if (f[2] != "positive" && f[2] != "negative") {
        return absl::InvalidArgumentError(absl::StrCat(where, ": positive or negative, not ", f[2]));
      }
      d->set_description(f[3]);
    } else if (f[0] == "param") {
      BR_RETURN_IF_ERROR(need(3));
      double v = 0;
      if (!absl::SimpleAtod(f[2], &v)) return absl::InvalidArgumentError(absl::StrCat(where, ": not a number"));
      (*lex.mutable_params())[f[1]] = v;
    } else if (f[0] == "rule") {
      BR_RETURN_IF_ERROR(need(3));
      if (f[1] == "loss_dimension") lex.set_loss_dimension(f[2]);
      else if (f[1] == "relief_dimension") lex.set_relief_dimension(f[2]);
      else return absl::InvalidArgumentError(absl::StrCat(where, ": unknown rule ", f[1]));
    } else if (f[0] == "source") {
      BR_RETURN_IF_ERROR(need(3));
      (*lex.mutable_sources())[f[1]] = f[2];
    } else if (f[0] == "macro") {
      BR_RETURN_IF_ERROR(need(3));
      if (f[1].empty() || f[1][0] != '@') return absl::InvalidArgumentError(absl::StrCat(where, ": a macro starts with @"));
      macros[f[1]] = absl::StrSplit(f[2], '|');
    } else if (f[0] == "modifier") {
      BR_RETURN_IF_ERROR(need(3));
      auto* m = lex.add_modifiers();
      m->set_kind(f[1]);
      std::set<std::string> seen;
      for (const std::string& p : std::vector<std::string>(absl::StrSplit(f[2], '|', absl::SkipEmpty()))) {
        BR_ASSIGN_OR_RETURN(Words w, NormaliseText(p));
        if (w.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": \"", p, "\" has no words"));
        const std::string joined = absl::StrJoin(w, " ");
        if (seen.insert(joined).second) m->add_phrases(joined);
      }
    } else if (f[0] == "term") {
      BR_RETURN_IF_ERROR(need(6));
      burnout::v1::BurnoutLexicon::Term t;
      t.set_dimension(f[1]);
      double weight = 0;
      if (!absl::SimpleAtod(f[2], &weight)) return absl::InvalidArgumentError(absl::StrCat(where, ": bad weight"));
      t.set_weight(static_cast<float>(weight));
      if (f[4] != "-") {
        std::vector<std::string> neg = absl::StrSplit(f[4], ':');
        double nw = 0;
        if (neg.size() != 2 || !absl::SimpleAtod(neg[1], &nw)) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": NEGATED is DIMENSION:WEIGHT or -"));
        }
        t.set_negated_dimension(neg[0]);
        t.set_negated_weight(static_cast<float>(nw));
      }
      t.set_sources(f[5]);
      t.set_seed(f[3]);
      ++seeds;
      BR_ASSIGN_OR_RETURN(std::vector<Words> expanded, Expand(f[3], macros));
      for (const Words& w : expanded) BR_RETURN_IF_ERROR(add_term(t, w, where, false));
      if (f.size() > 6 && absl::StartsWith(f[6], "wordnet")) {
        if (expanded.size() != 1 || expanded[0].size() != 1) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": wordnet needs a one-word phrase"));
        }
        synonym_requests.push_back({t, expanded[0][0], f[6], where});
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown line kind \"", f[0], "\""));
    }
  }
  for (const SynonymRequest& r : synonym_requests) {
    if (!wordnet) break;
    std::set<std::string> excluded;
    for (const std::string& x : std::vector<std::string>(absl::StrSplit(r.flags, ' ', absl::SkipEmpty()))) {
      if (x[0] == '-') excluded.insert(absl::StrReplaceAll(x.substr(1), {{"_", " "}}));
    }
    burnout::v1::BurnoutLexicon::Term syn = r.term;
    syn.set_weight(r.term.weight() * 0.8f);
    if (r.term.negated_weight() > 0) syn.set_negated_weight(r.term.negated_weight() * 0.8f);
    for (const std::string& s : wordnet->Synonyms(r.lemma)) {
      if (excluded.count(s) || excluded.count(absl::StrReplaceAll(s, {{" ", "-"}}))) continue;
      BR_ASSIGN_OR_RETURN(Words w, NormaliseText(s));
      if (w.empty()) continue;
      const int before = lex.terms_size();
      BR_RETURN_IF_ERROR(add_term(syn, w, r.where, true));
      synonyms += lex.terms_size() > before;
    }
  }
  // The lexicon must compile as the service will load it.
  auto compiled = BurnoutLexicon::Compile(lex);
  if (!compiled.ok()) return absl::InvalidArgumentError(absl::StrCat(terms_path, ": ", compiled.status().message()));

  burnout::v1::ModelManifest manifest;
  manifest.set_name("text-burnout-lexicon");
  manifest.set_version(absl::GetFlag(FLAGS_version));
  manifest.set_kind(kLexiconKind);
  manifest.set_file("lexicon.textproto");
  auto* training = manifest.mutable_training();
  training->set_data(absl::StrCat(
      "not trained: the project's own terms, paraphrasing the constructs of published burnout, stress and "
      "engagement instruments (CBI, BAT, MBI constructs, JD-R, PSS, UWES, REQ; services/text/data/burnout_terms.tsv)",
      wordnet ? ", with WordNet 3.0 synonyms for the terms flagged so" : ", without WordNet synonyms"));
  training->set_program(absl::StrCat("burnout-build-lexicon --out_dir=", out_dir, " --version=",
                                     absl::GetFlag(FLAGS_version),
                                     wordnet ? "" : " --wordnet_dir="));
  BR_RETURN_IF_ERROR(model::WriteTextModel(
      out_dir, lex,
      "# The burnout lexicon of the text analyzer, written by burnout-build-lexicon from\n"
      "# services/text/data/burnout_terms.tsv: edit that file and rebuild, not this one.\n",
      manifest));
  std::printf("%d seed terms -> %d terms (%d WordNet synonyms), %d modifier lists; wrote %s\n", seeds,
              lex.terms_size(), synonyms, lex.modifiers_size(), out_dir.c_str());
  return absl::OkStatus();
}

}  // namespace
}  // namespace burnout::text

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const absl::Status s = burnout::text::Run();
  if (!s.ok()) {
    std::fprintf(stderr, "burnout-build-lexicon: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
