#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# The set-up a team that toggles today would write, set once and never touched:
# `.cargo/config.toml` names rustc-shim as `build.rustc-wrapper` and gives
# sccache its settings in `[env]` (SCCACHE_DIR, SCCACHE_CACHE_SIZE), and
# CARGO_TARGET_DIR points at a shared folder outside the workspace. Two
# variants: incremental as cargo's default, and `CARGO_INCREMENTAL = "0"` in
# `[env]` (which cargo itself does not obey: with it alone the workspace stays
# incremental; `[build] incremental = false` is the way around, and variant 2
# adds it). In each, `cargo build`, `cargo test`, `cargo llvm-cov --lcov`,
# `cargo llvm-cov --html`, `cargo llvm-cov -p shimfix-core` and
# `cargo llvm-cov clean` (cargo-llvm-cov 0.9.1, Debian's llvm-19) run one after
# another in two different orders, with nothing toggled in between. Proven:
#   - every command succeeds, and the coverage output is whole (grade.rs's
#     exact line counts in the lcov file, its row in the -p report, the html);
#   - `[env]` SCCACHE_DIR and SCCACHE_CACHE_SIZE reach the sccache server when
#     the first compile starts it; a server that already runs keeps the
#     settings it started with (a limit of sccache, asserted as such);
#   - normal builds reach sccache and hit it after a clean; instrumented
#     compiles never reach it (SHIM_LOG, and sccache's request count grows by
#     exactly the log's 'cache:' lines); a coverage run's uninstrumented
#     dependencies do, and hit the normal build's entries (rustc-shim keeps
#     CARGO_LLVM_COV=1 out of sccache's key).
# Usage: test_team_setup.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need_profiler_runtime
need "$LLVM_BIN/llvm-profdata" "$LLVM_BIN/llvm-cov"
LLVM_COV_TOOL=$(tool_bin cargo-llvm-cov "$CARGO_LLVM_COV_VERSION")
need "$LLVM_COV_TOOL"
export PATH="${LLVM_COV_TOOL%/cargo-llvm-cov}:$PATH"
export LLVM_COV=$LLVM_BIN/llvm-cov LLVM_PROFDATA=$LLVM_BIN/llvm-profdata
version=$(cargo llvm-cov --version | awk '{print $2}')
[[ $version == "$CARGO_LLVM_COV_VERSION" ]] || fail "cargo llvm-cov is $version, not $CARGO_LLVM_COV_VERSION"

# The team keeps sccache's settings in cargo's config, not in the shell: cargo
# gives an `[env]` value only to a process whose environment lacks the variable
# (unless `force = true`), so the one lib.sh exported would win over it.
unset SCCACHE_DIR
# The server the first compile starts writes its errors here.
export SCCACHE_ERROR_LOG=$E2E_DIR/sccache-server.log
# A shared target folder outside the workspace, as teams set it in CI. The
# same value for every command: sccache hashes CARGO_TARGET_DIR into its keys
# too (see test_tarpaulin.sh), so runs that see different values never share.
export CARGO_TARGET_DIR=$E2E_DIR/shared-target
# No server runs yet: the first compile through sccache starts it. The EXIT
# trap stops whatever runs on our port from now on.
E2E_SERVER_UP=1

# An awk condition on shim_log_table's crate column, for awk to expand.
# shellcheck disable=SC2016
local_crate='$3 ~ /^(shimfix_|integration$)/'

# write_config DIR SIZE [ENV-LINE [BUILD-LINE]]: the team's .cargo/config.toml.
write_config() {
  cat >"$WS/.cargo/config.toml" <<EOF
[build]
rustc-wrapper = "$SHIM"
${4:-}

[env]
SCCACHE_DIR = "$1"
SCCACHE_CACHE_SIZE = "$2"
${3:-}
EOF
}

# No `sccache --show-stats` before the first compile: it would start a server
# itself, with the shell's environment, which has no SCCACHE_DIR.
PREV=zero
# shellcheck disable=SC2034  # read by step through ${!name}
zero_requests=0 zero_hits=0 zero_misses=0

# step NAME KIND COMMAND...: runs COMMAND with the shim logging to NAME.log,
# checks that it succeeded, that sccache got exactly the compiles the log sends
# it, and, by KIND, how the workspace's crates went:
#   normal:   never with a coverage flag (direct for incremental, else cache);
#   coverage: every compile of a workspace crate 'direct: -C instrument-coverage'
#             (at least 3: the lib, its unit tests, the integration test), and
#             none of them on the cache route;
#   none:     nothing to check beyond the counts.
# Sets STEP_REQUESTS, STEP_HITS, STEP_MISSES, STEP_CACHE (the 'cache:' lines).
step() {
  local name=$1 kind=$2
  shift 2
  SHIM_LOG=debug:$E2E_DIR/$name.log "$@" >"$E2E_DIR/$name.out" 2>&1 \
    || fail "$name: '$*' failed: $(tail -n 30 "$E2E_DIR/$name.out")"
  touch "$E2E_DIR/$name.log"
  stats_snapshot "$name"
  local r=${name}_requests h=${name}_hits m=${name}_misses
  local pr=${PREV}_requests ph=${PREV}_hits pm=${PREV}_misses
  STEP_REQUESTS=$(( ${!r} - ${!pr} ))
  STEP_HITS=$(( ${!h} - ${!ph} ))
  STEP_MISSES=$(( ${!m} - ${!pm} ))
  PREV=$name
  STEP_CACHE=$(shim_log_table "$E2E_DIR/$name.log" | awk -F'\t' '$1 == "cache"' | wc -l)
  note "$name ($*): shim log, by route and reason:"
  log_summary "$E2E_DIR/$name.log" | sed 's/^/    /'
  check_eq "$name: sccache compile requests = 'cache:' lines in the log" "$STEP_REQUESTS" "$STEP_CACHE"
  local instrumented
  instrumented=$(grep -c 'argv: .*instrument-coverage' "$E2E_DIR/$name.log" || true)
  case $kind in
    normal)
      check_eq "$name: compiles with a coverage flag" "$instrumented" 0 ;;
    coverage)
      check_eq "$name: workspace compiles not routed 'direct: -C instrument-coverage'" \
        "$(shim_log_table "$E2E_DIR/$name.log" | awk -F'\t' "$local_crate"' && !($1 == "direct" && index($4, "-C instrument-coverage at argument") == 1)' | wc -l)" 0
      check_ge "$name: workspace compiles routed 'direct: -C instrument-coverage'" \
        "$(shim_log_table "$E2E_DIR/$name.log" | awk -F'\t' "$local_crate"' && $1 == "direct"' | wc -l)" 3
      check_eq "$name: instrumented compiles on the cache route" \
        "$(shim_log_table "$E2E_DIR/$name.log" | awk -F'\t' '$1 == "cache" && $4 ~ /instrument/' | wc -l)" 0 ;;
  esac
}

# workspace_route NAME ROUTE: the workspace's compiles in a normal step all
# took ROUTE (direct: incremental, or cache when CARGO_INCREMENTAL=0).
workspace_route() {
  local name=$1 route=$2 expect
  if [[ $route == direct ]]; then expect='direct: -C incremental='; else expect='cache: '; fi
  check_eq "$name: workspace compiles not '$expect...'" \
    "$(shim_log_table "$E2E_DIR/$name.log" | awk -F'\t' -v e="$expect" "$local_crate"' && index($1 ": " $4, e) != 1' | wc -l)" 0
  check_ge "$name: workspace compiles" "$(shim_log_table "$E2E_DIR/$name.log" | awk -F'\t' "$local_crate" | wc -l)" 1
}

# Coverage output, checked where each command writes it.
check_lcov() {
  [[ -s $WS/lcov.info ]] || fail "$1: no lcov.info"
  check_grade_lcov "$WS/lcov.info" "$1" "$GRADE_LINES_HIT_LLVM_COV"
  rm -f "$WS/lcov.info"
}
check_html() {
  local index=$CARGO_TARGET_DIR/llvm-cov/html/index.html
  [[ -s $index ]] || fail "$1: no $index"
  check_contains "$1: the html index names grade.rs" "$index" "grade.rs"
  [[ -n $(find "$CARGO_TARGET_DIR/llvm-cov/html" -path "*/$GRADE_RS.html" -size +1k) ]] \
    || fail "$1: no page for $GRADE_RS under $CARGO_TARGET_DIR/llvm-cov/html"
  note "ok: $1: a page for $GRADE_RS"
}
# The -p report's row for grade.rs: lines and missed lines are the 8th and 9th
# columns (Filename, 3 of regions, 3 of functions, then lines).
check_report() {
  local row
  row=$(awk '$1 == "grade.rs" { print $8 " " $9 }' "$E2E_DIR/$1.out")
  check_eq "$1: grade.rs lines, missed lines in the report" "$row" \
    "$GRADE_LINES_FOUND $(( GRADE_LINES_FOUND - GRADE_LINES_HIT_LLVM_COV ))"
  check_eq "$1: files in the report" "$(awk '$1 ~ /\.rs$/ { print $1 }' "$E2E_DIR/$1.out" | sort | tr '\n' ' ')" \
    "grade.rs lib.rs "
}
check_cleaned() {
  [[ ! -e $CARGO_TARGET_DIR/llvm-cov-target && ! -e $CARGO_TARGET_DIR/llvm-cov ]] \
    || fail "$1: cargo llvm-cov clean left $(find "$CARGO_TARGET_DIR" -maxdepth 1 -name 'llvm-cov*' | tr '\n' ' ')"
  note "ok: $1: llvm-cov-target and llvm-cov gone"
}

# variant TAG ROUTE: both orders of the commands with the config as it stands;
# ROUTE is how normal builds send the workspace's crates.
variant() {
  local v=$1 route=$2 deps
  # --- order 1: the day's normal work, then coverage ---
  step "${v}_build" normal cargo build --message-format=json-render-diagnostics
  workspace_route "${v}_build" "$route"
  artifacts "$E2E_DIR/${v}_build.out" >"$E2E_DIR/${v}_build.units"
  deps=$(awk -F'\t' '$1 == "dep" && $2 == "lib"' "$E2E_DIR/${v}_build.units" | sort -u | wc -l)
  check_ge "${v}_build: dependency libs compiled" "$deps" 3
  check_eq "${v}_build: dependency libs with a 'cache:' line" \
    "$(check_routes "$E2E_DIR/${v}_build.log" "$E2E_DIR/${v}_build.units" cache "no coverage, profiling" dep lib)" "$deps"
  check_ge "${v}_build: cache misses (a new cache)" "$STEP_MISSES" "$deps"
  check_eq "${v}_build: cache hits (a new cache)" "$STEP_HITS" 0
  step "${v}_test" normal cargo test
  workspace_route "${v}_test" "$route"
  step "${v}_cov_lcov" coverage cargo llvm-cov --lcov --output-path lcov.info
  check_lcov "${v}_cov_lcov"
  # The dependencies of a coverage run are not instrumented and go to sccache,
  # and they hit what the build above stored: cargo-llvm-cov sets
  # CARGO_LLVM_COV=1 for every run and sccache hashes every CARGO_* variable,
  # but rustc-shim leaves it out of sccache's environment
  # (test_coverage_cache.sh).
  check_ge "${v}_cov_lcov: dependency cache hits (the build's entries)" "$STEP_HITS" "$deps"
  check_eq "${v}_cov_lcov: cache misses" "$STEP_MISSES" 0
  step "${v}_cov_html" coverage cargo llvm-cov --html
  check_html "${v}_cov_html"
  step "${v}_cov_p" coverage cargo llvm-cov -p shimfix-core
  check_report "${v}_cov_p"
  step "${v}_cov_clean" none cargo llvm-cov clean
  check_eq "${v}_cov_clean: compiles other than cargo's probes" \
    "$(shim_log_table "$E2E_DIR/${v}_cov_clean.log" | awk -F'\t' '$3 != "-" && $3 != "___"' | wc -l)" 0
  check_cleaned "${v}_cov_clean"
  [[ -x $CARGO_TARGET_DIR/debug/shimfix-cli ]] || fail "cargo llvm-cov clean removed the normal build's shimfix-cli"

  # --- order 2: after a clean, coverage first, then build and test, then
  # clean, then coverage again ---
  step "${v}_clean" none cargo clean
  step "${v}_o2_cov_lcov" coverage cargo llvm-cov --lcov --output-path lcov.info
  check_lcov "${v}_o2_cov_lcov"
  check_ge "${v}_o2_cov_lcov: dependency cache hits after cargo clean" "$STEP_HITS" "$deps"
  check_eq "${v}_o2_cov_lcov: cache misses after cargo clean" "$STEP_MISSES" 0
  step "${v}_o2_cov_p" coverage cargo llvm-cov -p shimfix-core
  check_report "${v}_o2_cov_p"
  step "${v}_o2_build" normal cargo build
  workspace_route "${v}_o2_build" "$route"
  # The dependencies (and with CARGO_INCREMENTAL=0 the workspace's lib) come
  # from what order 1 put into the cache: coverage runs in between changed
  # nothing there.
  check_ge "${v}_o2_build: cache hits after cargo clean" "$STEP_HITS" "$deps"
  check_eq "${v}_o2_build: cache misses after cargo clean" "$STEP_MISSES" 0
  step "${v}_o2_test" normal cargo test
  workspace_route "${v}_o2_test" "$route"
  step "${v}_o2_cov_clean" none cargo llvm-cov clean
  check_cleaned "${v}_o2_cov_clean"
  step "${v}_o2_cov_html" coverage cargo llvm-cov --html
  check_html "${v}_o2_cov_html"
  step "${v}_o2_cov_lcov2" coverage cargo llvm-cov --lcov --output-path lcov.info
  check_lcov "${v}_o2_cov_lcov2"
}

# --- variant 1: incremental as cargo's default --------------------------------
SECONDS=0
write_config "$E2E_DIR/cache-a" 3G
variant inc direct
# The server the first compile started took its settings from cargo's [env]:
# the client starts it with its own environment, which cargo filled.
check_eq "variant 1: the server's cache location" "$(server_location)" "Local disk: \"$E2E_DIR/cache-a\""
check_eq "variant 1: the server's max cache size" \
  "$(sed -n 's/^Max cache size *//p' "$E2E_DIR/stats-inc_build.txt")" "3 GiB"
check_eq "sccache version" "$(sccache --version | awk '{print $2}')" "$E2E_SCCACHE_VERSION"
note "variant 1 (incremental): ${SECONDS}s"

# --- between the variants: what does not work as a team may expect ----------
# 1. sccache reads SCCACHE_DIR and SCCACHE_CACHE_SIZE once, when its server
#    starts; later clients' values do not move it. With the server of variant 1
#    still up, new [env] values are not used: compiles go to cache-a (and hit
#    there), and cache-b is never made. The way around: `sccache --stop-server`
#    after changing them, which the test does next.
# 2. `CARGO_INCREMENTAL = "0"` in [env] does not turn incremental off: cargo
#    puts [env] into the environment of what it runs (rustc, the wrapper, build
#    scripts, tests), but decides incremental from its own environment and
#    config, so the workspace's crates still get -C incremental and the shim
#    runs them directly. The way around: `[build] incremental = false` in the
#    same config (or CARGO_INCREMENTAL=0 in the shell); variant 2 uses it.
write_config "$E2E_DIR/cache-b" 5G 'CARGO_INCREMENTAL = "0"'
step stale_clean none cargo clean
step stale_build normal cargo build
check_eq "with the old server up: its cache location" "$(server_location)" "Local disk: \"$E2E_DIR/cache-a\""
check_ge "with the old server up: cache hits in the old cache" "$STEP_HITS" 3
[[ ! -e $E2E_DIR/cache-b ]] || fail "the new [env] SCCACHE_DIR was used by a server started before it"
note "ok: the new [env] SCCACHE_DIR ($E2E_DIR/cache-b) not made"
workspace_route stale_build direct
sccache --stop-server >"$E2E_DIR/stop-a.txt" 2>&1 || fail "sccache --stop-server failed: $(cat "$E2E_DIR/stop-a.txt")"
cargo clean 2>"$E2E_DIR/restart-clean.err" || fail "cargo clean failed: $(cat "$E2E_DIR/restart-clean.err")"
PREV=zero

# --- variant 2: CARGO_INCREMENTAL = "0" in [env], and build.incremental = false -
write_config "$E2E_DIR/cache-b" 5G 'CARGO_INCREMENTAL = "0"' 'incremental = false'
SECONDS=0
variant noinc cache
check_eq "variant 2: the server's cache location" "$(server_location)" "Local disk: \"$E2E_DIR/cache-b\""
check_eq "variant 2: the server's max cache size" \
  "$(sed -n 's/^Max cache size *//p' "$E2E_DIR/stats-noinc_build.txt")" "5 GiB"
note "variant 2 (CARGO_INCREMENTAL=0): ${SECONDS}s"

e2e_pass
