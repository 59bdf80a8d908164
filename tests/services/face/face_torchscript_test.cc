// The face analyzer serving a TorchScript expression model (kind torchscript-face, the
// seeds' ViT once exported) behind a real gRPC server on port 0: tiny models with the exact
// exported signature (common/torchscript/tiny_models.h) in a scratch directory, the real
// detectors and cues. The model's input numerics, end-to-end results, every kind of wrong
// model file, dynamic batching and hot reload.
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "burnout/v1/face.grpc.pb.h"
#include "burnout/v1/model.pb.h"
#include "common/config/config.h"
#include "common/grpc/health_client.h"
#include "common/model/model_dir.h"
#include "common/torchscript/tiny_models.h"
#include "common/torchscript/torchscript_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/face/face_service.h"
#include "services/face/face_vit.h"
#include "tests/services/face/face_images.h"
#include "tests/services/running_analyzer.h"
#include "tests/testing/temp_dir.h"

namespace burnout::face {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using torchscript::TinyModelOptions;
using torchscript::TinyVariant;

// ---- The model's input (ViTImageProcessor's preprocessing) ----

v1::ImageInputSpec ImageSpec(int size, const char* order = "RGB") {
  v1::ImageInputSpec s;
  s.set_size(size);
  for (float m : {0.5f, 0.5f, 0.5f}) s.add_mean(m);
  for (float d : {0.5f, 0.5f, 0.5f}) s.add_std(d);
  s.set_rescale(1.0f / 255.0f);
  s.set_channel_order(order);
  return s;
}

float At(const std::vector<float>& v, int size, int c, int y, int x) {
  return v.at(static_cast<size_t>(c) * size * size + static_cast<size_t>(y) * size + x);
}

TEST(FaceModelInputTest, AKnownPixelMapsToItsNormalisedValueInRgbOrder) {
  // OpenCV's order: blue 10, green 100, red 200 everywhere, one pixel (3, 5) pure red.
  cv::Mat bgr(8, 8, CV_8UC3, cv::Scalar(10, 100, 200));
  bgr.at<cv::Vec3b>(3, 5) = cv::Vec3b(0, 0, 255);
  const std::vector<float> v = FaceModelInput(bgr, ImageSpec(8, "RGB"));
  ASSERT_EQ(v.size(), 3u * 8 * 8);
  // (v / 255 - 0.5) / 0.5, channel 0 = red.
  EXPECT_NEAR(At(v, 8, 0, 0, 0), (200 / 255.0 - 0.5) / 0.5, 1e-6);
  EXPECT_NEAR(At(v, 8, 1, 0, 0), (100 / 255.0 - 0.5) / 0.5, 1e-6);
  EXPECT_NEAR(At(v, 8, 2, 0, 0), (10 / 255.0 - 0.5) / 0.5, 1e-6);
  EXPECT_NEAR(At(v, 8, 0, 3, 5), 1.0, 1e-6);   // red 255 -> +1
  EXPECT_NEAR(At(v, 8, 1, 3, 5), -1.0, 1e-6);  // green 0 -> -1
  EXPECT_NEAR(At(v, 8, 2, 3, 5), -1.0, 1e-6);
  // Row-major inside each plane: (y, x) = (5, 3) is an ordinary pixel.
  EXPECT_NEAR(At(v, 8, 0, 5, 3), (200 / 255.0 - 0.5) / 0.5, 1e-6);
}

TEST(FaceModelInputTest, BgrOrderKeepsOpenCvsChannelsAndPerChannelStatsApply) {
  cv::Mat bgr(4, 4, CV_8UC3, cv::Scalar(10, 100, 200));
  const std::vector<float> rgb = FaceModelInput(bgr, ImageSpec(4, "RGB"));
  const std::vector<float> bgr_in = FaceModelInput(bgr, ImageSpec(4, "BGR"));
  EXPECT_NEAR(At(bgr_in, 4, 0, 1, 1), At(rgb, 4, 2, 1, 1), 1e-7);  // planes swapped
  EXPECT_NEAR(At(bgr_in, 4, 2, 1, 1), At(rgb, 4, 0, 1, 1), 1e-7);
  EXPECT_NEAR(At(bgr_in, 4, 1, 1, 1), At(rgb, 4, 1, 1, 1), 1e-7);
  // ImageNet statistics, one per channel in channel_order.
  v1::ImageInputSpec imagenet = ImageSpec(4, "RGB");
  imagenet.clear_mean();
  imagenet.clear_std();
  for (float m : {0.485f, 0.456f, 0.406f}) imagenet.add_mean(m);
  for (float d : {0.229f, 0.224f, 0.225f}) imagenet.add_std(d);
  const std::vector<float> v = FaceModelInput(bgr, imagenet);
  EXPECT_NEAR(At(v, 4, 0, 2, 2), (200 / 255.0 - 0.485) / 0.229, 1e-5);
  EXPECT_NEAR(At(v, 4, 1, 2, 2), (100 / 255.0 - 0.456) / 0.224, 1e-5);
  EXPECT_NEAR(At(v, 4, 2, 2, 2), (10 / 255.0 - 0.406) / 0.225, 1e-5);
  // rescale other than 1/255 (a model fed 0..255 values).
  v1::ImageInputSpec raw = ImageSpec(4, "RGB");
  raw.set_rescale(1.0f);
  raw.set_mean(0, 0.0f);
  raw.set_std(0, 1.0f);
  EXPECT_NEAR(At(FaceModelInput(bgr, raw), 4, 0, 0, 0), 200.0, 1e-4);
}

TEST(FaceModelInputTest, ResizesBilinearlyToTheModelsSide) {
  // A uniform 224 px crop to 32 px stays uniform; a left/right split keeps its halves.
  cv::Mat flat(224, 224, CV_8UC3, cv::Scalar(30, 60, 90));
  const std::vector<float> v = FaceModelInput(flat, ImageSpec(32));
  ASSERT_EQ(v.size(), 3u * 32 * 32);
  for (int y = 0; y < 32; y += 7) {
    for (int x = 0; x < 32; x += 5) EXPECT_NEAR(At(v, 32, 0, y, x), (90 / 255.0 - 0.5) / 0.5, 1e-6);
  }
  cv::Mat split(64, 64, CV_8UC3, cv::Scalar(0, 0, 0));
  split(cv::Rect(32, 0, 32, 64)).setTo(cv::Scalar(255, 255, 255));
  const std::vector<float> s = FaceModelInput(split, ImageSpec(16));
  EXPECT_NEAR(At(s, 16, 1, 8, 0), -1.0, 1e-6);
  EXPECT_NEAR(At(s, 16, 1, 8, 15), 1.0, 1e-6);
  // The exact bilinear value at the edge: cv::resize INTER_LINEAR of the same image.
  cv::Mat small;
  cv::resize(split, small, cv::Size(16, 16), 0, 0, cv::INTER_LINEAR);
  EXPECT_NEAR(At(s, 16, 0, 4, 8), (small.at<cv::Vec3b>(4, 8)[2] / 255.0 - 0.5) / 0.5, 1e-6);
  // Grey input is taken as three equal channels.
  cv::Mat grey(16, 16, CV_8UC1, cv::Scalar(51));
  const std::vector<float> g = FaceModelInput(grey, ImageSpec(16));
  EXPECT_NEAR(At(g, 16, 0, 1, 1), At(g, 16, 2, 1, 1), 1e-7);
  EXPECT_NEAR(At(g, 16, 0, 1, 1), (51 / 255.0 - 0.5) / 0.5, 1e-6);
}

// ---- The service with tiny TorchScript models ----

struct Running : testutil::RunningAnalyzer<FaceService, v1::FaceAnalyzer, v1::FaceStreamRequest,
                                           v1::FaceFrameResult> {
  explicit Running(const v1::FaceServiceConfig& config, bool load = true)
      : RunningAnalyzer(config, kFaceReadiness, load) {}
  // As the service main does: ready once a load succeeds, and from then on.
  absl::Status LoadLikeTheMain() {
    absl::Status s = service.LoadModel();
    if (s.ok()) handle->SetReady(kFaceReadiness, true);
    return s;
  }
  grpcx::Health Health(const std::string& name) {
    auto ch = grpcx::MakeChannel("127.0.0.1:" + std::to_string(handle->port()), 0);
    auto h = grpcx::CheckHealth(ch, name, std::chrono::seconds(5));
    return h.ok() ? *h : grpcx::Health::kUnknown;
  }
};

// A tiny torchscript-face model written to scratch directory `path` (relative to the
// scratch root; parents created).
std::string WriteTiny(const std::string& path, TinyModelOptions o = {}) {
  o.kind = torchscript::kFaceKind;
  if (o.name == "tiny") o.name = "tiny-face";
  const std::string dir = (testutil::ScratchRoot() / path).string();
  fs::remove_all(dir);
  const absl::Status s = torchscript::WriteTinyModel(dir, o);
  EXPECT_TRUE(s.ok()) << s;
  return dir;
}

v1::ModelManifest Manifest(const std::string& dir) {
  v1::ModelManifest m;
  const absl::Status s = config::LoadTextProto(dir + "/" + model::kManifestName, &m);
  EXPECT_TRUE(s.ok()) << s;
  return m;
}

v1::FaceServiceConfig Config(const std::string& model_dir) {
  v1::FaceServiceConfig c;
  c.set_model_dir(model_dir);
  c.set_max_image_bytes(4 << 20);
  c.mutable_detector()->set_yunet_model(test_images::YuNetModelPath());  // "" -> Haar first
  c.set_stream_idle_timeout_ms(10000);
  c.set_max_fps(1000);
  return c;
}

v1::FaceServiceConfig Prepared(v1::FaceServiceConfig c) {
  const absl::Status s = PrepareFaceConfig(&c);
  EXPECT_TRUE(s.ok()) << s;
  return c;
}

std::string Encode(const cv::Mat& m, const char* ext = ".png") {
  std::vector<uchar> buf;
  EXPECT_TRUE(cv::imencode(ext, m, buf));
  return std::string(buf.begin(), buf.end());
}

// A drawn picture with no face (the centre-crop path); `seed` varies its colours.
cv::Mat Drawing(int seed, int w = 200, int h = 150) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      m.at<cv::Vec3b>(y, x) = cv::Vec3b((x * 255 / w + 37 * seed) % 256, (y * 255 / h) % 256,
                                        (60 + 25 * seed) % 256);
    }
  }
  cv::rectangle(m, {20, 20, 60, 40}, cv::Scalar(0, 0, 255 - 20 * seed), cv::FILLED);
  cv::circle(m, {w / 2, h / 2}, h / 5, cv::Scalar(255, 255 - 30 * seed, 255), 3);
  return m;
}

grpc::Status Analyze(Running& r, const std::string& image, v1::ModalityResult* out) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::AnalyzeImageRequest req;
  req.set_image(image);
  req.set_filename("face.png");
  return r.stub->Analyze(&ctx, req, out);
}

using testutil::Indicators;
using testutil::Labels;

double Sum(const v1::ModalityResult& r) {
  double s = 0;
  for (const auto& e : r.emotions()) s += e.probability();
  return s;
}

bool Has(const v1::ModalityResult& r, const std::string& stage) {
  for (const auto& t : r.timings()) {
    if (t.stage() == stage) return true;
  }
  return false;
}

// Largest absolute difference of the emotions and of the embeddings.
double Diff(const v1::ModalityResult& a, const v1::ModalityResult& b) {
  double d = 0;
  EXPECT_EQ(a.emotions_size(), b.emotions_size());
  EXPECT_EQ(a.embedding().values_size(), b.embedding().values_size());
  for (int i = 0; i < std::min(a.emotions_size(), b.emotions_size()); ++i) {
    d = std::max<double>(d, std::abs(a.emotions(i).probability() - b.emotions(i).probability()));
  }
  for (int i = 0; i < std::min(a.embedding().values_size(), b.embedding().values_size()); ++i) {
    d = std::max<double>(d, std::abs(a.embedding().values(i) - b.embedding().values(i)));
  }
  return d;
}

// What every TorchScript result has, whatever the picture.
void ExpectTorchScriptResult(const v1::ModalityResult& out, const std::string& dir) {
  const v1::ModelManifest m = Manifest(dir);
  EXPECT_EQ(out.modality(), v1::MODALITY_FACE);
  EXPECT_THAT(Labels(out), ElementsAreArray(torchscript::DefaultLabels(torchscript::kFaceKind)));
  EXPECT_NEAR(Sum(out), 1.0, 1e-5);
  EXPECT_EQ(out.embedding().dimension(), m.torchscript().embedding_dim());
  EXPECT_EQ(out.embedding().values_size(), m.torchscript().embedding_dim());
  EXPECT_EQ(out.embedding().model_id(), m.name() + "/" + m.version());
  EXPECT_EQ(out.model().name(), m.name());
  EXPECT_EQ(out.model().version(), m.version());
  EXPECT_EQ(out.model().sha256(), m.sha256());
  EXPECT_EQ(out.model().sha256().size(), 64u);
  // The cue indicators are all still there, and the evidence of the estimate.
  const auto ind = Indicators(out);
  for (const char* name : {"face_detected", "face_count", "smile", "eyes_open", "mouth_open",
                           "mouth_width", "corner_lift", "brightness", "contrast", "sharpness",
                           "emotion_evidence"}) {
    EXPECT_TRUE(ind.count(name)) << name;
  }
  // No per-cue contributions pretend to explain the ViT; a finding names the model.
  EXPECT_EQ(out.evidence_size(), 0);
  bool names_model = false;
  for (const auto& f : out.findings()) names_model |= f.find("ViT expression model " + m.name()) != std::string::npos;
  EXPECT_TRUE(names_model) << out.DebugString();
  EXPECT_EQ(out.details().at("expression_model"), "torchscript-face");
  EXPECT_TRUE(Has(out, "decode") && Has(out, "detect") && Has(out, "analyze") && Has(out, "forward"));
}

TEST(FaceTorchScriptTest, ServesATinyModelOnAPhotograph) {
  const cv::Mat face = test_images::LoadSharedFace("astronaut.png");
  if (face.empty()) GTEST_SKIP() << "../shared/data/faces is absent";
  TinyModelOptions o;
  o.image_size = 224;  // the ViT's side: the aligned crop goes in unresized
  o.embedding_dim = 24;
  const std::string dir = WriteTiny("photo/1", o);
  Running r(Prepared(Config(dir)));
  const std::string png = Encode(face);
  v1::ModalityResult out;
  auto s = Analyze(r, png, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectTorchScriptResult(out, dir);
  const auto ind = Indicators(out);
  EXPECT_EQ(ind.at("face_detected"), 1.0);
  EXPECT_GT(ind.at("emotion_evidence"), 0.5);
  EXPECT_GT(out.quality(), 0.5);
  EXPECT_THAT(out.findings(0), HasSubstr("Found by the"));  // the cue findings come first
  // Answered through the batcher.
  EXPECT_GE(r.service.forwards(), 1u);
  EXPECT_GE(r.service.batcher_stats().items, 1u);

  // The same input twice: the same result.
  v1::ModalityResult again;
  ASSERT_TRUE(Analyze(r, png, &again).ok());
  EXPECT_LT(Diff(out, again), 1e-6);

  // Red and blue swapped: the model sees colour, so its reading changes.
  cv::Mat swapped;
  cv::cvtColor(face, swapped, cv::COLOR_BGR2RGB);
  v1::ModalityResult colours;
  ASSERT_TRUE(Analyze(r, Encode(swapped), &colours).ok());
  ExpectTorchScriptResult(colours, dir);
  EXPECT_GT(Diff(out, colours), 1e-3);

  // The stream path: each analysed frame is the same reading as the unary call.
  std::vector<v1::FaceStreamRequest> requests(1);
  requests[0].mutable_open()->set_analyze_every_n(1);
  for (int i = 0; i < 3; ++i) {
    v1::FaceStreamRequest q;
    q.mutable_frame()->set_encoded(png);
    q.mutable_frame()->set_capture_time_us(1 + i * 100000);
    requests.push_back(q);
  }
  std::vector<v1::FaceFrameResult> results;
  s = r.RunStream(requests, &results);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(results.empty());
  for (const auto& res : results) {
    ExpectTorchScriptResult(res.frame(), dir);
    EXPECT_LT(Diff(res.frame(), out), 1e-5);
    EXPECT_EQ(res.rolling().emotions_size(), 7);
  }
  EXPECT_TRUE(results.back().final());
  EXPECT_EQ(Indicators(results.back().rolling()).at("face_detected"), 1.0);
}

// No shared files needed: a drawn picture goes through the centre crop and the tiny model.
TEST(FaceTorchScriptTest, ADrawingGoesThroughTheCentreCropAndStaysWeak) {
  const std::string dir = WriteTiny("drawing/1");
  Running r(Prepared(Config(dir)));
  v1::ModalityResult out;
  auto s = Analyze(r, Encode(Drawing(1)), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ExpectTorchScriptResult(out, dir);
  EXPECT_EQ(out.details().at("detector"), "center-crop");
  EXPECT_EQ(Indicators(out).at("face_detected"), 0.0);
  EXPECT_LT(out.quality(), 0.5);
  ASSERT_FALSE(out.quality_issues().empty());
  EXPECT_THAT(out.quality_issues(0), HasSubstr("no face"));
  // e = quality x the centre crop's confidence (0.1): the reading is shrunk almost to uniform.
  EXPECT_LE(Indicators(out).at("emotion_evidence"), 0.03);
  for (const auto& e : out.emotions()) EXPECT_NEAR(e.probability(), 1.0 / 7, 0.03);
  EXPECT_THAT(out.findings(0), HasSubstr("No face was found"));
  // Deterministic, and the embedding follows the picture's colours.
  v1::ModalityResult again, other;
  ASSERT_TRUE(Analyze(r, Encode(Drawing(1)), &again).ok());
  EXPECT_LT(Diff(out, again), 1e-6);
  cv::Mat swapped;
  cv::cvtColor(Drawing(1), swapped, cv::COLOR_BGR2RGB);
  ASSERT_TRUE(Analyze(r, Encode(swapped), &other).ok());
  EXPECT_GT(Diff(out, other), 1e-3);
  // The stream path, raw frames.
  std::vector<v1::FaceStreamRequest> requests(1);
  requests[0].mutable_open()->set_analyze_every_n(1);
  const cv::Mat img = Drawing(2);
  for (int i = 0; i < 2; ++i) {
    v1::FaceStreamRequest q;
    auto* raw = q.mutable_frame()->mutable_raw();
    raw->set_width(img.cols);
    raw->set_height(img.rows);
    raw->set_format(v1::PIXEL_FORMAT_BGR8);
    raw->set_pixels(reinterpret_cast<const char*>(img.data), img.total() * img.elemSize());
    requests.push_back(q);
  }
  std::vector<v1::FaceFrameResult> results;
  s = r.RunStream(requests, &results);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(results.empty());
  for (const auto& res : results) ExpectTorchScriptResult(res.frame(), dir);
}

TEST(FaceTorchScriptTest, TheShippedConfigNamesTheExportedModel) {
  std::ifstream in("config/face.textproto");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("# model_dir: \"../models/face-expression-vit\""));
  EXPECT_THAT(text, HasSubstr("# batching {"));
  // Batching defaults are filled in and checked.
  v1::FaceServiceConfig c = Prepared(Config("models/face-cues/2"));
  EXPECT_EQ(c.batching().max_batch_size(), 8);
  EXPECT_EQ(c.batching().max_queue_delay_us(), 1000);
  EXPECT_EQ(c.batching().max_queue(), c.server().max_queue());
  EXPECT_EQ(c.batching().threads(), c.server().worker_threads());
  c = Config("models/face-cues/2");
  c.mutable_batching()->set_max_batch_size(1000);
  EXPECT_THAT(std::string(PrepareFaceConfig(&c).message()), HasSubstr("batching.max_batch_size"));
}

// ---- Wrong model files: alive, not ready, and the error names the file ----

struct Broken {
  std::string name;
  std::string dir;
  std::vector<std::string> expected;  // substrings of the error
};

std::vector<Broken> BrokenModels() {
  std::vector<Broken> out;
  auto variant = [&](const std::string& name, TinyVariant v, std::vector<std::string> expected) {
    TinyModelOptions o;
    o.variant = v;
    const std::string dir = WriteTiny("broken/" + name, o);
    for (auto& e : expected) {
      if (e == "@model") e = dir + "/model.pt";
    }
    out.push_back({name, dir, expected});
  };
  variant("wrong-inputs", TinyVariant::kWrongInputs,
          {"@model", "forward takes (pixel_values, scale)",
           "must take forward(pixel_values: float32 [B, 3, S, S])"});
  variant("wrong-label-count", TinyVariant::kWrongLabelCount,
          {"@model", "logits have shape [2, 8]; expected [2, 7] (7 labels in the manifest)"});
  variant("wrong-embedding-dim", TinyVariant::kWrongEmbeddingDim,
          {"@model", "embedding has shape [2, 17]; expected [2, 16] (torchscript.embedding_dim)"});
  variant("not-a-tuple", TinyVariant::kNotTuple, {"@model", "expected a tuple (logits"});
  variant("nan", TinyVariant::kNonFinite, {"@model", "non-finite values"});
  variant("fixed-batch", TinyVariant::kFixedBatch,
          {"@model", "warm-up forward failed", "expected [2, 7]"});
  {  // model.pt changed after the manifest was written
    const std::string dir = WriteTiny("broken/tampered");
    std::ofstream(dir + "/model.pt", std::ios::app) << "tampered";
    out.push_back({"tampered", dir, {dir + "/model.pt", "SHA-256", "the manifest expects"}});
  }
  {  // garbage bytes whose checksum the manifest carries
    const std::string dir = WriteTiny("broken/garbage");
    std::ofstream(dir + "/model.pt", std::ios::trunc) << "this is not a TorchScript archive";
    EXPECT_TRUE(model::WriteManifest(dir, Manifest(dir)).ok());
    out.push_back({"garbage", dir, {dir + "/model.pt", "not a TorchScript file"}});
  }
  {  // a mean with 2 values
    const std::string dir = WriteTiny("broken/image-spec");
    v1::ModelManifest m = Manifest(dir);
    m.mutable_torchscript()->mutable_image()->mutable_mean()->RemoveLast();
    EXPECT_TRUE(model::WriteManifest(dir, m).ok());
    out.push_back({"image-spec", dir, {dir + "/manifest.textproto",
                                       "torchscript.image: mean and std must have 3 values each"}});
  }
  {  // a kind the face analyzer does not serve
    TinyModelOptions o;
    const std::string dir = WriteTiny("broken/kind", o);
    v1::ModelManifest m = Manifest(dir);
    m.set_kind("torchscript-voice");
    EXPECT_TRUE(model::WriteManifest(dir, m).ok());
    out.push_back({"kind", dir, {dir + "/manifest.textproto", "kind is \"torchscript-voice\"",
                                 "\"torchscript-face-gray\", \"torchscript-face\" or \"face-cues\""}});
  }
  return out;
}

TEST(FaceTorchScriptTest, EachWrongFileLeavesTheServiceAliveButNotReady) {
  for (const Broken& b : BrokenModels()) {
    SCOPED_TRACE(b.name);
    Running r(Prepared(Config(b.dir)), /*load=*/false);
    const absl::Status s = r.LoadLikeTheMain();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    for (const auto& e : b.expected) EXPECT_THAT(std::string(s.message()), HasSubstr(e));
    EXPECT_EQ(r.Health(""), grpcx::Health::kServing);  // alive
    EXPECT_EQ(r.Health(kFaceReadiness), grpcx::Health::kNotServing);
    v1::ModalityResult out;
    const grpc::Status call = Analyze(r, Encode(Drawing(0)), &out);
    EXPECT_EQ(call.error_code(), grpc::StatusCode::UNAVAILABLE);
    EXPECT_THAT(call.error_message(), HasSubstr("model not loaded: "));
    EXPECT_THAT(call.error_message(), HasSubstr(b.expected[0]));
  }
}

// ---- Dynamic batching ----

TEST(FaceTorchScriptTest, ConcurrentCallsAreBatchedAndAnsweredIndividually) {
  const std::string dir = WriteTiny("batching/1");
  v1::FaceServiceConfig c = Config(dir);
  c.mutable_server()->set_worker_threads(4);
  c.mutable_batching()->set_max_batch_size(8);
  c.mutable_batching()->set_max_queue_delay_us(300000);  // wait up to 0.3 s for a batch to fill
  c.mutable_batching()->set_threads(1);
  Running r(Prepared(c));
  const int n = 8;
  std::vector<std::string> images;
  for (int i = 0; i < n; ++i) images.push_back(Encode(Drawing(i, 160, 120)));
  // One at a time: each call is its own batch.
  std::vector<v1::ModalityResult> alone(n);
  for (int i = 0; i < n; ++i) {
    auto s = Analyze(r, images[i], &alone[i]);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  const uint64_t forwards_before = r.service.forwards();
  EXPECT_EQ(forwards_before, static_cast<uint64_t>(n));
  // All at once.
  std::vector<v1::ModalityResult> together(n);
  std::vector<grpc::Status> status(n);
  std::vector<std::thread> callers;
  for (int i = 0; i < n; ++i) {
    callers.emplace_back([&, i] { status[i] = Analyze(r, images[i], &together[i]); });
  }
  for (auto& t : callers) t.join();
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(status[i].ok()) << i << ": " << status[i].error_message();
    EXPECT_LT(Diff(together[i], alone[i]), 1e-5) << i;  // each call got its own answer
  }
  // The images differ, so answers mixed up between calls would show.
  EXPECT_GT(Diff(alone[0], alone[1]), 1e-3);
  const uint64_t forwards = r.service.forwards() - forwards_before;
  EXPECT_LT(forwards, static_cast<uint64_t>(n));
  EXPECT_GE(forwards, 1u);
  EXPECT_GT(r.service.batcher_stats().largest_batch, 1u);
  EXPECT_EQ(r.service.batcher_stats().items, static_cast<uint64_t>(2 * n));
  int batched = 0;
  for (const auto& t : together) batched += t.details().at("batch_size") != "1";
  EXPECT_GT(batched, 0);
}

TEST(FaceTorchScriptTest, AFullBatchingQueueAnswersResourceExhausted) {
  const std::string dir = WriteTiny("full-queue/1");
  v1::FaceServiceConfig c = Config(dir);
  c.mutable_server()->set_worker_threads(4);
  c.mutable_batching()->set_max_batch_size(8);
  c.mutable_batching()->set_max_queue(1);
  c.mutable_batching()->set_threads(1);
  c.mutable_batching()->set_max_queue_delay_us(1000000);  // the first call waits 1 s for company
  Running r(Prepared(c));
  const int n = 6;
  const std::string image = Encode(Drawing(3, 160, 120));
  std::vector<grpc::Status> status(n);
  std::vector<v1::ModalityResult> out(n);
  std::vector<std::thread> callers;
  for (int i = 0; i < n; ++i) {
    callers.emplace_back([&, i] { status[i] = Analyze(r, image, &out[i]); });
  }
  for (auto& t : callers) t.join();
  int ok = 0, exhausted = 0;
  for (const auto& s : status) {
    if (s.ok()) {
      ++ok;
    } else {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << s.error_message();
      EXPECT_THAT(s.error_message(), HasSubstr("batching queue full (batching.max_queue)"));
      ++exhausted;
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(exhausted, 1);
  // The service is fine afterwards.
  v1::ModalityResult after;
  EXPECT_TRUE(Analyze(r, image, &after).ok());
}

// ---- Hot reload ----

TEST(FaceTorchScriptTest, HotReloadSwitchesVersionsAndKeepsServingThroughABadOne) {
  const std::string root = (testutil::ScratchRoot() / "face-tiny").string();
  fs::remove_all(root);
  TinyModelOptions o;
  o.version = "1";
  o.seed = 1;
  WriteTiny("face-tiny/1", o);
  v1::FaceServiceConfig c = Config(root);  // a model directory: its highest version serves
  c.mutable_batching()->set_max_queue_delay_us(-1);
  Running r(Prepared(c), /*load=*/false);
  ASSERT_TRUE(r.LoadLikeTheMain().ok());
  const std::string image = Encode(Drawing(4));
  v1::ModalityResult v1_out;
  ASSERT_TRUE(Analyze(r, image, &v1_out).ok());
  EXPECT_EQ(v1_out.model().version(), "1");
  EXPECT_EQ(v1_out.embedding().model_id(), "tiny-face/1");

  // Requests keep coming while versions switch: every one succeeds.
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0}, answered{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 3; ++t) {
    load.emplace_back([&] {
      while (!stop) {
        v1::ModalityResult out;
        const grpc::Status s = Analyze(r, image, &out);
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s.error_message();
        }
        ++answered;
      }
    });
  }
  while (answered < 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  o.version = "2";
  o.seed = 2;
  WriteTiny("face-tiny/2", o);
  ASSERT_TRUE(r.service.LoadModel(false).ok());
  v1::ModalityResult v2_out;
  ASSERT_TRUE(Analyze(r, image, &v2_out).ok());
  EXPECT_EQ(v2_out.model().version(), "2");
  EXPECT_EQ(v2_out.model().sha256(), Manifest(root + "/2").sha256());
  EXPECT_EQ(v2_out.embedding().model_id(), "tiny-face/2");
  EXPECT_GT(Diff(v1_out, v2_out), 1e-3);  // another seed, another reading

  // Version 3 has the wrong signature: the load fails, version 2 keeps serving.
  o.version = "3";
  o.seed = 3;
  o.variant = TinyVariant::kWrongInputs;
  WriteTiny("face-tiny/3", o);
  const absl::Status bad = r.service.LoadModel(false);
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.message()), HasSubstr(root + "/3/model.pt"));
  EXPECT_THAT(std::string(bad.message()), HasSubstr("forward takes"));
  // Polling again does not retry the same unchanged files.
  EXPECT_EQ(r.service.LoadModel(false).message(), bad.message());
  const int before = answered;
  while (answered < before + 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (auto& t : load) t.join();
  EXPECT_EQ(failures, 0);

  v1::ModalityResult still;
  ASSERT_TRUE(Analyze(r, image, &still).ok());
  EXPECT_EQ(still.model().version(), "2");
  EXPECT_LT(Diff(still, v2_out), 1e-6);
  EXPECT_EQ(r.Health(kFaceReadiness), grpcx::Health::kServing);
}

}  // namespace
}  // namespace burnout::face
