#include "services/text/features.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace burnout::text {
namespace {

constexpr int kMaxSubwordN = 16;

absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Byte offsets of the code point starts of valid UTF-8 `s`, plus s.size().
void CodePointStarts(std::string_view s, std::vector<size_t>* starts) {
  starts->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts->push_back(i);
  }
  starts->push_back(s.size());
}

}  // namespace

std::string PairFeature(std::string_view a, std::string_view b) {
  std::string s;
  s.reserve(a.size() + 1 + b.size());
  s.append(a).push_back(' ');
  s.append(b);
  return s;
}

bool HasSubwords(const Token& token) {
  return token.is_word && !token.text.empty() && token.text[0] != '[';
}

void AppendSubwords(std::string_view word, int min_n, int max_n, std::vector<std::string>* out) {
  if (min_n <= 0) return;
  const std::string wrapped = absl::StrCat("<", AsAbsl(word), ">");
  std::vector<size_t> starts;
  CodePointStarts(wrapped, &starts);
  const int length = static_cast<int>(starts.size()) - 1;  // code points
  for (int n = min_n; n <= max_n && n < length; ++n) {
    for (int i = 0; i + n <= length; ++i) {
      out->push_back(wrapped.substr(starts[i], starts[i + n] - starts[i]));
    }
  }
}

absl::StatusOr<FeatureVocab> FeatureVocab::Create(std::vector<std::string> features,
                                                  int num_unigrams,
                                                  std::vector<std::string> subwords,
                                                  SubwordSpec spec) {
  if (num_unigrams < 0 || num_unigrams > static_cast<int>(features.size())) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_unigrams ", num_unigrams, " is outside [0, ", features.size(), "]"));
  }
  const bool use_subwords = spec.min_n > 0;
  if (use_subwords && (spec.max_n < spec.min_n || spec.max_n > kMaxSubwordN ||
                       !(spec.weight > 0 && spec.weight <= 1e3f))) {
    return absl::InvalidArgumentError(absl::StrCat("bad subword spec: n in [", spec.min_n, ", ",
                                                   spec.max_n, "], weight ", spec.weight));
  }
  if (!use_subwords && !subwords.empty()) {
    return absl::InvalidArgumentError("subwords are listed but the subword spec is off");
  }
  FeatureVocab v;
  v.num_unigrams_ = num_unigrams;
  v.spec_ = spec;
  v.index_.reserve(features.size());
  for (size_t i = 0; i < features.size(); ++i) {
    const std::string& f = features[i];
    const size_t space = f.find(' ');
    const bool pair = static_cast<int>(i) >= num_unigrams;
    const bool well_formed =
        pair ? (space != std::string::npos && space > 0 && space + 1 < f.size() &&
                f.find(' ', space + 1) == std::string::npos)
             : (!f.empty() && space == std::string::npos);
    if (!well_formed) {
      return absl::InvalidArgumentError(absl::StrCat("feature ", i, " (\"", f, "\") is not a ",
                                                     pair ? "token pair" : "single token"));
    }
    if (!v.index_.emplace(f, static_cast<int32_t>(i)).second) {
      return absl::InvalidArgumentError(absl::StrCat("feature ", i, " (\"", f, "\") is repeated"));
    }
  }
  v.subword_index_.reserve(subwords.size());
  for (size_t i = 0; i < subwords.size(); ++i) {
    const int32_t row = static_cast<int32_t>(features.size() + i);
    if (subwords[i].empty() || !v.subword_index_.emplace(subwords[i], row).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("subword ", i, " (\"", subwords[i], "\") is empty or repeated"));
    }
  }
  v.features_ = std::move(features);
  v.subwords_ = std::move(subwords);
  return v;
}

int32_t FeatureVocab::Find(std::string_view feature) const {
  auto it = index_.find(AsAbsl(feature));
  return it == index_.end() ? -1 : it->second;
}

int FeatureVocab::Extract(const std::vector<Token>& tokens, std::vector<FeatureHit>* hits) const {
  int known = 0;
  std::vector<std::string> grams;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const int32_t token = static_cast<int32_t>(i);
    const int32_t id = Find(tokens[i].text);
    if (id >= 0 && id < num_unigrams_) {
      hits->push_back(FeatureHit{id, token, FeatureHit::kToken, 1.0f});
      ++known;
    }
    if (spec_.min_n > 0 && HasSubwords(tokens[i])) {
      grams.clear();
      AppendSubwords(tokens[i].text, spec_.min_n, spec_.max_n, &grams);
      const size_t first = hits->size();
      for (const std::string& g : grams) {
        auto it = subword_index_.find(g);
        if (it != subword_index_.end()) {
          hits->push_back(FeatureHit{it->second, token, FeatureHit::kSubword, 0.0f});
        }
      }
      const size_t found = hits->size() - first;
      for (size_t k = first; k < hits->size(); ++k) (*hits)[k].weight = spec_.weight / found;
    }
  }
  std::string pair;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    pair.assign(tokens[i].text).push_back(' ');
    pair.append(tokens[i + 1].text);
    const int32_t id = Find(pair);
    if (id >= num_unigrams_) {
      hits->push_back(FeatureHit{id, static_cast<int32_t>(i), FeatureHit::kPair, 1.0f});
    }
  }
  return known;
}

std::string FeatureVocab::Surface(const FeatureHit& hit, const std::vector<Token>& tokens) const {
  if (hit.kind == FeatureHit::kPair) return features_[hit.id];
  return tokens[hit.token].text;
}

}  // namespace burnout::text
