#include "cmdline.h"

namespace rustc_shim {

void AppendWindowsArg(absl::string_view arg, std::string* line) {
  if (!arg.empty() && arg.find_first_of(" \t\n\v\"") == absl::string_view::npos) {
    line->append(arg.data(), arg.size());
    return;
  }
  line->push_back('"');
  size_t backslashes = 0;
  for (char c : arg) {
    if (c == '\\') {
      ++backslashes;
      continue;
    }
    if (c == '"') {
      // Each backslash before a quote is doubled, and the quote escaped.
      line->append(2 * backslashes + 1, '\\');
    } else {
      line->append(backslashes, '\\');
    }
    backslashes = 0;
    line->push_back(c);
  }
  // Backslashes before the closing quote are doubled, so it stays a quote.
  line->append(2 * backslashes, '\\');
  line->push_back('"');
}

std::string WindowsCommandLine(absl::Span<const char* const> args) {
  std::string line;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) line.push_back(' ');
    AppendWindowsArg(args[i], &line);
  }
  return line;
}

}  // namespace rustc_shim
