// The microphone source: arecord (alsa-utils) as a child process, its stdout read as PCM.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/capture/media_source.h"

extern char** environ;

namespace burnout::capture {
namespace {

class MicrophoneSource : public AudioSource {
 public:
  MicrophoneSource(pid_t pid, int out_fd, int err_fd, int rate, std::string command, StopFn stop)
      : pid_(pid), out_fd_(out_fd), err_fd_(err_fd), command_(std::move(command)),
        stop_(std::move(stop)) {
    format_.set_encoding(burnout::v1::AUDIO_ENCODING_PCM_S16LE);
    format_.set_sample_rate(rate);
    format_.set_channels(1);
  }
  ~MicrophoneSource() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      Reap(/*block=*/true);
    }
    close(out_fd_);
    close(err_fd_);
  }
  const burnout::v1::AudioFormat& format() const override { return format_; }
  bool live() const override { return true; }

  absl::Status Read(int64_t frames, std::string* pcm) override {
    pcm->clear();
    const size_t want = static_cast<size_t>(frames) * 2;
    char buf[16384];
    while (pending_.size() < want && !eof_) {
      if (stop_ && stop_()) break;
      // Poll with a timeout so a stop is seen even while arecord delivers nothing.
      pollfd p{out_fd_, POLLIN, 0};
      const int ready = poll(&p, 1, 100);
      if (ready < 0 && errno != EINTR) return absl::InternalError(absl::StrCat("poll: ", std::strerror(errno)));
      if (ready <= 0) continue;
      const ssize_t n = read(out_fd_, buf, std::min(sizeof(buf), want - pending_.size()));
      if (n > 0) {
        pending_.append(buf, static_cast<size_t>(n));
      } else if (n == 0) {
        eof_ = true;
      } else if (errno != EINTR) {
        return absl::InternalError(absl::StrCat("reading from arecord: ", std::strerror(errno)));
      }
    }
    const size_t take = std::min(want, pending_.size() & ~size_t{1});  // whole frames only
    pcm->assign(pending_, 0, take);
    pending_.erase(0, take);
    if (eof_ && pcm->empty()) return Ended();
    return absl::OkStatus();
  }

 private:
  // arecord stops only when we stop it: its end is a failure unless it exited cleanly.
  absl::Status Ended() {
    const int status = Reap(/*block=*/true);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
    std::string err;
    char buf[4096];
    for (ssize_t n; (n = read(err_fd_, buf, sizeof(buf))) > 0;) err.append(buf, static_cast<size_t>(n));
    while (!err.empty() && std::isspace(static_cast<unsigned char>(err.back()))) err.pop_back();
    if (err.size() > 600) err = "..." + err.substr(err.size() - 600);
    const std::string how = WIFEXITED(status) ? absl::StrCat("exited with status ", WEXITSTATUS(status))
                                              : absl::StrCat("was killed by signal ", WTERMSIG(status));
    return absl::UnavailableError(absl::StrCat(command_, " ", how, err.empty() ? "" : ": ", err));
  }
  int Reap(bool block) {
    if (pid_ <= 0) return reaped_status_;
    int status = 0;
    pid_t r;
    while ((r = waitpid(pid_, &status, block ? 0 : WNOHANG)) < 0 && errno == EINTR) {
    }
    if (r == pid_) {
      pid_ = 0;
      reaped_status_ = status;
    }
    return reaped_status_;
  }

  pid_t pid_;
  int out_fd_, err_fd_;
  std::string command_;
  StopFn stop_;
  burnout::v1::AudioFormat format_;
  std::string pending_;
  bool eof_ = false;
  int reaped_status_ = 0;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AudioSource>> OpenMicrophone(const std::string& device,
                                                            int sample_rate, StopFn stop) {
  const std::vector<std::string> argv = {"arecord", "-q", "-f", "S16_LE", "-r",
                                         std::to_string(sample_rate), "-c", "1", "-t", "raw",
                                         "-D", device};
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group: Ctrl-C ends the capture through us, so the summary still comes.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    close(out[0]);
    close(err[0]);
    if (rc == ENOENT) {
      return absl::NotFoundError(
          "arecord is not installed (Debian package alsa-utils); install it, or stream a "
          "recording with --wav");
    }
    return absl::UnavailableError(absl::StrCat("cannot run arecord: ", std::strerror(rc)));
  }
  return std::make_unique<MicrophoneSource>(pid, out[0], err[0], sample_rate,
                                            absl::StrJoin(argv, " "), std::move(stop));
}

}  // namespace burnout::capture
