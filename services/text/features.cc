#include "services/text/features.h"

#include "absl/strings/str_cat.h"

namespace burnout::text {

std::string PairFeature(std::string_view a, std::string_view b) {
  std::string s;
  s.reserve(a.size() + 1 + b.size());
  s.append(a).push_back(' ');
  s.append(b);
  return s;
}

void AppendFeatureStrings(const std::vector<Token>& tokens, std::vector<std::string>* out) {
  for (const Token& t : tokens) out->push_back(t.text);
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    out->push_back(PairFeature(tokens[i].text, tokens[i + 1].text));
  }
}

absl::StatusOr<FeatureVocab> FeatureVocab::Create(std::vector<std::string> features,
                                                  int num_unigrams) {
  if (num_unigrams < 0 || num_unigrams > static_cast<int>(features.size())) {
    return absl::InvalidArgumentError(absl::StrCat("num_unigrams ", num_unigrams,
                                                   " is outside [0, ", features.size(), "]"));
  }
  FeatureVocab v;
  v.num_unigrams_ = num_unigrams;
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
  v.features_ = std::move(features);
  return v;
}

int32_t FeatureVocab::Find(std::string_view feature) const {
  auto it = index_.find(absl::string_view(feature.data(), feature.size()));
  return it == index_.end() ? -1 : it->second;
}

int FeatureVocab::Extract(const std::vector<Token>& tokens, std::vector<FeatureHit>* hits) const {
  int known = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const int32_t id = Find(tokens[i].text);
    if (id >= 0 && id < num_unigrams_) {
      hits->push_back(FeatureHit{id, static_cast<int32_t>(i), false});
      ++known;
    }
  }
  std::string pair;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    pair.assign(tokens[i].text).push_back(' ');
    pair.append(tokens[i + 1].text);
    const int32_t id = Find(pair);
    if (id >= num_unigrams_) hits->push_back(FeatureHit{id, static_cast<int32_t>(i), true});
  }
  return known;
}

}  // namespace burnout::text
