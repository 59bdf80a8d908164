#include "services/voice/served_model.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/model/model_dir.h"
#include "common/status/macros.h"
#include "services/voice/torch_voice_model.h"
#include "services/voice/voice_model.h"

namespace burnout::voice {
namespace {

// The default model: the whole result comes out of Prepare.
class AcousticServedModel final : public ServedVoiceModel {
 public:
  explicit AcousticServedModel(std::unique_ptr<VoiceModel> model) : model_(std::move(model)) {}

  bool batched() const override { return false; }

  absl::StatusOr<PreparedClip> Prepare(
      const DecodedAudio& audio, const burnout::v1::VoiceQualityConfig& quality) const override {
    PreparedClip clip;
    clip.result = model_->Analyze(audio, quality);
    return clip;
  }

  absl::Status Complete(absl::Span<PreparedClip* const>) const override {
    return absl::OkStatus();
  }

  const std::string& kind() const override { return kind_; }
  const burnout::v1::ModelInfo& info() const override { return model_->info(); }

 private:
  std::unique_ptr<VoiceModel> model_;
  const std::string kind_ = kVoiceModelKind;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ServedVoiceModel>> ServedVoiceModel::Load(const std::string& dir) {
  const std::string manifest_path = (std::filesystem::path(dir) / model::kManifestName).string();
  BR_ASSIGN_OR_RETURN(burnout::v1::ModelManifest manifest, model::ReadManifest(dir));
  if (manifest.kind() == kVoiceModelKind) {
    auto model = VoiceModel::Load(dir);
    if (!model.ok()) return model.status();
    return std::unique_ptr<ServedVoiceModel>(new AcousticServedModel(std::move(*model)));
  }
  if (manifest.kind() == torchscript::kVoiceKind) return LoadTorchVoiceModel(dir);
  return absl::FailedPreconditionError(absl::StrCat(
      manifest_path, ": kind is \"", manifest.kind(), "\"; the voice service serves \"",
      kVoiceModelKind, "\" (the default acoustic model) or \"", torchscript::kVoiceKind,
      "\" (an exported TorchScript model)"));
}

absl::StatusOr<burnout::v1::ModalityResult> ServedVoiceModel::Analyze(
    const DecodedAudio& audio, const burnout::v1::VoiceQualityConfig& quality) const {
  auto clip = Prepare(audio, quality);
  if (!clip.ok()) return clip.status();
  PreparedClip* one[] = {&*clip};
  if (absl::Status s = Complete(one); !s.ok()) return s;
  return std::move(clip->result);
}

}  // namespace burnout::voice
