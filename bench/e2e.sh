#!/usr/bin/env bash
# The end-to-end rows of scripts/bench, on the e2e fixture workspace with real
# cargo, rustc and sccache. Every pair is run interleaved, round after round,
# in one world (one CARGO_HOME, one SCCACHE_DIR and server), and compared by
# the medians of its rounds.
#   bash bench/e2e.sh PATH-TO-rustc-shim
# BENCH_BUILDS rounds (default 9).
# shellcheck source-path=SCRIPTDIR/../tests/e2e
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/e2e/lib.sh"
e2e_setup "$1"
e2e_start_sccache
builds=${BENCH_BUILDS:-9}
sccache_bin=$(command -v sccache)
real_rustc=$(rustc --print sysroot)/bin/rustc

# seconds COMMAND...: wall time of one run, in seconds with 3 decimals.
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >"$E2E_DIR/last.out" 2>&1 || { tail -n 30 "$E2E_DIR/last.out" >&2; fail "'$*' failed"; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

# median FILE: the median of the numbers in FILE, one per line.
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# rebuild WRAPPER [ENV...]: cargo clean, then cargo build with RUSTC_WRAPPER=WRAPPER.
rebuild() {
  local wrapper=$1
  shift
  cargo clean >/dev/null 2>&1
  seconds env RUSTC_WRAPPER="$wrapper" "$@" cargo build --tests
}

# compare NAME-A NAME-B CMD-A -- CMD-B: interleaved rounds; prints both medians
# and B/A.
compare() {
  local a=$1 b=$2
  shift 2
  local cmd_a=() cmd_b=()
  while [[ $1 != -- ]]; do cmd_a+=("$1"); shift; done
  shift
  cmd_b=("$@")
  : >"$E2E_DIR/$a.times"
  : >"$E2E_DIR/$b.times"
  local i
  for (( i = 0; i < builds; i++ )); do
    "${cmd_a[@]}" >>"$E2E_DIR/$a.times"
    "${cmd_b[@]}" >>"$E2E_DIR/$b.times"
  done
  local ma mb
  ma=$(median "$E2E_DIR/$a.times")
  mb=$(median "$E2E_DIR/$b.times")
  printf '%-34s %8.3f s\n%-34s %8.3f s   ratio %.3f\n' "$a" "$ma" "$b" "$mb" "$(echo "$mb / $ma" | bc -l)"
}

echo "== end to end on the fixture workspace ($builds interleaved rounds each; medians)"
# Warm the cache with both wrappers' view of the dependencies.
rebuild "$SHIM" >/dev/null
rebuild "$sccache_bin" >/dev/null
stats_snapshot warm >/dev/null
compare "warm rebuild, bare sccache" "warm rebuild, rustc-shim" \
  rebuild "$sccache_bin" -- rebuild "$SHIM"
stats_snapshot after >/dev/null
echo "  (sccache over those rounds: $(( after_hits - warm_hits )) hits, $(( after_misses - warm_misses )) misses)"

compare "coverage build, no wrapper" "coverage build, rustc-shim" \
  rebuild "" RUSTFLAGS=-Cinstrument-coverage -- rebuild "$SHIM" RUSTFLAGS=-Cinstrument-coverage

echo
echo "== cargo's -vV probe (runner: 21 rounds x 20 runs, interleaved; medians)"
spec=$E2E_DIR/probe.spec
printf '%s\t--\t%s\t-vV\n' rustc "$real_rustc" >"$spec"
printf '%s\t--\t%s\t%s\t-vV\n' rustc-shim "$SHIM" "$real_rustc" >>"$spec"
printf '%s\t--\t%s\t%s\t-vV\n' sccache "$sccache_bin" "$real_rustc" >>"$spec"
"$RUNNER" "$spec" 21 20 >"$E2E_DIR/probe"
# rustc -vV itself takes about 10 ms (it loads the compiler's shared library);
# what a wrapper adds is the time over it.
awk -F'\t' '{ t[$1] = $2; printf "%-34s %8.1f us\n", "-vV " ($1 == "rustc" ? "(rustc alone)" : "through " $1), $2 }
  END {
    shim = t["rustc-shim"] - t["rustc"]; cache = t["sccache"] - t["rustc"]
    printf "added over rustc: rustc-shim %.1f us, sccache %.1f us; sccache / rustc-shim = %.1fx (target >= 5)\n",
      shim, cache, cache / (shim > 1 ? shim : 1)
  }' "$E2E_DIR/probe"
e2e_pass >/dev/null
