// The cache route's safety net. sccache runs as the shim's child; what it
// writes is held until it exits, and then its end is judged: sccache failing
// (it compiled nothing, or the compile it ran never finished) is dropped and
// the compile runs directly, once; a compile's own result, success or error,
// is passed on unchanged and never run twice.
#ifndef RUSTC_SHIM_FORWARD_H_
#define RUSTC_SHIM_FORWARD_H_

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "platform.h"

namespace rustc_shim {

// rustc's notice that a crate's metadata is written: one line on stderr,
// {"$message_type":"artifact","artifact":"PATH","emit":"metadata"} (older
// rustc: without "$message_type"), with PATH ending in ".rmeta"
// (rustc_errors/src/json.rs, emit_artifact_notification). cargo starts the
// crate's dependents on it (cargo src/cargo/core/compiler/mod.rs,
// on_stderr_line_inner; JobState::rmeta_produced). Takes one line without its
// line end; returns PATH as written (JSON-escaped), or nullopt for any other
// line.
std::optional<absl::string_view> RmetaNotification(absl::string_view line);

// Holds one output stream of sccache until it exits. sccache's server sends a
// compile's output in one piece when the compile ends, so holding costs a
// cached compile nothing; a compile sccache runs by itself (one it cannot
// cache) streams, and its output then arrives at its end. sccache 0.19 and
// newer pass rustc's metadata notice on as soon as rustc writes it, so that
// cargo can start the dependents while the crate is still in codegen
// (sccache #2875, src/commands.rs handle_compile_response); on stderr that
// notice alone is passed on at once, whole line by whole line.
class HeldOutput {
 public:
  // Past `limit` bytes, everything held and everything after is passed on as
  // it comes, and the stream is no longer complete. With `pass_notifications`,
  // each whole line that RmetaNotification recognises is passed on at once
  // and taken out of what is held.
  explicit HeldOutput(size_t limit = kDefaultLimit, bool pass_notifications = false)
      : limit_(limit), pass_notifications_(pass_notifications) {}

  // Takes the next bytes of the stream; returns those to write now: nothing
  // while holding, but a notification that came whole.
  absl::string_view Feed(absl::string_view bytes);

  // True while nothing but notifications has been passed on: held() is the
  // whole stream less them.
  bool complete() const { return complete_; }
  const std::string& held() const { return held_; }
  // The artifacts (as RmetaNotification returns them) whose notices were
  // passed on.
  const std::vector<std::string>& notified() const { return notified_; }

  // 16 MiB: far more than rustc writes for one crate.
  static constexpr size_t kDefaultLimit = size_t{16} << 20;

 private:
  size_t limit_;
  bool pass_notifications_;
  bool complete_ = true;
  std::string held_;
  size_t scanned_ = 0;   // held_[0, scanned_) is whole lines already looked at
  size_t searched_ = 0;  // held_[scanned_, searched_) holds no line end
  std::string passed_;  // what the last Feed passed on
  std::vector<std::string> notified_;
};

// Passes a compile's stderr on, whole line by whole line, less rustc's
// metadata notices for artifacts that cargo was told of already: cargo acts on
// one notice per crate, and a second one for the same crate breaks its job
// queue (cargo src/cargo/core/compiler/job_queue/mod.rs, the Finish message
// for Artifact::Metadata). For the direct compile that follows a cache-route
// attempt whose notice was passed on.
class NotificationFilter {
 public:
  // `notified`: the artifacts already announced, as HeldOutput::notified().
  explicit NotificationFilter(std::vector<std::string> notified)
      : notified_(std::move(notified)) {}

  // Takes the next bytes; returns the whole lines among them to write now.
  absl::string_view Feed(absl::string_view bytes);
  // The rest: a last line without a line end.
  const std::string& Rest() const { return partial_; }

 private:
  std::vector<std::string> notified_;
  std::string partial_;
  std::string out_;
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
// Texts and codes are sccache's, the same in 0.4.0-pre.6, 0.10.0, 0.16.0 and 0.19.0:
// src/lib.rs (main), src/commands.rs (handle_compile_finished,
// handle_compile_response, the incremental check), src/server.rs (the fatal
// error). Nothing is judged failed after a signal this process passed on (an
// interrupted build) or once output was passed on (`complete` false); a
// metadata notice passed on early does not count as output here.
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
