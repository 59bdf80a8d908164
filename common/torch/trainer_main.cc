#include "common/torch/trainer_main.h"

#include <torch/utils.h>

#include <cstdio>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace burnout::torchx {

TrainerCommandLine::TrainerCommandLine(std::string program, std::string usage)
    : program_(std::move(program)), usage_(std::move(usage)) {}

std::optional<int> TrainerCommandLine::Parse(int argc, char** argv, const ApplyFlag& apply) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string flag = args[i], value;
    if (flag == "--help" || flag == "-h") {
      std::fputs(usage_.c_str(), stdout);
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
    if (!apply(flag, value)) return Fail(absl::StrCat("bad flag or value: ", flag, " ", value));
  }
  recorded_ = absl::StrCat(program_, absl::StrJoin(args, " ").substr(args[0].size()));
  return std::nullopt;
}

int TrainerCommandLine::Fail(const std::string& message) const {
  std::fprintf(stderr, "%s: %s\n%s", program_.c_str(), message.c_str(), usage_.c_str());
  return 2;
}

int TrainerCommandLine::TrainingFailed(const absl::Status& status) const {
  std::fprintf(stderr, "%s: %s\n", program_.c_str(), status.ToString().c_str());
  return 1;
}

int TrainerCommandLine::Wrote(const std::string& out_dir, const std::string& sha256,
                              double seconds) const {
  std::printf("wrote %s/model.pt (sha256 %s) and manifest.textproto in %.1f s\n",
              out_dir.c_str(), sha256.c_str(), seconds);
  return 0;
}

void UseDeterministicThreads() { torch::set_num_threads(1); }

}  // namespace burnout::torchx
