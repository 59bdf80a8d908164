#include "common/config/config.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace burnout::config {
namespace {

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (first_.empty()) {
      first_ = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
      line_ = line;
    }
  }
  int line() const { return line_; }
  void AddWarning(int, int, const std::string&) override {}
  const std::string& first() const { return first_; }

 private:
  std::string first_;
  int line_ = -1;
};

// The source line an error points at, so a bad value is shown with its key.
std::string SourceLine(const std::string& text, int line) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (line < 0 || line >= static_cast<int>(lines.size())) return "";
  return std::string(absl::StripAsciiWhitespace(lines[line]));
}

}  // namespace

absl::Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  *out = std::move(ss).str();
  return absl::OkStatus();
}

absl::Status ParseTextProto(const std::string& text, const std::string& origin,
                            google::protobuf::Message* out) {
  out->Clear();
  Collector collector;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  if (!parser.ParseFromString(text, out)) {
    const std::string where = SourceLine(text, collector.line());
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": ", collector.first().empty() ? "parse error" : collector.first(),
                     where.empty() ? "" : absl::StrCat(" (in `", where, "`)")));
  }
  return absl::OkStatus();
}

absl::Status LoadTextProto(const std::string& path, google::protobuf::Message* out) {
  std::string text;
  if (absl::Status s = ReadFile(path, &text); !s.ok()) return s;
  return ParseTextProto(text, path, out);
}

std::string ResolveRelativeTo(const std::string& config_path, const std::string& path) {
  if (path.empty()) return path;
  std::filesystem::path p(path);
  if (p.is_absolute()) return path;
  return (std::filesystem::path(config_path).parent_path() / p).lexically_normal().string();
}

}  // namespace burnout::config
