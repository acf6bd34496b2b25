#include "classify.h"

#include <cstring>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "re2/re2.h"

namespace rustc_shim {
namespace {

// Short options of rustc that take a value; in a cluster such as `-gCfoo` the
// value starts right after the letter, or is the next argument.
constexpr absl::string_view kShortWithValue = "CZLloAWDF";

// Long options of rustc (`rustc --help -v`, plus -Z-gated ones) that take a
// value, as `--name=value` or `--name value`. Knowing them keeps a value such as
// `--cfg -Cfoo` from being read as an option.
bool LongTakesValue(absl::string_view name) {
  static constexpr absl::string_view kNames[] = {
      "allow",
      "cap-lints",
      "cfg",
      "check-cfg",
      "codegen",
      "color",
      "crate-name",
      "crate-type",
      "deny",
      "diagnostic-width",
      "edition",
      "emit",
      "env-set",
      "error-format",
      "explain",
      "extern",
      "forbid",
      "force-warn",
      "json",
      "out-dir",
      "print",
      "remap-path-prefix",
      "remap-path-scope",
      "sysroot",
      "target",
      "warn",
  };
  for (absl::string_view known : kNames) {
    if (name == known) return true;
  }
  return false;
}

// The position of the first '=' or npos. Debian's Abseil does not inline
// string_view::find, and this runs once per argument.
size_t FindEquals(absl::string_view s) {
  const void* at = std::memchr(s.data(), '=', s.size());
  return at == nullptr ? absl::string_view::npos
                       : static_cast<size_t>(static_cast<const char*>(at) - s.data());
}

// rustc treats `_` and `-` alike in -C and -Z keys.
bool KeyIs(absl::string_view key, absl::string_view want) {
  if (key.size() != want.size()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i] == '_' ? '-' : key[i];
    if (c != want[i]) return false;
  }
  return true;
}

// The values rustc reads as "off" for boolean-like options. Anything else
// (no value, yes, all, values a later rustc may add) is taken as "on".
bool IsOff(std::optional<absl::string_view> value) {
  if (!value) return false;
  return *value == "n" || *value == "no" || *value == "off" || *value == "false" || *value == "0";
}

struct Hit {
  int index = -1;
  std::string option;
};

// What one left-to-right pass over the arguments saw.
struct Scan {
  std::optional<Hit> c_coverage;  // last -C instrument-coverage that is on
  bool c_coverage_on = false;     // state after the last occurrence
  std::optional<Hit> z_coverage;
  bool z_coverage_on = false;
  std::optional<Hit> profile_generate;  // first occurrence
  std::optional<Hit> profile_use;       // first -C profile-use or profile-sample-use
  std::optional<Hit> z_profile;
  bool z_profile_on = false;
  std::optional<Hit> incremental;
  std::optional<Hit> probe;
  // Where the compile writes its dep-info (see DepInfoPath).
  std::optional<absl::string_view> crate_name, out_dir, extra_filename, dep_info_path;
  bool dep_info = false, output_named = false;

  // One -C or -Z `key[=value]` pair.
  void Codegen(bool unstable, absl::string_view kv, const Hit& at) {
    absl::string_view key = kv;
    std::optional<absl::string_view> value;
    if (size_t eq = FindEquals(kv); eq != absl::string_view::npos) {
      key = kv.substr(0, eq);
      value = kv.substr(eq + 1);
    }
    if (KeyIs(key, "instrument-coverage")) {
      bool on = !IsOff(value);
      (unstable ? z_coverage_on : c_coverage_on) = on;
      if (on) (unstable ? z_coverage : c_coverage) = at;
    } else if (!unstable && KeyIs(key, "profile-generate")) {
      // Any occurrence turns PGO instrumentation on: `=no` names a directory.
      if (!profile_generate) profile_generate = at;
    } else if (!unstable && (KeyIs(key, "profile-use") || KeyIs(key, "profile-sample-use"))) {
      // A PGO build that reads a profile. sccache 0.9.1 and newer take
      // `-C profile-use=PATH` for one of the compile's outputs and write their
      // cached copy back over PATH on a hit (src/compiler/rust.rs, #2306);
      // rustc lists the profile in the dep-info, so cargo then sees it newer
      // than the crate and compiles the crate again on every build. No
      // sccache hashes `-C profile-sample-use`'s profile at all.
      if (!profile_use) profile_use = at;
    } else if (unstable && KeyIs(key, "profile")) {
      z_profile_on = !IsOff(value);
      if (z_profile_on) z_profile = at;
    } else if (!unstable && KeyIs(key, "incremental")) {
      if (!incremental) incremental = at;
    } else if (!unstable && KeyIs(key, "extra-filename")) {
      extra_filename = value.value_or("");
    } else if (kv == "help") {
      // `-C help` and `-Z help` print the option list and compile nothing
      // (rustc_driver_impl's handle_options compares the whole value, so
      // `_help` or `help=x` are errors, not probes). cargo-llvm-cov asks
      // `rustc -C help` on every run.
      Probe(at);
    }
  }

  void Probe(const Hit& at) {
    if (!probe) probe = at;
  }

  // One --emit list: `dep-info` or `dep-info=PATH` among its kinds. Several
  // --emit options add up, and the last path named for a kind wins.
  void Emit(absl::string_view list) {
    while (!list.empty()) {
      size_t comma = list.find(',');
      absl::string_view kind = list.substr(0, comma);
      list = comma == absl::string_view::npos ? absl::string_view() : list.substr(comma + 1);
      absl::string_view path;
      if (size_t eq = FindEquals(kind); eq != absl::string_view::npos) {
        path = kind.substr(eq + 1);
        kind = kind.substr(0, eq);
      }
      if (kind != "dep-info") continue;
      dep_info = true;
      // A later `dep-info` without a path puts it back where rustc names it.
      dep_info_path = path.empty() ? std::nullopt : std::optional<absl::string_view>(path);
    }
  }
};

std::string Spell(absl::string_view option, absl::string_view value, bool separate) {
  return separate ? absl::StrCat(option, " ", value) : std::string(option);
}

Scan ScanArgs(absl::Span<const absl::string_view> args) {
  Scan scan;
  const int n = static_cast<int>(args.size());
  for (int i = 0; i < n; ++i) {
    absl::string_view arg = args[i];
    if (arg == "--") {
      // Everything after `--` is an input; `-` among them still means stdin.
      for (int j = i + 1; j < n; ++j) {
        if (args[j] == "-") scan.Probe({j, "-"});
      }
      break;
    }
    if (arg == "-") {
      scan.Probe({i, "-"});
      continue;
    }
    if (absl::StartsWith(arg, "--")) {
      absl::string_view name = arg.substr(2);
      std::optional<absl::string_view> value;
      bool separate = false;
      if (size_t eq = FindEquals(name); eq != absl::string_view::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (LongTakesValue(name) && i + 1 < n) {
        value = args[i + 1];
        separate = true;
      }
      const int at = i;
      if (separate) ++i;
      if (name == "codegen" && value) {
        scan.Codegen(false, *value, {at, Spell(arg, *value, separate)});
      } else if (name == "crate-name" && value) {
        scan.crate_name = *value;
      } else if (name == "out-dir" && value) {
        scan.out_dir = *value;
      } else if (name == "emit" && value) {
        scan.Emit(*value);
      } else if (name == "warn" && value == "help") {
        scan.Probe({at, Spell(arg, *value, separate)});  // the lint list
      } else if (name == "print" || name == "explain") {
        scan.Probe({at, Spell(arg, value.value_or(""), separate)});
      } else if (name == "version" || name == "help") {
        scan.Probe({at, std::string(arg)});
      }
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') {
      // A cluster of short options: flags until one that takes a value.
      for (size_t k = 1; k < arg.size(); ++k) {
        char letter = arg[k];
        if (std::memchr(kShortWithValue.data(), letter, kShortWithValue.size()) != nullptr) {
          absl::string_view value = arg.substr(k + 1);
          bool separate = value.empty();
          const int at = i;
          if (separate) {
            if (i + 1 >= n) break;
            value = args[++i];
          }
          if (letter == 'C' || letter == 'Z') {
            scan.Codegen(letter == 'Z', value, {at, Spell(arg, value, separate)});
          } else if (letter == 'o') {
            scan.output_named = true;
          } else if (letter == 'W' && value == "help") {
            scan.Probe({at, Spell(arg, value, separate)});  // the lint list
          }
          break;
        }
        if (letter == 'V' || letter == 'h') {
          scan.Probe({i, std::string(arg)});
        }
      }
    }
  }
  return scan;
}

Decision Decide(Rule rule, const Hit& hit) { return {Route::kDirect, rule, hit.index, hit.option}; }

}  // namespace

Decision Classify(absl::string_view compiler, absl::Span<const absl::string_view> args,
                  const Policy& policy, absl::string_view argfile_problem) {
  if (std::optional<Decision> by_mode = ModeDecision(policy)) return *by_mode;

  Scan scan = ScanArgs(args);
  if (scan.c_coverage_on) return Decide(Rule::kCoverage, *scan.c_coverage);
  if (scan.z_coverage_on) return Decide(Rule::kCoverage, *scan.z_coverage);
  if (scan.profile_generate) return Decide(Rule::kProfiling, *scan.profile_generate);
  if (scan.z_profile_on) return Decide(Rule::kProfiling, *scan.z_profile);
  if (scan.profile_use) return Decide(Rule::kProfileUse, *scan.profile_use);
  if (scan.incremental) return Decide(Rule::kIncremental, *scan.incremental);
  if (scan.probe) return Decide(Rule::kProbe, *scan.probe);
  if (!argfile_problem.empty()) {
    return {Route::kDirect, Rule::kArgfileSccache, -1, std::string(argfile_problem)};
  }

  if (std::optional<Decision> bypass = BypassDecision(compiler, args, policy)) return *bypass;
  return {Route::kCache, Rule::kDefault, -1, {}};
}

std::optional<Decision> ModeDecision(const Policy& policy) {
  if (policy.mode == Mode::kDirect) return Decision{Route::kDirect, Rule::kModeDirect, -1, {}};
  if (policy.mode == Mode::kCache) return Decision{Route::kCache, Rule::kModeCache, -1, {}};
  return std::nullopt;
}

std::optional<Decision> BypassDecision(absl::string_view compiler,
                                       absl::Span<const absl::string_view> args,
                                       const Policy& policy) {
  if (policy.bypass == nullptr) return std::nullopt;
  std::string line = absl::StrCat(compiler, args.empty() ? "" : " ", absl::StrJoin(args, " "));
  if (!re2::RE2::PartialMatch(line, *policy.bypass)) return std::nullopt;
  return Decision{Route::kDirect, Rule::kBypass, -1, policy.bypass->pattern()};
}

std::string CompilerStem(absl::string_view path) {
  size_t slash = path.find_last_of("/\\");
  absl::string_view name = slash == absl::string_view::npos ? path : path.substr(slash + 1);
  if (size_t dot = name.rfind('.'); dot != absl::string_view::npos && dot > 0) {
    name = name.substr(0, dot);
  }
  return absl::AsciiStrToLower(name);
}

namespace {

bool IsRustcLike(absl::string_view path) {
  std::string stem = CompilerStem(path);
  return stem == "rustc" || stem == "clippy-driver";
}

// Arguments only rustc takes (no C compiler has them): its long options that
// cargo passes, `-vV`, and `-C`/`-Z` with the option glued on in lower case
// (gcc's `-C` and `-CC` stand alone).
bool IsRustcArgument(absl::string_view arg) {
  static constexpr absl::string_view kLong[] = {
      "--crate-name", "--crate-type", "--edition",    "--emit", "--print",     "--codegen",
      "--cfg",        "--extern",     "--cap-lints",  "--json", "--out-dir",   "--error-format",
      "--check-cfg",  "--explain"};
  if (arg == "-vV") return true;
  if (arg.size() > 2 && arg[0] == '-' && (arg[1] == 'C' || arg[1] == 'Z') &&
      absl::ascii_islower(arg[2])) {
    return true;
  }
  for (absl::string_view name : kLong) {
    if (absl::StartsWith(arg, name) &&
        (arg.size() == name.size() || arg[name.size()] == '=')) {
      return true;
    }
  }
  return false;
}

}  // namespace

CompilerKind KindOf(absl::string_view compiler, absl::Span<const absl::string_view> args,
                    bool cargo_set) {
  if (IsRustcLike(compiler)) return CompilerKind::kRust;
  if (cargo_set && !args.empty() && IsRustcLike(args[0])) return CompilerKind::kRust;
  for (absl::string_view arg : args) {
    if (IsRustcArgument(arg)) return CompilerKind::kRustDriver;
  }
  return CompilerKind::kC;
}

std::optional<std::string> DepInfoPath(absl::Span<const absl::string_view> args) {
  Scan scan = ScanArgs(args);
  if (!scan.dep_info) return std::nullopt;
  if (scan.dep_info_path) {
    if (*scan.dep_info_path == "-") return std::nullopt;  // to stdout
    return std::string(*scan.dep_info_path);
  }
  // With -o, rustc names the outputs after it: not worth mirroring here.
  if (scan.output_named || !scan.crate_name || !scan.out_dir) return std::nullopt;
  return absl::StrCat(*scan.out_dir, "/", *scan.crate_name, scan.extra_filename.value_or(""),
                      ".d");
}

bool ParseMode(absl::string_view text, Mode* mode) {
  if (text.empty() || text == "auto") {
    *mode = Mode::kAuto;
  } else if (text == "direct") {
    *mode = Mode::kDirect;
  } else if (text == "cache") {
    *mode = Mode::kCache;
  } else {
    return false;
  }
  return true;
}

absl::string_view RouteName(Route route) { return route == Route::kDirect ? "direct" : "cache"; }

absl::string_view RuleName(Rule rule) {
  switch (rule) {
    case Rule::kModeDirect:
      return "mode";
    case Rule::kModeCache:
      return "mode";
    case Rule::kArgfileError:
      return "argfile";
    case Rule::kCoverage:
      return "coverage";
    case Rule::kProfiling:
      return "profiling";
    case Rule::kProfileUse:
      return "profile-use";
    case Rule::kIncremental:
      return "incremental";
    case Rule::kProbe:
      return "probe";
    case Rule::kArgfileSccache:
      return "argfile-sccache";
    case Rule::kUnsupported:
      return "unsupported-compiler";
    case Rule::kBypass:
      return "bypass";
    case Rule::kDefault:
      return "default";
  }
  return "default";
}

}  // namespace rustc_shim
