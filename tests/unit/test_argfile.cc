#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "argfile.h"
#include "doctest/doctest.h"

namespace rustc_shim {
namespace {

// An in-memory file system for the expander.
struct FakeFiles {
  std::map<std::string, std::string> files;
  std::vector<std::string> reads;
  ReadFileFn Reader() {
    return [this](const std::string& path) -> ErrorOr<std::string> {
      reads.push_back(path);
      auto it = files.find(path);
      if (it == files.end()) return Error{"No such file or directory"};
      return it->second;
    };
  }
};

std::vector<std::string> Strings(const Expanded& e) {
  return std::vector<std::string>(e.args.begin(), e.args.end());
}

Expanded Expand(FakeFiles& fs, std::vector<absl::string_view> args) {
  return ExpandArgfiles(args, fs.Reader());
}

using V = std::vector<std::string>;

TEST_CASE("plain arguments pass through untouched, no file read") {
  FakeFiles fs;
  Expanded e = Expand(fs, {"--crate-name", "a", "", "x.rs"});
  CHECK(Strings(e) == V{"--crate-name", "a", "", "x.rs"});
  CHECK(fs.reads.empty());
  CHECK_FALSE(e.failed_arg.has_value());
}

TEST_CASE("@path: one argument per line, no trimming, blank lines kept") {
  FakeFiles fs;
  fs.files["args"] = "--crate-name\nfoo\n\n  spaced  \n-Cinstrument-coverage\n";
  Expanded e = Expand(fs, {"-g", "@args", "x.rs"});
  CHECK(Strings(e) ==
        V{"-g", "--crate-name", "foo", "", "  spaced  ", "-Cinstrument-coverage", "x.rs"});
  CHECK(OriginOf(e, 0).arg == 0);
  CHECK(OriginOf(e, 0).line == 0);
  CHECK(OriginOf(e, 1).arg == 1);
  CHECK(OriginOf(e, 1).line == 1);
  CHECK(OriginOf(e, 5).arg == 1);
  CHECK(OriginOf(e, 5).line == 5);
  CHECK(OriginOf(e, 6).arg == 2);
  CHECK(OriginOf(e, 6).line == 0);
}

TEST_CASE("@path: CRLF ends lines, a lone CR stays, no newline at the end") {
  FakeFiles fs;
  fs.files["crlf"] = "a\r\nb\r\n\r\nc\rd\r\ne";
  CHECK(Strings(Expand(fs, {"@crlf"})) == V{"a", "b", "", "c\rd", "e"});
  fs.files["cr-at-end"] = "a\r";
  CHECK(Strings(Expand(fs, {"@cr-at-end"})) == V{"a\r"});
  fs.files["empty"] = "";
  CHECK(Strings(Expand(fs, {"@empty", "x"})) == V{"x"});
  fs.files["newline"] = "\n";
  CHECK(Strings(Expand(fs, {"@newline"})) == V{""});
}

// Rust's str::lines(), one byte at a time: what the expander's faster
// splitting (memchr, a \r dropped before a \n) must agree with.
V LinesOneByteAtATime(const std::string& text) {
  V lines;
  std::string line;
  for (char c : text) {
    if (c != '\n') {
      line.push_back(c);
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
    line.clear();
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

TEST_CASE("@path: lines split as one byte at a time would, at every offset") {
  // Newlines at every offset, next to the bytes a search could confuse with
  // them (\v alone and before \n, \r alone and before \n, UTF-8 with the high bit).
  const std::vector<std::string> pieces = {"\n", "\r", "\v", "\t", "\v\n", "a", "\r\n",
                                           "\xc3\xa9", "\n\n", "\x7f", "\x01", "z"};
  std::mt19937 random(12345);
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    const int count = static_cast<int>(random() % 40);
    for (int k = 0; k < count; ++k) text += pieces[random() % pieces.size()];
    FakeFiles fs;
    fs.files["f"] = text;
    INFO("round ", round);
    Expanded e = Expand(fs, {"@f"});
    REQUIRE_FALSE(e.failed_arg.has_value());
    CHECK(Strings(e) == LinesOneByteAtATime(text));
  }
}

TEST_CASE("origins across several argfiles, empty ones and failed ones") {
  FakeFiles fs;
  fs.files["two"] = "a\nb\n";
  fs.files["none"] = "";
  fs.files["one"] = "c";
  // args:     0     1        2       3      4       5          6
  Expanded e = Expand(fs, {"x", "@two", "@none", "y", "@one", "@missing", "z"});
  CHECK(Strings(e) == V{"x", "a", "b", "y", "c", "z"});
  struct Want {
    int index, arg, line;
  };
  for (Want w :
       {Want{0, 0, 0}, Want{1, 1, 1}, Want{2, 1, 2}, Want{3, 3, 0}, Want{4, 4, 1}, Want{5, 6, 0}}) {
    CAPTURE(w.index);
    CHECK(OriginOf(e, w.index).arg == w.arg);
    CHECK(OriginOf(e, w.index).line == w.line);
  }
}

TEST_CASE("@path is not recursive and is read as given") {
  FakeFiles fs;
  fs.files["outer"] = "@inner\n";
  fs.files["inner"] = "-Cinstrument-coverage\n";
  CHECK(Strings(Expand(fs, {"@outer"})) == V{"@inner"});
  CHECK(fs.reads == V{"outer"});
  fs.files["dir/with space"] = "x";
  CHECK(Strings(Expand(fs, {"@dir/with space"})) == V{"x"});
}

TEST_CASE("a missing or non-UTF-8 argfile is reported, the rest still expanded") {
  FakeFiles fs;
  fs.files["good"] = "ok";
  Expanded e = Expand(fs, {"a", "@missing", "@good"});
  REQUIRE(e.failed_arg.has_value());
  CHECK(*e.failed_arg == 1);
  CHECK(e.error.find("missing") != std::string::npos);
  CHECK(Strings(e) == V{"a", "ok"});

  fs.files["binary"] = std::string("\xff\xfe-C\0x", 6);
  Expanded b = Expand(fs, {"@binary"});
  REQUIRE(b.failed_arg.has_value());
  CHECK(b.error.find("not UTF-8") != std::string::npos);

  fs.files["utf8"] = "--cfg=feature=\"\xc3\xa9t\xc3\xa9\"\n\xf0\x9f\xa6\x80";
  CHECK_FALSE(Expand(fs, {"@utf8"}).failed_arg.has_value());
  fs.files["surrogate"] = "\xed\xa0\x80";
  CHECK(Expand(fs, {"@surrogate"}).failed_arg.has_value());
  fs.files["overlong"] = "\xc0\xaf";
  CHECK(Expand(fs, {"@overlong"}).failed_arg.has_value());
}

TEST_CASE("@shell:path is a plain file name until -Zshell-argfiles") {
  FakeFiles fs;
  fs.files["shell:f"] = "plain line";
  fs.files["f"] = "-C 'instrument-coverage' \"a b\"";
  CHECK(Strings(Expand(fs, {"@shell:f"})) == V{"plain line"});
  CHECK(Strings(Expand(fs, {"-Zshell-argfiles", "@shell:f"})) ==
        V{"-Zshell-argfiles", "-C", "instrument-coverage", "a b"});
  CHECK(Strings(Expand(fs, {"-Z", "shell-argfiles", "@shell:f"})) ==
        V{"-Z", "shell-argfiles", "-C", "instrument-coverage", "a b"});
  // Only from where it stands, and only this exact spelling.
  CHECK(Strings(Expand(fs, {"@shell:f", "-Zshell-argfiles"})) ==
        V{"plain line", "-Zshell-argfiles"});
  CHECK(Strings(Expand(fs, {"-Zshell_argfiles", "@shell:f"})) ==
        V{"-Zshell_argfiles", "plain line"});
  // An argfile can switch it on for later arguments.
  fs.files["z"] = "-Zshell-argfiles";
  CHECK(Strings(Expand(fs, {"@z", "@shell:f"})) ==
        V{"-Zshell-argfiles", "-C", "instrument-coverage", "a b"});
}

TEST_CASE("shell splitting") {
  using O = std::optional<V>;
  CHECK(ShellSplit("") == O(V{}));
  CHECK(ShellSplit("  a\tb\n c  ") == O(V{"a", "b", "c"}));
  CHECK(ShellSplit("'a b' \"c d\" e\\ f") == O(V{"a b", "c d", "e f"}));
  CHECK(ShellSplit("'' \"\"") == O(V{"", ""}));
  CHECK(ShellSplit("a'b'\"c\"") == O(V{"abc"}));
  CHECK(ShellSplit("\"\\$ \\\" \\\\ \\n\"") == O(V{"$ \" \\ \\n"}));
  CHECK(ShellSplit("'\\n'") == O(V{"\\n"}));
  CHECK(ShellSplit("a # comment\nb") == O(V{"a", "b"}));
  CHECK(ShellSplit("a#b") == O(V{"a#b"}));
  CHECK(ShellSplit("a\\\nb") == O(V{"ab"}));
  CHECK(ShellSplit("'unclosed") == std::nullopt);
  CHECK(ShellSplit("\"unclosed") == std::nullopt);
  CHECK(ShellSplit("trailing\\") == std::nullopt);
}

TEST_CASE("unbalanced shell quoting fails the expansion") {
  FakeFiles fs;
  fs.files["bad"] = "'oops";
  Expanded e = Expand(fs, {"-Zshell-argfiles", "@shell:bad"});
  REQUIRE(e.failed_arg.has_value());
  CHECK(*e.failed_arg == 1);
}

}  // namespace
}  // namespace rustc_shim
