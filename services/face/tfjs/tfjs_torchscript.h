// Converts a TensorFlow.js graph (tfjs_graph.h) into a TorchScript module with libtorch's
// Module::define: every node becomes one line of TorchScript over NCHW tensors, every
// constant a parameter in libtorch's layout (Conv2D filters [O, C, KH, KW], depthwise filters
// [C * M, 1, KH, KW]). TensorFlow's asymmetric SAME padding becomes an explicit pad before a
// zero-padded convolution or pool. The module's forward takes the graph's input channel-major
// ([B, C, H, W], the contract of the face model kinds) and returns the requested outputs, each
// in the graph's own (TensorFlow) axis order. The source holds no file names or timestamps, so
// the same graph and options give the same file, byte for byte.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "services/face/tfjs/tfjs_graph.h"

namespace burnout::face::tfjs {

struct ModuleOutput {
  std::string node;  // a graph node
  // kAsIs: the node's value. kBeforeSoftmax: the node is a Softmax; its input (the logits).
  // kSpatialMean: the mean over H and W of a 4-D node ([B, C]), e.g. a pooled embedding.
  enum class Take { kAsIs, kBeforeSoftmax, kSpatialMean } take = Take::kAsIs;
  std::vector<int64_t> view;  // optional: the output viewed as [B, view...]
  double scale = 1.0;         // the output multiplied by this (e.g. pixels -> crop units)
};

struct ConvertOptions {
  std::string method = "forward";     // the module method this graph becomes
  std::vector<ModuleOutput> outputs;  // it returns these, as a tuple (one: a tuple of one)
};

// One graph per method of the module (e.g. FaceMesh as forward and the iris model as eyes).
struct MethodGraph {
  const Graph* graph = nullptr;
  ConvertOptions options;
};

// The TorchScript source of the methods (for the tests).
absl::StatusOr<std::string> TorchScriptSource(const std::vector<MethodGraph>& methods);

// Writes a module named `module_name` with one method per graph to `path`. INVALID_ARGUMENT
// when a graph or an output cannot be expressed (an op without a rule, an output node that
// does not exist, two methods of one name), INTERNAL when libtorch fails.
absl::Status ConvertToTorchScript(const std::string& module_name, const std::vector<MethodGraph>& methods,
                                  const std::string& path);

}  // namespace burnout::face::tfjs
