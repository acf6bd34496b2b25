#include "forward.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"

namespace rustc_shim {
namespace {

constexpr absl::string_view kSccachePrefix = "sccache: ";

// What the log keeps of sccache's words at most.
constexpr size_t kMaxWhat = 2000;

// The lines of `text`, without their line ends ("\n" or "\r\n"); a final
// line end starts no empty line.
template <typename F>
void ForEachLine(absl::string_view text, F f) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    absl::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    f(line);
    if (end == absl::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

// True when every line of `text` is sccache's own (or there is none).
bool OnlySccacheLines(absl::string_view text) {
  bool only = true;
  ForEachLine(text, [&](absl::string_view line) {
    if (!absl::StartsWith(line, kSccachePrefix)) only = false;
  });
  return only;
}

// True when `text` holds a line that starts with `report`, and every line
// before it is sccache's own: a report of sccache's, which may run on over
// lines of its own ("...\nRun with SCCACHE_LOG=debug ..."), that no compiler
// output came before.
bool SccacheReport(absl::string_view text, absl::string_view report) {
  bool found = false, only_sccache = true;
  ForEachLine(text, [&](absl::string_view line) {
    if (found || !only_sccache) return;
    if (absl::StartsWith(line, report)) {
      found = true;
    } else if (!absl::StartsWith(line, kSccachePrefix)) {
      only_sccache = false;
    }
  });
  return found;
}

// True when a line of either stream is sccache's, and not a warning of its.
bool HasReport(absl::string_view out, absl::string_view err) {
  bool found = false;
  for (absl::string_view text : {out, err}) {
    ForEachLine(text, [&](absl::string_view line) {
      if (absl::StartsWith(line, kSccachePrefix) && !absl::StartsWith(line, "sccache: warning:")) {
        found = true;
      }
    });
  }
  return found;
}

absl::string_view FirstLine(absl::string_view text) {
  absl::string_view first;
  ForEachLine(text, [&](absl::string_view line) {
    if (first.empty()) first = line;
  });
  return first;
}

absl::string_view LastLine(absl::string_view text) {
  absl::string_view last;
  ForEachLine(text, [&](absl::string_view line) {
    if (!line.empty()) last = line;
  });
  return last;
}

// All sccache wrote, stderr first, as one log line.
std::string Words(absl::string_view out, absl::string_view err) {
  std::string words;
  for (absl::string_view text : {err, out}) {
    ForEachLine(text, [&](absl::string_view line) {
      if (!line.empty()) absl::StrAppend(&words, words.empty() ? "" : " | ", line);
    });
  }
  if (words.size() > kMaxWhat) words = absl::StrCat(words.substr(0, kMaxWhat), "...");
  return words;
}

SccacheOutcome Failed(std::string what) { return {true, std::move(what)}; }

}  // namespace

std::optional<absl::string_view> RmetaNotification(absl::string_view line) {
  // The exact shape rustc writes; any other line, even one cargo might read
  // the same way, stays with the rest of the output.
  absl::ConsumePrefix(&line, "{\"$message_type\":\"artifact\",") || absl::ConsumePrefix(&line, "{");
  if (!absl::ConsumePrefix(&line, "\"artifact\":\"") ||
      !absl::ConsumeSuffix(&line, "\",\"emit\":\"metadata\"}") || !absl::EndsWith(line, ".rmeta")) {
    return std::nullopt;
  }
  // One JSON string: no unescaped quote inside.
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\') {
      ++i;
    } else if (line[i] == '"') {
      return std::nullopt;
    }
  }
  return line;
}

absl::string_view HeldOutput::Feed(absl::string_view bytes) {
  if (!complete_) return bytes;
  held_.append(bytes.data(), bytes.size());
  passed_.clear();
  // [scanned_, searched_) has no line end: a long line is looked through once.
  size_t from = std::max(scanned_, searched_);
  for (size_t end; pass_notifications_ && (end = held_.find('\n', from)) != std::string::npos;
       from = scanned_) {
    absl::string_view line(held_.data() + scanned_, end - scanned_);
    absl::ConsumeSuffix(&line, "\r");
    if (std::optional<absl::string_view> artifact = RmetaNotification(line)) {
      notified_.emplace_back(*artifact);
      passed_.append(held_, scanned_, end + 1 - scanned_);
      held_.erase(scanned_, end + 1 - scanned_);
    } else {
      scanned_ = end + 1;
    }
  }
  searched_ = held_.size();
  if (held_.size() > limit_) {
    complete_ = false;
    passed_.append(held_);
  }
  return passed_;
}

absl::string_view NotificationFilter::Feed(absl::string_view bytes) {
  out_.clear();
  partial_.append(bytes.data(), bytes.size());
  size_t start = 0;
  for (size_t end; (end = partial_.find('\n', start)) != std::string::npos; start = end + 1) {
    absl::string_view line(partial_.data() + start, end - start);
    absl::ConsumeSuffix(&line, "\r");
    std::optional<absl::string_view> artifact = RmetaNotification(line);
    if (artifact && absl::c_linear_search(notified_, *artifact)) continue;
    out_.append(partial_, start, end + 1 - start);
  }
  partial_.erase(0, start);
  return out_;
}

SccacheOutcome JudgeSccache(const ChildStatus& status, absl::string_view out,
                            absl::string_view err, bool complete) {
  if (!status.started) return Failed(absl::StrCat("cannot run it: ", ErrorText(status.start_error)));
  // Ctrl-C or a kill of the build: what sccache did is the build's end.
  if (status.passed_signal != 0 || !complete) return {};
  if (!status.exited) {
    return Failed(absl::StrCat("it died of signal ", std::to_string(status.signal)));
  }
  if (status.code == 0) return {};
  // (On Windows sccache's exit(-2) reads as -2, not 254.)
  const int code = status.code & 0xff;
  // A compile that sccache's server or sccache itself ran, killed by a
  // signal that was not the build's: it never finished, so it has no result.
  const absl::string_view last = LastLine(out);
  for (auto [report_code, report] :
       {std::pair<int, absl::string_view>{254, "sccache: Compiler killed by signal "},
        {2, "sccache: Compile terminated by signal "}}) {
    if (code == report_code && absl::StartsWith(last, report)) {
      return Failed(absl::StrCat("the compiler was killed by signal ", last.substr(report.size()),
                                 " under sccache"));
    }
  }
  const bool failed =
      (code == 253 && last == "sccache: Missing compiler exit status!") ||
      // Its client's error (exit 2) or its server's fatal error (254).
      (OnlySccacheLines(out) && (SccacheReport(err, "sccache: error: ") ||
                                 SccacheReport(err, "sccache: encountered fatal error"))) ||
      // Refused before it started (exit 1): incremental compilation asked
      // for, a configuration it cannot read.
      (err.empty() && absl::StartsWith(FirstLine(out), kSccachePrefix)) ||
      // Any other report of sccache's alone. Silence is not one: a compiler
      // may fail without a word, and sccache always has one. Nor are its
      // warnings alone: "...compiling locally instead" comes before a compile
      // of its own, which may have failed in silence.
      (OnlySccacheLines(out) && OnlySccacheLines(err) && HasReport(out, err));
  if (!failed) return {};
  return Failed(absl::StrCat("exit ", std::to_string(status.code), ": ", Words(out, err)));
}

bool DepInfoReadsAny(absl::string_view dep_info, absl::Span<const char* const> names) {
  constexpr absl::string_view kEnvDep = "# env-dep:";
  bool reads = false;
  ForEachLine(dep_info, [&](absl::string_view line) {
    if (reads || !absl::StartsWith(line, kEnvDep)) return;
    line.remove_prefix(kEnvDep.size());
    absl::string_view name = line.substr(0, line.find('='));
    for (const char* wanted : names) reads = reads || name == wanted;
  });
  return reads;
}

bool MentionsAny(absl::string_view err, absl::Span<const char* const> names) {
  for (const char* name : names) {
    if (absl::StrContains(err, name)) return true;
  }
  return false;
}

}  // namespace rustc_shim
