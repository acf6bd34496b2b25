#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# The ways of asking for instrumentation that no real tool of the matrix
# shows, each on the fixture workspace with rustc-shim in .cargo/config.toml
# (the real cargo-llvm-cov has its own test, test_cargo_llvm_cov.sh):
#   1. CARGO_ENCODED_RUSTFLAGS, as cargo passes RUSTFLAGS on to build tools:
#      every crate is instrumented and direct; sccache sees nothing.
#   2. A RUSTC_WORKSPACE_WRAPPER that adds the coverage flag itself runs
#      after rustc-shim, which cannot see the flag: SHIM_MODE=direct is the
#      recipe, and with it nothing reaches sccache.
# Usage: test_recipes.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need_profiler_runtime
e2e_start_sccache

# routes LOG WHERE-AWK: "ROUTE REASON" counts of the log lines for crates that
# the awk condition on the crate name ($3) selects.
routes() {
  shim_log_table "$1" | awk -F'\t' "$2"' { r = $4; sub(/ at argument .*/, "", r); sub(/=.*/, "=...", r); print $1 ": " r }' \
    | sort | uniq -c | sed 's/^ */    /'
}
local_crate='$3 ~ /^(shimfix_|integration$)/'

# The dependencies go into the cache with a normal build first.
SHIM_LOG=debug:$E2E_DIR/normal.log cargo build --tests >"$E2E_DIR/normal.out" 2>&1 \
  || fail "normal build failed: $(tail -n 30 "$E2E_DIR/normal.out")"
cargo clean >/dev/null 2>&1
stats_snapshot normal

# --- 1. CARGO_ENCODED_RUSTFLAGS ------------------------------------------------
CARGO_ENCODED_RUSTFLAGS=$'-C\x1finstrument-coverage\x1f--cfg=coverage' \
  LLVM_PROFILE_FILE="$E2E_DIR/profiles-encoded/shimfix-%p-%m.profraw" \
  SHIM_LOG=debug:$E2E_DIR/encoded.log cargo test >"$E2E_DIR/encoded.out" 2>&1 \
  || fail "cargo test with CARGO_ENCODED_RUSTFLAGS failed: $(tail -n 30 "$E2E_DIR/encoded.out")"
stats_snapshot encoded
routes "$E2E_DIR/encoded.log" '$3 != "-"'
check_eq "CARGO_ENCODED_RUSTFLAGS: 'cache:' lines" \
  "$(shim_log_table "$E2E_DIR/encoded.log" | awk -F'\t' '$1 == "cache"' | wc -l)" 0
check_eq "CARGO_ENCODED_RUSTFLAGS: sccache compile requests (before, after)" \
  "$normal_requests -> $encoded_requests" "$normal_requests -> $normal_requests"
check_ge "CARGO_ENCODED_RUSTFLAGS: profraw files" \
  "$(find "$E2E_DIR/profiles-encoded" -name '*.profraw' | wc -l)" 3
cargo clean >/dev/null 2>&1

# --- 2. a workspace wrapper that injects the flag itself ------------------------
inject=$E2E_DIR/inject-coverage
printf '#!/bin/sh\nexec "$@" -C instrument-coverage\n' >"$inject"
chmod +x "$inject"
# Not incremental, so that nothing else sends the workspace's compiles direct.
export CARGO_INCREMENTAL=0
RUSTC_WORKSPACE_WRAPPER=$inject SHIM_LOG=debug:$E2E_DIR/inject.log cargo build --tests \
  >"$E2E_DIR/inject.out" 2>&1 || fail "build with the injecting workspace wrapper failed"
stats_snapshot inject
unseen=$(shim_log_table "$E2E_DIR/inject.log" | awk -F'\t' "$local_crate"' && $1 == "cache"' | wc -l)
check_ge "without SHIM_MODE: workspace compiles sent to sccache, the injected flag out of the shim's sight" \
  "$unseen" 3
cargo clean >/dev/null 2>&1
RUSTC_WORKSPACE_WRAPPER=$inject SHIM_MODE=direct SHIM_LOG=debug:$E2E_DIR/inject-direct.log \
  cargo build --tests >"$E2E_DIR/inject-direct.out" 2>&1 \
  || fail "build with the injecting workspace wrapper and SHIM_MODE=direct failed"
stats_snapshot inject_direct
routes "$E2E_DIR/inject-direct.log" '$3 != "-"'
check_eq "SHIM_MODE=direct: 'cache:' lines" \
  "$(shim_log_table "$E2E_DIR/inject-direct.log" | awk -F'\t' '$1 == "cache"' | wc -l)" 0
check_eq "SHIM_MODE=direct: sccache compile requests (before, after)" \
  "$inject_requests -> $inject_direct_requests" "$inject_requests -> $inject_requests"
check_ge "SHIM_MODE=direct: workspace compiles named by the mode" \
  "$(shim_log_table "$E2E_DIR/inject-direct.log" | awk -F'\t' "$local_crate"' && $4 == "SHIM_MODE=direct"' | wc -l)" 3
e2e_pass
