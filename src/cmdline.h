// Windows command lines: how to write arguments so that the C runtime's
// parser (the rules of CommandLineToArgvW) gives every one back unchanged.
// Pure text, so it is tested on every platform.
#ifndef RUSTC_SHIM_CMDLINE_H_
#define RUSTC_SHIM_CMDLINE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace rustc_shim {

// Appends `arg` to `line`, quoted when it must be: empty, or holding a space,
// tab, newline, vertical tab or double quote. Backslashes are doubled only
// where they precede a quote (an inner one, or the closing one).
void AppendWindowsArg(absl::string_view arg, std::string* line);

// The whole command line for `args`, separated by single spaces.
std::string WindowsCommandLine(absl::Span<const char* const> args);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_CMDLINE_H_
