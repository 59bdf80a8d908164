#include "services/face/tfjs/tfjs_reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace burnout::face::tfjs {
namespace {

int64_t Count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

RefTensor FromConstant(const Tensor& t) {
  RefTensor r;
  r.shape = t.shape;
  if (t.is_int) {
    r.values.assign(t.ints.begin(), t.ints.end());
  } else {
    r.values.assign(t.values.begin(), t.values.end());
  }
  return r;
}

// Output extent and the leading padding of one spatial axis, by TensorFlow's rules.
struct Axis {
  int64_t out;
  int64_t pad_before;
};
Axis WindowAxis(const std::string& padding, int64_t in, int64_t k, int64_t s) {
  if (padding == "SAME") return {(in + s - 1) / s, SamePadding(in, k, s).first};
  return {(in - k) / s + 1, 0};
}

// Conv2D (filter [KH, KW, C, O]) or, with depthwise, DepthwiseConv2dNative (filter
// [KH, KW, C, M], output channel c * M + m). Zero padding.
RefTensor Convolve(const RefTensor& x, const RefTensor& f, int64_t sh, int64_t sw,
                   const std::string& padding, bool depthwise) {
  const int64_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  const int64_t kh = f.shape[0], kw = f.shape[1], fo = f.shape[3];
  const Axis ay = WindowAxis(padding, h, kh, sh), ax = WindowAxis(padding, w, kw, sw);
  const int64_t oc = depthwise ? c * fo : fo;
  RefTensor y;
  y.shape = {n, ay.out, ax.out, oc};
  y.values.assign(Count(y.shape), 0.0);
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t oy = 0; oy < ay.out; ++oy) {
      for (int64_t ox = 0; ox < ax.out; ++ox) {
        double* out = &y.values[((b * ay.out + oy) * ax.out + ox) * oc];
        for (int64_t ky = 0; ky < kh; ++ky) {
          const int64_t iy = oy * sh + ky - ay.pad_before;
          if (iy < 0 || iy >= h) continue;
          for (int64_t kx = 0; kx < kw; ++kx) {
            const int64_t ix = ox * sw + kx - ax.pad_before;
            if (ix < 0 || ix >= w) continue;
            const double* in = &x.values[((b * h + iy) * w + ix) * c];
            const double* fk = &f.values[(ky * kw + kx) * c * fo];
            for (int64_t ci = 0; ci < c; ++ci) {
              const double v = in[ci];
              if (depthwise) {
                for (int64_t m = 0; m < fo; ++m) out[ci * fo + m] += v * fk[ci * fo + m];
              } else {
                for (int64_t o = 0; o < fo; ++o) out[o] += v * fk[ci * fo + o];
              }
            }
          }
        }
      }
    }
  }
  return y;
}

// MaxPool / AvgPool: SAME windows only cover real pixels (TensorFlow's semantics: padding
// neither wins a max nor counts in an average).
RefTensor Pool(const RefTensor& x, const Node& node, bool max) {
  const int64_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  const int64_t kh = node.ksize[1], kw = node.ksize[2], sh = node.strides[1], sw = node.strides[2];
  const Axis ay = WindowAxis(node.padding, h, kh, sh), ax = WindowAxis(node.padding, w, kw, sw);
  RefTensor y;
  y.shape = {n, ay.out, ax.out, c};
  y.values.assign(Count(y.shape), 0.0);
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t oy = 0; oy < ay.out; ++oy) {
      for (int64_t ox = 0; ox < ax.out; ++ox) {
        for (int64_t ci = 0; ci < c; ++ci) {
          double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
          int64_t used = 0;
          for (int64_t ky = 0; ky < kh; ++ky) {
            const int64_t iy = oy * sh + ky - ay.pad_before;
            if (iy < 0 || iy >= h) continue;
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t ix = ox * sw + kx - ax.pad_before;
              if (ix < 0 || ix >= w) continue;
              const double v = x.values[((b * h + iy) * w + ix) * c + ci];
              acc = max ? std::max(acc, v) : acc + v;
              ++used;
            }
          }
          y.values[((b * ay.out + oy) * ax.out + ox) * c + ci] = max ? acc : acc / std::max<int64_t>(used, 1);
        }
      }
    }
  }
  return y;
}

// Element-wise with NumPy broadcasting.
template <typename F>
RefTensor Broadcast(const RefTensor& a, const RefTensor& b, F f) {
  const size_t r = std::max(a.shape.size(), b.shape.size());
  std::vector<int64_t> sa(r - a.shape.size(), 1), sb(r - b.shape.size(), 1);
  sa.insert(sa.end(), a.shape.begin(), a.shape.end());
  sb.insert(sb.end(), b.shape.begin(), b.shape.end());
  RefTensor y;
  for (size_t i = 0; i < r; ++i) y.shape.push_back(std::max(sa[i], sb[i]));
  const int64_t total = Count(y.shape);
  y.values.resize(total);
  std::vector<int64_t> idx(r, 0);
  for (int64_t k = 0; k < total; ++k) {
    int64_t ia = 0, ib = 0;
    for (size_t d = 0; d < r; ++d) {
      ia = ia * sa[d] + (sa[d] == 1 ? 0 : idx[d]);
      ib = ib * sb[d] + (sb[d] == 1 ? 0 : idx[d]);
    }
    y.values[k] = f(a.values[ia], b.values[ib]);
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < y.shape[d]) break;
      idx[d] = 0;
    }
  }
  return y;
}

// x > 0 ? x : alpha * x, alpha broadcast over x.
RefTensor Prelu(const RefTensor& x, const RefTensor& alpha) {
  return Broadcast(x, alpha, [](double v, double a) { return v > 0 ? v : a * v; });
}

RefTensor Map(RefTensor x, double (*f)(double)) {
  for (double& v : x.values) v = f(v);
  return x;
}

double Relu(double v) { return v > 0 ? v : 0.0; }
double Relu6(double v) { return std::min(6.0, Relu(v)); }
double Sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

RefTensor PadZeros(const RefTensor& x, const std::vector<int32_t>& pads) {
  const size_t r = x.shape.size();
  RefTensor y;
  for (size_t i = 0; i < r; ++i) y.shape.push_back(x.shape[i] + pads[2 * i] + pads[2 * i + 1]);
  y.values.assign(Count(y.shape), 0.0);
  std::vector<int64_t> idx(r, 0);
  for (int64_t k = 0; k < Count(x.shape); ++k) {
    int64_t o = 0;
    for (size_t d = 0; d < r; ++d) o = o * y.shape[d] + idx[d] + pads[2 * d];
    y.values[o] = x.values[k];
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < x.shape[d]) break;
      idx[d] = 0;
    }
  }
  return y;
}

RefTensor MeanOver(const RefTensor& x, const std::vector<int32_t>& raw_axes, bool keep) {
  const size_t r = x.shape.size();
  std::vector<bool> reduce(r, false);
  for (int32_t a : raw_axes) reduce[a < 0 ? a + r : a] = true;
  std::vector<int64_t> kept_shape;
  for (size_t d = 0; d < r; ++d) kept_shape.push_back(reduce[d] ? 1 : x.shape[d]);
  RefTensor y;
  y.values.assign(Count(kept_shape), 0.0);
  std::vector<int64_t> idx(r, 0);
  int64_t group = 1;
  for (size_t d = 0; d < r; ++d) if (reduce[d]) group *= x.shape[d];
  for (int64_t k = 0; k < Count(x.shape); ++k) {
    int64_t o = 0;
    for (size_t d = 0; d < r; ++d) o = o * kept_shape[d] + (reduce[d] ? 0 : idx[d]);
    y.values[o] += x.values[k];
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < x.shape[d]) break;
      idx[d] = 0;
    }
  }
  for (double& v : y.values) v /= group;
  for (size_t d = 0; d < r; ++d) {
    if (!reduce[d] || keep) y.shape.push_back(kept_shape[d]);
  }
  return y;
}

RefTensor Softmax(RefTensor x) {
  const int64_t c = x.shape.back();
  for (int64_t base = 0; base < static_cast<int64_t>(x.values.size()); base += c) {
    double top = x.values[base];
    for (int64_t i = 1; i < c; ++i) top = std::max(top, x.values[base + i]);
    double sum = 0;
    for (int64_t i = 0; i < c; ++i) sum += (x.values[base + i] = std::exp(x.values[base + i] - top));
    for (int64_t i = 0; i < c; ++i) x.values[base + i] /= sum;
  }
  return x;
}

// Concatenation along `axis` of the node's value inputs (all but the last, the axis).
template <typename ValueOf>
RefTensor Concat(const Node& n, ValueOf&& value, int32_t raw_axis) {
  const RefTensor& first = value(n.inputs[0]);
  const int64_t rank = static_cast<int64_t>(first.shape.size());
  const int64_t axis = raw_axis < 0 ? raw_axis + rank : raw_axis;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= first.shape[d];
  RefTensor y;
  y.shape = first.shape;
  y.shape[axis] = 0;
  std::vector<const RefTensor*> parts;
  for (size_t i = 0; i + 1 < n.inputs.size(); ++i) {
    parts.push_back(&value(n.inputs[i]));
    y.shape[axis] += parts.back()->shape[axis];
  }
  for (int64_t o = 0; o < outer; ++o) {
    for (const RefTensor* t : parts) {
      const int64_t chunk = static_cast<int64_t>(t->values.size()) / outer;
      y.values.insert(y.values.end(), t->values.begin() + o * chunk, t->values.begin() + (o + 1) * chunk);
    }
  }
  return y;
}

}  // namespace

absl::StatusOr<std::map<std::string, RefTensor>> EvaluateReference(
    const Graph& graph, const RefTensor& input, const std::vector<std::string>& also) {
  if (input.shape.size() != 4 || static_cast<int64_t>(input.values.size()) != Count(input.shape)) {
    return absl::InvalidArgumentError("the reference input must be NHWC with matching values");
  }
  for (int d = 1; d < 4; ++d) {
    if (graph.input_shape[d] > 0 && graph.input_shape[d] != input.shape[d]) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input [", absl::StrJoin(input.shape, ", "), "] does not fit the graph's [",
          absl::StrJoin(graph.input_shape, ", "), "]"));
    }
  }
  // Shapes are checked on the way (InferShapes), so the ops below can index freely.
  if (auto shapes = InferShapes(graph, input.shape); !shapes.ok()) return shapes.status();
  std::map<std::string, RefTensor> values;
  values[graph.input] = input;
  auto value = [&](const std::string& name) -> const RefTensor& {
    auto it = values.find(name);
    if (it == values.end()) it = values.emplace(name, FromConstant(graph.constants.at(name))).first;
    return it->second;
  };
  auto ints = [&](const std::string& name) { return graph.constants.at(name).ints; };
  for (const Node& n : graph.nodes) {
    if (n.op == "Placeholder") continue;
    RefTensor y;
    if (n.op == "Identity") {
      y = value(n.inputs[0]);
    } else if (n.op == "_FusedConv2D" || n.op == "Conv2D" || n.op == "DepthwiseConv2dNative") {
      y = Convolve(value(n.inputs[0]), value(n.inputs[1]), n.strides[1], n.strides[2], n.padding,
                   n.op == "DepthwiseConv2dNative");
      if (n.op == "_FusedConv2D") {
        y = Broadcast(y, value(n.inputs[2]), [](double a, double b) { return a + b; });
        if (n.fused_ops.size() == 2) {
          if (n.fused_ops[1] == "Relu") y = Map(std::move(y), Relu);
          if (n.fused_ops[1] == "Relu6") y = Map(std::move(y), Relu6);
          if (n.fused_ops[1] == "Prelu") y = Prelu(y, value(n.inputs[3]));
        }
      }
    } else if (n.op == "MaxPool" || n.op == "AvgPool") {
      y = Pool(value(n.inputs[0]), n, n.op == "MaxPool");
    } else if (n.op == "AddV2" || n.op == "Add") {
      y = Broadcast(value(n.inputs[0]), value(n.inputs[1]), [](double a, double b) { return a + b; });
    } else if (n.op == "Mul") {
      y = Broadcast(value(n.inputs[0]), value(n.inputs[1]), [](double a, double b) { return a * b; });
    } else if (n.op == "Relu") {
      y = Map(value(n.inputs[0]), Relu);
    } else if (n.op == "Relu6") {
      y = Map(value(n.inputs[0]), Relu6);
    } else if (n.op == "Sigmoid") {
      y = Map(value(n.inputs[0]), Sigmoid);
    } else if (n.op == "Prelu") {
      y = Prelu(value(n.inputs[0]), value(n.inputs[1]));
    } else if (n.op == "Pad") {
      y = PadZeros(value(n.inputs[0]), ints(n.inputs[1]));
    } else if (n.op == "Mean") {
      y = MeanOver(value(n.inputs[0]), ints(n.inputs[1]), n.keep_dims);
    } else if (n.op == "Reshape") {
      y = value(n.inputs[0]);
      const auto target = ints(n.inputs[1]);
      int64_t known = 1;
      for (int32_t d : target) if (d > 0) known *= d;
      y.shape.clear();
      for (int32_t d : target) y.shape.push_back(d > 0 ? d : static_cast<int64_t>(y.values.size()) / known);
    } else if (n.op == "Softmax") {
      y = Softmax(value(n.inputs[0]));
    } else if (n.op == "ConcatV2") {
      y = Concat(n, value, ints(n.inputs.back())[0]);
    } else {
      return absl::InvalidArgumentError(absl::StrCat("node ", n.name, ": op ", n.op, " has no reference"));
    }
    values[n.name] = std::move(y);
  }
  std::map<std::string, RefTensor> out;
  for (const auto& o : graph.outputs) out[o.key] = values.at(o.node);
  for (const auto& name : also) {
    auto it = values.find(name);
    if (it == values.end()) return absl::InvalidArgumentError(absl::StrCat("node ", name, " does not exist"));
    out[name] = it->second;
  }
  return out;
}

}  // namespace burnout::face::tfjs
