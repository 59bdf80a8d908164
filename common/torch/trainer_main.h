// The command-line side of the trainer programs (burnout-train-*): flag parsing, usage and
// error output, and the command line recorded in the manifest. No libtorch in this header.
// Not thread-safe; meant for main().
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/status/status.h"

namespace burnout::torchx {

class TrainerCommandLine {
 public:
  // Stores one flag ("--epochs", "12"); returns false when the name or the value is bad.
  using ApplyFlag = std::function<bool(const std::string& name, const std::string& value)>;

  // `program` names the tool in messages and in the recorded command line; `usage` ends in
  // a newline.
  TrainerCommandLine(std::string program, std::string usage);

  // Parses "--name value" and "--name=value" flags, passing each to `apply`. Returns nullopt
  // to go on, or the exit code: 0 after printing the usage for --help / -h, 2 after printing
  // an error and the usage to stderr.
  std::optional<int> Parse(int argc, char** argv, const ApplyFlag& apply);

  // Prints "<program>: <message>" and the usage to stderr; returns 2.
  int Fail(const std::string& message) const;

  // Prints "<program>: <status>" to stderr; returns 1.
  int TrainingFailed(const absl::Status& status) const;

  // Prints where the model directory was written; returns 0.
  int Wrote(const std::string& out_dir, const std::string& sha256, double seconds) const;

  // The command line with argv[0] replaced by the program name (after Parse): what the
  // manifest records as its `program`.
  const std::string& recorded() const { return recorded_; }

 private:
  std::string program_;
  std::string usage_;
  std::string recorded_;
};

// Pins libtorch to one intra-op thread, so the same trainer options give byte-identical
// weights.
void UseDeterministicThreads();

}  // namespace burnout::torchx
