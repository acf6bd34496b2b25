// A stand-in for rustc and sccache in the process tests. It appends what it
// was given (argv, pid, environment, open descriptors) to $FAKE_RECORD, writes
// chosen bytes to stdout and stderr, and ends the way it is told to. Named
// `sccache` (by its file name), it then runs its arguments, as sccache would.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <string>

#include "hex.h"

extern char** environ;

namespace {

// Values of FAKE_STDOUT / FAKE_STDERR are hex, so tests can ask for any bytes.
using rustc_shim::testing::Hex;
using rustc_shim::testing::Unhex;

void WriteAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

const char* Base(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

}  // namespace

int main(int argc, char** argv) {
  const bool is_sccache = strncmp(Base(argv[0]), "sccache", 7) == 0;
  const char* prefix = is_sccache ? "FAKE_SCCACHE_" : "FAKE_";
  auto option = [&](const char* name) { return getenv((std::string(prefix) + name).c_str()); };

  if (const char* record = getenv("FAKE_RECORD")) {
    std::string r = std::string("tool ") + (is_sccache ? "sccache" : "compiler") + "\n";
    r += "pid " + std::to_string(getpid()) + "\n";
    r += "ppid " + std::to_string(getppid()) + "\n";
    for (int i = 0; i < argc; ++i) r += "arg " + Hex(argv[i]) + "\n";
    for (char** e = environ; *e; ++e) r += "env " + Hex(*e) + "\n";
    if (const char* fds = getenv("FAKE_CHECK_FDS")) {
      // A comma-separated list of descriptors to report as open or closed.
      std::string list = fds;
      size_t start = 0;
      while (start < list.size()) {
        size_t comma = list.find(',', start);
        std::string item = list.substr(start, comma - start);
        int fd = atoi(item.c_str());
        r += "fd " + item + (fcntl(fd, F_GETFD) != -1 ? " open\n" : " closed\n");
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    }
    r += "end\n";
    int fd = open(record, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd >= 0) {
      WriteAll(fd, r);
      close(fd);
    }
  }

  if (is_sccache && !getenv("FAKE_SCCACHE_EXIT")) {
    // Behave like a wrapper: run the compiler with the remaining arguments.
    if (argc < 2) return 2;
    execvp(argv[1], argv + 1);
    perror("fake sccache: exec");
    return 2;
  }

  if (!is_sccache) {
    // A dep-info file at $FAKE_DEPINFO, recording a compile-time read of each
    // variable named in $FAKE_READS (comma-separated), as rustc writes one:
    // `# env-dep:NAME=VALUE` when set, `# env-dep:NAME` when not.
    if (const char* path = getenv("FAKE_DEPINFO")) {
      std::string text = std::string(path) + ": src/lib.rs\n\nsrc/lib.rs:\n\n";
      std::string reads = getenv("FAKE_READS") ? getenv("FAKE_READS") : "";
      size_t start = 0;
      while (start < reads.size()) {
        size_t comma = reads.find(',', start);
        std::string name = reads.substr(start, comma - start);
        const char* value = getenv(name.c_str());
        text += "# env-dep:" + name + (value ? std::string("=") + value : "") + "\n";
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT, 0644);
      if (fd >= 0) {
        WriteAll(fd, text);
        close(fd);
      }
    }
  }
  if (const char* out = option("STDOUT")) WriteAll(1, Unhex(out));
  if (const char* err = option("STDERR")) WriteAll(2, Unhex(err));
  // Waits (up to 10 s) until the file named by AWAIT_FILE holds the bytes
  // AWAIT_TEXT (hex): what was written so far has reached whoever reads the
  // shim's stderr. Otherwise says so and ends with 99.
  if (const char* await_file = option("AWAIT_FILE")) {
    const std::string text = Unhex(option("AWAIT_TEXT") ? option("AWAIT_TEXT") : "");
    bool seen = false;
    for (int i = 0; i < 1000 && !seen; ++i) {
      std::string contents;
      int fd = open(await_file, O_RDONLY);
      if (fd >= 0) {
        char buffer[4096];
        ssize_t n;
        while ((n = read(fd, buffer, sizeof buffer)) > 0) contents.append(buffer, n);
        close(fd);
      }
      seen = contents.find(text) != std::string::npos;
      if (!seen) usleep(10000);
    }
    if (!seen) {
      WriteAll(2, "fake: not seen in time\n");
      return 99;
    }
  }
  if (option("ECHO_STDIN")) {
    char buffer[4096];
    ssize_t n;
    while ((n = read(0, buffer, sizeof buffer)) > 0) {
      WriteAll(1, std::string(buffer, static_cast<size_t>(n)));
    }
  }
  if (const char* ms = option("SLEEP_MS")) usleep(static_cast<useconds_t>(atoi(ms)) * 1000);
  if (const char* sig = option("SIGNAL")) {
    signal(atoi(sig), SIG_DFL);
    raise(atoi(sig));
  }
  if (const char* code = option("EXIT")) return atoi(code);
  return 0;
}
