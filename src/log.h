// SHIM_LOG: which records to write and where, and the logger that writes them.
#ifndef RUSTC_SHIM_LOG_H_
#define RUSTC_SHIM_LOG_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "error_or.h"
#include "spdlog/common.h"

namespace spdlog {
class logger;
}

namespace rustc_shim {

// A parsed SHIM_LOG: a level and, optionally, a file to append to.
struct LogSpec {
  spdlog::level::level_enum level = spdlog::level::info;
  std::string file;  // empty: standard error
};

// Parses SHIM_LOG: `LEVEL` or `LEVEL:FILE`, LEVEL one of error, warn, info,
// debug, trace (any case). Empty or `off` means no logging (nullopt).
ErrorOr<std::optional<LogSpec>> ParseLogSpec(absl::string_view text);

// Builds the logger for a spec. A file that cannot be opened falls back to
// standard error, with one record saying so; never fails.
std::shared_ptr<spdlog::logger> MakeLogger(const LogSpec& spec);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_LOG_H_
