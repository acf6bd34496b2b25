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

// Splits text into words like a POSIX shell without expansions (quotes,
// backslashes, # comments); nullopt on an unclosed quote or a trailing backslash.
std::optional<std::vector<std::string>> ShellSplit(absl::string_view text);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_ARGFILE_H_
