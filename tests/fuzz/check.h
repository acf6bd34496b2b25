// An invariant in a fuzz target: a broken one aborts, which libFuzzer reports
// as a crash with the input that broke it.
#ifndef RUSTC_SHIM_TESTS_FUZZ_CHECK_H_
#define RUSTC_SHIM_TESTS_FUZZ_CHECK_H_

#include <cstdlib>

inline void Check(bool condition) {
  if (!condition) std::abort();
}

#endif  // RUSTC_SHIM_TESTS_FUZZ_CHECK_H_
