// The built rustc-shim.exe under Windows (wine in CI) against a recording
// fake compiler and fake sccache: arguments with hostile quoting arrive
// byte-identical, exit codes pass through, sccache is found through PATHEXT,
// its failure falls back to a direct compile, and SHIM_LOG takes a Windows path.
#include <windows.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cmdline.h"
#include "doctest/doctest.h"
#include "hex.h"
#include "wide.h"

namespace {

using rustc_shim::testing::Hex;
using rustc_shim::testing::Narrow;
using rustc_shim::testing::Unhex;
using rustc_shim::testing::Wide;
using V = std::vector<std::string>;

std::string EnvOrDie(const char* name) {
  const char* v = getenv(name);
  REQUIRE(v != nullptr);
  return v;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(Wide(path).c_str(), std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Record {
  std::string tool;
  V argv;
};

struct Result {
  DWORD exit_code = 0;
  std::string out, err;
};

// A directory with bin\sccache.exe and rustc.exe, a record file, and the
// environment each run gets (set in this process, inherited by the shim).
class Box {
 public:
  Box() {
    wchar_t temp[MAX_PATH];
    GetTempPathW(MAX_PATH, temp);
    // Wine reuses small pids from run to run: the tick count keeps names apart,
    // and a directory that already exists is refused rather than reused.
    static int counter = 0;
    dir_ = Narrow(temp) + "rustc-shim-win-" + std::to_string(GetCurrentProcessId()) + "-" +
           std::to_string(GetTickCount64()) + "-" + std::to_string(++counter);
    REQUIRE(CreateDirectoryW(Wide(dir_).c_str(), nullptr));
    REQUIRE(CreateDirectoryW(Wide(bin()).c_str(), nullptr));
    std::string fake = EnvOrDie("FAKE_TOOL");
    REQUIRE(CopyFileW(Wide(fake).c_str(), Wide(compiler()).c_str(), FALSE));
    REQUIRE(CopyFileW(Wide(fake).c_str(), Wide(sccache()).c_str(), FALSE));
    env["PATH"] = bin();
    env["PATHEXT"] = ".COM;.EXE;.BAT";
    env["FAKE_RECORD"] = dir_ + "\\record";
  }

  // Removes the directory, and with it any hard link to the built shim, which
  // a later copy would otherwise write through.
  ~Box() {
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(Wide(dir_)), ignored);
  }

  std::string dir() const { return dir_; }
  std::string bin() const { return dir_ + "\\bin"; }
  std::string compiler() const { return dir_ + "\\rustc.exe"; }
  std::string sccache() const { return dir_ + "\\bin\\sccache.exe"; }

  Result Run(const V& args) {
    for (const char* name :
         {"SHIM_LOG", "SHIM_MODE", "SHIM_SCCACHE", "SHIM_BYPASS", "FAKE_EXIT", "FAKE_STDERR",
          "FAKE_STDOUT", "FAKE_SCCACHE_EXIT", "FAKE_SCCACHE_STDERR", "CARGO_HOME", "CARGO"}) {
      SetEnvironmentVariableW(Wide(name).c_str(), nullptr);
    }
    for (const auto& [k, v] : env) SetEnvironmentVariableW(Wide(k).c_str(), Wide(v).c_str());
    V all = {EnvOrDie("SHIM_EXE")};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<const char*> ptrs;
    for (const std::string& a : all) ptrs.push_back(a.c_str());
    std::wstring line = Wide(rustc_shim::WindowsCommandLine(ptrs));

    SECURITY_ATTRIBUTES sa = {sizeof sa, nullptr, TRUE};
    std::string out_path = dir_ + "\\out", err_path = dir_ + "\\err";
    HANDLE out = CreateFileW(Wide(out_path).c_str(), GENERIC_WRITE, FILE_SHARE_READ, &sa,
                             CREATE_ALWAYS, 0, nullptr);
    HANDLE err = CreateFileW(Wide(err_path).c_str(), GENERIC_WRITE, FILE_SHARE_READ, &sa,
                             CREATE_ALWAYS, 0, nullptr);
    STARTUPINFOW si = {};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = GetStdHandle(STD_INPUT_HANDLE);
    si.hStdOutput = out;
    si.hStdError = err;
    PROCESS_INFORMATION pi = {};
    Result r;
    bool started =
        CreateProcessW(nullptr, line.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &si, &pi);
    CloseHandle(out);
    CloseHandle(err);
    REQUIRE(started);
    WaitForSingleObject(pi.hProcess, INFINITE);
    GetExitCodeProcess(pi.hProcess, &r.exit_code);
    CloseHandle(pi.hProcess);
    CloseHandle(pi.hThread);
    r.out = ReadAll(out_path);
    r.err = ReadAll(err_path);
    return r;
  }

  std::vector<Record> Records() const {
    std::vector<Record> records;
    std::istringstream in(ReadAll(dir_ + "\\record"));
    std::string line;
    Record current;
    while (std::getline(in, line)) {
      if (line.rfind("tool ", 0) == 0) {
        current = Record{line.substr(5), {}};
      } else if (line.rfind("arg ", 0) == 0) {
        current.argv.push_back(Unhex(line.substr(4)));
      } else if (line == "end") {
        records.push_back(current);
      }
    }
    return records;
  }

  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(Wide(dir_ + "\\" + name).c_str(), std::ios::binary) << text;
  }
  std::string Read(const std::string& name) const { return ReadAll(dir_ + "\\" + name); }

  std::map<std::string, std::string> env;

 private:
  std::string dir_;
};

const V kHostile = {"--crate-name",
                    "a b",
                    "",
                    "q\"u'o`te",
                    "trailing\\",
                    "T:\\cache dir\\",
                    "x\\\"y",
                    "\t",
                    "\xc3\xa9t\xc3\xa9 \xf0\x9f\xa6\x80",
                    "--cfg=feature=\"std\"",
                    "C:\\Program Files\\x"};

TEST_CASE("direct route: hostile arguments reach the compiler byte-identical") {
  Box box;
  V args = {box.compiler(), "-C", "instrument-coverage"};
  args.insert(args.end(), kHostile.begin(), kHostile.end());
  Result r = box.Run(args);
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].tool == "compiler");
  CHECK(records[0].argv == args);
}

// Windows file names are compared without case: PATHEXT's ".EXE" finds sccache.exe.
std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST_CASE("cache route: sccache.exe found through PATHEXT, arguments byte-identical") {
  Box box;
  V args = {box.compiler()};
  args.insert(args.end(), kHostile.begin(), kHostile.end());
  Result r = box.Run(args);
  CHECK(r.exit_code == 0);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].tool == "sccache");
  REQUIRE(!records[0].argv.empty());
  CHECK(Lower(records[0].argv[0]) == Lower(box.sccache()));
  V forwarded(records[0].argv.begin() + 1, records[0].argv.end());
  CHECK(forwarded == args);
  CHECK(records[1].tool == "compiler");
  CHECK(records[1].argv == args);
}

TEST_CASE("exit codes 0, 1, 101, 255 pass through on both routes") {
  for (int code : {0, 1, 101, 255}) {
    for (bool coverage : {true, false}) {
      CAPTURE(code);
      CAPTURE(coverage);
      Box box;
      box.env["FAKE_EXIT"] = std::to_string(code);
      V args = {box.compiler(), "--crate-name", "x"};
      if (coverage) args.push_back("-Cinstrument-coverage");
      CHECK(box.Run(args).exit_code == static_cast<DWORD>(code));
      CHECK(box.Records().size() == (coverage ? 1u : 2u));
    }
  }
}

TEST_CASE("sccache failing before it compiles: the compiler runs directly") {
  Box box;
  box.env["FAKE_SCCACHE_EXIT"] = "2";
  box.env["FAKE_SCCACHE_STDERR"] = Hex("sccache: error: failed to execute compile\n");
  box.env["SHIM_LOG"] = "warn:" + box.dir() + "\\logs dir shim.log";
  Result r = box.Run({box.compiler(), "--crate-name", "dep", "src\\lib.rs"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[1].tool == "compiler");
  CHECK(box.Read("logs dir shim.log").find("sccache failed (exit 2: sccache: error: failed to "
                                           "execute compile); running the compiler directly") !=
        std::string::npos);
}

TEST_CASE("a server-side fatal error of sccache's, then its client's: both compile directly") {
  // sccache's exit(-2) on Windows, and its lines with CRLF ends.
  const char* steps[][2] = {
      {"-2", "sccache: encountered fatal error\r\nsccache: error: failed to zip up compiler "
             "outputs\r\n"},
      {"2", "sccache: error: Server startup failed: Address in use\r\n"},
  };
  Box box;
  box.env["SHIM_LOG"] = "warn:" + box.dir() + "\\shim.log";
  box.env["FAKE_STDERR"] = Hex("warning: the compiler's own\r\n");
  size_t expected = 0;
  for (const auto& step : steps) {
    CAPTURE(step[0]);
    box.env["FAKE_SCCACHE_EXIT"] = step[0];
    box.env["FAKE_SCCACHE_STDERR"] = Hex(step[1]);
    Result r = box.Run({box.compiler(), "--crate-name", "dep", "src\\lib.rs"});
    CHECK(r.exit_code == 0);
    CHECK(r.err == "warning: the compiler's own\r\n");
    std::vector<Record> records = box.Records();
    expected += 2;
    REQUIRE(records.size() == expected);
    CHECK(records.back().tool == "compiler");
  }
  const std::string log = box.Read("shim.log");
  CHECK(log.find("sccache failed (exit -2: sccache: encountered fatal error | sccache: error: "
                 "failed to zip up compiler outputs)") != std::string::npos);
  CHECK(log.find("sccache failed (exit 2: sccache: error: Server startup failed: Address in "
                 "use)") != std::string::npos);
}

TEST_CASE("sccache failing after the metadata notice: the direct compile does not repeat it") {
  // rustc's notice with a Windows path, JSON-escaped, and CRLF line ends.
  const std::string notice =
      "{\"$message_type\":\"artifact\",\"artifact\":\"C:\\\\t\\\\libdep-1.rmeta\","
      "\"emit\":\"metadata\"}\r\n";
  const std::string rlib =
      "{\"$message_type\":\"artifact\",\"artifact\":\"C:\\\\t\\\\libdep-1.rlib\","
      "\"emit\":\"link\"}\r\n";
  Box box;
  box.env["SHIM_LOG"] = "warn:" + box.dir() + "\\shim.log";
  box.env["FAKE_SCCACHE_EXIT"] = "-2";
  box.env["FAKE_SCCACHE_STDERR"] =
      Hex(notice + "sccache: encountered fatal error\r\nsccache: error: failed to zip up "
                   "compiler outputs\r\n");
  box.env["FAKE_STDERR"] = Hex("warning: the compiler's own\r\n" + notice + rlib);
  Result r = box.Run({box.compiler(), "--crate-name", "dep", "src\\lib.rs"});
  CHECK(r.exit_code == 0);
  CHECK(r.err == notice + "warning: the compiler's own\r\n" + rlib);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records.back().tool == "compiler");
  CHECK(box.Read("shim.log").find("sccache failed (exit -2") != std::string::npos);
}

TEST_CASE("an argfile past 32,767 characters expanded goes direct; a short one to sccache") {
  Box box;
  box.env["SHIM_LOG"] = "info:" + box.dir() + "\\shim.log";
  box.Write("long.txt", "--check-cfg\r\ncfg(feature, values(\"" + std::string(33000, 'f') +
                            "\"))\r\nsrc\\lib.rs\r\n");
  box.Write("short.txt", "--crate-name\r\nfoo\r\nsrc\\lib.rs\r\n");
  std::string long_at = "@" + box.dir() + "\\long.txt";
  box.Run({box.compiler(), long_at});
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].tool == "compiler");
  CHECK(records[0].argv == V{box.compiler(), long_at});
  CHECK(box.Read("shim.log").find("is past the system's limit of 32767: sccache 0.17 and newer "
                                  "would run rustc with it expanded") != std::string::npos);
  std::string short_at = "@" + box.dir() + "\\short.txt";
  box.Run({box.compiler(), short_at});
  records = box.Records();
  REQUIRE(records.size() == 3);
  CHECK(records[1].tool == "sccache");
  CHECK(records[2].argv == V{box.compiler(), short_at});
}

TEST_CASE("a compile error through sccache is not run twice") {
  Box box;
  box.env["FAKE_EXIT"] = "1";
  box.env["FAKE_STDERR"] = Hex("error[E0308]: mismatched types\r\n");
  Result r = box.Run({box.compiler(), "--crate-name", "a", "src\\lib.rs"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "error[E0308]: mismatched types\r\n");
  CHECK(box.Records().size() == 2);
}

TEST_CASE("SHIM_LOG on a Windows path; --explain names sccache.exe") {
  Box box;
  box.env["SHIM_LOG"] = "info:" + box.dir() + "\\shim.log";
  box.Run({box.compiler(), "--crate-name", "a", "-C", "instrument-coverage"});
  CHECK(box.Read("shim.log").find("info: direct: -C instrument-coverage at argument 3") !=
        std::string::npos);
  Result r = box.Run({"--explain", box.compiler(), "x.rs"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("route: cache") == 0);
  CHECK(Lower(r.out).find("sccache: " + Lower(box.sccache()) + "\n") != std::string::npos);
}

TEST_CASE("argfiles with CRLF line ends and Windows paths") {
  Box box;
  box.Write("args file.txt", "--crate-name\r\nfoo\r\n-C\r\ninstrument-coverage\r\nsrc\\lib.rs\r\n");
  std::string at = "@" + box.dir() + "\\args file.txt";
  box.Run({box.compiler(), at});
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].argv == V{box.compiler(), at});
}

TEST_CASE("SHIM_SCCACHE with a Windows path; rustc-shim itself as sccache.exe is skipped") {
  Box box;
  box.env["PATH"] = box.dir();
  box.env["SHIM_SCCACHE"] = box.sccache();
  box.Run({box.compiler(), "x.rs"});
  CHECK(box.Records().size() == 2);

  Box self;
  DeleteFileW(Wide(self.sccache()).c_str());
  REQUIRE(
      CreateHardLinkW(Wide(self.sccache()).c_str(), Wide(EnvOrDie("SHIM_EXE")).c_str(), nullptr));
  Result r = self.Run({self.compiler(), "x.rs"});
  CHECK(r.exit_code == 0);
  std::vector<Record> records = self.Records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].tool == "compiler");
}

TEST_CASE("a compiler that does not exist: named on stderr, exit 127") {
  Box box;
  Result r = box.Run({"no-such-rustc", "-Cinstrument-coverage"});
  CHECK(r.exit_code == 127);
  CHECK(r.err.find("no-such-rustc") != std::string::npos);
}

TEST_CASE("a driver under its own name: its -vV decides, as sccache's detection does") {
  Box box;
  const std::string driver = box.bin() + "\\my-driver.exe";
  REQUIRE(CopyFileW(Wide(EnvOrDie("FAKE_TOOL")).c_str(), Wide(driver).c_str(), FALSE));
  box.env["CARGO"] = "C:\\cargo\\cargo.exe";
  V args = {driver, "--crate-name", "dep", "--edition=2021", "src\\lib.rs"};
  Result direct = box.Run(args);
  CHECK(direct.exit_code == 0);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].argv == V{driver, "-vV"});
  CHECK(records[1].argv == args);  // no sccache between

  box.env["FAKE_STDOUT"] = Hex("rustc 1.95.0 (59807616e 2026-04-14)\r\n");
  Result cached = box.Run(args);
  CHECK(cached.exit_code == 0);
  records = box.Records();
  REQUIRE(records.size() == 5);
  CHECK(records[2].argv == V{driver, "-vV"});
  CHECK(records[3].tool == "sccache");
  CHECK(records[4].argv == args);
}

TEST_CASE("--init --global: sccache.exe beside CARGO_HOME, the file kept, a second run the same") {
  Box box;
  const std::string home = box.dir() + "\\cargo home";
  REQUIRE(CreateDirectoryW(Wide(home).c_str(), nullptr));
  box.env["CARGO_HOME"] = home;
  const std::string before = "# the team's\r\n[net]\r\nretry = 3\r\n";
  std::ofstream(Wide(home + "\\config.toml").c_str(), std::ios::binary) << before;
  Result first = box.Run({"--init", "--global"});
  CHECK(first.exit_code == 0);
  const std::string alias = home + "\\rustc-shim\\sccache.exe";
  CHECK(GetFileAttributesW(Wide(alias).c_str()) != INVALID_FILE_ATTRIBUTES);
  const std::string after = ReadAll(home + "\\config.toml");
  CHECK(after == before + "\r\n[build]\r\nrustc-wrapper = '" + alias + "'\r\n");
  Result second = box.Run({"--init", "--global"});
  CHECK(second.exit_code == 0);
  CHECK(second.out.find("is set already") != std::string::npos);
  CHECK(ReadAll(home + "\\config.toml") == after);
  // A hard link to rustc-shim, or a copy of it: its bytes either way.
  CHECK(ReadAll(alias) == ReadAll(EnvOrDie("SHIM_EXE")));
}

}  // namespace
