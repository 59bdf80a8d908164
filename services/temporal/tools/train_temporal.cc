// burnout-train-temporal: trains the GRU trend model and writes a model directory.
//
//   burnout-train-temporal --out models/temporal-gru/2 [--seed 23] [--sequences 24000]
//                          [--epochs 12] [--version 2]
//
// Runs libtorch on one intra-op thread so the same flags give byte-identical weights.
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "common/torch/trainer_main.h"
#include "services/temporal/temporal_trainer.h"

int main(int argc, char** argv) {
  burnout::torchx::TrainerCommandLine cli(
      "burnout-train-temporal",
      "usage: burnout-train-temporal --out DIR [--seed N] [--sequences N] [--epochs N] "
      "[--version V]\n");
  burnout::temporal::TemporalTrainOptions options;
  const auto apply = [&options](const std::string& flag, const std::string& value) {
    int number = 0;
    uint64_t seed = 0;
    if (flag == "--out") {
      options.out_dir = value;
    } else if (flag == "--seed" && absl::SimpleAtoi(value, &seed)) {
      options.seed = seed;
    } else if (flag == "--sequences" && absl::SimpleAtoi(value, &number) && number > 0) {
      options.sequences = number;
    } else if (flag == "--epochs" && absl::SimpleAtoi(value, &number) && number > 0) {
      options.epochs = number;
    } else if (flag == "--version" && !value.empty() && value.find('/') == std::string::npos) {
      options.version = value;
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
  auto report = burnout::temporal::TrainTemporal(options);
  if (!report.ok()) return cli.TrainingFailed(report.status());
  return cli.Wrote(options.out_dir, report->manifest.sha256(), report->seconds);
}
