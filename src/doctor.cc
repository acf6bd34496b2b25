#include "doctor.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "locate.h"
#include "platform.h"

namespace rustc_shim {
namespace {

// A TOML basic ("...", with escapes) or literal ('...') string at the start of
// `text`, after blanks.
std::optional<std::string> TomlString(absl::string_view text) {
  text = absl::StripLeadingAsciiWhitespace(text);
  if (text.empty() || (text[0] != '"' && text[0] != '\'')) return std::nullopt;
  const char quote = text[0];
  std::string out;
  for (size_t i = 1; i < text.size(); ++i) {
    char c = text[i];
    if (c == quote) return out;
    if (quote == '"' && c == '\\' && i + 1 < text.size()) {
      char e = text[++i];
      out.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
      continue;
    }
    out.push_back(c);
  }
  return std::nullopt;
}

// The key of a `key = value` line, quotes dropped and `_` read as `-`, and
// the text after the `=`.
bool SplitKey(absl::string_view line, std::string* key, absl::string_view* value) {
  size_t eq = line.find('=');
  if (eq == absl::string_view::npos) return false;
  key->clear();
  for (char c : absl::StripAsciiWhitespace(line.substr(0, eq))) {
    if (c == '"' || c == '\'' || c == ' ' || c == '\t') continue;
    key->push_back(c == '_' ? '-' : c);
  }
  *value = line.substr(eq + 1);
  return true;
}

// What cargo will run as its rustc wrapper, and where that was decided.
struct Wrapper {
  std::string value;   // as written; empty means "no wrapper"
  std::string source;  // "RUSTC_WRAPPER", or a file name
  std::string base;    // the directory a relative path in a file is relative to
};

std::string Dirname(absl::string_view path) {
  size_t slash = path.find_last_of("/\\");
  if (slash == absl::string_view::npos) return ".";
  if (slash == 0) return std::string(path.substr(0, 1));
  return std::string(path.substr(0, slash));
}

std::string CargoHome() {
  if (std::optional<absl::string_view> home = GetEnv("CARGO_HOME"); home && !home->empty()) {
    return std::string(*home);
  }
  for (const char* name : {"HOME", "USERPROFILE"}) {
    if (std::optional<absl::string_view> home = GetEnv(name); home && !home->empty()) {
      return JoinPath(*home, ".cargo");
    }
  }
  return std::string();
}

// The cargo configuration files that apply in `dir`, most binding first: from
// `dir` up to the root, then CARGO_HOME's. In each .cargo directory cargo
// reads `config` when it exists, else `config.toml`.
std::vector<std::string> ConfigFiles(const std::string& dir) {
  std::vector<std::string> files;
  auto add = [&](const std::string& cargo_dir) {
    for (const char* name : {"config", "config.toml"}) {
      std::string path = JoinPath(cargo_dir, name);
      if (ReadFile(path).ok()) {
        if (std::find(files.begin(), files.end(), path) == files.end()) files.push_back(path);
        return;
      }
    }
  };
  std::string current = dir;
  for (;;) {
    add(JoinPath(current, ".cargo"));
    std::string parent = Dirname(current);
    if (parent == current || parent.empty()) break;
    current = parent;
  }
  if (std::string home = CargoHome(); !home.empty()) add(home);
  return files;
}

std::optional<Wrapper> FindWrapper(const std::string& cwd) {
  for (const char* name : {"RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER"}) {
    if (std::optional<absl::string_view> value = GetEnv(name)) {
      return Wrapper{std::string(*value), name, cwd};
    }
  }
  for (const std::string& file : ConfigFiles(cwd)) {
    ErrorOr<std::string> text = ReadFile(file);
    if (!text.ok()) continue;
    if (std::optional<std::string> value = ConfigRustcWrapper(*text)) {
      // Paths in a config file are relative to the directory holding .cargo.
      return Wrapper{*value, file, Dirname(Dirname(file))};
    }
  }
  return std::nullopt;
}

// Runs a program and returns what it printed on stdout (first line), or why not.
std::string FirstLine(const std::string& program, std::vector<std::string> args, bool* ok) {
  std::vector<char*> argv;
  std::string path = program;
  argv.push_back(path.data());
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::string out, err;
  std::function<void(absl::string_view)> to_out = [&](absl::string_view b) {
    out.append(b.data(), b.size());
  };
  ChildStatus status = RunChild(
      path.c_str(), argv.data(), {}, [&](absl::string_view b) { err.append(b.data(), b.size()); },
      &to_out);
  *ok = status.started && status.exited && status.code == 0;
  const std::string& text = *ok || err.empty() ? out : err;
  std::string line(absl::StripAsciiWhitespace(text.substr(0, text.find('\n'))));
  if (!status.started) return absl::StrCat("cannot run: ", ErrorText(status.start_error));
  return line;
}

}  // namespace

std::optional<std::string> ConfigRustcWrapper(absl::string_view toml) {
  std::optional<std::string> found;
  std::string table;
  for (absl::string_view raw : absl::StrSplit(toml, '\n')) {
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      size_t close = line.find(']');
      table.clear();
      for (char c : line.substr(1, close == absl::string_view::npos ? 0 : close - 1)) {
        if (c != ' ' && c != '"' && c != '[') table.push_back(c);
      }
      continue;
    }
    std::string key;
    absl::string_view value;
    if (!SplitKey(line, &key, &value)) continue;
    if ((table == "build" && key == "rustc-wrapper") ||
        (table.empty() && key == "build.rustc-wrapper")) {
      if (std::optional<std::string> s = TomlString(value)) found = *s;
    } else if (table.empty() && key == "build") {
      // An inline table: build = { rustc-wrapper = "..." }
      absl::string_view rest = value;
      for (absl::string_view name : {"rustc-wrapper", "rustc_wrapper"}) {
        size_t at = rest.find(name);
        if (at == absl::string_view::npos) continue;
        absl::string_view after = rest.substr(at + name.size());
        size_t eq = after.find('=');
        if (eq != absl::string_view::npos) {
          if (std::optional<std::string> s = TomlString(after.substr(eq + 1))) found = *s;
        }
      }
    }
  }
  return found;
}

int Doctor(const char* argv0) {
  std::string report;
  std::vector<std::string> problems;

  std::optional<std::string> shim_sccache;
  if (std::optional<absl::string_view> s = GetEnv("SHIM_SCCACHE"); s && !s->empty()) {
    shim_sccache = std::string(*s);
  }
  LocateEnv env = SystemLocateEnv(shim_sccache, argv0);
  const std::string self = SelfPath(argv0);
  absl::StrAppend(&report, "rustc-shim: ", self, "\n");

  // sccache: where, which version, whether its server answers.
  Located sccache = FindSccache(env);
  if (sccache.path) {
    bool ok = false;
    std::string version = FirstLine(*sccache.path, {"--version"}, &ok);
    absl::StrAppend(&report, "sccache: ", *sccache.path, " (", version, ")\n");
    std::string stats = FirstLine(*sccache.path, {"--show-stats"}, &ok);
    if (ok) {
      absl::StrAppend(&report, "sccache server: answers\n");
    } else {
      absl::StrAppend(&report, "sccache server: does not answer (", stats, ")\n");
      problems.push_back(absl::StrCat(
          "sccache's server does not answer: compiles will run directly until it does (", stats,
          ")"));
    }
  } else {
    absl::StrAppend(&report, "sccache: none (", sccache.problem, ")\n");
    problems.push_back(
        absl::StrCat("no sccache: every compile runs directly; install sccache or "
                     "set SHIM_SCCACHE (",
                     sccache.problem, ")"));
  }

  // rustc, as cargo would find it.
  std::string rustc_name(GetEnv("RUSTC").value_or("rustc"));
  if (std::optional<std::string> rustc = FindProgram(rustc_name, env, nullptr)) {
    bool ok = false;
    absl::StrAppend(&report, "rustc: ", *rustc, " (", FirstLine(*rustc, {"-V"}, &ok), ")\n");
  } else {
    absl::StrAppend(&report, "rustc: ", rustc_name, " not found on PATH\n");
    problems.push_back(absl::StrCat(rustc_name, " not found: cargo will not build here"));
  }

  // The wrapper cargo will use in this directory.
  std::string cwd = CurrentDirectory();
  std::optional<Wrapper> wrapper = FindWrapper(cwd);
  if (!wrapper) {
    absl::StrAppend(&report,
                    "cargo's rustc wrapper: none (no RUSTC_WRAPPER, no build.rustc-wrapper in ",
                    "the cargo configuration that applies in ", cwd, ")\n");
    problems.push_back(absl::StrCat(
        "cargo will not use rustc-shim here: add to .cargo/config.toml\n      [build]\n"
        "      rustc-wrapper = \"",
        self, "\""));
  } else if (wrapper->value.empty()) {
    absl::StrAppend(&report, "cargo's rustc wrapper: none (", wrapper->source,
                    " is set to the empty string)\n");
    problems.push_back(absl::StrCat("cargo will not use rustc-shim: ", wrapper->source,
                                    " is empty, which turns the wrapper off; unset it"));
  } else {
    std::string value = wrapper->value;
    if (HasDirectory(value) && !absl::StartsWith(value, "/") &&
        !(value.size() > 1 && value[1] == ':')) {
      value = JoinPath(wrapper->base, value);
    }
    std::optional<std::string> resolved = FindProgram(value, env, nullptr);
    absl::StrAppend(
        &report, "cargo's rustc wrapper: ", wrapper->value, " (from ", wrapper->source, ")",
        resolved && *resolved != wrapper->value ? absl::StrCat(" = ", *resolved) : "", "\n");
    if (!resolved) {
      problems.push_back(absl::StrCat("the rustc wrapper ", wrapper->value, " (from ",
                                      wrapper->source, ") does not exist: cargo will fail"));
    } else if (!SameFile(*resolved, self)) {
      problems.push_back(absl::StrCat("cargo will run ", *resolved,
                                      " as its rustc wrapper, not this ", "rustc-shim (from ",
                                      wrapper->source, ")"));
    }
  }

  // What else shapes caching.
  for (const char* name : {"CARGO_INCREMENTAL", "CARGO_TARGET_DIR", "SHIM_MODE", "SHIM_LOG"}) {
    std::optional<absl::string_view> value = GetEnv(name);
    absl::StrAppend(&report, name, ": ", value ? absl::StrCat("'", *value, "'") : "unset");
    if (value && std::string(name) == "CARGO_INCREMENTAL" && *value == "1") {
      absl::StrAppend(&report,
                      " (incremental compiles run directly; rustc-shim keeps it from sccache)");
    }
    if (value && std::string(name) == "CARGO_TARGET_DIR") {
      absl::StrAppend(&report,
                      " (sccache 0.4 hashes CARGO_* variables: a different value per "
                      "checkout means no sharing between them)");
    }
    if (value && std::string(name) == "SHIM_MODE" && *value != "auto" && !value->empty()) {
      absl::StrAppend(&report, " (the rules are off: every compile goes ",
                      *value == "cache" ? "to sccache" : "directly", ")");
    }
    absl::StrAppend(&report, "\n");
  }

  if (problems.empty()) {
    absl::StrAppend(&report,
                    "verdict: ok: cargo runs rustc-shim here, and it has an sccache to use\n");
  } else {
    absl::StrAppend(&report, "verdict: ", problems.size(),
                    problems.size() == 1 ? " problem" : " problems", "\n");
    for (const std::string& problem : problems) absl::StrAppend(&report, "  - ", problem, "\n");
  }
  WriteStdout(report);
  return problems.empty() ? 0 : 1;
}

}  // namespace rustc_shim
