#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

#include "absl/strings/str_cat.h"
#include "platform.h"

namespace rustc_shim {
namespace {

void WriteFd(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

class FdLogOutput : public LogOutput {
 public:
  FdLogOutput(int fd, bool owned) : fd_(fd), owned_(owned) {}
  ~FdLogOutput() override {
    if (owned_) ::close(fd_);
  }
  // One write(2) per record: with O_APPEND the kernel places each record at the
  // end of the file as a unit.
  void Write(absl::string_view record) override { WriteFd(fd_, record); }

 private:
  int fd_;
  bool owned_;
};

Error ErrnoError(int error) { return Error{::strerror(error)}; }

}  // namespace

const char kPathListSeparator = ':';

std::optional<absl::string_view> GetEnv(const char* name) {
  const char* value = ::getenv(name);
  if (value == nullptr) return std::nullopt;
  return absl::string_view(value);
}

void SetEnv(const char* name, const std::string& value) { ::setenv(name, value.c_str(), 1); }

void UnsetEnv(const char* name) { ::unsetenv(name); }

ErrorOr<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno);
  struct stat st;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return ErrnoError(EISDIR);
  }
  // Read straight into the string: sized from fstat, grown if the file grew.
  std::string data;
  size_t size = 0;
  data.resize(st.st_size > 0 ? static_cast<size_t>(st.st_size) + 1 : 4096);
  for (;;) {
    if (size == data.size()) data.resize(data.size() * 2);
    ssize_t n = ::read(fd, data.data() + size, data.size() - size);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return ErrnoError(saved);
    }
    if (n == 0) break;
    size += static_cast<size_t>(n);
  }
  data.resize(size);
  ::close(fd);
  return data;
}

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  return ::access(path.c_str(), X_OK) == 0;
}

bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::string SelfPath(const char* argv0) {
#if defined(__linux__)
  char buffer[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n > 0) return std::string(buffer, static_cast<size_t>(n));
#elif defined(__APPLE__)
  char buffer[PATH_MAX];
  uint32_t size = sizeof buffer;
  if (_NSGetExecutablePath(buffer, &size) == 0) return std::string(buffer);
#endif
  return argv0 == nullptr ? std::string() : std::string(argv0);
}

std::string JoinPath(absl::string_view dir, absl::string_view name) {
  if (dir.empty()) dir = ".";  // an empty PATH entry means the current directory
  if (dir.back() == '/') return absl::StrCat(dir, name);
  return absl::StrCat(dir, "/", name);
}

bool HasDirectory(absl::string_view name) { return name.find('/') != absl::string_view::npos; }

void WriteStderr(absl::string_view bytes) { WriteFd(STDERR_FILENO, bytes); }

void WriteStdout(absl::string_view bytes) { WriteFd(STDOUT_FILENO, bytes); }

ErrorOr<std::unique_ptr<LogOutput>> OpenLogFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(errno);
  return std::unique_ptr<LogOutput>(new FdLogOutput(fd, true));
}

std::unique_ptr<LogOutput> StderrLogOutput() {
  return std::unique_ptr<LogOutput>(new FdLogOutput(STDERR_FILENO, false));
}

int Exec(const char* program, char* const* argv) {
  ::execvp(program, argv);
  return errno;
}

std::string ErrorText(int error) { return ::strerror(error); }

bool IsNotFound(int error) { return error == ENOENT || error == ENOTDIR; }

}  // namespace rustc_shim
