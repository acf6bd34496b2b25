// Classification of C and C++ compiles: the ones cc-rs (the `cc` crate) runs
// from build scripts through the wrapper it takes from RUSTC_WRAPPER. A pure
// function of the arguments, beside classify.h's for rustc.
#ifndef RUSTC_SHIM_CLASSIFY_C_H_
#define RUSTC_SHIM_CLASSIFY_C_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "classify.h"

namespace rustc_shim {

// Classifies a C or C++ compiler's arguments (compiler excluded), with the
// same policy and rules as Classify: coverage (`--coverage`, `-fprofile-arcs`,
// `-ftest-coverage`, `-fcoverage-mapping`), profiling (`-fprofile-generate`,
// `-fcs-profile-generate`, `-fprofile-instr-generate`, `-pg`, MSVC's
// `/GENPROFILE`, `/FASTGENPROFILE`, `/LTCG:PGINSTRUMENT`) and profile use
// (`-fprofile-use`, `-fprofile-instr-use`, `-fprofile-sample-use`,
// `-fauto-profile`, `-fbranch-probabilities`, `/USEPROFILE`,
// `/LTCG:PGOPTIMIZE`, `/LTCG:PGUPDATE`; any case, and after `-` too for a
// `compiler` named cl or clang-cl) route direct, each
// turned off again by its `-fno-` form where gcc or clang have one, the last
// occurrence winning; clang-cl's `/clang:` prefix is looked through. A
// response file (`@path`) routes direct unread (rule kArgfileSccache): its
// grammar is the compiler's, not rustc's. Sources: gcc's Instrumentation
// Options, clang's UsersManual (profile guided optimization, source-based
// coverage), MSVC's /GENPROFILE and /LTCG pages.
Decision ClassifyC(absl::string_view compiler, absl::Span<const absl::string_view> args,
                   const Policy& policy);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_CLASSIFY_C_H_
