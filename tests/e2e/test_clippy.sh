#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# (d) `cargo clippy` through rustc-shim. cargo nests its workspace wrapper
# inside ours, so the shim runs as `rustc-shim clippy-driver rustc ARGS...` for
# the workspace's crates and as `rustc-shim rustc ARGS...` for the dependencies.
# Clippy must work and its warnings must show, whichever way a crate is routed.
# Usage: test_clippy.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need cargo-clippy clippy-driver
e2e_start_sccache

# A deliberate warning, added to this copy only.
cat >>"$WS/shimfix-core/src/lib.rs" <<'EOF2'

/// Returns x + 1, written so that clippy objects (needless_return).
pub fn needless(x: u32) -> u32 {
    return x + 1;
}
EOF2
warning_line=$(grep -n '^    return x + 1;$' "$WS/shimfix-core/src/lib.rs" | cut -d: -f1)

# clippy NAME [ENV=VALUE...]: cargo clippy, logging to NAME.log.
clippy() {
  local name=$1
  shift
  env "$@" SHIM_LOG="debug:$E2E_DIR/$name.log" cargo clippy --message-format=json-render-diagnostics \
    >"$E2E_DIR/$name.json" 2>"$E2E_DIR/$name.err" \
    || fail "cargo clippy ($name) failed: $(tail -n 30 "$E2E_DIR/$name.err")"
  artifacts "$E2E_DIR/$name.json" >"$E2E_DIR/$name.units"
  note "$name: shim log, by tool, route and reason:"
  shim_log_table "$E2E_DIR/$name.log" \
    | awk -F'\t' '{ r = $4; sub(/ at argument [0-9]+.*/, "", r); sub(/=.*/, "=...", r); print $2 " -> " $1 ": " r }' \
    | sort | uniq -c | sed 's/^/    /'
}

# check_warning NAME: the needless_return warning is in NAME's output.
check_warning() {
  check_contains "$1: clippy's needless_return warning" "$E2E_DIR/$1.err" "warning: unneeded \`return\` statement"
  check_contains "$1: ... at the line we added" "$E2E_DIR/$1.err" "shimfix-core/src/lib.rs:$warning_line:"
}

# check_tool_lines NAME TOOL ROUTE REASON-PREFIX CRATE...: each CRATE has a
# line in NAME.log run through TOOL, routed ROUTE for REASON-PREFIX.
check_tool_lines() {
  local name=$1 tool=$2 route=$3 prefix=$4 crate
  shift 4
  for crate in "$@"; do
    shim_log_table "$E2E_DIR/$name.log" | awk -F'\t' -v t="$tool" -v r="$route" -v c="$crate" -v p="$prefix" '
      $2 == t && $1 == r && $3 == c && index($4, p) == 1 { found = 1 } END { exit !found }' \
      || fail "$name: no '$route: $prefix' line for $crate run as $tool: $(shim_log_table "$E2E_DIR/$name.log" | grep -F "$crate" | tr '\n\t' '| ')"
    note "ok: $name: $crate: $tool -> $route: $prefix..."
  done
}

# 1. The dev profile as it comes: the workspace's crates are incremental, so
#    they run directly; the dependencies' check builds go to sccache.
stats_snapshot start
SECONDS=0
clippy default
note "cargo clippy: ${SECONDS}s"
stats_snapshot default
check_warning default
check_tool_lines default clippy-driver direct "-C incremental=" shimfix_core shimfix_cli
deps=$(awk -F'\t' '$1 == "dep" && $2 == "lib"' "$E2E_DIR/default.units" | sort -u | wc -l)
check_ge "dependency lib crates checked" "$deps" 3
routed=$(check_routes "$E2E_DIR/default.log" "$E2E_DIR/default.units" cache "no coverage, profiling" dep lib)
check_eq "dependency libs with a 'cache:' line" "$routed" "$deps"
check_eq "no dependency was run through clippy-driver" \
  "$(shim_log_table "$E2E_DIR/default.log" | awk -F'\t' '$2 == "clippy-driver" && $3 != "-" && $3 != "___" && $3 !~ /^shimfix_/' | wc -l)" 0
check_eq "sccache misses for the dependencies' check builds" "$(( default_misses - start_misses ))" "$deps"

# 2. Incremental off, as CI jobs often have it: now the shim sends
#    `clippy-driver rustc ARGS` to sccache too. sccache must pass it through
#    (it cannot cache it) and the warning must still show.
touch "$WS/shimfix-core/src/lib.rs" "$WS/shimfix-cli/src/main.rs"
SECONDS=0
clippy noincr CARGO_INCREMENTAL=0
note "cargo clippy, CARGO_INCREMENTAL=0: ${SECONDS}s"
stats_snapshot noincr
check_warning noincr
check_tool_lines noincr clippy-driver cache "no coverage, profiling" shimfix_core shimfix_cli
check_eq "CARGO_INCREMENTAL=0: sccache compile requests = clippy-driver compiles" \
  "$(( noincr_requests - default_requests ))" \
  "$(shim_log_table "$E2E_DIR/noincr.log" | awk -F'\t' '$1 == "cache"' | wc -l)"
check_eq "CARGO_INCREMENTAL=0: sccache hits and misses" \
  "$(( noincr_hits - default_hits )) $(( noincr_misses - default_misses ))" "0 0"
note "sccache's reasons for not caching: $(sed -n '/^Non-cacheable reasons:/,/^$/p' "$E2E_DIR/stats-noincr.txt" | sed 1d | tr -s ' ' | paste -sd, -)"

e2e_pass
