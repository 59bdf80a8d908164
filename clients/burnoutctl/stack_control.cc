#include "clients/burnoutctl/stack_control.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include <httplib.h>
#include "common/auth/token.h"
#include "absl/strings/str_split.h"
#include "common/config/config.h"
#include "common/grpc/channel.h"
#include "common/grpc/health_client.h"
#include "common/status/macros.h"

namespace burnout::ctl {
namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

const std::map<std::string, std::string>& Readiness() {
  static const auto* m = new std::map<std::string, std::string>{
      {"text", "burnout.v1.TextAnalyzer"},
      {"voice", "burnout.v1.VoiceAnalyzer"},
      {"face", "burnout.v1.FaceAnalyzer"},
      {"fusion", "burnout.v1.Fusion"},
      {"temporal", "burnout.v1.Temporal"},
      {"orchestrator", "burnout.v1.BurnoutRisk"},
      {"web", "/readyz"}};  // HTTP: its /readyz
  return *m;
}

// A service's readiness over its own protocol: gRPC health, or HTTP /readyz for the web.
absl::StatusOr<bool> Ready(const std::string& name, int port, const burnout::v1::TlsConfig& tls,
                           std::chrono::milliseconds timeout) {
  if (name == "web") {
    httplib::Client http("127.0.0.1", port);
    http.set_connection_timeout(timeout);
    http.set_read_timeout(timeout);
    auto res = http.Get("/readyz");
    if (!res) return absl::UnavailableError("unreachable");
    return res->status == 200;
  }
  auto channel = grpcx::MakeChannel(absl::StrCat("127.0.0.1:", port), 0, tls);
  auto h = grpcx::CheckHealth(channel, Readiness().at(name), timeout);
  if (!h.ok()) return h.status();
  return *h == grpcx::Health::kServing;
}

std::string PathIn(const std::string& dir, const std::string& name, const std::string& ext) {
  return (fs::path(dir) / (name + ext)).string();
}

int ReadInt(const std::string& path) {
  std::ifstream in(path);
  int v = 0;
  return (in >> v) ? v : 0;
}

void WriteInt(const std::string& path, int v) {
  const std::string tmp = path + ".tmp";
  { std::ofstream(tmp, std::ios::trunc) << v << "\n"; }
  fs::rename(tmp, path);
}

// Alive and still the binary we started (pid files outlive reboots; pids get reused).
bool Alive(int pid, const std::string& binary) {
  if (pid <= 0) return false;
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) == pid) return false;  // our child, now reaped
  if (kill(pid, 0) != 0) return false;
  std::ifstream cmd(absl::StrCat("/proc/", pid, "/cmdline"));
  std::string argv0;
  std::getline(cmd, argv0, '\0');
  return fs::path(argv0).filename() == binary;
}

std::string LogTail(const std::string& path, int lines) {
  std::ifstream in(path);
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) all.push_back(l);
  std::string out;
  for (size_t i = all.size() > static_cast<size_t>(lines) ? all.size() - lines : 0; i < all.size(); ++i) {
    absl::StrAppend(&out, "    ", all[i], "\n");
  }
  return out;
}

absl::StatusOr<int> Spawn(const std::string& bin, const std::vector<std::string>& args,
                          const std::string& log_path) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(bin.c_str()));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return absl::UnavailableError(absl::StrCat("cannot open log ", log_path));
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::UnavailableError("fork failed");
  }
  if (pid == 0) {
    setsid();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(log_fd);
  return pid;
}

std::string ExeDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "." : exe.parent_path().string();
}

// A child we spawned: until it has exec'd, /proc shows burnoutctl's command line, so only
// waitpid can tell whether it is gone.
bool ChildAlive(int pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == 0;
}

// Waits for the port file, then for readiness SERVING, while the process lives.
absl::Status WaitReady(const burnout::v1::StackService& svc, const std::string& run_dir, int pid,
                       bool own_child, Steady::time_point until,
                       const burnout::v1::TlsConfig& tls, int* port) {
  const std::string port_file = PathIn(run_dir, svc.name(), ".port");
  const std::string log = PathIn(run_dir, svc.name(), ".log");
  std::string last = "no port file yet";
  while (Steady::now() < until) {
    if (own_child ? !ChildAlive(pid) : !Alive(pid, svc.binary())) {
      return absl::UnavailableError(absl::StrCat(svc.name(), " (", svc.binary(),
                                                 ") exited during start-up; end of ", log, ":\n",
                                                 LogTail(log, 8)));
    }
    *port = ReadInt(port_file);
    if (*port > 0) {
      auto ready = Ready(svc.name(), *port, tls, std::chrono::milliseconds(500));
      if (ready.ok() && *ready) return absl::OkStatus();
      last = ready.ok() ? "NOT_SERVING" : std::string(ready.status().message());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat(svc.name(), " is not ready (", last,
                                                  "); end of ", log, ":\n", LogTail(log, 8)));
}

}  // namespace

burnout::v1::TlsConfig ClientTls(const std::string& run_dir) {
  burnout::v1::TlsConfig tls;
  const fs::path certs = fs::path(run_dir) / "certs";
  if (!fs::exists(certs / "tls.on")) return tls;
  tls.set_ca_file((certs / "ca.crt").string());
  tls.set_cert_file((certs / "client.crt").string());
  tls.set_key_file((certs / "client.key").string());
  return tls;
}

namespace {

// A deploy/ script, found from the binary (build/bin/ -> ../../deploy) or the working dir.
absl::StatusOr<std::string> FindScript(const std::string& name) {
  for (const fs::path& script : {fs::path(ExeDir()) / "../../deploy" / name,
                                 fs::path("deploy") / name}) {
    if (fs::exists(script)) return script.string();
  }
  return absl::NotFoundError(absl::StrCat("deploy/", name, " not found beside the build or here"));
}

// Runs `bash <script> <args>`; its standard output, trimmed.
absl::StatusOr<std::string> RunScript(const std::string& name, const std::string& args) {
  BR_ASSIGN_OR_RETURN(const std::string script, FindScript(name));
  const std::string cmd = absl::StrCat("bash '", script, "' ", args, " 2>&1");
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return absl::InternalError(absl::StrCat("cannot run ", script));
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  const int rc = pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (rc != 0) return absl::InternalError(absl::StrCat(script, " failed: ", out));
  return out;
}

absl::Status MakeCerts(const std::string& dir) {
  return RunScript("make-certs.sh", absl::StrCat("'", dir, "'")).status();
}

// A free TCP port on 127.0.0.1 (for the local PostgreSQL).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace

absl::StatusOr<burnout::v1::StackConfig> LoadStack(const StackOptions& o) {
  burnout::v1::StackConfig c;
  BR_RETURN_IF_ERROR(config::LoadTextProto(o.config_path, &c));
  if (c.services_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(o.config_path, ": no services"));
  }
  c.set_run_dir(o.run_dir.empty() ? config::ResolveRelativeTo(o.config_path, c.run_dir().empty() ? ".run" : c.run_dir())
                                  : o.run_dir);
  if (c.ready_timeout_ms() <= 0) c.set_ready_timeout_ms(60000);
  for (int i = 0; i < c.services_size(); ++i) {
    auto* s = c.mutable_services(i);
    if (!Readiness().count(s->name())) {
      return absl::InvalidArgumentError(absl::StrCat(o.config_path, ": unknown service name \"",
                                                     s->name(), "\""));
    }
    const int last = c.services_size() - 1;
    const bool web_last = c.services(last).name() == "web";
    if (s->name() == "orchestrator" && i != last - (web_last ? 1 : 0)) {
      return absl::InvalidArgumentError(absl::StrCat(
          o.config_path, ": the orchestrator must be the last service (only web may follow it)"));
    }
    s->set_config(config::ResolveRelativeTo(o.config_path, s->config()));
    if (o.base_port >= 0) s->set_port(o.base_port == 0 ? 0 : o.base_port + i);
  }
  return c;
}

absl::Status Up(const StackOptions& o, std::string* report) {
  BR_ASSIGN_OR_RETURN(auto c, LoadStack(o));
  fs::create_directories(c.run_dir());
  BR_RETURN_IF_ERROR(auth::EnsureLocalIssuer(c.run_dir()));
  const fs::path certs = fs::path(c.run_dir()) / "certs";
  std::error_code ec;
  if (o.tls) {
    if (!fs::exists(certs / "ca.crt") || !fs::exists(certs / "client.crt")) {
      BR_RETURN_IF_ERROR(MakeCerts(certs.string()));
    }
    std::ofstream(certs / "tls.on") << "started with --tls\n";
  } else {
    fs::remove(certs / "tls.on", ec);
  }
  const burnout::v1::TlsConfig client_tls = ClientTls(c.run_dir());
  std::string postgres_url;
  if (o.store == "postgres") {
    const fs::path pg = fs::path(c.run_dir()) / "pg";
    std::ifstream old_port(pg / "port");
    int port = 0;
    old_port >> port;
    if (port <= 0) port = FreePort();
    BR_ASSIGN_OR_RETURN(postgres_url, RunScript("local-postgres.sh",
                                                absl::StrCat("start '", pg.string(), "' ", port)));
    std::ofstream(pg / "port") << port << "\n";
    absl::StrAppend(report, "postgres: ready at ", postgres_url, "\n");
  } else if (o.store != "sqlite") {
    return absl::InvalidArgumentError(absl::StrCat("--store ", o.store, ": sqlite or postgres"));
  }
  const std::string bin_dir = o.bin_dir.empty() ? ExeDir() : o.bin_dir;
  const auto until = Steady::now() + std::chrono::milliseconds(c.ready_timeout_ms());
  std::map<std::string, int> ports;
  for (const auto& svc : c.services()) {
    const std::string pid_file = PathIn(c.run_dir(), svc.name(), ".pid");
    const std::string port_file = PathIn(c.run_dir(), svc.name(), ".port");
    int pid = ReadInt(pid_file);
    int port = 0;
    const bool running = Alive(pid, svc.binary());
    if (running) {
      absl::StrAppend(report, svc.name(), ": already running (pid ", pid, ")\n");
    } else {
      // A restarted service keeps its old port, so the orchestrator's targets stay valid.
      const int previous = ReadInt(port_file);
      const int want = previous > 0 ? previous : svc.port();
      std::error_code ec;
      fs::remove(port_file, ec);
      std::vector<std::string> args = {"--config", svc.config(), "--port", std::to_string(want),
                                       "--port_file", port_file,
                                       // /metrics, /livez, /readyz; the port in <port_file>.metrics
                                       "--metrics_listen", "127.0.0.1:0"};
      if (svc.name() == "web") {
        // An HTTP process: its own flags; the app's files beside the build, the local sign-in.
        args = {"--listen", absl::StrCat("127.0.0.1:", want), "--port_file", port_file,
                "--orchestrator", absl::StrCat("127.0.0.1:", ports["orchestrator"]),
                "--static_dir", (fs::path(ExeDir()) / "../../clients/web/static").string(),
                "--models_dir", (fs::path(ExeDir()) / "../../models").string(),
                "--dev_issuer_dir", c.run_dir()};
        if (o.tls) {
          for (const auto& [flag, file] : std::vector<std::pair<std::string, std::string>>{
                   {"--tls_ca", "ca.crt"}, {"--tls_cert", "client.crt"}, {"--tls_key", "client.key"}}) {
            args.push_back(flag);
            args.push_back((certs / file).string());
          }
        }
      }
      if (svc.name() == "orchestrator") {
        for (const char* dep : {"text", "voice", "face", "fusion", "temporal"}) {
          if (ports.count(dep)) {
            args.push_back(absl::StrCat("--", dep, "_target"));
            args.push_back(absl::StrCat("127.0.0.1:", ports[dep]));
          }
        }
        if (postgres_url.empty()) {
          args.push_back("--sqlite_path");
          args.push_back((fs::path(c.run_dir()) / "burnout.db").string());
        } else {
          args.push_back("--postgres_url");
          args.push_back(postgres_url);
        }
        args.push_back("--auth_public_key");
        args.push_back(auth::LocalIssuerPublicKey(c.run_dir()));
      }
      if (o.tls && svc.name() != "web") {
        for (const auto& [flag, file] : std::vector<std::pair<std::string, std::string>>{
                 {"--tls_ca", "ca.crt"},
                 {"--tls_cert", svc.name() + ".crt"},
                 {"--tls_key", svc.name() + ".key"}}) {
          args.push_back(flag);
          args.push_back((certs / file).string());
        }
        // People reach the orchestrator with tokens; the services only the orchestrator's
        // (and burnoutctl's) certificate reaches.
        if (svc.name() != "orchestrator") args.push_back("--tls_require_client_cert");
      }
      const std::string bin = (fs::path(bin_dir) / svc.binary()).string();
      if (access(bin.c_str(), X_OK) != 0) {
        return absl::NotFoundError(absl::StrCat("no executable ", bin, " (build first)"));
      }
      BR_ASSIGN_OR_RETURN(pid, Spawn(bin, args, PathIn(c.run_dir(), svc.name(), ".log")));
      WriteInt(pid_file, pid);
      absl::StrAppend(report, svc.name(), ": started (pid ", pid, ")\n");
    }
    BR_RETURN_IF_ERROR(WaitReady(svc, c.run_dir(), pid, !running, until, client_tls, &port));
    ports[svc.name()] = port;
    absl::StrAppend(report, svc.name(), ": ready on 127.0.0.1:", port, "\n");
  }
  return absl::OkStatus();
}

absl::Status Down(const StackOptions& o, std::string* report) {
  BR_ASSIGN_OR_RETURN(auto c, LoadStack(o));
  for (int i = c.services_size() - 1; i >= 0; --i) {
    const auto& svc = c.services(i);
    const std::string pid_file = PathIn(c.run_dir(), svc.name(), ".pid");
    const int pid = ReadInt(pid_file);
    if (!Alive(pid, svc.binary())) {
      absl::StrAppend(report, svc.name(), ": not running\n");
    } else {
      kill(pid, SIGTERM);
      const auto until = Steady::now() + std::chrono::seconds(10);
      while (Alive(pid, svc.binary()) && Steady::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      if (Alive(pid, svc.binary())) {
        kill(pid, SIGKILL);
        absl::StrAppend(report, svc.name(), ": killed (did not stop within 10 s)\n");
      } else {
        absl::StrAppend(report, svc.name(), ": stopped\n");
      }
    }
    std::error_code ec;
    fs::remove(pid_file, ec);
    fs::remove(PathIn(c.run_dir(), svc.name(), ".port"), ec);
  }
  const fs::path pg = fs::path(c.run_dir()) / "pg";
  if (fs::exists(pg / "data")) {
    auto stopped = RunScript("local-postgres.sh", absl::StrCat("stop '", pg.string(), "'"));
    absl::StrAppend(report, "postgres: ", stopped.ok() ? "stopped" : stopped.status().message(), "\n");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ServiceState>> Status(const StackOptions& o) {
  BR_ASSIGN_OR_RETURN(auto c, LoadStack(o));
  std::vector<ServiceState> out;
  for (const auto& svc : c.services()) {
    ServiceState s;
    s.name = svc.name();
    s.pid = ReadInt(PathIn(c.run_dir(), svc.name(), ".pid"));
    s.alive = Alive(s.pid, svc.binary());
    s.port = ReadInt(PathIn(c.run_dir(), svc.name(), ".port"));
    if (s.port > 0) {
      if (svc.name() == "web") {
        auto ready = Ready("web", s.port, {}, std::chrono::milliseconds(1000));
        s.liveness = ready.ok() ? "SERVING" : "unreachable";
        s.readiness = ready.ok() ? (*ready ? "SERVING" : "NOT_SERVING") : "unreachable";
      } else {
        auto channel =
            grpcx::MakeChannel(absl::StrCat("127.0.0.1:", s.port), 0, ClientTls(c.run_dir()));
        for (auto [name, field] : {std::pair<std::string, std::string*>{"", &s.liveness},
                                   {Readiness().at(svc.name()), &s.readiness}}) {
          auto h = grpcx::CheckHealth(channel, name, std::chrono::milliseconds(1000));
          *field = h.ok() ? grpcx::HealthName(*h) : absl::StrCat("unreachable");
        }
      }
    } else {
      s.liveness = s.readiness = "unreachable";
    }
    out.push_back(s);
  }
  return out;
}

absl::StatusOr<std::string> OrchestratorAddress(const StackOptions& o) {
  return ServiceAddress(o, "orchestrator");
}

absl::StatusOr<std::string> ServiceAddress(const StackOptions& o, const std::string& service) {
  BR_ASSIGN_OR_RETURN(auto c, LoadStack(o));
  const std::string port_file = PathIn(c.run_dir(), service, ".port");
  const int port = ReadInt(port_file);
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat("the stack is not up (no ", port_file,
                                               "); run `burnoutctl up` or pass --server"));
  }
  return absl::StrCat("127.0.0.1:", port);
}

}  // namespace burnout::ctl
