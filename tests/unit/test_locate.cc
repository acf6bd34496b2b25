#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "doctest/doctest.h"
#include "locate.h"

namespace rustc_shim {
namespace {

// A made-up file system: which paths are executables, and which of them are
// the same file as the shim (symlinks or hard links to it).
struct FakeSystem {
  std::set<std::string> executables;
  std::set<std::string> shim_aliases;
  std::vector<std::string> probed;

  LocateEnv Env(std::string path) {
    LocateEnv env;
    env.path = std::move(path);
    env.self = "/opt/shim/rustc-shim";
    env.is_executable = [this](const std::string& p) {
      probed.push_back(p);
      return executables.count(p) > 0;
    };
    env.same_file = [this](const std::string& a, const std::string& b) {
      return a == b || (shim_aliases.count(a) > 0 && b == "/opt/shim/rustc-shim");
    };
    env.join = [](absl::string_view dir, absl::string_view name) {
      return absl::StrCat(dir.empty() ? "." : dir, "/", name);
    };
    env.has_directory = [](absl::string_view name) {
      return name.find('/') != absl::string_view::npos;
    };
    return env;
  }
};

TEST_CASE("sccache is the first executable on PATH") {
  FakeSystem sys;
  sys.executables = {"/usr/bin/sccache", "/home/u/.cargo/bin/sccache"};
  Located found = FindSccache(sys.Env("/home/u/.cargo/bin:/usr/bin"));
  REQUIRE(found.path.has_value());
  CHECK(*found.path == "/home/u/.cargo/bin/sccache");
}

TEST_CASE("a PATH entry that is the shim itself is skipped") {
  FakeSystem sys;
  sys.executables = {"/opt/shim/sccache", "/usr/bin/sccache"};
  sys.shim_aliases = {"/opt/shim/sccache"};
  Located found = FindSccache(sys.Env("/opt/shim:/usr/bin"));
  REQUIRE(found.path.has_value());
  CHECK(*found.path == "/usr/bin/sccache");
  CHECK(found.skipped_self == std::vector<std::string>{"/opt/shim/sccache"});
}

TEST_CASE("only the shim itself: no sccache, and the problem says why") {
  FakeSystem sys;
  sys.executables = {"/opt/shim/sccache"};
  sys.shim_aliases = {"/opt/shim/sccache"};
  Located found = FindSccache(sys.Env("/opt/shim:/usr/bin"));
  CHECK_FALSE(found.path.has_value());
  CHECK(found.problem.find("rustc-shim itself") != std::string::npos);
}

TEST_CASE("nothing on PATH") {
  FakeSystem sys;
  Located found = FindSccache(sys.Env("/a:/b"));
  CHECK_FALSE(found.path.has_value());
  CHECK(found.problem == "sccache not found on PATH");
  CHECK(sys.probed == std::vector<std::string>{"/a/sccache", "/b/sccache"});
}

TEST_CASE("an empty PATH entry is the current directory") {
  FakeSystem sys;
  sys.executables = {"./sccache"};
  Located found = FindSccache(sys.Env("/a::/b"));
  REQUIRE(found.path.has_value());
  CHECK(*found.path == "./sccache");
}

TEST_CASE("SHIM_SCCACHE as a path is used as is, never searched") {
  FakeSystem sys;
  sys.executables = {"/tools/sccache-0.8", "/usr/bin/sccache"};
  LocateEnv env = sys.Env("/usr/bin");
  env.shim_sccache = "/tools/sccache-0.8";
  CHECK(FindSccache(env).path == std::optional<std::string>("/tools/sccache-0.8"));

  env.shim_sccache = "/tools/missing";
  Located missing = FindSccache(env);
  CHECK_FALSE(missing.path.has_value());
  CHECK(missing.problem == "/tools/missing is not an executable file (from SHIM_SCCACHE)");

  sys.shim_aliases = {"/tools/sccache-0.8"};
  env.shim_sccache = "/tools/sccache-0.8";
  Located itself = FindSccache(env);
  CHECK_FALSE(itself.path.has_value());
  CHECK(itself.problem.find("rustc-shim itself") != std::string::npos);
}

TEST_CASE("SHIM_SCCACHE as a name is looked up on PATH") {
  FakeSystem sys;
  sys.executables = {"/usr/bin/sccache-dist-client"};
  LocateEnv env = sys.Env("/usr/local/bin:/usr/bin");
  env.shim_sccache = "sccache-dist-client";
  CHECK(FindSccache(env).path == std::optional<std::string>("/usr/bin/sccache-dist-client"));
  env.shim_sccache = "nope";
  CHECK(FindSccache(env).problem == "nope not found on PATH (from SHIM_SCCACHE)");
}

TEST_CASE("extensions are tried in order for each entry (PATHEXT)") {
  FakeSystem sys;
  sys.executables = {"/b/sccache.EXE"};
  LocateEnv env = sys.Env("/a:/b");
  env.extensions = {".COM", ".EXE"};
  CHECK(FindSccache(env).path == std::optional<std::string>("/b/sccache.EXE"));
  CHECK(sys.probed == std::vector<std::string>{"/a/sccache.COM", "/a/sccache.EXE", "/b/sccache.COM",
                                               "/b/sccache.EXE"});
}

TEST_CASE("a name that already has one of the extensions is tried as it is") {
  FakeSystem sys;
  sys.executables = {"/b/sccache.exe", "/b/sccache.exe.EXE"};
  LocateEnv env = sys.Env("/a:/b");
  env.extensions = {".COM", ".EXE"};
  env.shim_sccache = "sccache.exe";
  CHECK(FindSccache(env).path == std::optional<std::string>("/b/sccache.exe"));
  CHECK(sys.probed == std::vector<std::string>{"/a/sccache.exe", "/b/sccache.exe"});
}

TEST_CASE("FindProgram resolves the compiler as exec would, without skipping") {
  FakeSystem sys;
  sys.executables = {"/home/u/.cargo/bin/rustc"};
  LocateEnv env = sys.Env("/home/u/.cargo/bin");
  CHECK(FindProgram("rustc", env, nullptr) ==
        std::optional<std::string>("/home/u/.cargo/bin/rustc"));
  CHECK(FindProgram("/home/u/.cargo/bin/rustc", env, nullptr).has_value());
  CHECK_FALSE(FindProgram("rustc-nightly", env, nullptr).has_value());
}

}  // namespace
}  // namespace rustc_shim
