#include "services/text/torch_text_model.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"
#include "common/torchscript/torchscript_model.h"
#include "services/text/bpe_tokenizer.h"
#include "services/text/lexicon.h"
#include "services/text/text_result.h"
#include "services/text/tokenizer.h"

namespace burnout::text {
namespace {

using burnout::v1::ModalityResult;

class TorchTextModel final : public TextModel {
 public:
  TorchTextModel(std::unique_ptr<RobertaTokenizer> tokenizer,
                 std::unique_ptr<torchscript::TorchScriptModel> net)
      : tokenizer_(std::move(tokenizer)), net_(std::move(net)) {
    labels_.assign(net_->spec().labels().begin(), net_->spec().labels().end());
    // A single-label softmax model: a label shows when it has at least half the mass (the
    // most probable label always).
    thresholds_.assign(labels_.size(), 0.5f);
    model_id_ = model::ModelId(net_->manifest());
  }

  absl::StatusOr<ModalityResult> Analyze(std::string_view text,
                                         const AnalyzeOptions& options) const override {
    return std::move(AnalyzeBatch({text}, options)[0]);
  }

  std::vector<absl::StatusOr<ModalityResult>> AnalyzeBatch(
      const std::vector<std::string_view>& texts, const AnalyzeOptions& options) const override;

  bool batches() const override { return true; }
  const std::vector<std::string>& labels() const override { return labels_; }
  const std::vector<float>& thresholds() const override { return thresholds_; }
  const burnout::v1::ModelInfo& info() const override { return net_->info(); }

 private:
  std::unique_ptr<RobertaTokenizer> tokenizer_;
  std::unique_ptr<torchscript::TorchScriptModel> net_;
  std::vector<std::string> labels_;
  std::vector<float> thresholds_;
  std::string model_id_;
};

std::vector<absl::StatusOr<ModalityResult>> TorchTextModel::AnalyzeBatch(
    const std::vector<std::string_view>& texts, const AnalyzeOptions&) const {
  const auto start = std::chrono::steady_clock::now();
  const int max_length = net_->spec().tokenizer().max_length();
  std::vector<absl::StatusOr<ModalityResult>> out(texts.size());
  std::vector<torchscript::ForwardInput> inputs(texts.size());
  std::vector<const torchscript::ForwardInput*> batch;
  std::vector<size_t> rows;  // batch row -> text index
  std::vector<BpeEncoding> encodings(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    if (absl::Status s = CheckAnalyzableText(texts[i]); !s.ok()) {
      out[i] = s;
      continue;
    }
    encodings[i] = tokenizer_->Encode(texts[i], max_length);
    inputs[i].ids = encodings[i].ids;
    batch.push_back(&inputs[i]);
    rows.push_back(i);
  }
  const auto tokenized = std::chrono::steady_clock::now();
  if (batch.empty()) return out;
  auto forward = net_->Forward(batch);
  const auto done = std::chrono::steady_clock::now();
  auto ms = [](auto a, auto b) { return std::chrono::duration<double, std::milli>(b - a).count(); };

  for (size_t row = 0; row < rows.size(); ++row) {
    const size_t i = rows[row];
    if (!forward.ok()) {
      out[i] = absl::InternalError(absl::StrCat("text model ", model_id_, ": ", forward.status().message()));
      continue;
    }
    const torchscript::ForwardOutput& o = (*forward)[row];
    ModalityResult r;
    r.set_modality(burnout::v1::MODALITY_TEXT);
    for (size_t l = 0; l < labels_.size(); ++l) {
      auto* e = r.add_emotions();
      e->set_label(labels_[l]);
      e->set_probability(o.probabilities[l]);
    }
    auto* emb = r.mutable_embedding();
    emb->mutable_values()->Add(o.embedding.begin(), o.embedding.end());
    emb->set_model_id(model_id_);
    emb->set_dimension(static_cast<int32_t>(o.embedding.size()));

    const LexiconCounts counts = CountLexicon(Tokenize(texts[i]));
    AddLexiconIndicators(counts, &r);
    const BpeEncoding& enc = encodings[i];
    AddIndicator("token_count", enc.full_length, "count", &r);
    AddIndicator("truncated", enc.truncated ? 1.0 : 0.0, "flag", &r);
    double quality = WordCountQuality(counts.words, &r);
    if (enc.truncated) {
      quality *= std::max(0.5, static_cast<double>(max_length) / enc.full_length);
      r.add_quality_issues(absl::StrCat("the text has ", enc.full_length,
                                        " tokens; the model reads the first ", max_length,
                                        " (its maximum), the rest was not analysed"));
    }
    r.set_quality(static_cast<float>(std::clamp(quality, 0.0, 1.0)));
    *r.mutable_model() = net_->info();
    auto* t = r.add_timings();
    t->set_stage("tokenize");
    t->set_millis(ms(start, tokenized));
    t = r.add_timings();
    t->set_stage("text_model");
    t->set_millis(ms(tokenized, done));
    r.mutable_details()->insert({"batch_size", absl::StrCat(batch.size())});
    out[i] = std::move(r);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TextModel>> LoadTorchTextModel(const std::string& model_dir) {
  // The tokenizer first: its <pad> id is what the model pads with.
  // (The model file's checksum is checked by TorchScriptModel::Load, before it is loaded.)
  BR_ASSIGN_OR_RETURN(burnout::v1::ModelManifest manifest, model::ReadManifest(model_dir));
  const std::string manifest_path = absl::StrCat(model_dir, "/", model::kManifestName);
  const auto& spec = manifest.torchscript();
  BR_RETURN_IF_ERROR(torchscript::ValidateSpec(spec, torchscript::kTextKind, manifest_path));
  const auto& t = spec.tokenizer();
  BR_ASSIGN_OR_RETURN(std::string vocab, model::FileInside(model_dir, t.vocab_file(), manifest_path,
                                                           "torchscript.tokenizer.vocab_file"));
  BR_ASSIGN_OR_RETURN(std::string merges, model::FileInside(model_dir, t.merges_file(), manifest_path,
                                                            "torchscript.tokenizer.merges_file"));
  BpeOptions options;
  options.add_prefix_space = t.add_prefix_space();
  options.lowercase = t.lowercase();
  if (!t.pad_token().empty()) options.pad_token = t.pad_token();
  if (!t.bos_token().empty()) options.bos_token = t.bos_token();
  if (!t.eos_token().empty()) options.eos_token = t.eos_token();
  if (!t.unk_token().empty()) options.unk_token = t.unk_token();
  BR_ASSIGN_OR_RETURN(std::unique_ptr<RobertaTokenizer> tokenizer,
                      RobertaTokenizer::Load(vocab, merges, options));
  torchscript::LoadOptions load;
  load.pad_id = tokenizer->pad_id();
  BR_ASSIGN_OR_RETURN(std::unique_ptr<torchscript::TorchScriptModel> net,
                      torchscript::TorchScriptModel::Load(model_dir, torchscript::kTextKind, load));
  return std::unique_ptr<TextModel>(new TorchTextModel(std::move(tokenizer), std::move(net)));
}

}  // namespace burnout::text
