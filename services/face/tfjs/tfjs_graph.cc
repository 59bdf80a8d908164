#include "services/face/tfjs/tfjs_graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace burnout::face::tfjs {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::set<std::string>& SupportedOps() {
  static const auto* ops = new std::set<std::string>{
      "Placeholder", "Const",   "Identity", "_FusedConv2D", "Conv2D", "DepthwiseConv2dNative",
      "MaxPool",     "AvgPool", "AddV2",    "Add",          "Mul",    "Relu",
      "Relu6",       "Prelu",   "Sigmoid",  "Pad",          "Mean",   "Reshape",
      "Softmax",     "ConcatV2"};
  return *ops;
}

absl::Status Bad(const std::string& where, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

// IEEE 754 half precision -> float (normal, subnormal, zero, inf, NaN).
float HalfToFloat(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1u;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  float v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    v = mantissa == 0 ? INFINITY : NAN;
  } else {
    v = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  }
  return sign ? -v : v;
}

std::string Base64Attr(const json& attr) {
  std::string out;
  if (attr.contains("s") && attr["s"].is_string()) absl::Base64Unescape(attr["s"].get<std::string>(), &out);
  return out;
}

std::vector<int64_t> IntList(const json& attr) {
  std::vector<int64_t> out;
  if (!attr.contains("list") || !attr["list"].contains("i")) return out;
  for (const auto& v : attr["list"]["i"]) {
    int64_t x = 0;
    if (v.is_string()) {
      if (!absl::SimpleAtoi(v.get<std::string>(), &x)) x = 0;
    } else if (v.is_number_integer()) {
      x = v.get<int64_t>();
    }
    out.push_back(x);
  }
  return out;
}

std::vector<int64_t> Dims(const json& shape) {
  std::vector<int64_t> out;
  if (!shape.contains("dim")) return out;
  for (const auto& d : shape["dim"]) {
    int64_t x = 0;
    if (d.contains("size")) {
      const auto& s = d["size"];
      if (s.is_string()) {
        if (!absl::SimpleAtoi(s.get<std::string>(), &x)) x = 0;
      } else if (s.is_number_integer()) {
        x = s.get<int64_t>();
      }
    }
    out.push_back(x);
  }
  return out;
}

int64_t Product(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

absl::StatusOr<std::string> ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Decodes the weights of one manifest group from its concatenated shards into `constants`.
absl::Status DecodeGroup(const std::string& where, const json& group, const std::string& bytes,
                         std::map<std::string, Tensor>* constants) {
  size_t offset = 0;
  for (const auto& w : group["weights"]) {
    const std::string name = w.value("name", "");
    const std::string dtype = w.value("dtype", "");
    Tensor t;
    for (const auto& d : w["shape"]) t.shape.push_back(d.get<int64_t>());
    const int64_t n = Product(t.shape);
    if (n < 0) return Bad(where, absl::StrCat("weight ", name, " has a negative dimension"));
    std::string qtype;
    double scale = 1.0, min = 0.0;
    if (w.contains("quantization")) {
      const auto& q = w["quantization"];
      qtype = q.value("dtype", "");
      scale = q.value("scale", 1.0);
      min = q.value("min", 0.0);
      if (qtype != "uint8" && qtype != "uint16" && qtype != "float16") {
        return Bad(where, absl::StrCat("weight ", name, ": quantization dtype \"", qtype,
                                       "\" (supported: uint8, uint16, float16)"));
      }
      if (dtype != "float32") {
        return Bad(where, absl::StrCat("weight ", name, ": a quantized ", dtype, " weight"));
      }
    } else if (dtype != "float32" && dtype != "int32") {
      return Bad(where, absl::StrCat("weight ", name, ": dtype \"", dtype,
                                     "\" (supported: float32, int32)"));
    }
    const size_t width = qtype == "uint8" ? 1 : (qtype == "uint16" || qtype == "float16") ? 2 : 4;
    const size_t size = static_cast<size_t>(n) * width;
    if (offset + size > bytes.size()) {
      return Bad(where, absl::StrCat("weight ", name, " needs ", size, " bytes at offset ", offset,
                                     "; the shards hold only ", bytes.size()));
    }
    const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data()) + offset;
    if (dtype == "int32") {
      t.is_int = true;
      t.ints.resize(n);
      std::memcpy(t.ints.data(), p, size);
    } else {
      t.values.resize(n);
      for (int64_t i = 0; i < n; ++i) {
        if (qtype == "uint8") {
          t.values[i] = static_cast<float>(p[i] * scale + min);
        } else if (qtype == "uint16") {
          const uint16_t q = static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8));
          t.values[i] = static_cast<float>(q * scale + min);
        } else if (qtype == "float16") {
          t.values[i] = HalfToFloat(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
        } else {
          std::memcpy(&t.values[i], p + 4 * i, 4);
        }
      }
    }
    offset += size;
    if (!constants->emplace(name, std::move(t)).second) {
      return Bad(where, absl::StrCat("weight ", name, " is listed twice"));
    }
  }
  if (offset != bytes.size()) {
    return Bad(where, absl::StrCat("the weight shards hold ", bytes.size(), " bytes; the manifest's ",
                                   "weights use ", offset));
  }
  return absl::OkStatus();
}

absl::StatusOr<Node> ParseNode(const std::string& where, const json& j) {
  Node n;
  n.name = j.value("name", "");
  n.op = j.value("op", "");
  const std::string at = absl::StrCat(where, ": node ", n.name, " (", n.op, ")");
  if (n.name.empty()) return Bad(where, "a node without a name");
  if (!SupportedOps().count(n.op)) {
    return Bad(at, absl::StrCat("unsupported op; supported: ", absl::StrJoin(SupportedOps(), ", ")));
  }
  if (j.contains("input")) {
    for (const auto& in : j["input"]) {
      std::string s = in.get<std::string>();
      if (absl::StartsWith(s, "^")) return Bad(at, "control dependencies are not supported");
      if (const size_t colon = s.rfind(':'); colon != std::string::npos) {
        if (s.substr(colon) != ":0") return Bad(at, absl::StrCat("input ", s, ": only first outputs are supported"));
        s.resize(colon);
      }
      n.inputs.push_back(std::move(s));
    }
  }
  const json attr = j.value("attr", json::object());
  if (attr.contains("strides")) n.strides = IntList(attr["strides"]);
  if (attr.contains("dilations")) n.dilations = IntList(attr["dilations"]);
  if (attr.contains("ksize")) n.ksize = IntList(attr["ksize"]);
  if (attr.contains("padding")) n.padding = Base64Attr(attr["padding"]);
  if (attr.contains("keep_dims")) n.keep_dims = attr["keep_dims"].value("b", false);
  if (attr.contains("fused_ops") && attr["fused_ops"].contains("list") &&
      attr["fused_ops"]["list"].contains("s")) {
    for (const auto& s : attr["fused_ops"]["list"]["s"]) {
      std::string op;
      absl::Base64Unescape(s.get<std::string>(), &op);
      n.fused_ops.push_back(op);
    }
  }
  if (attr.contains("data_format")) {
    const std::string f = Base64Attr(attr["data_format"]);
    if (!f.empty() && f != "NHWC") return Bad(at, absl::StrCat("data_format ", f, " (only NHWC)"));
  }
  if (attr.contains("explicit_paddings") && !IntList(attr["explicit_paddings"]).empty()) {
    return Bad(at, "explicit paddings are not supported");
  }
  for (int64_t d : n.dilations) {
    if (d != 1) return Bad(at, "dilations other than 1 are not supported");
  }
  const bool windowed = n.op == "_FusedConv2D" || n.op == "Conv2D" ||
                        n.op == "DepthwiseConv2dNative" || n.op == "MaxPool" || n.op == "AvgPool";
  if (windowed) {
    if (n.padding != "SAME" && n.padding != "VALID") {
      return Bad(at, absl::StrCat("padding \"", n.padding, "\" (SAME or VALID)"));
    }
    if (n.strides.size() != 4 || n.strides[0] != 1 || n.strides[3] != 1 || n.strides[1] < 1 ||
        n.strides[2] < 1) {
      return Bad(at, "strides must be [1, sh, sw, 1]");
    }
  }
  if ((n.op == "MaxPool" || n.op == "AvgPool") &&
      (n.ksize.size() != 4 || n.ksize[0] != 1 || n.ksize[3] != 1 || n.ksize[1] < 1 || n.ksize[2] < 1)) {
    return Bad(at, "ksize must be [1, kh, kw, 1]");
  }
  if (n.op == "_FusedConv2D") {
    const auto& f = n.fused_ops;
    const bool ok = !f.empty() && f[0] == "BiasAdd" &&
                    (f.size() == 1 || (f.size() == 2 && (f[1] == "Relu" || f[1] == "Relu6" || f[1] == "Prelu")));
    if (!ok) {
      return Bad(at, absl::StrCat("fused ops [", absl::StrJoin(f, ", "),
                                  "] (supported: BiasAdd, optionally then Relu, Relu6 or Prelu)"));
    }
    const size_t want = f.size() == 2 && f[1] == "Prelu" ? 4 : 3;
    if (n.inputs.size() != want) {
      return Bad(at, absl::StrCat(n.inputs.size(), " inputs; expected ", want));
    }
  }
  return n;
}

}  // namespace

int64_t Tensor::elements() const { return Product(shape); }

std::pair<int64_t, int64_t> SamePadding(int64_t in, int64_t k, int64_t s) {
  const int64_t out = (in + s - 1) / s;
  const int64_t total = std::max<int64_t>((out - 1) * s + k - in, 0);
  return {total / 2, total - total / 2};
}

absl::StatusOr<Graph> LoadGraph(const std::string& model_json) {
  auto text = ReadAll(model_json);
  if (!text.ok()) return absl::InvalidArgumentError(text.status().message());
  json doc = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Bad(model_json, "not valid JSON");
  if (doc.value("format", "") != "graph-model") {
    return Bad(model_json, absl::StrCat("format is \"", doc.value("format", ""),
                                        "\"; only TensorFlow.js graph models are supported"));
  }
  if (!doc.contains("modelTopology") || !doc["modelTopology"].contains("node") ||
      !doc.contains("weightsManifest")) {
    return Bad(model_json, "missing modelTopology.node or weightsManifest");
  }
  Graph g;
  g.generated_by = doc.value("generatedBy", "");
  g.converted_by = doc.value("convertedBy", "");
  const fs::path dir = fs::path(model_json).parent_path();
  try {
    for (const auto& group : doc["weightsManifest"]) {
      std::string bytes;
      for (const auto& p : group["paths"]) {
        const std::string rel = p.get<std::string>();
        if (rel.empty() || fs::path(rel).is_absolute() || absl::StrContains(rel, "..")) {
          return Bad(model_json, absl::StrCat("weight path \"", rel, "\" must be a plain relative name"));
        }
        g.weight_files.push_back(rel);
        auto shard = ReadAll((dir / rel).string());
        if (!shard.ok()) return absl::InvalidArgumentError(shard.status().message());
        bytes += *shard;
      }
      if (absl::Status s = DecodeGroup(model_json, group, bytes, &g.constants); !s.ok()) return s;
    }

    std::vector<Node> nodes;
    std::set<std::string> names;
    for (const auto& jn : doc["modelTopology"]["node"]) {
      auto n = ParseNode(model_json, jn);
      if (!n.ok()) return n.status();
      if (!names.insert(n->name).second) return Bad(model_json, absl::StrCat("node ", n->name, " twice"));
      if (n->op == "Const") {
        auto it = g.constants.find(n->name);
        if (it == g.constants.end()) {
          return Bad(model_json, absl::StrCat("constant ", n->name, " has no weight in the manifest"));
        }
        const json& attr = jn["attr"];
        if (attr.contains("value") && attr["value"].contains("tensor") &&
            attr["value"]["tensor"].contains("tensorShape")) {
          const auto declared = Dims(attr["value"]["tensor"]["tensorShape"]);
          if (Product(declared) != it->second.elements()) {
            return Bad(model_json, absl::StrCat("constant ", n->name, ": the node's shape and the weight's differ"));
          }
        }
        continue;
      }
      if (n->op == "Placeholder") {
        if (!g.input.empty()) return Bad(model_json, "more than one Placeholder (one input is supported)");
        g.input = n->name;
        const json& attr = jn["attr"];
        if (attr.contains("shape") && attr["shape"].contains("shape")) {
          g.input_shape = Dims(attr["shape"]["shape"]);
        }
      }
      nodes.push_back(std::move(*n));
    }
    if (g.input.empty()) return Bad(model_json, "no Placeholder input");
    if (g.input_shape.size() != 4) return Bad(model_json, "the input must be NHWC [B, H, W, C]");

    // Producers before consumers: a depth-first visit of each node's inputs, in file order.
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < nodes.size(); ++i) index[nodes[i].name] = i;
    std::vector<int> state(nodes.size(), 0);  // 0 new, 1 on the stack, 2 done
    std::function<absl::Status(size_t)> visit = [&](size_t i) -> absl::Status {
      if (state[i] == 2) return absl::OkStatus();
      if (state[i] == 1) return Bad(model_json, absl::StrCat("a cycle through node ", nodes[i].name));
      state[i] = 1;
      for (const auto& in : nodes[i].inputs) {
        if (g.constants.count(in) && !index.count(in)) continue;
        auto it = index.find(in);
        if (it == index.end()) {
          return Bad(model_json, absl::StrCat("node ", nodes[i].name, ": input ", in, " does not exist"));
        }
        if (absl::Status s = visit(it->second); !s.ok()) return s;
      }
      state[i] = 2;
      g.nodes.push_back(nodes[i]);
      return absl::OkStatus();
    };
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (absl::Status s = visit(i); !s.ok()) return s;
    }

    if (doc.contains("signature") && doc["signature"].contains("outputs")) {
      for (const auto& [key, out] : doc["signature"]["outputs"].items()) {
        std::string name = out.value("name", "");
        if (const size_t colon = name.rfind(':'); colon != std::string::npos) name.resize(colon);
        if (!index.count(name)) return Bad(model_json, absl::StrCat("signature output ", key, " names no node"));
        g.outputs.push_back({key, name});
      }
    } else {
      std::set<std::string> consumed;
      for (const auto& n : g.nodes) consumed.insert(n.inputs.begin(), n.inputs.end());
      for (const auto& n : nodes) {
        if (!consumed.count(n.name) && n.op != "Placeholder") g.outputs.push_back({n.name, n.name});
      }
    }
    if (g.outputs.empty()) return Bad(model_json, "the graph has no output");
  } catch (const json::exception& e) {
    return Bad(model_json, absl::StrCat("malformed model JSON (", e.what(), ")"));
  }
  return g;
}

absl::StatusOr<std::map<std::string, std::vector<int64_t>>> InferShapes(
    const Graph& graph, const std::vector<int64_t>& input_shape) {
  std::map<std::string, std::vector<int64_t>> shapes;
  for (const auto& [name, t] : graph.constants) shapes[name] = t.shape;
  shapes[graph.input] = input_shape;
  auto get = [&](const Node& n, size_t i) -> const std::vector<int64_t>& { return shapes.at(n.inputs[i]); };
  for (const Node& n : graph.nodes) {
    const std::string at = absl::StrCat("node ", n.name, " (", n.op, ")");
    if (n.op == "Placeholder") continue;
    for (const auto& in : n.inputs) {
      if (!shapes.count(in)) return Bad(at, absl::StrCat("input ", in, " has no shape"));
    }
    std::vector<int64_t> out;
    if (n.op == "Identity" || n.op == "Relu" || n.op == "Relu6" || n.op == "Sigmoid" ||
        n.op == "Softmax" || n.op == "Prelu") {
      if (n.inputs.empty()) return Bad(at, "no input");
      out = get(n, 0);
    } else if (n.op == "_FusedConv2D" || n.op == "Conv2D" || n.op == "DepthwiseConv2dNative" ||
               n.op == "MaxPool" || n.op == "AvgPool") {
      const auto& x = get(n, 0);
      if (x.size() != 4) return Bad(at, "the input is not NHWC");
      int64_t kh, kw, c;
      if (n.op == "MaxPool" || n.op == "AvgPool") {
        kh = n.ksize[1];
        kw = n.ksize[2];
        c = x[3];
      } else {
        if (n.inputs.size() < 2) return Bad(at, "no filter");
        const auto& f = get(n, 1);
        if (f.size() != 4 || f[2] != x[3]) {
          return Bad(at, absl::StrCat("filter [", absl::StrJoin(f, ", "), "] does not fit input channels ", x[3]));
        }
        kh = f[0];
        kw = f[1];
        c = n.op == "DepthwiseConv2dNative" ? f[2] * f[3] : f[3];
        if (n.op == "_FusedConv2D") {
          const auto& b = get(n, 2);
          if (Product(b) != c) return Bad(at, "the bias does not have one value per output channel");
        }
      }
      auto extent = [&](int64_t in, int64_t k, int64_t s) {
        return n.padding == "SAME" ? (in + s - 1) / s : (in - k) / s + 1;
      };
      const int64_t h = extent(x[1], kh, n.strides[1]);
      const int64_t w = extent(x[2], kw, n.strides[2]);
      if (h < 1 || w < 1) return Bad(at, "the window is larger than the input");
      out = {x[0], h, w, c};
    } else if (n.op == "AddV2" || n.op == "Add" || n.op == "Mul") {
      if (n.inputs.size() != 2) return Bad(at, "needs two inputs");
      auto a = get(n, 0), b = get(n, 1);
      const size_t r = std::max(a.size(), b.size());
      a.insert(a.begin(), r - a.size(), 1);
      b.insert(b.begin(), r - b.size(), 1);
      for (size_t i = 0; i < r; ++i) {
        if (a[i] != b[i] && a[i] != 1 && b[i] != 1) {
          return Bad(at, absl::StrCat("shapes [", absl::StrJoin(get(n, 0), ", "), "] and [",
                                      absl::StrJoin(get(n, 1), ", "), "] do not broadcast"));
        }
        out.push_back(std::max(a[i], b[i]));
      }
    } else if (n.op == "Pad") {
      const auto& x = get(n, 0);
      auto it = graph.constants.find(n.inputs.size() == 2 ? n.inputs[1] : "");
      if (it == graph.constants.end() || !it->second.is_int ||
          it->second.ints.size() != 2 * x.size()) {
        return Bad(at, "paddings must be a constant int32 [rank, 2]");
      }
      for (size_t i = 0; i < x.size(); ++i) {
        const int32_t lo = it->second.ints[2 * i], hi = it->second.ints[2 * i + 1];
        if (lo < 0 || hi < 0) return Bad(at, "negative paddings are not supported");
        out.push_back(x[i] + lo + hi);
      }
    } else if (n.op == "Mean") {
      const auto& x = get(n, 0);
      auto it = graph.constants.find(n.inputs.size() == 2 ? n.inputs[1] : "");
      if (it == graph.constants.end() || !it->second.is_int) return Bad(at, "axes must be a constant");
      std::set<int64_t> axes;
      for (int32_t a : it->second.ints) {
        const int64_t ax = a < 0 ? a + static_cast<int64_t>(x.size()) : a;
        if (ax < 0 || ax >= static_cast<int64_t>(x.size())) return Bad(at, "an axis outside the input");
        axes.insert(ax);
      }
      for (size_t i = 0; i < x.size(); ++i) {
        if (!axes.count(i)) {
          out.push_back(x[i]);
        } else if (n.keep_dims) {
          out.push_back(1);
        }
      }
    } else if (n.op == "ConcatV2") {
      if (n.inputs.size() < 3) return Bad(at, "needs at least two values and an axis");
      auto it = graph.constants.find(n.inputs.back());
      if (it == graph.constants.end() || !it->second.is_int || it->second.ints.size() != 1) {
        return Bad(at, "the axis must be a constant int32 scalar");
      }
      out = get(n, 0);
      const int64_t rank = static_cast<int64_t>(out.size());
      const int64_t axis = it->second.ints[0] < 0 ? it->second.ints[0] + rank : it->second.ints[0];
      if (axis < 0 || axis >= rank) return Bad(at, "the axis is outside the values' rank");
      for (size_t i = 1; i + 1 < n.inputs.size(); ++i) {
        const auto& y = get(n, i);
        if (static_cast<int64_t>(y.size()) != rank) return Bad(at, "values of different rank");
        for (int64_t d = 0; d < rank; ++d) {
          if (d != axis && y[d] != out[d]) return Bad(at, "values differ outside the axis");
        }
        out[axis] += y[axis];
      }
    } else if (n.op == "Reshape") {
      const auto& x = get(n, 0);
      auto it = graph.constants.find(n.inputs.size() == 2 ? n.inputs[1] : "");
      if (it == graph.constants.end() || !it->second.is_int) return Bad(at, "the shape must be a constant");
      int64_t known = 1, unknown = -1;
      for (size_t i = 0; i < it->second.ints.size(); ++i) {
        const int64_t d = it->second.ints[i];
        if (d == -1) {
          if (unknown >= 0) return Bad(at, "two -1 dimensions");
          unknown = static_cast<int64_t>(i);
        } else if (d <= 0) {
          return Bad(at, "a dimension <= 0");
        } else {
          known *= d;
        }
        out.push_back(d);
      }
      const int64_t total = Product(x);
      if (unknown >= 0) {
        if (total % known) return Bad(at, "the -1 dimension does not divide");
        out[unknown] = total / known;
      } else if (known != total) {
        return Bad(at, absl::StrCat("reshape of ", total, " values to ", known));
      }
    } else {
      return Bad(at, "no shape rule");
    }
    shapes[n.name] = std::move(out);
  }
  return shapes;
}

}  // namespace burnout::face::tfjs
