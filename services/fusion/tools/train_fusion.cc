// burnout-train-fusion: trains the attention fusion model and writes a model directory.
//
//   burnout-train-fusion --out models/fusion-attention/1 [--seed 17] [--profiles 30000]
//                        [--epochs 30] [--data aligned.tsv] [--voice_model_dir DIR]
//                        [--face_outputs FILE]
//
// --voice_model_dir (default: the source tree's models/voice-acoustic/1) is the voice model
// whose mapping gives the synthetic profiles' voice emotions; --face_outputs (default: the
// source tree's services/fusion/data/fer2013_expression_outputs.textproto) the face expression
// model's measured outputs the face emotions are drawn from. Neither is needed with --data.
// Runs libtorch on one intra-op thread so the same flags give byte-identical weights.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/torch/trainer_main.h"
#include "services/fusion/fusion_trainer.h"
#include "common/schema/voice_mapping.h"

#ifndef BURNOUT_SOURCE_DIR
#define BURNOUT_SOURCE_DIR "."
#endif

int main(int argc, char** argv) {
  burnout::torchx::TrainerCommandLine cli(
      "burnout-train-fusion",
      "usage: burnout-train-fusion --out DIR [--seed N] [--profiles N] [--epochs N] "
      "[--data FILE.tsv] [--voice_model_dir DIR] [--face_outputs FILE] [--text_outputs FILE]\n"
      "  --voice_model_dir  voice model whose mapping gives the synthetic voice emotions\n"
      "                     (default " BURNOUT_SOURCE_DIR "/models/voice-acoustic/1)\n"
      "  --face_outputs     the face expression model's outputs per true label (default\n"
      "                     " BURNOUT_SOURCE_DIR "/services/fusion/data/fer2013_expression_outputs.textproto)\n"
      "  --text_outputs     the text emotion model's outputs per true label (default\n"
      "                     " BURNOUT_SOURCE_DIR "/services/fusion/data/goemotions_text_outputs.textproto)\n");
  burnout::fusion::FusionTrainOptions options;
  std::string voice_model_dir = BURNOUT_SOURCE_DIR "/models/voice-acoustic/1";
  std::string face_outputs_path = BURNOUT_SOURCE_DIR "/services/fusion/data/fer2013_expression_outputs.textproto";
  std::string text_outputs_path = BURNOUT_SOURCE_DIR "/services/fusion/data/goemotions_text_outputs.textproto";
  const auto apply = [&options, &voice_model_dir, &face_outputs_path, &text_outputs_path](const std::string& flag,
                                                                                          const std::string& value) {
    int number = 0;
    uint64_t seed = 0;
    if (flag == "--out") {
      options.out_dir = value;
    } else if (flag == "--data") {
      options.data_path = value;
    } else if (flag == "--voice_model_dir" && !value.empty()) {
      voice_model_dir = value;
    } else if (flag == "--face_outputs" && !value.empty()) {
      face_outputs_path = value;
    } else if (flag == "--text_outputs" && !value.empty()) {
      text_outputs_path = value;
    } else if (flag == "--seed" && absl::SimpleAtoi(value, &seed)) {
      options.seed = seed;
    } else if (flag == "--profiles" && absl::SimpleAtoi(value, &number) && number > 0) {
      options.profiles = number;
    } else if (flag == "--epochs" && absl::SimpleAtoi(value, &number) && number > 0) {
      options.epochs = number;
    } else {
      return false;
    }
    return true;
  };
  if (const auto exit_code = cli.Parse(argc, argv, apply)) return *exit_code;
  if (options.out_dir.empty()) return cli.Fail("--out is required");
  options.program = cli.recorded();
  std::unique_ptr<const burnout::schema::VoiceMapping> voice_model;
  burnout::v1::ExpressionOutputProfile face_outputs, text_outputs;
  if (options.data_path.empty()) {
    auto loaded = burnout::schema::VoiceMapping::Load(voice_model_dir, &options.voice_model_info);
    if (!loaded.ok()) {
      return cli.TrainingFailed(absl::FailedPreconditionError(absl::StrCat(
          "cannot load the voice model from ", voice_model_dir, " (--voice_model_dir): ",
          loaded.status().message(),
          ". The synthetic voice emotions come from its mapping; build it with "
          "burnout-build-voice-model or pass --voice_model_dir.")));
    }
    voice_model = *std::move(loaded);
    options.voice_model = voice_model.get();
    std::printf("voice emotions from %s (%s/%s)\n", voice_model_dir.c_str(),
                options.voice_model_info.name().c_str(), options.voice_model_info.version().c_str());
    if (auto s = burnout::config::LoadTextProto(face_outputs_path, &face_outputs); !s.ok()) {
      return cli.TrainingFailed(absl::FailedPreconditionError(absl::StrCat(
          "cannot load the face expression outputs (--face_outputs): ", s.message(),
          ". Measure them with burnout-eval-face --mode model --write_outputs.")));
    }
    options.face_outputs = &face_outputs;
    std::printf("face emotions from %s (%s)\n", face_outputs_path.c_str(), face_outputs.model_id().c_str());
    if (auto s = burnout::config::LoadTextProto(text_outputs_path, &text_outputs); !s.ok()) {
      return cli.TrainingFailed(absl::FailedPreconditionError(absl::StrCat(
          "cannot load the text emotion outputs (--text_outputs): ", s.message(),
          ". Measure them with burnout-eval-text --write_outputs.")));
    }
    options.text_outputs = &text_outputs;
    std::printf("text emotions from %s (%s)\n", text_outputs_path.c_str(), text_outputs.model_id().c_str());
  }
  options.log = [](const std::string& line) { std::printf("%s\n", line.c_str()); };
  burnout::torchx::UseDeterministicThreads();
  auto report = burnout::fusion::TrainFusion(options);
  if (!report.ok()) return cli.TrainingFailed(report.status());
  const auto& m = report->manifest;
  std::printf("temperature %.4f (fitted on the calibration split)\n", report->temperature);
  for (const char* name : {"val_accuracy", "ece_before", "ece_after", "nll_before", "nll_after"}) {
    std::printf("%-12s %.4f\n", name, burnout::fusion::FindMetric(m, name));
  }
  return cli.Wrote(options.out_dir, m.sha256(), report->seconds);
}
