// The cache route's safety net: telling sccache's own failure (it could not
// start or reach its server, so nothing was compiled) from a compile that
// failed, so that the first can be retried directly and the second never is.
#ifndef RUSTC_SHIM_FORWARD_H_
#define RUSTC_SHIM_FORWARD_H_

#include <string>

#include "absl/strings/string_view.h"
#include "platform.h"

namespace rustc_shim {

// Passes sccache's stderr through, except while everything it has written so
// far could be sccache speaking for itself ("sccache: ..."): that much is held
// back until the exit status tells whether it was a failure to retry.
class StderrGate {
 public:
  // Takes the next bytes of the child's stderr; returns those to write now.
  absl::string_view Feed(absl::string_view bytes);
  // True once the child has written something that is not sccache's own.
  bool open() const { return open_; }
  // What is held back (only while !open()).
  const std::string& held() const { return held_; }

 private:
  bool open_ = false;
  std::string held_;
};

// True when sccache failed before compiling: exit status 2 and nothing on
// stderr but its own "sccache: error" report. Then the compiler has not run,
// and running it directly is safe; any other outcome is the compile's own.
bool IsSccacheFailure(const ChildStatus& status, const StderrGate& gate);

}  // namespace rustc_shim

#endif  // RUSTC_SHIM_FORWARD_H_
