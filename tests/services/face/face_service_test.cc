// The face analyzer behind a real gRPC server on port 0, with the shipped models (the FER
// expression model, FaceMesh + Iris) and the real detectors: unary Analyze, AnalyzeStream (the
// face followed, the fatigue measures), and what bad input and bad clients get.
#include "services/face/face_service.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "burnout/v1/face.grpc.pb.h"
#include "common/config/config.h"
#include "common/model/model_dir.h"
#include "common/grpc/channel.h"
#include "common/grpc/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/services/running_analyzer.h"
#include "tests/testing/temp_dir.h"

namespace burnout::face {
namespace {

using ::testing::HasSubstr;
using Stream = grpc::ClientReaderWriter<v1::FaceStreamRequest, v1::FaceFrameResult>;

const char kSharedYuNet[] = "../shared/models/yunet/face_detection_yunet_2022mar.onnx";
const char kSharedFaces[] = "../shared/data/faces/";

v1::FaceServiceConfig Config() {
  v1::FaceServiceConfig c;
  c.set_model_dir("models/face-expression-fer/1");
  c.set_landmark_model_dir("models/face-landmarks-mediapipe");
  c.set_max_image_bytes(4 << 20);
  c.mutable_detector()->set_yunet_model(kSharedYuNet);  // absent: the chain starts at Haar
  c.set_stream_idle_timeout_ms(10000);
  c.set_max_fps(1000);
  EXPECT_TRUE(PrepareFaceConfig(&c).ok());
  return c;
}

struct Running : testutil::RunningAnalyzer<FaceService, v1::FaceAnalyzer,
                                                v1::FaceStreamRequest, v1::FaceFrameResult> {
  explicit Running(const v1::FaceServiceConfig& config, bool load = true)
      : RunningAnalyzer(config, kFaceReadiness, load) {}
};

std::string Encode(const cv::Mat& m, const char* ext = ".jpg") {
  std::vector<uchar> buf;
  EXPECT_TRUE(cv::imencode(ext, m, buf));
  return std::string(buf.begin(), buf.end());
}

// Shapes and text on a gradient: no face anywhere.
cv::Mat Shapes(int w = 320, int h = 240) {
  cv::Mat m(h, w, CV_8UC3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      m.at<cv::Vec3b>(y, x) = cv::Vec3b(x * 255 / w, y * 255 / h, 128);
    }
  }
  cv::rectangle(m, {20, 20, 80, 60}, {0, 0, 255}, cv::FILLED);
  cv::circle(m, {w / 2, h / 2}, h / 5, {255, 255, 255}, 3);
  cv::line(m, {0, h - 1}, {w - 1, 0}, {0, 0, 0}, 2);
  return m;
}

std::optional<cv::Mat> SharedFace(const char* name) {
  cv::Mat m = cv::imread(std::string(kSharedFaces) + name, cv::IMREAD_COLOR);
  if (m.empty()) return std::nullopt;
  return m;
}

grpc::Status Analyze(Running& r, const std::string& image, v1::ModalityResult* out) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::AnalyzeImageRequest req;
  req.set_image(image);
  req.set_filename("face.jpg");
  return r.stub->Analyze(&ctx, req, out);
}

std::map<std::string, double> Indicators(const v1::ModalityResult& r) {
  std::map<std::string, double> m;
  for (const auto& i : r.indicators()) m[i.name()] = i.value();
  return m;
}

v1::FaceStreamRequest Open(int every_n, int window_ms = 0) {
  v1::FaceStreamRequest r;
  r.mutable_open()->set_analyze_every_n(every_n);
  r.mutable_open()->set_window_ms(window_ms);
  return r;
}

// Without a capture time the service uses the arrival time.
v1::FaceStreamRequest Frame(std::string encoded, std::optional<int64_t> capture_time_us = std::nullopt) {
  v1::FaceStreamRequest r;
  r.mutable_frame()->set_encoded(std::move(encoded));
  if (capture_time_us) r.mutable_frame()->set_capture_time_us(*capture_time_us);
  return r;
}

v1::FaceStreamRequest RawFrame(const cv::Mat& bgr, std::optional<int64_t> capture_time_us = std::nullopt) {
  v1::FaceStreamRequest r;
  auto* raw = r.mutable_frame()->mutable_raw();
  raw->set_width(bgr.cols);
  raw->set_height(bgr.rows);
  raw->set_format(v1::PIXEL_FORMAT_BGR8);
  raw->set_pixels(reinterpret_cast<const char*>(bgr.data), bgr.total() * bgr.elemSize());
  if (capture_time_us) r.mutable_frame()->set_capture_time_us(*capture_time_us);
  return r;
}


TEST(FaceServiceTest, ShippedConfigIsValid) {
  v1::FaceServiceConfig c;
  ASSERT_TRUE(config::LoadTextProto("config/face.textproto", &c).ok());
  ResolveFacePaths("config/face.textproto", &c);
  EXPECT_EQ(c.detector().yunet_model(),
            "models/third_party/yunet/face_detection_yunet_2022mar.onnx");
  auto s = PrepareFaceConfig(&c);
  EXPECT_TRUE(s.ok()) << s;
}

TEST(FaceServiceTest, ConfigRangesAreChecked) {
  v1::FaceServiceConfig c = Config();
  c.set_analyze_every_n(-1);
  auto s = PrepareFaceConfig(&c);
  EXPECT_THAT(std::string(s.message()), HasSubstr("analyze_every_n"));
  c = Config();
  c.set_max_image_bytes(c.server().max_message_bytes() + 1);
  EXPECT_THAT(std::string(PrepareFaceConfig(&c).message()), HasSubstr("max_image_bytes"));
}

TEST(FaceServiceTest, AnalysesAPhotographOfAFace) {
  auto face = SharedFace("astronaut.png");
  if (!face) GTEST_SKIP() << "../shared/data/faces is absent";
  Running r(Config());
  v1::ModalityResult out;
  auto s = Analyze(r, Encode(*face), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.modality(), v1::MODALITY_FACE);
  ASSERT_EQ(out.emotions_size(), 7);
  double sum = 0;
  for (const auto& e : out.emotions()) sum += e.probability();
  EXPECT_NEAR(sum, 1.0, 1e-4);
  const auto ind = Indicators(out);
  EXPECT_EQ(ind.at("face_detected"), 1.0);
  EXPECT_EQ(ind.at("face_count"), 1.0);
  EXPECT_GT(ind.at("face_size"), 0.1);
  EXPECT_TRUE(ind.count("smile") && ind.count("eyes_open") && ind.count("brightness"));
  // The landmark cues, and the FER model's pooled features as the embedding.
  EXPECT_EQ(ind.at("landmark_score"), 1.0);
  EXPECT_GT(ind.at("eye_openness_left"), 0.7);
  EXPECT_GT(ind.at("eye_openness_right"), 0.7);
  EXPECT_GT(ind.at("smile"), 0.7);  // a clear smile
  EXPECT_NEAR(ind.at("yaw_deg"), 0.0, 10.0);
  EXPECT_EQ(out.embedding().dimension(), 256);
  EXPECT_EQ(out.embedding().model_id(), "face-expression-fer/1");
  EXPECT_EQ(out.embedding().values_size(), out.embedding().dimension());
  EXPECT_EQ(out.model().name(), "face-expression-fer");
  // A clear, frontal, sharp face: the model's probabilities reach fusion unshrunk.
  EXPECT_EQ(out.quality(), 1.0f);
  EXPECT_EQ(ind.at("emotion_evidence"), 1.0);
  std::map<std::string, float> p;
  for (const auto& e : out.emotions()) p[e.label()] = e.probability();
  EXPECT_GT(p["happy"], 0.9);
  EXPECT_FALSE(out.findings().empty());
  EXPECT_EQ(out.details().at("landmarks"), "facemesh+iris");
  if (std::filesystem::exists(kSharedYuNet)) {
    EXPECT_EQ(out.details().at("detector"), "yunet");
    EXPECT_EQ(out.details().at("aligned"), "landmarks");
  }
  std::map<std::string, double> timings;
  for (const auto& t : out.timings()) timings[t.stage()] = t.millis();
  EXPECT_TRUE(timings.count("decode") && timings.count("detect") && timings.count("landmarks") &&
              timings.count("analyze") && timings.count("forward"));
}

TEST(FaceServiceTest, TheFaceCuesModelRunsInlineWithCascadeCues) {
  auto face = SharedFace("astronaut.png");
  if (!face) GTEST_SKIP() << "../shared/data/faces is absent";
  auto c = Config();
  c.set_model_dir("models/face-cues/2");
  c.set_landmark_model_dir("models/no-such-landmark-model");  // not installed: cascades
  Running r(c);
  v1::ModalityResult out;
  ASSERT_TRUE(Analyze(r, Encode(*face), &out).ok());
  EXPECT_EQ(out.model().name(), "face-cues");
  EXPECT_EQ(out.embedding().dimension(), 4 * 4 * 59);
  EXPECT_EQ(out.details().at("landmarks"), "cascades (no landmark model)");
  const auto ind = Indicators(out);
  EXPECT_TRUE(ind.count("smile") && ind.count("eyes_open"));
  EXPECT_FALSE(ind.count("eye_openness_left"));  // the cascades do not measure it
  EXPECT_FALSE(out.evidence().empty());          // exact per-cue contributions
  for (const auto& t : out.timings()) EXPECT_NE(t.stage(), "forward");
  EXPECT_EQ(r.service.batcher_stats().items, 0u);
  EXPECT_EQ(r.service.forwards(), 0u);
}

TEST(FaceServiceTest, NoFaceIsAFlaggedLowConfidenceResult) {
  Running r(Config());
  v1::ModalityResult out;
  auto s = Analyze(r, Encode(Shapes(), ".png"), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Indicators(out).at("face_detected"), 0.0);
  EXPECT_EQ(out.details().at("detector"), "center-crop");
  EXPECT_LT(out.quality(), 0.5);
  ASSERT_FALSE(out.quality_issues().empty());
  EXPECT_THAT(out.quality_issues(0), HasSubstr("no face"));
  // Weak evidence stays close to uniform.
  for (const auto& e : out.emotions()) EXPECT_NEAR(e.probability(), 1.0 / 7, 0.08);
  EXPECT_EQ(out.details().at("expression_model"), "torchscript-face-gray");
  EXPECT_FALSE(Indicators(out).count("landmark_score"));  // no face: no landmarks run
}

TEST(FaceServiceTest, BadInputGetsPreciseStatus) {
  auto c = Config();
  c.set_max_image_bytes(1 << 20);
  Running r(c);
  v1::ModalityResult out;
  auto s = Analyze(r, "", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("face.jpg"));
  s = Analyze(r, "<html><body>not an image</body></html>", &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const std::string jpeg = Encode(Shapes());
  s = Analyze(r, jpeg.substr(0, jpeg.size() / 2), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("truncated"));
  // A PNG header claiming 60000 x 60000: refused from the header.
  std::string png = Encode(Shapes(16, 16), ".png");
  const unsigned char big[8] = {0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60};
  png.replace(16, 8, reinterpret_cast<const char*>(big), 8);
  s = Analyze(r, png, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(s.error_message(), HasSubstr("max_pixels"));
  s = Analyze(r, std::string("BM") + std::string(100, '\0'), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("BMP"));
  cv::Mat noise(700, 700, CV_8UC3);  // ~1.5 MB as PNG: over 1 MB, under gRPC's 4 MB
  cv::randu(noise, 0, 255);
  s = Analyze(r, Encode(noise, ".png"), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(s.error_message(), HasSubstr("max_image_bytes"));
}

TEST(FaceServiceTest, NotReadyWithoutModel) {
  Running r(Config(), /*load=*/false);
  v1::ModalityResult out;
  auto s = Analyze(r, Encode(Shapes()), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  std::vector<v1::FaceFrameResult> results;
  s = r.RunStream({Open(1), Frame(Encode(Shapes()))}, &results);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
}

// The converted models' files: a tampered FER or landmark model, or one whose input does not
// fit its manifest, leaves the service alive but not ready, with the file named; a missing
// landmark model falls back to the cascades; a new FER version is picked up.
TEST(FaceServiceTest, WrongModelFilesAreRefusedByName) {
  auto load = [](const v1::FaceServiceConfig& c) {
    FaceService service(c);
    return service.LoadModel();
  };
  // One byte of the FER model changed.
  const std::string fer = testutil::CopyDirectory("models/face-expression-fer/1", "fer-tampered");
  {
    std::fstream f(fer + "/model.pt", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2000);
    f.put('\x11');
  }
  auto c = Config();
  c.set_model_dir(fer);
  absl::Status s = load(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr("model.pt"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("SHA-256"));
  // The grey model declared as a 3-channel face model: refused at load, not at the first call.
  const std::string colour = testutil::CopyDirectory("models/face-expression-fer/1", "fer-as-colour");
  {
    auto m = model::ReadManifest(colour);
    ASSERT_TRUE(m.ok());
    m->set_kind("torchscript-face");
    auto* im = m->mutable_torchscript()->mutable_image();
    im->set_channel_order("RGB");
    im->clear_gray_weights();
    for (int k = 0; k < 2; ++k) {
      im->add_mean(0.5f);
      im->add_std(0.5f);
    }
    ASSERT_TRUE(model::WriteManifest(colour, *m).ok());
  }
  c = Config();
  c.set_model_dir(colour);
  s = load(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr(colour + "/model.pt"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("warm-up forward failed"));
  // A tampered landmark model: not ready, named. A missing one: the cascades, and ready.
  const std::string marks = testutil::CopyDirectory("models/face-landmarks-mediapipe/1", "marks-tampered/1");
  {
    std::fstream f(marks + "/model.pt", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(5000);
    f.put('\x22');
  }
  c = Config();
  c.set_landmark_model_dir(std::filesystem::path(marks).parent_path().string());
  s = load(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(s.message()), HasSubstr(marks + "/model.pt"));
  c = Config();
  c.set_landmark_model_dir(testutil::FreshPath("no-landmark-model"));
  Running r(c);
  v1::ModalityResult out;
  auto face = SharedFace("astronaut.png");
  ASSERT_TRUE(Analyze(r, Encode(face ? *face : Shapes()), &out).ok());
  EXPECT_EQ(out.details().at("landmarks"), "cascades (no landmark model)");
  EXPECT_EQ(out.model().name(), "face-expression-fer");
}

TEST(FaceServiceTest, ANewFerVersionIsServedAfterAReload) {
  const std::string root = testutil::FreshPath("fer-repo");
  std::filesystem::create_directories(root);
  testutil::CopyDirectory("models/face-expression-fer/1", "fer-repo/1");
  auto c = Config();
  c.set_model_dir(root);
  Running r(c);
  v1::ModalityResult out;
  ASSERT_TRUE(Analyze(r, Encode(Shapes()), &out).ok());
  EXPECT_EQ(out.model().version(), "1");
  const std::string v2 = testutil::CopyDirectory("models/face-expression-fer/1", "fer-repo/2");
  {
    auto m = model::ReadManifest(v2);
    ASSERT_TRUE(m.ok());
    m->set_version("2");
    ASSERT_TRUE(model::WriteManifest(v2, *m).ok());
  }
  ASSERT_TRUE(r.service.LoadModel(/*force=*/true).ok());
  ASSERT_TRUE(Analyze(r, Encode(Shapes()), &out).ok());
  EXPECT_EQ(out.model().version(), "2");
}

TEST(FaceServiceTest, StreamAnalysesEveryNthFrameAndRolls) {
  Running r(Config());
  const auto face = SharedFace("astronaut.png");
  cv::Mat img = face ? *face : Shapes();
  cv::resize(img, img, {320, 320});
  std::vector<v1::FaceStreamRequest> requests = {Open(5, 10000)};
  for (int i = 0; i < 30; ++i) {
    // Alternate JPEG and raw frames; 30 fps capture times on a clock that starts at 0.
    requests.push_back(i % 2 ? RawFrame(img, i * 33333) : Frame(Encode(img), i * 33333));
  }
  std::vector<v1::FaceFrameResult> results;
  auto s = r.RunStream(requests, &results);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(results.empty());
  const auto& last = results.back();
  EXPECT_TRUE(last.final());
  EXPECT_EQ(last.frames_received(), 30);
  EXPECT_EQ(last.frames_over_rate(), 0);
  // Frames 0, 5, ..., 25 are due: each is analysed or counted as skipped.
  EXPECT_EQ(last.frames_analyzed() + last.frames_skipped(), 6);
  // Each result echoes its frame's capture time, the first one's 0 included.
  EXPECT_TRUE(results.front().has_capture_time_us());
  for (const auto& res : results) EXPECT_EQ(res.capture_time_us(), res.frame_index() * 33333);
  for (const auto& res : results) {
    EXPECT_EQ(res.frame_index() % 5, 0);
    EXPECT_EQ(res.frame().emotions_size(), 7);
    EXPECT_EQ(res.rolling().emotions_size(), 7);
    EXPECT_GE(res.window_frames(), 1);
  }
  EXPECT_EQ(last.window_frames(), last.frames_analyzed());
  EXPECT_EQ(Indicators(last.rolling()).at("window_frames"), last.window_frames());
  EXPECT_FALSE(last.rolling().findings().empty());
  if (face) EXPECT_EQ(Indicators(last.rolling()).at("face_detected"), 1.0);
}

TEST(FaceServiceTest, TheRollingWindowForgetsOldFrames) {
  Running r(Config());
  std::vector<v1::FaceStreamRequest> requests = {Open(1, 500)};
  const std::string jpeg = Encode(Shapes(160, 120));
  for (int i = 0; i < 20; ++i) requests.push_back(Frame(jpeg, 1 + i * 100000));  // 10 fps
  std::vector<v1::FaceFrameResult> results;
  auto s = r.RunStream(requests, &results);
  ASSERT_TRUE(s.ok()) << s.error_message();
  for (const auto& res : results) {
    EXPECT_LE(res.window_frames(), 6);  // 0.5 s at 10 fps, both ends included
    EXPECT_LE(res.window_s(), 0.5 + 1e-9);
  }
}

TEST(FaceServiceTest, StreamErrorsArePrecise) {
  Running r(Config());
  const std::string jpeg = Encode(Shapes(160, 120));
  struct Case {
    std::vector<v1::FaceStreamRequest> requests;
    grpc::StatusCode code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{Frame(jpeg)}, grpc::StatusCode::FAILED_PRECONDITION, "first message must be `open`"},
      {{Open(1), Open(1)}, grpc::StatusCode::FAILED_PRECONDITION, "only be sent once"},
      {{Open(-3)}, grpc::StatusCode::INVALID_ARGUMENT, "analyze_every_n"},
      {{Open(1), Frame(jpeg, 2000), Frame(jpeg, 1000)}, grpc::StatusCode::INVALID_ARGUMENT,
       "went backwards"},
      {{Open(1), Frame(jpeg), Frame(jpeg), Frame("GIF89a......")}, grpc::StatusCode::INVALID_ARGUMENT,
       "frame 2"},
      {{Open(1), Frame(jpeg.substr(0, jpeg.size() - 40))}, grpc::StatusCode::INVALID_ARGUMENT,
       "truncated"},
      {{Open(1), v1::FaceStreamRequest()}, grpc::StatusCode::INVALID_ARGUMENT, "neither"},
      {{}, grpc::StatusCode::INVALID_ARGUMENT, "closed before `open`"},
      {{Open(1)}, grpc::StatusCode::INVALID_ARGUMENT, "no frames"},
  };
  for (const auto& c : cases) {
    std::vector<v1::FaceFrameResult> results;
    auto s = r.RunStream(c.requests, &results);
    EXPECT_EQ(s.error_code(), c.code) << c.message << ": " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(c.message));
  }
  // A raw frame whose pixels do not match its size.
  auto bad = RawFrame(Shapes(160, 120));
  bad.mutable_frame()->mutable_raw()->set_width(161);
  std::vector<v1::FaceFrameResult> results;
  auto s = r.RunStream({Open(1), bad}, &results);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("expected for 161x120"));
}

TEST(FaceServiceTest, FramesOverTheRateAreDroppedAndCounted) {
  auto c = Config();
  c.set_max_fps(10);
  Running r(c);
  std::vector<v1::FaceStreamRequest> requests = {Open(1)};
  const std::string jpeg = Encode(Shapes(160, 120));
  for (int i = 0; i < 60; ++i) requests.push_back(Frame(jpeg));  // far faster than 10 fps
  std::vector<v1::FaceFrameResult> results;
  auto s = r.RunStream(requests, &results);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const auto& last = results.back();
  EXPECT_EQ(last.frames_received(), 60);
  EXPECT_GE(last.frames_over_rate(), 40);
  EXPECT_EQ(last.frames_analyzed() + last.frames_skipped() + last.frames_over_rate(), 60);
}

TEST(FaceServiceTest, AnIdleStreamEnds) {
  auto c = Config();
  c.set_stream_idle_timeout_ms(300);
  Running r(c);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto stream = r.stub->AnalyzeStream(&ctx);
  ASSERT_TRUE(stream->Write(Open(1)));
  v1::FaceFrameResult res;
  EXPECT_FALSE(stream->Read(&res));
  auto s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_THAT(s.error_message(), HasSubstr("no frame for 300 ms"));
}

TEST(FaceServiceTest, StreamsBeyondTheLimitAreRefused) {
  auto c = Config();
  c.set_max_streams(1);
  Running r(c);
  grpc::ClientContext first_ctx;
  auto first = r.stub->AnalyzeStream(&first_ctx);
  ASSERT_TRUE(first->Write(Open(1)));
  for (int i = 0; i < 100 && r.service.active_streams() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(r.service.active_streams(), 1);
  std::vector<v1::FaceFrameResult> results;
  auto s = r.RunStream({Open(1)}, &results);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("max_streams"));
  first->WritesDone();
  v1::FaceFrameResult res;
  while (first->Read(&res)) {
  }
  EXPECT_EQ(first->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // no frames
}

// A client that sends frames as fast as it can and reads nothing until the end: the service
// keeps one result in flight and one pending frame; due frames it could not analyse are
// skipped and counted, never queued.
TEST(FaceServiceTest, ASlowReaderGetsSkipsNotAQueue) {
  Running r(Config());
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  auto stream = r.stub->AnalyzeStream(&ctx);
  ASSERT_TRUE(stream->Write(Open(1)));
  const auto frame = Frame(Encode(Shapes(320, 240)));
  const int frames = 300;
  for (int i = 0; i < frames; ++i) ASSERT_TRUE(stream->Write(frame));
  stream->WritesDone();
  std::vector<v1::FaceFrameResult> results;
  v1::FaceFrameResult res;
  while (stream->Read(&res)) results.push_back(res);
  auto s = stream->Finish();
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(results.empty());
  const auto& last = results.back();
  EXPECT_TRUE(last.final());
  EXPECT_EQ(last.frames_analyzed() + last.frames_skipped(), frames);
  EXPECT_GT(last.frames_skipped(), 0);
  EXPECT_LE(results.size(), static_cast<size_t>(last.frames_analyzed() + 1));
}

// A client that stops both reading and sending while a result is pending is cut off after
// the idle timeout; the server releases the stream.
TEST(FaceServiceTest, AStalledClientIsCancelled) {
  auto c = Config();
  c.set_stream_idle_timeout_ms(500);
  Running r(c);
  grpc::ClientContext ctx;
  auto stream = r.stub->AnalyzeStream(&ctx);
  ASSERT_TRUE(stream->Write(Open(1)));
  const auto frame = Frame(Encode(Shapes(320, 240)));
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(stream->Write(frame));
  for (int i = 0; i < 200 && r.service.active_streams() > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(r.service.active_streams(), 0);
  ctx.TryCancel();
}

}  // namespace
}  // namespace burnout::face
