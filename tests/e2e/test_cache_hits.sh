#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# (a) A normal build through rustc-shim, `cargo clean`, the same build again:
# the dependencies' compiles go to sccache both times, miss the first time and
# hit the second. Usage: test_cache_hits.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
e2e_start_sccache

# build NAME: cargo build with the shim logging at debug level to NAME.log;
# the units cargo compiled go to NAME.units.
build() {
  SHIM_LOG=debug:$E2E_DIR/$1.log cargo build --message-format=json-render-diagnostics \
    >"$E2E_DIR/$1.json" 2>"$E2E_DIR/$1.err" \
    || fail "cargo build ($1) failed: $(tail -n 30 "$E2E_DIR/$1.err")"
  artifacts "$E2E_DIR/$1.json" >"$E2E_DIR/$1.units"
  note "$1: shim log, by route and reason:"
  log_summary "$E2E_DIR/$1.log" | sed 's/^/    /'
}


stats_snapshot start
check_eq "compile requests before any build" "$start_requests" 0

SECONDS=0
build first
note "first build: ${SECONDS}s"
stats_snapshot first
deps=$(awk -F'\t' '$1 == "dep" && $2 == "lib"' "$E2E_DIR/first.units" | sort -u | wc -l)
note "dependency lib crates compiled: $deps ($(awk -F'\t' '$1 == "dep" && $2 == "lib" { print $3 }' "$E2E_DIR/first.units" | sort -u | tr '\n' ' '))"
check_ge "dependency lib crates compiled" "$deps" 3
routed=$(check_routes "$E2E_DIR/first.log" "$E2E_DIR/first.units" cache "no coverage, profiling" dep lib)
check_eq "first build: dependency libs with a 'cache:' line" "$routed" "$deps"
check_eq "first build: cache misses" "$(( first_misses - start_misses ))" "$deps"
check_eq "first build: cache hits" "$(( first_hits - start_hits ))" 0
check_eq "first build: compile requests = 'cache:' lines in the log" \
  "$(( first_requests - start_requests ))" "$(cache_lines "$E2E_DIR/first.log")"

cargo clean 2>"$E2E_DIR/clean.err" || fail "cargo clean failed: $(cat "$E2E_DIR/clean.err")"
[[ ! -e "$CARGO_TARGET_DIR/debug/deps" ]] || fail "cargo clean left $CARGO_TARGET_DIR/debug/deps"

SECONDS=0
build second
note "second build: ${SECONDS}s"
stats_snapshot second
deps2=$(awk -F'\t' '$1 == "dep" && $2 == "lib"' "$E2E_DIR/second.units" | sort -u | wc -l)
check_eq "second build: dependency lib crates compiled again" "$deps2" "$deps"
routed=$(check_routes "$E2E_DIR/second.log" "$E2E_DIR/second.units" cache "no coverage, profiling" dep lib)
check_eq "second build: dependency libs with a 'cache:' line" "$routed" "$deps"
check_ge "second build: cache hits" "$(( second_hits - first_hits ))" "$deps"
check_eq "second build: cache misses" "$(( second_misses - first_misses ))" 0
check_eq "second build: compile requests = 'cache:' lines in the log" \
  "$(( second_requests - first_requests ))" "$(cache_lines "$E2E_DIR/second.log")"

# The workspace's own crates: in the dev profile cargo compiles them with
# -C incremental, so the shim runs them directly.
shim_log_table "$E2E_DIR/second.log" | awk -F'\t' '$3 ~ /^shimfix_/ { print "    " $3 ": " $1 ": " $4 }' \
  | sed "s|$CARGO_TARGET_DIR|\$CARGO_TARGET_DIR|"

# What came out of the cache links and runs.
out=$("$CARGO_TARGET_DIR/debug/shimfix-cli" "ann=95, bob=40")
check_eq "shimfix-cli output" "$out" '[{"grade":"A","name":"ann","score":95},{"grade":"F","name":"bob","score":40}]'

e2e_pass
