// burnout-train-temporal: trains the GRU trend model and writes a model directory.
//
//   burnout-train-temporal --out models/temporal-gru/1 [--seed 23] [--sequences 8000]
//                          [--epochs 25]
//
// Runs libtorch on one intra-op thread so the same flags give byte-identical weights.
#include <torch/utils.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/temporal/temporal_trainer.h"

namespace {

constexpr char kUsage[] =
    "usage: burnout-train-temporal --out DIR [--seed N] [--sequences N] [--epochs N]\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "burnout-train-temporal: %s\n%s", message.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  burnout::temporal::TemporalTrainOptions options;
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
    } else if (flag == "--seed" && absl::SimpleAtoi(value, &seed)) {
      options.seed = seed;
    } else if (flag == "--sequences" && absl::SimpleAtoi(value, &number) && number > 0) {
      options.sequences = number;
    } else if (flag == "--epochs" && absl::SimpleAtoi(value, &number) && number > 0) {
      options.epochs = number;
    } else {
      return Fail(absl::StrCat("bad flag or value: ", flag, " ", value));
    }
  }
  if (options.out_dir.empty()) return Fail("--out is required");
  options.program =
      absl::StrCat("burnout-train-temporal",
                   absl::StrJoin(args.begin(), args.end(), " ").substr(args[0].size()));
  options.log = [](const std::string& line) { std::printf("%s\n", line.c_str()); };
  torch::set_num_threads(1);
  auto report = burnout::temporal::TrainTemporal(options);
  if (!report.ok()) {
    std::fprintf(stderr, "burnout-train-temporal: %s\n", report.status().ToString().c_str());
    return 1;
  }
  std::printf("wrote %s/model.pt (sha256 %s) and manifest.textproto in %.1f s\n",
              options.out_dir.c_str(), report->manifest.sha256().c_str(), report->seconds);
  return 0;
}
