#include "doctor.h"

#include <optional>
#include <string>

#include "doctest/doctest.h"

namespace rustc_shim {
namespace {

TEST_CASE("build.rustc-wrapper in the spellings cargo configuration files use") {
  struct Row {
    const char* toml;
    std::optional<std::string> want;
  };
  const Row rows[] = {
      {"[build]\nrustc-wrapper = \"/usr/bin/rustc-shim\"\n", "/usr/bin/rustc-shim"},
      {"[build]\nrustc_wrapper = 'C:\\tools\\rustc-shim.exe'\n", "C:\\tools\\rustc-shim.exe"},
      {"[build]\n  rustc-wrapper=\"a \\\"b\\\" c\"  # comment\n", "a \"b\" c"},
      {"build.rustc-wrapper = \"x\"\n[net]\noffline = true\n", "x"},
      {"build = { jobs = 2, rustc-wrapper = \"y\" }\n", "y"},
      {"[ build ]\nrustc-wrapper = \"z\"\n", "z"},
      {"[build]\n# rustc-wrapper = \"commented\"\njobs = 4\n", std::nullopt},
      {"[net]\nbuild.rustc-wrapper = \"not build's\"\n", std::nullopt},
      {"[target.x86_64-unknown-linux-gnu]\nrustc-wrapper = \"no\"\n", std::nullopt},
      {"[build]\nrustc-workspace-wrapper = \"clippy\"\n", std::nullopt},
      {"[build]\nrustc-wrapper = \"\"\n", ""},
      {"", std::nullopt},
  };
  for (const Row& row : rows) {
    CAPTURE(row.toml);
    CHECK(ConfigRustcWrapper(row.toml) == row.want);
  }
}

}  // namespace
}  // namespace rustc_shim
