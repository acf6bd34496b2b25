// `rustc-shim --init [--global] [--check] [--replace]`: sets build.rustc-wrapper
// in cargo's configuration once, so nobody edits TOML by hand. The wrapper it
// writes is an alias of rustc-shim named `sccache` under CARGO_HOME: cargo
// hands build scripts the configured wrapper as RUSTC_WRAPPER, and cc-rs (the
// `cc` crate, 1.0.51 to 1.12.0: rustc_wrapper_fallback in src/lib.rs) uses it
// for C/C++ compiles only when its file stem is `sccache`.
// The file is edited as text: toml++ only says where things are, so comments,
// formatting and line endings stay as they were.
#ifndef RUSTC_SHIM_INIT_H_
#define RUSTC_SHIM_INIT_H_

#include <functional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace rustc_shim {

// What SetRustcWrapper found and did.
enum class EditOutcome {
  kUnchanged,     // build.rustc-wrapper is the wrapper already
  kChanged,       // `text` holds the file with the wrapper set
  kOtherWrapper,  // it names another program: replace only when asked to
  kEmptyWrapper,  // it is empty (the wrapper turned off): replace only when asked to
  kCannotEdit,    // no safe text edit (an inline `build = {...}`, a value that is no string)
  kNotToml,       // the text does not parse as TOML
};

// The outcome of SetRustcWrapper, with the lines a report shows.
struct ConfigEdit {
  EditOutcome outcome = EditOutcome::kCannotEdit;
  std::string text;           // kChanged: the whole new file
  std::string old_lines;      // the line(s) that held the old value, if any (no line ending)
  std::string new_lines;      // kChanged: the line(s) written (no line ending)
  std::string current_value;  // the value found, when there is one
  std::string message;        // kCannotEdit, kNotToml: why, for the user
};

// `value` as a TOML string: a literal string '...' unless it holds a `'` or
// a control character, else a basic string "..." with escapes.
std::string TomlString(absl::string_view value);

// Sets build.rustc-wrapper to `wrapper` in the configuration file `text`
// (empty for a new file) by editing the text: the existing value replaced
// (a [build] table or a dotted key, any string form), else a line added after
// the `[build]` header, else a `[build]` table appended. A value that is not
// `wrapper` is kept unless `names_this_shim(value)` says it is rustc-shim
// by another name, or `replace`. The result is parsed again and must differ
// from `text` in that one key only, else kCannotEdit. Pure: no I/O.
ConfigEdit SetRustcWrapper(absl::string_view text, absl::string_view wrapper,
                           const std::function<bool(const std::string&)>& names_this_shim,
                           bool replace);

// The alias --init makes under `cargo_home`: rustc-shim/sccache (.exe when
// `windows`).
std::string AliasPath(const std::string& cargo_home, bool windows);

// True when `path` runs this rustc-shim (`self`, its real path): the same file
// after links, or the alias `alias` holding the same bytes (a Windows copy).
bool IsThisShim(const std::string& path, const std::string& self, const std::string& alias);

// Runs `rustc-shim --init` with the options after it (`args`). The report goes
// to stdout, refusals and errors to stderr. Returns 0 when the configuration
// is set (or, with --check, would not change); 1 when it would change (with
// --check), was refused, or could not be read or written (cargo cannot tell
// the project, a file or the alias cannot be made); 2 for a usage error.
int Init(const char* argv0, absl::Span<char* const> args);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_INIT_H_
