// A value at a time: an assessment's risk or stress, a check-in's score.
#pragma once

#include <cstdint>

namespace burnout::insight {

struct TimedValue {
  int64_t time_ms = 0;  // Unix epoch milliseconds, UTC
  double value = 0;
};

}  // namespace burnout::insight
