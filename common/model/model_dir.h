// Model directories: `<dir>/manifest.textproto` names the model file and its SHA-256.
// Nothing is handed to a loader before the checksum matches.
#pragma once

#include <string>
#include <vector>

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

// Reads `dir`'s manifest without checking the model file (to pick a loader by its kind).
// FAILED_PRECONDITION "model manifest: ..." when missing or malformed.
absl::StatusOr<burnout::v1::ModelManifest> ReadManifest(const std::string& dir);

// Reads and checks the manifest in `dir`: kind must equal `expected_kind`, the model file
// must exist and match its checksum. Errors name the file and what was expected.
absl::StatusOr<ModelDir> OpenModelDir(const std::string& dir, const std::string& expected_kind);

// `relative` resolved inside `dir`: FAILED_PRECONDITION (naming `manifest_path` and `what`)
// when it is empty, absolute, climbs out with "..", or is a symlink leading outside `dir` —
// model files are code, so nothing is loaded from anywhere but the configured directory.
absl::StatusOr<std::string> FileInside(const std::string& dir, const std::string& relative,
                                       const std::string& manifest_path, const std::string& what);

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

// The version a configured model path stands for. `path` is either a version directory
// (it holds manifest.textproto) or a model directory `<name>/` whose numeric subdirectories
// `<name>/<version>/` are versions, as in TF Serving's and Triton's repositories; the highest
// numbered version with a manifest is served.
struct ModelVersion {
  std::string dir;          // the version directory
  std::string version;      // its directory name ("3"), or the manifest's version
  // Changes whenever the manifest's bytes or the model file's size or mtime change, so a
  // version whose load failed is retried once its files have been rewritten.
  std::string fingerprint;
};
// NOT_FOUND naming the path when it is neither a version directory nor holds one.
absl::StatusOr<ModelVersion> ResolveModelVersion(const std::string& path);

// "name/version" — the id embeddings and provenance carry.
std::string ModelId(const burnout::v1::ModelManifest& m);

}  // namespace burnout::model
