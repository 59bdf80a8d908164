// GoEmotions (Demszky et al., ACL 2020; Apache-2.0) as the text model's training and
// evaluation data, mapped onto Ekman's six emotions plus neutral. The data stays outside the
// repository (default ../shared/data/goemotions); see its README.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace burnout::text {

inline constexpr char kGoEmotionsCredit[] =
    "GoEmotions (Demszky et al., ACL 2020), Apache-2.0, train split, Ekman mapping";

// The model's 7 labels in output order: anger, disgust, fear, joy, neutral, sadness, surprise.
const std::vector<std::string>& EkmanLabels();

struct Example {
  std::string text;
  uint32_t labels = 0;  // bit l set <=> EkmanLabels()[l] is a target; never 0 once loaded
};

// FAILED_PRECONDITION naming `dir` and what is missing (the four files the loaders need),
// with a hint to pass --data_dir.
absl::Status CheckDataDir(const std::string& dir);

// Reads `<dir>/<split>.tsv` (text<TAB>label ids<TAB>id), mapping the 28 GoEmotions labels
// through emotions.txt and ekman_mapping.json. `max_rows` > 0 keeps only the first rows.
// DATA_LOSS naming file and line for a malformed row, a bad label id or invalid UTF-8.
absl::StatusOr<std::vector<Example>> LoadGoEmotions(const std::string& dir,
                                                    const std::string& split, int max_rows = 0);

}  // namespace burnout::text
