#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# A rustc-shim as a release installs it (unpacked from an archive, or put on
# PATH by pip from a wheel), set as cargo's rustc-wrapper in
# .cargo/config.toml, with cargo run in an empty environment: nothing but
# HOME and PATH, and the variables that place cargo's and sccache's own
# folders and port (no SHIM_*, no LD_*). On the fixture workspace:
#   1. a build: the dependencies' compiles reach sccache (misses);
#   2. cargo clean and the same build: they hit;
#   3. a coverage build (RUSTFLAGS=-C instrument-coverage): nothing reaches
#      sccache, and the program it built writes a profile when it runs.
# Usage: test_installed.sh LABEL WRAPPER   (WRAPPER: the binary, or a script
# that runs it, e.g. under qemu-user)
# shellcheck source=../e2e/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"
E2E_NAME="installed-$1"
shift
e2e_setup "$@"
need_profiler_runtime
e2e_start_sccache

# bare COMMAND...: COMMAND in an empty environment but for these names.
bare() {
  env -i HOME="$HOME" PATH="$PATH" CARGO_HOME="$CARGO_HOME" CARGO_TARGET_DIR="$CARGO_TARGET_DIR" \
    CARGO_TERM_COLOR=never SCCACHE_DIR="$SCCACHE_DIR" SCCACHE_CONF="$SCCACHE_CONF" \
    SCCACHE_SERVER_PORT="$SCCACHE_SERVER_PORT" SCCACHE_IDLE_TIMEOUT="$SCCACHE_IDLE_TIMEOUT" \
    ${RUSTUP_HOME:+RUSTUP_HOME="$RUSTUP_HOME"} "$@"
}

# build NAME [ENV...]: cargo build in the empty environment (plus ENV), the
# units cargo compiled to NAME.units.
build() {
  local name=$1
  shift
  bare "$@" cargo build --message-format=json-render-diagnostics \
    >"$E2E_DIR/$name.json" 2>"$E2E_DIR/$name.err" \
    || fail "cargo build ($name) failed: $(tail -n 30 "$E2E_DIR/$name.err")"
  artifacts "$E2E_DIR/$name.json" >"$E2E_DIR/$name.units"
}
dep_libs() { awk -F'\t' '$1 == "dep" && $2 == "lib"' "$E2E_DIR/$1.units" | sort -u | wc -l; }

stats_snapshot start
build first
stats_snapshot first
deps=$(dep_libs first)
check_ge "dependency lib crates compiled" "$deps" 3
check_ge "first build: compile requests" "$((first_requests - start_requests))" "$deps"
check_eq "first build: cache misses" "$((first_misses - start_misses))" "$deps"

bare cargo clean 2>"$E2E_DIR/clean.err" || fail "cargo clean failed: $(cat "$E2E_DIR/clean.err")"
build second
stats_snapshot second
check_eq "second build: dependency lib crates compiled again" "$(dep_libs second)" "$deps"
check_ge "second build: cache hits" "$((second_hits - first_hits))" "$deps"
check_eq "second build: cache misses" "$((second_misses - first_misses))" 0
out=$(bare "$CARGO_TARGET_DIR/debug/shimfix-cli" "ann=95, bob=40")
check_eq "shimfix-cli output" "$out" '[{"grade":"A","name":"ann","score":95},{"grade":"F","name":"bob","score":40}]'

# Coverage, in a target folder of its own.
CARGO_TARGET_DIR=$E2E_DIR/target-coverage
build coverage RUSTFLAGS="-C instrument-coverage"
stats_snapshot coverage
check_ge "coverage build: crates compiled" "$(wc -l <"$E2E_DIR/coverage.units")" "$((deps + 2))"
check_eq "coverage build: compile requests that reached sccache" "$((coverage_requests - second_requests))" 0
mkdir -p "$E2E_DIR/profiles"
bare LLVM_PROFILE_FILE="$E2E_DIR/profiles/cli-%p.profraw" "$CARGO_TARGET_DIR/debug/shimfix-cli" "ann=95" >/dev/null \
  || fail "the coverage build's shimfix-cli failed"
check_eq "profiles written by the instrumented shimfix-cli" "$(find "$E2E_DIR/profiles" -name '*.profraw' -size +0 | wc -l)" 1

e2e_pass
