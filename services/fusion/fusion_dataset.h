// Labelled fusion examples: from the synthetic generator, or from a user's real aligned data
// set in a TSV file. No libtorch here.
//
// TSV format (UTF-8, tab-separated, first non-comment line is the header, '#' lines skipped):
//   label              low | moderate | high
//   <m>.emotion.<l>    probability of emotion label <l> from modality <m>'s analyzer
//   <m>.<indicator>    an indicator value, raw (the trainer standardises it)
//   <m>.quality        0..1
//   <m>.embedding      optional: the analyzer's embedding, values separated by spaces
//   <m>.embedding_model  with it: the embedding's model id ("<name>/<version>")
// where <m> is text, voice or face. Every column the model needs must be in the header
// (see DefaultInputSpecs()); extra columns of a known modality are passed on as indicators
// and ignored by the model. In a row, a modality whose cells are ALL empty is absent; a
// modality with some cells filled must have all of them. Example header (abridged):
//   label  text.emotion.anger ... text.exhaustion ... text.quality  voice.emotion.sad ...
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "burnout/v1/fusion.pb.h"
#include "burnout/v1/model.pb.h"
#include "services/fusion/synthetic_profiles.h"

namespace burnout::fusion {

struct LabelledExample {
  // Every modality observed for this example (the model input when all are used).
  burnout::v1::FuseRequest observed;
  // Which of the spec's slots the example presents to the model in training: a non-empty
  // subset of the observed ones.
  std::vector<uint8_t> present;
  int label = 0;  // index into the spec's risk_labels
};

// `count` synthetic profiles (see synthetic_profiles.h; options.voice_model is required);
// `present` is the profile's random subset. The spec must use DefaultInputSpecs()' slot
// order.
std::vector<LabelledExample> SyntheticExamples(int count, uint64_t seed,
                                               const ProfileOptions& options);

// Which embedding every present row of slot m carries: the model id and dimension, or an empty
// id when the rows carry none. INVALID_ARGUMENT when some rows carry one and others do not, or
// they come from different models or dimensions (embeddings of different models never mix).
struct SlotEmbedding {
  std::string model_id;
  int dimension = 0;
};
absl::StatusOr<std::vector<SlotEmbedding>> DataEmbeddings(const burnout::v1::FusionSpec& spec,
                                                          const std::vector<LabelledExample>& data);

// Reads a TSV file as documented above. Every row is checked against `spec` (names only;
// statistics are not used): errors are INVALID_ARGUMENT / NOT_FOUND naming the file, the line
// and the column.
absl::StatusOr<std::vector<LabelledExample>> LoadFusionTsv(const std::string& path,
                                                           const burnout::v1::FusionSpec& spec);

}  // namespace burnout::fusion
