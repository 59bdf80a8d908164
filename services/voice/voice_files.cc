#include "services/voice/voice_files.h"

#include <fcntl.h>
#include <poll.h>
#include <sndfile.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "services/voice/acoustics.h"

extern char** environ;

namespace burnout::voice {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// Closes the fd it holds, once.
struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

absl::Status MakePipe(Fd* read_end, Fd* write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", ErrnoText(errno)));
  }
  read_end->fd = fds[0];
  write_end->fd = fds[1];
  return absl::OkStatus();
}

// Reads both pipes to their ends (poll, so a full stderr cannot block a pending stdout).
void Drain(Fd* out_fd, Fd* err_fd, std::string* out, std::string* err) {
  pollfd fds[2] = {{out_fd->fd, POLLIN, 0}, {err_fd->fd, POLLIN, 0}};
  std::string* sinks[2] = {out, err};
  Fd* owners[2] = {out_fd, err_fd};
  char buf[65536];
  int open = 2;
  while (open > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        owners[i]->Close();
        fds[i].fd = -1;
        --open;
      }
    }
  }
}

}  // namespace

absl::StatusOr<std::string> RunCommand(const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("RunCommand: no program given");
  Fd out_read, out_write, err_read, err_write;
  if (auto s = MakePipe(&out_read, &out_write); !s.ok()) return s;
  if (auto s = MakePipe(&err_read, &err_write); !s.ok()) return s;

  // Everything the child needs is prepared before posix_spawnp (safe in threaded programs).
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.fd, STDERR_FILENO);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  out_write.Close();
  err_write.Close();
  if (spawn_error != 0) {
    const std::string message = absl::StrCat("cannot run ", argv[0], ": ", ErrnoText(spawn_error));
    return spawn_error == ENOENT ? absl::NotFoundError(message) : absl::InternalError(message);
  }

  std::string out, err;
  Drain(&out_read, &err_read, &out, &err);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("waitpid: ", ErrnoText(errno)));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return out;

  constexpr size_t kStderrTail = 600;
  const std::string how = WIFEXITED(status)
                              ? absl::StrCat("exited with status ", WEXITSTATUS(status))
                              : absl::StrCat("was killed by signal ", WTERMSIG(status));
  std::string message = absl::StrCat(absl::StrJoin(argv, " "), ": ", how);
  absl::string_view tail = absl::StripTrailingAsciiWhitespace(err);
  if (!tail.empty()) {
    const bool cut = tail.size() > kStderrTail;
    if (cut) tail.remove_prefix(tail.size() - kStderrTail);
    absl::StrAppend(&message, ": ", cut ? "..." : "", tail);
  }
  return absl::InternalError(message);
}

DecodeLimits FileDecodeLimits() {
  DecodeLimits limits;
  limits.max_bytes = int64_t{1} << 30;
  limits.max_duration_s = 24 * 3600.0;
  limits.min_sample_rate = 1000;
  limits.max_sample_rate = 384000;
  limits.max_channels = 64;
  return limits;
}

absl::StatusOr<std::string> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", ErrnoText(errno)));
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return bytes;
}

absl::StatusOr<DecodedAudio> ReadAudioFile(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFileBytes(path);
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<DecodedAudio> audio = DecodeAudio(*bytes, FileDecodeLimits());
  if (!audio.ok()) {
    return absl::Status(audio.status().code(), absl::StrCat(path, ": ", audio.status().message()));
  }
  return audio;
}

absl::Status WriteWav(const std::string& path, const std::vector<float>& interleaved,
                      int sample_rate, int channels, WavSampleFormat format) {
  if (sample_rate <= 0 || channels <= 0 || interleaved.size() % channels != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", interleaved.size(),
                                                   " samples at ", sample_rate, " Hz in ",
                                                   channels, " channels"));
  }
  SF_INFO info{};
  info.samplerate = sample_rate;
  info.channels = channels;
  info.format = SF_FORMAT_WAV |
                (format == WavSampleFormat::kPcm16 ? SF_FORMAT_PCM_16 : SF_FORMAT_FLOAT);
  SNDFILE* f = sf_open(path.c_str(), SFM_WRITE, &info);
  if (f == nullptr) {
    return absl::InternalError(absl::StrCat(path, ": libsndfile: ", sf_strerror(nullptr)));
  }
  const sf_count_t frames = static_cast<sf_count_t>(interleaved.size() / channels);
  const sf_count_t wrote = sf_writef_float(f, interleaved.data(), frames);
  const std::string error = wrote == frames ? "" : sf_strerror(f);
  if (sf_close(f) != 0 && error.empty()) {
    return absl::InternalError(absl::StrCat(path, ": libsndfile could not close the file"));
  }
  if (!error.empty()) return absl::InternalError(absl::StrCat(path, ": libsndfile: ", error));
  return absl::OkStatus();
}

absl::Status WriteWav16k(const std::string& path, const std::vector<float>& samples,
                         WavSampleFormat format) {
  return WriteWav(path, samples, kAnalysisRate, 1, format);
}

}  // namespace burnout::voice
