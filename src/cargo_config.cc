#include "cargo_config.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

#include "toml.h"

namespace rustc_shim {
namespace {

// The files cargo reads in a `.cargo` directory, the first one found only.
constexpr const char* kConfigFileNames[] = {"config", "config.toml"};

// The [env] names worth a word from the doctor.
constexpr const char* kEnvNames[] = {"RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER",
                                     "CARGO_INCREMENTAL", "CARGO_TARGET_DIR"};

bool IsSeparator(char c, bool windows) { return c == '/' || (windows && c == '\\'); }

std::string Join(absl::string_view dir, absl::string_view name, bool windows) {
  if (dir.empty()) return std::string(name);
  if (IsSeparator(dir.back(), windows)) return absl::StrCat(dir, name);
  return absl::StrCat(dir, windows ? "\\" : "/", name);
}

bool IsAbsolute(absl::string_view path, bool windows) {
  if (!path.empty() && IsSeparator(path[0], windows)) return true;
  return windows && path.size() > 2 && path[1] == ':' && IsSeparator(path[2], windows);
}

// A file's value of `key` in `table`, as text; a wrong type goes to `errors`.
std::optional<CargoSetting> StringAt(const toml::table& table, absl::string_view section,
                                     absl::string_view key, bool allow_bool,
                                     const std::string& file, std::vector<std::string>* errors) {
  toml::node_view<const toml::node> node = table[std::string_view(section.data(), section.size())]
                                                [std::string_view(key.data(), key.size())];
  if (!node) return std::nullopt;
  if (std::optional<std::string> s = node.value_exact<std::string>()) {
    return CargoSetting{*s, file};
  }
  if (allow_bool) {
    if (std::optional<bool> b = node.value_exact<bool>()) {
      return CargoSetting{*b ? "true" : "false", file};
    }
  }
  errors->push_back(absl::StrCat(file, ": `", section, ".", key, "` is not a ",
                                 allow_bool ? "boolean" : "string"));
  return std::nullopt;
}

}  // namespace

std::string ParentDirectory(absl::string_view path, bool windows) {
  size_t end = path.size();
  while (end > 1 && IsSeparator(path[end - 1], windows)) --end;
  size_t slash = end;
  while (slash > 0 && !IsSeparator(path[slash - 1], windows)) --slash;
  if (slash == 0) return std::string(path);
  absl::string_view parent = path.substr(0, slash);
  // Keep the separator of a root: "/" and "C:\".
  if (parent.size() > 1 && !(windows && parent.size() == 3 && parent[1] == ':')) {
    parent.remove_suffix(1);
  }
  return std::string(parent);
}

std::string CargoHome(const std::string& cwd, const GetEnvFunction& get_env, bool windows) {
  std::string home;
  if (std::optional<std::string> cargo_home = get_env("CARGO_HOME");
      cargo_home && !cargo_home->empty()) {
    home = IsAbsolute(*cargo_home, windows) ? *cargo_home : Join(cwd, *cargo_home, windows);
  } else if (std::optional<std::string> user = get_env(windows ? "USERPROFILE" : "HOME");
             user && !user->empty()) {
    home = Join(*user, ".cargo", windows);
  }
  while (home.size() > 1 && IsSeparator(home.back(), windows)) home.pop_back();
  return home;
}

std::string ConfigFileIn(const std::string& cargo_dir, const ReadFileFunction& read_file,
                         bool windows) {
  for (const char* name : kConfigFileNames) {
    std::string path = Join(cargo_dir, name, windows);
    if (read_file(path).ok()) return path;
  }
  return Join(cargo_dir, "config.toml", windows);
}

std::string WrapperProgram(const CargoSetting& wrapper, const std::string& cwd, bool windows) {
  if (wrapper.value.empty()) return "";
  const bool from_rustc_wrapper = wrapper.source == "RUSTC_WRAPPER";
  // maybe_get_tool takes either separator in RUSTC_WRAPPER on every
  // platform; string_to_path, for build.rustc-wrapper, `\` on Windows only.
  const bool is_path =
      wrapper.value.find('/') != std::string::npos ||
      ((from_rustc_wrapper || windows) && wrapper.value.find('\\') != std::string::npos);
  if (!is_path || IsAbsolute(wrapper.value, windows)) return wrapper.value;
  const bool from_env =
      wrapper.source == "RUSTC_WRAPPER" || wrapper.source == "CARGO_BUILD_RUSTC_WRAPPER";
  // A file's path: relative to the directory that holds its .cargo.
  std::string root =
      from_env ? cwd : ParentDirectory(ParentDirectory(wrapper.source, windows), windows);
  return Join(root, wrapper.value, windows);
}

CargoConfig ReadCargoConfig(const std::string& cwd, const GetEnvFunction& get_env,
                            const ReadFileFunction& read_file, bool windows) {
  CargoConfig config;
  std::vector<std::pair<std::string, std::string>> texts;  // path, contents
  std::vector<std::string> walked;                         // .cargo directories seen
  // `config` wins over `config.toml` in the same directory (cargo warns).
  auto add = [&](const std::string& cargo_dir) {
    for (const char* name : kConfigFileNames) {
      std::string path = Join(cargo_dir, name, windows);
      ErrorOr<std::string> text = read_file(path);
      if (!text.ok()) continue;
      config.files.push_back(path);
      texts.emplace_back(path, *std::move(text));
      return;
    }
  };
  for (std::string dir = cwd;;) {
    std::string cargo_dir = Join(dir, ".cargo", windows);
    add(cargo_dir);
    walked.push_back(cargo_dir);
    std::string parent = ParentDirectory(dir, windows);
    if (parent == dir) break;
    dir = std::move(parent);
  }
  const std::string home = CargoHome(cwd, get_env, windows);
  if (!home.empty() && std::find(walked.begin(), walked.end(), home) == walked.end()) add(home);

  // The most binding file that sets a key decides it.
  for (const auto& file : texts) {
    // Named, not structured bindings: clang 14 lets no lambda capture those.
    const std::string& path = file.first;
    toml::parse_result parsed = toml::parse(file.second, path);
    if (!parsed) {
      const toml::parse_error& error = parsed.error();
      const std::string_view description = error.description();
      config.errors.push_back(absl::StrCat(path, ": not valid TOML: ",
                                           absl::string_view(description.data(), description.size()),
                                           " (line ", std::to_string(error.source().begin.line),
                                           ")"));
      continue;
    }
    const toml::table& table = parsed.table();
    auto first = [&](std::optional<CargoSetting>* slot, absl::string_view key, bool allow_bool) {
      std::optional<CargoSetting> found =
          StringAt(table, "build", key, allow_bool, path, &config.errors);
      if (found && !*slot) *slot = std::move(found);
    };
    first(&config.config_rustc_wrapper, "rustc-wrapper", false);
    first(&config.incremental, "incremental", true);
    first(&config.target_dir, "target-dir", false);
    if (const toml::table* env = table["env"].as_table()) {
      for (const char* name : kEnvNames) {
        const toml::node* node = env->get(name);
        if (node == nullptr) continue;
        std::optional<std::string> value = node->value_exact<std::string>();
        if (!value && node->is_table()) {
          value = (*node->as_table())["value"].value_exact<std::string>();
        }
        config.env_table.emplace_back(name, CargoSetting{value.value_or(""), path});
      }
    }
  }

  // The environment over the files: CARGO_BUILD_* for build.*, and
  // RUSTC_WRAPPER over build.rustc-wrapper.
  auto from_env = [&](std::optional<CargoSetting>* slot, const char* name) {
    if (std::optional<std::string> value = get_env(name)) *slot = CargoSetting{*value, name};
  };
  from_env(&config.config_rustc_wrapper, "CARGO_BUILD_RUSTC_WRAPPER");
  from_env(&config.incremental, "CARGO_BUILD_INCREMENTAL");
  from_env(&config.target_dir, "CARGO_BUILD_TARGET_DIR");
  from_env(&config.target_dir, "CARGO_TARGET_DIR");
  config.rustc_wrapper = config.config_rustc_wrapper;
  from_env(&config.rustc_wrapper, "RUSTC_WRAPPER");

  if (config.rustc_wrapper) {
    config.wrapper_program = WrapperProgram(*config.rustc_wrapper, cwd, windows);
  }
  return config;
}

}  // namespace rustc_shim
