// Model directories: `<dir>/manifest.textproto` names the model file and its SHA-256.
// Nothing is handed to a loader before the checksum matches.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "burnout/v1/common.pb.h"
#include "burnout/v1/model.pb.h"
#include "google/protobuf/message.h"

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

// Models whose file is a text proto (the hand-set voice and face models): opens `dir`
// (kind, checksum), parses the file into `spec` and returns its provenance. Every failure is
// FAILED_PRECONDITION naming the file. `model_path` (optional) receives the file's path.
absl::StatusOr<burnout::v1::ModelInfo> LoadTextModel(const std::string& dir,
                                                     const std::string& expected_kind,
                                                     google::protobuf::Message* spec,
                                                     std::string* model_path = nullptr);

// Writes `spec` as a text proto, after the comment `header`, to dir/manifest.file(), then
// the manifest with its checksum. Creates `dir`.
absl::Status WriteTextModel(const std::string& dir, const google::protobuf::Message& spec,
                            absl::string_view header, burnout::v1::ModelManifest manifest);

// "name/version" — the id embeddings and provenance carry.
std::string ModelId(const burnout::v1::ModelManifest& m);

}  // namespace burnout::model
