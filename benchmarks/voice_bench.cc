// Voice analysis speed, in seconds of compute per second of audio (s/s) on one thread:
// AnalyzeAcoustics and TrackPitch alone on espeak-ng speech and on synthetic signals; the
// whole service call (a real VoiceService with the shipped model and one executor thread,
// VoiceAnalyzer.Analyze over gRPC on loopback with the clip as a 16 kHz mono and a 44.1 kHz
// stereo 16-bit WAV) and AnalyzeStream (3 s window, 1 s hop) fed the clip as fast as
// possible and paced by its results; and Praat's `To Pitch: 0, 75, 600` on the same audio in
// the same run (looped inside one praat process, so its start-up is excluded; the
// start-up-inclusive time of one call is printed too). Prints figures only; asserts nothing.
//
//   ./build/bin/voice_bench [seconds_of_audio=60] [repetitions=7]
//
// Sections of main(): corpus, acoustics, pitch alone, service call, stream, Praat, summary.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"
#include "burnout/v1/voice.grpc.pb.h"
#include "common/grpc/channel.h"
#include "common/grpc/server.h"
#include "services/voice/acoustics.h"
#include "services/voice/audio_decode.h"
#include "services/voice/espeak.h"
#include "services/voice/pitch.h"
#include "services/voice/voice_files.h"
#include "services/voice/voice_service.h"

namespace {

namespace fs = std::filesystem;
namespace v1 = burnout::v1;
using burnout::voice::kAnalysisRate;
using burnout::voice::RunCommand;
using Clock = std::chrono::steady_clock;
constexpr double kPi = 3.14159265358979323846;

// ---- helpers: timing ----

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double Median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Median wall time of `reps` calls of `fn`, after one warm-up call.
double TimeMedian(int reps, const std::function<void()>& fn) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto start = Clock::now();
    fn();
    t.push_back(Seconds(start));
  }
  return Median(t);
}

// ---- corpus ----

struct Clip {
  std::string name;
  std::vector<float> samples;
  std::string wav;  // the same samples as a 16 kHz file, for Praat
  double seconds() const { return static_cast<double>(samples.size()) / kAnalysisRate; }
};

// espeak-ng utterances of several voices, pitches and speeds at 16 kHz, concatenated to
// `seconds`; empty when espeak-ng cannot be run.
std::vector<float> EspeakSpeech(double seconds) {
  static const char* const kSentences[] = {
      "I have been working late every night this month and I feel tired all the time.",
      "The quick brown fox jumps over the lazy dog, and then it runs away into the forest.",
      "Could you tell me where the nearest train station is, please?",
      "Yesterday we walked along the river and watched the boats go by.",
  };
  static const char* const kVoices[] = {"en-us", "en+f3", "en+m3", "en+f2"};
  std::vector<float> all;
  for (int i = 0; all.size() < seconds * kAnalysisRate; ++i) {
    burnout::voice::SpeechSpec spec;
    spec.text = kSentences[(i / 4) % 4];
    spec.voice = kVoices[i % 4];
    spec.pitch = 30 + (i * 17) % 50;
    spec.speed = 110 + (i * 29) % 90;
    const absl::StatusOr<std::vector<float>> part = burnout::voice::SynthesizeSpeech(spec);
    if (!part.ok() || part->empty()) return {};
    all.insert(all.end(), part->begin(), part->end());
  }
  all.resize(static_cast<size_t>(seconds * kAnalysisRate));
  return all;
}

// Harmonic "syllables" (gliding F0 with vibrato, 8 harmonics, 150-300 ms, amplitude
// bursts) separated by short gaps and pauses, in light noise.
std::vector<float> SyntheticSpeech(double seconds) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::normal_distribution<double> noise(0.0, 0.003);
  const size_t n = static_cast<size_t>(seconds * kAnalysisRate);
  std::vector<float> x(n);
  size_t i = 0;
  double phase = 0.0;
  while (i < n) {
    const size_t len = static_cast<size_t>((0.15 + 0.15 * u(rng)) * kAnalysisRate);
    const double f_start = 90.0 + 200.0 * u(rng), f_end = f_start * (0.8 + 0.4 * u(rng));
    for (size_t k = 0; k < len && i < n; ++k, ++i) {
      const double t = static_cast<double>(k) / len;
      const double f0 = (f_start + (f_end - f_start) * t) *
                        (1.0 + 0.01 * std::sin(2.0 * kPi * 5.0 * k / kAnalysisRate));
      phase += 2.0 * kPi * f0 / kAnalysisRate;
      double s = 0.0;
      for (int h = 1; h <= 8; ++h) s += std::sin(h * phase) / h;
      x[i] = static_cast<float>(0.25 * std::sin(kPi * t) * s + noise(rng));
    }
    const double gap = u(rng) < 0.2 ? 0.3 + 0.5 * u(rng) : 0.03 + 0.07 * u(rng);
    for (size_t k = 0; k < static_cast<size_t>(gap * kAnalysisRate) && i < n; ++k, ++i) {
      x[i] = static_cast<float>(noise(rng));
    }
  }
  return x;
}

// ---- the whole service call ----

// A VoiceService with the shipped model behind a gRPC server on 127.0.0.1:<free port>, one
// executor thread (so one core analyses), and a client stub. Members end in reverse order:
// stub, server, service.
struct LocalVoiceService {
  std::unique_ptr<burnout::voice::VoiceService> service;
  std::unique_ptr<burnout::grpcx::ServerHandle> server;
  std::unique_ptr<v1::VoiceAnalyzer::Stub> stub;
};

// `max_wav_bytes`: the largest WAV the benchmark sends; `max_seconds`: its longest clip.
absl::StatusOr<std::unique_ptr<LocalVoiceService>> StartVoiceService(int64_t max_wav_bytes,
                                                                     double max_seconds) {
  const int message_bytes =
      static_cast<int>(std::min<int64_t>(std::max<int64_t>(max_wav_bytes + (1 << 20), 16 << 20),
                                         1 << 30));
  v1::VoiceServiceConfig config;
  config.set_model_dir(std::string(BURNOUT_SOURCE_DIR) + "/models/voice-acoustic/1");
  config.mutable_server()->set_listen("127.0.0.1:0");
  config.mutable_server()->set_worker_threads(1);
  config.mutable_server()->set_max_message_bytes(message_bytes);
  config.mutable_server()->set_default_deadline_ms(600000);
  config.set_max_audio_bytes(message_bytes);
  config.set_max_duration_s(std::min(3600.0, std::max(120.0, max_seconds + 1.0)));
  if (absl::Status s = burnout::voice::PrepareVoiceConfig(&config); !s.ok()) return s;
  auto local = std::make_unique<LocalVoiceService>();
  local->service = std::make_unique<burnout::voice::VoiceService>(config);
  if (absl::Status s = local->service->LoadModel(); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<burnout::grpcx::ServerHandle>> server =
      burnout::grpcx::ServerHandle::Start(config.server(), {local->service.get()},
                                          {burnout::voice::kVoiceReadiness});
  if (!server.ok()) return server.status();
  local->server = *std::move(server);
  local->server->SetReady(burnout::voice::kVoiceReadiness, true);
  local->stub = v1::VoiceAnalyzer::NewStub(burnout::grpcx::MakeChannel(
      "127.0.0.1:" + std::to_string(local->server->port()), message_bytes));
  return local;
}

// A clip as the bytes of a 16-bit WAV file at `rate` with `channels` identical channels
// (resampled with soxr from 16 kHz when `rate` differs), written at `path`; empty on failure.
std::string EncodeClip(const std::vector<float>& samples, int rate, int channels,
                       const std::string& path) {
  const absl::StatusOr<std::vector<float>> resampled =
      burnout::voice::Resample(samples, kAnalysisRate, rate);
  if (!resampled.ok()) return "";
  std::vector<float> interleaved;
  interleaved.reserve(resampled->size() * channels);
  for (float x : *resampled) interleaved.insert(interleaved.end(), channels, x);
  if (!burnout::voice::WriteWav(path, interleaved, rate, channels,
                                burnout::voice::WavSampleFormat::kPcm16)
           .ok()) {
    return "";
  }
  const absl::StatusOr<std::string> wav = burnout::voice::ReadFileBytes(path);
  return wav.ok() ? *wav : "";
}

struct CallTimes {
  double call_s = NAN;  // client wall time of one Analyze, median
  // The service's own timings (ModalityResult.timings), medians, in the order reported.
  std::vector<std::pair<std::string, double>> stage_ms;
  std::string error;    // set when a call failed
};

// Median over `reps` Analyze calls (after one warm-up call) of `wav`.
CallTimes TimeAnalyzeCall(v1::VoiceAnalyzer::Stub* stub, const std::string& wav, int reps) {
  CallTimes out;
  v1::AnalyzeAudioRequest request;
  request.set_audio(wav);
  request.set_filename("bench.wav");
  std::vector<double> calls;
  std::vector<std::pair<std::string, std::vector<double>>> stages;
  for (int r = 0; r <= reps; ++r) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
    v1::ModalityResult response;
    const auto start = Clock::now();
    const grpc::Status status = stub->Analyze(&ctx, request, &response);
    const double took = Seconds(start);
    if (!status.ok()) {
      out.error = status.error_message();
      return out;
    }
    if (r == 0) continue;  // warm-up
    calls.push_back(took);
    for (const auto& t : response.timings()) {
      auto it = std::find_if(stages.begin(), stages.end(),
                             [&](const auto& st) { return st.first == t.stage(); });
      if (it == stages.end()) it = stages.insert(stages.end(), {t.stage(), {}});
      it->second.push_back(t.millis());
    }
  }
  out.call_s = Median(calls);
  for (const auto& [stage, ms] : stages) out.stage_ms.emplace_back(stage, Median(ms));
  return out;
}

// ---- stream ----

struct StreamTimes {
  double wall_s = NAN;        // open to the final result and OK
  int results = 0;            // results received, the final one included
  int64_t skipped = 0;        // windows_skipped of the last result
  std::string error;
};

// One AnalyzeStream: `samples` (16 kHz) as s16le chunks of `chunk_ms` (a divisor of the
// window and the hop). Unpaced: written as fast as the stream takes them while the results
// are read concurrently. Paced: after each chunk that makes a window due, the client waits
// for its result before sending more, so every window is analysed (none skipped).
StreamTimes TimeStream(v1::VoiceAnalyzer::Stub* stub, const std::vector<float>& samples,
                       int window_ms, int hop_ms, int chunk_ms, bool paced) {
  std::vector<v1::AudioStreamRequest> requests(1);
  auto* open = requests[0].mutable_open();
  open->mutable_format()->set_encoding(v1::AUDIO_ENCODING_PCM_S16LE);
  open->mutable_format()->set_sample_rate(kAnalysisRate);
  open->mutable_format()->set_channels(1);
  open->set_window_ms(window_ms);
  open->set_hop_ms(hop_ms);
  const size_t chunk = static_cast<size_t>(kAnalysisRate) * chunk_ms / 1000;
  for (size_t i = 0; i < samples.size(); i += chunk) {
    std::string pcm;
    for (size_t k = i; k < std::min(samples.size(), i + chunk); ++k) {
      const auto v = static_cast<int16_t>(std::lround(std::clamp(samples[k], -1.0f, 1.0f) * 32767));
      pcm.push_back(static_cast<char>(v & 0xff));
      pcm.push_back(static_cast<char>((v >> 8) & 0xff));
    }
    requests.emplace_back().mutable_chunk()->set_pcm(std::move(pcm));
  }

  StreamTimes out;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(10));
  const auto start = Clock::now();
  auto stream = stub->AnalyzeStream(&ctx);
  v1::VoiceWindowResult result;
  auto read_one = [&] {
    if (!stream->Read(&result)) return false;
    ++out.results;
    out.skipped = result.windows_skipped();
    return true;
  };
  std::thread writer([&] {
    for (size_t i = 0; i < requests.size(); ++i) {
      if (!stream->Write(requests[i])) break;
      const int sent_ms = static_cast<int>(i) * chunk_ms;  // requests[0] is `open`
      if (paced && sent_ms >= window_ms && (sent_ms - window_ms) % hop_ms == 0 && !read_one()) {
        break;
      }
    }
    stream->WritesDone();
  });
  if (!paced) {
    while (read_one()) {
    }
  }
  writer.join();
  if (paced) {
    while (read_one()) {
    }
  }
  const grpc::Status status = stream->Finish();
  out.wall_s = Seconds(start);
  if (!status.ok()) out.error = status.error_message();
  return out;
}

// ---- Praat ----

constexpr char kPraatLoop[] = R"(form Time To Pitch
  sentence File
  natural Repetitions 10
endform
sound = Read from file: file$
stopwatch
for i to repetitions
  selectObject: sound
  pitch = To Pitch: 0.0, 75, 600
  removeObject: pitch
endfor
seconds = stopwatch
writeInfoLine: seconds / repetitions
)";

struct PraatTimes {
  double loop_s = NAN;     // one To Pitch, inside a running praat
  double process_s = NAN;  // one whole `praat --run` (start-up, reading, one To Pitch)
};

// `pin` runs praat under `taskset -c 0` (Praat's To Pitch is multi-threaded; pinned it is
// on one core like ours).
PraatTimes TimePraat(const std::string& script, const std::string& wav, int loops, int reps,
                     bool pin) {
  PraatTimes t;
  std::vector<std::string> prefix;
  if (pin) prefix = {"taskset", "-c", "0"};
  auto args = [&](int n) {
    std::vector<std::string> a = prefix;
    for (const char* s : {"praat", "--run"}) a.push_back(s);
    a.push_back(script);
    a.push_back(wav);
    a.push_back(std::to_string(n));
    return a;
  };
  std::vector<double> loop, process;
  for (int r = 0; r < reps; ++r) {
    const absl::StatusOr<std::string> out = RunCommand(args(loops));
    if (!out.ok()) return t;
    loop.push_back(std::atof(out->c_str()));
    const auto start = Clock::now();
    if (!RunCommand(args(1)).ok()) return t;
    process.push_back(Seconds(start));
  }
  t.loop_s = Median(loop);
  t.process_s = Median(process);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 60.0;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 7;
  char tmpl[] = "/tmp/voice_bench_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const fs::path dir = tmpl;

  // ---- corpus ----
  std::vector<Clip> clips;
  {
    Clip speech{"espeak-ng speech", EspeakSpeech(seconds), ""};
    if (speech.samples.empty()) {
      std::printf("espeak-ng not available: speech clip skipped\n");
    } else {
      clips.push_back(std::move(speech));
    }
    clips.push_back({"synthetic", SyntheticSpeech(seconds), ""});
    for (size_t i = 0; i < clips.size(); ++i) {
      clips[i].wav = (dir / ("clip" + std::to_string(i) + ".wav")).string();
      if (!burnout::voice::WriteWav16k(clips[i].wav, clips[i].samples,
                                       burnout::voice::WavSampleFormat::kFloat32)
               .ok()) {
        clips[i].wav.clear();
      }
    }
  }
  std::printf("voice analysis speed: %.0f s clips, median of %d runs, one thread; "
              "s/s = seconds of compute per second of audio\n\n",
              seconds, reps);

  // ---- acoustics: the whole AnalyzeAcoustics ----
  const burnout::voice::AcousticConfig config;
  std::vector<double> acoustics_sps(clips.size()), pitch_sps(clips.size());
  std::printf("AnalyzeAcoustics\n");
  for (size_t i = 0; i < clips.size(); ++i) {
    const Clip& c = clips[i];
    double voiced = 0.0;
    const double t = TimeMedian(reps, [&] {
      const auto a = burnout::voice::AnalyzeAcoustics(c.samples.data(), c.samples.size(), config);
      voiced = a.Get("voiced_ratio");
    });
    acoustics_sps[i] = t / c.seconds();
    std::printf("  %-18s %.5f s/s   (%.3f s per run, voiced %.2f)\n", c.name.c_str(),
                acoustics_sps[i], t, voiced);
  }

  // ---- pitch alone: TrackPitch ----
  burnout::voice::PitchConfig pitch_config;
  pitch_config.sample_rate_hz = kAnalysisRate;
  std::printf("\nTrackPitch alone\n");
  for (size_t i = 0; i < clips.size(); ++i) {
    const Clip& c = clips[i];
    const double t = TimeMedian(reps, [&] {
      const auto f0 = burnout::voice::TrackPitch(c.samples.data(), c.samples.size(), pitch_config);
      if (f0.empty()) std::abort();
    });
    pitch_sps[i] = t / c.seconds();
    std::printf("  %-18s %.5f s/s   (%.3f s per run)\n", c.name.c_str(), pitch_sps[i], t);
  }

  // ---- service call: VoiceAnalyzer.Analyze over gRPC, 16 kHz mono and 44.1 kHz stereo ----
  struct Encoding {
    const char* name;
    int rate;
    int channels;
  };
  const Encoding kEncodings[] = {{"16 kHz mono", kAnalysisRate, 1}, {"44.1 kHz stereo", 44100, 2}};
  constexpr size_t kNumEncodings = sizeof(kEncodings) / sizeof(kEncodings[0]);
  std::vector<std::vector<double>> service_sps(clips.size(),
                                               std::vector<double>(kNumEncodings, NAN));
  std::vector<std::vector<std::string>> wavs(clips.size());
  int64_t largest_wav = 0;
  for (size_t i = 0; i < clips.size(); ++i) {
    for (const Encoding& e : kEncodings) {
      const std::string path = (dir / ("service" + std::to_string(i) + "_" +
                                       std::to_string(e.rate) + ".wav")).string();
      wavs[i].push_back(EncodeClip(clips[i].samples, e.rate, e.channels, path));
      largest_wav = std::max<int64_t>(largest_wav, static_cast<int64_t>(wavs[i].back().size()));
    }
  }
  absl::StatusOr<std::unique_ptr<LocalVoiceService>> local =
      StartVoiceService(largest_wav, seconds);
  if (!local.ok()) {
    std::printf("\nvoice service did not start (%s): service sections skipped\n",
                local.status().ToString().c_str());
  } else {
    std::printf("\nWhole service call: VoiceAnalyzer.Analyze over gRPC on 127.0.0.1, one "
                "executor thread, 16-bit WAV (client wall time; overhead = call - "
                "AnalyzeAcoustics alone; aim <= 0.01 s/s)\n");
    for (size_t i = 0; i < clips.size(); ++i) {
      const Clip& c = clips[i];
      for (size_t e = 0; e < kNumEncodings; ++e) {
        if (wavs[i][e].empty()) continue;
        const CallTimes t = TimeAnalyzeCall((*local)->stub.get(), wavs[i][e], reps);
        if (!t.error.empty()) {
          std::printf("  %-18s %-16s failed: %s\n", c.name.c_str(), kEncodings[e].name,
                      t.error.c_str());
          continue;
        }
        service_sps[i][e] = t.call_s / c.seconds();
        std::string stages;
        for (const auto& [stage, ms] : t.stage_ms) {
          absl::StrAppendFormat(&stages, "%s%s %.1f ms", stages.empty() ? "" : ", ", stage, ms);
        }
        std::printf("  %-18s %-16s %.5f s/s   acoustics alone %.5f s/s   overhead %.5f s/s   "
                    "(%.1f MB WAV, %.3f s per call; in the service: %s)\n",
                    c.name.c_str(), kEncodings[e].name, service_sps[i][e], acoustics_sps[i],
                    service_sps[i][e] - acoustics_sps[i], wavs[i][e].size() / 1e6, t.call_s,
                    stages.c_str());
      }
    }

    // ---- stream: AnalyzeStream, 3 s window, 1 s hop, fed as fast as possible ----
    std::printf("\nAnalyzeStream: 3 s window, 1 s hop, 16 kHz s16le in 100 ms chunks (median "
                "of %d streams; throughput = seconds of audio through the stream per second)\n",
                reps);
    for (const Clip& c : clips) {
      for (const bool paced : {false, true}) {
        std::vector<double> wall, results, skipped;
        std::string error;
        for (int r = 0; r < reps && error.empty(); ++r) {
          const StreamTimes t =
              TimeStream((*local)->stub.get(), c.samples, 3000, 1000, 100, paced);
          error = t.error;
          wall.push_back(t.wall_s);
          results.push_back(t.results);
          skipped.push_back(static_cast<double>(t.skipped));
        }
        const char* how = paced ? "waiting for each result" : "as fast as possible";
        if (!error.empty()) {
          std::printf("  %-18s %-23s failed: %s\n", c.name.c_str(), how, error.c_str());
          continue;
        }
        std::printf("  %-18s %-23s %3.0f results received (final included), %2.0f windows "
                    "skipped, throughput %6.0f s of audio per s (%.0f s in %.3f s)\n",
                    c.name.c_str(), how, Median(results), Median(skipped),
                    c.seconds() / Median(wall), c.seconds(), Median(wall));
      }
    }
    local->reset();
  }

  // ---- Praat: To Pitch (ac) on the same samples ----
  std::vector<PraatTimes> praat_one(clips.size()), praat_any(clips.size());
  const bool have_praat = RunCommand({"praat", "--version"}).ok();
  const bool have_taskset = RunCommand({"taskset", "-c", "0", "true"}).ok();
  if (have_praat) {
    const std::string script = (dir / "loop.praat").string();
    std::ofstream(script) << kPraatLoop;
    std::printf("\nPraat To Pitch: 0, 75, 600 (looped inside one process; and one whole "
                "praat --run incl. start-up)\n");
    for (size_t i = 0; i < clips.size(); ++i) {
      const Clip& c = clips[i];
      if (c.wav.empty()) continue;
      if (have_taskset) praat_one[i] = TimePraat(script, c.wav, 10, 3, true);
      praat_any[i] = TimePraat(script, c.wav, 10, 3, false);
      std::printf("  %-18s one core: %.5f s/s (process %.3f s)   all cores: %.5f s/s "
                  "(process %.3f s)\n",
                  c.name.c_str(), praat_one[i].loop_s / c.seconds(), praat_one[i].process_s,
                  praat_any[i].loop_s / c.seconds(), praat_any[i].process_s);
    }
  } else {
    std::printf("\npraat not on PATH: Praat section skipped\n");
  }

  // ---- summary ----
  std::printf("\nsummary (s/s; ratio = ours / Praat one-core To Pitch, < 1 is faster)\n");
  for (size_t i = 0; i < clips.size(); ++i) {
    const double praat = praat_one[i].loop_s / clips[i].seconds();
    const double praat_process = praat_one[i].process_s / clips[i].seconds();
    std::printf("  %-18s acoustics %.5f (x%.2f)   pitch %.5f (x%.2f)   service call %.5f "
                "(16 kHz), %.5f (44.1 kHz stereo)   praat %.5f, with start-up %.5f\n",
                clips[i].name.c_str(), acoustics_sps[i], acoustics_sps[i] / praat, pitch_sps[i],
                pitch_sps[i] / praat, service_sps[i][0], service_sps[i][1], praat,
                praat_process);
  }

  std::error_code ignored;
  fs::remove_all(dir, ignored);
  return 0;
}
