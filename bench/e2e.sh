#!/usr/bin/env bash
# The end-to-end rows of scripts/bench, with real cargo, rustc and sccache: on
# the e2e fixture workspace, on serde_json from the Rust registry and on two
# generated workspaces (bench/workspaces.py). Every pair is run interleaved,
# round after round, in one world (one CARGO_HOME, one SCCACHE_DIR and server
# unless a row says otherwise), and compared by the medians of its rounds.
#   bash bench/e2e.sh PATH-TO-rustc-shim
# BENCH_ROWS: the rows to run, by name (default: all of them):
#   warm            warm-cache rebuild of the fixture, rustc-shim / bare sccache
#   coverage-build  coverage build of the fixture, rustc-shim / no wrapper
#   probe           cargo's -vV probe through each wrapper
#   serde-coverage  serde_json: a normal test run, then a coverage run
#   cold            cold builds (fresh cache, cargo clean): serde_json and the
#                   generated chain, rustc-shim / bare sccache
#   edit            the edit loop: one file of a workspace member edited and
#                   rebuilt, rustc-shim (incremental) / bare sccache (not)
# BENCH_BUILDS rounds for warm and coverage-build (default 21),
# BENCH_COVERAGE_ROUNDS for serde-coverage (default 1; 0 skips it),
# BENCH_COLD_ROUNDS for cold (default 9), BENCH_EDITS for edit (default 10).
# shellcheck source-path=SCRIPTDIR/../tests/e2e
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../tests/e2e/lib.sh"
e2e_setup "$1"
E2E_SCCACHE_LOG="" e2e_start_sccache
builds=${BENCH_BUILDS:-21}
rounds=$builds  # how many rounds compare runs
sccache_bin=$(command -v sccache)
real_rustc=$(rustc --print sysroot)/bin/rustc
rows=" ${BENCH_ROWS:-warm coverage-build probe serde-coverage cold edit} "
# want ROW: whether BENCH_ROWS asks for ROW.
want() { [[ $rows == *" $1 "* ]]; }

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

# compare NAME-A NAME-B CMD-A -- CMD-B: $rounds interleaved rounds (A first in
# even rounds, B first in odd ones); prints both medians (and means, when
# compare_means=1) and the median over rounds of B/A within a round, which a
# slow stretch of the machine cannot skew.
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
  for (( i = 0; i < rounds; i++ )); do
    if (( i % 2 == 0 )); then
      "${cmd_a[@]}" >>"$E2E_DIR/$a.times"
      "${cmd_b[@]}" >>"$E2E_DIR/$b.times"
    else
      "${cmd_b[@]}" >>"$E2E_DIR/$b.times"
      "${cmd_a[@]}" >>"$E2E_DIR/$a.times"
    fi
  done
  python3 - "$a" "$E2E_DIR/$a.times" "$b" "$E2E_DIR/$b.times" "${compare_means:-0}" <<'PY'
import math, statistics, sys
a, fa, b, fb, means = sys.argv[1:]
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
mean = lambda t: f" (mean {statistics.mean(t):.3f} s)" if means == "1" else ""
print(f"{a:<34} {statistics.median(ta):8.3f} s{mean(ta)}")
print(f"{b:<34} {statistics.median(tb):8.3f} s{mean(tb)}   ratio {statistics.median(ratios):.3f} "
      f"(median of {n} paired rounds{interval})")
PY
}

if want warm || want coverage-build; then
  echo "== end to end on the fixture workspace (sccache $E2E_SCCACHE_VERSION; $builds interleaved rounds each; medians)"
fi
if want warm; then
  # Warm the cache with both wrappers' view of the dependencies.
  rebuild "$SHIM" >/dev/null
  rebuild "$sccache_bin" >/dev/null
  stats_snapshot warm >/dev/null
  compare "warm rebuild, bare sccache" "warm rebuild, rustc-shim" \
    rebuild "$sccache_bin" -- rebuild "$SHIM"
  stats_snapshot after >/dev/null
  echo "  (sccache over those rounds: $(( after_hits - warm_hits )) hits, $(( after_misses - warm_misses )) misses)"
  echo "  (target: rustc-shim within 2% of bare sccache, a ratio of at most 1.02)"
fi

if want coverage-build; then
  compare "coverage build, no wrapper" "coverage build, rustc-shim" \
    rebuild "" RUSTFLAGS=-Cinstrument-coverage -- rebuild "$SHIM" RUSTFLAGS=-Cinstrument-coverage
fi

if want probe; then  # (not indented: its Python is read from a here-document)
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
fi

# --- the Rust registry's rows ------------------------------------------------------
# From here on cargo uses the Rust registry itself (published_crate points
# CARGO_HOME at it) and each project its own target directory.
cov_rounds=${BENCH_COVERAGE_ROUNDS:-1}
if { want serde-coverage && (( cov_rounds > 0 )); } || want cold || want edit; then
  unset CARGO_TARGET_DIR
  # serde_json 1.0.154 (the published crate of the e2e matrix, with its shipped
  # Cargo.lock), and a clean copy of it for the cold builds.
  published_crate serde_json 1.0.154
  cp -R "$PROJ" "$E2E_DIR/serde_json-cold"
fi

# --- normal test run, then coverage run: serde_json ------------------------------
# serde_json through bare sccache and through rustc-shim: each round, for each
# wrapper (which goes first alternates), a fresh sccache cache and target
# directory, `cargo test`, then `cargo llvm-cov --lcov`; the wall time of each,
# and sccache's hits and misses in the coverage run.
if want serde-coverage && (( cov_rounds > 0 )); then
  COV_TOOL=$(tool_bin cargo-llvm-cov "$CARGO_LLVM_COV_VERSION")
  PATH="$(dirname "$COV_TOOL"):$PATH"
  export LLVM_COV=$LLVM_BIN/llvm-cov LLVM_PROFDATA=$LLVM_BIN/llvm-profdata
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

# --- cold builds: serde_json and a deep dependency chain -------------------------
# What a fresh CI machine or a new branch's first build pays: every compile a
# cache miss. Each build gets a new sccache server on an empty SCCACHE_DIR and
# a cleaned target directory (neither timed), and CARGO_INCREMENTAL=0 for both
# wrappers, as sccache requires to cache the workspace's own crates too. sccache
# 0.19 passes rustc's metadata notice on as soon as rustc writes it, so cargo
# pipelines (starts a crate's dependents on its metadata while its codegen
# goes on); rustc-shim passes it on at once too. The chain (bench/workspaces.py)
# is where that shows most: 16 crates, each waiting on the one before.
cold_rounds=${BENCH_COLD_ROUNDS:-9}
if want cold; then
  # cold WRAPPER: one cold `cargo build --locked` in the current directory,
  # its wall time on stdout; appends sccache's "hits/misses" to cold-stats-WRAPPER.
  cold() {
    local wrapper=$1 wall
    sccache --stop-server >/dev/null 2>&1 || true
    export SCCACHE_DIR=$E2E_DIR/sccache-cold
    rm -rf "$SCCACHE_DIR"
    E2E_SCCACHE_LOG="" e2e_start_sccache >/dev/null
    cargo clean >/dev/null 2>&1
    wall=$(seconds env RUSTC_WRAPPER="$wrapper" CARGO_INCREMENTAL=0 cargo build --locked)
    stats_snapshot built >/dev/null
    # shellcheck disable=SC2154  # set by stats_snapshot
    echo "$built_hits/$built_misses" >>"$E2E_DIR/cold-stats-$(basename "$wrapper")"
    echo "$wall"
  }
  # cold_row NAME: the paired rounds in the current directory, then what sccache saw.
  cold_row() {
    rm -f "$E2E_DIR"/cold-stats-*
    rounds=$cold_rounds compare "cold $1, bare sccache" "cold $1, rustc-shim" \
      cold "$sccache_bin" -- cold "$SHIM"
    echo "  (sccache hits/misses per build: bare $(sort -u "$E2E_DIR/cold-stats-$(basename "$sccache_bin")" | paste -sd, -)," \
      "rustc-shim $(sort -u "$E2E_DIR/cold-stats-$(basename "$SHIM")" | paste -sd, -))"
  }
  echo
  echo "== cold builds: empty cache, cargo clean, CARGO_INCREMENTAL=0; serde_json 1.0.154 and a generated 16-crate chain (sccache $E2E_SCCACHE_VERSION; $cold_rounds interleaved rounds each; medians)"
  cd "$E2E_DIR/serde_json-cold"
  cold_row serde_json
  python3 "$here/workspaces.py" chain "$E2E_DIR/chain" 16
  cd "$E2E_DIR/chain"
  cargo generate-lockfile --quiet  # path crates only: nothing is fetched
  cold_row "16-crate chain"
  echo "  (target: rustc-shim within 2% of bare sccache, a ratio of at most 1.02)"
fi

# --- the edit loop ------------------------------------------------------------
# The loop people live in: edit one file of a workspace member, `cargo build`,
# again and again. The workspace (bench/workspaces.py loop) has four members on
# serde, serde_json and regex from the Rust registry, at the versions of
# bench/loop.Cargo.lock; each edit changes rules/src/rules.rs (a new function, or
# a new value of a constant), and only rules and the binary that depends on it
# are built again. Compared, each on a copy of its own: the usual setup with
# bare sccache, CARGO_INCREMENTAL=0 (sccache refuses incremental builds, so
# users turn it off), against rustc-shim with cargo's default (incremental for
# the workspace's members, which rustc-shim compiles directly; dependencies
# still go through sccache). One sccache server on an empty cache; the first
# build of each copy (bare sccache's first) is not part of the loop.
edits=${BENCH_EDITS:-10}
if want edit; then
  sccache --stop-server >/dev/null 2>&1 || true
  export SCCACHE_DIR=$E2E_DIR/sccache-edit
  rm -rf "$SCCACHE_DIR"
  E2E_SCCACHE_LOG="" e2e_start_sccache >/dev/null
  for side in bare shim; do
    python3 "$here/workspaces.py" loop "$E2E_DIR/loop-$side"
  done
  # loop_build SIDE: `cargo build --locked` of loop-SIDE, as that side builds it.
  loop_build() {
    cd "$E2E_DIR/loop-$1"
    if [[ $1 == bare ]]; then
      seconds env RUSTC_WRAPPER="$sccache_bin" CARGO_INCREMENTAL=0 cargo build --locked
    else
      seconds env RUSTC_WRAPPER="$SHIM" cargo build --locked
    fi
  }
  # edit_build SIDE: the copy's next edit, then loop_build; only rules and cli
  # may be compiled again, and both must be.
  edit_build() {
    local n
    n=$(( $(cat "$E2E_DIR/loop-$1.edits" 2>/dev/null || echo 0) + 1 ))
    echo "$n" >"$E2E_DIR/loop-$1.edits"
    python3 "$here/workspaces.py" edit "$E2E_DIR/loop-$1" "$n"
    loop_build "$1"
    local compiled
    compiled=$(sed -n 's/^ *Compiling \([^ ]*\) .*/\1/p' "$E2E_DIR/last.out" | sort | paste -sd ' ' -)
    [[ $compiled == "cli rules" ]] || fail "edit $n of loop-$1 compiled '$compiled', not 'cli rules'"
  }
  stats_snapshot edit0 >/dev/null
  first_bare=$(loop_build bare)
  stats_snapshot edit1 >/dev/null
  first_shim=$(loop_build shim)
  stats_snapshot edit2 >/dev/null
  echo
  echo "== the edit loop: one file of a workspace member edited, then cargo build (sccache $E2E_SCCACHE_VERSION; $edits interleaved edits each)"
  # The first builds, in sccache's eyes: bare sccache's CARGO_INCREMENTAL=0 is
  # part of its key (every CARGO_* variable is), so rustc-shim's dependencies
  # cannot hit what bare sccache stored; they fill entries of their own.
  # shellcheck disable=SC2154  # set by stats_snapshot
  printf '  (first builds, not in the loop: bare sccache %.1f s, %d hits, %d misses; rustc-shim %.1f s, %d hits, %d misses)\n' \
    "$first_bare" $(( edit1_hits - edit0_hits )) $(( edit1_misses - edit0_misses )) \
    "$first_shim" $(( edit2_hits - edit1_hits )) $(( edit2_misses - edit1_misses ))
  rounds=$edits compare_means=1 compare "edit + build, bare sccache" "edit + build, rustc-shim" \
    edit_build bare -- edit_build shim
  stats_snapshot edit3 >/dev/null
  echo "  (sccache over the loop: $(( edit3_requests - edit2_requests )) compile requests," \
    "$(( edit3_hits - edit2_hits )) hits, $(( edit3_misses - edit2_misses )) misses)"
  echo "  (expected: rustc-shim well below 1)"
fi
e2e_pass >/dev/null
