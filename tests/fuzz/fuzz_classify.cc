// libFuzzer target: the classifier on any argument list. Arguments are the
// input split at NUL bytes. Beyond not crashing, the decision must be
// coherent: a named argument exists, and its spelling is one rustc knows.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "check.h"
#include "classify.h"
#include "re2/re2.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace rustc_shim;
  std::string input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> args = absl::StrSplit(input, '\0');

  static const re2::RE2 kBypass("--crate-name (a|b)\\b");
  for (const re2::RE2* bypass : {static_cast<const re2::RE2*>(nullptr), &kBypass}) {
    Decision d = Classify("rustc", args, Policy{Mode::kAuto, bypass});
    Check((d.route == Route::kDirect) != (d.rule == Rule::kDefault));
    switch (d.rule) {
      case Rule::kCoverage:
      case Rule::kProfiling:
      case Rule::kIncremental:
      case Rule::kProbe: {
        Check(d.index >= 0 && d.index < static_cast<int>(args.size()));
        // The named argument is where the option's spelling starts.
        Check(absl::StartsWith(d.option, args[d.index]));
        if (d.rule == Rule::kProbe) break;
        Check(absl::StartsWith(args[d.index], "-"));
        break;
      }
      case Rule::kBypass:
        Check(bypass != nullptr && d.index == -1);
        break;
      default:
        Check(d.index == -1);
    }
  }
  Check(Classify("rustc", args, Policy{Mode::kDirect, nullptr}).route == Route::kDirect);
  Check(Classify("rustc", args, Policy{Mode::kCache, nullptr}).route == Route::kCache);
  return 0;
}
