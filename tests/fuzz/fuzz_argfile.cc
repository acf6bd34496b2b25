// libFuzzer target: argfile expansion and shell splitting on any file
// contents. The first input byte picks how the file is named on the command
// line; the rest is the file. Plain argfiles must give back the file's lines
// exactly, which is checked by putting them together again.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "argfile.h"
#include "check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rustc_shim;
  if (size == 0) return 0;
  const uint8_t mode = data[0] % 4;
  const std::string contents(reinterpret_cast<const char*>(data) + 1, size - 1);
  ReadFileFn read = [&](const std::string& path) -> ErrorOr<std::string> {
    if (path == "missing") return Error{"No such file or directory"};
    return contents;
  };

  std::vector<absl::string_view> args;
  switch (mode) {
    case 0:
      args = {"--crate-name", "@f", "x.rs"};
      break;
    case 1:
      args = {"-Zshell-argfiles", "@shell:f"};
      break;
    case 2:
      args = {"@f", "@missing", "@shell:f", "@f"};
      break;
    default:
      args = {"-Z", "shell-argfiles", "@f", "@shell:f"};
      break;
  }
  Expanded e = ExpandArgfiles(args, read);
  for (int i = 0; i < static_cast<int>(e.args.size()); ++i) {
    Origin o = OriginOf(e, i);
    Check(o.arg >= 0 && o.arg < static_cast<int>(args.size()));
  }

  if (mode == 0 && !e.failed_arg) {
    // The lines, joined again with \n, are the file less its line ends.
    std::string joined = absl::StrJoin(e.args.begin() + 1, e.args.end() - 1, "\n");
    std::string expected;
    for (size_t i = 0; i < contents.size(); ++i) {
      bool crlf = contents[i] == '\r' && i + 1 < contents.size() && contents[i + 1] == '\n';
      if (!crlf) expected.push_back(contents[i]);
    }
    if (!expected.empty() && expected.back() == '\n') expected.pop_back();
    Check(joined == expected);
  }

  if (std::optional<std::vector<std::string>> words = ShellSplit(contents)) {
    for (const std::string& word : *words) (void)word.size();
  }
  return 0;
}
