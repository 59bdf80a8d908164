#include "services/fusion/fusion_dataset.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/fusion/fusion_features.h"
#include "services/fusion/synthetic_profiles.h"

namespace burnout::fusion {
namespace {

using burnout::v1::FuseRequest;
using burnout::v1::ModalityResult;

// One header column of a modality: what it fills in a ModalityResult.
struct Column {
  int index = 0;
  enum Kind { kEmotion, kIndicator, kQuality, kEmbedding, kEmbeddingModel } kind = kIndicator;
  std::string name;  // emotion label or indicator name
};

struct ModalityColumns {
  burnout::v1::Modality modality;
  std::vector<Column> columns;
};

ModalityResult* MutableModality(FuseRequest* request, burnout::v1::Modality m) {
  if (m == burnout::v1::MODALITY_TEXT) return request->mutable_text();
  if (m == burnout::v1::MODALITY_VOICE) return request->mutable_voice();
  return request->mutable_face();
}

}  // namespace

std::vector<LabelledExample> SyntheticExamples(int count, uint64_t seed,
                                               const ProfileOptions& options) {
  std::vector<LabelledExample> out;
  out.reserve(std::max(count, 0));
  for (const SyntheticProfile& p : GenerateProfiles(count, seed, options)) {
    LabelledExample ex;
    ex.observed = ToFuseRequest(p, {true, true, true});
    ex.present.assign(p.present.begin(), p.present.end());
    ex.label = p.label;
    out.push_back(std::move(ex));
  }
  return out;
}

absl::StatusOr<std::vector<LabelledExample>> LoadFusionTsv(const std::string& path,
                                                           const burnout::v1::FusionSpec& spec) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open data file ", path));
  std::string line;
  int line_no = 0;
  std::vector<std::string> header;
  while (header.empty() && std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    for (absl::string_view c : absl::StrSplit(line, '\t')) {
      header.emplace_back(absl::StripAsciiWhitespace(c));
    }
  }
  if (header.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no header line"));
  int label_col = -1;
  std::vector<ModalityColumns> modalities;
  for (const auto& input : spec.inputs()) modalities.push_back({input.modality(), {}});
  for (int c = 0; c < static_cast<int>(header.size()); ++c) {
    const std::string& h = header[c];
    if (h == "label") {
      label_col = c;
      continue;
    }
    const std::vector<std::string> parts = absl::StrSplit(h, absl::MaxSplits('.', 1));
    ModalityColumns* owner = nullptr;
    for (auto& mc : modalities) {
      if (parts.size() == 2 && ModalityName(mc.modality) == parts[0]) owner = &mc;
    }
    if (owner == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", line_no, ": column \"", h,
                       "\" is neither label nor <modality>.<field> of a modality the model uses"));
    }
    Column col;
    col.index = c;
    if (parts[1] == "quality") {
      col.kind = Column::kQuality;
    } else if (parts[1] == "embedding") {
      col.kind = Column::kEmbedding;
    } else if (parts[1] == "embedding_model") {
      col.kind = Column::kEmbeddingModel;
    } else if (absl::StartsWith(parts[1], "emotion.")) {
      col.kind = Column::kEmotion;
      col.name = parts[1].substr(8);
    } else {
      col.name = parts[1];
    }
    owner->columns.push_back(std::move(col));
  }
  for (int i = 0; i < spec.inputs_size(); ++i) {
    bool has_quality = false;
    for (const Column& col : modalities[i].columns) has_quality |= col.kind == Column::kQuality;
    if (spec.inputs(i).use_quality() && !modalities[i].columns.empty() && !has_quality) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": the header has no ", ModalityName(spec.inputs(i).modality()), ".quality"));
    }
  }
  if (label_col < 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the header has no \"label\" column"));
  }
  std::vector<LabelledExample> out;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> cells = absl::StrSplit(line, '\t');
    const std::string where = absl::StrCat(path, ":", line_no);
    if (cells.size() != header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": ", cells.size(), " cells, the header has ", header.size()));
    }
    LabelledExample ex;
    ex.label = -1;
    const std::string label(absl::StripAsciiWhitespace(cells[label_col]));
    for (int k = 0; k < spec.risk_labels_size(); ++k) {
      if (spec.risk_labels(k) == label) ex.label = k;
    }
    if (ex.label < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": label \"", label, "\" is not one of low, moderate, high"));
    }
    for (size_t m = 0; m < modalities.size(); ++m) {
      const auto& mc = modalities[m];
      // An optional indicator's cell may be empty (the analyzer left it out); any other
      // empty cell marks the modality absent.
      auto optional = [&](const Column& col) {
        if (col.kind != Column::kIndicator) return false;
        for (const auto& f : spec.inputs(static_cast<int>(m)).indicators()) {
          if (f.name() == col.name) return f.optional();
        }
        return false;
      };
      bool any = false, all = true;
      for (const Column& col : mc.columns) {
        const bool empty = absl::StripAsciiWhitespace(cells[col.index]).empty();
        if (optional(col)) continue;
        any = any || !empty;
        all = all && !empty;
      }
      ex.present.push_back(any ? 1 : 0);
      if (!any) continue;
      ModalityResult* r = MutableModality(&ex.observed, mc.modality);
      r->set_modality(mc.modality);
      for (const Column& col : mc.columns) {
        const absl::string_view cell = absl::StripAsciiWhitespace(cells[col.index]);
        double v = 0.0;
        if (cell.empty() && optional(col)) continue;
        if (col.kind == Column::kEmbeddingModel && !cell.empty()) {
          r->mutable_embedding()->set_model_id(std::string(cell));
          continue;
        }
        if (col.kind == Column::kEmbedding && !cell.empty()) {
          auto* e = r->mutable_embedding();
          for (absl::string_view value : absl::StrSplit(cell, ' ', absl::SkipEmpty())) {
            float f = 0.0f;
            if (!absl::SimpleAtof(value, &f) || !std::isfinite(f)) {
              return absl::InvalidArgumentError(absl::StrCat(
                  where, ": column ", header[col.index], " value ", e->values_size() + 1, " is \"",
                  value, "\"; expected finite numbers separated by spaces"));
            }
            e->add_values(f);
          }
          e->set_dimension(e->values_size());
          continue;
        }
        if (cell.empty() || !absl::SimpleAtod(cell, &v)) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": column ", header[col.index], " is \"", cell, "\"; ",
                           all ? "" : "a modality with some cells filled needs all of them, ",
                           "expected a number"));
        }
        if (col.kind == Column::kEmotion) {
          auto* e = r->add_emotions();
          e->set_label(col.name);
          e->set_probability(static_cast<float>(v));
        } else if (col.kind == Column::kQuality) {
          r->set_quality(static_cast<float>(v));
        } else {
          auto* ind = r->add_indicators();
          ind->set_name(col.name);
          ind->set_value(v);
        }
      }
    }
    auto features = ExtractFusionFeatures(spec, ex.observed);
    if (!features.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", features.status().message()));
    }
    out.push_back(std::move(ex));
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no data rows"));
  return out;
}

absl::StatusOr<std::vector<SlotEmbedding>> DataEmbeddings(const burnout::v1::FusionSpec& spec,
                                                          const std::vector<LabelledExample>& data) {
  std::vector<SlotEmbedding> out(spec.inputs_size());
  for (int m = 0; m < spec.inputs_size(); ++m) {
    const std::string name = ModalityName(spec.inputs(m).modality());
    int with = 0, without = 0;
    for (size_t i = 0; i < data.size(); ++i) {
      const ModalityResult* r = FindModality(data[i].observed, spec.inputs(m).modality());
      if (r == nullptr) continue;
      const auto& e = r->embedding();
      if (e.values().empty()) {
        ++without;
        continue;
      }
      if (with++ == 0) {
        out[m] = {e.model_id(), e.values_size()};
        if (e.model_id().empty()) {
          return absl::InvalidArgumentError(absl::StrCat(
              "example ", i, ": the ", name, " embedding has no model id (", name, ".embedding_model)"));
        }
      } else if (e.model_id() != out[m].model_id || e.values_size() != out[m].dimension) {
        return absl::InvalidArgumentError(absl::StrCat(
            "example ", i, ": the ", name, " embedding is ", e.model_id(), " (", e.values_size(),
            " values) but earlier ones are ", out[m].model_id, " (", out[m].dimension,
            "); embeddings of different models are never mixed"));
      }
    }
    if (with > 0 && without > 0) {
      return absl::InvalidArgumentError(absl::StrCat(with, " examples carry a ", name, " embedding and ",
                                                     without, " do not; give it for all or none"));
    }
  }
  return out;
}

}  // namespace burnout::fusion
