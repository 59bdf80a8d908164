// Live sessions (StreamSession) through the real stack (every service its own process on
// loopback): N concurrent sessions, each streaming in real time a 30 fps JPEG face video
// (generated, encoded once, cycled) and 16 kHz espeak-ng speech (looped) in 100 ms chunks,
// with burnout-capture's library. Prints the update latency per kind (receive wall time -
// the update's input_time_us, both on the system clock), the summaries' frame counters, the
// CPU seconds each service process spent per session, and the orchestrator's RSS at 30 s
// and at the end.
//
//   ./build/bin/session_bench [sessions=4] [seconds=30] [long_seconds=0] [warmup_s]
//
// long_seconds > 0: the sessions run that long instead (e.g. 1800 for the 30-minute soak).
// warmup_s: when every process's RSS, threads and descriptors are first taken (default a sixth
// of the run, at most 5 minutes). A session's series hold up to session.max_series_points
// (1200) points a step (1 s), so its memory grows by design for its first 20 minutes: a soak
// that checks for leaks takes its warm-up past that (./build/bin/session_bench 4 30 1800 1260).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

#include "benchmarks/bench_util.h"
#include "clients/capture/capture.h"
#include "common/auth/token.h"
#include "clients/capture/media_source.h"
#include "tests/testing/session_media.h"

namespace {

using burnout::bench::Percentile;
using burnout::bench::Ctl;

namespace fs = std::filesystem;
namespace v1 = burnout::v1;

const char* kServices[] = {"text", "voice", "face", "fusion", "temporal", "orchestrator"};
constexpr double kFps = 30;
constexpr int kVideoSeconds = 10;  // cycled
constexpr double kSpeechSeconds = 30;  // looped

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}



int ReadPid(const fs::path& run, const std::string& service) {
  std::ifstream in(run / (service + ".pid"));
  int pid = 0;
  return (in >> pid) ? pid : 0;
}

// utime + stime of a process, seconds (fields 14 and 15 of /proc/<pid>/stat, after the
// parenthesised command name, which may hold spaces).
double CpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::atoll(f.c_str());
    if (i == 15) stime = std::atoll(f.c_str());
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

double RssMiB(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;  // kB
  }
  return 0;
}

// "Threads:" of /proc/<pid>/status, and the open file descriptors (/proc/<pid>/fd).
int Threads(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Threads:", 0) == 0) return std::atoi(line.c_str() + 8);
  }
  return 0;
}
int OpenFds(int pid) {
  std::error_code ec;
  int n = 0;
  for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n;
}

// One process's RSS, threads and descriptors at a moment.
struct ProcSample {
  double rss = 0;
  int threads = 0;
  int fds = 0;
};
ProcSample Sample(int pid) { return {RssMiB(pid), Threads(pid), OpenFds(pid)}; }

double OwnCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

// The face video, generated, read back and JPEG-encoded once (quality 85, as burnout-capture
// sends by default), so the client spends no CPU encoding while the services are measured.
std::vector<std::string> FaceFrames(const fs::path& run) {
  const auto faces = burnout::testutil::SharedFaceImages(std::string(BURNOUT_SOURCE_DIR) + "/../shared");
  if (faces.empty()) std::printf("note: ../shared/data/faces is absent: a face-less video\n");
  const std::string path = (run / "faces.avi").string();
  if (auto s = burnout::testutil::WriteFaceVideo(path, faces, kVideoSeconds, kFps, 640, 480); !s.ok()) {
    std::fprintf(stderr, "face video: %s\n", s.ToString().c_str());
    return {};
  }
  std::vector<std::string> out;
  cv::VideoCapture in(path);
  std::vector<uchar> jpeg;
  for (cv::Mat f; in.read(f) && !f.empty();) {
    cv::imencode(".jpg", f, jpeg, {cv::IMWRITE_JPEG_QUALITY, 85});
    out.emplace_back(reinterpret_cast<const char*>(jpeg.data()), jpeg.size());
  }
  return out;
}

// espeak-ng speech; without it a voiced, syllable-like tone, so the voice path still runs.
std::vector<float> Speech() {
  auto speech = burnout::testutil::SpeechSamples(kSpeechSeconds);
  if (speech.ok()) return *speech;
  std::printf("note: %s; a synthetic voiced tone instead\n", speech.status().ToString().c_str());
  std::vector<float> x(static_cast<size_t>(kSpeechSeconds * 16000));
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = i / 16000.0;
    const double env = std::pow(std::max(0.0, std::sin(M_PI * 4 * t)), 2);
    x[i] = static_cast<float>(0.2 * env * (std::sin(2 * M_PI * 140 * t) + 0.5 * std::sin(2 * M_PI * 280 * t)));
  }
  return x;
}

struct SessionResult {
  absl::Status status;
  burnout::capture::CaptureStats stats;
};

}  // namespace

int main(int argc, char** argv) {
  const int sessions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 4;
  const double seconds = argc > 2 ? std::atof(argv[2]) : 30;
  const double long_seconds = argc > 3 ? std::atof(argv[3]) : 0;
  const double duration = long_seconds > 0 ? long_seconds : seconds;

  const fs::path run = fs::temp_directory_path() / ("session_bench_" + std::to_string(::getpid()));
  fs::create_directories(run);
  const auto frames = FaceFrames(run);
  const auto speech = Speech();
  if (frames.empty()) return 1;
  if (Ctl(run, "up --base_port 0") != 0) {
    std::fprintf(stderr, "could not start the stack; logs in %s\n", run.c_str());
    return 1;
  }
  int port = 0;
  std::ifstream(run / "orchestrator.port") >> port;
  std::map<std::string, int> pids;
  for (const char* s : kServices) pids[s] = ReadPid(run, s);
  const int orchestrator = pids["orchestrator"];

  size_t jpeg_bytes = 0;
  for (const auto& f : frames) jpeg_bytes += f.size();
  std::printf("%d concurrent sessions of %.0f s through the stack, %u cores: 640x480 JPEG at %.0f fps "
              "(%.0f KiB a frame) + 16 kHz speech in 100 ms chunks, in real time\n",
              sessions, duration, std::thread::hardware_concurrency(), kFps,
              jpeg_bytes / 1024.0 / frames.size());

  std::map<std::string, double> cpu_before;
  for (const auto& [name, pid] : pids) cpu_before[name] = CpuSeconds(pid);
  const double own_before = OwnCpuSeconds();
  const double rss_before = RssMiB(orchestrator);

  // The orchestrator's RSS once a second: the figure at 30 s and the peak. Every process's
  // RSS, threads and descriptors at the end of the warm-up (a sixth of the run, at most 5
  // minutes), at the end, and their peak in between; for runs of 10 minutes or more, a line
  // every minute.
  std::atomic<bool> done{false};
  double rss_30 = 0, rss_peak = 0, rss_last = 0;
  const double warmup_s = argc > 4 ? std::atof(argv[4]) : std::min(300.0, duration / 6);
  std::map<std::string, ProcSample> at_warmup, at_end, peak;
  std::thread monitor([&] {
    const auto start = std::chrono::steady_clock::now();
    bool warm = false;
    int minute = 0;
    while (!done) {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      const double rss = RssMiB(orchestrator);
      rss_last = rss;
      rss_peak = std::max(rss_peak, rss);
      const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (rss_30 == 0 && t >= 30) rss_30 = rss;
      if (t > duration) continue;  // the sessions are closing
      for (const auto& [name, pid] : pids) {
        const ProcSample p = Sample(pid);
        at_end[name] = p;
        if (!warm && t >= warmup_s) at_warmup[name] = p;
        if (warm) {
          peak[name].rss = std::max(peak[name].rss, p.rss);
          peak[name].threads = std::max(peak[name].threads, p.threads);
          peak[name].fds = std::max(peak[name].fds, p.fds);
        }
      }
      warm = warm || t >= warmup_s;
      if (duration >= 600 && t >= 60 * (minute + 1)) {
        ++minute;
        std::printf("  %3d min:", minute);
        for (const auto& [name, p] : at_end) std::printf(" %s %.1f MiB/%dt/%dfd", name.c_str(), p.rss, p.threads, p.fds);
        std::printf("\n");
        std::fflush(stdout);
      }
    }
  });

  std::mutex mu;
  std::map<std::string, std::vector<double>> latency_ms;  // by update kind
  std::vector<SessionResult> results(sessions);
  std::vector<std::thread> threads;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < sessions; ++i) {
    threads.emplace_back([&, i] {
      burnout::capture::CaptureOptions o;
      o.target = "127.0.0.1:" + std::to_string(port);
      o.user_id = "bench-" + std::to_string(i);  // sessions per person are limited
      if (auto t = burnout::auth::LocalToken(run.string(), o.user_id, "person", 7200); t.ok()) {
        o.token = *t;
      }
      o.realtime = true;
      o.timeout_ms = static_cast<int>((duration + 120) * 1000);
      burnout::capture::MediaOptions mo;
      mo.max_seconds = duration;
      mo.chunk_ms = 100;
      burnout::capture::MediaSource media(burnout::capture::EncodedFrames(frames, kFps, /*loop=*/true),
                                          burnout::capture::SamplesAudio(speech, 16000, /*loop=*/true), mo);
      results[i].status = burnout::capture::RunSession(o, media, [&](const v1::SessionUpdate& u) {
        const int64_t now = NowUs();
        std::string kind;
        int64_t input = 0;
        if (u.has_modality() && !u.modality().masked()) {
          kind = u.modality().modality() == v1::MODALITY_VOICE  ? "voice"
                 : u.modality().modality() == v1::MODALITY_FACE ? "face"
                                                                : "text";
          input = u.modality().input_time_us();
        } else if (u.has_fused()) {
          kind = "fused";
          input = u.fused().input_time_us();
        }
        if (input <= 0) return;
        std::lock_guard<std::mutex> lock(mu);
        latency_ms[kind].push_back((now - input) / 1000.0);
      }, &results[i].stats);
    });
  }
  for (auto& t : threads) t.join();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  done = true;
  monitor.join();
  const double rss_end = RssMiB(orchestrator);
  std::map<std::string, double> cpu_after;
  for (const auto& [name, pid] : pids) cpu_after[name] = CpuSeconds(pid);
  const double own = OwnCpuSeconds() - own_before;

  std::printf("\nupdate latency (receive - input_time_us), ms, all sessions:\n");
  std::printf("  %-7s %7s %9s %9s %9s\n", "kind", "count", "p50", "p99", "max");
  for (const char* kind : {"voice", "face", "text", "fused"}) {
    const auto& v = latency_ms[kind];
    if (v.empty()) continue;
    std::printf("  %-7s %7zu %9.1f %9.1f %9.1f\n", kind, v.size(), Percentile(v, 0.5), Percentile(v, 0.99),
                *std::max_element(v.begin(), v.end()));
  }

  std::printf("\nper session (from the summaries' counters):\n");
  std::printf("  %-3s %-8s %7s %7s %7s %8s %7s %6s %7s %6s %7s %6s %6s\n", "#", "status", "sent", "recv",
              "fwd", "analysed", "skipped", "over", "audio s", "a.drop", "v.win", "fused", "u.drop");
  int failed = 0;
  for (int i = 0; i < sessions; ++i) {
    const auto& r = results[i];
    v1::SessionCounters c;
    if (r.stats.summary) c = r.stats.summary->session().counters();
    const std::string status = r.status.ok() ? "ok" : std::string(absl::StatusCodeToString(r.status.code()));
    failed += !r.status.ok();
    std::printf("  %-3d %-8s %7lld %7lld %7lld %8lld %7lld %6lld %7.1f %6lld %7lld %6lld %6lld\n", i,
                status.substr(0, 8).c_str(), static_cast<long long>(r.stats.frames_sent),
                static_cast<long long>(c.frames_received()), static_cast<long long>(c.frames_forwarded()),
                static_cast<long long>(c.frames_analyzed()), static_cast<long long>(c.frames_skipped()),
                static_cast<long long>(c.frames_over_rate()), c.audio_s_received(),
                static_cast<long long>(c.audio_chunks_dropped()), static_cast<long long>(c.voice_windows_analyzed()),
                static_cast<long long>(c.fused_updates()), static_cast<long long>(c.updates_dropped()));
  }
  for (int i = 0; i < sessions; ++i) {
    if (!results[i].status.ok()) std::printf("  session %d: %s\n", i, results[i].status.ToString().c_str());
  }
  // The capacity criterion: fused-update p99 and the share of due frames skipped.
  int64_t due = 0, skipped = 0;
  for (const auto& r : results) {
    if (!r.stats.summary) continue;
    const auto& c = r.stats.summary->session().counters();
    due += c.frames_forwarded() + c.frames_skipped();
    skipped += c.frames_skipped();
  }
  const auto& fused = latency_ms["fused"];
  std::printf("capacity: %d sessions, fused p99 %.0f ms, due frames skipped %lld of %lld (%.2f%%)\n", sessions,
              fused.empty() ? 0.0 : Percentile(fused, 0.99), static_cast<long long>(skipped),
              static_cast<long long>(due), due ? 100.0 * skipped / due : 0.0);

  std::printf("\nCPU seconds over %.1f s of wall time (utime + stime from /proc/<pid>/stat):\n", wall);
  std::printf("  %-13s %9s %13s %15s\n", "process", "total", "per session", "% core/session");
  double all = 0;
  for (const char* s : kServices) {
    const double d = cpu_after[s] - cpu_before[s];
    all += d;
    std::printf("  %-13s %9.2f %13.2f %14.1f%%\n", s, d, d / sessions, 100 * d / sessions / duration);
  }
  std::printf("  %-13s %9.2f %13.2f %14.1f%%\n", "services", all, all / sessions, 100 * all / sessions / duration);
  std::printf("  %-13s %9.2f %13.2f %14.1f%%\n", "bench client", own, own / sessions, 100 * own / sessions / duration);

  std::printf("\norchestrator RSS, MiB: before %.1f", rss_before);
  if (rss_30 > 0) std::printf(", at 30 s %.1f", rss_30);
  std::printf(", at the end of the sessions %.1f (%.0f s), after they closed %.1f, peak %.1f\n", rss_last,
              duration, rss_end, rss_peak);
  if (!at_warmup.empty()) {
    std::printf("\nevery process after the %.0f s warm-up -> at the end of the sessions (peak in between):\n",
                warmup_s);
    std::printf("  %-13s %20s %8s %16s %16s\n", "process", "RSS MiB", "growth", "threads", "fds");
    for (const auto& [name, w] : at_warmup) {
      const auto& e = at_end[name];
      const auto& pk = peak[name];
      std::printf("  %-13s %6.1f -> %6.1f (%5.1f) %+7.1f%% %4d -> %4d (%3d) %4d -> %4d (%3d)\n", name.c_str(),
                  w.rss, e.rss, pk.rss, w.rss > 0 ? 100 * (e.rss - w.rss) / w.rss : 0.0, w.threads, e.threads,
                  pk.threads, w.fds, e.fds, pk.fds);
    }
  }
  if (failed) std::printf("%d of %d sessions did not end OK\n", failed, sessions);

  Ctl(run, "down");
  fs::remove_all(run);
  return 0;
}
