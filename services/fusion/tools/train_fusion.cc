// burnout-train-fusion: trains a fusion model and writes a model directory; optionally an
// evaluation report comparing variants.
//
//   burnout-train-fusion --out models/fusion-attention/1 [--variant attention] [--seed 17]
//                        [--profiles 30000] [--epochs 30] [--data aligned.tsv]
//                        [--voice_model_dir DIR] [--face_outputs FILE] [--report DIR]
//   burnout-train-fusion --variant all --out DIR [--version 1] [--report DIR]
//
// --variant all trains every variant on the same data and splits, into
// DIR/fusion-<variant>/<version>, and the report compares them (fusion_report.h).
// --voice_model_dir (default: the source tree's models/voice-acoustic/1) is the voice model
// whose mapping gives the synthetic profiles' voice emotions; --face_outputs (default: the
// source tree's services/fusion/data/fer2013_expression_outputs.textproto) the face expression
// model's measured outputs the face emotions are drawn from. Neither is needed with --data.
// Runs libtorch on one intra-op thread so the same flags give byte-identical weights.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/torch/trainer_main.h"
#include "services/fusion/fusion_report.h"
#include "services/fusion/fusion_trainer.h"
#include "common/schema/voice_mapping.h"

#ifndef BURNOUT_SOURCE_DIR
#define BURNOUT_SOURCE_DIR "."
#endif

int main(int argc, char** argv) {
  burnout::torchx::TrainerCommandLine cli(
      "burnout-train-fusion",
      "usage: burnout-train-fusion --out DIR [--variant NAME|all] [--version V] [--seed N]\n"
      "       [--profiles N] [--epochs N] [--data FILE.tsv] [--report DIR] [--voice_model_dir DIR]\n"
      "       [--face_outputs FILE] [--text_outputs FILE]\n"
      "  --variant          attention (default), cross_attention, concat, gated, weighted, or all;\n"
      "                     with all, --out is a parent: each goes to OUT/fusion-<variant>/<version>\n"
      "  --version          the model version written in the manifest (default 1)\n"
      "  --report DIR       write the evaluation report (index.md and SVG plots) into DIR\n"
      "  --embedding_projection N  width of each embedding's projector when --data carries\n"
      "                     <m>.embedding columns (default 256)\n"
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
  std::vector<burnout::fusion::FusionVariant> variants = {burnout::fusion::FusionVariant::kAttention};
  std::string report_dir;
  const auto apply = [&](const std::string& flag, const std::string& value) {
    int number = 0;
    uint64_t seed = 0;
    if (flag == "--out") {
      options.out_dir = value;
    } else if (flag == "--variant" && value == "all") {
      variants = burnout::fusion::AllFusionVariants();
    } else if (flag == "--variant" && burnout::fusion::VariantFromName(value)) {
      variants = {*burnout::fusion::VariantFromName(value)};
    } else if (flag == "--version" && !value.empty() && value.find('/') == std::string::npos) {
      options.version = value;
    } else if (flag == "--report" && !value.empty()) {
      report_dir = value;
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
    } else if (flag == "--embedding_projection" && absl::SimpleAtoi(value, &number) && number > 0) {
      options.embedding_projection = number;
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
  const bool all = variants.size() > 1;
  const std::string parent = options.out_dir;
  std::vector<burnout::fusion::FusionEvaluation> evaluations;
  int exit_code = 0;
  for (const auto variant : variants) {
    options.variant = variant;
    if (all) {
      options.out_dir = absl::StrCat(parent, "/", burnout::fusion::VariantKind(variant), "/", options.version);
    }
    std::printf("== %s -> %s\n", burnout::fusion::VariantName(variant).c_str(), options.out_dir.c_str());
    auto report = burnout::fusion::TrainFusion(options);
    if (!report.ok()) return cli.TrainingFailed(report.status());
    const auto& m = report->manifest;
    std::printf("temperature %.4f (fitted on the calibration split)\n", report->temperature);
    for (const char* name : {"val_accuracy", "ece_before", "ece_after", "nll_before", "nll_after"}) {
      std::printf("%-12s %.4f\n", name, burnout::fusion::FindMetric(m, name));
    }
    std::printf("training     %.2f s (the optimisation alone; %.2f s with data and evaluation)\n",
                report->evaluation.train_seconds, report->seconds);
    exit_code = cli.Wrote(options.out_dir, m.sha256(), report->seconds);
    evaluations.push_back(std::move(report->evaluation));
  }
  if (!report_dir.empty()) {
    const auto start = std::chrono::steady_clock::now();
    burnout::fusion::FusionReportOptions report_options;
    report_options.data = options.data_path.empty() ? "synthetic profiles (services/fusion/synthetic_profiles.h)"
                                                    : options.data_path;
    report_options.program = options.program;
    if (auto s = burnout::fusion::WriteFusionReport(report_dir, evaluations, report_options); !s.ok()) {
      return cli.TrainingFailed(s);
    }
    std::printf("report: %s/index.md (%.2f s)\n", report_dir.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return exit_code;
}
