#include "common/torch/checkpoint.h"

#include <torch/serialize/input-archive.h>

#include <cstdint>
#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace burnout::torchx {
namespace {

std::string Shape(c10::IntArrayRef sizes) {
  return absl::StrCat("[", absl::StrJoin(sizes, ", "), "]");
}

}  // namespace

absl::Status LoadWeights(torch::nn::Module& net, const std::string& path,
                         const std::string& what) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> expected;
  for (const auto& p : net.named_parameters(/*recurse=*/true)) {
    expected.emplace_back(p.key(), p.value().sizes().vec());
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    net.load(archive);
  } catch (const c10::Error& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load ", what, " from ", path, ": ", e.what_without_backtrace()));
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load ", what, " from ", path, ": ", e.what()));
  }
  const auto params = net.named_parameters(/*recurse=*/true);
  for (const auto& [name, shape] : expected) {
    const torch::Tensor* t = params.find(name);
    if (t == nullptr || t->sizes().vec() != shape) {
      return absl::FailedPreconditionError(absl::StrCat(
          "model file ", path, ": parameter ", name, " has shape ",
          t == nullptr ? std::string("(none)") : Shape(t->sizes()), " but the manifest implies ",
          Shape(shape), "; the manifest and the weights disagree"));
    }
  }
  return absl::OkStatus();
}

}  // namespace burnout::torchx
