// An independent, op-by-op evaluation of a TensorFlow.js graph (tfjs_graph.h) in double
// precision on NHWC tensors, written from TensorFlow's op definitions with plain loops. It
// shares nothing with the TorchScript conversion (tfjs_torchscript.h) but the graph reader,
// so agreement between the two is evidence that the conversion keeps the graph's meaning.
// Slow (no vectorisation) and only meant for parity tests and the converter's check.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/face/tfjs/tfjs_graph.h"

namespace burnout::face::tfjs {

struct RefTensor {
  std::vector<int64_t> shape;
  std::vector<double> values;  // row-major
};

// Runs the graph on `input` (NHWC, its batch included) and returns every output of
// graph.outputs by key, and the value of each node in `also` by its name.
// INVALID_ARGUMENT when the input's shape does not fit the graph or a node does not exist.
absl::StatusOr<std::map<std::string, RefTensor>> EvaluateReference(
    const Graph& graph, const RefTensor& input, const std::vector<std::string>& also = {});

}  // namespace burnout::face::tfjs
