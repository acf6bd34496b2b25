// Argument files: `@path` and `@shell:path` expanded exactly as rustc does.
#ifndef RUSTC_SHIM_ARGFILE_H_
#define RUSTC_SHIM_ARGFILE_H_

#include <functional>
#include <list>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "error_or.h"

namespace rustc_shim {

// Reads a whole file; the seam that lets tests expand argfiles without a disk.
using ReadFileFn = std::function<ErrorOr<std::string>(const std::string& path)>;

// Where an expanded argument came from.
struct Origin {
  int arg = 0;   // index among the arguments given to Expand
  int line = 0;  // 1-based argument number inside that argfile; 0 if not from one
};

// The arguments one argfile expanded to: args[first, first + count) came from
// the argument at index `arg`.
struct Segment {
  int first = 0;
  int count = 0;
  int arg = 0;
  bool shell = false;  // an `@shell:` file, split shell-style
};

// The arguments rustc will see. `args` point into the caller's strings or into
// `storage`, so an Expanded must outlive every view taken from it.
struct Expanded {
  std::vector<absl::string_view> args;
  std::vector<Segment> segments;  // one per expanded argfile, in order
  // Set when an argfile could not be read or split: rustc will report it.
  std::optional<int> failed_arg;
  std::string error;
  // A list: it allocates nothing while empty, the common case, and its
  // strings never move.
  std::list<std::string> storage;
};

// Expands every `@path` argument into the file's lines (one argument each, split
// at \n or \r\n, no trimming, not recursive, relative to the current directory),
// and `@shell:path` into shell-style words once `-Zshell-argfiles` came earlier.
// Files must be UTF-8, as rustc requires.
Expanded ExpandArgfiles(absl::Span<const absl::string_view> args, const ReadFileFn& read_file);

// Where args[index] of an expansion came from.
Origin OriginOf(const Expanded& expanded, int index);

// Why sccache 0.17 and newer would read the expanded argfiles otherwise than
// rustc, or "" when it reads them alike. sccache expands `@path` itself (PR
// #2782, src/compiler/rust.rs): it trims each line, drops blank ones, expands
// a line that starts with `@` again, and knows no `@shell:`; rustc keeps every
// line as it is (compiler/rustc_driver_impl/src/args.rs). So an argfile with
// an empty line, a line with white space (Rust's char::is_whitespace) at
// either end, a line that starts with `@`, or shell-style splitting differs.
std::string SccacheReadsOtherwise(const Expanded& expanded,
                                  absl::Span<const absl::string_view> raw_args);

// The most a program's command line may hold, as the system counts it.
struct CommandLineLimit {
  // POSIX: bytes of arguments (each with its NUL and pointer) and environment
  // together (sysconf(_SC_ARG_MAX)). Windows: UTF-16 characters of the whole
  // command line, quotes and spaces included (32,767; CreateProcessW).
  size_t total = 0;
  // POSIX: bytes of one argument with its NUL (Linux: MAX_ARG_STRLEN, 128
  // KiB); 0 for no limit of its own.
  size_t one_arg = 0;
  // What the environment already takes of `total` (POSIX), in the same unit.
  size_t taken = 0;
  bool windows = false;  // count as a Windows command line
};

// Why a program run with `compiler` and `args` would not start under `limit`
// ("" when it would): sccache 0.17 and newer run rustc with an argfile's
// expanded arguments, so the command line that made cargo write an argfile
// fails again inside sccache (sccache #2815: E2BIG on Linux, error 206 on
// Windows). Estimated with room to spare (4 KiB, or on Windows a quoted word
// per argument), since sccache's server adds its own environment.
std::string TooLongToExpand(absl::string_view compiler, absl::Span<const absl::string_view> args,
                            const CommandLineLimit& limit);

// Splits text into words like a POSIX shell without expansions (quotes,
// backslashes, # comments); nullopt on an unclosed quote or a trailing backslash.
std::optional<std::vector<std::string>> ShellSplit(absl::string_view text);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_ARGFILE_H_
