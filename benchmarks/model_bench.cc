// What serving the seeds' models costs here, measured on the reference-size models (random
// weights, the real architectures; built by deploy/models/build_reference_models.py into
// models/reference/). For each model:
//   - batch-1 latency p50/p99 as a bare in-process forward (TorchScriptModel::Forward) and
//     through the service (a real gRPC server on loopback, the request as a client sends it);
//   - the service's overhead (service p50 - bare p50), and the stages it reports;
//   - the achieved fraction of the machine's fp32 peak: FLOPs per forward (analytic, from the
//     manifest) / (bare p50 x peak), the peak read from the CPU (cores x clock x FLOP/cycle of
//     its widest FMA), beside a measured 1024^2 sgemm for a practical ceiling;
//   - throughput at concurrency 1, 4 and 16 with batching off (max_batch_size 1) and on (8).
// Usage: [TORCH_THREADS=n] model_bench [reps=20] [throughput_seconds=8] [only=text|voice|face]
// libtorch intra-op threads default to 1: Debian's OpenBLAS (pthread) already spreads each GEMM over
// the cores, and 2 intra-op threads on 2 cores oversubscribe them (~3x slower here).
// Prints figures; asserts nothing. Without models/reference it says how to build them.
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/bench_util.h"
#include "burnout/v1/face.grpc.pb.h"
#include "burnout/v1/text.grpc.pb.h"
#include "burnout/v1/voice.grpc.pb.h"
#include "common/config/config.h"
#include "common/grpc/channel.h"
#include "common/grpc/server.h"
#include "common/torchscript/torchscript_model.h"
#include "services/face/face_service.h"
#include "services/text/text_service.h"
#include "services/voice/voice_service.h"
#include "spdlog/spdlog.h"

namespace {

using burnout::bench::Percentile;

namespace v1 = burnout::v1;
namespace fs = std::filesystem;
namespace ts = burnout::torchscript;
using Clock = std::chrono::steady_clock;

const std::string kRepo = std::string(BURNOUT_SOURCE_DIR) + "/models/reference";
const std::string kFace = std::string(BURNOUT_SOURCE_DIR) + "/../shared/data/faces/astronaut.png";

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }


// ---- The machine's fp32 peak.

struct Peak {
  double gflops = 0;
  std::string how;
};

Peak ReadPeak() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model, flags;
  double mhz = 0;
  while (std::getline(in, line)) {
    auto value = [&] { return line.substr(line.find(':') + 2); };
    if (line.rfind("model name", 0) == 0 && model.empty()) model = value();
    if (line.rfind("flags", 0) == 0 && flags.empty()) flags = " " + value() + " ";
    if (line.rfind("cpu MHz", 0) == 0) mhz = std::max(mhz, std::stod(value()));
  }
  std::ifstream max_freq("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
  double khz = 0;
  if (max_freq >> khz && khz > 0) mhz = khz / 1000.0;
  const bool avx512 = flags.find(" avx512f ") != std::string::npos;
  const bool fma = flags.find(" fma ") != std::string::npos;
  const bool avx2 = flags.find(" avx2 ") != std::string::npos;
  // Two FMA pipes per core: 2 x lanes x 2 FLOP per cycle.
  const int per_cycle = avx512 ? 64 : (avx2 && fma) ? 32 : 16;
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  Peak p;
  p.gflops = cores * mhz / 1000.0 * per_cycle;
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%s; %d cores x %.0f MHz x %d FLOP/cycle (%s, 2 FMA pipes)",
                model.c_str(), cores, mhz, per_cycle,
                avx512 ? "AVX-512" : (avx2 && fma) ? "AVX2+FMA" : "SSE");
  p.how = buf;
  return p;
}

double SgemmGflops() {
  torch::NoGradGuard guard;
  auto a = torch::randn({1024, 1024});
  auto b = torch::randn({1024, 1024});
  for (int i = 0; i < 3; ++i) torch::mm(a, b);
  const int reps = 20;
  const auto start = Clock::now();
  for (int i = 0; i < reps; ++i) torch::mm(a, b);
  return 2.0 * 1024 * 1024 * 1024 * reps / (Ms(Clock::now() - start) / 1000.0) / 1e9;
}

// ---- Inputs.

std::string Wav16k(const std::vector<float>& samples) {
  auto le = [](std::string* s, uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) s->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  std::string w = "RIFF";
  le(&w, 36 + 2 * samples.size(), 4);
  w += "WAVEfmt ";
  le(&w, 16, 4);
  le(&w, 1, 2);
  le(&w, 1, 2);
  le(&w, 16000, 4);
  le(&w, 32000, 4);
  le(&w, 2, 2);
  le(&w, 16, 2);
  w += "data";
  le(&w, 2 * samples.size(), 4);
  for (float x : samples) {
    le(&w, static_cast<uint16_t>(static_cast<int16_t>(std::clamp(x, -1.0f, 1.0f) * 32000)), 2);
  }
  return w;
}

// 5 s of a voiced, gliding vowel with syllable-rate loudness changes.
std::vector<float> Speechlike(double seconds) {
  std::vector<float> s(static_cast<size_t>(seconds * 16000));
  double phase = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const double t = i / 16000.0;
    const double f0 = 140 + 30 * std::sin(2 * M_PI * 0.7 * t);
    phase += 2 * M_PI * f0 / 16000.0;
    const double env = 0.5 + 0.5 * std::sin(2 * M_PI * 4 * t);
    s[i] = static_cast<float>(env * (0.4 * std::sin(phase) + 0.2 * std::sin(2 * phase) +
                                     0.1 * std::sin(3 * phase)));
  }
  return s;
}

// ---- One model under test.

struct StageTimes {
  std::string text;  // "tokenize 0.0, text_model 88.3"
  double ms = 0;     // their sum
};

struct Target {
  std::string label;       // "text, 64 tokens"
  std::string model;       // reference entry name
  std::string kind;
  std::string flops_metric;
  ts::ForwardInput bare;   // one forward's input
  // Starts the service on `batching` and returns a callable making one request (true = OK),
  // plus a way to fetch the stage timings of the last result.
  std::function<std::function<bool(StageTimes* stages)>(const v1::BatchingConfig&)> start;
  std::function<void()> stop;
};

template <typename Service, typename Stub>
struct Local {
  std::unique_ptr<Service> service;
  std::unique_ptr<burnout::grpcx::ServerHandle> server;
  std::unique_ptr<Stub> stub;
};

template <typename Service, typename Grpc, typename Config>
std::shared_ptr<Local<Service, typename Grpc::Stub>> StartLocal(const Config& config,
                                                                const char* readiness) {
  auto local = std::make_shared<Local<Service, typename Grpc::Stub>>();
  local->service = std::make_unique<Service>(config);
  if (auto s = local->service->LoadModel(); !s.ok()) {
    std::fprintf(stderr, "load: %s\n", s.ToString().c_str());
    return nullptr;
  }
  v1::ServerConfig sc = config.server();
  sc.set_listen("127.0.0.1:0");
  auto h = burnout::grpcx::ServerHandle::Start(sc, {local->service.get()}, {readiness});
  if (!h.ok()) return nullptr;
  local->server = std::move(*h);
  local->stub = Grpc::NewStub(burnout::grpcx::MakeChannel(
      "127.0.0.1:" + std::to_string(local->server->port()), 64 << 20));
  return local;
}

// The result's stage timings as text; `total` gets their sum (the service's own work).
std::string Stages(const v1::ModalityResult& r, double* total) {
  std::string out;
  *total = 0;
  for (const auto& t : r.timings()) {
    *total += t.millis();
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%s%s %.1f", out.empty() ? "" : ", ", t.stage().c_str(), t.millis());
    out += buf;
  }
  return out;
}

template <typename Config>
void ServerDefaults(Config* c, const v1::BatchingConfig& batching) {
  c->mutable_server()->set_listen("127.0.0.1:0");
  c->mutable_server()->set_worker_threads(2);
  c->mutable_server()->set_max_queue(256);
  c->mutable_server()->set_default_deadline_ms(600000);
  c->mutable_server()->set_max_message_bytes(64 << 20);
  *c->mutable_batching() = batching;
}

std::vector<int64_t> TokenIds(int n) {
  std::vector<int64_t> ids(n);
  ids[0] = 0;
  for (int i = 1; i < n - 1; ++i) ids[i] = 1000 + (i * 37) % 40000;
  ids[n - 1] = 2;
  return ids;
}

Target TextTarget(int tokens) {
  Target t;
  t.label = "text, " + std::to_string(tokens) + " tokens";
  t.model = "text-emotion-distilroberta-ref";
  t.kind = ts::kTextKind;
  t.flops_metric = "flops_text_" + std::to_string(tokens);
  t.bare.ids = TokenIds(tokens);
  // " hello" is one RoBERTa token: <s> + (tokens - 2) words + </s>.
  std::string text = "hello";
  for (int i = 1; i < tokens - 2; ++i) text += " hello";
  auto holder = std::make_shared<std::shared_ptr<Local<burnout::text::TextService, v1::TextAnalyzer::Stub>>>();
  t.start = [holder, text](const v1::BatchingConfig& b) -> std::function<bool(StageTimes*)> {
    v1::TextServiceConfig c;
    c.set_model_dir(kRepo + "/text-emotion-distilroberta-ref");
    c.set_max_text_bytes(1 << 20);
    ServerDefaults(&c, b);
    if (auto s = burnout::text::PrepareTextConfig(&c); !s.ok()) {
      std::fprintf(stderr, "text config: %s\n", s.ToString().c_str());
      return nullptr;
    }
    *holder = StartLocal<burnout::text::TextService, v1::TextAnalyzer>(c, burnout::text::kTextReadiness);
    if (!*holder) return nullptr;
    auto* stub = (*holder)->stub.get();
    return [stub, text](StageTimes* stages) {
      grpc::ClientContext ctx;
      v1::AnalyzeTextRequest req;
      req.set_text(text);
      v1::ModalityResult out;
      const bool ok = stub->Analyze(&ctx, req, &out).ok();
      if (ok && stages) stages->text = Stages(out, &stages->ms);
      return ok;
    };
  };
  t.stop = [holder] { holder->reset(); };
  return t;
}

Target VoiceTarget() {
  Target t;
  t.label = "voice, 5 s";
  t.model = "voice-emotion-wav2vec2-ref";
  t.kind = ts::kVoiceKind;
  t.flops_metric = "flops_voice_5s";
  t.bare.values = Speechlike(5.0);
  ts::NormalizeUtterance(&t.bare.values);
  const std::string wav = Wav16k(Speechlike(5.0));
  auto holder = std::make_shared<std::shared_ptr<Local<burnout::voice::VoiceService, v1::VoiceAnalyzer::Stub>>>();
  t.start = [holder, wav](const v1::BatchingConfig& b) -> std::function<bool(StageTimes*)> {
    v1::VoiceServiceConfig c;
    c.set_model_dir(kRepo + "/voice-emotion-wav2vec2-ref");
    ServerDefaults(&c, b);
    if (auto s = burnout::voice::PrepareVoiceConfig(&c); !s.ok()) {
      std::fprintf(stderr, "voice config: %s\n", s.ToString().c_str());
      return nullptr;
    }
    *holder = StartLocal<burnout::voice::VoiceService, v1::VoiceAnalyzer>(c, burnout::voice::kVoiceReadiness);
    if (!*holder) return nullptr;
    auto* stub = (*holder)->stub.get();
    return [stub, wav](StageTimes* stages) {
      grpc::ClientContext ctx;
      v1::AnalyzeAudioRequest req;
      req.set_audio(wav);
      req.set_filename("clip.wav");
      v1::ModalityResult out;
      grpc::Status s = stub->Analyze(&ctx, req, &out);
      if (!s.ok()) std::fprintf(stderr, "voice: %s\n", s.error_message().c_str());
      if (s.ok() && stages) stages->text = Stages(out, &stages->ms);
      return s.ok();
    };
  };
  t.stop = [holder] { holder->reset(); };
  return t;
}

Target FaceTarget() {
  Target t;
  t.label = "face, 224x224";
  t.model = "face-expression-vit-ref";
  t.kind = ts::kFaceKind;
  t.flops_metric = "flops_face_224";
  t.bare.values.assign(3 * 224 * 224, 0.1f);
  std::string photo;
  const cv::Mat image = cv::imread(kFace, cv::IMREAD_COLOR);
  if (!image.empty()) {
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, 92});
    photo.assign(jpeg.begin(), jpeg.end());
  }
  auto holder = std::make_shared<std::shared_ptr<Local<burnout::face::FaceService, v1::FaceAnalyzer::Stub>>>();
  t.start = [holder, photo](const v1::BatchingConfig& b) -> std::function<bool(StageTimes*)> {
    if (photo.empty()) return nullptr;
    v1::FaceServiceConfig c;
    c.set_model_dir(kRepo + "/face-expression-vit-ref");
    c.mutable_detector()->set_yunet_model(std::string(BURNOUT_SOURCE_DIR) +
                                          "/models/third_party/yunet/face_detection_yunet_2022mar.onnx");
    c.set_opencv_threads(1);
    ServerDefaults(&c, b);
    if (auto s = burnout::face::PrepareFaceConfig(&c); !s.ok()) {
      std::fprintf(stderr, "face config: %s\n", s.ToString().c_str());
      return nullptr;
    }
    *holder = StartLocal<burnout::face::FaceService, v1::FaceAnalyzer>(c, burnout::face::kFaceReadiness);
    if (!*holder) return nullptr;
    auto* stub = (*holder)->stub.get();
    return [stub, photo](StageTimes* stages) {
      grpc::ClientContext ctx;
      v1::AnalyzeImageRequest req;
      req.set_image(photo);
      req.set_filename("astronaut.jpg");
      v1::ModalityResult out;
      grpc::Status s = stub->Analyze(&ctx, req, &out);
      if (!s.ok()) std::fprintf(stderr, "face: %s\n", s.error_message().c_str());
      if (s.ok() && stages) stages->text = Stages(out, &stages->ms);
      return s.ok();
    };
  };
  t.stop = [holder] { holder->reset(); };
  return t;
}

double Throughput(const std::function<bool(StageTimes*)>& call, int concurrency, double seconds,
                  int* failures) {
  std::atomic<int> done{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < concurrency; ++c) {
    threads.emplace_back([&] {
      while (!stop) {
        if (call(nullptr)) {
          ++done;
        } else {
          ++failed;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  *failures = failed;
  return done / (Ms(Clock::now() - start) / 1000.0);
}

void Run(const Target& t, int reps, double seconds, const Peak& peak) {
  const std::string dir = kRepo + "/" + t.model + "/1";
  std::printf("\n== %s (%s)\n", t.label.c_str(), dir.c_str());
  v1::ModelManifest manifest;
  double flops = 0;
  if (burnout::config::LoadTextProto(dir + "/manifest.textproto", &manifest).ok()) {
    for (const auto& m : manifest.training().metrics()) {
      if (m.name() == t.flops_metric) flops = m.value();
    }
  }
  auto model = ts::TorchScriptModel::Load(dir, t.kind);
  if (!model.ok()) {
    std::printf("  cannot load: %s\n", model.status().ToString().c_str());
    return;
  }
  const ts::ForwardInput* one[] = {&t.bare};
  std::vector<double> bare;
  for (int i = 0; i < reps + 5; ++i) {  // 5 warm-up forwards: TorchScript's profiling runs
    const auto start = Clock::now();
    auto out = (*model)->Forward(one);
    if (!out.ok()) {
      std::printf("  forward failed: %s\n", out.status().ToString().c_str());
      return;
    }
    if (i >= 5) bare.push_back(Ms(Clock::now() - start));
  }
  model->reset();
  const double bare50 = Percentile(bare, 0.5);
  std::printf("  bare forward, batch 1:   p50 %8.1f ms   p99 %8.1f ms\n", bare50, Percentile(bare, 0.99));
  if (flops > 0) {
    std::printf("  FLOPs per forward %.2f G; at p50 that is %.1f GFLOP/s = %.0f%% of the %.0f GFLOP/s peak\n",
                flops / 1e9, flops / (bare50 / 1000) / 1e9, 100 * flops / (bare50 / 1000) / 1e9 / peak.gflops,
                peak.gflops);
  }

  v1::BatchingConfig off, on;
  off.set_max_batch_size(1);
  off.set_threads(1);
  on.set_max_batch_size(8);
  on.set_max_queue_delay_us(2000);
  on.set_threads(1);
  auto call = t.start(off);
  if (!call) {
    std::printf("  service: not started (see above)\n");
    return;
  }
  std::vector<double> svc, outside;
  StageTimes stages;
  for (int i = 0; i < reps + 2; ++i) {
    const auto start = Clock::now();
    if (!call(&stages)) return;
    const double ms = Ms(Clock::now() - start);
    if (i >= 2) {
      svc.push_back(ms);
      outside.push_back(ms - stages.ms);
    }
  }
  const double svc50 = Percentile(svc, 0.5);
  std::printf("  through the service:     p50 %8.1f ms   p99 %8.1f ms   (stages of the last call: %s)\n",
              svc50, Percentile(svc, 0.99), stages.text.c_str());
  // Per call: client latency minus the stages the service timed (decode, features, forward):
  // gRPC, queueing, the batcher hand-off and building the result. Robust to the noise a
  // difference of two ~100 ms p50s has on a shared machine.
  std::printf("  service overhead per call (latency - timed stages): p50 %.2f ms, p99 %.2f ms; "
              "p50 service - p50 bare: %.1f ms\n",
              Percentile(outside, 0.5), Percentile(outside, 0.99), svc50 - bare50);
  for (const auto* mode : {"off", "on"}) {
    if (std::string(mode) == "on") {
      t.stop();
      call = t.start(on);
      if (!call) return;
      call(nullptr);
    }
    std::printf("  batching %-3s throughput:", mode);
    for (int c : {1, 4, 16}) {
      int failures = 0;
      const double rps = Throughput(call, c, seconds, &failures);
      std::printf("  c=%-2d %6.2f/s%s", c, rps, failures ? " (failures!)" : "");
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  t.stop();
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 8.0;
  const std::string only = argc > 3 ? argv[3] : "";
  spdlog::set_level(spdlog::level::warn);
  const char* threads_env = std::getenv("TORCH_THREADS");
  ts::SetTorchThreads(threads_env ? std::atoi(threads_env) : 1);
  const Peak peak = ReadPeak();
  std::printf("machine: %s = %.0f GFLOP/s fp32 peak\n", peak.how.c_str(), peak.gflops);
  std::printf("libtorch threads: %d intra-op; measured 1024^2 sgemm: %.0f GFLOP/s\n",
              at::get_num_threads(), SgemmGflops());
  if (!fs::exists(kRepo)) {
    std::printf("\nmodels/reference is absent: build the reference-size models first with\n"
                "  apt-get install python3-torch && /usr/bin/python3 deploy/models/build_reference_models.py\n");
    return 0;
  }
  std::vector<Target> targets;
  if (only.empty() || only == "text") {
    targets.push_back(TextTarget(64));
    targets.push_back(TextTarget(128));
  }
  if (only.empty() || only == "voice") targets.push_back(VoiceTarget());
  if (only.empty() || only == "face") targets.push_back(FaceTarget());
  for (const auto& t : targets) Run(t, reps, seconds, peak);
  return 0;
}
