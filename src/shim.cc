#include "shim.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "argfile.h"
#include "classify.h"
#include "classify_c.h"
#include "detect.h"
#include "doctor.h"
#include "forward.h"
#include "init.h"
#include "locate.h"
#include "log.h"
#include "platform.h"
#include "re2/re2.h"
#include "spdlog/logger.h"

#ifndef RUSTC_SHIM_VERSION
#define RUSTC_SHIM_VERSION "unknown"
#endif

namespace rustc_shim {
namespace {

constexpr absl::string_view kUsage =
    "usage: rustc-shim COMPILER [ARGS...]\n"
    "       rustc-shim --explain COMPILER [ARGS...]\n"
    "       rustc-shim --init [--global] [--check] [--replace]\n"
    "       rustc-shim --doctor | --help | --version\n";

constexpr absl::string_view kHelp =
    "rustc-shim: a rustc wrapper for cargo that sends coverage and other\n"
    "instrumented builds straight to the compiler and everything else to sccache.\n"
    "\n"
    "Set it once: `rustc-shim --init` (this project) or `rustc-shim --init --global`\n"
    "(every project of this user) writes build.rustc-wrapper in cargo's configuration.\n"
    "\n"
    "Commands:\n"
    "    rustc-shim COMPILER ARGS...            what cargo runs: route and run\n"
    "    rustc-shim --explain COMPILER ARGS...  print the route and why; run nothing\n"
    "    rustc-shim --init [--global]           set build.rustc-wrapper in .cargo/config.toml\n"
    "                                           (CARGO_HOME's with --global) to rustc-shim's\n"
    "                                           alias <CARGO_HOME>/rustc-shim/sccache, the\n"
    "                                           name cc-rs caches C/C++ compiles through\n"
    "        --check                            print what would change; exit 1 if anything\n"
    "        --replace                          replace another wrapper set there\n"
    "    rustc-shim --doctor                    check that cargo uses rustc-shim and sccache "
    "works\n"
    "    rustc-shim --help | --version\n"
    "\n"
    "Runs COMPILER ARGS... directly when any of these holds, else sccache COMPILER ARGS...:\n"
    "    -C instrument-coverage (unless =no/n/off/false/0), -Z instrument-coverage,\n"
    "    -C profile-generate, -Z profile, -C profile-use, -C profile-sample-use,\n"
    "    -C incremental=DIR,\n"
    "    probes (-vV, -V, --version, --print, `-` as input, --help, --explain,\n"
    "    -C help, -Z help, -W help),\n"
    "    an @argfile sccache 0.17+ would read otherwise or cannot pass on expanded,\n"
    "    SHIM_BYPASS matching the command line, a rustc driver under a name of its\n"
    "    own whose -vV is not rustc's (no sccache takes it); or when sccache is not\n"
    "    found or fails (then the compile runs directly, once).\n"
    "C and C++ compiles that cc-rs runs through the --init alias (named sccache):\n"
    "    directly with --coverage, -fprofile-arcs, -ftest-coverage, -fcoverage-mapping,\n"
    "    -fprofile-instr-generate, -fprofile-generate, -fprofile-use and the like\n"
    "    (MSVC: /GENPROFILE, /USEPROFILE), or a response file; else to sccache.\n"
    "\n"
    "Environment:\n"
    "    SHIM_MODE     auto (default) | direct (never sccache) | cache (always sccache)\n"
    "    SHIM_BYPASS   RE2 pattern; a match on the command line routes direct\n"
    "    SHIM_SCCACHE  sccache to use: a path, or a name looked up on PATH\n"
    "    SHIM_LOG      LEVEL or LEVEL:FILE; LEVEL: error, warn, info, debug, trace\n"
    "    SHIM_KEEP_MARKERS=1  keep cargo-llvm-cov's CARGO_LLVM_COV in sccache's key\n";

// What the environment asks of this invocation.
struct Settings {
  Mode mode = Mode::kAuto;
  std::string mode_problem;
  std::unique_ptr<re2::RE2> bypass;
  std::string bypass_problem;
  std::optional<std::string> shim_sccache;
  bool in_sccache = false;  // this shim was run as sccache by a rustc-shim
  bool keep_markers = false;  // SHIM_KEEP_MARKERS: coverage markers stay in sccache's key
};

Settings ReadSettings() {
  Settings settings;
  if (std::optional<absl::string_view> mode = GetEnv("SHIM_MODE")) {
    if (!ParseMode(*mode, &settings.mode)) {
      settings.mode_problem =
          absl::StrCat("SHIM_MODE=", *mode, " is not auto, direct or cache; using auto");
    }
  }
  if (std::optional<absl::string_view> bypass = GetEnv("SHIM_BYPASS"); bypass && !bypass->empty()) {
    re2::RE2::Options options;
    options.set_log_errors(false);
    auto pattern = std::make_unique<re2::RE2>(std::string(*bypass), options);
    if (pattern->ok()) {
      settings.bypass = std::move(pattern);
    } else {
      settings.bypass_problem = absl::StrCat(
          "SHIM_BYPASS=", *bypass, " is not a valid RE2 pattern (", pattern->error(), "); ignored");
    }
  }
  if (std::optional<absl::string_view> sccache = GetEnv("SHIM_SCCACHE");
      sccache && !sccache->empty()) {
    settings.shim_sccache = std::string(*sccache);
  }
  settings.in_sccache = GetEnv("SHIM_IN_SCCACHE").has_value();
  if (std::optional<absl::string_view> keep = GetEnv("SHIM_KEEP_MARKERS")) {
    settings.keep_markers = !keep->empty() && *keep != "0";
  }
  return settings;
}

// Returns the logger SHIM_LOG asks for, or null. A value that cannot be
// parsed is reported once on stderr and otherwise ignored.
std::shared_ptr<spdlog::logger> OpenLog() {
  std::optional<absl::string_view> text = GetEnv("SHIM_LOG");
  if (!text) return nullptr;
  ErrorOr<std::optional<LogSpec>> spec = ParseLogSpec(*text);
  if (!spec.ok()) {
    WriteStderr(absl::StrCat("rustc-shim: ", spec.error(), "\n"));
    return nullptr;
  }
  if (!spec->has_value()) return nullptr;
  return MakeLogger(**spec);
}

// Recent sccache refuses to run when it sees incremental compilation asked for
// in the environment, and sccache 0.4 hashes every CARGO_* variable; the
// compiles that reach it are not incremental, so these stay out of its
// environment.
constexpr const char* kNotForSccache[] = {"CARGO_INCREMENTAL", "CARGO_BUILD_INCREMENTAL"};

// What cargo-llvm-cov sets for every compile of its cargo run (taiki-e/
// cargo-llvm-cov 0.9.1: CARGO_LLVM_COV=1 in src/main.rs set_env; the
// CARGO_LLVM_COV_* of a `show-env` shell; CARGO_BUILD_BUILD_DIR, moved under
// llvm-cov-target when build.build-dir is set, src/cargo.rs). Every sccache of
// the matrix hashes CARGO_* variables into its key (src/compiler/rust.rs), so
// with them no dependency compile of a coverage run can meet what the normal
// build cached. rustc reads none of them; only a crate's env!/option_env! can,
// and rustc records each such read in the dep-info, which is checked after
// the compile. Left out only while CARGO_LLVM_COV is set.
constexpr const char* kCoverageMarkers[] = {"CARGO_LLVM_COV", "CARGO_LLVM_COV_SHOW_ENV",
                                            "CARGO_LLVM_COV_TARGET_DIR",
                                            "CARGO_LLVM_COV_BUILD_DIR", "CARGO_BUILD_BUILD_DIR"};

// rustc-shim marks the environment of the sccache it runs. A shim that finds
// the mark was itself run as sccache (a copy of rustc-shim named sccache, or
// SHIM_SCCACHE naming one) and compiles directly, so no chain of shims can
// loop.
constexpr const char* kMarkSccache[] = {"SHIM_IN_SCCACHE=1"};

// The decision for one invocation, with everything the log and --explain say.
struct Plan {
  CompilerKind kind = CompilerKind::kRust;
  Decision decision;
  std::string reason;
  std::optional<Located> sccache;  // searched only when the route needs it
  std::optional<std::string> compiler;  // the compiler's path, found on the cache route
  bool fell_back = false;               // wanted the cache, cannot have it
  std::string fallback_reason;
  // On the cache route, while a variable is set that sccache must not get
  // (kNotForSccache, kCoverageMarkers): where the compile writes its dep-info.
  std::optional<std::string> dep_info;
};

std::string Reason(CompilerKind kind, const Decision& d, const Expanded& expanded,
                   absl::Span<char* const> raw_args) {
  switch (d.rule) {
    case Rule::kModeDirect:
      return "SHIM_MODE=direct";
    case Rule::kModeCache:
      return "SHIM_MODE=cache";
    case Rule::kArgfileError:
      return expanded.error;
    case Rule::kArgfileSccache:
    case Rule::kUnsupported:
      return d.option;
    case Rule::kBypass:
      return absl::StrCat("SHIM_BYPASS '", d.option, "' matched");
    case Rule::kDefault:
      return kind == CompilerKind::kC ? "a C/C++ compile without coverage or profiling flags"
                                      : "no coverage, profiling, incremental or probe flag";
    default:
      break;
  }
  const Origin origin = OriginOf(expanded, d.index);
  // Numbers go through std::to_string: absl's integer formatting links in its
  // float parser, whose <iostream> costs every run the C++ locale's set-up.
  std::string where = absl::StrCat(d.option, " at argument ", std::to_string(origin.arg + 1));
  if (origin.line > 0) {
    absl::StrAppend(&where, " (item ", std::to_string(origin.line), " of ", raw_args[origin.arg],
                    ")");
  }
  return where;
}

// Decides the route. The reason, text for the log and --explain, is written
// only when `want_reason`: most compiles have nobody to read it.
Plan MakePlan(absl::Span<char* const> compiler_and_args, const Settings& settings,
              const char* argv0, bool always_locate, bool want_reason) {
  Plan plan;
  absl::Span<char* const> raw_args = compiler_and_args.subspan(1);
  const std::vector<absl::string_view> views(raw_args.begin(), raw_args.end());
  const Policy policy{settings.mode, settings.bypass.get()};
  Expanded expanded;
  // cc-rs's C and C++ compiles reach rustc-shim when it is cargo's wrapper
  // under a name cc-rs takes for a C/C++ wrapper (the alias named sccache
  // that --init makes): rules of their own, on the arguments as given (a
  // response file's grammar is the compiler's, not rustc's).
  plan.kind = KindOf(compiler_and_args[0], views, GetEnv("CARGO").has_value());
  if (plan.kind == CompilerKind::kC) {
    expanded.args = views;
    plan.decision = ClassifyC(compiler_and_args[0], views, policy);
  } else {
    if (settings.mode == Mode::kAuto) expanded = ExpandArgfiles(views, ReadFile);
    if (expanded.failed_arg) {
      plan.decision = {Route::kDirect, Rule::kArgfileError, -1, raw_args[*expanded.failed_arg]};
    } else {
      // sccache 0.17 and newer expand argfiles themselves: only what they
      // read as rustc does, and can pass on expanded, may go to them.
      std::string argfile_problem;
      if (!expanded.segments.empty()) {
        argfile_problem = SccacheReadsOtherwise(expanded, views);
        if (argfile_problem.empty()) {
          argfile_problem =
              TooLongToExpand(compiler_and_args[0], expanded.args, SystemCommandLineLimit());
        }
      }
      plan.decision = Classify(compiler_and_args[0], expanded.args, policy, argfile_problem);
    }
  }
  if (want_reason) plan.reason = Reason(plan.kind, plan.decision, expanded, raw_args);
  if (plan.decision.route == Route::kCache && plan.kind != CompilerKind::kC &&
      (GetEnv("CARGO_LLVM_COV") || GetEnv(kNotForSccache[0]) || GetEnv(kNotForSccache[1]))) {
    // From the arguments as rustc reads them: an argfile's, expanded. (The
    // other modes expand nothing: the arguments as given.)
    plan.dep_info = DepInfoPath(settings.mode == Mode::kAuto ? expanded.args : views);
  }

  if (plan.decision.route != Route::kCache && !always_locate) return plan;
  LocateEnv env = SystemLocateEnv(settings.shim_sccache, argv0);
  plan.sccache = FindSccache(env);
  if (plan.decision.route != Route::kCache) return plan;
  if (settings.in_sccache) {
    plan.fell_back = true;
    plan.fallback_reason = "rustc-shim was run as sccache by rustc-shim (SHIM_IN_SCCACHE is set)";
  } else if (!plan.sccache->path) {
    plan.fell_back = true;
    plan.fallback_reason = plan.sccache->problem;
  } else if (!(plan.compiler = FindProgram(compiler_and_args[0], env, nullptr))) {
    // sccache would fail with its own words; run it directly so that the
    // user gets the plain "not found" and exit status 127.
    plan.fell_back = true;
    plan.fallback_reason = absl::StrCat("compiler ", compiler_and_args[0], " not found");
  } else if (plan.kind == CompilerKind::kRustDriver && settings.mode == Mode::kAuto &&
             !always_locate) {
    // A driver under a name of its own: sccache would ask it `-vV` and fail
    // the call unless it answers as rustc; ask first, and spare the call.
    // (--explain, which runs nothing, says so instead.)
    if (std::string why = NotRustcForSccache(*plan.compiler); !why.empty()) {
      plan.decision = {Route::kDirect, Rule::kUnsupported, -1, why};
      plan.reason = why;
    }
  }
  return plan;
}

Route EffectiveRoute(const Plan& plan) {
  return plan.fell_back ? Route::kDirect : plan.decision.route;
}

std::string Summary(const Plan& plan) {
  if (plan.fell_back) {
    return absl::StrCat("direct: ", plan.fallback_reason,
                        "; running the compiler directly (wanted cache: ", plan.reason, ")");
  }
  return absl::StrCat(RouteName(plan.decision.route), ": ", plan.reason);
}

int Explain(absl::Span<char* const> compiler_and_args, const Settings& settings,
            const char* argv0) {
  Plan plan = MakePlan(compiler_and_args, settings, argv0, true, true);
  std::string out =
      absl::StrCat("route: ", RouteName(EffectiveRoute(plan)), "\n",
                   "rule: ", RuleName(plan.decision.rule), "\n", "reason: ", plan.reason, "\n");
  if (plan.sccache->path) {
    absl::StrAppend(&out, "sccache: ", *plan.sccache->path, "\n");
  } else {
    absl::StrAppend(&out, "sccache: none (", plan.sccache->problem,
                    "): every invocation runs the compiler directly\n");
  }
  if (plan.fell_back) {
    absl::StrAppend(&out, "fallback: ", plan.fallback_reason, "; the compiler runs directly\n");
  }
  if (plan.kind == CompilerKind::kRustDriver && EffectiveRoute(plan) == Route::kCache &&
      settings.mode == Mode::kAuto) {
    absl::StrAppend(&out, "driver: ", compiler_and_args[0],
                    " is no rustc by name: a compile asks it -vV first, and runs directly "
                    "unless it answers 'rustc ...' (rule unsupported-compiler)\n");
  }
  for (const std::string& skipped : plan.sccache->skipped_self) {
    absl::StrAppend(&out, "skipped: ", skipped, " (rustc-shim itself)\n");
  }
  for (const std::string* problem : {&settings.mode_problem, &settings.bypass_problem}) {
    if (!problem->empty()) absl::StrAppend(&out, "warning: ", *problem, "\n");
  }
  std::vector<absl::string_view> command;
  if (EffectiveRoute(plan) == Route::kCache) command.push_back(*plan.sccache->path);
  command.insert(command.end(), compiler_and_args.begin(), compiler_and_args.end());
  absl::StrAppend(&out, "command: ", absl::StrJoin(command, " "), "\n");
  WriteStdout(out);
  return 0;
}

// The message and exit status for a compiler that cannot be run.
int CannotRun(const char* compiler, int error, spdlog::logger* log) {
  std::string message = absl::StrCat("rustc-shim: cannot run '", compiler, "': ", ErrorText(error));
  if (log) log->error("{}", message);
  WriteStderr(absl::StrCat(message, "\n"));
  return IsNotFound(error) ? 127 : 126;
}

// Runs the compiler in place of this process; returns only on failure.
// `compiler_and_args` is null-terminated, as exec wants it.
int RunDirect(char* const* compiler_and_args, spdlog::logger* log) {
  const char* compiler = compiler_and_args[0];
  return CannotRun(compiler, Exec(compiler, compiler_and_args), log);
}

// Runs the compiler at `path` directly after a cache-route attempt whose
// metadata notices (`notified`) cargo has had already: as a child whose stderr
// is passed on without a second notice for the same artifact, then ends as it
// ended. Without such notices, RunDirect.
int RunDirectAfter(char* const* compiler_and_args, const std::optional<std::string>& path,
                   const std::vector<std::string>& notified, spdlog::logger* log) {
  if (notified.empty() || !path) return RunDirect(compiler_and_args, log);
  NotificationFilter filter(notified);
  ChildStatus status =
      RunChild(path->c_str(), compiler_and_args, {},
               [&filter](absl::string_view bytes) { WriteStderr(filter.Feed(bytes)); });
  if (!status.started) return CannotRun(compiler_and_args[0], status.start_error, log);
  WriteStderr(filter.Rest());
  ExitLike(status);
}

}  // namespace

int Main(int argc, char** raw_argv) {
  // UTF-8 arguments, null-terminated (on POSIX, argv itself).
  std::vector<char*> args = CommandLineArgs(argc, raw_argv);
  argc = static_cast<int>(args.size()) - 1;
  char** argv = args.data();
  if (argc < 2) {
    WriteStderr(kUsage);
    return 2;
  }
  absl::string_view first = argv[1];
  if (first == "--help" || first == "-h") {
    WriteStdout(kHelp);
    return 0;
  }
  if (first == "--version" || first == "-V") {
    WriteStdout(absl::StrCat("rustc-shim ", RUSTC_SHIM_VERSION, "\n"));
    return 0;
  }
  if (first == "--doctor") return Doctor(argv[0]);
  if (first == "--init") return Init(argv[0], absl::Span<char* const>(argv + 2, argc - 2));
  const bool explain = first == "--explain";
  if (explain && argc < 3) {
    WriteStderr(kUsage);
    return 2;
  }
  // argv[argc] is the terminating null, kept in the span for exec.
  absl::Span<char* const> compiler_and_args(argv + (explain ? 2 : 1), argc - (explain ? 2 : 1));
  Settings settings = ReadSettings();
  if (explain) return Explain(compiler_and_args, settings, argv[0]);

  std::shared_ptr<spdlog::logger> log = OpenLog();
  Plan plan = MakePlan(compiler_and_args, settings, argv[0], false, log != nullptr);
  if (log) {
    for (const std::string* problem : {&settings.mode_problem, &settings.bypass_problem}) {
      if (!problem->empty()) log->warn("{}", *problem);
    }
    if (plan.fell_back) {
      log->warn("{}", Summary(plan));
    } else {
      log->info("{}", Summary(plan));
    }
    if (log->should_log(spdlog::level::debug)) {
      log->debug("argv: {}", absl::StrJoin(argv, argv + argc, " "));
      if (plan.sccache && plan.sccache->path) {
        log->debug("sccache: {}", *plan.sccache->path);
      }
    }
  }

  if (EffectiveRoute(plan) == Route::kCache) {
    std::vector<char*> sccache_argv;
    sccache_argv.reserve(compiler_and_args.size() + 2);
    sccache_argv.push_back(plan.sccache->path->data());
    sccache_argv.insert(sccache_argv.end(), compiler_and_args.begin(), compiler_and_args.end());
    sccache_argv.push_back(nullptr);
    // The variables left out of sccache's environment, and whether the
    // compile must be checked for having read one of them.
    std::vector<const char*> left_out;
    for (const char* name : kNotForSccache) {
      if (GetEnv(name)) left_out.push_back(name);
    }
    // Without a dep-info to check, the markers go to sccache as they are.
    const std::optional<std::string>& dep_info = plan.dep_info;
    if (!settings.keep_markers && dep_info && GetEnv("CARGO_LLVM_COV")) {
      for (const char* name : kCoverageMarkers) {
        if (GetEnv(name)) left_out.push_back(name);
      }
    }
    if (log && log->should_log(spdlog::level::debug) && !left_out.empty()) {
      log->debug("left out of sccache's environment: {}", absl::StrJoin(left_out, " "));
    }
    // sccache runs as a child and all it writes is held until it ends, so
    // that its own failure can still end in a direct compile that nobody
    // sees twice (forward.h); only rustc's metadata notice goes on at once,
    // for cargo's pipelining, and the direct compile does not repeat it.
    HeldOutput out, err(HeldOutput::kDefaultLimit, /*pass_notifications=*/true);
    const std::function<void(absl::string_view)> on_stdout = [&out](absl::string_view bytes) {
      WriteStdout(out.Feed(bytes));
    };
    ChildStatus status =
        RunChild(sccache_argv[0], sccache_argv.data(), {left_out, kMarkSccache},
                 [&err](absl::string_view bytes) { WriteStderr(err.Feed(bytes)); }, &on_stdout);
    const bool complete = out.complete() && err.complete();
    SccacheOutcome outcome = JudgeSccache(status, out.held(), err.held(), complete);
    if (!outcome.failed) {
      // A compile that may have read a variable sccache did not get runs
      // again directly, with the whole environment, so that it produces what
      // it would without the shim.
      std::string read_left_out;
      if (!left_out.empty() && complete && status.passed_signal == 0 && status.exited) {
        if (status.code == 0 && dep_info) {
          ErrorOr<std::string> text = ReadFile(*dep_info);
          if (!text.ok()) {
            read_left_out = absl::StrCat("its dep-info ", *dep_info, " cannot be read (",
                                         text.error(), ")");
          } else if (DepInfoReadsAny(*text, left_out)) {
            read_left_out = absl::StrCat("its dep-info ", *dep_info,
                                         " records a read of a variable left out of sccache's "
                                         "environment (",
                                         absl::StrJoin(left_out, " "), ")");
          }
        } else if (status.code != 0 && MentionsAny(err.held(), left_out)) {
          read_left_out = absl::StrCat("it failed naming a variable left out of sccache's "
                                       "environment (",
                                       absl::StrJoin(left_out, " "), ")");
        }
      }
      if (read_left_out.empty()) {
        // The compile's own outcome, whatever it is: never run it twice.
        if (out.complete()) WriteStdout(out.held());
        if (err.complete()) WriteStderr(err.held());
        ExitLike(status);
      }
      if (log) log->info("compiled again directly: {}", read_left_out);
      return RunDirectAfter(compiler_and_args.data(), plan.compiler, err.notified(), log.get());
    }
    if (log) log->warn("sccache failed ({}); running the compiler directly", outcome.what);
    return RunDirectAfter(compiler_and_args.data(), plan.compiler, err.notified(), log.get());
  }
  return RunDirect(compiler_and_args.data(), log.get());
}

}  // namespace rustc_shim
