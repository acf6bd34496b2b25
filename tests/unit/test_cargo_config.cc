// ReadCargoConfig on made-up trees of configuration files: which files apply,
// which one decides, every TOML spelling of the key, and the environment over
// them. (tests/e2e/test_doctor_cargo.sh holds the doctor's verdict against real
// cargo on a table of configurations.)
#include "cargo_config.h"

#include <map>
#include <optional>
#include <string>

#include "doctest/doctest.h"

namespace rustc_shim {
namespace {

struct World {
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> env;

  CargoConfig Read(const std::string& cwd, bool windows = false) const {
    return ReadCargoConfig(
        cwd,
        [this](const char* name) -> std::optional<std::string> {
          auto it = env.find(name);
          if (it == env.end()) return std::nullopt;
          return it->second;
        },
        [this](const std::string& path) -> ErrorOr<std::string> {
          auto it = files.find(path);
          if (it == files.end()) return Error{"No such file or directory"};
          return it->second;
        },
        windows);
  }
};

TEST_CASE("build.rustc-wrapper in every TOML spelling") {
  struct Row {
    const char* toml;
    std::optional<std::string> want;
  };
  const Row rows[] = {
      {"[build]\nrustc-wrapper = \"/usr/bin/rustc-shim\"\n", "/usr/bin/rustc-shim"},
      {"[build]\nrustc-wrapper = '/opt/rustc-shim'\n", "/opt/rustc-shim"},
      {"[build]\nrustc-wrapper = '''/path/to/rustc-shim'''\n", "/path/to/rustc-shim"},
      {"[build]\nrustc-wrapper = \"\"\"\n/multi/line\"\"\"\n", "/multi/line"},
      {"[build]\n  rustc-wrapper=\"a \\\"b\\\" c \\u00e9\"  # comment\n", "a \"b\" c \xc3\xa9"},
      {"build.rustc-wrapper = \"x\"\n[net]\noffline = true\n", "x"},
      {"\"build\".\"rustc-wrapper\" = \"q\"\n", "q"},
      {"[build]\n'rustc-wrapper' = \"q2\"\n", "q2"},
      {"build = { jobs = 2, rustc-wrapper = \"y\" }\n", "y"},
      {"[ build ]\nrustc-wrapper = \"z\"\n", "z"},
      {"[build]\nrustc-wrapper = \"\"\n", ""},
      // Not build.rustc-wrapper, for cargo: it warns of an unused key.
      {"[build]\nrustc_wrapper = \"underscore\"\n", std::nullopt},
      {"[build]\n# rustc-wrapper = \"commented\"\njobs = 4\n", std::nullopt},
      {"[net]\nbuild.rustc-wrapper = \"not build's\"\n", std::nullopt},
      {"[target.x86_64-unknown-linux-gnu]\nrustc-wrapper = \"no\"\n", std::nullopt},
      {"[build]\nrustc-workspace-wrapper = \"clippy\"\n", std::nullopt},
      {"", std::nullopt},
  };
  for (const Row& row : rows) {
    CAPTURE(row.toml);
    World world;
    world.files["/p/.cargo/config.toml"] = row.toml;
    CargoConfig config = world.Read("/p");
    CHECK(config.errors.empty());
    if (row.want) {
      REQUIRE(config.rustc_wrapper.has_value());
      CHECK(config.rustc_wrapper->value == *row.want);
      CHECK(config.rustc_wrapper->source == "/p/.cargo/config.toml");
    } else {
      CHECK_FALSE(config.rustc_wrapper.has_value());
    }
  }
}

TEST_CASE("files that cargo stops on are errors") {
  for (const char* toml : {"[build]\nrustc-wrapper = 5\n", "[build]\nrustc-wrapper = [\"x\"]\n",
                           "[build\nrustc-wrapper = \"x\"\n", "[build]\nrustc-wrapper = \"x\n"}) {
    CAPTURE(toml);
    World world;
    world.files["/p/.cargo/config.toml"] = toml;
    CargoConfig config = world.Read("/p");
    REQUIRE(config.errors.size() == 1);
    CHECK(config.errors[0].rfind("/p/.cargo/config.toml: ", 0) == 0);
    CHECK_FALSE(config.rustc_wrapper.has_value());
  }
}

TEST_CASE("the nearest file decides; config beats config.toml; CARGO_HOME comes last") {
  World world;
  world.env["HOME"] = "/home/u";
  world.files["/home/u/.cargo/config.toml"] = "[build]\nrustc-wrapper = \"home\"\n";
  world.files["/w/.cargo/config.toml"] = "[build]\nrustc-wrapper = \"w\"\n";
  world.files["/w/p/.cargo/config.toml"] = "[net]\noffline = true\n";
  CargoConfig config = world.Read("/w/p/sub");
  CHECK(config.files == std::vector<std::string>{"/w/p/.cargo/config.toml",
                                                 "/w/.cargo/config.toml",
                                                 "/home/u/.cargo/config.toml"});
  REQUIRE(config.rustc_wrapper);
  CHECK(config.rustc_wrapper->value == "w");

  world.files["/w/p/.cargo/config"] = "build.rustc-wrapper = \"extensionless\"\n";
  config = world.Read("/w/p");
  CHECK(config.files.front() == "/w/p/.cargo/config");
  CHECK(config.rustc_wrapper->value == "extensionless");

  // CARGO_HOME instead of ~/.cargo, and read once when the walk passes it.
  world.env["CARGO_HOME"] = "/w/.cargo";
  config = world.Read("/w/p");
  CHECK(config.files ==
        std::vector<std::string>{"/w/p/.cargo/config", "/w/.cargo/config.toml"});
  World only_home;
  only_home.env["CARGO_HOME"] = "/ch";
  only_home.files["/ch/config.toml"] = "[build]\nrustc-wrapper = \"from-home\"\n";
  config = only_home.Read("/x/y");
  CHECK(config.rustc_wrapper->value == "from-home");
  CHECK(config.wrapper_program == "from-home");  // a bare name: cargo looks it up on PATH
}

TEST_CASE("the environment over the files, and what a relative path is relative to") {
  World world;
  world.files["/w/.cargo/config.toml"] = "[build]\nrustc-wrapper = \"tools/rustc-shim\"\n";
  CargoConfig config = world.Read("/w/crate");
  CHECK(config.wrapper_program == "/w/tools/rustc-shim");  // the directory holding .cargo

  world.env["CARGO_BUILD_RUSTC_WRAPPER"] = "bin/shim";
  config = world.Read("/w/crate");
  CHECK(config.rustc_wrapper->source == "CARGO_BUILD_RUSTC_WRAPPER");
  CHECK(config.wrapper_program == "/w/crate/bin/shim");  // the current directory

  world.env["RUSTC_WRAPPER"] = "sccache";
  config = world.Read("/w/crate");
  CHECK(config.rustc_wrapper->value == "sccache");
  CHECK(config.rustc_wrapper->source == "RUSTC_WRAPPER");
  CHECK(config.config_rustc_wrapper->value == "bin/shim");
  CHECK(config.wrapper_program == "sccache");

  world.env["RUSTC_WRAPPER"] = "";
  config = world.Read("/w/crate");
  CHECK(config.rustc_wrapper->value.empty());
  CHECK(config.wrapper_program.empty());

  // A backslash makes RUSTC_WRAPPER a path on every platform; in a file, only
  // on Windows.
  world.env["RUSTC_WRAPPER"] = "tools\\shim";
  CHECK(world.Read("/w/crate").wrapper_program == "/w/crate/tools\\shim");
  world.env.erase("RUSTC_WRAPPER");
  world.env.erase("CARGO_BUILD_RUSTC_WRAPPER");
  world.files["/w/.cargo/config.toml"] = "[build]\nrustc-wrapper = 'tools\\shim'\n";
  CHECK(world.Read("/w/crate").wrapper_program == "tools\\shim");
}

TEST_CASE("Windows paths") {
  World world;
  world.env["USERPROFILE"] = "C:\\Users\\u";
  world.files["C:\\Users\\u\\.cargo\\config.toml"] =
      "[build]\nrustc-wrapper = 'tools\\rustc-shim.exe'\n";
  CargoConfig config = world.Read("C:\\w\\crate", true);
  CHECK(config.files == std::vector<std::string>{"C:\\Users\\u\\.cargo\\config.toml"});
  CHECK(config.wrapper_program == "C:\\Users\\u\\tools\\rustc-shim.exe");
  world.files["C:\\.cargo\\config.toml"] = "[build]\nrustc-wrapper = 'C:\\t\\shim.exe'\n";
  config = world.Read("C:\\w\\crate", true);
  CHECK(config.files.front() == "C:\\.cargo\\config.toml");
  CHECK(config.wrapper_program == "C:\\t\\shim.exe");
}

TEST_CASE("what a toggle-script setup leaves behind") {
  World world;
  world.files["/w/.cargo/config.toml"] =
      "[build]\nincremental = false\ntarget-dir = \"/shared/target\"\n"
      "[env]\nRUSTC_WRAPPER = \"sccache\"\nCARGO_INCREMENTAL = { value = \"0\", force = true }\n"
      "OTHER = \"x\"\n";
  CargoConfig config = world.Read("/w");
  REQUIRE(config.env_table.size() == 2);
  CHECK(config.env_table[0].first == "RUSTC_WRAPPER");
  CHECK(config.env_table[0].second.value == "sccache");
  CHECK(config.env_table[1].first == "CARGO_INCREMENTAL");
  CHECK(config.env_table[1].second.value == "0");
  REQUIRE(config.incremental);
  CHECK(config.incremental->value == "false");
  REQUIRE(config.target_dir);
  CHECK(config.target_dir->value == "/shared/target");
  // [env] never sets cargo's own wrapper.
  CHECK_FALSE(config.rustc_wrapper.has_value());

  world.env["CARGO_TARGET_DIR"] = "/t";
  world.env["CARGO_BUILD_INCREMENTAL"] = "true";
  config = world.Read("/w");
  CHECK(config.target_dir->value == "/t");
  CHECK(config.target_dir->source == "CARGO_TARGET_DIR");
  CHECK(config.incremental->value == "true");
}

}  // namespace
}  // namespace rustc_shim
