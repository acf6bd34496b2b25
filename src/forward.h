// The cache route's safety net. sccache runs as the shim's child; what it
// writes is held until it exits, and then its end is judged: sccache failing
// (it compiled nothing, or the compile it ran never finished) is dropped and
// the compile runs directly, once; a compile's own result, success or error,
// is passed on unchanged and never run twice.
#ifndef RUSTC_SHIM_FORWARD_H_
#define RUSTC_SHIM_FORWARD_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "platform.h"

namespace rustc_shim {

// Holds one output stream of sccache until it exits. sccache's server sends a
// compile's output in one piece when the compile ends, so holding costs a
// cached compile nothing; a compile sccache runs by itself (one it cannot
// cache) streams, and its output then arrives at its end.
class HeldOutput {
 public:
  // Past `limit` bytes, everything held and everything after is passed on as
  // it comes, and the stream is no longer complete.
  explicit HeldOutput(size_t limit = kDefaultLimit) : limit_(limit) {}

  // Takes the next bytes of the stream; returns those to write now (nothing
  // while holding).
  absl::string_view Feed(absl::string_view bytes);

  // True while nothing has been passed on: held() is the whole stream.
  bool complete() const { return complete_; }
  const std::string& held() const { return held_; }

  // 16 MiB: far more than rustc writes for one crate.
  static constexpr size_t kDefaultLimit = size_t{16} << 20;

 private:
  size_t limit_;
  bool complete_ = true;
  std::string held_;
};

// How sccache ended, as JudgeSccache reads it.
struct SccacheOutcome {
  // True: sccache failed, no compile's result is in its output, and the
  // compile is to run directly. False: the compile's own result.
  bool failed = false;
  // For the log, when `failed`: what sccache did, with its own words
  // ("exit 2: sccache: error: ... | sccache: caused by: ...").
  std::string what;
};

// Judges how sccache ended from its status and all it wrote (`out`, `err`;
// `complete` false when some of it was passed on already). sccache failed
// when it could not be started; when it died of a signal this process did not
// pass on; when its stdout ends with its report of a compile killed by a
// signal ("sccache: Compiler killed by signal N", exit 254, from its server;
// "sccache: Compile terminated by signal N", exit 2, run by itself) or of a
// compile without a status ("sccache: Missing compiler exit status!", 253);
// when its stderr holds its client's error report ("sccache: error: ...",
// exit 2: server start-up, connection, "Compiler not supported") or its
// server's ("sccache: encountered fatal error", 254) with nothing but its own
// lines before; when it wrote nothing but "sccache: " lines on stdout
// (exit 1: incremental compilation refused, a configuration it cannot read);
// or when it exited non-zero with nothing but its own lines on either stream.
// rustc says what failed on stderr, in words of its own; a compile that ended
// non-zero in silence is the compile's own end too.
// Texts and codes are sccache's, the same in 0.4.0-pre.6, 0.10.0 and 0.16.0:
// src/lib.rs (main), src/commands.rs (handle_compile_finished,
// handle_compile_response, the incremental check), src/server.rs (the fatal
// error). Nothing is judged failed after a signal this process passed on (an
// interrupted build) or once output was passed on (`complete` false).
SccacheOutcome JudgeSccache(const ChildStatus& status, absl::string_view out,
                            absl::string_view err, bool complete);

// True when a dep-info file's text records a compile-time read (`env!`,
// `option_env!`) of one of `names`: a line `# env-dep:NAME` or
// `# env-dep:NAME=VALUE`, as rustc writes them whether the variable was set or
// not (rustc_interface/src/passes.rs, write_out_deps).
bool DepInfoReadsAny(absl::string_view dep_info, absl::Span<const char* const> names);

// True when a failed compile's stderr names one of `names`, as rustc's
// "environment variable `NAME` not defined at compile time" does: the compile
// may have failed for want of it.
bool MentionsAny(absl::string_view err, absl::Span<const char* const> names);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_FORWARD_H_
