// Strict text-proto config loading: an unknown or misspelt key, a malformed value or a
// missing file is an error that names the file, the line and the key.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace burnout::config {

// Parses `path` as a text proto into `out` (cleared first). Thread-compatible.
absl::Status LoadTextProto(const std::string& path, google::protobuf::Message* out);

// Parses `text` (named `origin` in errors).
absl::Status ParseTextProto(const std::string& text, const std::string& origin,
                            google::protobuf::Message* out);

// Resolves `path` against the directory of `config_path` unless it is absolute or empty.
std::string ResolveRelativeTo(const std::string& config_path, const std::string& path);

// Reads a whole file. NOT_FOUND / DATA_LOSS with the path in the message.
absl::Status ReadFile(const std::string& path, std::string* out);

}  // namespace burnout::config
