#include "services/face/tfjs/tfjs_torchscript.h"

#include <torch/script.h>

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace burnout::face::tfjs {
namespace {

// A parameter in libtorch's layout.
struct Param {
  std::string name;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

// How a value is held in the generated code: 4-D tensors in NCHW (kNchw), everything else in
// TensorFlow's own axis order (kTf).
enum class Layout { kNchw, kTf };

struct Value {
  std::string var;
  Layout layout;
  std::vector<int64_t> tf_shape;  // TensorFlow order (NHWC for 4-D)
};

std::string List(const std::vector<int64_t>& v) { return absl::StrCat("[", absl::StrJoin(v, ", "), "]"); }

class Emitter {
 public:
  // Parameters are named <prefix>0, <prefix>1, ... so methods of one module do not collide.
  Emitter(const Graph& g, std::map<std::string, std::vector<int64_t>> shapes, std::string prefix)
      : g_(g), shapes_(std::move(shapes)), prefix_(std::move(prefix)) {}

  absl::Status Run(const ConvertOptions& options) {
    values_[g_.input] = {"pixel_values", Layout::kNchw, shapes_.at(g_.input)};
    std::set<std::string> needed;
    for (const auto& o : options.outputs) needed.insert(o.node);
    for (const Node& n : g_.nodes) {
      if (n.op == "Placeholder") continue;
      if (absl::Status s = EmitNode(n); !s.ok()) return s;
    }
    std::vector<std::string> outs;
    for (const auto& o : options.outputs) {
      auto it = values_.find(o.node);
      if (it == values_.end()) return absl::InvalidArgumentError(absl::StrCat("output ", o.node, " is not a node"));
      Value v = it->second;
      if (o.take == ModuleOutput::Take::kBeforeSoftmax) {
        const Node* node = Find(o.node);
        if (node == nullptr || node->op != "Softmax") {
          return absl::InvalidArgumentError(absl::StrCat("output ", o.node, ": not a Softmax node"));
        }
        v = values_.at(node->inputs[0]);
      }
      std::string expr;
      if (o.take == ModuleOutput::Take::kSpatialMean) {
        if (v.tf_shape.size() != 4) {
          return absl::InvalidArgumentError(absl::StrCat("output ", o.node, ": a spatial mean needs a 4-D value"));
        }
        expr = absl::StrCat(AsNchw(v), ".mean([2, 3])");
      } else {
        expr = AsTf(v);
      }
      if (o.scale != 1.0) expr = absl::StrCat("(", expr, " * ", absl::StrFormat("%.17g", o.scale), ")");
      if (!o.view.empty()) {
        std::vector<int64_t> dims = {-1};
        dims.insert(dims.end(), o.view.begin(), o.view.end());
        expr = absl::StrCat(expr, ".reshape(", List(dims), ")");
      }
      const std::string var = absl::StrCat("out", outs.size());
      Line(absl::StrCat(var, " = ", expr));
      outs.push_back(var);
    }
    if (outs.empty()) return absl::InvalidArgumentError("no outputs requested");
    Line(absl::StrCat("return (", absl::StrJoin(outs, ", "), outs.size() == 1 ? ",)" : ")"));
    return absl::OkStatus();
  }

  std::string Source(const std::string& method) const {
    return absl::StrCat("def ", method, "(self, pixel_values):\n", absl::StrJoin(lines_, ""));
  }
  const std::vector<Param>& params() const { return params_; }

 private:
  const Node* Find(const std::string& name) const {
    for (const Node& n : g_.nodes) {
      if (n.name == name) return &n;
    }
    return nullptr;
  }

  void Line(const std::string& s) { lines_.push_back(absl::StrCat("    ", s, "\n")); }

  std::string NewVar() { return absl::StrCat("v", counter_++); }

  std::string AddParam(std::vector<int64_t> shape, std::vector<float> values) {
    Param p{absl::StrCat(prefix_, params_.size()), std::move(shape), std::move(values)};
    params_.push_back(std::move(p));
    return absl::StrCat("self.", params_.back().name);
  }

  std::string AsNchw(const Value& v) {
    if (v.layout == Layout::kNchw) return v.var;
    return absl::StrCat(v.var, ".permute([0, 3, 1, 2])");
  }
  std::string AsTf(const Value& v) {
    if (v.layout == Layout::kTf) return v.var;
    return absl::StrCat(v.var, ".permute([0, 2, 3, 1])");
  }

  // A constant, as a value: 4-D-broadcastable constants next to NCHW tensors are stored
  // NCHW ([1, C, 1, 1] from [C], [1, 1, C] ...).
  absl::StatusOr<std::string> ConstantFor(const std::string& name, bool nchw) {
    const Tensor& t = g_.constants.at(name);
    std::vector<float> values = t.is_int ? std::vector<float>(t.ints.begin(), t.ints.end()) : t.values;
    if (!nchw) return AddParam(t.shape, std::move(values));
    if (t.shape.size() > 4) return absl::InvalidArgumentError(absl::StrCat("constant ", name, " has rank > 4"));
    std::vector<int64_t> s(4 - t.shape.size(), 1);
    s.insert(s.end(), t.shape.begin(), t.shape.end());  // NHWC-broadcastable
    const int64_t n = s[0], h = s[1], w = s[2], c = s[3];
    std::vector<float> out(values.size());
    for (int64_t b = 0; b < n; ++b)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x)
          for (int64_t ch = 0; ch < c; ++ch)
            out[((b * c + ch) * h + y) * w + x] = values[((b * h + y) * w + x) * c + ch];
    return AddParam({n, c, h, w}, std::move(out));
  }

  // The operand `name` of an element-wise op, in `layout`.
  absl::StatusOr<std::string> Operand(const std::string& name, Layout layout) {
    auto it = values_.find(name);
    if (it != values_.end()) return layout == Layout::kNchw ? AsNchw(it->second) : AsTf(it->second);
    return ConstantFor(name, layout == Layout::kNchw);
  }

  // Per-channel vector (PReLU alpha, biases): every element of a [.., C] constant.
  absl::StatusOr<std::string> ChannelVector(const std::string& name, int64_t channels) {
    const Tensor& t = g_.constants.at(name);
    if (t.elements() != channels) {
      return absl::InvalidArgumentError(absl::StrCat("constant ", name, " has ", t.elements(),
                                                     " values; expected one per channel (", channels, ")"));
    }
    return AddParam({channels}, t.values);
  }

  absl::Status EmitNode(const Node& n) {
    const std::string at = absl::StrCat("node ", n.name, " (", n.op, ")");
    const auto& out_shape = shapes_.at(n.name);
    auto input = [&](size_t i) -> absl::StatusOr<Value> {
      auto it = values_.find(n.inputs[i]);
      if (it == values_.end()) return absl::InvalidArgumentError(absl::StrCat(at, ": input ", n.inputs[i], " is not computed"));
      return it->second;
    };
    if (n.op == "Identity") {
      auto x = input(0);
      if (!x.ok()) return x.status();
      values_[n.name] = *x;
      return absl::OkStatus();
    }
    const std::string var = NewVar();
    Layout layout = Layout::kTf;
    if (n.op == "_FusedConv2D" || n.op == "Conv2D" || n.op == "DepthwiseConv2dNative") {
      auto x = input(0);
      if (!x.ok()) return x.status();
      const Tensor& f = g_.constants.at(n.inputs[1]);
      const int64_t kh = f.shape[0], kw = f.shape[1], c = f.shape[2], m = f.shape[3];
      const bool depthwise = n.op == "DepthwiseConv2dNative";
      const int64_t oc = depthwise ? c * m : m;
      // TF filter [KH, KW, C, M] -> torch [O, C/groups, KH, KW].
      std::vector<float> w(f.values.size());
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t xx = 0; xx < kw; ++xx)
          for (int64_t ci = 0; ci < c; ++ci)
            for (int64_t j = 0; j < m; ++j) {
              const float v = f.values[((y * kw + xx) * c + ci) * m + j];
              if (depthwise) {
                w[((ci * m + j) * kh + y) * kw + xx] = v;
              } else {
                w[((j * c + ci) * kh + y) * kw + xx] = v;
              }
            }
      const std::string weight = AddParam(depthwise ? std::vector<int64_t>{oc, 1, kh, kw}
                                                    : std::vector<int64_t>{oc, c, kh, kw},
                                          std::move(w));
      std::string bias = "None";
      if (n.op == "_FusedConv2D") {
        auto b = ChannelVector(n.inputs[2], oc);
        if (!b.ok()) return absl::InvalidArgumentError(absl::StrCat(at, ": ", b.status().message()));
        bias = *b;
      }
      std::string src = AsNchw(*x);
      std::vector<int64_t> pad = {0, 0};
      if (n.padding == "SAME") {
        const auto [top, bottom] = SamePadding(x->tf_shape[1], kh, n.strides[1]);
        const auto [left, right] = SamePadding(x->tf_shape[2], kw, n.strides[2]);
        if (top == bottom && left == right) {
          pad = {top, left};
        } else {
          const std::string padded = NewVar();
          Line(absl::StrCat(padded, " = torch.constant_pad_nd(", src, ", ",
                            List({left, right, top, bottom}), ", 0.0)"));
          src = padded;
        }
      }
      Line(absl::StrCat(var, " = torch.conv2d(", src, ", ", weight, ", ", bias, ", ",
                        List({n.strides[1], n.strides[2]}), ", ", List(pad), ", [1, 1], ",
                        depthwise ? c : 1, ")"));
      if (n.fused_ops.size() == 2) {
        if (n.fused_ops[1] == "Relu") {
          Line(absl::StrCat(var, " = torch.relu(", var, ")"));
        } else if (n.fused_ops[1] == "Relu6") {
          Line(absl::StrCat(var, " = torch.clamp(", var, ", 0.0, 6.0)"));
        } else {
          auto a = ChannelVector(n.inputs[3], oc);
          if (!a.ok()) return absl::InvalidArgumentError(absl::StrCat(at, ": ", a.status().message()));
          Line(absl::StrCat(var, " = torch.prelu(", var, ", ", *a, ")"));
        }
      }
      layout = Layout::kNchw;
    } else if (n.op == "MaxPool" || n.op == "AvgPool") {
      auto x = input(0);
      if (!x.ok()) return x.status();
      const int64_t kh = n.ksize[1], kw = n.ksize[2];
      std::string src = AsNchw(*x);
      std::vector<int64_t> pad = {0, 0};
      const bool max = n.op == "MaxPool";
      if (n.padding == "SAME") {
        const auto [top, bottom] = SamePadding(x->tf_shape[1], kh, n.strides[1]);
        const auto [left, right] = SamePadding(x->tf_shape[2], kw, n.strides[2]);
        if (!max && (top || bottom || left || right)) {
          return absl::InvalidArgumentError(absl::StrCat(at, ": AvgPool with SAME padding that pads is not supported"));
        }
        if (top || bottom || left || right) {
          // Padding never wins a max: pad with -inf.
          const std::string padded = NewVar();
          Line(absl::StrCat(padded, " = torch.constant_pad_nd(", src, ", ",
                            List({left, right, top, bottom}), ", float('-inf'))"));
          src = padded;
        }
      }
      Line(absl::StrCat(var, " = torch.", max ? "max_pool2d" : "avg_pool2d", "(", src, ", ",
                        List({kh, kw}), ", ", List({n.strides[1], n.strides[2]}), ", ", List(pad),
                        max ? ", [1, 1], False)" : ", False, True)"));
      layout = Layout::kNchw;
    } else if (n.op == "AddV2" || n.op == "Add" || n.op == "Mul") {
      // Both operands in the layout of the first computed one (NCHW when it is 4-D).
      Layout l = Layout::kTf;
      for (const auto& in : n.inputs) {
        auto it = values_.find(in);
        if (it != values_.end()) {
          l = it->second.layout;
          break;
        }
      }
      if (out_shape.size() != 4) l = Layout::kTf;
      auto a = Operand(n.inputs[0], l);
      auto b = Operand(n.inputs[1], l);
      if (!a.ok()) return a.status();
      if (!b.ok()) return b.status();
      Line(absl::StrCat(var, " = ", *a, n.op == "Mul" ? " * " : " + ", *b));
      layout = l;
    } else if (n.op == "Relu" || n.op == "Relu6" || n.op == "Sigmoid") {
      auto x = input(0);
      if (!x.ok()) return x.status();
      const std::string f = n.op == "Relu" ? absl::StrCat("torch.relu(", x->var, ")")
                            : n.op == "Sigmoid" ? absl::StrCat("torch.sigmoid(", x->var, ")")
                                                : absl::StrCat("torch.clamp(", x->var, ", 0.0, 6.0)");
      Line(absl::StrCat(var, " = ", f));
      layout = x->layout;
    } else if (n.op == "Prelu") {
      auto x = input(0);
      if (!x.ok()) return x.status();
      const int64_t c = x->tf_shape.back();
      auto a = ChannelVector(n.inputs[1], c);
      if (!a.ok()) return absl::InvalidArgumentError(absl::StrCat(at, ": ", a.status().message()));
      if (x->layout == Layout::kNchw || x->tf_shape.size() == 2) {
        Line(absl::StrCat(var, " = torch.prelu(", x->var, ", ", *a, ")"));
      } else {
        Line(absl::StrCat(var, " = torch.where(", x->var, " > 0, ", x->var, ", ", x->var, " * ", *a, ")"));
      }
      layout = x->layout;
    } else if (n.op == "Pad") {
      auto x = input(0);
      if (!x.ok()) return x.status();
      const auto& p = g_.constants.at(n.inputs[1]).ints;
      std::vector<int64_t> pads;  // torch: last dimension first
      std::vector<int> order;
      if (x->layout == Layout::kNchw) {
        order = {2, 1, 3, 0};  // TF axes of torch dims W, H, C, N (last first)
      } else {
        for (int d = static_cast<int>(x->tf_shape.size()); d-- > 0;) order.push_back(d);
      }
      for (int d : order) {
        pads.push_back(p[2 * d]);
        pads.push_back(p[2 * d + 1]);
      }
      Line(absl::StrCat(var, " = torch.constant_pad_nd(", x->var, ", ", List(pads), ", 0.0)"));
      layout = x->layout;
    } else if (n.op == "Mean") {
      auto x = input(0);
      if (!x.ok()) return x.status();
      std::set<int64_t> axes;
      const int64_t rank = static_cast<int64_t>(x->tf_shape.size());
      for (int32_t a : g_.constants.at(n.inputs[1]).ints) axes.insert(a < 0 ? a + rank : a);
      if (x->layout == Layout::kNchw && (n.keep_dims || axes.count(3) || (axes.count(1) && axes.count(2)))) {
        // NCHW keeps TensorFlow's order of what remains: map the axes.
        static constexpr int64_t kTorchAxis[4] = {0, 2, 3, 1};
        std::vector<int64_t> t;
        for (int64_t a : axes) t.push_back(kTorchAxis[a]);
        std::sort(t.begin(), t.end());
        Line(absl::StrCat(var, " = ", x->var, ".mean(", List(t), ", ", n.keep_dims ? "True" : "False", ")"));
        layout = n.keep_dims ? Layout::kNchw : Layout::kTf;
      } else {
        Line(absl::StrCat(var, " = ", AsTf(*x), ".mean(", List({axes.begin(), axes.end()}), ", ",
                          n.keep_dims ? "True" : "False", ")"));
        layout = Layout::kTf;
      }
    } else if (n.op == "Reshape") {
      auto x = input(0);
      if (!x.ok()) return x.status();
      std::vector<int64_t> target(g_.constants.at(n.inputs[1]).ints.begin(),
                                  g_.constants.at(n.inputs[1]).ints.end());
      // A fixed leading 1 of a batch-free graph follows the batch.
      if (g_.input_shape[0] <= 0 && !target.empty() && target[0] == 1 &&
          std::find(target.begin(), target.end(), -1) == target.end()) {
        target[0] = -1;
      }
      Line(absl::StrCat(var, " = ", AsTf(*x), ".reshape(", List(target), ")"));
      layout = Layout::kTf;
    } else if (n.op == "ConcatV2") {
      // All values in one layout: NCHW when every one is, else TensorFlow's order.
      const int64_t rank = static_cast<int64_t>(out_shape.size());
      int32_t axis = g_.constants.at(n.inputs.back()).ints[0];
      if (axis < 0) axis += rank;
      bool nchw = rank == 4;
      std::vector<Value> parts;
      for (size_t i = 0; i + 1 < n.inputs.size(); ++i) {
        auto v = input(i);
        if (!v.ok()) return v.status();
        nchw = nchw && v->layout == Layout::kNchw;
        parts.push_back(*v);
      }
      static constexpr int64_t kTorchAxis[4] = {0, 2, 3, 1};
      std::vector<std::string> vars;
      for (const auto& v : parts) vars.push_back(nchw ? v.var : AsTf(v));
      Line(absl::StrCat(var, " = torch.cat([", absl::StrJoin(vars, ", "), "], ", nchw ? kTorchAxis[axis] : axis, ")"));
      layout = nchw ? Layout::kNchw : Layout::kTf;
    } else if (n.op == "Softmax") {
      auto x = input(0);
      if (!x.ok()) return x.status();
      Line(absl::StrCat(var, " = torch.softmax(", x->var, ", ", x->layout == Layout::kNchw ? 1 : -1, ")"));
      layout = x->layout;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(at, ": no TorchScript rule"));
    }
    if (layout == Layout::kNchw && out_shape.size() != 4) layout = Layout::kTf;
    values_[n.name] = {var, layout, out_shape};
    return absl::OkStatus();
  }

  const Graph& g_;
  std::map<std::string, std::vector<int64_t>> shapes_;
  std::map<std::string, Value> values_;
  std::vector<std::string> lines_;
  std::vector<Param> params_;
  std::string prefix_;
  int counter_ = 0;
};

absl::StatusOr<Emitter> Emit(const Graph& graph, const ConvertOptions& options, const std::string& prefix) {
  std::vector<int64_t> shape = graph.input_shape;
  if (shape[0] <= 0) shape[0] = 1;
  auto shapes = InferShapes(graph, shape);
  if (!shapes.ok()) return shapes.status();
  Emitter e(graph, std::move(*shapes), prefix);
  if (absl::Status s = e.Run(options); !s.ok()) return s;
  return e;
}

// Every method's emitter; forward's parameters are p0, p1, ..., another method's <name>_p0 ...
absl::StatusOr<std::vector<std::pair<std::string, Emitter>>> EmitAll(const std::vector<MethodGraph>& methods) {
  std::vector<std::pair<std::string, Emitter>> out;
  std::set<std::string> names;
  for (const auto& m : methods) {
    if (m.graph == nullptr) return absl::InvalidArgumentError("a method without a graph");
    if (!names.insert(m.options.method).second) {
      return absl::InvalidArgumentError(absl::StrCat("two methods named ", m.options.method));
    }
    const std::string prefix = m.options.method == "forward" ? "p" : absl::StrCat(m.options.method, "_p");
    auto e = Emit(*m.graph, m.options, prefix);
    if (!e.ok()) return e.status();
    out.emplace_back(m.options.method, std::move(*e));
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> TorchScriptSource(const std::vector<MethodGraph>& methods) {
  auto all = EmitAll(methods);
  if (!all.ok()) return all.status();
  std::string source;
  for (const auto& [name, e] : *all) absl::StrAppend(&source, e.Source(name), "\n");
  return source;
}

absl::Status ConvertToTorchScript(const std::string& module_name, const std::vector<MethodGraph>& methods,
                                  const std::string& path) {
  auto all = EmitAll(methods);
  if (!all.ok()) return all.status();
  try {
    torch::jit::Module m(module_name);
    std::string source;
    for (const auto& [name, e] : *all) {
      for (const Param& p : e.params()) {
        torch::Tensor t = torch::from_blob(const_cast<float*>(p.values.data()), p.shape, torch::kFloat).clone();
        m.register_parameter(p.name, t, /*is_buffer=*/false);
      }
      absl::StrAppend(&source, e.Source(name), "\n");
    }
    m.define(source);
    m.eval();
    m.save(path);
  } catch (const std::exception& ex) {
    return absl::InternalError(absl::StrCat("libtorch: ", ex.what()));
  }
  return absl::OkStatus();
}

}  // namespace burnout::face::tfjs
