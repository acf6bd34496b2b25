#include "locate.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "platform.h"

namespace rustc_shim {

std::optional<std::string> FindProgram(absl::string_view name, const LocateEnv& env,
                                       std::vector<std::string>* skipped_self) {
  auto usable = [&](const std::string& candidate) {
    if (!env.is_executable(candidate)) return false;
    if (skipped_self != nullptr && !env.self.empty() && env.same_file(candidate, env.self)) {
      skipped_self->push_back(candidate);
      return false;
    }
    return true;
  };
  // A name that already ends in one of the extensions is tried as it is.
  static const std::vector<std::string> kAsItIs = {""};
  const std::vector<std::string>* extensions = &env.extensions;
  for (const std::string& ext : env.extensions) {
    if (!ext.empty() && name.size() > ext.size() &&
        absl::EqualsIgnoreCase(name.substr(name.size() - ext.size()), ext)) {
      extensions = &kAsItIs;
      break;
    }
  }
  auto try_extensions = [&](const std::string& base) -> std::optional<std::string> {
    for (const std::string& ext : *extensions) {
      std::string candidate = base + ext;
      if (usable(candidate)) return candidate;
    }
    return std::nullopt;
  };

  if (env.has_directory(name)) return try_extensions(std::string(name));
  for (absl::string_view dir : absl::StrSplit(env.path, env.list_separator)) {
    if (std::optional<std::string> found = try_extensions(env.join(dir, name))) {
      return found;
    }
  }
  return std::nullopt;
}

LocateEnv SystemLocateEnv(std::optional<std::string> shim_sccache, const char* argv0) {
  LocateEnv env;
  env.shim_sccache = std::move(shim_sccache);
  env.path = std::string(GetEnv("PATH").value_or(""));
  env.list_separator = kPathListSeparator;
  env.extensions = ExecutableExtensions();
  env.self = SelfIdentity(argv0);
  env.is_executable = IsExecutableFile;
  env.same_file = SameFile;
  env.join = JoinPath;
  env.has_directory = HasDirectory;
  return env;
}

Located FindSccache(const LocateEnv& env) {
  Located out;
  std::string name = env.shim_sccache.value_or("sccache");
  out.path = FindProgram(name, env, &out.skipped_self);
  if (out.path) return out;

  const char* origin = env.shim_sccache ? " (from SHIM_SCCACHE)" : "";
  if (env.has_directory(name)) {
    out.problem = out.skipped_self.empty()
                      ? absl::StrCat(name, " is not an executable file", origin)
                      : absl::StrCat(name, " is rustc-shim itself", origin);
  } else {
    out.problem = absl::StrCat(
        name, " not found on PATH",
        out.skipped_self.empty() ? "" : " (only rustc-shim itself by that name)", origin);
  }
  return out;
}

}  // namespace rustc_shim
