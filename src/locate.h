// Finding sccache: SHIM_SCCACHE or PATH, never the shim itself.
#ifndef RUSTC_SHIM_LOCATE_H_
#define RUSTC_SHIM_LOCATE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace rustc_shim {

// What the search may look at; every file-system question goes through the
// functions, so tests run the search against a made-up PATH.
struct LocateEnv {
  std::optional<std::string> shim_sccache;  // SHIM_SCCACHE, if set and non-empty
  std::string path;                         // PATH
  char list_separator = ':';
  // Tried in turn after a name that has none of them (PATHEXT on Windows);
  // a name that ends in one is tried as it is.
  std::vector<std::string> extensions = {""};
  std::string self;  // this executable, as a path SameFile understands
  std::function<bool(const std::string&)> is_executable;
  std::function<bool(const std::string&, const std::string&)> same_file;
  std::function<std::string(absl::string_view, absl::string_view)> join;
  std::function<bool(absl::string_view)> has_directory;
};

// The outcome of the search: a path to run, or why there is none.
struct Located {
  std::optional<std::string> path;
  std::vector<std::string> skipped_self;  // candidates that were rustc-shim itself
  std::string problem;                    // set when `path` is empty
};

// Resolves `name` as exec would: as a path when it has a directory part, else
// through PATH (and the extensions). With `skipped_self`, candidates that are
// this executable are passed over and recorded there.
std::optional<std::string> FindProgram(absl::string_view name, const LocateEnv& env,
                                       std::vector<std::string>* skipped_self);

// The search as this process sees it: PATH, PATHEXT and file checks from the
// platform, this executable as `self`.
LocateEnv SystemLocateEnv(std::optional<std::string> shim_sccache, const char* argv0);

// Finds sccache: SHIM_SCCACHE as a path (when it has a directory part) or as a
// name looked up on PATH; else `sccache` on PATH. Candidates that are this
// executable are skipped, so a symlink named sccache cannot loop.
Located FindSccache(const LocateEnv& env);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_LOCATE_H_
