#!/usr/bin/env bash
# The end-to-end rows of scripts/bench, on the e2e fixture workspace with real
# cargo, rustc and sccache. Every pair is run interleaved, round after round,
# in one world (one CARGO_HOME, one SCCACHE_DIR and server), and compared by
# the medians of its rounds.
#   bash bench/e2e.sh PATH-TO-rustc-shim
# BENCH_BUILDS rounds (default 21).
# shellcheck source-path=SCRIPTDIR/../tests/e2e
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/e2e/lib.sh"
e2e_setup "$1"
E2E_SCCACHE_LOG="" e2e_start_sccache
builds=${BENCH_BUILDS:-21}
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

# compare NAME-A NAME-B CMD-A -- CMD-B: interleaved rounds (A first in even
# rounds, B first in odd ones); prints both medians and the median over rounds
# of B/A within a round, which a slow stretch of the machine cannot skew.
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
    if (( i % 2 == 0 )); then
      "${cmd_a[@]}" >>"$E2E_DIR/$a.times"
      "${cmd_b[@]}" >>"$E2E_DIR/$b.times"
    else
      "${cmd_b[@]}" >>"$E2E_DIR/$b.times"
      "${cmd_a[@]}" >>"$E2E_DIR/$a.times"
    fi
  done
  python3 - "$a" "$E2E_DIR/$a.times" "$b" "$E2E_DIR/$b.times" <<'PY'
import math, statistics, sys
a, fa, b, fb = sys.argv[1:]
ta = [float(x) for x in open(fa)]
tb = [float(x) for x in open(fb)]
ratios = sorted(y / x for x, y in zip(ta, tb))
n = len(ratios)
# A distribution-free 95% interval for the median ratio: the k-th smallest
# and k-th largest paired ratio, k the largest with P(Binomial(n, 1/2) < k)
# <= 2.5%. It needs 6 rounds or more.
k, below = 0, 0.0
while below + math.comb(n, k) / 2**n <= 0.025:
    below += math.comb(n, k) / 2**n
    k += 1
interval = f", 95% interval {ratios[k - 1]:.3f}-{ratios[n - k]:.3f}" if k > 0 else ""
print(f"{a:<34} {statistics.median(ta):8.3f} s")
print(f"{b:<34} {statistics.median(tb):8.3f} s   ratio {statistics.median(ratios):.3f} "
      f"(median of {n} paired rounds{interval})")
PY
}

echo "== end to end on the fixture workspace (sccache $E2E_SCCACHE_VERSION; $builds interleaved rounds each; medians)"
# Warm the cache with both wrappers' view of the dependencies.
rebuild "$SHIM" >/dev/null
rebuild "$sccache_bin" >/dev/null
stats_snapshot warm >/dev/null
compare "warm rebuild, bare sccache" "warm rebuild, rustc-shim" \
  rebuild "$sccache_bin" -- rebuild "$SHIM"
stats_snapshot after >/dev/null
echo "  (sccache over those rounds: $(( after_hits - warm_hits )) hits, $(( after_misses - warm_misses )) misses)"
echo "  (target: rustc-shim within 2% of bare sccache, a ratio of at most 1.02)"

compare "coverage build, no wrapper" "coverage build, rustc-shim" \
  rebuild "" RUSTFLAGS=-Cinstrument-coverage -- rebuild "$SHIM" RUSTFLAGS=-Cinstrument-coverage

echo
echo "== cargo's -vV probe (runner: 61 rounds x 10 runs, interleaved; medians)"
spec=$E2E_DIR/probe.spec
printf '%s\t--\t%s\t-vV\n' rustc "$real_rustc" >"$spec"
printf '%s\t--\t%s\t%s\t-vV\n' rustc-shim "$SHIM" "$real_rustc" >>"$spec"
printf '%s\t--\t%s\t%s\t-vV\n' sccache "$sccache_bin" "$real_rustc" >>"$spec"
"$RUNNER" "$spec" 61 10 >"$E2E_DIR/probe"
# rustc -vV itself takes about 10 ms (it loads the compiler's shared library);
# what a wrapper adds is the time over it, taken within each round.
python3 - "$E2E_DIR/probe" <<'PY'
import statistics, sys
t, rounds = {}, {}
for line in open(sys.argv[1]):
    name, median, samples = line.rstrip('\n').split('\t')
    t[name], rounds[name] = float(median), [float(v) for v in samples.split(',')]
for name in t:
    label = "(rustc alone)" if name == "rustc" else "through " + name
    print(f"{'-vV ' + label:<34} {t[name]:8.1f} us")
def added(name):
    return statistics.median(x - r for x, r in zip(rounds[name], rounds['rustc']))
shim, cache = added('rustc-shim'), added('sccache')
print(f"added over rustc (median within rounds): rustc-shim {shim:.1f} us, sccache {cache:.1f} us;"
      f" sccache / rustc-shim = {cache / max(shim, 1.0):.1f}x (target >= 5)")
PY
# --- normal test run, then coverage run: serde_json ------------------------------
# serde_json 1.0.154 from the Rust registry (the published crate of the e2e
# matrix, its shipped Cargo.lock), through bare sccache and through rustc-shim:
# each round, for each wrapper (which goes first alternates), a fresh sccache
# cache and target directory, `cargo test`, then `cargo llvm-cov --lcov`; the
# wall time of each, and sccache's hits and misses in the coverage run.
cov_rounds=${BENCH_COVERAGE_ROUNDS:-1}
if [[ $cov_rounds -gt 0 ]]; then
  COV_TOOL=$(tool_bin cargo-llvm-cov "$CARGO_LLVM_COV_VERSION")
  PATH="$(dirname "$COV_TOOL"):$PATH"
  export LLVM_COV=$LLVM_BIN/llvm-cov LLVM_PROFDATA=$LLVM_BIN/llvm-profdata
  unset CARGO_TARGET_DIR
  published_crate serde_json 1.0.154
  cd "$PROJ"
  mkdir -p .cargo
  : >"$E2E_DIR/coverage.rows"
  # cover NAME WRAPPER ROUND: one "normal test run, then coverage run".
  cover() {
    local name=$1 wrapper=$2 round=$3
    sccache --stop-server >/dev/null 2>&1 || true
    export SCCACHE_DIR=$E2E_DIR/sccache-$name-$round
    rm -rf target
    E2E_SCCACHE_LOG="" e2e_start_sccache >/dev/null
    printf '[build]\nrustc-wrapper = "%s"\n' "$wrapper" >.cargo/config.toml
    local normal coverage
    normal=$(seconds cargo test --locked --all-features)
    stats_snapshot normal >/dev/null
    coverage=$(seconds cargo llvm-cov --locked --all-features --lcov --output-path "$E2E_DIR/$name.lcov")
    stats_snapshot coverage >/dev/null
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$normal" "$coverage" \
      "$(( coverage_hits - normal_hits ))" "$(( coverage_misses - normal_misses ))" >>"$E2E_DIR/coverage.rows"
  }
  for (( round = 0; round < cov_rounds; round++ )); do
    if (( round % 2 == 0 )); then
      cover bare-sccache "$sccache_bin" "$round"
      cover rustc-shim "$SHIM" "$round"
    else
      cover rustc-shim "$SHIM" "$round"
      cover bare-sccache "$sccache_bin" "$round"
    fi
  done
  echo
  echo "== normal test run, then coverage run: serde_json 1.0.154, sccache $E2E_SCCACHE_VERSION ($cov_rounds round(s), each with fresh caches; medians)"
  python3 - "$E2E_DIR/coverage.rows" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, normal, coverage, hits, misses = line.split('\t')
    rows.setdefault(name, []).append((float(normal), float(coverage), int(hits), int(misses)))
for name, runs in rows.items():
    med = lambda i: statistics.median(r[i] for r in runs)
    print(f"{name:<14} cargo test {med(0):7.1f} s   cargo llvm-cov {med(1):7.1f} s   "
          f"coverage run: {med(2):.0f} sccache hits, {med(3):.0f} misses")
b, s = rows['bare-sccache'], rows['rustc-shim']
ratio = statistics.median(y[1] / x[1] for x, y in zip(b, s))
print(f"coverage run, rustc-shim / bare sccache: {ratio:.2f}x (median over rounds)")
PY
fi
e2e_pass >/dev/null
