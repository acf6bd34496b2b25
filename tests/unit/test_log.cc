#include "doctest/doctest.h"
#include "log.h"

namespace rustc_shim {
namespace {

TEST_CASE("SHIM_LOG: level alone logs to stderr") {
  struct Row {
    const char* text;
    spdlog::level::level_enum level;
  };
  for (Row row : {Row{"error", spdlog::level::err}, Row{"warn", spdlog::level::warn},
                  Row{"warning", spdlog::level::warn}, Row{"info", spdlog::level::info},
                  Row{"debug", spdlog::level::debug}, Row{"trace", spdlog::level::trace},
                  Row{"DEBUG", spdlog::level::debug}, Row{"Info", spdlog::level::info}}) {
    CAPTURE(row.text);
    auto spec = ParseLogSpec(row.text);
    REQUIRE(spec.ok());
    REQUIRE(spec->has_value());
    CHECK((*spec)->level == row.level);
    CHECK((*spec)->file.empty());
  }
}

TEST_CASE("SHIM_LOG: LEVEL:FILE, the file may hold colons") {
  auto spec = ParseLogSpec("debug:/tmp/shim.log");
  REQUIRE(spec.ok());
  REQUIRE(spec->has_value());
  CHECK((*spec)->level == spdlog::level::debug);
  CHECK((*spec)->file == "/tmp/shim.log");

  auto windows = ParseLogSpec(R"(info:C:\logs\shim.log)");
  REQUIRE(windows.ok());
  CHECK((*windows)->file == R"(C:\logs\shim.log)");

  auto odd = ParseLogSpec("warn:/tmp/a:b.log");
  REQUIRE(odd.ok());
  CHECK((*odd)->file == "/tmp/a:b.log");
}

TEST_CASE("SHIM_LOG: empty and off mean no log") {
  for (const char* text : {"", "off", "OFF", "off:/tmp/x"}) {
    CAPTURE(text);
    auto spec = ParseLogSpec(text);
    REQUIRE(spec.ok());
    CHECK_FALSE(spec->has_value());
  }
}

TEST_CASE("SHIM_LOG: values that cannot be parsed are errors, with the value named") {
  for (const char* text :
       {"1", "yes", "verbose", "/tmp/shim.log", "debug:", ":debug", "inf:/tmp/x", " info"}) {
    CAPTURE(text);
    auto spec = ParseLogSpec(text);
    REQUIRE_FALSE(spec.ok());
    CHECK(spec.error().find(text) != std::string::npos);
  }
}

}  // namespace
}  // namespace rustc_shim
