// Whether sccache would take a rustc driver under a name of its own (one
// KindOf calls kRustDriver) for rustc, asked the way sccache asks it, so that
// a compile no sccache can cache never pays for a failed sccache call.
#ifndef RUSTC_SHIM_DETECT_H_
#define RUSTC_SHIM_DETECT_H_

#include <string>

namespace rustc_shim {

// Runs `compiler_path -vV` (environment and stdin inherited, stderr dropped) and returns "" when its standard output starts with "rustc ",
// else why not, for the log. That is the one test sccache 0.10 to 0.19 put
// such a compiler to (src/compiler/compiler.rs: detect_compiler falls back to
// resolve_rust_compiler for a name it does not know, and takes its `-vV` for
// rustc's only when it starts so); sccache 0.4 takes no such compiler at all,
// and so fails it as well, after which rustc-shim compiles directly: asking
// only the compiler is right for every version.
std::string NotRustcForSccache(const std::string& compiler_path);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_DETECT_H_
