// SetRustcWrapper, the text edit behind `rustc-shim --init`: each layout of a
// cargo configuration file, the text it becomes, and what is refused.
// (tests/e2e/test_init.sh runs the whole command against cargo itself.)
#include "init.h"

#include <string>

#include "doctest/doctest.h"

namespace rustc_shim {
namespace {

constexpr const char* kAlias = "/home/u/.cargo/rustc-shim/sccache";

// Values that name this rustc-shim under another name, for the predicate.
bool IsShim(const std::string& value) { return value == "/usr/bin/rustc-shim"; }

ConfigEdit Set(const std::string& text, bool replace = false) {
  return SetRustcWrapper(text, kAlias, IsShim, replace);
}

TEST_CASE("TomlString: literal unless it cannot be") {
  CHECK(TomlString("/a/b") == "'/a/b'");
  CHECK(TomlString("C:\\Users\\u\\.cargo\\rustc-shim\\sccache.exe") ==
        "'C:\\Users\\u\\.cargo\\rustc-shim\\sccache.exe'");
  CHECK(TomlString("/o'neil/x") == "\"/o'neil/x\"");
  CHECK(TomlString("C:\\o'neil\\\"x") == "\"C:\\\\o'neil\\\\\\\"x\"");
  CHECK(TomlString("/a\nb") == "\"/a\\nb\"");
}

TEST_CASE("edits: the text before and after") {
  struct Row {
    const char* name;
    std::string before;
    std::string after;
    std::string old_lines;
    std::string new_lines;
  };
  const std::string v = "'/home/u/.cargo/rustc-shim/sccache'";
  const Row rows[] = {
      {"fresh file", "", "[build]\nrustc-wrapper = " + v + "\n", "",
       "[build]\nrustc-wrapper = " + v},
      {"comments and other settings kept, a table appended",
       "# my settings\n[net]\nretry = 3 # three\n\n[env]\nX = \"1\"\n",
       "# my settings\n[net]\nretry = 3 # three\n\n[env]\nX = \"1\"\n\n[build]\nrustc-wrapper = " +
           v + "\n",
       "", "[build]\nrustc-wrapper = " + v},
      {"no newline at the end", "[net]\nretry = 3",
       "[net]\nretry = 3\n\n[build]\nrustc-wrapper = " + v + "\n", "",
       "[build]\nrustc-wrapper = " + v},
      {"[build] present: the line after its header",
       "[build] # the build\njobs = 4\n\n[net]\nretry = 3\n",
       "[build] # the build\nrustc-wrapper = " + v + "\njobs = 4\n\n[net]\nretry = 3\n", "",
       "rustc-wrapper = " + v},
      {"[ build ] spelled with spaces, last line without newline", "[ build ]",
       "[ build ]\nrustc-wrapper = " + v + "\n", "", "rustc-wrapper = " + v},
      {"dotted keys of the root table", "build.jobs = 2\n[net]\nretry = 3\n",
       "build.jobs = 2\nbuild.rustc-wrapper = " + v + "\n[net]\nretry = 3\n", "",
       "build.rustc-wrapper = " + v},
      {"only a sub-table of build", "[build.x]\ny = 1\n",
       "[build.x]\ny = 1\n\n[build]\nrustc-wrapper = " + v + "\n", "",
       "[build]\nrustc-wrapper = " + v},
      {"replace this rustc-shim by its own path (basic string)",
       "[build]\nrustc-wrapper = \"/usr/bin/rustc-shim\" # keep me\njobs = 1\n",
       "[build]\nrustc-wrapper = " + v + " # keep me\njobs = 1\n",
       "rustc-wrapper = \"/usr/bin/rustc-shim\" # keep me", "rustc-wrapper = " + v + " # keep me"},
      {"literal string", "[build]\nrustc-wrapper = '/usr/bin/rustc-shim'\n",
       "[build]\nrustc-wrapper = " + v + "\n", "rustc-wrapper = '/usr/bin/rustc-shim'",
       "rustc-wrapper = " + v},
      {"multi-line literal string", "[build]\nrustc-wrapper = '''\n/usr/bin/rustc-shim'''\nx=1\n",
       "[build]\nrustc-wrapper = " + v + "\nx=1\n",
       "rustc-wrapper = '''\n/usr/bin/rustc-shim'''", "rustc-wrapper = " + v},
      {"multi-line basic string with a line-ending backslash",
       "[build]\nrustc-wrapper = \"\"\"/usr/bin/\\\n   rustc-shim\"\"\"\n",
       "[build]\nrustc-wrapper = " + v + "\n",
       "rustc-wrapper = \"\"\"/usr/bin/\\\n   rustc-shim\"\"\"",
       "rustc-wrapper = " + v},
      {"escapes in a basic string", "[build]\nrustc-wrapper = \"/usr/bin/rustc\\u002Dshim\"\n",
       "[build]\nrustc-wrapper = " + v + "\n", "rustc-wrapper = \"/usr/bin/rustc\\u002Dshim\"",
       "rustc-wrapper = " + v},
      {"dotted key, quoted parts",
       "\"build\".'rustc-wrapper' = \"/usr/bin/rustc-shim\"\n[net]\nretry = 3\n",
       "\"build\".'rustc-wrapper' = " + v + "\n[net]\nretry = 3\n",
       "\"build\".'rustc-wrapper' = \"/usr/bin/rustc-shim\"", "\"build\".'rustc-wrapper' = " + v},
      {"non-ASCII before the value (columns are characters)",
       "[build]\n\"é\" = 1\nrustc-wrapper = \"/usr/bin/rustc-shim\" # ü\n",
       "[build]\n\"é\" = 1\nrustc-wrapper = " + v + " # ü\n",
       "rustc-wrapper = \"/usr/bin/rustc-shim\" # ü", "rustc-wrapper = " + v + " # ü"},
      {"CRLF kept when appending", "# w\r\n[net]\r\nretry = 3\r\n",
       "# w\r\n[net]\r\nretry = 3\r\n\r\n[build]\r\nrustc-wrapper = " + v + "\r\n", "",
       "[build]\nrustc-wrapper = " + v},
      {"CRLF kept when inserting", "[build]\r\njobs = 1\r\n",
       "[build]\r\nrustc-wrapper = " + v + "\r\njobs = 1\r\n", "", "rustc-wrapper = " + v},
      {"CRLF kept when replacing", "[build]\r\nrustc-wrapper = \"/usr/bin/rustc-shim\"\r\n",
       "[build]\r\nrustc-wrapper = " + v + "\r\n", "rustc-wrapper = \"/usr/bin/rustc-shim\"",
       "rustc-wrapper = " + v},
  };
  for (const Row& row : rows) {
    CAPTURE(row.name);
    ConfigEdit edit = Set(row.before);
    REQUIRE(edit.outcome == EditOutcome::kChanged);
    CHECK(edit.text == row.after);
    CHECK(edit.old_lines == row.old_lines);
    CHECK(edit.new_lines == row.new_lines);
    // Idempotent: the result, edited again, is left alone.
    ConfigEdit again = Set(edit.text);
    CHECK(again.outcome == EditOutcome::kUnchanged);
    CHECK(again.current_value == kAlias);
  }
}

TEST_CASE("already set in any string form: unchanged") {
  for (const std::string& text : {
           std::string("[build]\nrustc-wrapper = '") + kAlias + "'\n",
           std::string("[build]\nrustc-wrapper = \"") + kAlias + "\"\n",
           std::string("build.rustc-wrapper = '''") + kAlias + "'''\n",
           std::string("build = { rustc-wrapper = \"") + kAlias + "\" }\n",
       }) {
    CAPTURE(text);
    CHECK(Set(text).outcome == EditOutcome::kUnchanged);
  }
}

TEST_CASE("another wrapper: refused, then replaced with --replace") {
  const std::string text = "# cache\n[build]\nrustc-wrapper = \"sccache\" # the cache\n";
  ConfigEdit refused = Set(text);
  CHECK(refused.outcome == EditOutcome::kOtherWrapper);
  CHECK(refused.current_value == "sccache");
  CHECK(refused.old_lines == "rustc-wrapper = \"sccache\" # the cache");
  CHECK(refused.text.empty());
  ConfigEdit replaced = Set(text, true);
  REQUIRE(replaced.outcome == EditOutcome::kChanged);
  CHECK(replaced.text == std::string("# cache\n[build]\nrustc-wrapper = '") + kAlias +
                             "' # the cache\n");
}

TEST_CASE("a UTF-8 byte order mark stays, and the first line's value is found after it") {
  const std::string bom = "\xEF\xBB\xBF";
  ConfigEdit edit = Set(bom + "build.rustc-wrapper = \"/usr/bin/rustc-shim\"\n");
  REQUIRE(edit.outcome == EditOutcome::kChanged);
  CHECK(edit.text == bom + "build.rustc-wrapper = '" + kAlias + "'\n");
  CHECK(edit.old_lines == "build.rustc-wrapper = \"/usr/bin/rustc-shim\"");
  ConfigEdit table = Set(bom + "[build]\njobs = 2\n");
  REQUIRE(table.outcome == EditOutcome::kChanged);
  CHECK(table.text == bom + "[build]\nrustc-wrapper = '" + kAlias + "'\njobs = 2\n");
}

TEST_CASE("an empty wrapper (turned off): refused, then replaced with --replace") {
  const std::string text = "[build]\nrustc-wrapper = ''\n";
  CHECK(Set(text).outcome == EditOutcome::kEmptyWrapper);
  ConfigEdit replaced = Set(text, true);
  REQUIRE(replaced.outcome == EditOutcome::kChanged);
  CHECK(replaced.text == std::string("[build]\nrustc-wrapper = '") + kAlias + "'\n");
}

TEST_CASE("inline tables: refused, with the line to write instead") {
  struct Row {
    std::string before;
    std::string line;
  };
  const std::string v = "'/home/u/.cargo/rustc-shim/sccache'";
  const Row rows[] = {
      {"build = { jobs = 2 }\n", "build = { jobs = 2, rustc-wrapper = " + v + " }"},
      {"build = {}\n", "build = { rustc-wrapper = " + v + " }"},
      {"build = { jobs = 2, rustc-wrapper = \"/usr/bin/rustc-shim\" } # c\n",
       "build = { jobs = 2, rustc-wrapper = " + v + " } # c"},
  };
  for (const Row& row : rows) {
    CAPTURE(row.before);
    ConfigEdit edit = Set(row.before);
    CHECK(edit.outcome == EditOutcome::kCannotEdit);
    CHECK(edit.text.empty());
    CHECK(edit.new_lines == row.line);
    CHECK(edit.message.find("inline table") != std::string::npos);
  }
  // Another wrapper in an inline table is still "another wrapper" first.
  CHECK(Set("build = { rustc-wrapper = 'sccache' }\n").outcome == EditOutcome::kOtherWrapper);
}

TEST_CASE("what cannot be edited safely, and what is not TOML") {
  for (const char* text : {"build = 5\n", "[[build]]\nx = 1\n",
                           "[build]\nrustc-wrapper = 5\n"}) {
    CAPTURE(text);
    ConfigEdit edit = Set(text);
    CHECK(edit.outcome == EditOutcome::kCannotEdit);
    CHECK(edit.new_lines == std::string("[build]\nrustc-wrapper = '") + kAlias + "'");
  }
  ConfigEdit bad = Set("[build\nrustc-wrapper = 'x'\n");
  CHECK(bad.outcome == EditOutcome::kNotToml);
  CHECK(bad.message.find("line 1") != std::string::npos);
}

TEST_CASE("a path with a quote is written as a basic string") {
  ConfigEdit edit = SetRustcWrapper("", "/home/o'neil/.cargo/rustc-shim/sccache", IsShim, false);
  REQUIRE(edit.outcome == EditOutcome::kChanged);
  CHECK(edit.text == "[build]\nrustc-wrapper = \"/home/o'neil/.cargo/rustc-shim/sccache\"\n");
}

TEST_CASE("AliasPath") {
  CHECK(AliasPath("/home/u/.cargo", false) == "/home/u/.cargo/rustc-shim/sccache");
  CHECK(AliasPath("C:\\Users\\u\\.cargo", true) == "C:\\Users\\u\\.cargo\\rustc-shim\\sccache.exe");
}

}  // namespace
}  // namespace rustc_shim
