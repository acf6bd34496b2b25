#include <string>
#include <vector>

#include "cmdline.h"
#include "doctest/doctest.h"

namespace rustc_shim {
namespace {

// The Microsoft C runtime's rules for splitting a command line (after the
// program name), as CommandLineToArgvW applies them: the reference the
// quoting must satisfy.
std::vector<std::string> SplitLikeMsvcrt(const std::string& line) {
  std::vector<std::string> args;
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= n) break;
    std::string arg;
    bool quoted = false;
    while (i < n) {
      if (!quoted && (line[i] == ' ' || line[i] == '\t')) break;
      if (line[i] == '\\') {
        size_t count = 0;
        while (i < n && line[i] == '\\') ++count, ++i;
        if (i < n && line[i] == '"') {
          arg.append(count / 2, '\\');
          if (count % 2 == 1) {
            arg.push_back('"');
            ++i;
          }
        } else {
          arg.append(count, '\\');
        }
        continue;
      }
      if (line[i] == '"') {
        if (quoted && i + 1 < n && line[i + 1] == '"') {
          arg.push_back('"');  // "" inside quotes: a literal quote
          i += 2;
          continue;
        }
        quoted = !quoted;
        ++i;
        continue;
      }
      arg.push_back(line[i++]);
    }
    args.push_back(arg);
  }
  return args;
}

TEST_CASE("hostile arguments survive the Windows command line") {
  const std::vector<std::string> hostile = {
      "plain",
      "",
      "with space",
      "tab\there",
      "new\nline",
      "quote\"inside",
      "\"quoted\"",
      "trailing\\",
      "trailing space \\",
      "two\\\\",
      "back\\\"slash-quote",
      "C:\\Program Files\\Rust\\bin\\rustc.exe",
      "T:\\cache dir\\",
      "--cfg=feature=\"std\"",
      "\\\\server\\share\\",
      "\xc3\xa9t\xc3\xa9 \xf0\x9f\xa6\x80",
      "a\\\\\\\"b",
      " ",
      "\"",
      "\\",
  };
  std::vector<const char*> args;
  for (const std::string& arg : hostile) args.push_back(arg.c_str());
  std::string line = WindowsCommandLine(args);
  CAPTURE(line);
  CHECK(SplitLikeMsvcrt(line) == hostile);
}

TEST_CASE("arguments that need no quotes are written as they are") {
  std::vector<const char*> args = {"rustc", "--crate-name", "foo", "-Cinstrument-coverage",
                                   "C:\\a\\b"};
  CHECK(WindowsCommandLine(args) == "rustc --crate-name foo -Cinstrument-coverage C:\\a\\b");
  std::string one;
  AppendWindowsArg("", &one);
  CHECK(one == "\"\"");
  std::string two;
  AppendWindowsArg("a b\\", &two);
  CHECK(two == "\"a b\\\\\"");
}

}  // namespace
}  // namespace rustc_shim
