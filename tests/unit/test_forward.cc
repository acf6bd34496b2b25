// How the cache route judges sccache's end: every way sccache 0.4.0-pre.6,
// 0.10.0 and 0.16.0 report their own failure (texts and exit codes from their
// src/lib.rs, src/commands.rs and src/server.rs, and as seen in the e2e
// fault tests) against compiles that ended on their own.
#include <errno.h>

#include <string>
#include <vector>

#include "doctest/doctest.h"
#include "forward.h"

namespace rustc_shim {
namespace {

ChildStatus Exited(int code) {
  ChildStatus status;
  status.started = true;
  status.exited = true;
  status.code = code;
  return status;
}

ChildStatus Killed(int signal, int passed_signal = 0) {
  ChildStatus status;
  status.started = true;
  status.signal = signal;
  status.passed_signal = passed_signal;
  return status;
}

struct Row {
  const char* name;
  ChildStatus status;
  const char* out;
  const char* err;
  bool failed;
  const char* what;  // a part of the log's text, when failed
};

const Row kRows[] = {
    // sccache's client cannot reach or start its server: lib.rs's main
    // reports the error and its causes on stderr, exit 2.
    {"0.4 server start timed out", Exited(2), "",
     "sccache: error: Timed out waiting for server startup\n", true,
     "exit 2: sccache: error: Timed out waiting for server startup"},
    {"0.10/0.16 server start timed out, a report over two lines", Exited(2), "",
     "sccache: error: Timed out waiting for server startup. Maybe the remote service is "
     "unreachable?\nRun with SCCACHE_LOG=debug SCCACHE_NO_DAEMON=1 to get more information\n",
     true, "| Run with SCCACHE_LOG=debug"},
    {"server start failed: address in use", Exited(2), "",
     "sccache: error: Server startup failed: Address in use\n", true,
     "exit 2: sccache: error: Server startup failed: Address in use"},
    {"0.16 server start failed, with its causes", Exited(2), "",
     "sccache: error: Server startup failed: cache storage failed to read: Unexpected (permanent) "
     "at read => Connection refused (os error 111)\nRun with SCCACHE_LOG=debug "
     "SCCACHE_NO_DAEMON=1 to get more information\n",
     true, "Server startup failed: cache storage"},
    {"port taken by something else", Exited(2), "",
     "sccache: error: failed to execute compile\nsccache: caused by: Failed to send data to or "
     "receive data from server\nsccache: caused by: failed to fill whole buffer\n",
     true, "sccache: caused by: failed to fill whole buffer"},
    {"connection timed out", Exited(2), "", "sccache: error: Connection to server timed out\n", true,
     "Connection to server timed out"},
    {"the server went away before replying", Exited(2), "",
     "sccache: error: failed to execute compile\nsccache: caused by: error reading compile "
     "response from server\nsccache: caused by: Connection reset by peer (os error 104)\n",
     true, "error reading compile response from server"},
    {"compiler not supported", Exited(2), "",
     "sccache: error: failed to execute compile\nsccache: caused by: Compiler not supported: "
     "\"error: unrecognized option '-E'\"\n",
     true, "Compiler not supported"},
    {"a warning, then the error", Exited(2), "",
     "sccache: warning: The server looks like it shut down unexpectedly, compiling locally "
     "instead\nsccache: error: failed to execute compile\nsccache: caused by: No such file or "
     "directory (os error 2)\n",
     true, "compiling locally instead | sccache: error: failed to execute compile"},
    {"CRLF line ends (Windows)", Exited(2), "",
     "sccache: error: Connection to server timed out\r\n", true, "Connection to server timed out"},
    // Its server's fatal error: the compile's output is dropped, exit 254.
    {"0.16 failed to zip up compiler outputs", Exited(254), "",
     "sccache: encountered fatal error\nsccache: error: failed to zip up compiler outputs\n"
     "sccache: caused by: No space left on device (os error 28)\n",
     true, "exit 254: sccache: encountered fatal error | sccache: error: failed to zip up"},
    {"fatal error, exit(-2) as Windows reads it", Exited(-2), "",
     "sccache: encountered fatal error\r\nsccache: error: failed to store\r\n", true,
     "exit -2: sccache: encountered fatal error"},
    // The compile never finished: killed by a signal that was not the build's.
    {"the server's compiler killed", Exited(254), "sccache: Compiler killed by signal 9\n", "",
     true, "the compiler was killed by signal 9 under sccache"},
    {"the server's compiler killed after some output", Exited(254),
     "sccache: Compiler killed by signal 9\n", "warning: unused variable: `x`\n", true,
     "killed by signal 9"},
    {"sccache's own compile killed", Exited(2), "sccache: Compile terminated by signal 15\n", "",
     true, "the compiler was killed by signal 15 under sccache"},
    {"missing compiler exit status", Exited(253), "sccache: Missing compiler exit status!\n", "",
     true, "exit 253: sccache: Missing compiler exit status!"},
    {"missing compiler exit status, exit(-3) as Windows reads it", Exited(-3),
     "sccache: Missing compiler exit status!\r\n", "", true, "Missing compiler exit status!"},
    // Refusals before anything ran, on stdout with exit 1.
    {"0.5.1-0.10 refuses incremental compilation", Exited(1),
     "sccache: increment compilation is  prohibited.\n", "", true,
     "exit 1: sccache: increment compilation is  prohibited."},
    {"0.11 and later refuse incremental compilation", Exited(1),
     "sccache: incremental compilation is prohibited: Unset CARGO_INCREMENTAL to continue.\n", "",
     true, "Unset CARGO_INCREMENTAL to continue."},
    {"a configuration sccache cannot read", Exited(1),
     "sccache: configuration error\nsccache: caused by: invalid digit found in string\n", "", true,
     "sccache: configuration error"},
    {"an unknown report of sccache's alone", Exited(3), "", "sccache: something new\n", true,
     "exit 3: sccache: something new"},
    // The compile's own end, never run twice.
    {"success", Exited(0), "", "", false, ""},
    {"a compile that failed in silence", Exited(1), "", "", false, ""},
    {"sccache compiled by itself, and that compile failed in silence", Exited(1), "",
     "sccache: warning: The server looks like it shut down unexpectedly, compiling locally "
     "instead\n",
     false, ""},
    {"success with warnings", Exited(0), "", "warning: unused variable: `x`\n", false, ""},
    {"success after sccache compiled by itself", Exited(0), "",
     "sccache: warning: The server looks like it shut down unexpectedly, compiling locally "
     "instead\n",
     false, ""},
    {"a compile error", Exited(1), "",
     "error[E0308]: mismatched types\n --> src/lib.rs:1:21\n\nerror: aborting due to 1 previous "
     "error\n",
     false, ""},
    {"a compile error as JSON", Exited(1), "",
     "{\"$message_type\":\"diagnostic\",\"message\":\"mismatched types\",\"level\":\"error\"}\n",
     false, ""},
    {"a compile error after sccache compiled by itself", Exited(1), "",
     "sccache: warning: The server looks like it shut down unexpectedly, compiling locally "
     "instead\nerror[E0308]: mismatched types\n",
     false, ""},
    {"an internal compiler error", Exited(101), "",
     "thread 'rustc' panicked at compiler/rustc_middle/src/ty/mod.rs:1:1\nerror: the compiler "
     "unexpectedly panicked. this is a bug.\n",
     false, ""},
    {"a compile error that names sccache's words", Exited(1), "",
     "error: couldn't read `sccache: error: x`: No such file or directory\n", false, ""},
    {"compiler output, then an error of sccache's", Exited(2), "",
     "warning: unused variable: `x`\nsccache: error: failed to write to stderr\n", false, ""},
    {"a compiler's own exit 2 with its own words", Exited(2), "", "usage: not-rustc\n", false, ""},
    {"a compile that printed on stdout and failed", Exited(1), "{\"artifact\":\"x\"}\n",
     "error: linking with `cc` failed\n", false, ""},
};

TEST_CASE("JudgeSccache: each version's failure texts against compiles' own ends") {
  for (const Row& row : kRows) {
    CAPTURE(row.name);
    SccacheOutcome outcome = JudgeSccache(row.status, row.out, row.err, true);
    CAPTURE(outcome.what);
    CHECK(outcome.failed == row.failed);
    if (row.failed) CHECK(outcome.what.find(row.what) != std::string::npos);
  }
}

TEST_CASE("JudgeSccache: starting, signals, and output already passed on") {
  ChildStatus not_started;
  not_started.start_error = ENOEXEC;
  SccacheOutcome outcome = JudgeSccache(not_started, "", "", true);
  CHECK(outcome.failed);
  CHECK(outcome.what == "cannot run it: " + ErrorText(ENOEXEC));

  outcome = JudgeSccache(Killed(9), "", "", true);
  CHECK(outcome.failed);
  CHECK(outcome.what == "it died of signal 9");
  // sccache (and the compile) interrupted by the build's own Ctrl-C: the
  // build is ending, so nothing runs again.
  CHECK_FALSE(JudgeSccache(Killed(2, 2), "", "", true).failed);
  ChildStatus exited_after_interrupt = Exited(2);
  exited_after_interrupt.passed_signal = 15;
  CHECK_FALSE(
      JudgeSccache(exited_after_interrupt, "", "sccache: error: interrupted\n", true).failed);
  // Once some output reached the build, the compile's end is the build's.
  CHECK_FALSE(JudgeSccache(Exited(2), "", "sccache: error: Connection to server timed out\n", false)
                  .failed);
}

TEST_CASE("JudgeSccache: the log keeps at most about 2000 characters of sccache's words") {
  std::string err = "sccache: error: " + std::string(5000, 'x') + "\n";
  SccacheOutcome outcome = JudgeSccache(Exited(2), "", err, true);
  CHECK(outcome.failed);
  CHECK(outcome.what.size() < 2100);
  CHECK(outcome.what.substr(outcome.what.size() - 3) == "...");
}

TEST_CASE("HeldOutput holds everything up to its limit, then passes all on") {
  HeldOutput held(10);
  CHECK(held.Feed("abc").empty());
  CHECK(held.Feed("defghij").empty());
  CHECK(held.complete());
  CHECK(held.held() == "abcdefghij");
  CHECK(held.Feed("k") == "abcdefghijk");
  CHECK_FALSE(held.complete());
  CHECK(held.Feed("lmn") == "lmn");
  CHECK_FALSE(held.complete());
}

constexpr const char* kNotice =
    "{\"$message_type\":\"artifact\",\"artifact\":\"/t/deps/libdep-1.rmeta\","
    "\"emit\":\"metadata\"}";

TEST_CASE("RmetaNotification: the lines rustc writes for a crate's metadata, and no others") {
  CHECK(RmetaNotification(kNotice) == "/t/deps/libdep-1.rmeta");
  // rustc before "$message_type" (1.46 to 1.56 wrote it without).
  CHECK(RmetaNotification("{\"artifact\":\"libdep.rmeta\",\"emit\":\"metadata\"}") ==
        "libdep.rmeta");
  // A Windows path, JSON-escaped, stays as written.
  CHECK(RmetaNotification("{\"$message_type\":\"artifact\","
                          "\"artifact\":\"C:\\\\t\\\\libdep.rmeta\",\"emit\":\"metadata\"}") ==
        "C:\\\\t\\\\libdep.rmeta");
  for (const char* other : {
           "{\"$message_type\":\"artifact\",\"artifact\":\"libdep.rlib\",\"emit\":\"link\"}",
           "{\"$message_type\":\"artifact\",\"artifact\":\"dep.d\",\"emit\":\"dep-info\"}",
           "{\"$message_type\":\"artifact\",\"artifact\":\"a\",\"b.rmeta\",\"emit\":\"metadata\"}",
           "{\"$message_type\":\"diagnostic\",\"message\":\"libdep.rmeta\"}",
           "warning: {\"artifact\":\"libdep.rmeta\",\"emit\":\"metadata\"}",
           " {\"artifact\":\"libdep.rmeta\",\"emit\":\"metadata\"}",
           "",
       }) {
    CAPTURE(other);
    CHECK_FALSE(RmetaNotification(other).has_value());
  }
}

TEST_CASE("HeldOutput passes a whole notice line on at once and holds the rest") {
  HeldOutput err(HeldOutput::kDefaultLimit, true);
  CHECK(err.Feed("warning: unused\n").empty());
  // A notice split across reads goes on once its line is whole.
  std::string notice = std::string(kNotice) + "\n";
  CHECK(err.Feed(notice.substr(0, 20)).empty());
  CHECK(err.Feed(notice.substr(20)) == notice);
  CHECK(err.Feed("more\r\n" + std::string(kNotice) + "\r\ntail") ==
        std::string(kNotice) + "\r\n");
  CHECK(err.held() == "warning: unused\nmore\r\ntail");
  CHECK(err.complete());
  CHECK(err.notified() ==
        std::vector<std::string>{"/t/deps/libdep-1.rmeta", "/t/deps/libdep-1.rmeta"});
  // A line that is not whole at the end stays held, even if it reads as one.
  HeldOutput last(HeldOutput::kDefaultLimit, true);
  CHECK(last.Feed(kNotice).empty());
  CHECK(last.held() == kNotice);
  // Without pass_notifications (stdout), nothing goes on early.
  HeldOutput out;
  CHECK(out.Feed(notice).empty());
  CHECK(out.held() == notice);
}

TEST_CASE("HeldOutput with notices: past the limit everything goes on, as before") {
  HeldOutput err(40, true);
  std::string notice = std::string(kNotice) + "\n";
  CHECK(err.Feed(notice) == notice);
  CHECK(err.Feed("0123456789").empty());
  std::string big(40, 'x');
  CHECK(err.Feed(big) == "0123456789" + big);
  CHECK_FALSE(err.complete());
  CHECK(err.Feed(notice) == notice);
  CHECK(err.notified().size() == 1);
}

TEST_CASE("NotificationFilter drops only the notices cargo has had") {
  NotificationFilter filter({"/t/deps/libdep-1.rmeta"});
  std::string other =
      "{\"$message_type\":\"artifact\",\"artifact\":\"/t/deps/libother.rmeta\","
      "\"emit\":\"metadata\"}\n";
  CHECK(filter.Feed("error: x\n" + std::string(kNotice).substr(0, 9)) == "error: x\n");
  CHECK(filter.Feed(std::string(kNotice).substr(9) + "\r\n") == "");
  CHECK(filter.Feed(other + "partial") == other);
  CHECK(filter.Rest() == "partial");
  CHECK(filter.Feed(" line\n") == "partial line\n");
  CHECK(filter.Rest().empty());
}

}  // namespace
}  // namespace rustc_shim

namespace rustc_shim {
namespace {

TEST_CASE("DepInfoReadsAny: env-dep lines, set or not; MentionsAny") {
  const char* names[] = {"CARGO_LLVM_COV", "CARGO_INCREMENTAL"};
  const char* dep_info =
      "/t/deps/a-1.d: src/lib.rs\n\nsrc/lib.rs:\n\n# env-dep:CARGO_PKG_NAME=a\n";
  CHECK_FALSE(DepInfoReadsAny(dep_info, names));
  CHECK(DepInfoReadsAny(std::string(dep_info) + "# env-dep:CARGO_LLVM_COV\n", names));
  CHECK(DepInfoReadsAny(std::string(dep_info) + "# env-dep:CARGO_LLVM_COV=1\n", names));
  CHECK(DepInfoReadsAny("# env-dep:CARGO_INCREMENTAL=0\r\n", names));
  // Another variable that starts the same, or the name in a path, is not a read.
  CHECK_FALSE(DepInfoReadsAny("# env-dep:CARGO_LLVM_COVERAGE=1\n", names));
  CHECK_FALSE(DepInfoReadsAny("/t/CARGO_LLVM_COV/lib.rs:\n", names));
  CHECK(MentionsAny("error: environment variable `CARGO_LLVM_COV` not defined at compile time\n",
                    names));
  CHECK_FALSE(MentionsAny("error[E0308]: mismatched types\n", names));
}

}  // namespace
}  // namespace rustc_shim
