#include "common/model/model_dir.h"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "google/protobuf/text_format.h"

namespace burnout::model {

absl::StatusOr<std::string> Sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open model file ", path));
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof(buf));
    if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buf, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx.get(), md, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 15]);
  }
  return out;
}

absl::StatusOr<burnout::v1::ModelManifest> ReadManifest(const std::string& dir) {
  burnout::v1::ModelManifest m;
  const std::string manifest_path = (std::filesystem::path(dir) / kManifestName).string();
  if (absl::Status s = config::LoadTextProto(manifest_path, &m); !s.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("model manifest: ", s.message()));
  }
  return m;
}

absl::StatusOr<ModelDir> OpenModelDir(const std::string& dir, const std::string& expected_kind) {
  ModelDir out;
  out.dir = dir;
  const std::string manifest_path = (std::filesystem::path(dir) / kManifestName).string();
  auto manifest = ReadManifest(dir);
  if (!manifest.ok()) return manifest.status();
  out.manifest = *std::move(manifest);
  const auto& m = out.manifest;
  if (m.kind() != expected_kind) {
    return absl::FailedPreconditionError(absl::StrCat(manifest_path, ": kind is \"", m.kind(),
                                                      "\", this service expects \"",
                                                      expected_kind, "\""));
  }
  auto model_path = FileInside(dir, m.file(), manifest_path, "file");
  if (!model_path.ok()) return model_path.status();
  out.model_path = *model_path;
  auto sha = Sha256File(out.model_path);
  if (!sha.ok()) return absl::FailedPreconditionError(sha.status().message());
  if (*sha != m.sha256()) {
    return absl::DataLossError(absl::StrCat("model file ", out.model_path, " has SHA-256 ", *sha,
                                            "; the manifest expects ", m.sha256(),
                                            " (corrupt or replaced file)"));
  }
  return out;
}

absl::StatusOr<std::string> FileInside(const std::string& dir, const std::string& relative,
                                       const std::string& manifest_path, const std::string& what) {
  namespace fs = std::filesystem;
  if (relative.empty() || relative.find("..") != std::string::npos ||
      fs::path(relative).is_absolute()) {
    return absl::FailedPreconditionError(absl::StrCat(
        manifest_path, ": ", what, " must name a file inside the model directory, got \"",
        relative, "\""));
  }
  const fs::path path = fs::path(dir) / relative;
  std::error_code ec;
  const fs::path real_dir = fs::weakly_canonical(dir, ec);
  const fs::path real = fs::weakly_canonical(path, ec);
  if (!ec) {
    auto rel = real.lexically_relative(real_dir);
    if (rel.empty() || *rel.begin() == "..") {
      return absl::FailedPreconditionError(absl::StrCat(
          manifest_path, ": ", what, " \"", relative, "\" resolves to ", real.string(),
          ", outside the model directory; model files are only loaded from there"));
    }
  }
  return path.string();
}

absl::Status WriteManifest(const std::string& dir, burnout::v1::ModelManifest manifest) {
  auto sha = Sha256File((std::filesystem::path(dir) / manifest.file()).string());
  if (!sha.ok()) return sha.status();
  manifest.set_sha256(*sha);
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(manifest, &text)) {
    return absl::InternalError("cannot print manifest");
  }
  const std::string path = (std::filesystem::path(dir) / kManifestName).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << "# Written by the training program; the sha256 guards the model file.\n" << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::StatusOr<burnout::v1::ModelInfo> LoadTextModel(const std::string& dir,
                                                     const std::string& expected_kind,
                                                     google::protobuf::Message* spec,
                                                     std::string* model_path) {
  auto md = OpenModelDir(dir, expected_kind);
  if (!md.ok()) return absl::FailedPreconditionError(md.status().message());
  if (auto s = config::LoadTextProto(md->model_path, spec); !s.ok()) {
    return absl::FailedPreconditionError(s.message());
  }
  if (model_path) *model_path = md->model_path;
  burnout::v1::ModelInfo info;
  info.set_name(md->manifest.name());
  info.set_version(md->manifest.version());
  info.set_sha256(md->manifest.sha256());
  return info;
}

absl::Status WriteTextModel(const std::string& dir, const google::protobuf::Message& spec,
                            absl::string_view header, burnout::v1::ModelManifest manifest) {
  std::string text;
  if (!google::protobuf::TextFormat::PrintToString(spec, &text)) {
    return absl::InternalError("cannot print the model");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::string path = (std::filesystem::path(dir) / manifest.file()).string();
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << header << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return WriteManifest(dir, std::move(manifest));
}

namespace {

// "<sha of manifest bytes>:<model file size>:<model file mtime>"; the model file part is
// empty when the manifest cannot be parsed (the load will say why).
std::string Fingerprint(const std::string& dir) {
  const auto manifest_path = std::filesystem::path(dir) / kManifestName;
  auto sha = Sha256File(manifest_path.string());
  std::string out = sha.ok() ? *sha : "unreadable";
  burnout::v1::ModelManifest m;
  if (config::LoadTextProto(manifest_path.string(), &m).ok() && !m.file().empty()) {
    std::error_code ec;
    const auto file = std::filesystem::path(dir) / m.file();
    const auto size = std::filesystem::file_size(file, ec);
    const auto mtime = std::filesystem::last_write_time(file, ec);
    if (!ec) {
      absl::StrAppend(&out, ":", size, ":", mtime.time_since_epoch().count());
    }
  }
  return out;
}

bool IsVersionName(const std::string& name) {
  return !name.empty() && name.size() <= 18 &&
         name.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

absl::StatusOr<ModelVersion> ResolveModelVersion(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(std::filesystem::path(path) / kManifestName, ec)) {
    return ModelVersion{path, std::filesystem::path(path).filename().string(), Fingerprint(path)};
  }
  if (!std::filesystem::is_directory(path, ec)) {
    return absl::NotFoundError(absl::StrCat("model directory ", path, " does not exist"));
  }
  long long best = -1;
  std::string best_name;
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory(ec) || !IsVersionName(name)) continue;
    if (!std::filesystem::exists(entry.path() / kManifestName, ec)) continue;
    const long long v = std::stoll(name);
    if (v > best) {
      best = v;
      best_name = name;
    }
  }
  if (best < 0) {
    return absl::NotFoundError(absl::StrCat(
        "model directory ", path, " has no ", kManifestName,
        " and no numbered version directory holding one (<name>/<version>/", kManifestName, ")"));
  }
  const std::string dir = (std::filesystem::path(path) / best_name).string();
  return ModelVersion{dir, best_name, Fingerprint(dir)};
}

std::string ModelId(const burnout::v1::ModelManifest& m) {
  return absl::StrCat(m.name(), "/", m.version());
}

}  // namespace burnout::model
