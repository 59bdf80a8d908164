#include "services/text/goemotions.h"

#include <filesystem>
#include <fstream>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/config/config.h"
#include "common/status/macros.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/text/tokenizer.h"

namespace burnout::text {
namespace {

constexpr const char* kRequiredFiles[] = {"train.tsv", "dev.tsv", "emotions.txt",
                                          "ekman_mapping.json"};

std::string Join(const std::string& dir, const std::string& name) {
  return (std::filesystem::path(dir) / name).string();
}

int LabelIndex(const std::string& name) {
  const auto& labels = EkmanLabels();
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == name) return static_cast<int>(i);
  }
  return -1;
}

// GoEmotions label id -> bit of its Ekman label.
absl::StatusOr<std::vector<uint32_t>> LoadLabelMap(const std::string& dir) {
  std::string names_text, mapping_text;
  BR_RETURN_IF_ERROR(config::ReadFile(Join(dir, "emotions.txt"), &names_text));
  BR_RETURN_IF_ERROR(config::ReadFile(Join(dir, "ekman_mapping.json"), &mapping_text));
  google::protobuf::Struct mapping;
  if (!google::protobuf::util::JsonStringToMessage(mapping_text, &mapping).ok()) {
    return absl::DataLossError(absl::StrCat(Join(dir, "ekman_mapping.json"), ": not valid JSON"));
  }
  absl::flat_hash_map<std::string, uint32_t> to_bit = {{"neutral", 1u << LabelIndex("neutral")}};
  for (const auto& [ekman, members] : mapping.fields()) {
    const int index = LabelIndex(ekman);
    if (index < 0 || !members.has_list_value()) {
      return absl::DataLossError(
          absl::StrCat(Join(dir, "ekman_mapping.json"), ": unexpected entry \"", ekman, "\""));
    }
    for (const auto& v : members.list_value().values()) to_bit[v.string_value()] = 1u << index;
  }
  std::vector<uint32_t> out;
  for (absl::string_view line : absl::StrSplit(names_text, '\n', absl::SkipWhitespace())) {
    const std::string name(absl::StripAsciiWhitespace(line));
    auto it = to_bit.find(name);
    if (it == to_bit.end()) {
      return absl::DataLossError(
          absl::StrCat(Join(dir, "emotions.txt"), ": emotion \"", name, "\" has no Ekman mapping"));
    }
    out.push_back(it->second);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& EkmanLabels() {
  static const auto* labels = new std::vector<std::string>{"anger",   "disgust", "fear",    "joy",
                                                           "neutral", "sadness", "surprise"};
  return *labels;
}

absl::Status CheckDataDir(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "GoEmotions data directory ", dir,
        " does not exist; pass --data_dir=<dir with train.tsv, dev.tsv, "
        "emotions.txt, ekman_mapping.json> (see ../shared/data/goemotions/README.md)"));
  }
  for (const char* f : kRequiredFiles) {
    if (!std::filesystem::is_regular_file(Join(dir, f), ec)) {
      return absl::FailedPreconditionError(
          absl::StrCat("GoEmotions data directory ", dir, " has no ", f, "; pass --data_dir"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Example>> LoadGoEmotions(const std::string& dir,
                                                    const std::string& split, int max_rows) {
  BR_RETURN_IF_ERROR(CheckDataDir(dir));
  BR_ASSIGN_OR_RETURN(std::vector<uint32_t> label_map, LoadLabelMap(dir));
  const std::string path = Join(dir, split + ".tsv");
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::FailedPreconditionError(absl::StrCat("cannot open ", path));
  std::vector<Example> out;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line) && (max_rows <= 0 || static_cast<int>(out.size()) < max_rows)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::vector<absl::string_view> cols = absl::StrSplit(line, '\t');
    auto bad = [&](absl::string_view why) {
      return absl::DataLossError(absl::StrCat(path, ":", line_no, ": ", why));
    };
    if (cols.size() < 2) return bad("expected text<TAB>label ids<TAB>id");
    if (!IsValidUtf8(std::string_view(cols[0].data(), cols[0].size())))
      return bad("text is not valid UTF-8");
    Example ex;
    ex.text = std::string(cols[0]);
    for (absl::string_view id_text : absl::StrSplit(cols[1], ',')) {
      int id;
      if (!absl::SimpleAtoi(id_text, &id) || id < 0 || id >= static_cast<int>(label_map.size())) {
        return bad(absl::StrCat("bad label id \"", id_text, "\""));
      }
      ex.labels |= label_map[id];
    }
    out.push_back(std::move(ex));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  return out;
}

}  // namespace burnout::text
