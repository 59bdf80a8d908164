// A service binary run as its own process for a test: started with its flags and a port file,
// its output in a log file, ended with SIGTERM (and waited for) when the object goes. For tests
// that need the real process (signals, hot reload, a failing model load). Header-only; needs
// BURNOUT_BIN_DIR (every test target defines it) and links burnout_grpc.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "common/grpc/channel.h"
#include "common/grpc/health_client.h"
#include "gtest/gtest.h"

namespace burnout::testutil {

struct ServiceProcess {
  pid_t pid = -1;
  int port = 0;
  std::filesystem::path log;

  ServiceProcess() = default;
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;
  ~ServiceProcess() { Stop(); }

  // Runs `BURNOUT_BIN_DIR/<binary> <args> --port_file <port_file>` with stdout and stderr in
  // `log`, and waits up to 20 s for the port it writes. The port (0 with a test failure when
  // none appeared).
  int Start(const std::string& binary, const std::string& args,
            const std::filesystem::path& port_file, const std::filesystem::path& log_file) {
    log = log_file;
    const std::string cmd = std::string(BURNOUT_BIN_DIR) + "/" + binary + " " + args +
                            " --port_file " + port_file.string();
    pid = fork();
    if (pid == 0) {
      execl("/bin/sh", "sh", "-c", ("exec " + cmd + " >" + log.string() + " 2>&1").c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 1000 && port == 0; ++i) {
      std::ifstream in(port_file);
      in >> port;
      if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_GT(port, 0) << cmd << " wrote no port; its log:\n" << Log();
    return port;
  }

  // A channel to the process, once `readiness` reports SERVING (waits up to 10 s).
  std::shared_ptr<grpc::Channel> WaitReady(const std::string& readiness) const {
    auto channel = grpcx::MakeChannel("127.0.0.1:" + std::to_string(port), 0);
    for (int i = 0; i < 500; ++i) {
      auto ready = grpcx::CheckHealth(channel, readiness, std::chrono::seconds(2));
      if (ready.ok() && *ready == grpcx::Health::kServing) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return channel;
  }

  // SIGTERM, then waits; the wait status (-1 when not running).
  int Stop() {
    if (pid <= 0) return -1;
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return status;
  }

  std::string Log() const {
    std::ifstream in(log);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
};

}  // namespace burnout::testutil
