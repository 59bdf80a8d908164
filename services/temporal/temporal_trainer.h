// Trains the GRU trend model on synthetic sequences (synthetic_sequences.h) and writes a
// model directory (model.pt + manifest.textproto). No libtorch in this header.
//
// Split: 80% train / 20% validation. Reported on validation: accuracy, recall per class,
// accuracy by sequence length, and how often a stable sequence whose newest day is an outlier
// day (or a bad day with several assessments) is still called stable; plus accuracy on longer
// sequences (21-30 steps) than were trained on, to show how far beyond max_steps the model may
// be used, and the mean P(worsening) of 200 burst probes (GenerateBurstProbes): the same values
// as one bad day's burst and spread over weeks.
//
// Deterministic: the same options and libtorch intra-op thread count give byte-identical
// model.pt and manifest (the trainer program pins one thread).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "burnout/v1/model.pb.h"

namespace burnout::temporal {

struct TemporalTrainOptions {
  std::string out_dir;        // created if missing
  std::string version = "2";  // the manifest's version (2: with gap_days)
  uint64_t seed = 23;
  int sequences = 24000;
  int epochs = 12;
  int batch_size = 64;
  double learning_rate = 3e-3;
  double weight_decay = 1e-4;
  int hidden_dim = 64;
  int layers = 2;
  double dropout = 0.1;
  int max_steps = 20;   // longest training sequence; recorded as TemporalSpec.max_steps
  std::string program;  // command line recorded in the manifest
  std::function<void(const std::string&)> log;  // progress lines; null = silent
};

struct TemporalTrainReport {
  burnout::v1::ModelManifest manifest;  // as written (sha256 filled)
  double seconds = 0.0;
};

absl::StatusOr<TemporalTrainReport> TrainTemporal(const TemporalTrainOptions& options);

}  // namespace burnout::temporal
