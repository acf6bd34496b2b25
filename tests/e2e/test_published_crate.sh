#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# A real published project instead of the fixture: serde_json, fetched from
# the Rust registry at its pinned version, built with all its features and its
# own tests (a build script; proc-macro dev-dependencies such as serde_derive,
# ref-cast-impl and indoc; build scripts that run the C compiler). It proves:
#   0. The reference: the same build with no wrapper at all (rustc-shim never
#      runs), for the units it compiles and its wall time.
#   1. With rustc-shim as build.rustc-wrapper: a build, `cargo clean`, the same
#      build again. Every compile that sccache can cache (a lib or rlib) misses
#      the first time and hits the second; the ones it cannot cache (proc-macros
#      and build scripts, which are bins to rustc) reach it and are counted as
#      non-cacheable both times; the crate's own compiles are incremental in the
#      dev profile and go straight to rustc. sccache's figures and the shim's
#      'cache:' lines agree. The crate's own test suite then passes.
#   2. cargo-llvm-cov (tools/versions.sh) on the crate, with rustc-shim as the
#      wrapper and with no wrapper at all: the same per-file line, region and
#      function counts, no instrumented compile reaches sccache, and rustc-shim
#      did not run in the baseline.
# Steps 0 and 2 do not depend on sccache's version (no instrumented compile
# reaches it, and the baselines have no wrapper at all; test_cargo_llvm_cov.sh
# checks the routing under cargo-llvm-cov on every version): they run with the
# newest sccache only, which keeps CI within its time. Step 1 runs on each.
# Needs the Rust registry (network). Usage: test_published_crate.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need_profiler_runtime
COV_TOOL=$(tool_bin cargo-llvm-cov "$CARGO_LLVM_COV_VERSION")
need "$COV_TOOL" "$LLVM_BIN/llvm-profdata" "$LLVM_BIN/llvm-cov"

# The project under test. A published version's package never changes (the
# registry refuses to overwrite it, and cargo checks every download against the
# checksum in the index), so the version pins the sources.
CRATE=serde_json
CRATE_VERSION=1.0.154
FEATURES=(--all-features)

# lib.sh points CARGO_HOME at Debian's offline directory registry, which has
# no serde_json of this version nor its dev-dependencies: this test reaches the
# Rust registry instead, with a CARGO_HOME of its own (a few seconds of
# downloads; nothing is shared between runs, so no stale or foreign file can
# stand in for what the registry serves).
published_crate "$CRATE" "$CRATE_VERSION"
[[ -d "$PROJ/tests" && -f "$PROJ/build.rs" ]] || fail "the published $CRATE $CRATE_VERSION lacks tests/ or build.rs"
cp "$PROJ/Cargo.lock" "$E2E_DIR/Cargo.lock.published"
note "$CRATE $CRATE_VERSION from the Rust registry: $(grep -c '^name = ' "$PROJ/Cargo.lock") packages in its Cargo.lock"
cd "$PROJ"

# with_shim / without_shim: rustc-shim as build.rustc-wrapper in the
# project's .cargo/config.toml, or no wrapper anywhere (lib.sh cleared
# RUSTC_WRAPPER and friends from the environment).
with_shim() {
  mkdir -p "$PROJ/.cargo"
  printf '[build]\nrustc-wrapper = "%s"\n' "$SHIM" >"$PROJ/.cargo/config.toml"
}
without_shim() { rm -rf "$PROJ/.cargo"; }

# unit_table LOG: shim_log_table's "ROUTE<TAB>CRATE<TAB>TYPE<TAB>BY" columns,
# TYPE being bin for build scripts, lib, rlib, proc-macro, test for a --test
# harness, - for neither (cargo's probes of rustc); BY build-script for a
# compile that a build script ran itself (proc-macro2's probes).
unit_table() { shim_log_table "$1" | awk -F'\t' -v OFS='\t' '{ print $1, $3, $5, $7 }'; }

# count_units LOG AWK-CONDITION: the invocations of unit_table that match.
count_units() { unit_table "$1" | awk -F'\t' "$2" | wc -l; }

# non_cacheable NAME: sccache's two non-cacheable counters of stats-NAME.txt
# added up ("calls" it refused to cache from the arguments, such as a crate
# type other than lib; "compilations" it ran and found it could not cache).
non_cacheable() {
  local file=$E2E_DIR/stats-$1.txt
  echo $(( $(stat_line "$file" "Non-cacheable calls") + $(stat_line "$file" "Non-cacheable compilations") ))
}

# failures NAME: sccache's "Compilation failures" of stats-NAME.txt.
failures() { stat_line "$E2E_DIR/stats-$1.txt" "Compilation failures"; }

# test_totals FILE: "PASSED FAILED" summed over the "test result:" lines of a
# cargo test output; fails when there are none.
test_totals() {
  awk '/^test result: / {
         for (i = 1; i <= NF; i++) {
           if ($(i + 1) ~ /^passed;?$/) p += $i
           if ($(i + 1) ~ /^failed;?$/) f += $i
         }
         n++
       }
       END { if (!n) exit 1; print p + 0, f + 0 }' "$1" || fail "no 'test result:' line in $1"
}

WITH_BASELINES=0
[[ $E2E_SCCACHE_VERSION == "$SCCACHE_NEWEST" ]] && WITH_BASELINES=1
reference_seconds=-

# --- 0. the reference: no wrapper at all -------------------------------------------
if ((WITH_BASELINES)); then
without_shim
SECONDS=0
CARGO_TARGET_DIR=$E2E_DIR/target-reference SHIM_LOG=debug:$E2E_DIR/reference.log \
  cargo test --no-run --locked "${FEATURES[@]}" --message-format=json-render-diagnostics \
  >"$E2E_DIR/reference.json" 2>"$E2E_DIR/reference.err" \
  || fail "the build without a wrapper failed: $(tail -n 30 "$E2E_DIR/reference.err")"
reference_seconds=$SECONDS
[[ ! -e "$E2E_DIR/reference.log" ]] || fail "rustc-shim ran in the build without a wrapper (see $E2E_DIR/reference.log)"
artifacts "$E2E_DIR/reference.json" | sort >"$E2E_DIR/reference.units"
note "reference build, no wrapper: ${reference_seconds}s, $(wc -l <"$E2E_DIR/reference.units") units" \
  "($(awk -F'\t' '$1 == "dep"' "$E2E_DIR/reference.units" | wc -l) of dependencies)"
fi

# --- 1. with rustc-shim: build, clean, build again ------------------------------------
with_shim
e2e_start_sccache
stats_snapshot start
check_eq "compile requests before any build" "$start_requests" 0

# build NAME: the reference's build with the shim logging to NAME.log.
build() {
  SECONDS=0
  SHIM_LOG=debug:$E2E_DIR/$1.log cargo test --no-run --locked "${FEATURES[@]}" \
    --message-format=json-render-diagnostics >"$E2E_DIR/$1.json" 2>"$E2E_DIR/$1.err" \
    || fail "cargo test --no-run ($1) failed: $(tail -n 30 "$E2E_DIR/$1.err")"
  printf -v "${1}_seconds" '%s' "$SECONDS"
  artifacts "$E2E_DIR/$1.json" | sort >"$E2E_DIR/$1.units"
  note "$1 build through rustc-shim: ${SECONDS}s; shim log, by route and reason:"
  log_summary "$E2E_DIR/$1.log" | sed 's/^/    /'
  note "$1 build: 'cache:' lines by crate type:"
  unit_table "$E2E_DIR/$1.log" | awk -F'\t' '$1 == "cache" { print $3 }' | sort | uniq -c | sed 's/^/    /'
}

# What sccache can cache of Rust: libs and rlibs. Build scripts (bin) and
# proc-macros reach it too, and it answers them by running rustc itself.
cacheable='$1 == "cache" && ($3 == "lib" || $3 == "rlib" || $3 == "staticlib")'
uncacheable='$1 == "cache" && !($3 == "lib" || $3 == "rlib" || $3 == "staticlib")'

build first
stats_snapshot first
if ((WITH_BASELINES)); then
  check_eq "first build: same units as without a wrapper" \
    "$(diff "$E2E_DIR/reference.units" "$E2E_DIR/first.units" >"$E2E_DIR/first.units.diff" && echo same)" same
fi
first_cacheable=$(count_units "$E2E_DIR/first.log" "$cacheable")
first_uncacheable=$(count_units "$E2E_DIR/first.log" "$uncacheable")
check_ge "first build: cacheable compiles sent to sccache" "$first_cacheable" 20
check_ge "first build: proc-macro and build-script compiles sent to sccache" "$first_uncacheable" 5
check_eq "first build: compile requests = 'cache:' lines" \
  "$(( first_requests - start_requests ))" "$(count_units "$E2E_DIR/first.log" '$1 == "cache"')"
# Build scripts compile probes of their own through the wrapper (proc-macro2
# asks whether nightly proc_macro APIs build); a probe that fails is neither a
# hit nor a miss to sccache but a "compilation failure", and it fails again
# in every build.
first_failures=$(( $(failures first) - $(failures start) ))
first_probes=$(count_units "$E2E_DIR/first.log" "$cacheable"' && $4 == "build-script"')
note "first build: build-script probe compiles sent to sccache: $first_probes, of them failed: $first_failures"
(( first_failures <= first_probes )) || fail "first build: $first_failures compilation failures, but only $first_probes build-script probes"
check_eq "first build: cache misses + failed probes = cacheable 'cache:' lines" \
  "$(( first_misses - start_misses + first_failures ))" "$first_cacheable"
check_eq "first build: cache hits" "$(( first_hits - start_hits ))" 0
check_eq "first build: non-cacheable = proc-macro and build-script 'cache:' lines" \
  "$(( $(non_cacheable first) - $(non_cacheable start) ))" "$first_uncacheable"

# The crate's own compiles (its lib, build script, unit and integration
# tests) are incremental in the dev profile: direct, every time. (serde_json
# also appears as a dependency, an older release that a dev-dependency pulls
# in; that one is a lib like any other.)
incremental='$1 == "direct" && $4 ~ /^-C incremental/'
own_units=$(awk -F'\t' '$1 == "local"' "$E2E_DIR/first.units" | wc -l)
check_ge "first build: $CRATE's own units" "$own_units" 9
own=$(check_routes "$E2E_DIR/first.log" "$E2E_DIR/first.units" direct "-C incremental" local lib)
check_eq "first build: $CRATE's lib routed 'direct: -C incremental'" "$own" 1
check_eq "first build: 'direct: -C incremental' lines = $CRATE's own units" \
  "$(shim_log_table "$E2E_DIR/first.log" | awk -F'\t' "$incremental" | wc -l)" "$own_units"

cargo clean --locked 2>"$E2E_DIR/clean.err" || fail "cargo clean failed: $(cat "$E2E_DIR/clean.err")"
[[ ! -e "$CARGO_TARGET_DIR/debug/deps" ]] || fail "cargo clean left $CARGO_TARGET_DIR/debug/deps"

build second
stats_snapshot second
check_eq "second build: same units as the first" \
  "$(diff "$E2E_DIR/first.units" "$E2E_DIR/second.units" >"$E2E_DIR/second.units.diff" && echo same)" same
second_cacheable=$(count_units "$E2E_DIR/second.log" "$cacheable")
second_uncacheable=$(count_units "$E2E_DIR/second.log" "$uncacheable")
check_eq "second build: cacheable compiles sent to sccache" "$second_cacheable" "$first_cacheable"
check_eq "second build: compile requests = 'cache:' lines" \
  "$(( second_requests - first_requests ))" "$(count_units "$E2E_DIR/second.log" '$1 == "cache"')"
check_eq "second build: failed probes (as in the first)" "$(( $(failures second) - $(failures first) ))" "$first_failures"
check_eq "second build: cache hits + failed probes = cacheable 'cache:' lines" \
  "$(( second_hits - first_hits + first_failures ))" "$second_cacheable"
check_eq "second build: cache misses" "$(( second_misses - first_misses ))" 0
check_eq "second build: non-cacheable = proc-macro and build-script 'cache:' lines" \
  "$(( $(non_cacheable second) - $(non_cacheable first) ))" "$second_uncacheable"
check_eq "second build: 'direct: -C incremental' lines = $CRATE's own units" \
  "$(shim_log_table "$E2E_DIR/second.log" | awk -F'\t' "$incremental" | wc -l)" "$own_units"

# The crate's own test suite, on what came out of the cache (its doctests
# too; rustdoc does not run the wrapper). Nothing is compiled again.
SECONDS=0
SHIM_LOG=debug:$E2E_DIR/suite.log cargo test --locked "${FEATURES[@]}" >"$E2E_DIR/suite.out" 2>&1 \
  || fail "$CRATE's test suite failed: $(grep -E '^(test .* FAILED|failures:|test result:)' "$E2E_DIR/suite.out" | head -n 20)"
read -r suite_passed suite_failed < <(test_totals "$E2E_DIR/suite.out")
note "$CRATE's test suite: ${SECONDS}s, $suite_passed passed, $suite_failed failed ($(grep -c '^test result: ' "$E2E_DIR/suite.out") test binaries and doctests)"
check_eq "$CRATE's test suite: failed tests" "$suite_failed" 0
check_ge "$CRATE's test suite: passed tests" "$suite_passed" 100
stats_snapshot suite
check_eq "test suite run: compile requests (nothing rebuilt)" "$suite_requests" "$second_requests"

summary="sccache $E2E_SCCACHE_VERSION: $first_cacheable cacheable compiles ($first_failures a failing probe),
$first_uncacheable non-cacheable, $own_units direct (incremental);
first build ${first_seconds}s: $(( first_misses - start_misses )) misses, 0 hits;
second build ${second_seconds}s: $(( second_hits - first_hits )) hits, 0 misses;
no wrapper ${reference_seconds}s; test suite $suite_passed passed"
summary=${summary//$'\n'/ }
if ((!WITH_BASELINES)); then
  note "summary ($summary; cargo-llvm-cov runs with sccache $SCCACHE_NEWEST)"
  e2e_pass
  exit 0
fi

# --- 2. cargo-llvm-cov, with rustc-shim and without a wrapper -------------------------
export LLVM_COV=$LLVM_BIN/llvm-cov LLVM_PROFDATA=$LLVM_BIN/llvm-profdata

# llvm_cov NAME: a coverage run of the crate's tests, its per-file summary in NAME.cov.json.
llvm_cov() {
  SECONDS=0
  CARGO_TARGET_DIR=$E2E_DIR/target-$1 SHIM_LOG=debug:$E2E_DIR/$1.log \
    "$COV_TOOL" llvm-cov --locked "${FEATURES[@]}" --json --summary-only \
    --output-path "$E2E_DIR/$1.cov.json" >"$E2E_DIR/$1.out" 2>&1 \
    || fail "cargo llvm-cov ($1) failed: $(tail -n 30 "$E2E_DIR/$1.out")"
  printf -v "${1}_seconds" '%s' "$SECONDS"
  read -r passed failed < <(test_totals "$E2E_DIR/$1.out")
  printf -v "${1}_passed" '%s' "$passed"
  check_eq "cargo llvm-cov ($1): failed tests" "$failed" 0
  note "cargo llvm-cov ($1): ${SECONDS}s, $passed tests passed"
}

llvm_cov cov_shim
stats_snapshot cov_shim
note "cargo llvm-cov with rustc-shim: shim log, by route and reason:"
log_summary "$E2E_DIR/cov_shim.log" | sed 's/^/    /'
instrumented=$(grep -c 'debug: argv: .*instrument-coverage' "$E2E_DIR/cov_shim.log" || true)
check_ge "cargo llvm-cov with rustc-shim: compiles asking for instrumentation" "$instrumented" 8
check_eq "cargo llvm-cov with rustc-shim: of them routed 'direct: -C instrument-coverage'" \
  "$(shim_log_table "$E2E_DIR/cov_shim.log" | awk -F'\t' '$1 == "direct" && index($4, "-C instrument-coverage at argument") == 1' | wc -l)" \
  "$instrumented"
check_eq "cargo llvm-cov with rustc-shim: compile requests = 'cache:' lines (none instrumented)" \
  "$(( cov_shim_requests - suite_requests ))" "$(count_units "$E2E_DIR/cov_shim.log" '$1 == "cache"')"
# sccache's own log (debug level) names the crates it was asked to compile;
# an instrumented one would carry the flag there.
check_ge "sccache's server log: compiles whose arguments it shows" \
  "$(grep -c -- '"--crate-name' "$E2E_DIR/sccache-server.log" || true)" "$second_cacheable"
check_eq "sccache's server log: mentions of instrument-coverage" \
  "$(grep -c 'instrument-coverage' "$E2E_DIR/sccache-server.log" || true)" 0
note "cargo llvm-cov with rustc-shim: dependencies from sccache: hits $(( cov_shim_hits - suite_hits )), misses $(( cov_shim_misses - suite_misses ))"

without_shim
llvm_cov cov_baseline
[[ ! -e "$E2E_DIR/cov_baseline.log" ]] || fail "rustc-shim ran in the baseline (see $E2E_DIR/cov_baseline.log)"
note "ok: rustc-shim did not run in the baseline (no $E2E_DIR/cov_baseline.log)"
stats_snapshot cov_baseline
check_eq "baseline: sccache compile requests (before, after)" \
  "$cov_shim_requests -> $cov_baseline_requests" "$cov_shim_requests -> $cov_shim_requests"
check_eq "cargo llvm-cov: tests passed (with rustc-shim, baseline)" "$cov_shim_passed" "$cov_baseline_passed"

# The two reports, file by file: line, region, function and instantiation
# counts and how many of each were covered.
python3 - "$E2E_DIR/cov_shim.cov.json" "$E2E_DIR/cov_baseline.cov.json" >"$E2E_DIR/cov-compare.txt" <<'EOF' \
  || fail "the coverage reports differ: $(cat "$E2E_DIR/cov-compare.txt")"
import json, sys
KINDS = ("lines", "regions", "functions", "instantiations")
def load(path):
    data = json.load(open(path))["data"][0]
    files = {f["filename"]: {k: (f["summary"][k]["count"], f["summary"][k]["covered"]) for k in KINDS}
             for f in data["files"]}
    totals = {k: (data["totals"][k]["count"], data["totals"][k]["covered"]) for k in KINDS}
    return files, totals
(shim, shim_totals), (base, base_totals) = load(sys.argv[1]), load(sys.argv[2])
bad = 0
for name in sorted(set(shim) | set(base)):
    if shim.get(name) != base.get(name):
        print(f"{name}: with rustc-shim {shim.get(name)}, baseline {base.get(name)}")
        bad += 1
print(f"files: {len(shim)} with rustc-shim, {len(base)} baseline, {bad} differing")
for k in KINDS:
    print(f"{k}: covered/count with rustc-shim {shim_totals[k][1]}/{shim_totals[k][0]}, "
          f"baseline {base_totals[k][1]}/{base_totals[k][0]}")
sys.exit(1 if bad or shim_totals != base_totals or not shim else 0)
EOF
sed 's/^/    /' "$E2E_DIR/cov-compare.txt"
check_ge "coverage report: files" "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["data"][0]["files"]))' "$E2E_DIR/cov_baseline.cov.json")" 10
check_ge "coverage report: lines covered" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["data"][0]["totals"]["lines"]["covered"])' "$E2E_DIR/cov_baseline.cov.json")" 1000

note "summary ($summary;" \
  "cargo llvm-cov ${cov_shim_seconds}s with rustc-shim (dependencies: $(( cov_shim_hits - suite_hits )) hits," \
  "$(( cov_shim_misses - suite_misses )) misses), ${cov_baseline_seconds}s without; reports equal)"
e2e_pass
