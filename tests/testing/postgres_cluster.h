// A throwaway PostgreSQL server for tests: initdb into a fresh directory, pg_ctl start on a
// free port of 127.0.0.1 (its unix socket in that directory too), createdb; stopped
// (pg_ctl stop -m fast) and removed when the object goes. Or, when BURNOUT_TEST_PG_URL is
// set, that server instead (nothing is started or stopped).
//
// PostgreSQL refuses to run as root. As root the cluster runs as an unprivileged user:
// BURNOUT_TEST_PG_USER if set, else `nobody` (every Debian machine has it); each server
// program is forked, drops to that user's uid/gid (setgroups, setgid, setuid) and execs, with
// the directory (under /tmp, mode 0700) owned by that user. No user is created and nothing
// outside the directory is touched. The server binaries come from BURNOUT_TEST_PG_BIN, else
// the newest /usr/lib/postgresql/<version>/bin (Debian's postgresql package), else PATH.
// When any of this is impossible, ok() is false and error() says why (tests skip with it).
//
// Header-only; POSIX. A test process killed hard leaves its server running (its directory
// and `pg_ctl -D <dir>/data stop` are in error() / data_dir()).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace burnout::testutil {

class PostgresCluster {
 public:
  // BURNOUT_TEST_PG_URL's server, or a fresh cluster; check ok().
  static std::unique_ptr<PostgresCluster> Start() {
    std::unique_ptr<PostgresCluster> c(new PostgresCluster());
    if (const char* url = std::getenv("BURNOUT_TEST_PG_URL"); url && *url) {
      c->url_ = url;
      c->ok_ = true;
      return c;
    }
    c->StartLocal();
    return c;
  }

  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;

  ~PostgresCluster() {
    if (started_) Run({bin_ + "/pg_ctl", "-D", data_dir(), "-m", "fast", "-w", "stop"});
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  // A libpq URL of the test database.
  const std::string& url() const { return url_; }
  // True for a cluster this object started (its files can be inspected under data_dir()).
  bool local() const { return started_; }
  std::string data_dir() const { return dir_.empty() ? "" : dir_ + "/data"; }
  // The server's log (local clusters).
  std::string log() const { return Slurp(dir_ + "/server.log"); }

 private:
  PostgresCluster() = default;

  static std::string Slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  static std::string FindBinDir() {
    namespace fs = std::filesystem;
    if (const char* b = std::getenv("BURNOUT_TEST_PG_BIN"); b && *b) {
      return access((std::string(b) + "/initdb").c_str(), X_OK) == 0 ? b : "";
    }
    std::string best;
    double best_version = -1;
    std::error_code ec;
    for (fs::directory_iterator it("/usr/lib/postgresql", ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string bin = (it->path() / "bin").string();
      if (access((bin + "/initdb").c_str(), X_OK) != 0) continue;
      const double v = std::atof(it->path().filename().c_str());
      if (v > best_version) best_version = v, best = bin;
    }
    if (!best.empty()) return best;
    if (const char* path = std::getenv("PATH")) {
      std::string p = path;
      for (size_t start = 0; start <= p.size();) {
        const size_t end = std::min(p.find(':', start), p.size());
        const std::string dir = p.substr(start, end - start);
        if (!dir.empty() && access((dir + "/initdb").c_str(), X_OK) == 0) return dir;
        start = end + 1;
      }
    }
    return "";
  }

  static int FreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
  }

  // Runs argv as the cluster's user with stdout and stderr appended to <dir>/setup.log; the
  // exit code (-1 when it could not run).
  int Run(const std::vector<std::string>& argv) const {
    const std::string log = dir_ + "/setup.log";
    // Everything the child needs is built before fork (no allocation after it).
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string home = "HOME=" + dir_;
    char* env[] = {const_cast<char*>("PATH=/usr/bin:/bin"), const_cast<char*>("LC_ALL=C"),
                   const_cast<char*>(home.c_str()), nullptr};
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    const pid_t pid = fork();
    if (pid < 0) {
      if (out >= 0) close(out);
      return -1;
    }
    if (pid == 0) {
      if (out >= 0) {
        dup2(out, 1);
        dup2(out, 2);
      }
      if (drop_privileges_ &&
          (setgroups(0, nullptr) != 0 || setgid(gid_) != 0 || setuid(uid_) != 0)) {
        _exit(126);
      }
      if (chdir(dir_.c_str()) != 0) _exit(126);  // the caller's cwd may be closed to the user
      execve(args[0], args.data(), env);
      _exit(127);
    }
    if (out >= 0) close(out);
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void Fail(const std::string& why) {
    error_ = why;
    if (!dir_.empty()) {
      const std::string setup = Slurp(dir_ + "/setup.log"), server = log();
      if (!setup.empty()) error_ += "\n--- setup.log ---\n" + setup;
      if (!server.empty()) error_ += "\n--- server.log ---\n" + server;
    }
  }

  void StartLocal() {
    bin_ = FindBinDir();
    if (bin_.empty()) {
      return Fail(
          "no PostgreSQL server programs (initdb, pg_ctl) found: apt-get install postgresql, "
          "or set BURNOUT_TEST_PG_BIN or BURNOUT_TEST_PG_URL");
    }
    if (geteuid() == 0) {
      const char* name = std::getenv("BURNOUT_TEST_PG_USER");
      if (!name || !*name) name = "nobody";
      const passwd* pw = getpwnam(name);
      if (!pw || pw->pw_uid == 0) {
        return Fail(std::string("running as root and there is no unprivileged user \"") + name +
                    "\" to run PostgreSQL as (it refuses root): set BURNOUT_TEST_PG_USER or "
                    "BURNOUT_TEST_PG_URL");
      }
      drop_privileges_ = true;
      uid_ = pw->pw_uid;
      gid_ = pw->pw_gid;
    }
    // Under /tmp as root (every user can reach it), else TMPDIR; short enough for the socket.
    std::string base = "/tmp";
    if (!drop_privileges_) {
      if (const char* t = std::getenv("TMPDIR"); t && *t && std::string(t).size() < 60) base = t;
    }
    std::string tmpl = base + "/burnout-pg-XXXXXX";
    if (!mkdtemp(tmpl.data())) return Fail("cannot create a directory under " + base);
    dir_ = tmpl;
    if (drop_privileges_ && chown(dir_.c_str(), uid_, gid_) != 0) {
      return Fail("cannot give " + dir_ + " to the cluster's user");
    }
    if (Run({bin_ + "/initdb", "-D", data_dir(), "-U", "burnout", "--auth=trust", "--no-locale",
             "-E", "UTF8", "--no-sync"}) != 0) {
      return Fail("initdb failed");
    }
    for (int attempt = 0; attempt < 3 && !started_; ++attempt) {
      port_ = FreePort();
      if (port_ == 0) continue;
      const std::string opts = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
                               " -k " + dir_;
      started_ = Run({bin_ + "/pg_ctl", "-D", data_dir(), "-l", dir_ + "/server.log", "-w",
                      "-t", "60", "-o", opts, "start"}) == 0;
    }
    if (!started_) return Fail("pg_ctl start failed");
    if (Run({bin_ + "/createdb", "-h", dir_, "-p", std::to_string(port_), "-U", "burnout",
             "burnout_test"}) != 0) {
      return Fail("createdb failed");
    }
    url_ = "postgresql://burnout@127.0.0.1:" + std::to_string(port_) + "/burnout_test";
    ok_ = true;
  }

  bool ok_ = false;
  bool started_ = false;
  bool drop_privileges_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int port_ = 0;
  std::string bin_, dir_, url_, error_;
};

}  // namespace burnout::testutil
