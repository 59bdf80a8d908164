// burnout-eval-face: measures the face analyzer's expression model on a labelled folder of
// face crops in FER2013's layout (<dir>/<label>/*.jpg|png, labels angry disgust fear happy
// neutral sad surprise — e.g. the FER2013 test split as image files; not shipped here, its
// licence is the Kaggle challenge's), three ways:
//
//   model     the crop as the model was trained: the 48 px grey image, resized to the input;
//   service   the encoded file through the whole face pipeline, as a client would send it
//             (FacePipeline::AnalyzeEncoded; a small crop with no detectable face is analysed
//             whole);
//   framing   the framing study: each crop is embedded in a larger picture (its border
//             replicated), FaceMesh finds the eyes, and the face is re-cropped by the model's
//             FaceCropSpec (with --side_scale / --below_shift applied) before classification.
//             Also prints where the eyes sit in FER crops (the numbers the spec comes from).
//
// Prints accuracy, macro-F1, per-class recall and the confusion matrix. --report DIR also writes
// an evaluation report (common/eval/classifier_report.h: index.md and SVG charts, with the
// embeddings' PCA and t-SNE) of each of the model and service modes, to DIR/model and
// DIR/service; the framing mode has no per-row probabilities at hand and writes none.
//   burnout-eval-face --fer_dir DIR [--per_class 20] [--mode model,service,framing] [--report DIR]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "absl/flags/flag.h"
#include "google/protobuf/text_format.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/config/config.h"
#include "common/eval/classifier_report.h"
#include "common/model/model_dir.h"
#include "common/model/output_profile.h"
#include "common/torchscript/torchscript_model.h"
#include "services/face/face_detect.h"
#include "services/face/face_geometry.h"
#include "services/face/face_landmarks.h"
#include "services/face/face_pipeline.h"
#include "services/face/face_service.h"
#include "services/face/face_vit.h"

ABSL_FLAG(std::string, fer_dir, "", "folder of <label>/<image> face crops (FER2013 layout)");
ABSL_FLAG(int, per_class, 0, "images per label, taken in name order (0 = all)");
ABSL_FLAG(std::string, mode, "model,service,framing", "which evaluations to run");
ABSL_FLAG(std::string, config, "config/face.textproto", "the face service config (service mode)");
ABSL_FLAG(std::string, expression_model, "models/face-expression-fer", "the FER model directory");
ABSL_FLAG(std::string, landmark_model, "models/face-landmarks-mediapipe", "the FaceMesh model directory");
ABSL_FLAG(double, side_scale, 1.0, "framing: multiply the spec's crop side by this");
ABSL_FLAG(double, below_shift, 0.0, "framing: add this to the spec's centre offset (eye distances)");
ABSL_FLAG(int, level_eyes, -1, "framing: 1/0 overrides the spec's level_eyes");
ABSL_FLAG(std::string, write_outputs, "",
          "model: write the model's output profile per true label (ExpressionOutputProfile, text "
          "proto; the fusion trainer's face slot draws from it) to this file");
ABSL_FLAG(std::string, dump_dir, "", "framing: write a contact sheet of the first crops to this PNG");
ABSL_FLAG(std::string, report, "",
          "model, service: write an evaluation report (index.md and SVG charts) of each mode to "
          "<this directory>/<mode>");

namespace burnout::face {
namespace {

namespace fs = std::filesystem;

struct Sample {
  std::string path;
  std::string label;
};

std::vector<Sample> ListSamples(const std::string& dir, int per_class) {
  std::vector<Sample> out;
  std::vector<std::string> labels;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory()) labels.push_back(e.path().filename().string());
  }
  std::sort(labels.begin(), labels.end());
  for (const auto& label : labels) {
    std::vector<std::string> files;
    for (const auto& f : fs::directory_iterator(fs::path(dir) / label)) {
      const std::string ext = f.path().extension().string();
      if (ext == ".jpg" || ext == ".jpeg" || ext == ".png") files.push_back(f.path().string());
    }
    std::sort(files.begin(), files.end());
    if (per_class > 0 && static_cast<int>(files.size()) > per_class) files.resize(per_class);
    for (auto& f : files) out.push_back({f, label});
  }
  return out;
}

class Scores {
 public:
  explicit Scores(std::vector<std::string> labels) : labels_(std::move(labels)) {}
  void Add(const std::string& truth, const std::string& predicted) { ++confusion_[truth][predicted]; }
  void Print(const char* title) const {
    int total = 0, correct = 0;
    double f1_sum = 0;
    int f1_n = 0;
    std::printf("\n%s\n%-9s", title, "true\\pred");
    for (const auto& l : labels_) std::printf(" %8.8s", l.c_str());
    std::printf("   recall\n");
    for (const auto& t : labels_) {
      auto it = confusion_.find(t);
      int row = 0;
      std::printf("%-9s", t.c_str());
      for (const auto& p : labels_) {
        const int n = it == confusion_.end() || !it->second.count(p) ? 0 : it->second.at(p);
        row += n;
        std::printf(" %8d", n);
      }
      const int tp = it == confusion_.end() || !it->second.count(t) ? 0 : it->second.at(t);
      int predicted = 0;
      for (const auto& [tt, preds] : confusion_) predicted += preds.count(t) ? preds.at(t) : 0;
      total += row;
      correct += tp;
      const double recall = row ? double(tp) / row : 0.0, precision = predicted ? double(tp) / predicted : 0.0;
      if (row) {
        f1_sum += precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;
        ++f1_n;
      }
      std::printf("   %.3f\n", recall);
    }
    std::printf("accuracy %.4f (%d of %d), macro-F1 %.4f\n", total ? double(correct) / total : 0.0, correct,
                total, f1_n ? f1_sum / f1_n : 0.0);
  }

 private:
  std::vector<std::string> labels_;
  std::map<std::string, std::map<std::string, int>> confusion_;
};

std::string Top(const std::vector<float>& p, const google::protobuf::RepeatedPtrField<std::string>& labels) {
  return labels[static_cast<int>(std::max_element(p.begin(), p.end()) - p.begin())];
}

// The rows of one mode's evaluation report. The first row's labels fix the label order; a row
// whose outputs come in another order or length, or whose true label is not among them, is
// skipped and counted. Embeddings are kept only while every row has one of the same length.
class ReportRows {
 public:
  void Add(const std::string& truth, const std::vector<std::string>& labels, std::vector<double> probs,
           std::vector<double> embedding, std::string input) {
    if (ev_.labels.empty()) ev_.labels = labels;
    const auto it = std::find(ev_.labels.begin(), ev_.labels.end(), truth);
    if (labels != ev_.labels || probs.size() != labels.size() || it == ev_.labels.end()) {
      ++skipped_;
      return;
    }
    if (embeddings_ && (embedding.empty() || (!ev_.embeddings.empty() && embedding.size() != ev_.embeddings[0].size()))) {
      embeddings_ = false;
      ev_.embeddings.clear();
    }
    if (embeddings_) ev_.embeddings.push_back(std::move(embedding));
    ev_.truth.push_back(static_cast<int>(it - ev_.labels.begin()));
    ev_.probs.push_back(std::move(probs));
    ev_.inputs.push_back(std::move(input));
  }
  // A sample with no output (unreadable, or the model or pipeline failed).
  void Skip() { ++skipped_; }

  // Writes `dir`/index.md and prints where and how long it took; 1 (after printing why) when
  // it cannot.
  int Write(const std::string& dir, std::string title, std::string data_note, std::string program) {
    const auto start = std::chrono::steady_clock::now();
    ev_.title = std::move(title);
    ev_.data_note = absl::StrCat(std::move(data_note), " ", ev_.truth.size(), " rows reported, ", skipped_,
                                 " skipped (unreadable, failed, or a folder that is not one of the model's labels).");
    ev_.program = std::move(program);
    const absl::Status written = eval::WriteClassifierReport(dir, ev_);
    if (!written.ok()) {
      std::fprintf(stderr, "report %s: %s\n", dir.c_str(), written.ToString().c_str());
      return 1;
    }
    std::printf("wrote report %s/index.md in %.2f s\n", dir.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return 0;
  }

 private:
  eval::ClassifierEvaluation ev_;
  bool embeddings_ = true;
  int skipped_ = 0;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int Run() {
  const std::string fer_dir = absl::GetFlag(FLAGS_fer_dir);
  if (fer_dir.empty() || !fs::is_directory(fer_dir)) {
    std::fprintf(stderr, "--fer_dir must name a folder of <label>/<image> face crops\n");
    return 2;
  }
  torchscript::SetTorchThreads(1);
  torchscript::SetBlasThreads(1);
  cv::setNumThreads(1);
  const auto samples = ListSamples(fer_dir, absl::GetFlag(FLAGS_per_class));
  const std::vector<std::string> modes = absl::StrSplit(absl::GetFlag(FLAGS_mode), ',');
  auto wants = [&](const char* m) { return std::find(modes.begin(), modes.end(), m) != modes.end(); };
  auto fer_version = model::ResolveModelVersion(absl::GetFlag(FLAGS_expression_model));
  auto mesh_version = model::ResolveModelVersion(absl::GetFlag(FLAGS_landmark_model));
  if (!fer_version.ok() || !mesh_version.ok()) {
    std::fprintf(stderr, "model directories: %s / %s\n", std::string(fer_version.status().message()).c_str(),
                 std::string(mesh_version.status().message()).c_str());
    return 1;
  }
  auto fer = torchscript::TorchScriptModel::Load(fer_version->dir, torchscript::kFaceGrayKind);
  auto mesh = LandmarkModel::Load(mesh_version->dir);
  if (!fer.ok() || !mesh.ok()) {
    std::fprintf(stderr, "%s %s\n", std::string(fer.status().message()).c_str(),
                 std::string(mesh.status().message()).c_str());
    return 1;
  }
  const auto& spec = (*fer)->spec();
  std::vector<std::string> labels = {"angry", "disgust", "fear", "happy", "neutral", "sad", "surprise"};
  std::printf("%zu images from %s; expression model %s\n", samples.size(), fer_dir.c_str(),
              model::ModelId((*fer)->manifest()).c_str());

  auto config = std::make_unique<burnout::v1::FaceServiceConfig>();
  if (auto st = config::LoadTextProto(absl::GetFlag(FLAGS_config), config.get()); !st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }
  config->set_model_dir(config::ResolveRelativeTo(absl::GetFlag(FLAGS_config), config->model_dir()));
  ResolveFacePaths(absl::GetFlag(FLAGS_config), config.get());
  if (auto st = PrepareFaceConfig(config.get()); !st.ok()) {
    std::fprintf(stderr, "%s\n", std::string(st.message()).c_str());
    return 1;
  }

  // The model's output on one image; empty probabilities when it fails.
  auto forward = [&](const cv::Mat& bgr) {
    if (bgr.empty()) return torchscript::ForwardOutput();
    torchscript::ForwardInput in;
    in.values = FaceModelInput(bgr, spec.image());
    const torchscript::ForwardInput* one[] = {&in};
    auto out = (*fer)->Forward(one);
    return out.ok() ? (*out)[0] : torchscript::ForwardOutput();
  };
  auto probabilities = [&](const cv::Mat& bgr) { return forward(bgr).probabilities; };
  auto classify = [&](const cv::Mat& bgr) {
    const auto p = probabilities(bgr);
    return p.empty() ? std::string("error") : Top(p, spec.labels());
  };

  const std::string report_dir = absl::GetFlag(FLAGS_report);
  // What the reports say about the data and the command that wrote them.
  const std::string data_note = absl::StrCat(
      samples.size(), " labelled face crops from `", fer_dir, "` (`<label>/<image>` folders in FER2013's layout",
      absl::GetFlag(FLAGS_per_class) > 0 ? absl::StrCat(", the first ", absl::GetFlag(FLAGS_per_class), " per label by name")
                                         : std::string(),
      "; FER2013 itself: Goodfellow et al. 2013, the ICML 2013 representation-learning challenge, under the Kaggle "
      "challenge's licence). Inputs are the file names.");
  auto program = [&](const char* mode) {
    return absl::StrCat("burnout-eval-face --fer_dir=", fer_dir, " --per_class=", absl::GetFlag(FLAGS_per_class),
                        " --mode=", mode, " --config=", absl::GetFlag(FLAGS_config),
                        " --expression_model=", absl::GetFlag(FLAGS_expression_model), " --report=", report_dir);
  };
  fs::path data_root = fs::path(fer_dir).lexically_normal();
  if (data_root.filename().empty()) data_root = data_root.parent_path();  // a trailing '/'
  const std::string data_name = data_root.filename().string();
  auto relative = [&](const std::string& path) {
    return fs::path(path).lexically_normal().lexically_relative(data_root).string();
  };
  std::vector<std::string> model_labels(spec.labels().begin(), spec.labels().end());

  if (wants("model")) {
    Scores s(labels);
    ReportRows report;
    std::map<std::string, std::vector<std::vector<float>>> outputs;  // by true label
    for (const auto& smp : samples) {
      const torchscript::ForwardOutput o = forward(cv::imread(smp.path, cv::IMREAD_COLOR));
      const auto& p = o.probabilities;
      s.Add(smp.label, p.empty() ? "error" : Top(p, spec.labels()));
      if (!p.empty()) outputs[smp.label].push_back(p);
      if (report_dir.empty()) continue;
      if (p.empty()) {
        report.Skip();
        continue;
      }
      report.Add(smp.label, model_labels, std::vector<double>(p.begin(), p.end()),
                 std::vector<double>(o.embedding.begin(), o.embedding.end()), relative(smp.path));
    }
    s.Print("model: each 48 px crop as the model was trained (grey, bilinear to 64)");
    if (!report_dir.empty() &&
        report.Write(report_dir + "/model",
                     absl::StrCat("Face expression model ", model::ModelId((*fer)->manifest()), " on ",
                                  data_name, ": crops as trained"),
                     absl::StrCat(data_note, " Each crop goes to the model as it was trained: grey, resized to its "
                                             "input; the probabilities and the embedding are the model's own."),
                     program("model")) != 0) {
      return 1;
    }
    if (const std::string path = absl::GetFlag(FLAGS_write_outputs); !path.empty()) {
      burnout::v1::ExpressionOutputProfile profile;
      profile.set_model_id(model::ModelId((*fer)->manifest()));
      profile.set_model_sha256((*fer)->manifest().sha256());
      profile.set_data(absl::StrCat("FER2013 test images: ", samples.size(), " 48 px crops in ", outputs.size(),
                                    " labels, each as the model was trained (burnout-eval-face --mode model)"));
      for (const auto& l : spec.labels()) profile.add_labels(l);
      for (const auto& [label, rows] : outputs) model::AddTrueLabel(label, rows, &profile);
      const absl::Status written = model::WriteOutputProfile(
          path,
          "# The FER expression model's outputs on FER2013 test images, per true label (burnout.v1."
          "ExpressionOutputProfile),\n# written by burnout-eval-face --mode model --write_outputs. The fusion "
          "trainer's face slot draws from it.\n",
          profile);
      if (!written.ok()) {
        std::fprintf(stderr, "%s\n", written.ToString().c_str());
        return 1;
      }
      std::printf("wrote %s\n", path.c_str());
    }
  }

  if (wants("service")) {
    auto version = model::ResolveModelVersion(config->model_dir());
    if (!version.ok()) return 1;
    config->set_model_dir(version->dir);
    auto pipeline = FacePipeline::Create(*config);
    if (!pipeline.ok()) {
      std::fprintf(stderr, "%s\n", std::string(pipeline.status().message()).c_str());
      return 1;
    }
    Scores s(labels);
    ReportRows report;
    std::string service_model;  // as the results name it
    std::map<std::string, int> detectors;
    std::map<std::string, std::map<std::string, std::vector<double>>> cue_values;
    for (const auto& smp : samples) {
      std::ifstream f(smp.path, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(f)), {});
      auto r = (*pipeline)->AnalyzeEncoded(bytes);
      if (!r.ok()) {
        s.Add(smp.label, "error");
        report.Skip();
        continue;
      }
      if (service_model.empty()) service_model = absl::StrCat(r->model().name(), "/", r->model().version());
      if (!report_dir.empty()) {
        std::vector<std::string> result_labels;
        std::vector<double> p;
        for (const auto& e : r->emotions()) {
          result_labels.push_back(e.label());
          p.push_back(e.probability());
        }
        report.Add(smp.label, result_labels, std::move(p),
                   std::vector<double>(r->embedding().values().begin(), r->embedding().values().end()),
                   relative(smp.path));
      }
      ++detectors[r->details().count("detector") ? r->details().at("detector") : "?"];
      for (const auto& ind : r->indicators()) cue_values[smp.label][ind.name()].push_back(ind.value());
      int top = 0;
      for (int i = 1; i < r->emotions_size(); ++i) {
        if (r->emotions(i).probability() > r->emotions(top).probability()) top = i;
      }
      s.Add(smp.label, r->emotions(top).label());
    }
    s.Print("service: the encoded file through FacePipeline::AnalyzeEncoded");
    if (!report_dir.empty() &&
        report.Write(report_dir + "/service",
                     absl::StrCat("Face analyzer with ", service_model.empty() ? "its model" : service_model, " on ",
                                  data_name, ": files through the pipeline"),
                     absl::StrCat(data_note, " Each encoded file goes through the face service's whole pipeline "
                                             "(FacePipeline::AnalyzeEncoded: detection, landmarks, framing, the "
                                             "expression model), as a client would send it; the probabilities are "
                                             "the service's, shrunk towards uniform by the reading's evidence."),
                     program("service")) != 0) {
      return 1;
    }
    for (const auto& [d, n] : detectors) std::printf("  detector %s: %d\n", d.c_str(), n);
    // The cues' spread on each label (median, and the interquartile range / 1.35: a robust std).
    std::printf("cues through the service (median / robust std):\n");
    for (const char* cue : {"smile", "eyes_open", "mouth_open", "mouth_width", "corner_lift", "lip_corner_pull",
                            "brow_height", "pitch_deg", "eye_openness_left", "eye_openness_right"}) {
      std::printf("  %-18s", cue);
      for (const auto& label : labels) {
        auto v = cue_values[label][cue];
        std::sort(v.begin(), v.end());
        if (v.empty()) {
          std::printf(" %8s: -", label.c_str());
          continue;
        }
        const double iqr = v[v.size() * 3 / 4] - v[v.size() / 4];
        std::printf(" %s %.3f/%.3f", label.substr(0, 3).c_str(), v[v.size() / 2], iqr / 1.35);
      }
      std::printf("\n");
    }
  }

  if (wants("framing")) {
    auto detector = FaceDetector::Create(config->detector());
    if (!detector.ok()) {
      std::fprintf(stderr, "%s\n", std::string(detector.status().message()).c_str());
      return 1;
    }
    Scores s(labels), raw(labels);
    // Where the face's extents sit in FER crops, in units of the crop side.
    std::vector<double> mesh_side, mesh_dy, box_side, box_dy, score, iod, mid_y;
    int agree = 0, found = 0, agree_identity = 0, boxes = 0;
    burnout::v1::FaceCropSpec crop = spec.image().crop();
    crop.set_mesh_side(crop.mesh_side() * absl::GetFlag(FLAGS_side_scale));
    crop.set_mesh_center_dy(crop.mesh_center_dy() + absl::GetFlag(FLAGS_below_shift));
    if (absl::GetFlag(FLAGS_level_eyes) >= 0) crop.set_level_eyes(absl::GetFlag(FLAGS_level_eyes) == 1);
    const int native = spec.image().native_size() > 0 ? spec.image().native_size() : spec.image().size();
    const std::string dump = absl::GetFlag(FLAGS_dump_dir);
    std::vector<cv::Mat> sheet_rows;
    std::map<std::string, std::map<std::string, std::vector<double>>> cue_stats;
    for (const auto& smp : samples) {
      const cv::Mat img = cv::imread(smp.path, cv::IMREAD_COLOR);
      if (img.empty()) continue;
      // The crop in a picture four times its size (border replicated), at 4x resolution.
      const int pad = img.cols * 3 / 2;
      cv::Mat canvas, big;
      cv::copyMakeBorder(img, canvas, pad, pad, pad, pad, cv::BORDER_REPLICATE);
      cv::resize(canvas, big, canvas.size() * 4, 0, 0, cv::INTER_LINEAR);
      const float k = 4.0f, side_px = k * img.cols;
      const cv::Point2f centre(k * (pad + img.cols / 2.0f), k * (pad + img.rows / 2.0f));
      const Detection det = (*detector)->Detect(big);
      if (!det.faces.empty() && det.faces[0].detector == DetectorKind::kYuNet) {
        const auto& b = det.faces[0].box;
        box_side.push_back(std::max(b.width, b.height) / side_px);
        box_dy.push_back((centre.y - (b.y + b.height / 2)) / std::max(b.width, b.height));
        ++boxes;
      }
      // FaceMesh on the crop's square (enlarged as for a detector's box), then once more on
      // the framing its own landmarks give (as a tracked face is).
      FaceExtent square;
      square.center = centre;
      square.width = square.height = side_px;
      auto m1 = (*mesh)->Run(big, (*mesh)->RoiFromBox(square));
      if (!m1.ok()) continue;
      auto m2 = (*mesh)->Run(big, (*mesh)->RoiFromMesh(*m1));
      if (!m2.ok()) continue;
      score.push_back(m2->score);
      if (m2->score < (*mesh)->min_face_score()) continue;
      ++found;
      const LandmarkMeasures lm = MeasureLandmarks(*m2);
      auto& c = cue_stats[smp.label];
      c["ear"].push_back(0.5 * (lm.ear_left + lm.ear_right));
      c["mar"].push_back(lm.mouth_aspect);
      c["width"].push_back(lm.mouth_width);
      c["pull"].push_back(lm.lip_corner_pull);
      c["lift"].push_back(lm.corner_lift);
      c["brow"].push_back(lm.brow_height);
      c["yaw"].push_back(lm.yaw_deg);
      c["pitch"].push_back(lm.pitch_deg);
      const FaceExtent extent = MeshExtent(*m2);
      const double long_side = std::max(extent.width, extent.height);
      mesh_side.push_back(side_px / long_side);
      mesh_dy.push_back((centre.y - extent.center.y) / long_side);
      iod.push_back(lm.eye_distance_px / side_px);
      mid_y.push_back((0.5 * (lm.right_eye.y + lm.left_eye.y) - (centre.y - side_px / 2)) / side_px);
      const cv::Mat face = RenderRoi(big, FramingFromMesh(crop, extent), native);
      if (!dump.empty() && sheet_rows.size() < 48) {
        cv::Mat pair, up;
        cv::resize(img, up, face.size());
        cv::hconcat(up, face, pair);
        cv::resize(pair, pair, pair.size() * 2, 0, 0, cv::INTER_NEAREST);
        sheet_rows.push_back(pair);
      }
      // The resampling floor: the FER crop's own square through the same rendering.
      FaceRoi same;
      same.center = centre;
      same.side = side_px;
      const std::string identity = classify(RenderRoi(big, same, native));
      const std::string p = classify(face), q = classify(img);
      agree_identity += identity == q;
      s.Add(smp.label, p);
      raw.Add(smp.label, q);
      agree += p == q;
    }
    if (!sheet_rows.empty()) {
      // A contact sheet: each pair is the FER crop and its re-crop, 8 pairs a column.
      std::vector<cv::Mat> columns;
      for (size_t i = 0; i < sheet_rows.size(); i += 8) {
        std::vector<cv::Mat> col(sheet_rows.begin() + i, sheet_rows.begin() + std::min(sheet_rows.size(), i + 8));
        while (col.size() < 8) col.push_back(cv::Mat::zeros(sheet_rows[0].size(), sheet_rows[0].type()));
        cv::Mat c;
        cv::vconcat(col, c);
        cv::copyMakeBorder(c, c, 0, 0, 0, 6, cv::BORDER_CONSTANT, cv::Scalar(0, 0, 255));
        columns.push_back(c);
      }
      cv::Mat sheet;
      cv::hconcat(columns, sheet);
      cv::imwrite(dump, sheet);
    }
    std::printf("\nframing: FaceMesh found the face in %d of %zu crops (median score %.2f), YuNet in %d\n",
                found, samples.size(), Median(score), boxes);
    std::printf("FER framing (medians): from the mesh's extent side %.3f, centre %.3f down; from YuNet's box "
                "side %.3f, centre %.3f down; eye distance %.3f of the crop, eyes at %.3f of its height\n",
                Median(mesh_side), Median(mesh_dy), Median(box_side), Median(box_dy), Median(iod), Median(mid_y));
    std::printf("re-cropped from the mesh with side %.3f, centre %.3f down: agrees with the raw crop on %d of %d\n",
                crop.mesh_side(), crop.mesh_center_dy(), agree, found);
    std::printf("the FER crop's own square through the same rendering (the resampling floor): agrees on %d of %d\n",
                agree_identity, found);
    std::printf("landmark measures by label (medians; p10-p90 for ear and mar):\n");
    for (auto& [label, c] : cue_stats) {
      auto pct = [](std::vector<double> v, double q) {
        std::sort(v.begin(), v.end());
        return v.empty() ? 0.0 : v[static_cast<size_t>(q * (v.size() - 1))];
      };
      std::printf("  %-9s n %4zu ear %.3f (%.3f-%.3f) mar %.3f (%.3f-%.3f) width %.3f pull %.3f lift %.3f brow %.3f "
                  "|yaw| %.1f pitch %.1f\n",
                  label.c_str(), c["ear"].size(), Median(c["ear"]), pct(c["ear"], 0.1), pct(c["ear"], 0.9),
                  Median(c["mar"]), pct(c["mar"], 0.1), pct(c["mar"], 0.9), Median(c["width"]), Median(c["pull"]),
                  Median(c["lift"]), Median(c["brow"]), [&] {
                    std::vector<double> a;
                    for (double y : c["yaw"]) a.push_back(std::abs(y));
                    return Median(a);
                  }(), Median(c["pitch"]));
    }
    raw.Print("framing: the same images, raw crop");
    s.Print("framing: re-cropped by the spec");
  }
  return 0;
}

}  // namespace
}  // namespace burnout::face

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return burnout::face::Run();
}
