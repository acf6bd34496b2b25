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

// What sccache 0.17 and newer would make of an argfile: each row is a file's
// text and whether sccache's reading (trimmed lines, blank ones dropped, `@`
// lines expanded again) differs from rustc's.
TEST_CASE("SccacheReadsOtherwise: the argfiles sccache would read otherwise than rustc") {
  struct Row {
    const char* text;
    const char* problem;  // a part of the reason; "" when sccache reads it alike
  };
  const Row rows[] = {
      {"--crate-name\nfoo\n--edition=2021\nsrc/lib.rs\n", ""},
      {"--crate-name\r\nfoo\r\n", ""},
      {"--cfg\nfeature=\"a b\"\n", ""},  // inner spaces are kept by both
      {"", ""},                             // no line at all: nothing for either
      {"a\n\nb\n", "line 2 of argument file @f is empty"},
      {"a\n\n", "line 2 of argument file @f is empty"},
      {" a\n", "line 1 of argument file @f has white space at an end"},
      {"a\t\n", "has white space at an end"},
      {"a\r", "has white space at an end"},  // a lone CR stays in rustc's line
      {"a\xC2\xA0\n", "has white space at an end"},      // U+00A0
      {"\xE2\x80\x83" "a\n", "has white space at an end"},  // U+2003
      {"\xE3\x80\x80" "a\n", "has white space at an end"},  // U+3000
      {"a\xE2\x80\x8B\n", ""},  // U+200B is not white space to Rust
      {"b\n@other\n", "line 2 of argument file @f starts with @"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    FakeFiles fs;
    fs.files["f"] = row.text;
    std::vector<absl::string_view> views = {"x.rs", "@f"};
    Expanded e = Expand(fs, views);
    std::string problem = SccacheReadsOtherwise(e, views);
    CAPTURE(problem);
    if (*row.problem == '\0') {
      CHECK(problem.empty());
    } else {
      CHECK(problem.find(row.problem) != std::string::npos);
      CHECK(problem.find("sccache 0.17 and newer would read it otherwise than rustc") !=
            std::string::npos);
    }
  }
  // Shell-style splitting is rustc's alone.
  FakeFiles fs;
  fs.files["f"] = "a b";
  std::vector<absl::string_view> views = {"-Zshell-argfiles", "@shell:f"};
  CHECK(SccacheReadsOtherwise(Expand(fs, views), views) ==
        "argument file @shell:f is split shell-style: sccache 0.17 and newer would read it "
        "otherwise than rustc");
}

TEST_CASE("TooLongToExpand: Linux's limits and Windows' 32,767 characters") {
  CommandLineLimit linux_limit{2097152, 131072, 1000, false};
  std::vector<absl::string_view> args = {"--crate-name", "a", "src/lib.rs"};
  CHECK(TooLongToExpand("rustc", args, linux_limit).empty());
  // One argument past MAX_ARG_STRLEN: what cargo's E2BIG retry meets with a
  // crate of thousands of features (`--check-cfg cfg(feature, values(...))`).
  std::string big(131072, 'x');
  args.push_back(big);
  CHECK(TooLongToExpand("rustc", args, linux_limit) ==
        "an argument of 131072 bytes is past the system's limit of 131071: sccache 0.17 and "
        "newer would run rustc with it expanded, and fail (sccache #2815)");
  args.back() = absl::string_view(big).substr(0, 131071);
  CHECK(TooLongToExpand("rustc", args, linux_limit).empty());
  // Many arguments together, with the environment's share.
  std::vector<absl::string_view> many(31000, absl::string_view(big).substr(0, 60));
  CHECK(TooLongToExpand("rustc", many, linux_limit).find("the expanded command line (") == 0);
  many.resize(20000);
  CHECK(TooLongToExpand("rustc", many, linux_limit).empty());
  CHECK_FALSE(TooLongToExpand("rustc", many, {2097152, 131072, 800000, false}).empty());

  CommandLineLimit windows{32767, 0, 0, true};
  std::vector<absl::string_view> line(400, absl::string_view(big).substr(0, 77));  // 80 each
  CHECK(TooLongToExpand("rustc", line, windows).empty());  // 32,008 with "rustc"
  line.assign(410, absl::string_view(big).substr(0, 77));
  CHECK(TooLongToExpand("rustc", line, windows) ==
        "the expanded command line (32808 characters, with the environment's 0) is past the "
        "system's limit of 32767: sccache 0.17 and newer would run rustc with it expanded, and "
        "fail (sccache #2815)");
}

}  // namespace
}  // namespace rustc_shim
