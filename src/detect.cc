#include "detect.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "platform.h"

namespace rustc_shim {

std::string NotRustcForSccache(const std::string& compiler_path) {
  std::string program = compiler_path;
  std::string flag = "-vV";
  char* argv[] = {program.data(), flag.data(), nullptr};
  std::string out;
  const std::function<void(absl::string_view)> to_out = [&out](absl::string_view bytes) {
    if (out.size() < 64) out.append(bytes.data(), bytes.size());
  };
  ChildStatus status = RunChild(program.c_str(), argv, {}, [](absl::string_view) {}, &to_out);
  if (!status.started) {
    return absl::StrCat(compiler_path, " -vV could not run (", ErrorText(status.start_error), ")");
  }
  if (absl::StartsWith(out, "rustc ")) return "";
  std::string first = out.substr(0, out.find('\n'));
  return absl::StrCat(compiler_path, " -vV does not answer 'rustc ...' (",
                      first.empty() ? "nothing on stdout" : absl::StrCat("'", first, "'"),
                      status.exited ? "" : ", killed",
                      "): no sccache takes it for rustc (detect_compiler)");
}

}  // namespace rustc_shim
