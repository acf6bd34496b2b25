// `rustc-shim --doctor`: is this machine set up so that cargo uses rustc-shim,
// and can rustc-shim use sccache? One report, one verdict.
#ifndef RUSTC_SHIM_DOCTOR_H_
#define RUSTC_SHIM_DOCTOR_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace rustc_shim {

// Prints the report on stdout; returns 0 when cargo will run this rustc-shim
// and it has an sccache to use, 1 otherwise.
int Doctor(const char* argv0);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_DOCTOR_H_
