#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__APPLE__)
#include <mach-o/dyld.h>
#endif

extern char** environ;

#include <iterator>
#include <utility>
#include <vector>

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

// This process's environment changed by `env`, null-terminated. An added
// entry replaces one of the same name.
std::vector<char*> ChildEnvironment(const EnvChanges& env) {
  // The names to leave out: the dropped ones and those of the added entries,
  // measured once, since this runs on every cached compile.
  std::vector<absl::string_view> prefixes;
  prefixes.reserve(env.drop.size() + env.add.size());
  for (const char* name : env.drop) prefixes.push_back(name);
  for (const char* entry : env.add) {
    prefixes.push_back(absl::string_view(entry, ::strcspn(entry, "=")));
  }
  size_t count = 0;
  while (environ[count] != nullptr) ++count;
  std::vector<char*> envp;
  envp.reserve(count + env.add.size() + 1);
  for (char** e = environ; *e != nullptr; ++e) {
    bool drop = false;
    for (absl::string_view name : prefixes) {
      drop = drop || (!name.empty() && (*e)[0] == name[0] &&
                      ::strncmp(*e, name.data(), name.size()) == 0 && (*e)[name.size()] == '=');
    }
    if (!drop) envp.push_back(*e);
  }
  for (const char* entry : env.add) envp.push_back(const_cast<char*>(entry));
  envp.push_back(nullptr);
  return envp;
}

}  // namespace

const char kPathListSeparator = ':';

std::vector<char*> CommandLineArgs(int argc, char** argv) {
  return std::vector<char*>(argv, argv + argc + 1);
}

std::vector<std::string> ExecutableExtensions() { return {""}; }

std::optional<absl::string_view> GetEnv(const char* name) {
  const char* value = ::getenv(name);
  if (value == nullptr) return std::nullopt;
  return absl::string_view(value);
}

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

namespace {

// stat(2), remembering the last few answers: the cache route asks about
// sccache's file three times (is it executable, is it this shim, which
// version), and each system call is a measurable part of its cost.
bool Stat(const std::string& path, struct stat* st) {
  struct Entry {
    std::string path;
    struct stat st;
  };
  static Entry entries[4];
  static size_t next = 0;
  for (const Entry& entry : entries) {
    if (!entry.path.empty() && entry.path == path) {
      *st = entry.st;
      return true;
    }
  }
  if (::stat(path.c_str(), st) != 0) return false;
  entries[next] = {path, *st};
  next = (next + 1) % std::size(entries);
  return true;
}

}  // namespace

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  if (!Stat(path, &st) || !S_ISREG(st.st_mode)) return false;
  return ::access(path.c_str(), X_OK) == 0;
}

bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  if (!Stat(a, &sa) || !Stat(b, &sb)) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::string MakeDirectories(const std::string& path) {
  // Each prefix that ends before a `/`, then the whole path.
  for (size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    const std::string dir = path.substr(0, end);
    // Only the whole path's outcome counts: a parent may answer EACCES or
    // EROFS to mkdir and still be there.
    if (!dir.empty()) ::mkdir(dir.c_str(), 0777);
    if (end == std::string::npos) break;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return absl::StrCat(path, ": ", ::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return absl::StrCat(path, ": not a directory");
  return "";
}

std::string WriteWholeFile(const std::string& path, absl::string_view bytes) {
  // Through a symbolic link to the file it names, so that the link stays one.
  std::string target = path;
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) != nullptr) target = resolved;
  // A new file beside the old one, renamed over it once it is whole: a full
  // disk or a reader meanwhile never sees half a file.
  std::string temporary = absl::StrCat(target, ".rustc-shim-XXXXXX");
  int fd = ::mkstemp(temporary.data());
  if (fd < 0) return ::strerror(errno);
  auto fail = [&](int error) {
    ::close(fd);
    ::unlink(temporary.c_str());
    return std::string(::strerror(error));
  };
  struct stat st;
  const mode_t mode = ::stat(target.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644;
  if (::fchmod(fd, mode) != 0) return fail(errno);
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) return fail(errno);
  if (::close(fd) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    return ::strerror(saved);
  }
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    return ::strerror(saved);
  }
  return "";
}

ErrorOr<std::string> MakeAlias(const std::string& target, const std::string& alias) {
  // A new link beside the old one, renamed over it: whoever runs the alias
  // meanwhile finds either the old one or the new one, never none.
  const std::string temporary = absl::StrCat(alias, ".new.", std::to_string(::getpid()));
  ::unlink(temporary.c_str());
  if (::symlink(target.c_str(), temporary.c_str()) != 0) return ErrnoError(errno);
  if (::rename(temporary.c_str(), alias.c_str()) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    return ErrnoError(saved);
  }
  return std::string("symbolic link");
}

std::string CurrentDirectory() {
  char buffer[PATH_MAX];
  return ::getcwd(buffer, sizeof buffer) != nullptr ? std::string(buffer) : std::string(".");
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

std::string SelfIdentity(const char* argv0) {
#if defined(__linux__)
  (void)argv0;
  return "/proc/self/exe";
#else
  return SelfPath(argv0);
#endif
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

namespace {

// The child being waited for, for the signal handlers; and the self-pipe that
// turns SIGCHLD into something poll() can wait on.
volatile sig_atomic_t g_child = 0;
volatile sig_atomic_t g_passed_signal = 0;
int g_sigchld_pipe[2] = {-1, -1};

void PassOn(int signal) {
  int saved = errno;
  if (g_child > 0) {
    g_passed_signal = signal;
    ::kill(g_child, signal);
  }
  errno = saved;
}

void OnChild(int) {
  int saved = errno;
  char byte = 0;
  [[maybe_unused]] ssize_t n = ::write(g_sigchld_pipe[1], &byte, 1);
  errno = saved;
}

void Handle(int signal, void (*handler)(int)) {
  struct sigaction action = {};
  action.sa_handler = handler;
  action.sa_flags = SA_RESTART;
  sigemptyset(&action.sa_mask);
  ::sigaction(signal, &action, nullptr);
}

// A pipe whose ends are closed on exec (pipe2 is not on macOS).
bool MakePipe(int fds[2], bool nonblocking) {
#if defined(__linux__)
  return ::pipe2(fds, O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0)) == 0;
#else
  if (::pipe(fds) != 0) return false;
  for (int i = 0; i < 2; ++i) {
    ::fcntl(fds[i], F_SETFD, FD_CLOEXEC);
    if (nonblocking) ::fcntl(fds[i], F_SETFL, ::fcntl(fds[i], F_GETFL) | O_NONBLOCK);
  }
  return true;
#endif
}

// Starts `program` with `argv` and `envp`, its stderr (and stdout, when
// `out_fd` >= 0) on the given descriptors. Returns the child's pid, or -1 with
// the error in `*error`. vfork and execve rather than posix_spawn: glibc's
// posix_spawn walks every signal's disposition in the child before the exec
// (over a hundred system calls), which execve does by itself for free.
pid_t Spawn(const char* program, char* const* argv, char* const* envp, int err_fd, int out_fd,
            int* error, int in_fd = -1) {
  sigset_t all, old;
  sigfillset(&all);
  // No handler of this process may run in the child, which shares its memory
  // until the exec; signals stay blocked until then.
  ::sigprocmask(SIG_BLOCK, &all, &old);
  volatile int child_error = 0;
  pid_t pid = ::vfork();
  if (pid == 0) {
    // Only system calls from here on: the memory is the parent's. (dup2 onto
    // itself would keep close-on-exec: a pipe can be fd 1 or 2 only when the
    // shim was started with them closed.)
    for (auto [from, to] : {std::pair{err_fd, STDERR_FILENO}, std::pair{out_fd, STDOUT_FILENO},
                            std::pair{in_fd, STDIN_FILENO}}) {
      if (from < 0) continue;
      if ((from == to ? ::fcntl(to, F_SETFD, 0) : ::dup2(from, to)) < 0) {
        child_error = errno;
        ::_exit(127);
      }
    }
    // A handler becomes the default at the exec anyway; the parent's one
    // handler (SIGCHLD's) must not run here before it.
    struct sigaction action = {};
    action.sa_handler = SIG_DFL;
    ::sigaction(SIGCHLD, &action, nullptr);
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    ::execve(program, argv, envp);
    child_error = errno;
    ::_exit(127);
  }
  int saved = errno;
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (pid < 0) {
    *error = saved;
    return -1;
  }
  if (child_error != 0) {
    // The child is gone already: reap it, report why.
    int ignored;
    ::waitpid(pid, &ignored, 0);
    *error = child_error;
    return -1;
  }
  return pid;
}

// Reads what is there without blocking; false at end of file or error.
bool Drain(int fd, const std::function<void(absl::string_view)>& sink) {
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      sink(absl::string_view(buffer, static_cast<size_t>(n)));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
}

}  // namespace

ProbeResult RunProbe(const char* program, char* const* argv, int timeout_ms) {
  ProbeResult result;
  int out_pipe[2];
  const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int null_out = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (null_in < 0 || null_out < 0 || !MakePipe(out_pipe, true)) {
    result.start_error = errno;
    if (null_in >= 0) ::close(null_in);
    if (null_out >= 0) ::close(null_out);
    return result;
  }
  int error = 0;
  pid_t pid = Spawn(program, argv, environ, null_out, out_pipe[1], &error, null_in);
  ::close(null_in);
  ::close(null_out);
  ::close(out_pipe[1]);
  if (pid < 0) {
    ::close(out_pipe[0]);
    result.start_error = error;
    return result;
  }
  result.started = true;
  struct timespec start;
  ::clock_gettime(CLOCK_MONOTONIC, &start);
  auto elapsed_ms = [&start] {
    struct timespec now;
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
  };
  // Read until the child is gone (a grandchild may keep the pipe open) or
  // the time is up.
  const std::function<void(absl::string_view)> keep = [&result](absl::string_view bytes) {
    if (result.out.size() < 4096) {
      absl::string_view kept = bytes.substr(0, 4096 - result.out.size());
      result.out.append(kept.data(), kept.size());
    }
  };
  bool open = true;
  int wait_status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &wait_status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) break;
    if (elapsed_ms() >= timeout_ms) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &wait_status, 0);
      result.timed_out = true;
      break;
    }
    struct pollfd fd = {open ? out_pipe[0] : -1, POLLIN, 0};
    ::poll(&fd, 1, 10);
    if (open && fd.revents != 0) open = Drain(out_pipe[0], keep);
  }
  if (open) Drain(out_pipe[0], keep);
  ::close(out_pipe[0]);
  if (!result.timed_out && WIFEXITED(wait_status)) {
    result.exited = true;
    result.code = WEXITSTATUS(wait_status);
  }
  return result;
}

ChildStatus RunChild(const char* program, char* const* argv, const EnvChanges& env,
                     const std::function<void(absl::string_view)>& on_stderr,
                     const std::function<void(absl::string_view)>* on_stdout) {
  ChildStatus status;
  std::vector<char*> envp = ChildEnvironment(env);

  int err_pipe[2], out_pipe[2] = {-1, -1};
  if (!MakePipe(err_pipe, false) || (on_stdout != nullptr && !MakePipe(out_pipe, false)) ||
      !MakePipe(g_sigchld_pipe, true)) {
    status.start_error = errno;
    return status;
  }
  Handle(SIGCHLD, OnChild);
  int error = 0;
  pid_t pid = Spawn(program, argv, envp.data(), err_pipe[1], out_pipe[1], &error);
  ::close(err_pipe[1]);
  if (on_stdout != nullptr) ::close(out_pipe[1]);
  if (pid < 0) {
    ::close(err_pipe[0]);
    if (on_stdout != nullptr) ::close(out_pipe[0]);
    status.start_error = error;
    return status;
  }
  status.started = true;
  g_passed_signal = 0;
  g_child = pid;
  // A signal this process was started ignoring (a background job's SIGINT)
  // stays ignored, as it is for the child.
  std::vector<int> passed_on;
  for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    struct sigaction current;
    if (::sigaction(signal, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) continue;
    Handle(signal, PassOn);
    passed_on.push_back(signal);
  }

  // Read the pipes until the child is gone. A grandchild (sccache starting
  // its server) may keep them open long after, so the child's exit, not the
  // end of the pipes, ends the wait.
  struct Stream {
    int fd;
    const std::function<void(absl::string_view)>* sink;
    bool open;
  };
  std::vector<Stream> streams = {{err_pipe[0], &on_stderr, true}};
  if (on_stdout != nullptr) streams.push_back({out_pipe[0], on_stdout, true});
  for (Stream& stream : streams) {
    ::fcntl(stream.fd, F_SETFL, ::fcntl(stream.fd, F_GETFL) | O_NONBLOCK);
  }
  int wait_status = 0;
  for (;;) {
    pid_t done = ::waitpid(pid, &wait_status, WNOHANG);
    if (done == pid) {
      g_child = 0;  // reaped: its pid may be anyone's now
      break;
    }
    if (done < 0 && errno != EINTR) break;
    std::vector<struct pollfd> fds = {{g_sigchld_pipe[0], POLLIN, 0}};
    for (const Stream& stream : streams) fds.push_back({stream.open ? stream.fd : -1, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      char sink[64];
      while (::read(g_sigchld_pipe[0], sink, sizeof sink) > 0) {
      }
    }
    for (size_t i = 0; i < streams.size(); ++i) {
      if (streams[i].open && fds[i + 1].revents != 0) {
        streams[i].open = Drain(streams[i].fd, *streams[i].sink);
      }
    }
  }
  for (Stream& stream : streams) {
    if (stream.open) Drain(stream.fd, *stream.sink);
    ::close(stream.fd);
  }
  g_child = 0;
  for (int signal : passed_on) Handle(signal, SIG_DFL);
  status.passed_signal = g_passed_signal;
  Handle(SIGCHLD, SIG_DFL);
  ::close(g_sigchld_pipe[0]);
  ::close(g_sigchld_pipe[1]);

  if (WIFEXITED(wait_status)) {
    status.exited = true;
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
  }
  return status;
}

void ExitLike(const ChildStatus& status) {
  if (!status.exited && status.signal != 0) {
    // Die of the same signal, so that cargo sees what happened to the compile.
    Handle(status.signal, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, status.signal);
    ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(status.signal);
  }
  ::_exit(status.exited ? status.code : 1);
}

int Exec(const char* program, char* const* argv) {
  ::execvp(program, argv);
  return errno;
}

CommandLineLimit SystemCommandLineLimit() {
  CommandLineLimit limit;
  const long arg_max = ::sysconf(_SC_ARG_MAX);
  limit.total = arg_max > 0 ? static_cast<size_t>(arg_max) : size_t{131072};
#if defined(__linux__)
  // MAX_ARG_STRLEN: 32 pages (include/uapi/linux/binfmts.h).
  const long page = ::sysconf(_SC_PAGESIZE);
  limit.one_arg = 32 * static_cast<size_t>(page > 0 ? page : 4096);
#endif
  for (char** entry = environ; *entry != nullptr; ++entry) {
    limit.taken += std::strlen(*entry) + 1 + sizeof(char*);
  }
  return limit;
}

std::string ErrorText(int error) { return ::strerror(error); }

bool IsNotFound(int error) { return error == ENOENT || error == ENOTDIR; }

}  // namespace rustc_shim
