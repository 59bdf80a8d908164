// Loading libtorch weights into a module whose shape the manifest already fixed.
#pragma once

#include <torch/nn/module.h>

#include <string>

#include "absl/status/status.h"

namespace burnout::torchx {

// Loads the archive at `path` into `net`, then checks that every parameter kept the shape it
// had before (libtorch's archive reader would silently resize it to the file's). Errors are
// FailedPrecondition and name `path`: an unreadable archive says "cannot load <what> from
// <path>" (`what` as in "fusion weights"), a shape mismatch names the parameter and both
// shapes. Not thread-safe for one `net`: call before the module is shared.
absl::Status LoadWeights(torch::nn::Module& net, const std::string& path, const std::string& what);

}  // namespace burnout::torchx
