// Scratch directories for tests: one per test process under ::testing::TempDir() (the pid
// keeps concurrent runs apart), removed when the process exits. Header-only; not
// thread-safe beyond the first ScratchRoot() call (a function-local static).
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>

#include "gtest/gtest.h"

namespace burnout::testutil {

// The per-process scratch directory (created by the helpers below, not here).
inline const std::filesystem::path& ScratchRoot() {
  struct Root {
    std::filesystem::path path =
        std::filesystem::path(::testing::TempDir()) / ("burnout_test_" + std::to_string(getpid()));
    ~Root() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  };
  static Root root;
  return root.path;
}

// A path under the scratch root that does not exist yet (its parent does).
inline std::string FreshPath(const std::string& name) {
  const std::filesystem::path path = ScratchRoot() / name;
  std::filesystem::create_directories(ScratchRoot());
  std::filesystem::remove_all(path);
  return path.string();
}

// A fresh copy of `source` and everything in it (e.g. a shipped model directory) as scratch
// directory `name`.
inline std::string CopyDirectory(const std::string& source, const std::string& name) {
  const std::filesystem::path dir = ScratchRoot() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::filesystem::copy(source, dir, std::filesystem::copy_options::recursive);
  return dir.string();
}

}  // namespace burnout::testutil
