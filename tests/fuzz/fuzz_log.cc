// libFuzzer target: SHIM_LOG parsing on any value. A value either parses to
// a level (and maybe a file) or is refused with a message that names it.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "check.h"
#include "log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rustc_shim;
  std::string text(reinterpret_cast<const char*>(data), size);
  ErrorOr<std::optional<LogSpec>> spec = ParseLogSpec(text);
  if (!spec.ok()) {
    Check(spec.error().find(text) != std::string::npos);
    return 0;
  }
  if (spec->has_value()) {
    const LogSpec& s = **spec;
    Check(s.level >= spdlog::level::trace && s.level <= spdlog::level::err);
    size_t colon = text.find(':');
    Check(colon == std::string::npos ? s.file.empty() : s.file == text.substr(colon + 1));
  }
  return 0;
}
