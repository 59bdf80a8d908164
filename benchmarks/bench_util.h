// What the benchmarks share: percentiles, and starting / stopping the stack with burnoutctl.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace burnout::bench {

// The q-quantile (0..1) by nearest rank; 0 for no samples.
inline double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * (v.size() - 1) + 0.5))];
}

#if defined(BURNOUT_BIN_DIR) && defined(BURNOUT_SOURCE_DIR)
// `burnoutctl <args>` on the default stack config with its run files in `run`; the exit code.
inline int Ctl(const std::filesystem::path& run, const std::string& args) {
  const std::string cmd = std::string(BURNOUT_BIN_DIR) + "/burnoutctl --config " +
                          BURNOUT_SOURCE_DIR + "/config/stack.textproto --run_dir " +
                          run.string() + " " + args + " >/dev/null";
  return std::system(cmd.c_str());
}
#endif

}  // namespace burnout::bench
