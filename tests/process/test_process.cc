// The built rustc-shim against recording fake programs: what reaches the
// compiler or sccache must be byte-for-byte what cargo gave the shim.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <regex>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "doctest/doctest.h"
#include "harness.h"

namespace rustc_shim::testing {
namespace {

using V = std::vector<std::string>;

// Arguments a hostile build could pass: spaces, quotes, newlines, empty
// strings, bytes that are not UTF-8, and something that looks like an option.
const V kHostile = {
    "--crate-name",        "a b", "", "q\"u'o`te$", "line\nbreak", std::string("\xff\xfe bytes", 8),
    "--cfg=feature=\"x\"", "-"};

TEST_CASE("direct route: the compiler replaces the shim with argv untouched") {
  Sandbox box;
  V args = {box.compiler(), "-C", "instrument-coverage"};
  args.insert(args.end(), kHostile.begin(), kHostile.end());
  RunResult r = box.Run(args);
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].tool == "compiler");
  CHECK(records[0].argv == args);
  // exec, not spawn: the compiler runs in the shim's own process.
  CHECK(records[0].pid == r.pid);
}

TEST_CASE("cache route: sccache gets the compiler and argv untouched") {
  Sandbox box;
  V args = {box.compiler()};
  args.insert(args.end(), kHostile.begin() + 1, kHostile.end() - 1);
  RunResult r = box.Run(args);
  CHECK(r.exit_code == 0);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].tool == "sccache");
  // sccache runs as the shim's child, so that its own failure can be caught.
  CHECK(records[0].ppid == r.pid);
  V expected = {box.sccache()};
  expected.insert(expected.end(), args.begin(), args.end());
  CHECK(records[0].argv == expected);
  CHECK(records[1].tool == "compiler");
  CHECK(records[1].argv == args);
}

TEST_CASE("exit codes pass through on both routes") {
  for (const char* code : {"0", "1", "101", "255"}) {
    for (bool coverage : {true, false}) {
      CAPTURE(code);
      CAPTURE(coverage);
      Sandbox box;
      box.env["FAKE_EXIT"] = code;
      V args = {box.compiler(), "--crate-name", "x"};
      if (coverage) args.push_back("-Cinstrument-coverage");
      RunResult r = box.Run(args);
      CHECK(r.exit_code == std::stoi(code));
      CHECK(box.Records().size() == (coverage ? 1u : 2u));
    }
  }
}

TEST_CASE("death by a signal is the caller's to see") {
  for (bool coverage : {true, false}) {
    CAPTURE(coverage);
    Sandbox box;
    box.env["FAKE_SIGNAL"] = std::to_string(SIGSEGV);
    V args = {box.compiler(), coverage ? "-Cinstrument-coverage" : "x.rs"};
    RunResult r = box.Run(args);
    CHECK(r.signal == SIGSEGV);
    CHECK(r.exit_code == -1);
  }
}

TEST_CASE("stdout, stderr and stdin pass through byte for byte") {
  std::string out_bytes = std::string("{\"reason\":\"x\"}\n\0\xff\r\n", 20);
  std::string err_bytes = "warning: unused\r\n\x1b[0m";
  for (bool coverage : {true, false}) {
    CAPTURE(coverage);
    Sandbox box;
    box.env["FAKE_STDOUT"] = Hex(out_bytes);
    box.env["FAKE_STDERR"] = Hex(err_bytes);
    box.env["FAKE_ECHO_STDIN"] = "1";
    std::string input(200000, 'i');
    input += std::string("\0end", 4);
    V args = {box.compiler(), coverage ? "-Cinstrument-coverage" : "--crate-name", "-"};
    if (!coverage) args = {box.compiler(), "--crate-name", "a", "x.rs"};
    RunResult r = box.Run(args, input);
    CHECK(r.exit_code == 0);
    CHECK(r.out == out_bytes + input);
    CHECK(r.err == err_bytes);
  }
}

TEST_CASE("the environment passes on; sccache alone loses CARGO_INCREMENTAL") {
  Sandbox box;
  box.env["CARGO_INCREMENTAL"] = "1";
  box.env["CARGO_BUILD_INCREMENTAL"] = "true";
  box.env["CARGO_PKG_NAME"] = "fixture";
  box.env["SCCACHE_DIR"] = "/somewhere";
  box.env["ODD"] = "a=b\nc";

  RunResult cached = box.Run({box.compiler(), "--crate-name", "dep", "src/lib.rs"});
  CHECK(cached.exit_code == 0);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  for (const Record& record : records) {
    CAPTURE(record.tool);
    CHECK(record.env.count("CARGO_INCREMENTAL") == 0);
    CHECK(record.env.count("CARGO_BUILD_INCREMENTAL") == 0);
    CHECK(record.env.at("CARGO_PKG_NAME") == "fixture");
    CHECK(record.env.at("SCCACHE_DIR") == "/somewhere");
    CHECK(record.env.at("ODD") == "a=b\nc");
    CHECK(record.env.at("FAKE_RECORD") == box.env.at("FAKE_RECORD"));
  }

  Sandbox direct;
  direct.env = box.env;
  direct.env["FAKE_RECORD"] = direct.dir() + "/record";
  RunResult r = direct.Run({direct.compiler(), "-C", "incremental=/t/inc", "src/lib.rs"});
  CHECK(r.exit_code == 0);
  records = direct.Records();
  REQUIRE(records.size() == 1);
  // The direct route changes nothing at all.
  std::map<std::string, std::string> expected = direct.env;
  CHECK(records[0].env == expected);
}

TEST_CASE("inherited descriptors (cargo's jobserver) stay open") {
  int jobserver[2];
  REQUIRE(pipe(jobserver) == 0);
  for (bool coverage : {true, false}) {
    CAPTURE(coverage);
    Sandbox box;
    box.env["FAKE_CHECK_FDS"] =
        std::to_string(jobserver[0]) + "," + std::to_string(jobserver[1]) + ",250";
    box.env["CARGO_MAKEFLAGS"] =
        "-j --jobserver-fds=" + std::to_string(jobserver[0]) + "," + std::to_string(jobserver[1]);
    V args = {box.compiler(), coverage ? "-Cinstrument-coverage" : "x.rs"};
    RunResult r = box.Run(args, "", {jobserver[0], jobserver[1]});
    CHECK(r.exit_code == 0);
    std::vector<Record> records = box.Records();
    REQUIRE(!records.empty());
    for (const Record& record : records) {
      CHECK(record.fds.at(jobserver[0]));
      CHECK(record.fds.at(jobserver[1]));
      CHECK_FALSE(record.fds.at(250));
    }
  }
  close(jobserver[0]);
  close(jobserver[1]);
}

TEST_CASE("sccache failing before it compiles: the compiler runs directly") {
  Sandbox box;
  box.env["FAKE_SCCACHE_EXIT"] = "2";
  box.env["FAKE_SCCACHE_STDERR"] =
      Hex("sccache: error: failed to execute compile\n"
          "sccache: caused by: Failed to send data to or receive data from server\n");
  box.env["FAKE_STDERR"] = Hex("warning: from the compiler\n");
  box.env["FAKE_STDOUT"] = Hex("out\n");
  box.env["SHIM_LOG"] = "warn:" + box.dir() + "/shim.log";
  box.env["CARGO_INCREMENTAL"] = "0";
  V args = {box.compiler(), "--crate-name", "dep", "src/lib.rs"};
  RunResult r = box.Run(args);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "out\n");
  CHECK(r.err == "warning: from the compiler\n");  // sccache's words went to the log
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].tool == "sccache");
  CHECK(records[1].tool == "compiler");
  CHECK(records[1].argv == args);
  CHECK(records[1].pid == r.pid);  // the retry is an exec, as on the direct route
  CHECK(records[1].env.at("CARGO_INCREMENTAL") == "0");  // the full environment again
  std::string log = box.Read("shim.log");
  CHECK(log.find("warning: sccache failed (exit 2: sccache: error: failed to execute compile | "
                 "sccache: caused by: Failed to send data") != std::string::npos);
}

// One way sccache ends without a compile's result, as a stand-in plays it:
// its exit status and what it writes, in the words of the versions named.
struct Failure {
  const char* name;
  const char* exit;
  const char* out;
  const char* err;
  const char* logged;  // a part of the log's warning
};

const Failure kFailures[] = {
    {"0.16: a server-side fatal error (mozilla/sccache#1652, #2731, #2275)", "254", "",
     "sccache: encountered fatal error\nsccache: error: failed to zip up compiler outputs\n"
     "sccache: caused by: No space left on device (os error 28)\n",
     "sccache failed (exit 254: sccache: encountered fatal error | sccache: error: failed to zip "
     "up compiler outputs | sccache: caused by: No space left on device (os error 28))"},
    {"every version: its server cannot start, its port in use", "2", "",
     "sccache: error: Server startup failed: Address in use\n",
     "sccache failed (exit 2: sccache: error: Server startup failed: Address in use)"},
    {"0.10/0.16: server start-up timed out, a report over two lines", "2", "",
     "sccache: error: Timed out waiting for server startup. Maybe the remote service is "
     "unreachable?\nRun with SCCACHE_LOG=debug SCCACHE_NO_DAEMON=1 to get more information\n",
     "unreachable? | Run with SCCACHE_LOG=debug SCCACHE_NO_DAEMON=1 to get more information)"},
    {"0.4: server start-up timed out", "2", "", "sccache: error: Timed out waiting for server startup\n",
     "sccache failed (exit 2: sccache: error: Timed out waiting for server startup)"},
    {"every version: compiler not supported", "2", "",
     "sccache: error: failed to execute compile\nsccache: caused by: Compiler not supported: "
     "\"unknown\"\n",
     "sccache: caused by: Compiler not supported"},
    {"every version: the compiler killed on sccache's server, after some of its output", "254",
     "sccache: Compiler killed by signal 9\n", "warning: half of the compiler's output\n",
     "sccache failed (the compiler was killed by signal 9 under sccache)"},
    {"every version: the compile sccache ran itself killed", "2",
     "sccache: Compile terminated by signal 9\n", "",
     "sccache failed (the compiler was killed by signal 9 under sccache)"},
    {"every version: no exit status from the compiler", "253",
     "sccache: Missing compiler exit status!\n", "",
     "sccache failed (exit 253: sccache: Missing compiler exit status!)"},
    {"0.5.1-0.10: incremental compilation refused", "1",
     "sccache: increment compilation is  prohibited.\n", "",
     "sccache failed (exit 1: sccache: increment compilation is  prohibited.)"},
    {"0.11 and later: incremental compilation refused", "1",
     "sccache: incremental compilation is prohibited: Unset CARGO_BUILD_INCREMENTAL to "
     "continue.\n",
     "", "Unset CARGO_BUILD_INCREMENTAL to continue.)"},
};

TEST_CASE("every way sccache fails ends in one direct compile, its words in the log only") {
  for (const Failure& failure : kFailures) {
    CAPTURE(failure.name);
    Sandbox box;
    box.env["FAKE_SCCACHE_EXIT"] = failure.exit;
    box.env["FAKE_SCCACHE_STDOUT"] = Hex(failure.out);
    box.env["FAKE_SCCACHE_STDERR"] = Hex(failure.err);
    box.env["FAKE_STDOUT"] = Hex("the compiler's stdout\n");
    box.env["FAKE_STDERR"] = Hex("the compiler's stderr\n");
    box.env["SHIM_LOG"] = "warn:" + box.dir() + "/shim.log";
    V args = {box.compiler(), "--crate-name", "dep", "src/lib.rs"};
    RunResult r = box.Run(args);
    CHECK(r.exit_code == 0);
    CHECK(r.out == "the compiler's stdout\n");
    CHECK(r.err == "the compiler's stderr\n");
    std::vector<Record> records = box.Records();
    REQUIRE(records.size() == 2);
    CHECK(records[0].tool == "sccache");
    CHECK(records[0].ppid == r.pid);
    CHECK(records[1].tool == "compiler");
    CHECK(records[1].pid == r.pid);
    CHECK(records[1].argv == args);
    std::string log = box.Read("shim.log");
    CAPTURE(log);
    CHECK(log.find(failure.logged) != std::string::npos);
    CHECK(log.find("; running the compiler directly\n") != std::string::npos);
  }
}

// The names of every file under `dir`, recursively, but the record and log.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  Sandbox lister;
  RunResult r = lister.RunProgram("/usr/bin/find", {dir, "-mindepth", "1"});
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line != dir + "/record" && line != dir + "/shim.log") files.push_back(line);
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_CASE("254, then 254 and exit 2: every compile works and nothing is written beside them") {
  // The sequence a new user met with the lease: a server-side fatal error was
  // taken for sccache working, and the next failure broke the build.
  Sandbox box;
  box.env["SHIM_LOG"] = "info:" + box.dir() + "/shim.log";
  box.env["TMPDIR"] = box.dir();
  const std::vector<std::string> before = FilesUnder(box.dir());
  V args = {box.compiler(), "--crate-name", "dep", "src/lib.rs"};
  struct Step {
    const char* exit;  // nullptr: sccache compiles
    const char* err;
  };
  const Step steps[] = {
      {"254", "sccache: encountered fatal error\nsccache: error: failed to zip up compiler "
              "outputs\n"},
      {nullptr, ""},
      {"254", "sccache: encountered fatal error\nsccache: error: failed to zip up compiler "
              "outputs\n"},
      {"2", "sccache: error: Server startup failed: Address in use\n"},
      {nullptr, ""},
      {nullptr, ""},
  };
  size_t expected_records = 0;
  for (const Step& step : steps) {
    CAPTURE(step.exit ? step.exit : "compiles");
    if (step.exit) {
      box.env["FAKE_SCCACHE_EXIT"] = step.exit;
      box.env["FAKE_SCCACHE_STDERR"] = Hex(step.err);
    } else {
      box.env.erase("FAKE_SCCACHE_EXIT");
      box.env.erase("FAKE_SCCACHE_STDERR");
    }
    RunResult r = box.Run(args);
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    std::vector<Record> records = box.Records();
    expected_records += 2;
    REQUIRE(records.size() == expected_records);
    const Record& sccache = records[records.size() - 2];
    const Record& compiler = records.back();
    CHECK(sccache.tool == "sccache");
    // Always the shim's child, however recently a compile through it worked.
    CHECK(sccache.ppid == r.pid);
    CHECK(compiler.tool == "compiler");
    // A failure is followed by the compiler run in the shim's own process; a
    // success, by the compiler that sccache ran.
    CHECK((compiler.pid == r.pid) == (step.exit != nullptr));
  }
  CHECK(FilesUnder(box.dir()) == before);
}

TEST_CASE("sccache that is not a program, or dies of a signal: the compiler runs directly") {
  const std::string not_a_program[] = {"no shebang, just words\n",
                                       std::string("\x7f" "ELF\x01\x02garbage", 12), ""};
  for (const std::string& contents : not_a_program) {
    CAPTURE(contents.size());
    Sandbox box;
    unlink(box.sccache().c_str());
    box.Write("bin/sccache", contents);
    REQUIRE(chmod(box.sccache().c_str(), 0755) == 0);
    box.env["SHIM_LOG"] = "warn:" + box.dir() + "/shim.log";
    RunResult r = box.Run({box.compiler(), "--crate-name", "dep", "src/lib.rs"});
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    std::vector<Record> records = box.Records();
    REQUIRE(records.size() == 1);
    CHECK(records[0].tool == "compiler");
    CHECK(box.Read("shim.log").find("sccache failed (cannot run it: Exec format error); running "
                                    "the compiler directly") != std::string::npos);
  }

  Sandbox box;
  box.env["FAKE_SCCACHE_EXIT"] = "0";
  box.env["FAKE_SCCACHE_SIGNAL"] = std::to_string(SIGKILL);
  box.env["FAKE_SCCACHE_STDERR"] = Hex("sccache: error: something\n");
  box.env["SHIM_LOG"] = "warn:" + box.dir() + "/shim.log";
  RunResult r = box.Run({box.compiler(), "--crate-name", "dep", "src/lib.rs"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[1].tool == "compiler");
  CHECK(records[1].pid == r.pid);
  CHECK(box.Read("shim.log").find("sccache failed (it died of signal 9)") != std::string::npos);
}

TEST_CASE("cargo-llvm-cov's markers stay out of sccache's key; a crate that reads one compiles again") {
  // A dependency compile as cargo writes it: the dep-info lands in
  // OUT_DIR/dep-1.d, where the fake compiler writes it.
  auto args_in = [](const Sandbox& box, const char* emit) {
    return V{box.compiler(), "--crate-name", "dep", emit, "--out-dir", box.dir(),
             "-C",           "extra-filename=-1",  "src/lib.rs"};
  };
  auto setup = [](Sandbox& box) {
    box.env["CARGO_LLVM_COV"] = "1";
    box.env["CARGO_LLVM_COV_TARGET_DIR"] = "/t";
    box.env["LLVM_PROFILE_FILE"] = "/p/%p.profraw";
    box.env["FAKE_DEPINFO"] = box.dir() + "/dep-1.d";
    box.env["FAKE_STDERR"] = Hex("warning: once\n");
    box.env["SHIM_LOG"] = "debug:" + box.dir() + "/shim.log";
  };

  SUBCASE("a crate that reads none of them: served by sccache without them, once") {
    Sandbox box;
    setup(box);
    RunResult r = box.Run(args_in(box, "--emit=dep-info,metadata,link"));
    CHECK(r.exit_code == 0);
    CHECK(r.err == "warning: once\n");
    std::vector<Record> records = box.Records();
    REQUIRE(records.size() == 2);
    for (const Record& record : records) {
      CAPTURE(record.tool);
      CHECK(record.env.count("CARGO_LLVM_COV") == 0);
      CHECK(record.env.count("CARGO_LLVM_COV_TARGET_DIR") == 0);
      CHECK(record.env.at("LLVM_PROFILE_FILE") == "/p/%p.profraw");  // not in sccache's key
    }
    CHECK(box.Read("shim.log").find("left out of sccache's environment: CARGO_LLVM_COV "
                                    "CARGO_LLVM_COV_TARGET_DIR") != std::string::npos);
  }
  SUBCASE("a crate that reads one: compiled again directly, with it; its output once") {
    Sandbox box;
    setup(box);
    box.env["FAKE_READS"] = "CARGO_LLVM_COV";
    RunResult r = box.Run(args_in(box, "--emit=dep-info,metadata,link"));
    CHECK(r.exit_code == 0);
    CHECK(r.err == "warning: once\n");
    std::vector<Record> records = box.Records();
    REQUIRE(records.size() == 3);
    CHECK(records[1].env.count("CARGO_LLVM_COV") == 0);
    CHECK(records[2].tool == "compiler");
    CHECK(records[2].pid == r.pid);
    CHECK(records[2].env.at("CARGO_LLVM_COV") == "1");
    CHECK(box.Read("dep-1.d").find("# env-dep:CARGO_LLVM_COV=1\n") != std::string::npos);
    CHECK(box.Read("shim.log").find("info: compiled again directly: its dep-info") !=
          std::string::npos);
  }
  SUBCASE("a compile that failed naming one: compiled again directly") {
    Sandbox box;
    setup(box);
    box.env["FAKE_EXIT"] = "1";
    box.env["FAKE_STDERR"] =
        Hex("error: environment variable `CARGO_LLVM_COV` not defined at compile time\n");
    RunResult r = box.Run(args_in(box, "--emit=dep-info,metadata,link"));
    CHECK(r.exit_code == 1);  // the stand-in fails the same way with it, too
    CHECK(r.err == "error: environment variable `CARGO_LLVM_COV` not defined at compile time\n");
    std::vector<Record> records = box.Records();
    REQUIRE(records.size() == 3);
    CHECK(records[2].env.at("CARGO_LLVM_COV") == "1");
  }
  SUBCASE("the arguments in an argfile, as cargo passes a long command line") {
    Sandbox box;
    setup(box);
    V args = args_in(box, "--emit=dep-info,metadata,link");
    std::string lines;
    for (size_t i = 1; i < args.size(); ++i) lines += args[i] + "\n";
    box.Write("args.txt", lines);
    RunResult r = box.Run({box.compiler(), "@" + box.dir() + "/args.txt"});
    CHECK(r.exit_code == 0);
    std::vector<Record> records = box.Records();
    REQUIRE(records.size() == 2);
    CHECK(records[0].env.count("CARGO_LLVM_COV") == 0);
  }
  SUBCASE("no dep-info to check, or SHIM_KEEP_MARKERS=1: sccache gets them") {
    for (bool keep : {false, true}) {
      CAPTURE(keep);
      Sandbox box;
      setup(box);
      if (keep) box.env["SHIM_KEEP_MARKERS"] = "1";
      RunResult r =
          box.Run(args_in(box, keep ? "--emit=dep-info,metadata,link" : "--emit=metadata"));
      CHECK(r.exit_code == 0);
      std::vector<Record> records = box.Records();
      REQUIRE(records.size() == 2);
      CHECK(records[0].env.at("CARGO_LLVM_COV") == "1");
    }
  }
  SUBCASE("CARGO_INCREMENTAL, always kept from sccache, is checked the same way") {
    Sandbox box;
    setup(box);
    box.env.erase("CARGO_LLVM_COV");
    box.env["CARGO_INCREMENTAL"] = "0";
    box.env["FAKE_READS"] = "CARGO_INCREMENTAL";
    RunResult r = box.Run(args_in(box, "--emit=dep-info,metadata,link"));
    CHECK(r.exit_code == 0);
    std::vector<Record> records = box.Records();
    REQUIRE(records.size() == 3);
    CHECK(records[0].env.count("CARGO_INCREMENTAL") == 0);
    CHECK(records[0].env.at("CARGO_LLVM_COV_TARGET_DIR") == "/t");  // only with CARGO_LLVM_COV
    CHECK(records[2].env.at("CARGO_INCREMENTAL") == "0");
  }
}

TEST_CASE("a compile that fails through sccache is never run twice") {
  for (const char* code : {"1", "101", "2"}) {
    CAPTURE(code);
    Sandbox box;
    box.env["FAKE_EXIT"] = code;
    box.env["FAKE_STDERR"] = Hex("error[E0308]: mismatched types\n");
    RunResult r = box.Run({box.compiler(), "--crate-name", "a", "src/lib.rs"});
    CHECK(r.exit_code == std::stoi(code));
    CHECK(r.err == "error[E0308]: mismatched types\n");
    CHECK(box.Records().size() == 2);  // sccache, and the compiler it ran: once
  }
  // sccache's own warning before a failed compile's output is passed on,
  // not retried: the compile (here, sccache's stand-in) had its say.
  Sandbox box;
  box.env["FAKE_SCCACHE_EXIT"] = "2";
  box.env["FAKE_SCCACHE_STDERR"] =
      Hex("sccache: warning: compiling locally instead\nerror: from the compile\n");
  RunResult r = box.Run({box.compiler(), "--crate-name", "a", "src/lib.rs"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "sccache: warning: compiling locally instead\nerror: from the compile\n");
  CHECK(box.Records().size() == 1);
}

// rustc's notice that a crate's metadata is written, as sccache 0.19 passes it
// on while the compile goes on (sccache #2875).
const std::string kNotice =
    "{\"$message_type\":\"artifact\",\"artifact\":\"/t/deps/libdep-1.rmeta\","
    "\"emit\":\"metadata\"}\n";

// Runs the shim with its stderr going to the file `err` in the sandbox, so
// that a fake sccache can watch what reached it.
RunResult RunToErrFile(const Sandbox& box, const V& args) {
  V sh = {"-c", "exec \"$@\" 2>\"$ERR_FILE\"", "sh", ShimPath()};
  sh.insert(sh.end(), args.begin(), args.end());
  return box.RunProgram("/bin/sh", sh);
}

TEST_CASE("cache route: the metadata notice reaches cargo at once, the rest stays held") {
  Sandbox box;
  box.env["ERR_FILE"] = box.dir() + "/err";
  box.env["FAKE_SCCACHE_EXIT"] = "0";
  box.env["FAKE_SCCACHE_STDERR"] = Hex("warning: unused\n" + kNotice);
  // sccache goes on only once the notice is in the file cargo reads.
  box.env["FAKE_SCCACHE_AWAIT_FILE"] = box.dir() + "/err";
  box.env["FAKE_SCCACHE_AWAIT_TEXT"] = Hex(kNotice);
  RunResult r = RunToErrFile(box, {box.compiler(), "--crate-name", "dep", "src/lib.rs"});
  CHECK(r.exit_code == 0);
  // The notice first; the held warning when sccache is done.
  CHECK(box.Read("err") == kNotice + "warning: unused\n");
}

TEST_CASE("sccache failing after the notice: the direct compile does not repeat it") {
  Sandbox box;
  box.env["SHIM_LOG"] = "info:" + box.dir() + "/shim.log";
  box.env["FAKE_SCCACHE_EXIT"] = "254";
  box.env["FAKE_SCCACHE_STDERR"] =
      Hex(kNotice +
          "sccache: encountered fatal error\nsccache: error: failed to zip up compiler outputs\n");
  const std::string rlib =
      "{\"$message_type\":\"artifact\",\"artifact\":\"/t/deps/libdep-1.rlib\","
      "\"emit\":\"link\"}\n";
  const std::string other =
      "{\"$message_type\":\"artifact\",\"artifact\":\"/t/deps/libother.rmeta\","
      "\"emit\":\"metadata\"}\n";
  box.env["FAKE_STDERR"] = Hex("warning: unused\n" + kNotice + other + rlib);
  box.env["FAKE_STDOUT"] = Hex("out");
  RunResult r = box.Run({box.compiler(), "--crate-name", "dep", "src/lib.rs"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "out");
  // One notice for the crate, nothing else of sccache's, the compile's own rest.
  CHECK(r.err == kNotice + "warning: unused\n" + other + rlib);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].tool == "sccache");
  CHECK(records[1].tool == "compiler");
  CHECK(box.Read("shim.log").find("sccache failed (exit 254") != std::string::npos);

  // The compile's own failure after the notice keeps its status.
  box.env["FAKE_EXIT"] = "1";
  r = box.Run({box.compiler(), "--crate-name", "dep", "src/lib.rs"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == kNotice + "warning: unused\n" + other + rlib);
}

TEST_CASE("stdout and stderr through sccache arrive whole and in order") {
  std::string big(60000, 'e');  // its hex must fit one environment string (128 KiB)
  big += "\nend\n";
  for (const std::string& text :
       {std::string("sccache: warning: x\nthen the compiler\n"), std::string("sccach"), big}) {
    Sandbox box;
    box.env["FAKE_STDERR"] = Hex(text);
    box.env["FAKE_STDOUT"] = Hex(text + "on stdout");
    RunResult r = box.Run({box.compiler(), "x.rs"});
    CHECK(r.exit_code == 0);
    CHECK(r.err == text);
    CHECK(r.out == text + "on stdout");
  }
}

TEST_CASE("SIGTERM to the shim reaches the compile behind sccache; nothing stays behind") {
  Sandbox box;
  box.env["FAKE_SLEEP_MS"] = "20000";
  RunResult result;
  std::thread runner([&] { result = box.Run({box.compiler(), "x.rs"}); });
  // Wait until the compiler has started (its record names the sccache pid, whose
  // parent is the shim).
  std::vector<Record> records;
  for (int i = 0; i < 500 && records.size() < 2; ++i) {
    usleep(10000);
    records = box.Records();
  }
  REQUIRE(records.size() == 2);
  int shim = records[0].ppid;
  REQUIRE(kill(shim, SIGTERM) == 0);
  runner.join();
  CHECK(result.signal == SIGTERM);
  CHECK(result.pid == shim);
  // The compile (the fake sccache execs the compiler in its own process) is
  // gone, and was not run again: the build is being stopped.
  CHECK(kill(records[1].pid, 0) == -1);
  CHECK(box.Records().size() == 2);
}

TEST_CASE("no arguments: usage on stderr, exit 2") {
  Sandbox box;
  RunResult r = box.Run({});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("usage: rustc-shim COMPILER") != std::string::npos);
}

TEST_CASE("a compiler that does not exist: named on stderr, exit 127") {
  for (bool coverage : {true, false}) {
    CAPTURE(coverage);
    Sandbox box;
    V args = {"no-such-rustc", coverage ? "-Cinstrument-coverage" : "x.rs"};
    RunResult r = box.Run(args);
    CHECK(r.exit_code == 127);
    CHECK(r.out.empty());
    CHECK(r.err.find("no-such-rustc") != std::string::npos);
    CHECK(box.Records().empty());
    RunResult by_path = box.Run({box.dir() + "/bin/missing", "x.rs"});
    CHECK(by_path.exit_code == 127);
  }
}

TEST_CASE("--version, --help") {
  Sandbox box;
  RunResult v = box.Run({"--version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out == std::string("rustc-shim ") + RUSTC_SHIM_VERSION + "\n");
  RunResult h = box.Run({"--help"});
  CHECK(h.exit_code == 0);
  CHECK(h.out.find("SHIM_LOG") != std::string::npos);
  CHECK(h.err.empty());
}

TEST_CASE("--explain prints the decision and runs nothing") {
  Sandbox box;
  RunResult r = box.Run(
      {"--explain", box.compiler(), "--crate-name", "a", "-C", "instrument-coverage", "x.rs"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("route: direct\nrule: coverage\n"
                   "reason: -C instrument-coverage at argument 3\n") == 0);
  CHECK(r.out.find("sccache: " + box.sccache() + "\n") != std::string::npos);
  CHECK(box.Records().empty());

  RunResult cached = box.Run({"--explain", box.compiler(), "x.rs"});
  CHECK(cached.out.find("route: cache\nrule: default\n") == 0);
  CHECK(cached.out.find("command: " + box.sccache() + " " + box.compiler() + " x.rs\n") !=
        std::string::npos);

  unlink(box.sccache().c_str());
  RunResult none = box.Run({"--explain", box.compiler(), "x.rs"});
  CHECK(none.out.find("route: direct\n") == 0);
  CHECK(none.out.find("sccache: none (sccache not found on PATH)") != std::string::npos);
  CHECK(box.Records().empty());
}

TEST_CASE("no sccache anywhere: the build runs directly") {
  Sandbox box;
  unlink(box.sccache().c_str());
  RunResult r = box.Run({box.compiler(), "--crate-name", "a", "x.rs"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());  // silent unless SHIM_LOG asks
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].tool == "compiler");
}

TEST_CASE("SHIM_SCCACHE names the sccache to use; a bad one runs directly") {
  Sandbox box;
  box.env["PATH"] = box.dir();
  box.env["SHIM_SCCACHE"] = box.sccache();
  CHECK(box.Run({box.compiler(), "x.rs"}).exit_code == 0);
  CHECK(box.Records().size() == 2);

  Sandbox bad;
  bad.env["SHIM_SCCACHE"] = bad.dir() + "/nothing-here";
  bad.env["SHIM_LOG"] = "warn";
  RunResult r = bad.Run({bad.compiler(), "x.rs"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("nothing-here is not an executable file") != std::string::npos);
  std::vector<Record> records = bad.Records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].tool == "compiler");
}

TEST_CASE("rustc-shim on PATH as sccache is skipped: no loop") {
  Sandbox box;
  unlink(box.sccache().c_str());
  REQUIRE(symlink(ShimPath().c_str(), box.sccache().c_str()) == 0);
  RunResult r = box.Run({box.compiler(), "x.rs"});
  CHECK(r.exit_code == 0);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].tool == "compiler");
  CHECK(records[0].pid == r.pid);

  // A real sccache later on PATH is still found.
  std::string later = box.dir() + "/later";
  mkdir(later.c_str(), 0755);
  REQUIRE(symlink(FakeToolPath().c_str(), (later + "/sccache").c_str()) == 0);
  box.env["PATH"] = box.bin() + ":" + later;
  RunResult found = box.Run({"--explain", box.compiler(), "x.rs"});
  CHECK(found.out.find("sccache: " + later + "/sccache\n") != std::string::npos);
  CHECK(found.out.find("skipped: " + box.sccache() + " (rustc-shim itself)") != std::string::npos);

  // That later sccache runs as the shim's child; the shim named sccache
  // earlier on PATH never runs as sccache.
  for (int i = 0; i < 2; ++i) {
    RunResult c = box.Run({box.compiler(), "--crate-name", "dep", "src/lib.rs"});
    CHECK(c.exit_code == 0);
    std::vector<Record> after = box.Records();
    REQUIRE(after.size() >= 2);
    const Record& sccache = after[after.size() - 2];
    CHECK(sccache.tool == "sccache");
    CHECK(sccache.argv.at(0) == later + "/sccache");
    CHECK(sccache.ppid == c.pid);
  }
}

TEST_CASE("cc-rs's C compiles through the alias named sccache: cached, direct when instrumented") {
  // cc-rs runs `$RUSTC_WRAPPER CC ARGS...` when RUSTC_WRAPPER's file stem is
  // sccache; --init points cargo at such an alias of rustc-shim.
  Sandbox box;
  const std::string alias_dir = box.dir() + "/alias";
  mkdir(alias_dir.c_str(), 0755);
  const std::string alias = alias_dir + "/sccache";
  REQUIRE(symlink(ShimPath().c_str(), alias.c_str()) == 0);
  const std::string cc = box.bin() + "/cc";
  REQUIRE(symlink(FakeToolPath().c_str(), cc.c_str()) == 0);
  box.env["CARGO"] = "/usr/bin/cargo";  // build scripts run with CARGO set
  box.env["SHIM_LOG"] = "info:" + box.dir() + "/shim.log";

  V plain = {cc, "-O2", "-ffunction-sections", "-fPIC", "-o", "/t/out/a.o", "-c", "a.c"};
  RunResult cached = box.RunProgram(alias, plain);
  CHECK(cached.exit_code == 0);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].tool == "sccache");
  V expected = {box.sccache()};
  expected.insert(expected.end(), plain.begin(), plain.end());
  CHECK(records[0].argv == expected);
  CHECK(records[1].argv == plain);

  V coverage = {cc, "-O0", "--coverage", "-o", "/t/out/a.o", "-c", "a.c"};
  RunResult direct = box.RunProgram(alias, coverage);
  CHECK(direct.exit_code == 0);
  records = box.Records();
  REQUIRE(records.size() == 3);
  CHECK(records[2].tool == "compiler");
  CHECK(records[2].argv == coverage);
  CHECK(records[2].pid == direct.pid);
  const std::string log = box.Read("shim.log");
  CHECK(log.find("cache: a C/C++ compile without coverage or profiling flags") !=
        std::string::npos);
  CHECK(log.find("direct: --coverage at argument 2") != std::string::npos);

  // sccache failing for a C compile: it still compiles, once, directly.
  box.env["FAKE_SCCACHE_EXIT"] = "2";
  box.env["FAKE_SCCACHE_STDERR"] = Hex("sccache: error: Compiler not supported\n");
  RunResult fallback = box.RunProgram(alias, plain);
  CHECK(fallback.exit_code == 0);
  CHECK(fallback.err.empty());
  records = box.Records();
  REQUIRE(records.size() == 5);
  CHECK(records[3].tool == "sccache");
  CHECK(records[4].tool == "compiler");
  CHECK(records[4].argv == plain);
}

TEST_CASE("a rustc driver under its own name: sccache only when its -vV answers as rustc") {
  Sandbox box;
  const std::string driver = box.bin() + "/my-driver";
  REQUIRE(symlink(FakeToolPath().c_str(), driver.c_str()) == 0);
  box.env["CARGO"] = "/usr/bin/cargo";
  box.env["SHIM_LOG"] = "info:" + box.dir() + "/shim.log";
  V args = {driver, "--crate-name", "dep", "--edition=2021", "src/lib.rs"};

  // It prints nothing for -vV: no sccache takes it, so none is asked.
  RunResult direct = box.Run(args);
  CHECK(direct.exit_code == 0);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].tool == "compiler");
  CHECK(records[0].argv == V{driver, "-vV"});
  CHECK(records[1].tool == "compiler");
  CHECK(records[1].argv == args);
  CHECK(records[1].pid == direct.pid);
  CHECK(box.Read("shim.log").find("direct: " + driver + " -vV does not answer 'rustc ...'") !=
        std::string::npos);

  // It answers as rustc does (sccache 0.10 and newer take it): sccache.
  box.env["FAKE_STDOUT"] = Hex("rustc 1.95.0 (59807616e 2026-04-14)\n");
  RunResult cached = box.Run(args);
  CHECK(cached.exit_code == 0);
  records = box.Records();
  REQUIRE(records.size() == 5);
  CHECK(records[2].argv == V{driver, "-vV"});
  CHECK(records[3].tool == "sccache");
  CHECK(records[4].argv == args);
}

TEST_CASE("the -vV probe of a driver reads nothing of the compile's stdin") {
  Sandbox box;
  const std::string driver = box.bin() + "/probe-driver";
  {
    std::ofstream script(driver);
    script << "#!/bin/sh\n"
              "if [ \"$1\" = -vV ]; then\n"
              "  cat > \"$PROBE_STDIN\"; echo 'probe-driver 1.0'; exit 0\n"
              "fi\n"
              "cat > \"$COMPILE_STDIN\"\n";
  }
  REQUIRE(chmod(driver.c_str(), 0755) == 0);
  box.env["PATH"] = box.bin() + ":/usr/bin:/bin";
  box.env["PROBE_STDIN"] = box.dir() + "/probe-stdin";
  box.env["COMPILE_STDIN"] = box.dir() + "/compile-stdin";
  box.env["SHIM_LOG"] = "info:" + box.dir() + "/shim.log";
  RunResult r =
      box.Run({driver, "--crate-name", "dep", "--edition=2021", "src/lib.rs"}, "USERINPUT");
  CHECK(r.exit_code == 0);
  CHECK(box.Read("shim.log").find("-vV does not answer 'rustc ...' ('probe-driver 1.0')") !=
        std::string::npos);
  CHECK(access((box.dir() + "/probe-stdin").c_str(), F_OK) == 0);  // the probe ran
  CHECK(box.Read("probe-stdin").empty());
  CHECK(box.Read("compile-stdin") == "USERINPUT");
}

TEST_CASE("a copy of rustc-shim on PATH as sccache: no loop") {
  // The copy is another file, so the shim runs it as sccache; the copy finds
  // the shim's mark in its environment and compiles directly, every time.
  Sandbox box;
  box.env["SHIM_LOG"] = "info:" + box.dir() + "/shim.log";
  unlink(box.sccache().c_str());
  REQUIRE(box.RunProgram("/bin/cp", {ShimPath(), box.sccache()}).exit_code == 0);
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    RunResult r = box.Run({box.compiler(), "--crate-name", "dep", "src/lib.rs"});
    CHECK(r.exit_code == 0);
    std::vector<Record> records = box.Records();
    REQUIRE(records.size() == static_cast<size_t>(i + 1));
    CHECK(records.back().tool == "compiler");
    CHECK(records.back().env.at("SHIM_IN_SCCACHE") == "1");
  }
  const std::string log = box.Read("shim.log");
  size_t marked = 0;
  for (size_t at = 0; (at = log.find("rustc-shim was run as sccache by rustc-shim (SHIM_IN_SCCACHE "
                                     "is set)", at)) != std::string::npos; ++at) {
    ++marked;
  }
  CHECK(marked == 3);
}

TEST_CASE("SHIM_MODE: cache forwards instrumented builds, direct never forwards") {
  Sandbox box;
  box.env["SHIM_MODE"] = "cache";
  box.Run({box.compiler(), "-Cinstrument-coverage", "x.rs"});
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[0].tool == "sccache");

  Sandbox direct;
  direct.env["SHIM_MODE"] = "direct";
  direct.Run({direct.compiler(), "x.rs"});
  REQUIRE(direct.Records().size() == 1);

  Sandbox unknown;
  unknown.env["SHIM_MODE"] = "sometimes";
  unknown.env["SHIM_LOG"] = "warn";
  RunResult r = unknown.Run({unknown.compiler(), "-Cinstrument-coverage"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("SHIM_MODE=sometimes is not auto, direct or cache") != std::string::npos);
  REQUIRE(unknown.Records().size() == 1);
}

TEST_CASE("SHIM_BYPASS routes matching command lines direct; a bad pattern is ignored") {
  Sandbox box;
  box.env["SHIM_BYPASS"] = "--crate-name (openssl_sys|ring)( |$)";
  box.Run({box.compiler(), "--crate-name", "ring", "src/lib.rs"});
  REQUIRE(box.Records().size() == 1);

  Sandbox bad;
  bad.env["SHIM_BYPASS"] = "(unclosed";
  bad.env["SHIM_LOG"] = "warn";
  RunResult r = bad.Run({bad.compiler(), "--crate-name", "ring"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("SHIM_BYPASS=(unclosed is not a valid RE2 pattern") != std::string::npos);
  CHECK(bad.Records().size() == 2);
}

TEST_CASE("argfiles are read for the decision and passed on unchanged") {
  Sandbox box;
  box.Write("args", "--crate-name\nfoo\n-C\ninstrument-coverage\r\n");
  std::string at = "@" + box.dir() + "/args";
  box.Run({box.compiler(), at});
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].argv == V{box.compiler(), at});

  Sandbox plain;
  plain.Write("args", "--crate-name\nfoo\n");
  std::string at2 = "@" + plain.dir() + "/args";
  plain.Run({plain.compiler(), at2});
  records = plain.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[1].argv == V{plain.compiler(), at2});

  // Unreadable: rustc gets to report it, so the route is direct.
  Sandbox missing;
  missing.env["SHIM_LOG"] = "info";
  RunResult r = missing.Run({missing.compiler(), "@/no/such/argfile"});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("direct: cannot read argument file /no/such/argfile") != std::string::npos);
  REQUIRE(missing.Records().size() == 1);
}

TEST_CASE("argfiles that sccache 0.17+ would read otherwise, or not fit expanded, go direct") {
  Sandbox box;
  box.env["SHIM_LOG"] = "info:" + box.dir() + "/shim.log";
  struct Case {
    const char* file;
    std::string text;
    bool cached;
    const char* logged;  // a part of the log line
  };
  const Case cases[] = {
      {"plain", "--crate-name\nfoo\nsrc/lib.rs\n", true, "cache: no coverage"},
      {"blank", "--crate-name\nfoo\n\nsrc/lib.rs\n", false,
       "/blank is empty: sccache 0.17 and newer would read it otherwise than rustc"},
      {"spaced", "--crate-name\nfoo \nsrc/lib.rs\n", false, "/spaced has white space at an end"},
      {"nested", "--crate-name\nfoo\n@more\n", false, "/nested starts with @"},
      // One argument past Linux's MAX_ARG_STRLEN, as a crate with thousands of
      // features gets from cargo's E2BIG retry.
      {"long", "--check-cfg\ncfg(feature, values(\"" + std::string(140000, 'f') + "\"))\n", false,
       "bytes is past the system's limit of "},
  };
  size_t records = 0;
  for (const Case& c : cases) {
    CAPTURE(c.file);
    box.Write(c.file, c.text);
    std::string at = "@" + box.dir() + "/" + c.file;
    RunResult r = box.Run({box.compiler(), at});
    CHECK(r.exit_code == 0);
    std::vector<Record> got = box.Records();
    records += c.cached ? 2 : 1;
    REQUIRE(got.size() == records);
    // Passed on unchanged either way: the argfile, not its lines.
    CHECK(got.back().argv == V{box.compiler(), at});
    CHECK(got[got.size() - (c.cached ? 2 : 1)].tool == (c.cached ? "sccache" : "compiler"));
    CHECK(box.Read("shim.log").find(c.logged) != std::string::npos);
  }
}

TEST_CASE("bad argfiles: a clear log line, the compiler runs and reports") {
  struct Bad {
    const char* name;
    std::string contents;  // empty name: a directory
    const char* logged;
  };
  Sandbox box;
  mkdir((box.dir() + "/a-directory").c_str(), 0755);
  box.Write("binary", std::string("\x7f"
                                  "ELF\x02\x01\x01\0\xff\xfe",
                                  10));
  box.Write("crlf", "--crate-name\r\nfoo\r\n-C\r\ninstrument-coverage\r\n");
  box.env["SHIM_LOG"] = "info:" + box.dir() + "/shim.log";
  for (const char* file : {"a-directory", "binary", "missing"}) {
    CAPTURE(file);
    std::string at = std::string("@") + box.dir() + "/" + file;
    RunResult r = box.Run({box.compiler(), "--crate-name", "x", at});
    CHECK(r.exit_code == 0);
    CHECK(r.out.empty());
  }
  std::string log = box.Read("shim.log");
  CHECK(log.find("direct: cannot read argument file " + box.dir() +
                 "/a-directory: Is a directory") != std::string::npos);
  CHECK(log.find("direct: argument file " + box.dir() + "/binary is not UTF-8") !=
        std::string::npos);
  CHECK(log.find("direct: cannot read argument file " + box.dir() +
                 "/missing: No such file or directory") != std::string::npos);
  // CRLF line ends are rustc's too: the coverage flag inside is found.
  RunResult crlf = box.Run({box.compiler(), "@" + box.dir() + "/crlf"});
  CHECK(crlf.exit_code == 0);
  CHECK(box.Read("shim.log").find("direct: -C instrument-coverage at argument 1 (item 3 of @") !=
        std::string::npos);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 4);
  for (const Record& record : records) CHECK(record.tool == "compiler");
}

TEST_CASE("ten thousand arguments and a megabyte argfile pass through untouched") {
  Sandbox box;
  V args = {box.compiler()};
  for (int i = 0; i < 10000; ++i) args.push_back("--cfg=feature=\"f" + std::to_string(i) + "\"");
  RunResult cached = box.Run(args);
  CHECK(cached.exit_code == 0);
  std::vector<Record> records = box.Records();
  REQUIRE(records.size() == 2);
  CHECK(records[1].argv == args);

  Sandbox big;
  std::string text;
  while (text.size() < (1u << 20))
    text += "--cfg=feature=\"" + std::to_string(text.size()) + "\"\n";
  text += "-Cinstrument-coverage\n";
  big.Write("args", text);
  V at = {big.compiler(), "--crate-name", "big", "@" + big.dir() + "/args"};
  RunResult direct = big.Run(at);
  CHECK(direct.exit_code == 0);
  records = big.Records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].argv == at);
}

TEST_CASE("SHIM_LOG to a file: one line per invocation, nothing on stdout") {
  Sandbox box;
  std::string log = box.dir() + "/shim.log";
  box.env["SHIM_LOG"] = "info:" + log;
  RunResult a = box.Run({box.compiler(), "--crate-name", "a", "-C", "instrument-coverage"});
  RunResult b = box.Run({box.compiler(), "--crate-name", "b", "src/lib.rs"});
  CHECK(a.out.empty());
  CHECK(b.out.empty());
  CHECK(a.err.empty());
  std::string text = box.Read("shim.log");
  CHECK(text.find("rustc-shim[" + std::to_string(a.pid) +
                  "] info: direct: -C instrument-coverage at argument 3\n") != std::string::npos);
  CHECK(text.find("rustc-shim[" + std::to_string(b.pid) + "] info: cache: no coverage") !=
        std::string::npos);
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);

  box.env["SHIM_LOG"] = "debug:" + log;
  box.Run({box.compiler(), "--crate-name", "c"});
  text = box.Read("shim.log");
  CHECK(text.find("debug: argv: " + ShimPath() + " " + box.compiler() + " --crate-name c\n") !=
        std::string::npos);
  CHECK(text.find("debug: sccache: " + box.sccache() + "\n") != std::string::npos);
}

TEST_CASE("parallel invocations logging to one file never interleave inside a line") {
  Sandbox box;
  box.env.erase("FAKE_RECORD");
  std::string log = box.dir() + "/shim.log";
  box.env["SHIM_LOG"] = "debug:" + log;
  // Long argv records (about 40 KB) are written in one piece or not at all.
  std::string long_arg(40000, 'x');
  constexpr int kThreads = 4, kRuns = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRuns; ++i) {
        // Built piece by piece: GCC 12 warns (-Wrestrict) on the chained form.
        std::string name = "t";
        name += std::to_string(t);
        name += "r";
        name += std::to_string(i);
        RunResult r = box.Run({box.compiler(), "--crate-name", name, "--cfg", long_arg});
        if (r.exit_code != 0) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures == 0);

  std::istringstream lines(box.Read("shim.log"));
  std::string line;
  int info = 0, argv = 0, sccache = 0, other = 0;
  // Every line starts with a record's head (std::regex recurses per character,
  // so only the head is matched, not the 40 KB tail).
  const std::regex kHead(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3} rustc-shim\[\d+\] (info|debug): )");
  while (std::getline(lines, line)) {
    if (!std::regex_search(line.substr(0, 64), kHead)) {
      ++other;
    } else if (line.find("info: cache: no coverage") != std::string::npos) {
      ++info;
    } else if (line.find("debug: argv: ") != std::string::npos && line.size() > long_arg.size() &&
               line.compare(line.size() - long_arg.size() - 7, 7, " --cfg ") == 0) {
      ++argv;
    } else if (line.find("debug: sccache: ") != std::string::npos) {
      ++sccache;
    } else {
      ++other;
    }
  }
  CHECK(info == kThreads * kRuns);
  CHECK(argv == kThreads * kRuns);
  CHECK(sccache == kThreads * kRuns);
  CHECK(other == 0);
}

TEST_CASE("SHIM_LOG that cannot be used never breaks the build") {
  Sandbox box;
  box.env["SHIM_LOG"] = "info:/no/such/dir/shim.log";
  RunResult r = box.Run({box.compiler(), "x.rs"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(r.err.find("cannot open SHIM_LOG file /no/such/dir/shim.log") != std::string::npos);
  CHECK(box.Records().size() == 2);

  Sandbox bogus;
  bogus.env["SHIM_LOG"] = "loud";
  RunResult b = bogus.Run({bogus.compiler(), "x.rs"});
  CHECK(b.exit_code == 0);
  CHECK(b.out.empty());
  CHECK(b.err ==
        "rustc-shim: SHIM_LOG=loud is not LEVEL or LEVEL:FILE "
        "(LEVEL: off, error, warn, info, debug, trace)\n");
  CHECK(bogus.Records().size() == 2);
}

}  // namespace
}  // namespace rustc_shim::testing
