#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "hex.h"

namespace rustc_shim::testing {
namespace {

std::string RequireEnv(const char* name) {
  const char* value = getenv(name);
  if (value == nullptr) throw std::runtime_error(std::string(name) + " is not set");
  return value;
}

}  // namespace

std::string ShimPath() { return RequireEnv("SHIM_EXE"); }
std::string FakeToolPath() { return RequireEnv("FAKE_TOOL"); }

Sandbox::Sandbox() {
  std::string tmpl = "/tmp/shim-process-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  mkdir((dir_ + "/bin").c_str(), 0755);
  symlink(FakeToolPath().c_str(), compiler().c_str());
  symlink(FakeToolPath().c_str(), sccache().c_str());
  // Only the fakes: the real sccache in /usr/bin must never be found.
  env["PATH"] = bin();
  env["FAKE_RECORD"] = dir_ + "/record";
}

Sandbox::~Sandbox() {
  std::string command = "rm -rf '" + dir_ + "'";
  if (system(command.c_str()) != 0) {
    // Leaving a temporary directory behind is not worth failing a test for.
  }
}

RunResult Sandbox::Run(const std::vector<std::string>& args, const std::string& input,
                       const std::vector<int>& keep_fds) const {
  return RunProgram(ShimPath(), args, input, keep_fds);
}

RunResult Sandbox::RunProgram(const std::string& program, const std::vector<std::string>& args,
                              const std::string& input, const std::vector<int>& keep_fds) const {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> argv_storage = {program};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (const auto& [k, v] : env) env_storage.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (std::string& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    for (int fd : keep_fds) {
      int flags = fcntl(fd, F_GETFD);
      if (flags != -1) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
    }
    execve(program.c_str(), argv.data(), envp.data());
    _exit(111);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);

  RunResult result;
  result.pid = pid;
  size_t written = 0;
  if (input.empty()) {
    close(in[1]);
    in[1] = -1;
  } else {
    // Never block on a full stdin pipe while the child waits for us to drain
    // its stdout.
    fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
  }
  signal(SIGPIPE, SIG_IGN);
  bool out_open = true, err_open = true;
  while (out_open || err_open || in[1] >= 0) {
    struct pollfd fds[3];
    int n = 0;
    if (out_open) fds[n++] = {out[0], POLLIN, 0};
    if (err_open) fds[n++] = {err[0], POLLIN, 0};
    if (in[1] >= 0) fds[n++] = {in[1], POLLOUT, 0};
    if (poll(fds, n, 30000) <= 0) break;
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in[1]) {
        ssize_t w = write(in[1], input.data() + written, input.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if ((w < 0 && errno != EAGAIN) || written == input.size()) {
          close(in[1]);
          in[1] = -1;
        }
        continue;
      }
      char buffer[65536];
      ssize_t r = read(fds[i].fd, buffer, sizeof buffer);
      if (r <= 0) {
        (fds[i].fd == out[0] ? out_open : err_open) = false;
      } else {
        (fds[i].fd == out[0] ? result.out : result.err).append(buffer, r);
      }
    }
  }
  close(out[0]);
  close(err[0]);
  if (in[1] >= 0) close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::vector<Record> Sandbox::Records() const {
  std::vector<Record> records;
  std::ifstream in(dir_ + "/record");
  std::string line;
  Record current;
  while (std::getline(in, line)) {
    std::string key = line.substr(0, line.find(' '));
    std::string value = line.size() > key.size() ? line.substr(key.size() + 1) : "";
    if (key == "tool") {
      current = Record{};
      current.tool = value;
    } else if (key == "pid") {
      current.pid = std::stoi(value);
    } else if (key == "ppid") {
      current.ppid = std::stoi(value);
    } else if (key == "arg") {
      current.argv.push_back(Unhex(value));
    } else if (key == "env") {
      std::string entry = Unhex(value);
      size_t eq = entry.find('=');
      current.env[entry.substr(0, eq)] = entry.substr(eq + 1);
    } else if (key == "fd") {
      std::istringstream s(value);
      int fd;
      std::string state;
      s >> fd >> state;
      current.fds[fd] = state == "open";
    } else if (key == "end") {
      records.push_back(current);
    }
  }
  return records;
}

void Sandbox::Write(const std::string& name, const std::string& contents) const {
  std::ofstream(dir_ + "/" + name, std::ios::binary) << contents;
}

std::string Sandbox::Read(const std::string& name) const {
  std::ifstream in(dir_ + "/" + name, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace rustc_shim::testing
