// Face analysis speed and detector coverage. Prints figures only; asserts nothing.
//
//   taskset -c 0 ./build/bin/face_bench [frames=60] [stream_seconds=10]     (one core)
//
// 1. Per frame, one OpenCV and one libtorch thread: decode, detection (the chain, on a copy
//    downscaled to detect_max_side), landmarks (FaceMesh + Iris), analysis (alignment, cues,
//    quality, findings) and the expression model's forward, for a JPEG of the astronaut photo
//    pasted into 640x480 and 1280x720 scenes (a drawn scene without a face when ../shared is
//    absent), through FacePipeline::AnalyzeEncoded, in four set-ups: the default (FER model,
//    landmarks, YuNet); the cascade fallback (no landmark model); the Haar chain (no YuNet); and
//    the previous default (the face-cues model with the cascade cues) for comparison. Then the
//    same frame in a stream, where the landmarks follow the face and YuNet runs every 10th frame.
// 2. A stream through a real FaceService on loopback with one executor thread: 640x480 JPEG
//    frames at 30 fps in real time with every 5th analysed, then as fast as the client can
//    send with every 5th analysed; frames analysed and skipped, and the service process's CPU
//    time per analysed frame.
// 3. Which detector in the chain found the face on the augmented photos (scaled, rotated,
//    flipped, darkened, blurred, recompressed, pasted into a scene), with YuNet and without.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "benchmarks/bench_util.h"
#include "burnout/v1/face.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/server.h"
#include "common/torchscript/torchscript_model.h"
#include "services/face/face_detect.h"
#include "services/face/face_pipeline.h"
#include "services/face/face_service.h"
#include "tests/services/face/face_images.h"

namespace {

using burnout::bench::Percentile;

namespace v1 = burnout::v1;
namespace face = burnout::face;
namespace ti = burnout::face::test_images;
using Clock = std::chrono::steady_clock;


double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string Jpeg(const cv::Mat& m) {
  std::vector<uchar> buf;
  cv::imencode(".jpg", m, buf, {cv::IMWRITE_JPEG_QUALITY, 90});
  return std::string(buf.begin(), buf.end());
}

// The photo's face, scaled to a third of the scene's height, on a textured scene.
cv::Mat Scene(const cv::Mat& photo, cv::Size size) {
  cv::Mat scene = ti::TextureScene(size, 7);
  if (photo.empty()) {
    cv::circle(scene, {size.width / 2, size.height / 2}, size.height / 4, {200, 200, 200}, cv::FILLED);
    return scene;
  }
  cv::Mat small;
  const int side = size.height * 2 / 3;
  cv::resize(photo, small, {side, side}, 0, 0, cv::INTER_AREA);
  small.copyTo(scene(cv::Rect((size.width - side) / 2, (size.height - side) / 2, side, side)));
  return scene;
}

// `model_dir` and `landmarks` ("" = the cascade fallback) for the set-up measured.
v1::FaceServiceConfig Config(const std::string& yunet, const std::string& model_dir = "models/face-expression-fer/1",
                             const std::string& landmarks = "models/face-landmarks-mediapipe") {
  v1::FaceServiceConfig c;
  c.set_model_dir(model_dir);
  c.set_landmark_model_dir(landmarks.empty() ? "models/no-landmark-model" : landmarks);
  c.mutable_detector()->set_yunet_model(yunet);
  c.mutable_server()->set_worker_threads(1);
  c.mutable_server()->set_torch_threads(1);
  c.mutable_server()->set_blas_threads(1);
  c.mutable_server()->set_max_message_bytes(16 << 20);
  c.set_opencv_threads(1);
  c.set_max_fps(1000);
  if (auto s = face::PrepareFaceConfig(&c); !s.ok()) {
    std::fprintf(stderr, "config: %s\n", std::string(s.message()).c_str());
    std::exit(1);
  }
  return c;
}

// The median of each stage over `frames` analyses of one JPEG (a single picture, or the same
// frame in a stream when `stream`).
void PerFrame(const face::FacePipeline& pipeline, const cv::Mat& photo, cv::Size size, int frames,
              bool stream = false) {
  const std::string jpeg = Jpeg(Scene(photo, size));
  std::map<std::string, std::vector<double>> stages;
  std::vector<double> total, sum;
  std::map<std::string, int> detectors;
  auto tracker = pipeline.NewStream();
  for (int i = 0; i < frames + 3; ++i) {
    const auto t0 = Clock::now();
    absl::StatusOr<v1::ModalityResult> r;
    if (stream) {
      v1::VideoFrame f;
      f.set_encoded(jpeg);
      r = pipeline.AnalyzeStreamFrame(f, int64_t{i} * 200000, tracker.get());
    } else {
      r = pipeline.AnalyzeEncoded(jpeg);
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (!r.ok()) {
      std::printf("  %dx%d: %s\n", size.width, size.height, std::string(r.status().message()).c_str());
      return;
    }
    if (i < 3) continue;  // warm-up
    double stage_sum = 0;
    for (const char* st : {"decode", "detect", "landmarks", "analyze", "forward"}) stages[st];  // present, maybe empty
    for (const auto& t : r->timings()) {
      stages[t.stage()].push_back(t.millis());
      stage_sum += t.millis();
    }
    sum.push_back(stage_sum);
    total.push_back(ms);
    ++detectors[r->details().at("detector")];
  }
  auto median = [&](const char* st) { return stages[st].empty() ? 0.0 : Percentile(stages[st], 0.5); };
  std::string found;
  for (const auto& [d, n] : detectors) found += (found.empty() ? "" : ", ") + d + " " + std::to_string(n);
  std::printf("  %4dx%-4d  decode %5.2f  detect %5.2f  landmarks %5.2f  analyze %5.2f  expression %5.2f  "
              "all stages %6.2f (p90 %.2f)  whole call %6.2f ms  [%s]\n",
              size.width, size.height, median("decode"), median("detect"), median("landmarks"), median("analyze"),
              median("forward"), Percentile(sum, 0.5), Percentile(sum, 0.9), Percentile(total, 0.5), found.c_str());
}

void Stream(const v1::FaceServiceConfig& config, const cv::Mat& photo, double seconds,
            bool realtime) {
  face::FaceService service(config);
  if (auto s = service.LoadModel(); !s.ok()) {
    std::printf("  load: %s\n", std::string(s.message()).c_str());
    return;
  }
  v1::ServerConfig sc;
  sc.set_listen("127.0.0.1:0");
  auto handle = burnout::grpcx::ServerHandle::Start(sc, {&service}, {face::kFaceReadiness});
  if (!handle.ok()) return;
  auto stub = v1::FaceAnalyzer::NewStub(
      burnout::grpcx::MakeChannel("127.0.0.1:" + std::to_string((*handle)->port()), 0));
  const std::string jpeg = Jpeg(Scene(photo, {640, 480}));
  grpc::ClientContext ctx;
  auto stream = stub->AnalyzeStream(&ctx);
  const int total = static_cast<int>(seconds * 30);
  const double cpu0 = CpuSeconds();
  const auto t0 = Clock::now();
  std::thread writer([&] {
    v1::FaceStreamRequest open;
    open.mutable_open()->set_analyze_every_n(5);
    stream->Write(open);
    for (int i = 0; i < total; ++i) {
      if (realtime) std::this_thread::sleep_until(t0 + std::chrono::microseconds(i * 1000000 / 30));
      v1::FaceStreamRequest req;
      req.mutable_frame()->set_encoded(jpeg);
      req.mutable_frame()->set_capture_time_us(int64_t{i} * 1000000 / 30);
      if (!stream->Write(req)) break;
    }
    stream->WritesDone();
  });
  v1::FaceFrameResult res, last;
  int results = 0;
  while (stream->Read(&res)) {
    last = res;
    ++results;
  }
  writer.join();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  const double cpu = CpuSeconds() - cpu0;
  auto s = stream->Finish();
  std::printf("  %-22s %4lld frames in %5.2f s = %6.1f fps in; analysed %lld, skipped %lld "
              "(due %lld); CPU %.1f ms per analysed frame (server and client)%s\n",
              realtime ? "30 fps, real time:" : "as fast as possible:",
              static_cast<long long>(last.frames_received()), wall, last.frames_received() / wall,
              static_cast<long long>(last.frames_analyzed()),
              static_cast<long long>(last.frames_skipped()),
              static_cast<long long>((last.frames_received() + 4) / 5),
              1000.0 * cpu / std::max<int64_t>(1, last.frames_analyzed()),
              s.ok() ? "" : (" — " + s.error_message()).c_str());
}

void Coverage(const std::string& yunet) {
  v1::FaceDetectorConfig dc;
  dc.set_yunet_model(yunet);
  dc.set_cascade_dir("/usr/share/opencv4");
  auto detector = face::FaceDetector::Create(dc);
  if (!detector.ok()) {
    std::printf("  %s\n", std::string(detector.status().message()).c_str());
    return;
  }
  std::map<std::string, int> found_by;
  int images = 0, located = 0;
  for (const char* name : {"astronaut.png", "camera.png"}) {
    const cv::Mat photo = ti::LoadSharedFace(name);
    if (photo.empty()) continue;
    // The reference box: the best detector's answer on the original photo.
    const auto ref = (*detector)->Detect(photo);
    if (ref.faces.empty()) continue;
    for (const auto& aug : ti::Augmentations(photo, ref.faces.front().box)) {
      const auto d = (*detector)->Detect(aug.image);
      ++images;
      ++found_by[face::DetectorName(d.detector)];
      if (!d.faces.empty() && d.detector != face::DetectorKind::kCenterCrop &&
          ti::IoU(d.faces.front().box, aug.expected) > 0.3) {
        ++located;
      }
    }
  }
  std::printf("  YuNet %-4s: %d images;", yunet.empty() ? "off" : "on", images);
  for (const auto& [k, n] : found_by) std::printf(" %s %d", k.c_str(), n);
  std::printf("; the face located (IoU > 0.3) in %d\n", located);
}

}  // namespace

int main(int argc, char** argv) {
  const int frames = argc > 1 ? std::atoi(argv[1]) : 60;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 10.0;
  cv::setNumThreads(1);
  burnout::torchscript::SetTorchThreads(1);
  burnout::torchscript::SetBlasThreads(1);  // as config/face.textproto sets it
  const cv::Mat photo = ti::LoadSharedFace("astronaut.png");
  const std::string yunet = ti::YuNetModelPath();
  std::printf("face_bench: %d frames per size, %.0f s streams; photo %s, YuNet %s\n", frames,
              seconds, photo.empty() ? "absent (drawn scene)" : "astronaut.png",
              yunet.empty() ? "absent (cascades)" : "present");

  std::printf("\nPer frame, one OpenCV and one libtorch thread, median ms (run under taskset -c 0 for one core):\n");
  struct Setup {
    const char* name;
    std::string yunet, model, landmarks;
    bool stream;
  };
  std::vector<Setup> setups = {
      {"FER model + FaceMesh/Iris landmarks, YuNet (the default)", yunet, "models/face-expression-fer/1",
       "models/face-landmarks-mediapipe", false},
      {"the same frame in a stream (the landmarks follow the face; YuNet every 10th frame)", yunet,
       "models/face-expression-fer/1", "models/face-landmarks-mediapipe", true},
      {"FER model, cascade cues (no landmark model), YuNet", yunet, "models/face-expression-fer/1", "", false},
      {"FER model + landmarks, the Haar chain (no YuNet file)", "", "models/face-expression-fer/1",
       "models/face-landmarks-mediapipe", false},
      {"the previous default: face-cues model, cascade cues, YuNet", yunet, "models/face-cues/2", "", false},
  };
  for (const auto& s : setups) {
    // Without the YuNet file every set-up starts at Haar: measure the Haar one only.
    if (yunet.empty() && std::string(s.name).find("Haar") == std::string::npos) continue;
    auto pipeline = face::FacePipeline::Create(Config(s.yunet, s.model, s.landmarks));
    if (!pipeline.ok()) {
      std::printf("  %s\n", std::string(pipeline.status().message()).c_str());
      return 1;
    }
    std::printf(" %s:\n", s.name);
    PerFrame(**pipeline, photo, {640, 480}, frames, s.stream);
    PerFrame(**pipeline, photo, {1280, 720}, frames, s.stream);
  }

  std::printf("\nStream of 640x480 JPEG frames, every 5th analysed, one executor thread:\n");
  Stream(Config(yunet), photo, seconds, /*realtime=*/true);
  Stream(Config(yunet), photo, seconds, /*realtime=*/false);

  std::printf("\nWhich detector found the face (augmented shared photos):\n");
  if (photo.empty()) {
    std::printf("  ../shared/data/faces is absent\n");
  } else {
    if (!yunet.empty()) Coverage(yunet);
    Coverage("");
  }
  return 0;
}
