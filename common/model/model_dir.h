// Model directories: `<dir>/manifest.textproto` names the model file and its SHA-256.
// Nothing is handed to a loader before the checksum matches.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "burnout/v1/model.pb.h"

namespace burnout::model {

inline constexpr char kManifestName[] = "manifest.textproto";

struct ModelDir {
  std::string dir;
  std::string model_path;  // absolute or relative to the process cwd, checked to exist
  burnout::v1::ModelManifest manifest;
};

// Lowercase hex SHA-256 of a file's bytes. NOT_FOUND if it cannot be read.
absl::StatusOr<std::string> Sha256File(const std::string& path);

// Reads and checks the manifest in `dir`: kind must equal `expected_kind`, the model file
// must exist and match its checksum. Errors name the file and what was expected.
absl::StatusOr<ModelDir> OpenModelDir(const std::string& dir, const std::string& expected_kind);

// Writes `manifest` to `dir`, filling in the sha256 of the model file it names.
absl::Status WriteManifest(const std::string& dir, burnout::v1::ModelManifest manifest);

// "name/version" — the id embeddings and provenance carry.
std::string ModelId(const burnout::v1::ModelManifest& m);

}  // namespace burnout::model
