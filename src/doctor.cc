#include "doctor.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cargo_config.h"
#include "init.h"
#include "locate.h"
#include "platform.h"

namespace rustc_shim {
namespace {

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

  // The wrapper cargo will use in this directory, read as cargo reads it.
  const std::string cwd = CurrentDirectory();
  const bool windows = kPathListSeparator == ';';
  const GetEnvFunction get_env = GetEnvString;
  const CargoConfig cargo = ReadCargoConfig(cwd, get_env, ReadFile, windows);
  // rustc-shim's alias from --init, which on Windows may be a copy.
  const std::string alias = AliasPath(CargoHome(cwd, get_env, windows), windows);
  // How to fix a wrapper setting: --init for a file, unsetting for a variable.
  auto fix = [](const CargoSetting& setting) {
    if (setting.source == "RUSTC_WRAPPER" || setting.source == "CARGO_BUILD_RUSTC_WRAPPER") {
      return absl::StrCat("; unset ", setting.source);
    }
    return std::string("; `rustc-shim --init --replace` sets rustc-shim there in its place");
  };
  absl::StrAppend(&report, "cargo's configuration: ",
                  cargo.files.empty() ? "no file" : absl::StrJoin(cargo.files, ", "), "\n");
  for (const std::string& error : cargo.errors) {
    problems.push_back(absl::StrCat("cargo will stop with an error: ", error));
  }
  bool uses_shim = false;
  if (!cargo.rustc_wrapper) {
    absl::StrAppend(&report,
                    "cargo's rustc wrapper: none (no RUSTC_WRAPPER, no build.rustc-wrapper in ",
                    "the cargo configuration that applies in ", cwd, ")\n");
    problems.push_back(
        "cargo will not use rustc-shim here: run `rustc-shim --init` in the project (or "
        "`rustc-shim --init --global` for every project), which sets build.rustc-wrapper");
  } else if (cargo.rustc_wrapper->value.empty()) {
    absl::StrAppend(&report, "cargo's rustc wrapper: none (", cargo.rustc_wrapper->source,
                    " is set to the empty string)\n");
    problems.push_back(absl::StrCat("cargo will not use rustc-shim: ", cargo.rustc_wrapper->source,
                                    " is empty, which turns the wrapper off",
                                    fix(*cargo.rustc_wrapper)));
  } else {
    const CargoSetting& wrapper = *cargo.rustc_wrapper;
    std::optional<std::string> resolved = FindProgram(cargo.wrapper_program, env, nullptr);
    absl::StrAppend(&report, "cargo's rustc wrapper: ", wrapper.value, " (from ", wrapper.source,
                    ")",
                    resolved && *resolved != wrapper.value ? absl::StrCat(" = ", *resolved) : "",
                    "\n");
    if (!resolved) {
      problems.push_back(absl::StrCat("the rustc wrapper ", wrapper.value, " (from ",
                                      wrapper.source, ") does not exist: cargo will fail"));
    } else if (!IsThisShim(*resolved, self, alias)) {
      problems.push_back(absl::StrCat("cargo will run ", *resolved,
                                      " as its rustc wrapper, not this rustc-shim (from ",
                                      wrapper.source, ")", fix(wrapper)));
    } else {
      uses_shim = cargo.errors.empty();
    }
  }
  absl::StrAppend(&report, "cargo runs this rustc-shim: ", uses_shim ? "yes" : "no", "\n");
  if (GetEnv("PSModulePath")) {
    // The PowerShell trap: toggle scripts that "empty" the variable there
    // never turned a wrapper off (MicrosoftDocs/PowerShell-Docs #10851).
    absl::StrAppend(&report,
                    "note (PowerShell): in Windows PowerShell 5.1 and PowerShell 7.4 or older, "
                    "$env:RUSTC_WRAPPER = \"\" deletes the variable instead of emptying it, so "
                    "cargo goes on using the configured wrapper (cargo turns a wrapper off only "
                    "for an empty value); to turn it off for one run in every shell: "
                    "cargo --config build.rustc-wrapper='' ...\n");
  }

  // What a move from toggle scripts leaves behind.
  std::vector<std::string> advice;
  if (cargo.rustc_wrapper && cargo.config_rustc_wrapper &&
      cargo.rustc_wrapper->source == "RUSTC_WRAPPER" && !cargo.config_rustc_wrapper->value.empty()) {
    advice.push_back(absl::StrCat(
        "RUSTC_WRAPPER=", cargo.rustc_wrapper->value,
        " in the environment overrides build.rustc-wrapper = ", cargo.config_rustc_wrapper->value,
        " (from ", cargo.config_rustc_wrapper->source,
        "): unset it where it is set (a shell profile, a script, a CI job); rustc-shim keeps "
        "coverage builds away from sccache by itself"));
  }
  for (const auto& [name, setting] : cargo.env_table) {
    const absl::string_view name_view = name;
    advice.push_back(absl::StrCat(
        "[env] ", name, " = \"", setting.value, "\" in ", setting.source,
        name_view == "CARGO_INCREMENTAL"
            ? " does not change how cargo compiles (cargo reads its own environment and "
              "build.incremental; [env] reaches only what cargo runs): remove it"
        : name_view == "CARGO_TARGET_DIR"
            ? " does not move cargo's target directory (cargo reads its own environment and "
              "build.target-dir; [env] reaches only what cargo runs): remove it"
            : " does not choose cargo's wrapper (cargo reads its own environment and "
              "build.rustc-wrapper; [env] reaches only what cargo runs, build scripts "
              "included): remove it"));
  }
  std::optional<std::string> incremental_env(GetEnv("CARGO_INCREMENTAL"));
  if ((incremental_env && *incremental_env == "0") ||
      (cargo.incremental && cargo.incremental->value == "false")) {
    advice.push_back(absl::StrCat(
        "incremental compilation is off (",
        incremental_env && *incremental_env == "0" ? "CARGO_INCREMENTAL=0"
                                                   : absl::StrCat("build.incremental = false in ",
                                                                  cargo.incremental->source),
        "). If that is for sccache's sake, it need not be: rustc-shim sends incremental "
        "compiles to rustc and the rest to sccache. Keep it off where the workspace's own "
        "crates should be cached too (CI)"));
  }
  if (const std::optional<CargoSetting>& target_dir = cargo.target_dir) {
    advice.push_back(absl::StrCat(
        "the target directory ", target_dir->value, " (from ", target_dir->source,
        ") serves normal and coverage runs alike: cargo-llvm-cov builds in llvm-cov-target "
        "inside it, so no separate CARGO_TARGET_DIR for coverage is needed; coverage through "
        "RUSTFLAGS (grcov's recipe, tarpaulin) there rebuilds everything at each switch: give "
        "those their own --target-dir"));
  }
  for (const char* name : {"SHIM_MODE", "SHIM_LOG"}) {
    std::optional<absl::string_view> value = GetEnv(name);
    absl::StrAppend(&report, name, ": ", value ? absl::StrCat("'", *value, "'") : "unset");
    if (value && std::string(name) == "SHIM_MODE" && *value != "auto" && !value->empty()) {
      absl::StrAppend(&report, " (the rules are off: every compile goes ",
                      *value == "cache" ? "to sccache" : "directly", ")");
    }
    absl::StrAppend(&report, "\n");
  }
  if (!advice.empty()) {
    absl::StrAppend(&report, "left from toggle scripts (", advice.size(),
                    advice.size() == 1 ? " note" : " notes", "; docs/migrating.md):\n");
    for (const std::string& line : advice) absl::StrAppend(&report, "  - ", line, "\n");
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
