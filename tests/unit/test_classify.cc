#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "classify.h"
#include "doctest/doctest.h"
#include "re2/re2.h"

namespace rustc_shim {
namespace {

struct Case {
  const char* args;  // split at single spaces; "<>" stands for an empty argument
  Route route;
  Rule rule;
  int index;  // -1: no argument named
  const char* option = "";
};

Decision Run(const std::string& line, const Policy& policy = {}) {
  std::vector<std::string> storage;
  if (!line.empty()) storage = absl::StrSplit(line, ' ');
  for (std::string& s : storage) {
    if (s == "<>") s.clear();
  }
  std::vector<absl::string_view> args(storage.begin(), storage.end());
  return Classify("rustc", args, policy);
}

constexpr Route D = Route::kDirect;
constexpr Route K = Route::kCache;

// Every spelling rustc accepts, the values, last-wins, and look-alikes that
// must not route direct.
const Case kCases[] = {
    // Plain compiles.
    {"--crate-name foo --edition=2021 src/lib.rs --crate-type lib", K, Rule::kDefault, -1},
    {"", K, Rule::kDefault, -1},
    {"<>", K, Rule::kDefault, -1},
    // -C instrument-coverage, every spelling.
    {"--crate-name foo -C instrument-coverage src/lib.rs", D, Rule::kCoverage, 2,
     "-C instrument-coverage"},
    {"-Cinstrument-coverage x.rs", D, Rule::kCoverage, 0, "-Cinstrument-coverage"},
    {"-Cinstrument_coverage x.rs", D, Rule::kCoverage, 0, "-Cinstrument_coverage"},
    {"-C instrument_coverage=yes", D, Rule::kCoverage, 0, "-C instrument_coverage=yes"},
    {"--codegen instrument-coverage", D, Rule::kCoverage, 0, "--codegen instrument-coverage"},
    {"--codegen=instrument-coverage", D, Rule::kCoverage, 0, "--codegen=instrument-coverage"},
    {"--codegen=instrument-coverage=all", D, Rule::kCoverage, 0},
    {"-Cinstrument-coverage=y", D, Rule::kCoverage, 0},
    {"-Cinstrument-coverage=on", D, Rule::kCoverage, 0},
    {"-Cinstrument-coverage=true", D, Rule::kCoverage, 0},
    {"-Cinstrument-coverage=except-unused-generics", D, Rule::kCoverage, 0},
    {"-Cinstrument-coverage=except-unused-functions", D, Rule::kCoverage, 0},
    {"-Cinstrument-coverage=some-future-value", D, Rule::kCoverage, 0},
    {"-Cinstrument-coverage=", D, Rule::kCoverage, 0},
    // Off values.
    {"-Cinstrument-coverage=no", K, Rule::kDefault, -1},
    {"-Cinstrument-coverage=n", K, Rule::kDefault, -1},
    {"-C instrument-coverage=off", K, Rule::kDefault, -1},
    {"--codegen=instrument-coverage=false", K, Rule::kDefault, -1},
    {"--codegen instrument_coverage=0", K, Rule::kDefault, -1},
    // The last occurrence wins.
    {"-C instrument-coverage -C instrument-coverage=off", K, Rule::kDefault, -1},
    {"-C instrument-coverage=off -C instrument-coverage", D, Rule::kCoverage, 2},
    {"-Cinstrument-coverage=no -Cinstrument-coverage=yes -Copt-level=2", D, Rule::kCoverage, 1},
    {"-Cinstrument-coverage -Cinstrument-coverage -Cinstrument-coverage=n", K, Rule::kDefault, -1},
    // Clusters of short flags: -g and -O take no value, so C's value follows.
    {"-gCinstrument-coverage x.rs", D, Rule::kCoverage, 0},
    {"-OgC instrument-coverage", D, Rule::kCoverage, 0},
    // -Z instrument-coverage (older nightlies).
    {"-Z instrument-coverage", D, Rule::kCoverage, 0, "-Z instrument-coverage"},
    {"-Zinstrument-coverage=except-unused-generics", D, Rule::kCoverage, 0},
    {"-Zinstrument_coverage=off", K, Rule::kDefault, -1},
    {"-Zinstrument-coverage -Zinstrument-coverage=no", K, Rule::kDefault, -1},
    // Look-alikes that are not coverage.
    {"-C instrument-coverage-foo", K, Rule::kDefault, -1},
    {"-C Instrument-coverage", K, Rule::kDefault, -1},
    {"--cfg instrument-coverage", K, Rule::kDefault, -1},
    {"--cfg -Cinstrument-coverage", K, Rule::kDefault, -1},
    {"--cfg=coverage --cfg coverage_nightly", K, Rule::kDefault, -1},
    {"-L -Cinstrument-coverage", K, Rule::kDefault, -1},
    {"-o -Cinstrument-coverage", K, Rule::kDefault, -1},
    {"--extern -Cinstrument-coverage", K, Rule::kDefault, -1},
    {"instrument-coverage.rs", K, Rule::kDefault, -1},
    {"-C", K, Rule::kDefault, -1},
    {"--codegen", K, Rule::kDefault, -1},
    // After `--` everything is an input.
    {"x.rs -- -Cinstrument-coverage", K, Rule::kDefault, -1},
    // Profiling.
    {"-C profile-generate", D, Rule::kProfiling, 0, "-C profile-generate"},
    {"-Cprofile-generate=/tmp/pgo", D, Rule::kProfiling, 0},
    {"-Cprofile_generate=no", D, Rule::kProfiling, 0},
    {"--codegen=profile-generate=/x -Cprofile-generate=/y", D, Rule::kProfiling, 0},
    // A profile read: sccache would rewrite it (profile-use) or not hash it
    // (profile-sample-use).
    {"-Cprofile-use=/tmp/merged.profdata", D, Rule::kProfileUse, 0,
     "-Cprofile-use=/tmp/merged.profdata"},
    {"--crate-name a -C profile_use=/p.profdata", D, Rule::kProfileUse, 2},
    {"--codegen=profile-sample-use=/p.prof", D, Rule::kProfileUse, 0},
    {"-C profile-sample-use=/a -C profile-use=/b", D, Rule::kProfileUse, 0},
    {"--cfg profile-use=/p x.rs", K, Rule::kDefault, -1},
    {"-Zprofile-use=/p", K, Rule::kDefault, -1},
    {"-Cprofile-use=/p -Cprofile-generate=/g", D, Rule::kProfiling, 1},
    {"-Z profile", D, Rule::kProfiling, 0},
    {"-Zprofile=yes", D, Rule::kProfiling, 0},
    {"-Zprofile=no", K, Rule::kDefault, -1},
    {"-Zprofile -Zprofile=off", K, Rule::kDefault, -1},
    {"-Cprofile -Zprofile-generate", K, Rule::kDefault, -1},
    // Incremental.
    {"--crate-name a -C incremental=/t/incremental", D, Rule::kIncremental, 2,
     "-C incremental=/t/incremental"},
    {"-Cincremental=/t", D, Rule::kIncremental, 0},
    {"--codegen incremental=/t", D, Rule::kIncremental, 0},
    {"-Zincremental=/t", K, Rule::kDefault, -1},
    // Probes.
    {"-vV", D, Rule::kProbe, 0, "-vV"},
    {"-Vv", D, Rule::kProbe, 0},
    {"-V", D, Rule::kProbe, 0},
    {"--version", D, Rule::kProbe, 0},
    {"-v", K, Rule::kDefault, -1},
    {"--verbose x.rs", K, Rule::kDefault, -1},
    {"--print=sysroot", D, Rule::kProbe, 0, "--print=sysroot"},
    {"--print sysroot", D, Rule::kProbe, 0, "--print sysroot"},
    {"- --crate-name ___ --print=file-names --crate-type bin --crate-type rlib", D, Rule::kProbe, 0,
     "-"},
    {"--crate-name ___ -", D, Rule::kProbe, 2},
    {"-o - x.rs", K, Rule::kDefault, -1},
    {"x.rs -- -", D, Rule::kProbe, 2},
    {"--help", D, Rule::kProbe, 0},
    {"-h", D, Rule::kProbe, 0},
    {"--explain E0308", D, Rule::kProbe, 0},
    // The option lists (cargo-llvm-cov runs `rustc -C help`): only the whole value `help`.
    {"-C help", D, Rule::kProbe, 0, "-C help"},
    {"-Chelp", D, Rule::kProbe, 0, "-Chelp"},
    {"--codegen=help", D, Rule::kProbe, 0, "--codegen=help"},
    {"--codegen help", D, Rule::kProbe, 0, "--codegen help"},
    {"-Z help", D, Rule::kProbe, 0, "-Z help"},
    {"-W help", D, Rule::kProbe, 0, "-W help"},
    {"-Whelp", D, Rule::kProbe, 0, "-Whelp"},
    {"--warn=help", D, Rule::kProbe, 0, "--warn=help"},
    {"--warn help", D, Rule::kProbe, 0, "--warn help"},
    {"-C help=yes x.rs", K, Rule::kDefault, -1},
    {"-C _help x.rs", K, Rule::kDefault, -1},
    {"-A help x.rs", K, Rule::kDefault, -1},
    {"--cfg help x.rs", K, Rule::kDefault, -1},
    {"-C instrument-coverage -C help", D, Rule::kCoverage, 0},
    // Precedence: coverage before profiling before incremental before probes.
    {"--print=cfg -Cincremental=/t -Cprofile-generate -Cinstrument-coverage", D, Rule::kCoverage,
     3},
    {"--print=cfg -Cincremental=/t -Cprofile-generate", D, Rule::kProfiling, 2},
    {"--print=cfg -Cincremental=/t", D, Rule::kIncremental, 1},
    // cargo-llvm-cov's shape: flags appended at the end.
    {"--crate-name fixture --edition=2021 src/lib.rs --error-format=json --crate-type lib -C "
     "embed-bitcode=no -C debuginfo=2 --out-dir /t/deps -L dependency=/t/deps --extern "
     "regex=/t/deps/libregex.rlib -C instrument-coverage --cfg=coverage --cfg=coverage_nightly",
     D, Rule::kCoverage, 17},
};

TEST_CASE("every spelling routes as rustc reads it") {
  for (const Case& c : kCases) {
    CAPTURE(c.args);
    Decision d = Run(c.args);
    CHECK(d.route == c.route);
    CHECK(RuleName(d.rule) == RuleName(c.rule));
    CHECK(d.index == c.index);
    if (c.option[0] != '\0') CHECK(d.option == c.option);
  }
}

TEST_CASE("SHIM_MODE overrides every rule") {
  CHECK(Run("-Cinstrument-coverage", {Mode::kCache}).route == Route::kCache);
  CHECK(Run("-Cinstrument-coverage", {Mode::kCache}).rule == Rule::kModeCache);
  CHECK(Run("-vV", {Mode::kCache}).route == Route::kCache);
  CHECK(Run("--crate-name a x.rs", {Mode::kDirect}).route == Route::kDirect);
  CHECK(Run("--crate-name a x.rs", {Mode::kDirect}).rule == Rule::kModeDirect);
}

TEST_CASE("ParseMode") {
  Mode mode = Mode::kDirect;
  CHECK(ParseMode("", &mode));
  CHECK(mode == Mode::kAuto);
  CHECK(ParseMode("auto", &mode));
  CHECK(mode == Mode::kAuto);
  CHECK(ParseMode("direct", &mode));
  CHECK(mode == Mode::kDirect);
  CHECK(ParseMode("cache", &mode));
  CHECK(mode == Mode::kCache);
  mode = Mode::kCache;
  CHECK_FALSE(ParseMode("Direct", &mode));
  CHECK_FALSE(ParseMode("sccache", &mode));
  CHECK(mode == Mode::kCache);  // untouched on failure
}

TEST_CASE("SHIM_BYPASS matches the joined command line") {
  re2::RE2 crate("--crate-name (build_script_build|openssl_sys)\\b");
  Policy policy{Mode::kAuto, &crate};
  Decision d = Run("--crate-name build_script_build build.rs", policy);
  CHECK(d.route == Route::kDirect);
  CHECK(d.rule == Rule::kBypass);
  CHECK(d.option == crate.pattern());
  CHECK(Run("--crate-name regex src/lib.rs", policy).route == Route::kCache);

  // The compiler is part of the line, separated by one space.
  re2::RE2 clippy("^clippy-driver rustc ");
  Policy by_compiler{Mode::kAuto, &clippy};
  std::vector<absl::string_view> args = {"rustc", "--crate-name", "a"};
  CHECK(Classify("clippy-driver", args, by_compiler).rule == Rule::kBypass);
  CHECK(Classify("rustc", args, by_compiler).rule == Rule::kDefault);

  // Rules that already route direct name themselves, not the pattern.
  CHECK(Run("-Cinstrument-coverage --crate-name openssl_sys", policy).rule == Rule::kCoverage);
  // SHIM_MODE=cache wins over a matching pattern.
  Policy cache{Mode::kCache, &crate};
  CHECK(Run("--crate-name openssl_sys", cache).route == Route::kCache);
}

TEST_CASE("ten thousand arguments classify, the flag at the end found") {
  std::vector<std::string> storage;
  for (int i = 0; i < 10000; ++i) storage.push_back("--cfg=feature=\"f" + std::to_string(i) + "\"");
  storage.push_back("-Cinstrument-coverage");
  std::vector<absl::string_view> args(storage.begin(), storage.end());
  Decision d = Classify("rustc", args, {});
  CHECK(d.rule == Rule::kCoverage);
  CHECK(d.index == 10000);
}

}  // namespace
}  // namespace rustc_shim

namespace rustc_shim {
namespace {

std::optional<std::string> DepInfo(const std::string& line) {
  std::vector<std::string> storage = absl::StrSplit(line, ' ');
  std::vector<absl::string_view> args(storage.begin(), storage.end());
  return DepInfoPath(args);
}

TEST_CASE("DepInfoPath: where the compile writes its dep-info") {
  struct Row {
    const char* args;
    std::optional<std::string> want;
  };
  const Row rows[] = {
      // As cargo passes it for a dependency.
      {"--crate-name regex --edition=2021 src/lib.rs --crate-type lib "
       "--emit=dep-info,metadata,link -C embed-bitcode=no -C metadata=6f0a "
       "-C extra-filename=-6f0a --out-dir /t/debug/deps -L dependency=/t/debug/deps",
       "/t/debug/deps/regex-6f0a.d"},
      {"--crate-name=a --emit dep-info --out-dir=/o x.rs -Cextra-filename=-1", "/o/a-1.d"},
      {"--crate-name a --emit=link --emit=dep-info --out-dir /o --codegen extra_filename=-2 x.rs",
       "/o/a-2.d"},
      {"--crate-name a --emit=dep-info --out-dir /o x.rs", "/o/a.d"},
      {"--crate-name a --emit=metadata,dep-info=/d/x.d --out-dir /o x.rs", "/d/x.d"},
      {"--crate-name a --emit=dep-info=/d/x.d --emit=dep-info --out-dir /o x.rs", "/o/a.d"},
      {"--crate-name a -C extra-filename=-1 -C extra-filename=-3 --out-dir /p --out-dir /o "
       "--emit=dep-info x.rs",
       "/o/a-3.d"},
      // No dep-info, or not where the arguments say for sure.
      {"--crate-name a --emit=metadata --out-dir /o x.rs", std::nullopt},
      {"--crate-name a --emit=dep-info=- --out-dir /o x.rs", std::nullopt},
      {"--crate-name a --emit=dep-info -o /o/lib.rlib x.rs", std::nullopt},
      {"--emit=dep-info --out-dir /o x.rs", std::nullopt},
      {"--crate-name a --emit=dep-info x.rs", std::nullopt},
      // A value is not an option: `--cfg --emit=dep-info`.
      {"--crate-name a --cfg --emit=dep-info --out-dir /o x.rs", std::nullopt},
  };
  for (const Row& row : rows) {
    CAPTURE(row.args);
    CHECK(DepInfo(row.args) == row.want);
  }
}

}  // namespace
}  // namespace rustc_shim
