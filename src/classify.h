// Classification: which way one rustc invocation goes. A pure function of its
// arguments and the policy; everything about rustc's option grammar lives here.
#ifndef RUSTC_SHIM_CLASSIFY_H_
#define RUSTC_SHIM_CLASSIFY_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace re2 {
class RE2;
}

namespace rustc_shim {

// Where an invocation goes: the compiler itself, or sccache in front of it.
enum class Route { kDirect, kCache };

// The rule that decided a route. Its order here is the order of precedence.
enum class Rule {
  kModeDirect,    // SHIM_MODE=direct
  kModeCache,     // SHIM_MODE=cache
  kArgfileError,  // an @argfile could not be read; rustc reports it
  kCoverage,      // -C / -Z instrument-coverage, on
  kProfiling,     // -C profile-generate, -Z profile
  kProfileUse,    // -C profile-use, -C profile-sample-use: the profile stays untouched
  kIncremental,   // -C incremental=DIR
  kProbe,         // -vV, -V, --version, --print, `-` input, --help, --explain
  kArgfileSccache,  // an @argfile that sccache 0.17+ would read otherwise, or not fit expanded
  kUnsupported,   // a compiler no sccache takes (a driver whose -vV is not rustc's)
  kBypass,        // SHIM_BYPASS matched the command line
  kDefault,       // none of the above: cacheable
};

// How SHIM_MODE asks the rules to be applied.
enum class Mode { kAuto, kDirect, kCache };

// What SHIM_MODE and SHIM_BYPASS ask for. `bypass` may be null (unset or invalid).
struct Policy {
  Mode mode = Mode::kAuto;
  const re2::RE2* bypass = nullptr;
};

// The outcome: a route, the rule behind it, and where on the command line the
// deciding option stood (`index` into the classified arguments, -1 if none).
struct Decision {
  Route route = Route::kCache;
  Rule rule = Rule::kDefault;
  int index = -1;
  std::string option;  // the deciding option as spelled, e.g. "-C instrument-coverage"
};

// Classifies the compiler's arguments (after argfile expansion, compiler excluded).
// `compiler` is only used to build the command line that SHIM_BYPASS sees.
// `argfile_problem`, when not empty, says why sccache must not expand this
// command line's argfiles (SccacheReadsOtherwise, TooLongToExpand in
// argfile.h); it routes direct, after the flags that do.
Decision Classify(absl::string_view compiler, absl::Span<const absl::string_view> args,
                  const Policy& policy, absl::string_view argfile_problem = {});

// The file the compile writes its dep-info to, when the arguments say it
// unambiguously: `--emit dep-info=PATH`, else with `dep-info` among the
// emitted kinds, OUT_DIR/CRATE_NAMEEXTRA.d from `--out-dir`, `--crate-name`
// and `-C extra-filename`, as cargo passes them (the last `dep-info` kind
// decides the path; rustc refuses a second --crate-name or --out-dir).
// nullopt without dep-info, with `-o`, or without an out-dir or crate name.
// Source: rustc_session/src/config.rs (OutputFilenames, --emit).
std::optional<std::string> DepInfoPath(absl::Span<const absl::string_view> args);

// What SHIM_MODE decides before any rule: direct or cache for `direct` and
// `cache`, nullopt for `auto`. Shared by Classify and ClassifyC.
std::optional<Decision> ModeDecision(const Policy& policy);

// Direct (rule kBypass) when SHIM_BYPASS matches `compiler` and `args`
// joined by single spaces, else nullopt. Shared by Classify and ClassifyC.
std::optional<Decision> BypassDecision(absl::string_view compiler,
                                       absl::Span<const absl::string_view> args,
                                       const Policy& policy);

// A path's file stem as Rust's Path::file_stem gives it (the last component,
// after `/` or a backslash, without its last extension), lower-cased, as
// sccache compares compiler names (is_rustc_like).
std::string CompilerStem(absl::string_view path);

// Which compiler family a command line is for. Told apart as sccache tells
// them by name (src/compiler/compiler.rs, detect_compiler and is_rustc_like,
// the same in 0.4 and 0.19): kRust when the compiler's file stem is `rustc` or
// `clippy-driver` (any case, `.exe` or not), or, with `cargo_set` (CARGO in
// the environment), when the first argument's is (a workspace wrapper such as
// cargo-auditable: `WRAPPER rustc ARGS...`). A compiler under another name is
// kRustDriver when its arguments are rustc's (`--crate-name`, `--crate-type`,
// `--edition`, `--emit`, `--print`, `--cfg`, `--codegen`, `--extern`, ...,
// `-vV`, `-Cfoo`, `-Zfoo`), as a rustc driver under its own name gets from
// cargo; sccache takes such a driver for rustc only when its `-vV` says so
// (detect.h). Everything else is kC: what cc-rs runs, a C or C++ compiler,
// which sccache detects by running it.
enum class CompilerKind { kRust, kRustDriver, kC };
CompilerKind KindOf(absl::string_view compiler, absl::Span<const absl::string_view> args,
                    bool cargo_set);

// Parses a SHIM_MODE value; returns false for a value that names no mode.
bool ParseMode(absl::string_view text, Mode* mode);

// "direct" or "cache".
absl::string_view RouteName(Route route);

// A short stable name for a rule, as used in logs and --explain ("coverage", ...).
absl::string_view RuleName(Rule rule);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_CLASSIFY_H_
