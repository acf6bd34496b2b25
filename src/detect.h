// Whether sccache would take a rustc driver under a name of its own (one
// KindOf calls kRustDriver) for rustc, asked the way sccache asks it, so that
// a compile no sccache can cache never pays for a failed sccache call.
#ifndef RUSTC_SHIM_DETECT_H_
#define RUSTC_SHIM_DETECT_H_

#include <string>

namespace rustc_shim {

// How long the `-vV` probe may take before the driver counts as one that
// does not answer (a rustup proxy answers in about 50 ms), in milliseconds.
constexpr int kProbeTimeoutMs = 10000;

// Runs `compiler_path -vV` (RunProbe: stdin from the null device, stderr
// dropped, at most kProbeTimeoutMs) and returns "" when it exits 0 and its
// stdout starts with "rustc ", else why not, for the log. That is the one
// test sccache 0.10 to 0.19 put such a compiler to (src/compiler/compiler.rs:
// detect_compiler falls back to resolve_rust_compiler for a name it does not
// know, which takes a successful `-vV` for rustc's only when it starts so).
// sccache 0.4 takes no such compiler at all: a driver that passes this test
// still gets its refusal there, and then runs directly.
std::string NotRustcForSccache(const std::string& compiler_path);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_DETECT_H_
