#include "detect.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "platform.h"

namespace rustc_shim {

std::string NotRustcForSccache(const std::string& compiler_path) {
  std::string program = compiler_path;
  std::string flag = "-vV";
  char* argv[] = {program.data(), flag.data(), nullptr};
  ProbeResult probe = RunProbe(program.c_str(), argv, kProbeTimeoutMs);
  if (!probe.started) {
    return absl::StrCat(compiler_path, " -vV could not run (", ErrorText(probe.start_error), ")");
  }
  if (probe.timed_out) {
    return absl::StrCat(compiler_path, " -vV did not answer within ",
                        std::to_string(kProbeTimeoutMs / 1000), " s");
  }
  // sccache wants the run to succeed as well (run_input_output).
  if (probe.exited && probe.code == 0 && absl::StartsWith(probe.out, "rustc ")) return "";
  std::string first = probe.out.substr(0, probe.out.find('\n'));
  return absl::StrCat(compiler_path, " -vV does not answer 'rustc ...' (",
                      first.empty() ? "nothing on stdout" : absl::StrCat("'", first, "'"),
                      probe.exited ? "" : ", killed",
                      probe.exited && probe.code != 0
                          ? absl::StrCat(", exit ", std::to_string(probe.code))
                          : "",
                      "): no sccache takes it for rustc (detect_compiler)");
}

}  // namespace rustc_shim
