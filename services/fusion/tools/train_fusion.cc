// burnout-train-fusion: trains the attention fusion model and writes a model directory.
//
//   burnout-train-fusion --out models/fusion-attention/1 [--seed 17] [--profiles 30000]
//                        [--epochs 30] [--data aligned.tsv]
//
// Runs libtorch on one intra-op thread so the same flags give byte-identical weights.
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "common/torch/trainer_main.h"
#include "services/fusion/fusion_trainer.h"

int main(int argc, char** argv) {
  burnout::torchx::TrainerCommandLine cli(
      "burnout-train-fusion",
      "usage: burnout-train-fusion --out DIR [--seed N] [--profiles N] [--epochs N] "
      "[--data FILE.tsv]\n");
  burnout::fusion::FusionTrainOptions options;
  const auto apply = [&options](const std::string& flag, const std::string& value) {
    int number = 0;
    uint64_t seed = 0;
    if (flag == "--out") {
      options.out_dir = value;
    } else if (flag == "--data") {
      options.data_path = value;
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
