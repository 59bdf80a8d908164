#include "services/fusion/fusion_features.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/schema/face_schema.h"
#include "common/schema/text_schema.h"

namespace burnout::fusion {
namespace {

using burnout::v1::FuseRequest;
using burnout::v1::FusionSpec;
using burnout::v1::Modality;
using burnout::v1::ModalityInputSpec;
using burnout::v1::ModalityResult;

// Emotion probabilities and quality may carry rounding error from the analyzers.
constexpr double kProbabilityTolerance = 1e-4;

burnout::v1::ModalityInputSpec MakeInput(Modality modality, std::vector<std::string> labels,
                                         std::vector<std::string> indicators,
                                         std::vector<std::string> optional = {}) {
  ModalityInputSpec in;
  in.set_modality(modality);
  for (auto& l : labels) in.add_emotion_labels(std::move(l));
  for (auto* names : {&indicators, &optional}) {
    for (auto& name : *names) {
      auto* f = in.add_indicators();
      f->set_name(std::move(name));
      f->set_mean(0.0f);
      f->set_std(1.0f);
      f->set_optional(names == &optional);
    }
  }
  in.set_use_quality(true);
  return in;
}

std::string Quoted(const std::vector<std::string>& names) {
  return absl::StrCat("[", absl::StrJoin(names, ", "), "]");
}

absl::Status CheckProbability(const std::string& where, double v) {
  if (!std::isfinite(v)) return absl::InvalidArgumentError(absl::StrCat(where, " is not finite"));
  if (v < -kProbabilityTolerance || v > 1.0 + kProbabilityTolerance) {
    return absl::InvalidArgumentError(absl::StrCat(where, " is ", v, ", outside [0, 1]"));
  }
  return absl::OkStatus();
}

// Fills `out` with one slot's features; the caller has checked the result is present.
absl::Status ExtractSlot(const ModalityInputSpec& in, const ModalityResult& result,
                         std::vector<float>* out) {
  const std::string name = ModalityName(in.modality());
  if (result.modality() != burnout::v1::MODALITY_UNSPECIFIED &&
      result.modality() != in.modality()) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": the result says it is ",
                                                   ModalityName(result.modality()),
                                                   " but was sent in the ", name, " field"));
  }
  absl::flat_hash_map<std::string, double> emotions;
  std::vector<std::string> unexpected;
  for (const auto& e : result.emotions()) {
    if (!emotions.emplace(e.label(), e.probability()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": emotion label \"", e.label(), "\" appears more than once"));
    }
  }
  std::set<std::string> expected(in.emotion_labels().begin(), in.emotion_labels().end());
  for (const auto& e : result.emotions()) {
    if (!expected.count(e.label())) unexpected.push_back(e.label());
  }
  std::vector<std::string> missing;
  for (const auto& l : in.emotion_labels()) {
    if (!emotions.contains(l)) missing.push_back(l);
  }
  if (!missing.empty() || !unexpected.empty()) {
    const std::vector<std::string> want(in.emotion_labels().begin(), in.emotion_labels().end());
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": emotion labels do not match the fusion model: missing ", Quoted(missing),
        ", unexpected ", Quoted(unexpected), "; expected ", Quoted(want)));
  }
  out->clear();
  out->reserve(InputDim(in));
  for (const auto& l : in.emotion_labels()) {
    const double p = emotions.at(l);
    if (absl::Status s = CheckProbability(absl::StrCat(name, ": emotion \"", l, "\""), p);
        !s.ok()) {
      return s;
    }
    out->push_back(static_cast<float>(std::clamp(p, 0.0, 1.0)));
  }
  for (const auto& f : in.indicators()) {
    const burnout::v1::Indicator* found = nullptr;
    for (const auto& ind : result.indicators()) {
      if (ind.name() != f.name()) continue;
      if (found != nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(name, ": indicator \"", f.name(), "\" appears more than once"));
      }
      found = &ind;
    }
    if (found == nullptr && f.optional()) {
      out->push_back(0.0f);
      out->push_back(0.0f);
      continue;
    }
    if (found == nullptr) {
      std::vector<std::string> names;
      for (const auto& g : in.indicators()) names.push_back(g.name());
      return absl::InvalidArgumentError(absl::StrCat(name, ": indicator \"", f.name(),
                                                     "\" is missing; the fusion model needs ",
                                                     Quoted(names)));
    }
    if (!std::isfinite(found->value())) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": indicator \"", f.name(), "\" is not finite"));
    }
    out->push_back(static_cast<float>((found->value() - f.mean()) / f.std()));
    if (f.optional()) out->push_back(1.0f);
  }
  if (in.use_quality()) {
    if (absl::Status s = CheckProbability(absl::StrCat(name, ": quality"), result.quality());
        !s.ok()) {
      return s;
    }
    out->push_back(std::clamp(result.quality(), 0.0f, 1.0f));
  }
  if (in.embedding_dim() > 0) {
    const burnout::v1::Embedding& e = result.embedding();
    if (e.values().empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          name, ": no embedding; this fusion model was trained on the embeddings of ",
          in.embedding_model_id(), " (", in.embedding_dim(), " values)"));
    }
    if (e.model_id() != in.embedding_model_id()) {
      return absl::FailedPreconditionError(absl::StrCat(
          name, ": the embedding comes from \"", e.model_id(),
          "\" but this fusion model was trained on the embeddings of \"",
          in.embedding_model_id(),
          "\"; embeddings of different models are never mixed: serve that model, or retrain "
          "fusion on the new one's embeddings (burnout-train-fusion --data)"));
    }
    if (e.values_size() != in.embedding_dim()) {
      return absl::FailedPreconditionError(absl::StrCat(
          name, ": the embedding has ", e.values_size(), " values; ", in.embedding_model_id(),
          "'s have ", in.embedding_dim()));
    }
    for (float v : e.values()) {
      if (!std::isfinite(v)) {
        return absl::InvalidArgumentError(absl::StrCat(name, ": the embedding is not finite"));
      }
      out->push_back(v);
    }
  }
  return absl::OkStatus();
}

}  // namespace

const std::vector<std::string>& DefaultRiskLabels() {
  static const auto* labels = new std::vector<std::string>{"low", "moderate", "high"};
  return *labels;
}

std::vector<ModalityInputSpec> DefaultInputSpecs() {
  // The text and face slots are built from what those analyzers publish (common/schema).
  std::vector<std::string> text_labels(std::begin(schema::kTextEmotionLabels), std::end(schema::kTextEmotionLabels));
  std::vector<std::string> face_labels(std::begin(schema::kFaceEmotionLabels), std::end(schema::kFaceEmotionLabels));
  std::vector<std::string> dimensions;
  for (const auto& d : schema::kTextDimensions) dimensions.push_back(d.name);
  return {
      // The burnout dimensions are optional: a text analyzer without the burnout lexicon (an
      // exported TorchScript model configured without lexicon_dir) does not report them.
      MakeInput(burnout::v1::MODALITY_TEXT, text_labels, {schema::kTextAbsolutistRatio.name}, dimensions),
      MakeInput(burnout::v1::MODALITY_VOICE, {"neutral", "happy", "angry", "sad"},
                {"pitch_variability_st", "speech_ratio", "speaking_rate_sps"}),
      // The FER model's labels; the landmark cues (absent when the landmarks could not be
      // placed) and the fatigue measures (streams only) are optional.
      MakeInput(burnout::v1::MODALITY_FACE, face_labels, {},
                {schema::kFaceSmile.name, schema::kFaceEyesOpen.name, schema::kFacePerclos.name,
                 schema::kFaceYawns.name}),
  };
}

std::string ModalityName(Modality modality) {
  switch (modality) {
    case burnout::v1::MODALITY_TEXT:
      return "text";
    case burnout::v1::MODALITY_VOICE:
      return "voice";
    case burnout::v1::MODALITY_FACE:
      return "face";
    default:
      return absl::StrCat("modality(", static_cast<int>(modality), ")");
  }
}

int InputDim(const ModalityInputSpec& input) {
  int optional = 0;
  for (const auto& f : input.indicators()) optional += f.optional() ? 1 : 0;
  return input.emotion_labels_size() + input.indicators_size() + optional + (input.use_quality() ? 1 : 0);
}

int SlotDim(const ModalityInputSpec& input) { return InputDim(input) + std::max(0, input.embedding_dim()); }

float Evidence(const FusionFeatures& features) {
  double none = 1.0;
  for (size_t m = 0; m < features.present.size(); ++m) {
    if (features.present[m]) none *= 1.0 - std::clamp(features.quality[m], 0.0f, 1.0f);
  }
  return static_cast<float>(1.0 - none);
}

int IndicatorColumn(const ModalityInputSpec& input, int j) {
  int col = input.emotion_labels_size();
  for (int k = 0; k < j; ++k) col += input.indicators(k).optional() ? 2 : 1;
  return col;
}

int PresenceColumn(const ModalityInputSpec& input, int j) {
  return input.indicators(j).optional() ? IndicatorColumn(input, j) + 1 : -1;
}

burnout::v1::RiskLevel RiskLevelForLabel(const std::string& label) {
  if (label == "low") return burnout::v1::RISK_LEVEL_LOW;
  if (label == "moderate") return burnout::v1::RISK_LEVEL_MODERATE;
  if (label == "high") return burnout::v1::RISK_LEVEL_HIGH;
  return burnout::v1::RISK_LEVEL_UNSPECIFIED;
}

absl::Status ValidateFusionSpec(const FusionSpec& spec) {
  if (spec.inputs_size() < 1 || spec.inputs_size() > 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("fusion spec: ", spec.inputs_size(), " inputs; expected 1 to 3"));
  }
  std::set<int> modalities;
  for (const auto& in : spec.inputs()) {
    const std::string name = ModalityName(in.modality());
    if (in.modality() != burnout::v1::MODALITY_TEXT &&
        in.modality() != burnout::v1::MODALITY_VOICE &&
        in.modality() != burnout::v1::MODALITY_FACE) {
      return absl::InvalidArgumentError(absl::StrCat("fusion spec: unknown input ", name));
    }
    if (!modalities.insert(in.modality()).second) {
      return absl::InvalidArgumentError(absl::StrCat("fusion spec: ", name, " listed twice"));
    }
    if (in.emotion_labels_size() == 0) {
      return absl::InvalidArgumentError(absl::StrCat("fusion spec: ", name, " has no labels"));
    }
    std::set<std::string> seen(in.emotion_labels().begin(), in.emotion_labels().end());
    if (static_cast<int>(seen.size()) != in.emotion_labels_size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("fusion spec: ", name, " has a duplicate emotion label"));
    }
    if (in.embedding_dim() < 0 || (in.embedding_dim() > 0 && in.embedding_model_id().empty())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fusion spec: ", name, " embedding_dim ", in.embedding_dim(),
          " needs to be 0, or positive with the embedding_model_id it was trained on"));
    }
    if (in.embedding_dim() > 0 && spec.embedding_projection() < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fusion spec: ", name, " takes an embedding but embedding_projection is ",
          spec.embedding_projection()));
    }
    std::set<std::string> ind;
    for (const auto& f : in.indicators()) {
      if (!ind.insert(f.name()).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("fusion spec: ", name, " lists indicator ", f.name(), " twice"));
      }
      if (!std::isfinite(f.mean()) || !std::isfinite(f.std()) || f.std() <= 0.0f) {
        return absl::InvalidArgumentError(
            absl::StrCat("fusion spec: ", name, " indicator ", f.name(), " has mean ", f.mean(),
                         " std ", f.std(), "; std must be positive and both finite"));
      }
    }
  }
  std::set<std::string> risk(spec.risk_labels().begin(), spec.risk_labels().end());
  if (spec.risk_labels_size() != 3 || risk != std::set<std::string>{"low", "moderate", "high"}) {
    return absl::InvalidArgumentError(
        absl::StrCat("fusion spec: risk_labels are ",
                     Quoted({spec.risk_labels().begin(), spec.risk_labels().end()}),
                     "; expected low, moderate, high"));
  }
  if (spec.hidden_dim() < 2 || spec.attention_dim() < 1) {
    return absl::InvalidArgumentError(absl::StrCat("fusion spec: hidden_dim ", spec.hidden_dim(),
                                                   ", attention_dim ", spec.attention_dim(),
                                                   " must be positive (hidden_dim >= 2)"));
  }
  if (!(spec.dropout() >= 0.0f && spec.dropout() < 1.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("fusion spec: dropout ", spec.dropout(), " outside [0, 1)"));
  }
  if (!std::isfinite(spec.temperature()) || spec.temperature() <= 0.0f) {
    return absl::InvalidArgumentError(
        absl::StrCat("fusion spec: temperature ", spec.temperature(), " must be positive"));
  }
  return absl::OkStatus();
}

const ModalityResult* FindModality(const FuseRequest& request, Modality modality) {
  switch (modality) {
    case burnout::v1::MODALITY_TEXT:
      return request.has_text() ? &request.text() : nullptr;
    case burnout::v1::MODALITY_VOICE:
      return request.has_voice() ? &request.voice() : nullptr;
    case burnout::v1::MODALITY_FACE:
      return request.has_face() ? &request.face() : nullptr;
    default:
      return nullptr;
  }
}

absl::StatusOr<std::vector<std::string>> PersonalizeIndicators(const FusionSpec& spec,
                                                               FuseRequest* request) {
  std::vector<std::string> read;
  for (const auto& b : request->baselines()) {
    const std::string where = absl::StrCat(ModalityName(b.modality()), ".", b.name());
    if (b.modality() != burnout::v1::MODALITY_TEXT && b.modality() != burnout::v1::MODALITY_VOICE &&
        b.modality() != burnout::v1::MODALITY_FACE) {
      return absl::InvalidArgumentError(
          absl::StrCat("baseline for ", b.name(), ": unknown modality ", b.modality()));
    }
    if (!std::isfinite(b.median()) || !std::isfinite(b.scale()) || b.scale() <= 0.0) {
      return absl::InvalidArgumentError(absl::StrCat("baseline ", where, ": median ", b.median(),
                                                     " and scale ", b.scale(),
                                                     " must be finite, the scale positive"));
    }
    if (FindModality(*request, b.modality()) == nullptr) continue;
    const burnout::v1::FeatureSpec* ind_spec = nullptr;
    for (const auto& in : spec.inputs()) {
      if (in.modality() != b.modality()) continue;
      for (const auto& f : in.indicators()) {
        if (f.name() == b.name()) ind_spec = &f;
      }
    }
    if (ind_spec == nullptr) continue;
    ModalityResult* result = b.modality() == burnout::v1::MODALITY_TEXT    ? request->mutable_text()
                             : b.modality() == burnout::v1::MODALITY_VOICE ? request->mutable_voice()
                                                                            : request->mutable_face();
    for (auto& ind : *result->mutable_indicators()) {
      if (ind.name() != b.name() || !std::isfinite(ind.value())) continue;
      const double z = std::clamp((ind.value() - b.median()) / b.scale(), -3.0, 3.0);
      ind.set_value(ind_spec->mean() + ind_spec->std() * z);
      read.push_back(where);
      break;
    }
  }
  return read;
}

absl::StatusOr<FusionFeatures> ExtractFusionFeatures(const FusionSpec& spec,
                                                     const FuseRequest& request) {
  FusionFeatures out;
  out.slots.resize(spec.inputs_size());
  out.present.assign(spec.inputs_size(), 0);
  out.quality.assign(spec.inputs_size(), 0.0f);
  bool any = false;
  for (int i = 0; i < spec.inputs_size(); ++i) {
    const ModalityInputSpec& in = spec.inputs(i);
    const ModalityResult* result = FindModality(request, in.modality());
    if (result == nullptr) {
      out.slots[i].assign(SlotDim(in), 0.0f);
      continue;
    }
    if (absl::Status s = ExtractSlot(in, *result, &out.slots[i]); !s.ok()) return s;
    out.present[i] = 1;
    out.quality[i] = std::clamp(result->quality(), 0.0f, 1.0f);
    any = true;
  }
  for (auto m :
       {burnout::v1::MODALITY_TEXT, burnout::v1::MODALITY_VOICE, burnout::v1::MODALITY_FACE}) {
    const bool in_spec =
        std::any_of(spec.inputs().begin(), spec.inputs().end(),
                    [m](const ModalityInputSpec& in) { return in.modality() == m; });
    if (!in_spec && FindModality(request, m) != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(ModalityName(m), " is present but the fusion model has no input for it"));
    }
  }
  if (!any) {
    std::vector<std::string> names;
    for (const auto& in : spec.inputs()) names.push_back(ModalityName(in.modality()));
    return absl::InvalidArgumentError(
        absl::StrCat("no modality present; the fusion model accepts ", Quoted(names)));
  }
  return out;
}

}  // namespace burnout::fusion
