#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# (e) Incremental compilation on for the workspace: its crates run directly
# (`direct: -C incremental=...`), the dependencies still go to sccache, and a
# rebuild after `cargo clean` hits the cache for them, even when the rebuild
# sets CARGO_INCREMENTAL=1 and the first build did not: the shim keeps that
# variable from sccache, which would otherwise hash it into every key.
# Usage: test_incremental.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
e2e_start_sccache

# Incremental for the workspace in the profile itself, not only by default.
cat >>"$WS/Cargo.toml" <<'EOF2'

[profile.dev]
incremental = true
EOF2

# build NAME [ENV=VALUE...]: cargo build, logging to NAME.log.
build() {
  local name=$1
  shift
  env "$@" SHIM_LOG="debug:$E2E_DIR/$name.log" cargo build --message-format=json-render-diagnostics \
    >"$E2E_DIR/$name.json" 2>"$E2E_DIR/$name.err" \
    || fail "cargo build ($name) failed: $(tail -n 30 "$E2E_DIR/$name.err")"
  artifacts "$E2E_DIR/$name.json" >"$E2E_DIR/$name.units"
  note "$name: shim log, by route and reason:"
  log_summary "$E2E_DIR/$name.log" | sed 's/^/    /'
}

# check_build NAME: workspace crates direct with -C incremental into our target
# dir, dependency libs through the cache. Sets DEPS to their number.
check_build() {
  local name=$1 crate n
  for crate in shimfix_core shimfix_cli; do
    n=$(shim_log_table "$E2E_DIR/$name.log" | awk -F'\t' -v c="$crate" -v p="-C incremental=$CARGO_TARGET_DIR/debug/incremental at argument" '
      $1 == "direct" && $3 == c && index($4, p) == 1' | wc -l)
    check_eq "$name: $crate routed 'direct: -C incremental=\$CARGO_TARGET_DIR/debug/incremental'" "$n" 1
  done
  DEPS=$(awk -F'\t' '$1 == "dep" && $2 == "lib"' "$E2E_DIR/$name.units" | sort -u | wc -l)
  check_ge "$name: dependency lib crates compiled" "$DEPS" 3
  n=$(check_routes "$E2E_DIR/$name.log" "$E2E_DIR/$name.units" cache "no coverage, profiling" dep lib)
  check_eq "$name: dependency libs with a 'cache:' line" "$n" "$DEPS"
  n=$(shim_log_table "$E2E_DIR/$name.log" | awk -F'\t' '$1 == "cache" && $3 ~ /^shimfix_/' | wc -l)
  check_eq "$name: workspace crates sent to sccache" "$n" 0
  n=$(find "$CARGO_TARGET_DIR/debug/incremental" -mindepth 1 -maxdepth 1 -name 'shimfix_*' | wc -l)
  check_ge "$name: incremental session directories of the workspace crates" "$n" 2
}

stats_snapshot start
SECONDS=0
build first
note "first build (profile incremental = true): ${SECONDS}s"
stats_snapshot first
check_build first
first_deps=$DEPS
check_eq "first build: cache misses" "$(( first_misses - start_misses ))" "$first_deps"

cargo clean 2>"$E2E_DIR/clean.err" || fail "cargo clean failed: $(cat "$E2E_DIR/clean.err")"

SECONDS=0
build second CARGO_INCREMENTAL=1
note "second build (CARGO_INCREMENTAL=1 as well): ${SECONDS}s"
stats_snapshot second
check_build second
check_eq "second build: dependency lib crates compiled again" "$DEPS" "$first_deps"
check_ge "second build: cache hits" "$(( second_hits - first_hits ))" "$first_deps"
check_eq "second build: cache misses" "$(( second_misses - first_misses ))" 0

e2e_pass
