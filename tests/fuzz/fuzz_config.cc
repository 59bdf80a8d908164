// The text-proto configs every service reads at start (and on reload), and the model
// manifests: any bytes as each config message; as a manifest, written into a model directory
// and opened the way a service opens its model (kind, a file inside the directory, SHA-256).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "burnout/v1/config.pb.h"
#include "burnout/v1/model.pb.h"
#include "common/config/config.h"
#include "common/model/model_dir.h"

namespace {

std::unique_ptr<google::protobuf::Message> ConfigFor(uint8_t selector) {
  switch (selector % 9) {
    case 0: return std::make_unique<burnout::v1::TextServiceConfig>();
    case 1: return std::make_unique<burnout::v1::VoiceServiceConfig>();
    case 2: return std::make_unique<burnout::v1::FaceServiceConfig>();
    case 3: return std::make_unique<burnout::v1::FusionServiceConfig>();
    case 4: return std::make_unique<burnout::v1::TemporalServiceConfig>();
    case 5: return std::make_unique<burnout::v1::OrchestratorConfig>();
    case 6: return std::make_unique<burnout::v1::StackConfig>();
    case 7: return std::make_unique<burnout::v1::SessionConfig>();
    default: return nullptr;  // a model manifest
  }
}

const std::filesystem::path& ModelDir() {
  static const std::filesystem::path dir = [] {
    auto d = std::filesystem::temp_directory_path() / ("fuzz_config_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d / "sub");
    std::ofstream(d / "model.pt") << "weights";
    std::ofstream(d / "sub" / "model.pt") << "weights";
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(
          std::filesystem::temp_directory_path() / ("fuzz_config_" + std::to_string(::getpid())), ec);
    });
    return d;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (auto config = ConfigFor(data[0])) {
    (void)burnout::config::ParseTextProto(text, "fuzz.textproto", config.get());
    return 0;
  }
  const auto& dir = ModelDir();
  {
    std::ofstream out(dir / "manifest.textproto", std::ios::binary | std::ios::trunc);
    out << text;
  }
  auto manifest = burnout::model::ReadManifest(dir.string());
  if (!manifest.ok()) return 0;
  auto opened = burnout::model::OpenModelDir(dir.string(), manifest->kind());
  // Whatever the manifest says, the model file it opens is inside the directory.
  if (opened.ok() && opened->model_path.rfind(dir.string(), 0) != 0) __builtin_trap();
  return 0;
}
