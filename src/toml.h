// toml++ in the one mode every file of rustc-shim includes it in: header-only
// (Debian's .pc file asks for its shared library, which a static rustc-shim
// cannot link), without exceptions in its interface and without its writers.
// Each file that parses TOML includes this header and not toml++ directly, so
// the inline definitions agree across files.
#ifndef RUSTC_SHIM_TOML_H_
#define RUSTC_SHIM_TOML_H_

#define TOML_HEADER_ONLY 1
#define TOML_SHARED_LIB 0
#define TOML_EXCEPTIONS 0
#define TOML_ENABLE_FORMATTERS 0
#include <toml++/toml.h>

#endif  // RUSTC_SHIM_TOML_H_
