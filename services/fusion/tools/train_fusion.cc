// burnout-train-fusion: trains the attention fusion model and writes a model directory.
//
//   burnout-train-fusion --out models/fusion-attention/1 [--seed 17] [--profiles 30000]
//                        [--epochs 30] [--data aligned.tsv]
//
// Runs libtorch on one intra-op thread so the same flags give byte-identical weights.
#include <torch/utils.h>

#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/fusion/fusion_trainer.h"

namespace {

constexpr char kUsage[] =
    "usage: burnout-train-fusion --out DIR [--seed N] [--profiles N] [--epochs N] "
    "[--data FILE.tsv]\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "burnout-train-fusion: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  burnout::fusion::FusionTrainOptions options;
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string flag = args[i], value;
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (const size_t eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Fail(absl::StrCat(flag, " needs a value"));
    }
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
      return Fail(absl::StrCat("bad flag or value: ", flag, " ", value));
    }
  }
  if (options.out_dir.empty()) return Fail("--out is required");
  options.program = absl::StrJoin(args.begin(), args.end(), " ");
  options.program = absl::StrCat("burnout-train-fusion", options.program.substr(args[0].size()));
  options.log = [](const std::string& line) { std::printf("%s\n", line.c_str()); };
  torch::set_num_threads(1);
  auto report = burnout::fusion::TrainFusion(options);
  if (!report.ok()) {
    std::fprintf(stderr, "burnout-train-fusion: %s\n", report.status().ToString().c_str());
    return 1;
  }
  const auto& m = report->manifest;
  std::printf("temperature %.4f (fitted on the calibration split)\n", report->temperature);
  for (const char* name : {"val_accuracy", "ece_before", "ece_after", "nll_before", "nll_after"}) {
    std::printf("%-12s %.4f\n", name, burnout::fusion::FindMetric(m, name));
  }
  std::printf("wrote %s/model.pt (sha256 %s) and manifest.textproto in %.1f s\n",
              options.out_dir.c_str(), m.sha256().c_str(), report->seconds);
  return 0;
}
