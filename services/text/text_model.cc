#include "services/text/text_model.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"
#include "services/text/bag_model.h"
#include "services/text/lexicon.h"

namespace burnout::text {
namespace {

// Texts with fewer words than this lose quality; below half known tokens, too.
constexpr int kReliableWords = 5;
constexpr double kReliableKnownRatio = 0.5;

// True if every code point of valid UTF-8 `text` is white space (ASCII or Unicode spaces,
// zero-width space, BOM).
bool IsBlank(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b == ' ' || (b >= '\t' && b <= '\r')) {
      ++i;
      continue;
    }
    const std::string_view rest = text.substr(i);
    static constexpr std::string_view kSpaces[] = {
        "\u00A0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004",
        "\u2005", "\u2006", "\u2007", "\u2008", "\u2009", "\u200A", "\u200B",
        "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\uFEFF"};
    bool space = false;
    for (std::string_view s : kSpaces) {
      if (rest.substr(0, s.size()) == s) {
        i += s.size();
        space = true;
        break;
      }
    }
    if (!space) return false;
  }
  return true;
}

void AddIndicator(const std::string& name, double value, const std::string& unit,
                  burnout::v1::ModalityResult* r) {
  auto* ind = r->add_indicators();
  ind->set_name(name);
  ind->set_value(value);
  ind->set_unit(unit);
}

class BagTextModel final : public TextModel {
 public:
  BagTextModel(BagScorer scorer, burnout::v1::ModelInfo info, std::string model_id)
      : scorer_(std::move(scorer)), info_(std::move(info)), model_id_(std::move(model_id)) {}

  absl::StatusOr<burnout::v1::ModalityResult> Analyze(std::string_view text,
                                                      const AnalyzeOptions& options) const override;

  const std::vector<std::string>& labels() const override { return scorer_.weights().labels; }
  const std::vector<float>& thresholds() const override { return scorer_.weights().thresholds; }
  const burnout::v1::ModelInfo& info() const override { return info_; }

 private:
  void AddEvidence(const BagScorer::Output& o, int per_label, burnout::v1::ModalityResult* r) const;

  BagScorer scorer_;
  burnout::v1::ModelInfo info_;
  std::string model_id_;
};

absl::StatusOr<burnout::v1::ModalityResult> BagTextModel::Analyze(
    std::string_view text, const AnalyzeOptions& options) const {
  const auto start = std::chrono::steady_clock::now();
  if (!IsValidUtf8(text)) return absl::InvalidArgumentError("text is not valid UTF-8");
  if (IsBlank(text)) return absl::InvalidArgumentError("text is empty or only white space");

  BagScorer::Output o;
  scorer_.Score(text, &o);
  const LexiconCounts counts = CountLexicon(o.tokens);

  burnout::v1::ModalityResult r;
  r.set_modality(burnout::v1::MODALITY_TEXT);
  for (size_t l = 0; l < labels().size(); ++l) {
    auto* e = r.add_emotions();
    e->set_label(labels()[l]);
    e->set_probability(o.probabilities[l]);
  }
  auto* emb = r.mutable_embedding();
  emb->mutable_values()->Add(o.embedding.begin(), o.embedding.end());
  emb->set_model_id(model_id_);
  emb->set_dimension(static_cast<int32_t>(o.embedding.size()));

  const double words = counts.words;
  auto per_word = [words](int n) { return words > 0 ? n / words : 0.0; };
  const double known_ratio =
      o.tokens.empty() ? 0.0 : static_cast<double>(o.known_tokens) / o.tokens.size();
  AddIndicator("word_count", words, "count", &r);
  AddIndicator("first_person_ratio", per_word(counts.first_person), "ratio", &r);
  AddIndicator("absolutist_ratio", per_word(counts.absolutist), "ratio", &r);
  AddIndicator("fatigue_term_ratio", per_word(counts.fatigue), "ratio", &r);
  AddIndicator("negation_ratio", per_word(counts.negation), "ratio", &r);
  AddIndicator("known_token_ratio", known_ratio, "ratio", &r);

  double quality = 1.0;
  if (counts.words == 0) {
    quality *= 0.1;
    r.add_quality_issues("no words, only symbols or punctuation; the estimate is a guess");
  } else if (counts.words < kReliableWords) {
    quality *= 0.2 + 0.16 * counts.words;
    r.add_quality_issues(absl::StrCat("only ", counts.words, counts.words == 1 ? " word" : " words",
                                      "; short texts are unreliable"));
  }
  // A text without tokens was reported above as having no words.
  if (!o.tokens.empty() && o.known_tokens == 0) {
    quality *= 0.1;
    r.add_quality_issues(o.hits.empty()
                             ? "none of the words are known to the model; the result is only its "
                               "prior"
                             : "none of the words are known to the model, only parts of them; "
                               "the estimate is uncertain");
  } else if (!o.tokens.empty() && known_ratio < kReliableKnownRatio) {
    quality *= std::max(0.1, known_ratio / kReliableKnownRatio);
    r.add_quality_issues(absl::StrCat("only ", static_cast<int>(known_ratio * 100 + 0.5),
                                      "% of the words are known to the model; the estimate is "
                                      "uncertain"));
  }
  r.set_quality(static_cast<float>(std::clamp(quality, 0.0, 1.0)));

  AddEvidence(o, options.evidence_per_label, &r);
  *r.mutable_model() = info_;
  auto* t = r.add_timings();
  t->set_stage("text_model");
  t->set_millis(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  return r;
}

// Evidence per label: the tokens and token pairs with the largest positive share of that
// label's logit, strongest first. A token's share sums its own feature, its subwords and its
// repeats. Shares are exact: logit_l = b_l + sum over hits of feature_logits(id)[l] * weight *
// hit_scale. The trainer centres W and b across labels, so a positive share pushes a label
// above the others rather than all labels alike.
void BagTextModel::AddEvidence(const BagScorer::Output& o, int per_label,
                               burnout::v1::ModalityResult* r) const {
  if (per_label <= 0 || o.hits.empty()) return;
  const size_t labels = this->labels().size();
  absl::flat_hash_map<std::string, size_t> index;  // surface -> row of `shares`
  std::vector<std::string> surfaces;
  std::vector<float> shares;  // surfaces x labels
  for (const FeatureHit& h : o.hits) {
    std::string surface = scorer_.vocab().Surface(h, o.tokens);
    auto [it, added] = index.emplace(surface, surfaces.size());
    if (added) {
      surfaces.push_back(std::move(surface));
      shares.resize(shares.size() + labels, 0.0f);
    }
    const float* fl = scorer_.feature_logits(h.id);
    const float scale = h.weight * o.hit_scale;
    for (size_t l = 0; l < labels; ++l) shares[it->second * labels + l] += fl[l] * scale;
  }
  std::vector<std::pair<float, size_t>> scored;
  for (size_t l = 0; l < labels; ++l) {
    scored.clear();
    for (size_t s = 0; s < surfaces.size(); ++s) {
      if (shares[s * labels + l] > 0) scored.emplace_back(shares[s * labels + l], s);
    }
    const size_t k = std::min(scored.size(), static_cast<size_t>(per_label));
    std::partial_sort(scored.begin(), scored.begin() + k, scored.end(),
                      [](const auto& a, const auto& b) {
                        return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    for (size_t i = 0; i < k; ++i) {
      auto* e = r->add_evidence();
      e->set_label(this->labels()[l]);
      e->set_feature(surfaces[scored[i].second]);
      e->set_contribution(scored[i].first);
    }
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<TextModel>> TextModel::Load(const std::string& model_dir) {
  BR_ASSIGN_OR_RETURN(model::ModelDir md, model::OpenModelDir(model_dir, kTextModelKind));
  const std::string manifest_path = absl::StrCat(model_dir, "/", model::kManifestName);
  absl::StatusOr<BagWeights> weights = ReadBagModelFile(md.model_path);
  if (!weights.ok()) {
    if (absl::IsNotFound(weights.status())) {
      return absl::FailedPreconditionError(weights.status().message());
    }
    return weights.status();
  }
  const auto& spec = md.manifest.text();
  if (!md.manifest.has_text() || spec.embedding_dim() != weights->dim ||
      spec.vocab_size() != static_cast<int64_t>(weights->rows()) ||
      !std::equal(spec.emotion_labels().begin(), spec.emotion_labels().end(),
                  weights->labels.begin(), weights->labels.end())) {
    return absl::FailedPreconditionError(
        absl::StrCat(manifest_path,
                     ": the text spec (embedding_dim, vocab_size, emotion_labels) does not "
                     "match the model file ",
                     md.model_path));
  }
  absl::StatusOr<BagScorer> scorer = BagScorer::Create(*std::move(weights));
  if (!scorer.ok()) {
    return absl::DataLossError(absl::StrCat(md.model_path, ": ", scorer.status().message()));
  }
  burnout::v1::ModelInfo info;
  info.set_name(md.manifest.name());
  info.set_version(md.manifest.version());
  info.set_sha256(md.manifest.sha256());
  return std::unique_ptr<TextModel>(
      new BagTextModel(*std::move(scorer), std::move(info), model::ModelId(md.manifest)));
}

}  // namespace burnout::text
