#include <set>
#include <string>

#include "doctest/doctest.h"
#include "server.h"

namespace rustc_shim {
namespace {

TEST_CASE("the lease stays inside SCCACHE_IDLE_TIMEOUT") {
  struct Row {
    std::optional<absl::string_view> value;
    int64_t millis;
  };
  const Row rows[] = {
      {std::nullopt, 60'000}, {"600", 60'000}, {"0", 60'000},  {"120", 60'000},
      {"119", 59'500},        {"20", 10'000},  {"1", 500},     {"", 60'000},
      {"-5", 60'000},         {"5s", 60'000},  {" 5", 60'000}, {"99999999999", 60'000},
  };
  for (const Row& row : rows) {
    CAPTURE(row.value.value_or("(unset)"));
    CHECK(LeaseMillis(row.value) == row.millis);
  }
}

TEST_CASE("record names are fixed for a key and differ between keys") {
  const std::string name = RecordName("sccache /usr/bin/sccache\nversion 1:2:3:4.5\n");
  CHECK(name.size() == 24);
  CHECK(name.rfind("sccache-", 0) == 0);
  CHECK(name.find_first_not_of("0123456789abcdef", 8) == std::string::npos);
  CHECK(RecordName("sccache /usr/bin/sccache\nversion 1:2:3:4.5\n") == name);
  // FNV-1a 64 of the empty key is its offset basis.
  CHECK(RecordName("") == "sccache-cbf29ce484222325");
  std::set<std::string> names;
  for (int i = 0; i < 1000; ++i) names.insert(RecordName("key " + std::to_string(i)));
  CHECK(names.size() == 1000);
}

}  // namespace
}  // namespace rustc_shim
