// The operating-system seam: environment, files, the log's output, process
// launch. platform_posix.cc implements it for Linux and macOS; meson.build picks
// the implementation, so no other file carries platform #ifdefs.
#ifndef RUSTC_SHIM_PLATFORM_H_
#define RUSTC_SHIM_PLATFORM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "argfile.h"
#include "error_or.h"

namespace rustc_shim {

// The separator between PATH entries: ':' on POSIX.
extern const char kPathListSeparator;

// The program's arguments as UTF-8, null-terminated: argv itself on POSIX;
// on Windows, the UTF-16 command line split by the C runtime's rules.
std::vector<char*> CommandLineArgs(int argc, char** argv);

// File name extensions that make a file executable when a program is looked
// up by name: {""} on POSIX, PATHEXT's on Windows.
std::vector<std::string> ExecutableExtensions();

// The value of an environment variable, or nullopt when it is not set.
std::optional<absl::string_view> GetEnv(const char* name);

// GetEnv as an owned string: the shape of cargo_config.h's GetEnvFunction.
inline std::optional<std::string> GetEnvString(const char* name) {
  std::optional<absl::string_view> value = GetEnv(name);
  return value ? std::optional<std::string>(std::string(*value)) : std::nullopt;
}

// Reads a whole file into memory.
ErrorOr<std::string> ReadFile(const std::string& path);

// True when `path` is a regular file this process may execute.
bool IsExecutableFile(const std::string& path);

// True when both paths name the same file (after links), by identity, not name.
bool SameFile(const std::string& a, const std::string& b);

// Makes the directory `path` and any missing parents. Returns an empty string
// on success (also when it exists already), else why not.
std::string MakeDirectories(const std::string& path);

// Makes `bytes` the whole content of `path`: written to a new file beside it
// (beside the file a symbolic link names, so the link stays one), with the old
// file's permissions, then renamed over it, so that nobody ever reads half of
// it. Returns an empty string on success, else why not.
std::string WriteWholeFile(const std::string& path, absl::string_view bytes);

// Makes `alias` start `target` (an absolute path): on POSIX a symbolic link
// to it, so an upgraded `target` is followed; on Windows a hard link, else a
// copy. Whatever was at `alias` is replaced by renaming the new one over it.
// Returns what was made ("symbolic link", "hard link", "copy"), or why not.
ErrorOr<std::string> MakeAlias(const std::string& target, const std::string& alias);

// The current working directory.
std::string CurrentDirectory();

// The path of the running executable, or argv0 when the system cannot say.
std::string SelfPath(const char* argv0);

// A path that names the running executable to SameFile: /proc/self/exe on
// Linux (one stat instead of a readlink and a stat), else SelfPath(argv0).
std::string SelfIdentity(const char* argv0);

// `dir` and `name` joined with the platform's separator.
std::string JoinPath(absl::string_view dir, absl::string_view name);

// True when `name` has a directory part, so it is used as a path and not
// looked up on PATH.
bool HasDirectory(absl::string_view name);

// Writes all of `bytes` to standard error, ignoring failures.
void WriteStderr(absl::string_view bytes);

// Writes all of `bytes` to standard output (only for the shim's own commands).
void WriteStdout(absl::string_view bytes);

// A destination for log records that writes each record with a single system
// call in append mode, so lines from parallel processes never interleave.
class LogOutput {
 public:
  virtual ~LogOutput() = default;
  // Appends one whole record.
  virtual void Write(absl::string_view record) = 0;
};

// Opens `path` for appending, creating it if needed.
ErrorOr<std::unique_ptr<LogOutput>> OpenLogFile(const std::string& path);

// The process's standard error as a log output.
std::unique_ptr<LogOutput> StderrLogOutput();

// Changes to this process's environment for a program it runs: variables
// left out, and "NAME=value" entries added.
struct EnvChanges {
  absl::Span<const char* const> drop;
  absl::Span<const char* const> add;
};

// Replaces this process with `program` run with `argv` (null-terminated),
// searching PATH when `program` has no directory part (on Windows: runs it,
// waits and exits with its status). Returns only on failure, with the
// errno-style error code.
int Exec(const char* program, char* const* argv);

// How a child process ended.
struct ChildStatus {
  bool started = false;
  int start_error = 0;  // errno-style, when !started
  bool exited = false;  // exited normally with `code`; else killed by `signal`
  int code = 0;
  int signal = 0;
  // A signal this process got while it waited and passed on to the child
  // (POSIX: INT, TERM, HUP or QUIT), else 0.
  int passed_signal = 0;
};

// Runs `program` (a path) with `argv` (null-terminated) and this process's
// environment changed by `env`, and waits for it. stdin and
// every inherited descriptor are shared; its stderr reaches `on_stderr` piece
// by piece as it is written, and so does its stdout through `on_stdout` when
// one is given (else stdout is shared too). Signals that would end this
// process (INT, TERM, HUP, QUIT) are passed on to the child meanwhile.
ChildStatus RunChild(const char* program, char* const* argv, const EnvChanges& env,
                     const std::function<void(absl::string_view)>& on_stderr,
                     const std::function<void(absl::string_view)>* on_stdout = nullptr);

// What RunProbe saw: whether the program started (else `start_error`),
// whether it ran past the time limit and was killed, how it ended, and the
// first bytes of its stdout (at most 4 KiB).
struct ProbeResult {
  bool started = false;
  int start_error = 0;
  bool timed_out = false;
  bool exited = false;  // exited normally with `code`
  int code = 0;
  std::string out;
};

// Runs `program` with `argv` (null-terminated) to ask it something: stdin
// from the null device, stderr dropped, stdout kept, the environment
// inherited, and killed after `timeout_ms` milliseconds. No signal is passed
// on (a Ctrl-C ends the probe and this process alike, as they share the
// terminal's process group).
ProbeResult RunProbe(const char* program, char* const* argv, int timeout_ms);

// Ends this process the way `status` says the child ended: the same exit
// code, or death by the same signal.
[[noreturn]] void ExitLike(const ChildStatus& status);

// The command-line limit of this system (argfile.h), with what this process's
// environment already takes of it.
CommandLineLimit SystemCommandLineLimit();

// A message for an error code returned by Exec.
std::string ErrorText(int error);

// True when the error code from Exec means the program does not exist.
bool IsNotFound(int error);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_PLATFORM_H_
