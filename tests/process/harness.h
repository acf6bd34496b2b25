// Runs the built rustc-shim as a child process with a chosen environment and
// reads back what the fake tools recorded. Shared by the process tests.
#ifndef RUSTC_SHIM_TESTS_PROCESS_HARNESS_H_
#define RUSTC_SHIM_TESTS_PROCESS_HARNESS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hex.h"

namespace rustc_shim::testing {

// What one child run produced.
struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  int pid = 0;
  std::string out;
  std::string err;
};

// One entry the fake tool appended to the record file.
struct Record {
  std::string tool;  // "compiler" or "sccache"
  int pid = 0;
  int ppid = 0;
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
  std::map<int, bool> fds;
};

// A private directory with bin/rustc and bin/sccache (links to the fake
// tool), a record file, and a clean environment.
class Sandbox {
 public:
  Sandbox();
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::string& dir() const { return dir_; }
  std::string bin() const { return dir_ + "/bin"; }
  std::string compiler() const { return dir_ + "/bin/rustc"; }
  std::string sccache() const { return dir_ + "/bin/sccache"; }

  // Environment the shim starts with: PATH=bin and FAKE_RECORD.
  std::map<std::string, std::string> env;

  // Runs the shim with `args` (argv[1..]); `keep_fds` stay open in the child.
  RunResult Run(const std::vector<std::string>& args, const std::string& input = "",
                const std::vector<int>& keep_fds = {}) const;

  // Runs an arbitrary program the same way.
  RunResult RunProgram(const std::string& program, const std::vector<std::string>& args,
                       const std::string& input = "", const std::vector<int>& keep_fds = {}) const;

  std::vector<Record> Records() const;
  void Write(const std::string& name, const std::string& contents) const;
  std::string Read(const std::string& name) const;

 private:
  std::string dir_;
};

// Paths handed in by meson through the environment.
std::string ShimPath();
std::string FakeToolPath();

}  // namespace rustc_shim::testing

#endif  // RUSTC_SHIM_TESTS_PROCESS_HARNESS_H_
