// How heavy a client is to start: for burnoutctl, burnout-stream and burnout-capture, the
// shared libraries the loader maps (ldd) and the median wall time of `<client> --help` over
// N runs (fork + exec + exit, so dynamic loading and static initialisers included).
//   client_start_bench [runs=50]
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <vector>

namespace {

int SharedLibraries(const std::string& exe) {
  const std::string cmd = "ldd " + exe + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  int lines = 0;
  char buf[512];
  while (fgets(buf, sizeof buf, p)) ++lines;
  pclose(p);
  return lines;
}

double RunOnceMs(const std::string& exe) {
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(exe.c_str(), exe.c_str(), "--help", static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
  std::printf("%-16s %9s %14s %14s\n", "client", "libraries", "--help p50 ms", "--help max ms");
  for (const char* name : {"burnoutctl", "burnout-stream", "burnout-capture"}) {
    const std::string exe = std::string(BURNOUT_BIN_DIR) + "/" + name;
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) ms.push_back(RunOnceMs(exe));
    std::sort(ms.begin(), ms.end());
    std::printf("%-16s %9d %14.1f %14.1f\n", name, SharedLibraries(exe), ms[ms.size() / 2], ms.back());
  }
  return 0;
}
