#include "classify_c.h"

#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace rustc_shim {
namespace {

// One instrumentation flag of gcc, clang or MSVC: its spelling, whether a
// value may follow it (`=VALUE`, or `:VALUE` for MSVC's), the `-fno-` form
// that turns it off again (empty when there is none), and the rule it falls under.
struct CFlag {
  absl::string_view spelling;
  bool takes_value;
  absl::string_view negation;
  Rule rule;
};

// gcc: --coverage is -fprofile-arcs -ftest-coverage; -fprofile-generate and
// -fprofile-use take an optional path; -fauto-profile reads a sample profile.
// clang: -fprofile-instr-generate with -fcoverage-mapping is source-based
// coverage; -fcs-profile-generate is context-sensitive PGO; -fprofile-instrument=
// and -fprofile-instrument-use-path= are the cc1 spellings behind -Xclang.
// MSVC: /GENPROFILE, /FASTGENPROFILE, /USEPROFILE, /LTCG:PG* (older toolsets).
constexpr CFlag kFlags[] = {
    {"--coverage", false, "", Rule::kCoverage},
    {"-coverage", false, "", Rule::kCoverage},
    {"-fprofile-arcs", false, "-fno-profile-arcs", Rule::kCoverage},
    {"-ftest-coverage", false, "-fno-test-coverage", Rule::kCoverage},
    {"-fcoverage-mapping", false, "-fno-coverage-mapping", Rule::kCoverage},
    {"-fprofile-instr-generate", true, "-fno-profile-instr-generate", Rule::kProfiling},
    {"-fprofile-generate", true, "-fno-profile-generate", Rule::kProfiling},
    {"-fcs-profile-generate", true, "", Rule::kProfiling},
    {"-fprofile-instrument", true, "", Rule::kProfiling},
    {"/GENPROFILE", true, "", Rule::kProfiling},
    {"/FASTGENPROFILE", true, "", Rule::kProfiling},
    {"/LTCG:PGINSTRUMENT", false, "", Rule::kProfiling},
    {"-fprofile-use", true, "-fno-profile-use", Rule::kProfileUse},
    {"-fprofile-instr-use", true, "-fno-profile-instr-use", Rule::kProfileUse},
    {"-fprofile-sample-use", true, "-fno-profile-sample-use", Rule::kProfileUse},
    {"-fauto-profile", true, "-fno-auto-profile", Rule::kProfileUse},
    {"-fbranch-probabilities", false, "-fno-branch-probabilities", Rule::kProfileUse},
    {"-pg", false, "", Rule::kProfiling},
    {"-fprofile-instrument-use-path", true, "", Rule::kProfileUse},
    {"/USEPROFILE", true, "", Rule::kProfileUse},
    {"/LTCG:PGOPTIMIZE", false, "", Rule::kProfileUse},
    {"/LTCG:PGUPDATE", false, "", Rule::kProfileUse},
};
constexpr int kFlagCount = sizeof(kFlags) / sizeof(kFlags[0]);

// Whether `arg` spells `flag`: exactly, or with its value after `=` (or `:`
// for MSVC's). MSVC's are read in any case (its linker's are), and after `-`
// as after `/` only for cl and clang-cl (`msvc`): to gcc, `-USEPROFILE`
// undefines a macro.
bool Spells(absl::string_view arg, const CFlag& flag, bool msvc) {
  absl::string_view name = flag.spelling;
  if (name[0] == '/') {
    if (arg.empty() || !(arg[0] == '/' || (msvc && arg[0] == '-'))) return false;
    arg.remove_prefix(1);
    name.remove_prefix(1);
    if (!absl::StartsWithIgnoreCase(arg, name)) return false;
  } else if (!absl::StartsWith(arg, name)) {
    return false;
  }
  if (arg.size() == name.size()) return true;
  const char next = arg[name.size()];
  return flag.takes_value && (next == '=' || (flag.spelling[0] == '/' && next == ':'));
}

}  // namespace

Decision ClassifyC(absl::string_view compiler, absl::Span<const absl::string_view> args,
                   const Policy& policy) {
  if (std::optional<Decision> by_mode = ModeDecision(policy)) return *by_mode;

  const std::string stem = CompilerStem(compiler);
  const bool msvc = stem == "cl" || stem == "clang-cl";
  // For each flag, the argument that turned it on last, or -1 when it is off.
  int on_at[kFlagCount];
  for (int& at : on_at) at = -1;
  int response_file = -1;
  const int n = static_cast<int>(args.size());
  for (int i = 0; i < n; ++i) {
    absl::string_view arg = args[i];
    if (!arg.empty() && arg[0] == '@' && response_file < 0) response_file = i;
    // clang-cl passes what follows /clang: (or -clang:) to clang as it is.
    if (absl::StartsWith(arg, "/clang:") || absl::StartsWith(arg, "-clang:")) arg.remove_prefix(7);
    if (arg.size() < 2 || (arg[0] != '-' && arg[0] != '/')) continue;
    for (int f = 0; f < kFlagCount; ++f) {
      if (Spells(arg, kFlags[f], msvc)) {
        on_at[f] = i;
      } else if (!kFlags[f].negation.empty() && arg == kFlags[f].negation) {
        on_at[f] = -1;
      }
    }
  }
  // The rules in their order of precedence; within one, the earliest flag.
  for (Rule rule : {Rule::kCoverage, Rule::kProfiling, Rule::kProfileUse}) {
    int at = -1;
    for (int f = 0; f < kFlagCount; ++f) {
      if (kFlags[f].rule == rule && on_at[f] >= 0 && (at < 0 || on_at[f] < at)) at = on_at[f];
    }
    if (at >= 0) return {Route::kDirect, rule, at, std::string(args[at])};
  }
  if (response_file >= 0) {
    return {Route::kDirect, Rule::kArgfileSccache, response_file,
            absl::StrCat("the C/C++ response file ", args[response_file],
                         " is not read by rustc-shim")};
  }
  if (std::optional<Decision> bypass = BypassDecision(compiler, args, policy)) return *bypass;
  return {Route::kCache, Rule::kDefault, -1, {}};
}

}  // namespace rustc_shim
