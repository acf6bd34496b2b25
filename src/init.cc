#include "init.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "cargo_config.h"
#include "locate.h"
#include "platform.h"
#include "toml.h"

namespace rustc_shim {
namespace {

constexpr absl::string_view kInitUsage =
    "usage: rustc-shim --init [--global] [--check] [--replace]\n";

// The line ending the file uses: CRLF when its first line ends so.
std::string LineEnding(absl::string_view text) {
  size_t newline = text.find('\n');
  return newline != absl::string_view::npos && newline > 0 && text[newline - 1] == '\r' ? "\r\n"
                                                                                        : "\n";
}

// The byte offset of toml++'s position (1-based line, 1-based column counted
// in code points) in `text`.
size_t Offset(absl::string_view text, const toml::source_position& position) {
  // toml++ counts the first line's columns after a UTF-8 byte order mark.
  size_t offset = position.line == 1 && absl::StartsWith(text, "\xEF\xBB\xBF") ? 3 : 0;
  for (toml::source_index line = 1; line < position.line; ++line) {
    size_t newline = text.find('\n', offset);
    if (newline == absl::string_view::npos) return text.size();
    offset = newline + 1;
  }
  for (toml::source_index column = 1; column < position.column && offset < text.size(); ++column) {
    ++offset;
    while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
      ++offset;
    }
  }
  return offset;
}

// The offset just past the line ending of the line holding `offset`, or the
// text's end when that line has none.
size_t NextLine(absl::string_view text, size_t offset) {
  size_t newline = text.find('\n', offset);
  return newline == absl::string_view::npos ? text.size() : newline + 1;
}

// The whole lines from the one holding `begin` to the one holding `end`,
// without the last line ending, and with "\n" between lines.
std::string LinesAround(absl::string_view text, size_t begin, size_t end) {
  size_t first = text.rfind('\n', begin == 0 ? 0 : begin - 1);
  first = first == absl::string_view::npos || begin == 0 ? 0 : first + 1;
  if (first == 0 && absl::StartsWith(text, "\xEF\xBB\xBF")) first = 3;  // not shown
  size_t last = text.find('\n', end);
  if (last == absl::string_view::npos) last = text.size();
  std::string lines(text.substr(first, last - first));
  absl::StrReplaceAll({{"\r\n", "\n"}}, &lines);
  if (!lines.empty() && lines.back() == '\r') lines.pop_back();
  return lines;
}

// True when `after` is `before` with build.rustc-wrapper set to `wrapper` and
// nothing else changed: the check every text edit has to pass.
bool OnlyWrapperChanged(const toml::table& before, absl::string_view after_text,
                        absl::string_view wrapper) {
  toml::parse_result parsed = toml::parse(std::string_view(after_text.data(), after_text.size()));
  if (!parsed) return false;
  toml::table after = std::move(parsed).table();
  toml::table* after_build = after["build"].as_table();
  if (after_build == nullptr) return false;
  std::optional<std::string> value = (*after_build)["rustc-wrapper"].value_exact<std::string>();
  if (!value || *value != wrapper) return false;
  after_build->erase("rustc-wrapper");
  toml::table expected = before;
  if (toml::table* before_build = expected["build"].as_table()) {
    before_build->erase("rustc-wrapper");
  } else if (after_build->empty()) {
    after.erase("build");
  }
  return expected == after;
}

}  // namespace

std::string TomlString(absl::string_view value) {
  bool literal = true;
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '\'' || (u < 0x20 && c != '\t') || u == 0x7F) literal = false;
  }
  if (literal) return absl::StrCat("'", value, "'");
  std::string out = "\"";
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (u < 0x20 || u == 0x7F) {
          static constexpr char kHex[] = "0123456789ABCDEF";
          absl::StrAppend(&out, "\\u00", absl::string_view(&kHex[u >> 4], 1),
                          absl::string_view(&kHex[u & 0xF], 1));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

ConfigEdit SetRustcWrapper(absl::string_view text, absl::string_view wrapper,
                           const std::function<bool(const std::string&)>& names_this_shim,
                           bool replace) {
  ConfigEdit edit;
  const std::string value_text = TomlString(wrapper);
  const std::string key_line = absl::StrCat("rustc-wrapper = ", value_text);
  const std::string by_hand = absl::StrCat("[build]\n", key_line);
  toml::parse_result parsed = toml::parse(std::string_view(text.data(), text.size()));
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    edit.outcome = EditOutcome::kNotToml;
    edit.message = absl::StrCat(std::string(error.description()), " (line ",
                                std::to_string(error.source().begin.line), ", column ",
                                std::to_string(error.source().begin.column), ")");
    return edit;
  }
  const toml::table& root = parsed.table();
  const std::string newline = LineEnding(text);
  // A candidate text passes only when it changes that one key.
  auto changed = [&](std::string candidate, size_t begin, size_t end) {
    if (!OnlyWrapperChanged(root, candidate, wrapper)) return false;
    edit.new_lines = LinesAround(candidate, begin, end);
    edit.text = std::move(candidate);
    return true;
  };
  auto cannot_edit = [&](std::string message) {
    edit.outcome = EditOutcome::kCannotEdit;
    edit.message = std::move(message);
    edit.text.clear();
    if (edit.new_lines.empty()) edit.new_lines = by_hand;
    return edit;
  };

  const toml::node* build = root.get("build");
  if (build != nullptr && !build->is_table()) {
    return cannot_edit(absl::StrCat("`build` on line ", std::to_string(build->source().begin.line),
                                    " is not a table"));
  }
  const toml::table* build_table = build != nullptr ? build->as_table() : nullptr;
  const bool inline_table = build_table != nullptr && build_table->is_inline();
  const std::string inline_message =
      build_table != nullptr
          ? absl::StrCat("`build` is an inline table (`build = { ... }`, line ",
                         std::to_string(build_table->source().begin.line),
                         "), which rustc-shim does not edit; write this instead of its line(s)")
          : "";

  if (const toml::node* current = build_table ? build_table->get("rustc-wrapper") : nullptr) {
    const toml::source_region& region = current->source();
    const size_t begin = Offset(text, region.begin), end = Offset(text, region.end);
    edit.old_lines = LinesAround(text, begin, end);
    std::optional<std::string> value = current->value_exact<std::string>();
    if (!value) {
      return cannot_edit(absl::StrCat("build.rustc-wrapper on line ",
                                      std::to_string(region.begin.line),
                                      " is not a string (cargo stops on it too)"));
    }
    edit.current_value = *value;
    if (*value == wrapper) {
      edit.outcome = EditOutcome::kUnchanged;
      return edit;
    }
    if (!replace && value->empty()) {
      edit.outcome = EditOutcome::kEmptyWrapper;
      return edit;
    }
    if (!replace && !names_this_shim(*value)) {
      edit.outcome = EditOutcome::kOtherWrapper;
      return edit;
    }
    std::string candidate =
        absl::StrCat(text.substr(0, begin), value_text, text.substr(end));
    if (!changed(std::move(candidate), begin, begin)) {
      return cannot_edit("replacing the value would change more than build.rustc-wrapper");
    }
    if (inline_table) return cannot_edit(inline_message);
    edit.outcome = EditOutcome::kChanged;
    return edit;
  }

  if (inline_table) {
    // Before the closing brace, after the last entry (with a comma) if any.
    const toml::source_region& region = build_table->source();
    const size_t begin = Offset(text, region.begin), end = Offset(text, region.end);
    size_t brace = end;
    while (brace > begin && text[brace - 1] != '}') --brace;
    size_t last = brace > begin ? brace - 1 : begin;
    while (last > begin && absl::ascii_isspace(static_cast<unsigned char>(text[last - 1]))) --last;
    const bool empty = last > begin && text[last - 1] == '{';
    std::string candidate = absl::StrCat(text.substr(0, last), empty ? " " : ", ", key_line, " ",
                                         text.substr(brace > begin ? brace - 1 : end));
    if (!changed(std::move(candidate), begin, end)) edit.new_lines.clear();
    return cannot_edit(inline_message);
  }

  if (build_table != nullptr) {
    // After the `[build]` header line; else beside a key-value of the table,
    // as a key of the table or as a dotted key of the root table.
    const size_t header = Offset(text, build_table->source().begin);
    const size_t after_header = NextLine(text, header);
    const std::string head(text.substr(0, after_header));
    const std::string rest(text.substr(after_header));
    const std::string lead = !head.empty() && head.back() != '\n' ? newline : "";
    const size_t at = head.size() + lead.size();
    if (changed(absl::StrCat(head, lead, key_line, newline, rest), at, at)) {
      edit.outcome = EditOutcome::kChanged;
      return edit;
    }
    for (const auto& entry : *build_table) {
      if (entry.second.is_table()) continue;
      const size_t after = NextLine(text, Offset(text, entry.second.source().end));
      const std::string before_text(text.substr(0, after));
      const std::string lead2 = !before_text.empty() && before_text.back() != '\n' ? newline : "";
      const size_t at2 = before_text.size() + lead2.size();
      for (const char* prefix : {"", "build."}) {
        if (changed(absl::StrCat(before_text, lead2, prefix, key_line, newline, text.substr(after)),
                    at2, at2)) {
          edit.outcome = EditOutcome::kChanged;
          return edit;
        }
      }
      break;
    }
  }

  // A [build] table of its own at the end, a blank line before it.
  std::string candidate(text);
  if (!candidate.empty() && candidate.back() != '\n') candidate += newline;
  if (!candidate.empty()) candidate += newline;
  const size_t at = candidate.size();
  absl::StrAppend(&candidate, "[build]", newline, key_line, newline);
  if (changed(std::move(candidate), at, at + 7 + newline.size())) {
    edit.outcome = EditOutcome::kChanged;
    return edit;
  }
  return cannot_edit("no place for build.rustc-wrapper that changes nothing else was found");
}

std::string AliasPath(const std::string& cargo_home, bool windows) {
  const char* separator = windows ? "\\" : "/";
  return absl::StrCat(cargo_home, separator, "rustc-shim", separator,
                      windows ? "sccache.exe" : "sccache");
}

bool IsThisShim(const std::string& path, const std::string& self, const std::string& alias) {
  if (SameFile(path, self)) return true;
  if (!SameFile(path, alias)) return false;
  // A copy (Windows, across volumes) is this rustc-shim while it holds the
  // same bytes; after an upgrade it does not, and --init replaces it.
  ErrorOr<std::string> mine = ReadFile(self);
  ErrorOr<std::string> theirs = ReadFile(path);
  return mine.ok() && theirs.ok() && *mine == *theirs;
}

namespace {

bool IsWindows() { return kPathListSeparator == ';'; }

// The workspace root cargo reports for the current directory (cargo
// locate-project --workspace, with the cargo of CARGO or PATH), or nullopt and
// why not in `problem`; `cargo_found` says whether there was a cargo to ask.
std::optional<std::string> WorkspaceRoot(const LocateEnv& env, std::string* problem,
                                         bool* cargo_found) {
  std::string name = GetEnvString("CARGO").value_or("");
  if (name.empty()) name = "cargo";
  std::optional<std::string> cargo = FindProgram(name, env, nullptr);
  *cargo_found = cargo.has_value();
  if (!cargo) {
    *problem = absl::StrCat(name, " not found");
    return std::nullopt;
  }
  std::vector<std::string> words = {*cargo, "locate-project", "--workspace", "--message-format",
                                    "plain"};
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  std::string out, err;
  const std::function<void(absl::string_view)> to_out = [&out](absl::string_view bytes) {
    out.append(bytes.data(), bytes.size());
  };
  ChildStatus status = RunChild(
      cargo->c_str(), argv.data(), {},
      [&err](absl::string_view bytes) { err.append(bytes.data(), bytes.size()); }, &to_out);
  std::string manifest(absl::StripAsciiWhitespace(out.substr(0, out.find('\n'))));
  if (!status.started || !status.exited || status.code != 0 || manifest.empty()) {
    std::string why = !status.started ? ErrorText(status.start_error)
                                      : std::string(absl::StripAsciiWhitespace(
                                            err.substr(0, err.find('\n'))));
    *problem = absl::StrCat("`", name, " locate-project --workspace` failed",
                            why.empty() ? "" : absl::StrCat(" (", why, ")"));
    return std::nullopt;
  }
  return ParentDirectory(manifest, IsWindows());
}

// Indents each line of `lines` with `prefix`.
std::string Indented(absl::string_view prefix, absl::string_view lines) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(lines, '\n')) {
    absl::StrAppend(&out, prefix, line, "\n");
  }
  return out;
}

}  // namespace

int Init(const char* argv0, absl::Span<char* const> args) {
  bool global = false, check = false, replace = false;
  for (absl::string_view arg : args) {
    if (arg == "--global") {
      global = true;
    } else if (arg == "--check") {
      check = true;
    } else if (arg == "--replace") {
      replace = true;
    } else {
      WriteStderr(absl::StrCat("rustc-shim --init: unknown option '", arg, "'\n", kInitUsage));
      return 2;
    }
  }
  const bool windows = IsWindows();
  const GetEnvFunction get_env = GetEnvString;
  const std::string cwd = CurrentDirectory();
  const std::string self = SelfPath(argv0);
  const LocateEnv locate = SystemLocateEnv(std::nullopt, argv0);
  const std::string cargo_home = CargoHome(cwd, get_env, windows);
  if (cargo_home.empty()) {
    WriteStderr(absl::StrCat("rustc-shim --init: cannot tell where CARGO_HOME is: neither "
                             "CARGO_HOME nor ",
                             windows ? "USERPROFILE" : "HOME", " is set\n"));
    return 1;
  }
  const std::string alias = AliasPath(cargo_home, windows);
  const std::string flags = absl::StrCat(global ? " --global" : "");

  std::string report;
  std::string cargo_dir;
  if (global) {
    cargo_dir = cargo_home;
  } else {
    std::string problem;
    bool cargo_found = false;
    std::optional<std::string> root = WorkspaceRoot(locate, &problem, &cargo_found);
    if (!root && cargo_found) {
      // cargo itself cannot tell (a broken configuration, no toolchain, no
      // Cargo.toml here): writing into the current directory would guess.
      WriteStderr(absl::StrCat("rustc-shim --init: ", problem,
                               ": cannot tell which project this is. Run it where cargo "
                               "works, or use --global. Nothing was written.\n"));
      return 1;
    }
    if (!root) {
      absl::StrAppend(&report, "note: ", problem, ": using the current directory ", cwd,
                      " as the project's root\n");
      root = cwd;
    }
    cargo_dir = JoinPath(*root, ".cargo");
  }
  const std::string file = ConfigFileIn(cargo_dir, ReadFile, windows);
  ErrorOr<std::string> read = ReadFile(file);
  const bool exists = read.ok();

  auto names_this_shim = [&](const std::string& value) {
    const std::string program = WrapperProgram(CargoSetting{value, file}, cwd, windows);
    std::optional<std::string> resolved = FindProgram(program, locate, nullptr);
    return resolved && IsThisShim(*resolved, self, alias);
  };
  const ConfigEdit edit =
      SetRustcWrapper(exists ? *read : std::string(), alias, names_this_shim, replace);
  const std::string nothing = "Nothing was written.\n";
  switch (edit.outcome) {
    case EditOutcome::kNotToml:
      WriteStderr(absl::StrCat(report, "rustc-shim --init: ", file, " is not valid TOML: ",
                               edit.message, "; cargo cannot read it either: fix it first. ",
                               nothing));
      return 1;
    case EditOutcome::kCannotEdit:
      WriteStderr(absl::StrCat(report, "rustc-shim --init: cannot edit ", file, " safely: ",
                               edit.message, ":\n", Indented("    ", edit.new_lines),
                               "Add that yourself. ", nothing));
      return 1;
    case EditOutcome::kOtherWrapper:
      WriteStderr(absl::StrCat(
          report, "rustc-shim --init: ", file, " sets another rustc wrapper, '",
          edit.current_value, "', which is not this rustc-shim:\n",
          Indented("    ", edit.old_lines),
          "rustc-shim sends what sccache can cache to sccache by itself. To make it the wrapper "
          "in place of that one, run:\n    rustc-shim --init", flags, " --replace\n", nothing));
      return 1;
    case EditOutcome::kEmptyWrapper:
      WriteStderr(absl::StrCat(
          report, "rustc-shim --init: ", file,
          " sets build.rustc-wrapper to the empty string, which turns every wrapper off:\n",
          Indented("    ", edit.old_lines),
          "To make rustc-shim the wrapper in place of that setting, run:\n    rustc-shim --init",
          flags, " --replace\n", nothing));
      return 1;
    case EditOutcome::kUnchanged:
    case EditOutcome::kChanged:
      break;
  }

  // What the alias points at: the path this rustc-shim was started by (made
  // absolute, or found on PATH) when it is this file, else the file itself.
  // The path a user runs is the stable one: a package manager's versioned
  // directory behind it changes at an upgrade, and a link to it would dangle.
  std::string target = self;
  {
    absl::string_view started(argv0 == nullptr ? "" : argv0);
    std::optional<std::string> path;
    if (started.find_first_of(windows ? "/\\" : "/") != absl::string_view::npos) {
      const bool absolute =
          started[0] == '/' ||
          (windows && (started[0] == '\\' || (started.size() > 2 && started[1] == ':')));
      path = absolute ? std::string(started) : JoinPath(cwd, started);
    } else if (!started.empty()) {
      path = FindProgram(started, locate, nullptr);
      if (path && !path->empty() && (*path)[0] != '/' && !windows) path = JoinPath(cwd, *path);
    }
    if (path && SameFile(*path, self)) target = *path;
  }
  const bool alias_changes = !IsThisShim(alias, self, alias);
  const bool alias_exists = ReadFile(alias).ok() || IsExecutableFile(alias);
  const bool file_changes = edit.outcome == EditOutcome::kChanged;
  if (alias_changes) {
    if (!check) {
      const std::string dir = ParentDirectory(alias, windows);
      std::string error = MakeDirectories(dir);
      ErrorOr<std::string> made = error.empty() ? MakeAlias(target, alias) : Error{error};
      if (made.ok() && !IsThisShim(alias, self, alias)) {
        made = Error{"the alias made does not run this rustc-shim"};
      }
      if (!made.ok()) {
        WriteStderr(absl::StrCat(report, "rustc-shim --init: cannot make the alias ", alias,
                                 ": ", made.error(), ". ", nothing));
        return 1;
      }
      absl::StrAppend(&report, alias_exists ? "replaced" : "created", " the alias ", alias,
                      " -> ", target, " (", *made, ")\n");
    } else {
      absl::StrAppend(&report, "would ", alias_exists ? "replace" : "create", " the alias ",
                      alias, " -> ", target, alias_exists ? " (it is not this rustc-shim)" : "",
                      "\n");
    }
  } else {
    absl::StrAppend(&report, "the alias ", alias, " is this rustc-shim already\n");
  }
  if (file_changes) {
    if (!check) {
      std::string error = MakeDirectories(ParentDirectory(file, windows));
      if (error.empty()) error = WriteWholeFile(file, edit.text);
      if (!error.empty()) {
        WriteStderr(absl::StrCat(report, "rustc-shim --init: cannot write ", file, ": ", error,
                                 "\n"));
        return 1;
      }
    }
    absl::StrAppend(&report, check ? (exists ? "would change " : "would create ")
                                   : (exists ? "changed " : "created "),
                    file, ":\n");
    if (!edit.old_lines.empty()) absl::StrAppend(&report, Indented("  - ", edit.old_lines));
    absl::StrAppend(&report, Indented("  + ", edit.new_lines));
  } else {
    absl::StrAppend(&report, file, " is set already: ", edit.old_lines, "\n");
  }

  // What still keeps cargo from running the alias here.
  for (const char* name : {"RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER"}) {
    std::optional<std::string> value = GetEnvString(name);
    if (!value || *value == alias) continue;
    absl::StrAppend(&report, "note: ", name, "='", *value,
                    "' is set in this environment and overrides ", file,
                    " for cargo; unset it (bash: unset ", name, "; PowerShell: Remove-Item Env:",
                    name, ") and where it is set (a shell profile, a script, a CI job)\n");
  }
  if (!check) {
    const CargoConfig cargo = ReadCargoConfig(cwd, get_env, ReadFile, windows);
    const std::optional<CargoSetting>& decides = cargo.config_rustc_wrapper;
    if (decides && decides->source != file && decides->value != alias &&
        decides->source.find_first_of("/\\") != std::string::npos) {
      absl::StrAppend(&report, "note: in ", cwd, ", ", decides->source,
                      " comes first for cargo and sets build.rustc-wrapper = '", decides->value,
                      "'\n");
    }
  }
  WriteStdout(report);
  return check && (alias_changes || file_changes) ? 1 : 0;
}

}  // namespace rustc_shim
