// cargo's configuration, read the way cargo reads it, for `rustc-shim
// --doctor`: which rustc wrapper cargo runs and where that was set, and the
// settings a toggle-script setup leaves behind. Files are parsed with toml++;
// only the doctor calls this, so routing a compile never parses TOML.
// Sources (rust-lang/cargo 0.96, cargo 1.95): src/cargo/util/context/mod.rs
// (walk_tree and get_file_path: which files, in which order; maybe_get_tool
// and string_to_path: RUSTC_WRAPPER over build.rustc-wrapper, and what a
// relative path is relative to), src/cargo/util/context/value.rs
// (Definition::root), crates/cargo-util/src/process_builder.rs (wrapped: an
// empty wrapper is none).
#ifndef RUSTC_SHIM_CARGO_CONFIG_H_
#define RUSTC_SHIM_CARGO_CONFIG_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "error_or.h"

namespace rustc_shim {

// One setting and where it was made.
struct CargoSetting {
  std::string value;   // as written (a TOML boolean reads "true" or "false")
  std::string source;  // an environment variable's name, or a configuration file's path
};

// What ReadCargoConfig found.
struct CargoConfig {
  // The configuration files that apply, most binding first: `.cargo/config`
  // (else `.cargo/config.toml`) in the directory and each one above it, then
  // CARGO_HOME's (`~/.cargo` when unset) unless already among them.
  std::vector<std::string> files;
  // Files cargo cannot read as TOML, or that give build.rustc-wrapper a value
  // that is not a string: "PATH: what is wrong". cargo stops on each.
  std::vector<std::string> errors;
  // The wrapper cargo runs: RUSTC_WRAPPER when set, else build.rustc-wrapper
  // (CARGO_BUILD_RUSTC_WRAPPER over the files). nullopt: none is set; an
  // empty value: set, and empty, which turns the wrapper off.
  std::optional<CargoSetting> rustc_wrapper;
  // build.rustc-wrapper alone (from the files or CARGO_BUILD_RUSTC_WRAPPER),
  // also when RUSTC_WRAPPER overrides it.
  std::optional<CargoSetting> config_rustc_wrapper;
  // The program cargo starts for `rustc_wrapper`: a value with a `/` (or a
  // `\` on Windows; either one in RUSTC_WRAPPER) joined to its directory (the
  // one holding `.cargo` for a file, the current one for the environment),
  // else the value, a name cargo looks up on PATH. Empty when there is none.
  std::string wrapper_program;
  // `[env]` entries of the files that a toggle-script setup leaves behind
  // (RUSTC_WRAPPER, RUSTC_WORKSPACE_WRAPPER, CARGO_INCREMENTAL,
  // CARGO_TARGET_DIR), most binding file first; `{ value = "..." }` tables
  // read as their value.
  std::vector<std::pair<std::string, CargoSetting>> env_table;
  // build.incremental and build.target-dir, environment over files.
  std::optional<CargoSetting> incremental;
  std::optional<CargoSetting> target_dir;
};

// Looks up an environment variable: nullopt when it is not set.
using GetEnvFunction = std::function<std::optional<std::string>(const char* name)>;
// Reads a whole file; an error when it cannot (missing, a directory).
using ReadFileFunction = std::function<ErrorOr<std::string>(const std::string& path)>;

// CARGO_HOME as cargo finds it (home::cargo_home_with_cwd in the `home`
// crate): CARGO_HOME (relative to `cwd` when relative), else `.cargo` in HOME
// (USERPROFILE on Windows). Empty when neither is set.
std::string CargoHome(const std::string& cwd, const GetEnvFunction& get_env, bool windows);

// The configuration file cargo reads in the directory `cargo_dir` (a
// `.cargo` or CARGO_HOME): `config` when it exists (also beside a
// `config.toml`), else `config.toml`, whether or not that exists
// (get_file_path in context/mod.rs).
std::string ConfigFileIn(const std::string& cargo_dir, const ReadFileFunction& read_file,
                         bool windows);

// The directory part of `path` (`\` separates too when `windows`); a root
// stays itself ("/", "C:\"), and a name without a directory is returned whole.
std::string ParentDirectory(absl::string_view path, bool windows);

// The program cargo starts for `wrapper` run in `cwd` (CargoConfig's
// wrapper_program: maybe_get_tool and string_to_path); empty for an empty
// value.
std::string WrapperProgram(const CargoSetting& wrapper, const std::string& cwd, bool windows);

// Reads the configuration that applies to a cargo run in `cwd` (absolute),
// the environment through `get_env` and files through `read_file`.
// `windows` selects Windows' path rules (`\` separates, USERPROFILE is home).
CargoConfig ReadCargoConfig(const std::string& cwd, const GetEnvFunction& get_env,
                            const ReadFileFunction& read_file, bool windows);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_CARGO_CONFIG_H_
