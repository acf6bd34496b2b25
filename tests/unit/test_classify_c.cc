#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "classify.h"
#include "classify_c.h"
#include "doctest/doctest.h"
#include "re2/re2.h"

namespace rustc_shim {
namespace {

struct Case {
  const char* args;  // split at single spaces
  Route route;
  Rule rule;
  int index;  // -1: no argument named
};

Decision Run(const std::string& line, const Policy& policy = {}) {
  std::vector<std::string> storage;
  if (!line.empty()) storage = absl::StrSplit(line, ' ');
  std::vector<absl::string_view> args(storage.begin(), storage.end());
  return ClassifyC("cc", args, policy);
}

constexpr Route D = Route::kDirect;
constexpr Route K = Route::kCache;

// cc-rs's shape: `-O0 -ffunction-sections ... -o OUT -c SRC`, with the flags
// a build script or CFLAGS adds.
const Case kCases[] = {
    {"-O2 -ffunction-sections -fdata-sections -fPIC -m64 -Wall -o /t/out/a.o -c a.c", K,
     Rule::kDefault, -1},
    {"", K, Rule::kDefault, -1},
    // Coverage, gcc's and clang's.
    {"-O0 --coverage -o a.o -c a.c", D, Rule::kCoverage, 1},
    {"-coverage -c a.c", D, Rule::kCoverage, 0},
    {"-fprofile-arcs -ftest-coverage -c a.c", D, Rule::kCoverage, 0},
    {"-ftest-coverage -c a.c", D, Rule::kCoverage, 0},
    {"-fprofile-instr-generate -fcoverage-mapping -c a.c", D, Rule::kCoverage, 1},
    // Off again: the last one wins, flag by flag.
    {"-fprofile-arcs -fno-profile-arcs -c a.c", K, Rule::kDefault, -1},
    {"-fno-profile-arcs -fprofile-arcs -c a.c", D, Rule::kCoverage, 1},
    {"-fcoverage-mapping -fno-coverage-mapping -c a.c", K, Rule::kDefault, -1},
    {"-fprofile-arcs -fno-test-coverage -c a.c", D, Rule::kCoverage, 0},
    // Profiling: generation.
    {"-fprofile-generate -c a.c", D, Rule::kProfiling, 0},
    {"-fprofile-generate=/tmp/pgo -c a.c", D, Rule::kProfiling, 0},
    {"-fprofile-instr-generate=/tmp/x.profraw -c a.c", D, Rule::kProfiling, 0},
    {"-fcs-profile-generate -c a.c", D, Rule::kProfiling, 0},
    {"-Xclang -fprofile-instrument=llvm -c a.c", D, Rule::kProfiling, 1},
    {"-fprofile-generate -fno-profile-generate -c a.c", K, Rule::kDefault, -1},
    // Profile use.
    {"-fprofile-use -c a.c", D, Rule::kProfileUse, 0},
    {"-fprofile-use=/p/merged.profdata -c a.c", D, Rule::kProfileUse, 0},
    {"-fprofile-instr-use=/p/x.profdata -c a.c", D, Rule::kProfileUse, 0},
    {"-fprofile-sample-use=/p/x.prof -c a.c", D, Rule::kProfileUse, 0},
    {"-fauto-profile=/p/x.afdo -c a.c", D, Rule::kProfileUse, 0},
    {"-fbranch-probabilities -c a.c", D, Rule::kProfileUse, 0},
    {"-fbranch-probabilities -fno-branch-probabilities -c a.c", K, Rule::kDefault, -1},
    {"-pg -c a.c", D, Rule::kProfiling, 0},
    {"-pgx -c a.c", K, Rule::kDefault, -1},
    // To gcc, -USEPROFILE undefines a macro.
    {"-USEPROFILE -c a.c", K, Rule::kDefault, -1},
    {"-Xclang -fprofile-instrument-use-path=/p -c a.c", D, Rule::kProfileUse, 1},
    {"-fprofile-use -fno-profile-use -c a.c", K, Rule::kDefault, -1},
    // Precedence: coverage, then profiling, then profile use.
    {"-fprofile-use -fprofile-generate --coverage -c a.c", D, Rule::kCoverage, 2},
    {"-fprofile-use -fprofile-generate -c a.c", D, Rule::kProfiling, 1},
    // MSVC and clang-cl.
    {"-nologo -MD -O2 -Brepro -Fo/t/a.o -c a.c", K, Rule::kDefault, -1},
    {"/nologo /c a.c /link /GENPROFILE", D, Rule::kProfiling, 4},
    {"/c a.c /link /genprofile", D, Rule::kProfiling, 3},
    {"/c a.c /link /FASTGENPROFILE:PGD=x.pgd", D, Rule::kProfiling, 3},
    {"/c a.c /link /UseProfile:PGD=x.pgd", D, Rule::kProfileUse, 3},
    {"/c a.c /link /LTCG:PGINSTRUMENT", D, Rule::kProfiling, 3},
    {"/c a.c /link /LTCG:PGOPTIMIZE", D, Rule::kProfileUse, 3},
    {"/c a.c /clang:-fprofile-instr-generate", D, Rule::kProfiling, 2},
    {"/c a.c -clang:--coverage", D, Rule::kCoverage, 2},
    // Look-alikes.
    {"-fprofile-update=atomic -fprofile-dir=/x -c a.c", K, Rule::kDefault, -1},
    {"-fprofile-arcs-x -c a.c", K, Rule::kDefault, -1},
    {"-fprofile-generated -c a.c", K, Rule::kDefault, -1},
    {"-fprofile-instrument-path=/x -c a.c", K, Rule::kDefault, -1},
    {"-DPROFILE=--coverage -c a.c", K, Rule::kDefault, -1},
    {"-I --coverage -c a.c", D, Rule::kCoverage, 1},  // gcc reads it as a flag too
    {"/GENPROFILEX -c a.c", K, Rule::kDefault, -1},
    {"--coverage.c", K, Rule::kDefault, -1},
    {"coverage.c -c", K, Rule::kDefault, -1},
    // A response file is the compiler's grammar: not read, direct.
    {"@/t/args.rsp", D, Rule::kArgfileSccache, 0},
    {"-c a.c @more", D, Rule::kArgfileSccache, 2},
    {"@/t/args.rsp --coverage", D, Rule::kCoverage, 1},
};

TEST_CASE("C and C++ instrumentation flags route direct") {
  for (const Case& c : kCases) {
    CAPTURE(c.args);
    Decision d = Run(c.args);
    CHECK(d.route == c.route);
    CHECK(RuleName(d.rule) == RuleName(c.rule));
    CHECK(d.index == c.index);
  }
}

TEST_CASE("MSVC's options after `-` only for cl and clang-cl") {
  std::vector<absl::string_view> args = {"-c", "a.c", "-link", "-USEPROFILE:PGD=x.pgd"};
  CHECK(ClassifyC("cl.exe", args, {}).rule == Rule::kProfileUse);
  CHECK(ClassifyC("C:\\VS\\bin\\CL.EXE", args, {}).rule == Rule::kProfileUse);
  CHECK(ClassifyC("clang-cl", args, {}).rule == Rule::kProfileUse);
  CHECK(ClassifyC("cc", args, {}).rule == Rule::kDefault);
}

TEST_CASE("ClassifyC: SHIM_MODE and SHIM_BYPASS as for rustc") {
  CHECK(Run("--coverage -c a.c", {Mode::kCache}).rule == Rule::kModeCache);
  CHECK(Run("-c a.c", {Mode::kDirect}).rule == Rule::kModeDirect);
  re2::RE2 pattern("zstd");
  Policy policy{Mode::kAuto, &pattern};
  CHECK(Run("-c zstd/lib/compress.c", policy).rule == Rule::kBypass);
  CHECK(Run("-c a.c", policy).rule == Rule::kDefault);
  // Rules that route direct already name themselves.
  CHECK(Run("--coverage -c zstd.c", policy).rule == Rule::kCoverage);
}

CompilerKind Kind(const char* compiler, const std::string& line, bool cargo = true) {
  std::vector<std::string> storage;
  if (!line.empty()) storage = absl::StrSplit(line, ' ');
  std::vector<absl::string_view> args(storage.begin(), storage.end());
  return KindOf(compiler, args, cargo);
}

TEST_CASE("KindOf tells rustc from a C compiler as sccache does") {
  constexpr CompilerKind R = CompilerKind::kRust;
  constexpr CompilerKind V = CompilerKind::kRustDriver;
  constexpr CompilerKind C = CompilerKind::kC;
  CHECK(Kind("rustc", "--crate-name a src/lib.rs") == R);
  CHECK(Kind("/home/u/.rustup/toolchains/stable/bin/rustc", "-") == R);
  CHECK(Kind("C:\\Users\\u\\.cargo\\bin\\rustc.exe", "-vV") == R);
  CHECK(Kind("RUSTC.EXE", "x.rs") == R);
  CHECK(Kind("clippy-driver", "rustc --crate-name a") == R);
  // A workspace wrapper: the compiler is rustc, the first argument.
  CHECK(Kind("/t/bin/cargo-auditable", "/t/bin/rustc x.rs") == R);
  CHECK(Kind("/t/bin/cargo-auditable", "/t/bin/rustc x.rs", false) == C);
  // A driver under its own name, with rustc's arguments from cargo.
  CHECK(Kind("/t/bin/my-driver", "--crate-name a --edition=2021 src/lib.rs") == V);
  CHECK(Kind("/t/bin/my-driver", "-vV") == V);
  CHECK(Kind("/t/bin/my-driver", "- --crate-name ___ --print=file-names") == V);
  CHECK(Kind("/t/bin/my-driver", "--emit=dep-info,metadata x.rs") == V);
  CHECK(Kind("/t/bin/my-driver", "-Cinstrument-coverage src/main.rs") == V);
  CHECK(Kind("/t/bin/my-driver", "--codegen instrument-coverage src/main.rs") == V);
  CHECK(Kind("/t/bin/my-driver", "-Zunstable-options x.rs") == V);
  CHECK(Kind("/t/bin/my-driver", "--cfg feature=\"x\" x.rs") == V);
  // gcc's own -C and -CC, and -Wl,-zdefs, are not rustc's.
  CHECK(Kind("cc", "-C -E a.c") == C);
  CHECK(Kind("cc", "-CC -E a.c") == C);
  CHECK(Kind("cc", "-Wl,-zdefs -c a.c") == C);
  // What cc-rs runs.
  CHECK(Kind("cc", "-O0 -ffunction-sections -fPIC -o /t/a.o -c a.c") == C);
  CHECK(Kind("c++", "-std=c++17 -c a.cpp") == C);
  CHECK(Kind("/usr/bin/x86_64-linux-gnu-gcc-12", "-c a.c") == C);
  CHECK(Kind("clang-cl.exe", "-nologo -c a.c") == C);
  CHECK(Kind("cc", "--version") == C);
  // Stems that only look like rustc.
  CHECK(Kind("rustc-wrapper", "-c a.c") == C);
  CHECK(Kind("/t/rustc.d/cc", "-c a.c") == C);
  CHECK(Kind("cc", "--crate-names -c a.c") == C);
}

}  // namespace
}  // namespace rustc_shim
