#include "forward.h"

#include "absl/strings/match.h"

namespace rustc_shim {
namespace {

constexpr absl::string_view kSccachePrefix = "sccache: ";

}  // namespace

absl::string_view StderrGate::Feed(absl::string_view bytes) {
  if (open_) return bytes;
  held_.append(bytes.data(), bytes.size());
  const size_t n = std::min(held_.size(), kSccachePrefix.size());
  if (absl::string_view(held_).substr(0, n) == kSccachePrefix.substr(0, n)) return {};
  // Compiler output (or anything else): let it all through from now on.
  open_ = true;
  return held_;
}

bool IsSccacheFailure(const ChildStatus& status, const StderrGate& gate) {
  return status.started && status.exited && status.code == 2 && !gate.open() &&
         absl::StartsWith(gate.held(), "sccache: error");
}

}  // namespace rustc_shim
