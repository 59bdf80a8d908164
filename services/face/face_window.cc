#include "services/face/face_window.h"

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace burnout::face {

void FaceWindow::Add(int64_t capture_time_us, const burnout::v1::ModalityResult& frame) {
  frames_.push_back({capture_time_us, frame});
  while (!frames_.empty() && capture_time_us - frames_.front().time_us > window_us_) {
    frames_.pop_front();
  }
}

double FaceWindow::span_s() const {
  if (frames_.size() < 2) return 0.0;
  return static_cast<double>(frames_.back().time_us - frames_.front().time_us) / 1e6;
}

burnout::v1::ModalityResult FaceWindow::Summary() const {
  burnout::v1::ModalityResult out;
  out.set_modality(burnout::v1::MODALITY_FACE);
  if (frames_.empty()) return out;
  const auto& newest = frames_.back().result;
  *out.mutable_model() = newest.model();
  const int n = static_cast<int>(frames_.size());

  // Emotions: quality-weighted mean over the label set of the newest frame.
  std::vector<double> emotions(newest.emotions_size(), 0.0);
  double weight_sum = 0.0;
  for (const auto& f : frames_) {
    const double w = f.result.quality();
    if (f.result.emotions_size() != newest.emotions_size()) continue;
    for (int i = 0; i < newest.emotions_size(); ++i) {
      emotions[i] += w * f.result.emotions(i).probability();
    }
    weight_sum += w;
  }
  for (int i = 0; i < newest.emotions_size(); ++i) {
    auto* e = out.add_emotions();
    e->set_label(newest.emotions(i).label());
    e->set_probability(weight_sum > 0 ? static_cast<float>(emotions[i] / weight_sum)
                                      : 1.0f / static_cast<float>(newest.emotions_size()));
  }

  // Indicators: per-name means, in the newest frame's order.
  std::map<std::string, std::pair<double, int>> sums;
  double quality = 0.0;
  int detected = 0;
  std::map<std::string, int> issues, detectors;
  for (const auto& f : frames_) {
    quality += f.result.quality();
    for (const auto& ind : f.result.indicators()) {
      auto& s = sums[ind.name()];
      s.first += ind.value();
      s.second += 1;
      if (ind.name() == "face_detected" && ind.value() > 0.5) ++detected;
    }
    for (const auto& issue : f.result.quality_issues()) ++issues[issue];
    auto it = f.result.details().find("detector");
    if (it != f.result.details().end()) ++detectors[it->second];
  }
  for (const auto& ind : newest.indicators()) {
    const auto& s = sums[ind.name()];
    auto* o = out.add_indicators();
    o->set_name(ind.name());
    o->set_unit(ind.name() == "face_detected" ? "ratio" : ind.unit());
    o->set_value(s.second > 0 ? s.first / s.second : 0.0);
  }
  auto* frames_ind = out.add_indicators();
  frames_ind->set_name("window_frames");
  frames_ind->set_unit("count");
  frames_ind->set_value(n);
  out.set_quality(static_cast<float>(quality / n));
  for (const auto& [issue, count] : issues) {
    out.add_quality_issues(absl::StrCat(issue, " (", count, " of ", n, " frames)"));
  }
  std::string used;
  for (const auto& [name, count] : detectors) {
    absl::StrAppend(&used, used.empty() ? "" : ", ", name, " ", count);
  }
  if (!used.empty()) (*out.mutable_details())["detectors"] = used;

  // Embedding: mean of the frames with a detected face (all frames when none), L2-normalised.
  const int dim = newest.embedding().values_size();
  if (dim > 0) {
    std::vector<double> mean(dim, 0.0);
    int used_frames = 0;
    for (const auto& f : frames_) {
      bool face = false;
      for (const auto& ind : f.result.indicators()) {
        if (ind.name() == "face_detected") face = ind.value() > 0.5;
      }
      if ((detected > 0 && !face) || f.result.embedding().values_size() != dim) continue;
      for (int i = 0; i < dim; ++i) mean[i] += f.result.embedding().values(i);
      ++used_frames;
    }
    double norm = 0.0;
    for (double v : mean) norm += v * v;
    norm = std::sqrt(norm);
    auto* emb = out.mutable_embedding();
    emb->set_model_id(newest.embedding().model_id());
    emb->set_dimension(dim);
    for (double v : mean) emb->add_values(norm > 0 ? static_cast<float>(v / norm) : 0.0f);
  }

  // Findings a person can check: how often a face was seen, and the leading expression.
  out.add_findings(absl::StrFormat("A face was found in %d of the %d analysed frames of the last %.1f s.",
                                   detected, n, span_s()));
  int top = -1;
  for (int i = 0; i < out.emotions_size(); ++i) {
    if (top < 0 || out.emotions(i).probability() > out.emotions(top).probability()) top = i;
  }
  if (top >= 0 && weight_sum > 0) {
    out.add_findings(absl::StrFormat("Over the window the expression read mostly as %s (%.0f%%).",
                                     out.emotions(top).label(),
                                     100.0 * out.emotions(top).probability()));
  }
  return out;
}

}  // namespace burnout::face
