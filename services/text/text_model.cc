#include "services/text/text_model.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/model/model_dir.h"
#include "common/torchscript/torchscript_model.h"
#include "common/status/macros.h"
#include "services/text/bag_model.h"
#include "services/text/lexicon.h"
#include "services/text/text_result.h"
#include "services/text/torch_text_model.h"

namespace burnout::text {
namespace {

// Below half known tokens, a text loses quality.
constexpr double kReliableKnownRatio = 0.5;

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
  BR_RETURN_IF_ERROR(CheckAnalyzableText(text));

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

  const double known_ratio =
      o.tokens.empty() ? 0.0 : static_cast<double>(o.known_tokens) / o.tokens.size();
  AddLexiconIndicators(counts, &r);
  AddIndicator("known_token_ratio", known_ratio, "ratio", &r);
  double quality = WordCountQuality(counts.words, &r);
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

std::vector<absl::StatusOr<burnout::v1::ModalityResult>> TextModel::AnalyzeBatch(
    const std::vector<std::string_view>& texts, const AnalyzeOptions& options) const {
  std::vector<absl::StatusOr<burnout::v1::ModalityResult>> out;
  out.reserve(texts.size());
  for (std::string_view t : texts) out.push_back(Analyze(t, options));
  return out;
}

absl::StatusOr<std::unique_ptr<TextModel>> TextModel::Load(const std::string& model_dir) {
  const std::string manifest_path = absl::StrCat(model_dir, "/", model::kManifestName);
  BR_ASSIGN_OR_RETURN(burnout::v1::ModelManifest manifest, model::ReadManifest(model_dir));
  if (manifest.kind() == torchscript::kTextKind) return LoadTorchTextModel(model_dir);
  if (manifest.kind() != kTextModelKind) {
    return absl::FailedPreconditionError(absl::StrCat(
        manifest_path, ": kind is \"", manifest.kind(), "\"; the text service serves \"",
        kTextModelKind, "\" (the default bag model) or \"", torchscript::kTextKind,
        "\" (an exported TorchScript model)"));
  }
  BR_ASSIGN_OR_RETURN(model::ModelDir md, model::OpenModelDir(model_dir, kTextModelKind));
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
