#include "services/voice/torch_voice_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/model/model_dir.h"
#include "common/torchscript/torchscript_model.h"
#include "services/voice/acoustics.h"
#include "services/voice/voice_model.h"

namespace burnout::voice {
namespace {

using burnout::v1::ModalityResult;
using Clock = std::chrono::steady_clock;

double Millis(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

void AddTiming(ModalityResult* r, const std::string& stage, double ms) {
  auto* t = r->add_timings();
  t->set_stage(stage);
  t->set_millis(ms);
}

class TorchVoiceModel final : public ServedVoiceModel {
 public:
  TorchVoiceModel(std::unique_ptr<torchscript::TorchScriptModel> model,
                  std::unique_ptr<VoiceModel> reference)
      : model_(std::move(model)),
        reference_(std::move(reference)),
        model_id_(model::ModelId(model_->manifest())) {}

  bool batched() const override { return true; }

  absl::StatusOr<PreparedClip> Prepare(
      const DecodedAudio& audio, const burnout::v1::VoiceQualityConfig& quality) const override {
    const auto& spec = model_->spec().audio();
    const double seconds = audio.duration_s();
    if (seconds < spec.min_seconds()) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%.3f s of audio is too short for the voice model %s, which needs at least %.3f s "
          "(torchscript.audio.min_seconds)",
          seconds, model_id_, spec.min_seconds()));
    }
    PreparedClip clip;
    SignalAnalysis signal;
    ModalityResult& r = clip.result;
    r = AnalyzeSignal(audio, quality, reference_->spec(), &signal);
    // The acoustic arousal and tension of the default mapping: measurements, kept so the
    // indicators are the same under either model.
    const EmotionEstimate acoustic = reference_->Estimate(signal.acoustics, signal.quality.quality);
    AddIndicator(&r, "arousal", acoustic.arousal, "z");
    AddIndicator(&r, "valence", acoustic.valence, "z");
    AddIndicator(&r, "tension", acoustic.tension, "z");

    // The model's input, as Wav2Vec2FeatureExtractor makes it.
    const auto t0 = Clock::now();
    const size_t max_samples =
        static_cast<size_t>(std::floor(spec.max_seconds() * kAnalysisRate));
    const bool truncated = audio.samples.size() > max_samples;
    std::vector<float> x(audio.samples.begin(),
                         audio.samples.begin() + std::min(audio.samples.size(), max_samples));
    const double input_s = static_cast<double>(x.size()) / kAnalysisRate;
    if (spec.sample_rate() != kAnalysisRate) {
      auto resampled = Resample(x, kAnalysisRate, spec.sample_rate());
      if (!resampled.ok()) return resampled.status();
      x = std::move(*resampled);
    }
    if (spec.do_normalize()) torchscript::NormalizeUtterance(&x);
    clip.input.values = std::move(x);
    AddIndicator(&r, "model_input_s", input_s, "s");
    AddIndicator(&r, "truncated", truncated ? 1.0 : 0.0, "flag");
    if (truncated) {
      r.add_quality_issues(absl::StrFormat(
          "cut: the emotion model heard the first %.1f s of %.1f s "
          "(torchscript.audio.max_seconds); the measurements cover the whole clip",
          input_s, seconds));
    }
    r.add_findings(absl::StrCat(
        "The emotions come from a neural speech model (", model_id_,
        ") that does not say which part of your voice moved them; the measurements above "
        "stand on their own."));
    *r.mutable_model() = model_->info();
    AddTiming(&r, "model_input", Millis(t0));
    return clip;
  }

  absl::Status Complete(absl::Span<PreparedClip* const> clips) const override {
    if (clips.empty()) return absl::OkStatus();
    std::vector<const torchscript::ForwardInput*> inputs;
    inputs.reserve(clips.size());
    for (const PreparedClip* c : clips) inputs.push_back(&c->input);
    const auto t0 = Clock::now();
    auto out = model_->Forward(inputs);
    if (!out.ok()) {
      return absl::Status(out.status().code(), absl::StrCat("voice model ", model_id_, ": ",
                                                            out.status().message()));
    }
    const double forward_ms = Millis(t0);
    const auto& labels = model_->spec().labels();
    for (size_t i = 0; i < clips.size(); ++i) {
      ModalityResult& r = clips[i]->result;
      const torchscript::ForwardOutput& o = (*out)[i];
      for (int l = 0; l < labels.size(); ++l) {
        auto* e = r.add_emotions();
        e->set_label(labels[l]);
        e->set_probability(o.probabilities[l]);
      }
      auto* emb = r.mutable_embedding();
      emb->clear_values();
      for (float v : o.embedding) emb->add_values(v);
      emb->set_dimension(static_cast<int>(o.embedding.size()));
      emb->set_model_id(model_id_);
      AddTiming(&r, "forward", forward_ms);
    }
    return absl::OkStatus();
  }

  double min_seconds() const override { return model_->spec().audio().min_seconds(); }
  const std::string& kind() const override { return kind_; }
  const burnout::v1::ModelInfo& info() const override { return model_->info(); }

 private:
  std::unique_ptr<torchscript::TorchScriptModel> model_;
  std::unique_ptr<VoiceModel> reference_;
  const std::string model_id_;
  const std::string kind_ = torchscript::kVoiceKind;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ServedVoiceModel>> LoadTorchVoiceModel(const std::string& dir) {
  auto model = torchscript::TorchScriptModel::Load(dir, torchscript::kVoiceKind);
  if (!model.ok()) return model.status();
  burnout::v1::ModelInfo reference_info;
  reference_info.set_name("voice-acoustic-reference");
  auto reference = VoiceModel::FromSpec(ReferenceVoiceSpec(), reference_info);
  if (!reference.ok()) return absl::InternalError(reference.status().message());
  return std::unique_ptr<ServedVoiceModel>(
      new TorchVoiceModel(std::move(*model), std::move(*reference)));
}

}  // namespace burnout::voice
