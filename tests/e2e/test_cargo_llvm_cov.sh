#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# The real cargo-llvm-cov (tools/versions.sh) on the fixture workspace, with
# rustc-shim set once as build.rustc-wrapper and llvm-19's tools named by
# LLVM_COV and LLVM_PROFDATA. Each of these commands runs once with no wrapper
# at all (RUSTC_WRAPPER='', the baseline) and once through the shim, and the
# per-file line, region, function and instantiation counts of the two runs are
# identical:
#   cargo llvm-cov                   (and its text report, table for table)
#   cargo llvm-cov --lcov            (and the lcov file, byte for byte)
#   cargo llvm-cov --html            (and the html index, but for its date)
#   cargo llvm-cov --workspace
#   cargo llvm-cov -p shimfix-core
#   cargo llvm-cov --no-report, then cargo llvm-cov report
#   cargo llvm-cov nextest
#   cargo llvm-cov --no-rustc-wrapper
# The baseline never runs the shim (it writes no SHIM_LOG) and never reaches
# sccache. Through the shim, every compile that carries -C instrument-coverage
# is routed 'direct:' for coverage, and sccache's compile requests grow by
# exactly the 'cache:' lines: the dependencies, which cargo-llvm-cov leaves
# uninstrumented. `cargo llvm-cov clean` empties cargo-llvm-cov's target
# directory and the run after it works, its dependencies hitting the cache
# that the earlier cargo-llvm-cov run filled. Where sccache's debug log shows
# arguments, no workspace crate and no instrumented compile appears in it.
# The output records how many dependency compiles of the first `cargo
# llvm-cov` hit the cache that a normal `cargo test` through the shim filled
# just before (FIGURE lines), and whether CARGO_LLVM_COV=1, which
# cargo-llvm-cov puts in every compile's environment, is what tells them apart
# (a normal build with it added hits the cargo-llvm-cov run's entries).
# Usage: test_cargo_llvm_cov.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need_profiler_runtime
need "$LLVM_BIN/llvm-profdata" "$LLVM_BIN/llvm-cov" cargo-nextest
COV_TOOL=$(tool_bin cargo-llvm-cov "$CARGO_LLVM_COV_VERSION")
need "$COV_TOOL"
# cargo finds `cargo llvm-cov` as cargo-llvm-cov on PATH.
PATH="$(dirname "$COV_TOOL"):$PATH"
# No rustup llvm-tools component here: cargo-llvm-cov takes llvm-19's tools
# from these two variables.
export LLVM_COV=$LLVM_BIN/llvm-cov LLVM_PROFDATA=$LLVM_BIN/llvm-profdata
# cargo-llvm-cov's own default, the workspace's target/llvm-cov-target, as a
# user has it: lib.sh's CARGO_TARGET_DIR would move it.
unset CARGO_TARGET_DIR
COV_TARGET=$WS/target/llvm-cov-target
check_eq "cargo llvm-cov --version" "$(cargo llvm-cov --version)" "cargo-llvm-cov $CARGO_LLVM_COV_VERSION"
e2e_start_sccache

# --- running and reading cargo-llvm-cov --------------------------------------

# A SHIM_LOG file that the baseline runs name: the shim, had it run, would
# have created it.
BASE_SHIM_LOG=$E2E_DIR/baseline-shim.log

# cov NAME ARGS...: `cargo llvm-cov ARGS...` through the shim (logging at debug
# level to NAME.log), stdout to NAME.out, stderr to NAME.err. base-* names run
# with cargo's documented switch for no wrapper at all, RUSTC_WRAPPER=''; the
# workspace path is the same.
cov() {
  local name=$1
  shift
  local -a env=(SHIM_LOG="debug:$E2E_DIR/$name.log")
  [[ $name == base-* ]] && env=(RUSTC_WRAPPER= SHIM_LOG="debug:$BASE_SHIM_LOG")
  SECONDS=0
  env "${env[@]}" cargo llvm-cov "$@" >"$E2E_DIR/$name.out" 2>"$E2E_DIR/$name.err" \
    || fail "cargo llvm-cov $* ($name) failed: $(tail -n 30 "$E2E_DIR/$name.err")"
  note "$name: cargo llvm-cov $*: ${SECONDS}s"
}

# summary NAME [ARGS...]: `cargo llvm-cov report --json --summary-only ARGS...`
# (the profiles and objects of the last run) as NAME.summary, one line a file:
# its path in the workspace, then lines, regions, functions and instantiations
# as covered/count; the totals last.
summary() {
  local name=$1
  shift
  local -a env=(SHIM_LOG="debug:$E2E_DIR/$name.log")
  [[ $name == base-* ]] && env=(RUSTC_WRAPPER= SHIM_LOG="debug:$BASE_SHIM_LOG")
  env "${env[@]}" cargo llvm-cov report --json --summary-only --output-path "$E2E_DIR/$name.json" "$@" \
    >"$E2E_DIR/$name.report.out" 2>"$E2E_DIR/$name.report.err" \
    || fail "cargo llvm-cov report $* ($name) failed: $(tail -n 30 "$E2E_DIR/$name.report.err")"
  python3 - "$E2E_DIR/$name.json" "$WS/" >"$E2E_DIR/$name.summary" <<'EOF'
import json, sys
export = json.load(open(sys.argv[1]))["data"][0]
root = sys.argv[2]
def figures(s):
    return [f'{k} {s[k]["covered"]}/{s[k]["count"]}' for k in ("lines", "regions", "functions", "instantiations")]
for f in sorted(export["files"], key=lambda f: f["filename"]):
    name = f["filename"]
    print("\t".join([name[len(root):] if name.startswith(root) else name] + figures(f["summary"])))
print("\t".join(["TOTAL"] + figures(export["totals"])))
EOF
  # The fixture's grade() has known figures (lib.sh): a report that lost
  # the profiles or the objects cannot pass for a true one.
  local grade
  grade=$(awk -F'\t' -v f="$GRADE_RS" '$1 == f { print $2 }' "$E2E_DIR/$name.summary")
  check_eq "$name: $GRADE_RS lines covered/count" "$grade" \
    "lines $GRADE_LINES_HIT_LLVM_COV/$GRADE_LINES_FOUND"
}

# same_summary BASE SHIM: the two per-file summaries are identical.
same_summary() {
  if ! cmp -s "$E2E_DIR/$1.summary" "$E2E_DIR/$2.summary"; then
    fail "per-file coverage differs between $1 and $2: $(diff "$E2E_DIR/$1.summary" "$E2E_DIR/$2.summary" | tr '\n\t' '| ')"
  fi
  note "ok: $2 = $1, file by file ($(( $(wc -l <"$E2E_DIR/$2.summary") - 1 )) files):"
  sed 's/^/    /' "$E2E_DIR/$2.summary"
}

# cov_table LOG: shim_log_table's columns in the order this test reads them,
# "ROUTE<TAB>CRATE<TAB>TYPE<TAB>COV<TAB>REASON<TAB>BY".
cov_table() { shim_log_table "$1" | awk -F'\t' -v OFS='\t' '{ print $1, $3, $5, $6, $4, $7 }'; }
# Conditions on a cov_table line: a compile of the workspace's own crates; of
# a dependency (build scripts' own compiles and probes are neither).
local_crate='$6 == "cargo" && $2 ~ /^(shimfix_|integration$)/'
dep_crate='$6 == "cargo" && $2 !~ /^(shimfix_|integration$)/ && $2 != "-" && $2 != "___" && $2 !~ /^build_script_/'

# labelled TABLE: the lines of a cov_table as "ROUTE: WHAT cov=COV: REASON",
# WHAT naming what was compiled, the reason without its argument position.
labelled() {
  awk -F'\t' "{
    if ($local_crate) w = \"local\"
    else if ($dep_crate) w = \"dep\"
    else if (\$2 ~ /^build_script_/) w = \"build script\"
    else if (\$6 == \"build-script\") w = \"a build script's probe\"
    else if (\$2 == \"___\") w = \"cargo's target probe\"
    else w = \"no crate\"
    r = \$5; sub(/ at argument .*/, \"\", r)
    print \$1 \": \" w \" cov=\" \$4 \": \" r
  }" "$1"
}

# routing NAME BEFORE-STATS AFTER-STATS: the shim's routes in NAME.log and
# sccache's stats around it agree with the rules: every compile carrying
# -C instrument-coverage went direct for that reason, and sccache's compile
# requests grew by the 'cache:' lines, so none of its requests was an
# instrumented compile. Sets NAME_cov (instrumented compiles), NAME_cache
# ('cache:' lines), NAME_deps_cached (dependency libraries sent to sccache),
# NAME_new_hits and NAME_new_misses (sccache's, over the run).
routing() {
  local name=$1 before=$2 after=$3 log=$E2E_DIR/$1.log table=$E2E_DIR/$1.table
  [[ -f $log ]] || fail "$name: the shim wrote no log ($log): cargo-llvm-cov did not call it"
  cov_table "$log" >"$table"
  note "$name: shim log, by route, what was compiled (local: the workspace's crates), instrumentation and reason:"
  labelled "$table" | sort | uniq -c | sed 's/^ */    /'
  check_eq "$name: instrumented compiles not routed 'direct: -C instrument-coverage'" \
    "$(awk -F'\t' '$4 == "yes" && !($1 == "direct" && $5 ~ /^-C ?instrument-coverage/)' "$table" | wc -l)" 0
  check_eq "$name: shim invocations without a route or an argv" \
    "$(awk -F'\t' '$1 == "" || $4 == "?"' "$table" | wc -l)" 0
  local -n b_req=${before}_requests b_hits=${before}_hits b_miss=${before}_misses
  local -n a_req=${after}_requests a_hits=${after}_hits a_miss=${after}_misses
  printf -v "${name//-/_}_cov" '%s' "$(awk -F'\t' '$4 == "yes"' "$table" | wc -l)"
  printf -v "${name//-/_}_cache" '%s' "$(awk -F'\t' '$1 == "cache"' "$table" | wc -l)"
  printf -v "${name//-/_}_deps_cached" '%s' \
    "$(awk -F'\t' "$dep_crate"' && $1 == "cache" && $3 ~ /^r?lib$/' "$table" | wc -l)"
  printf -v "${name//-/_}_new_hits" '%s' "$(( a_hits - b_hits ))"
  printf -v "${name//-/_}_new_misses" '%s' "$(( a_miss - b_miss ))"
  local -n cache_lines=${name//-/_}_cache
  check_eq "$name: sccache compile requests = 'cache:' lines in the shim log" \
    "$(( a_req - b_req ))" "$cache_lines"
}

# report_table FILE: the table of cargo-llvm-cov's text report in FILE.
report_table() { sed -n '/^Filename /,/^TOTAL /p' "$1"; }

# html_index: the html report's index without the line that dates it.
html_index() { sed 's/Created: [0-9: -]*//' "$WS/target/llvm-cov/html/index.html"; }

# cov_target_gone WHO: `cargo llvm-cov clean` removed what runs leave there.
cov_target_gone() {
  local left
  # find fails when the clean removed the directory itself.
  left=$( (find "$COV_TARGET" \( -name '*.profraw' -o -name '*.profdata' -o -name '*.rlib' \) 2>/dev/null || true) | wc -l)
  note "$1: target/llvm-cov-target $([[ -d $COV_TARGET ]] && echo "is still there" || echo "is gone")"
  check_eq "$1: profiles and libraries left in target/llvm-cov-target" "$left" 0
}

stats_snapshot start

# --- the baseline: the same commands with no wrapper -------------------------

cov base-text
summary base-text
report_table "$E2E_DIR/base-text.out" >"$E2E_DIR/base-text.table"
[[ -s $E2E_DIR/base-text.table ]] || fail "base-text: no report table on stdout (see $E2E_DIR/base-text.out)"
check_eq "base-text: stdout lines that are not the report's table" \
  "$(( $(wc -l <"$E2E_DIR/base-text.out") - $(wc -l <"$E2E_DIR/base-text.table") ))" 0
note "cargo llvm-cov's text report: stdout holds it alone ($(wc -l <"$E2E_DIR/base-text.out") lines); cargo's and the tests' output go to stderr:"
sed 's/^/    /' "$E2E_DIR/base-text.table"
note "what a run leaves in target/llvm-cov-target: $(cd "$COV_TARGET" && ls -d -- * | sed 's/-[0-9]*-[0-9]*_[0-9]*\.profraw$/-PID-SIG_N.profraw/' | sort | uniq -c | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), ($1 > 1 ? $1 "x " : "") $2 }')"
cov base-lcov --lcov --output-path "$E2E_DIR/base.lcov"
summary base-lcov
note "lcov file: $(grep -c '^SF:' "$E2E_DIR/base.lcov") SF records, absolute paths ($(grep -m1 '^SF:' "$E2E_DIR/base.lcov")), DA/FN/FNDA/BRDA lines, LF/LH per file"
cov base-html --html
summary base-html
html_index >"$E2E_DIR/base-html.index"
note "html report: target/llvm-cov/html/index.html (per file: $(grep -o "href='coverage/" "$E2E_DIR/base-html.index" | wc -l) links into coverage/<absolute path>.html)"
cov base-workspace --workspace
summary base-workspace --workspace
cov base-core -p shimfix-core
summary base-core -p shimfix-core
cov base-norep --no-report
summary base-norep
cov base-nextest nextest
summary base-nextest
[[ ! -e $BASE_SHIM_LOG ]] || fail "the shim ran in the no-wrapper baseline: $(head -n 5 "$BASE_SHIM_LOG")"
note "ok: no-wrapper baseline: the shim never ran (no $BASE_SHIM_LOG)"
stats_snapshot base
check_eq "no-wrapper baseline: sccache compile requests" "$base_requests" "$start_requests"

# Step 6, first time: the clean removes the baseline's build, so that the shim's runs build everything anew.
cov clean-1 clean
cov_target_gone "cargo llvm-cov clean after the baseline"

# --- through the shim --------------------------------------------------------

# A normal `cargo test` through the shim first: the dependencies' compiles go
# to sccache and fill its cache, as a developer's day leaves it.
SECONDS=0
SHIM_LOG=debug:$E2E_DIR/normal.log cargo test >"$E2E_DIR/normal.out" 2>&1 \
  || fail "normal cargo test failed: $(tail -n 30 "$E2E_DIR/normal.out")"
note "normal cargo test through the shim: ${SECONDS}s"
stats_snapshot normal
normal_deps=$(cov_table "$E2E_DIR/normal.log" | awk -F'\t' "$dep_crate"' && $1 == "cache" && $3 ~ /^r?lib$/' | wc -l)
check_ge "normal cargo test: dependency libraries sent to sccache" "$normal_deps" 9
check_eq "normal cargo test: sccache misses (an empty cache)" "$(( normal_misses - base_misses ))" "$normal_deps"

cov text
summary text
stats_snapshot text
routing text normal text
check_ge "text: instrumented compiles (workspace crates)" "$text_cov" 4
check_eq "text: instrumented compiles that are not the workspace's" \
  "$(awk -F'\t' '$4 == "yes" && !('"$local_crate"')' "$E2E_DIR/text.table" | wc -l)" 0
check_eq "text: dependency libraries sent to sccache" "$text_deps_cached" "$normal_deps"
check_eq "text: dependency compiles that skipped sccache" \
  "$(awk -F'\t' "$dep_crate"' && $1 != "cache"' "$E2E_DIR/text.table" | wc -l)" 0
check_eq "text: sccache hits + misses = dependency libraries sent to it" \
  "$(( text_new_hits + text_new_misses ))" "$text_deps_cached"
note "FIGURE: after a normal cargo test through the shim, cargo llvm-cov's dependency compiles: $text_new_hits sccache hits, $text_new_misses misses (of $text_deps_cached; sccache $E2E_SCCACHE_VERSION)"
# cargo-llvm-cov asks `rustc -C help` on each run (and report). No rule of the
# shim calls that a probe, so it goes to sccache, which runs it as a
# non-cacheable call: harmless, and counted among the requests above.
note "text: 'cache:' lines that compile no crate: $(awk -F'\t' '$1 == "cache" && $2 == "-"' "$E2E_DIR/text.table" | wc -l) ($(grep -o 'argv: [^ ]* [^ ]* -C help$' "$E2E_DIR/text.log" | wc -l) of them \`rustc -C help\`)"
same_summary base-text text
report_table "$E2E_DIR/text.out" >"$E2E_DIR/text.table.txt"
cmp -s "$E2E_DIR/base-text.table" "$E2E_DIR/text.table.txt" \
  || fail "text report tables differ: $(diff "$E2E_DIR/base-text.table" "$E2E_DIR/text.table.txt" | tr '\n' '|')"
note "ok: text report table = the baseline's"

# Why the dependencies of that run hit: their arguments are the normal
# build's but for the output directories (which sccache leaves out of its
# key), and cargo-llvm-cov adds to their environment CARGO_LLVM_COV=1,
# LLVM_PROFILE_FILE, RUSTC_WRAPPER and __CARGO_LLVM_COV_* variables. sccache
# hashes CARGO_* variables, but rustc-shim leaves CARGO_LLVM_COV out of its
# environment (test_coverage_cache.sh has the whole story). A normal build with
# CARGO_LLVM_COV=1 alone added, into a target directory of its own, hits the
# same entries. (--target-dir rather than CARGO_TARGET_DIR, a CARGO_* variable itself.)
SHIM_LOG=debug:$E2E_DIR/envcheck.log CARGO_LLVM_COV=1 \
  cargo test --no-run --target-dir "$E2E_DIR/target-envcheck" >"$E2E_DIR/envcheck.out" 2>&1 \
  || fail "cargo test --no-run with CARGO_LLVM_COV=1 failed: $(tail -n 30 "$E2E_DIR/envcheck.out")"
stats_snapshot envcheck
check_eq "normal cargo test with CARGO_LLVM_COV=1: dependency libraries sent to sccache" \
  "$(cov_table "$E2E_DIR/envcheck.log" | awk -F'\t' "$dep_crate"' && $1 == "cache" && $3 ~ /^r?lib$/' | wc -l)" "$normal_deps"
check_eq "normal cargo test with CARGO_LLVM_COV=1: sccache hits" "$(( envcheck_hits - text_hits ))" "$normal_deps"
check_eq "text: dependency compiles that missed the normal build's entries" "$text_new_misses" 0

# The runs below reuse the dependencies built above (through the shim, since
# the clean); each run of cargo-llvm-cov cleans and recompiles the workspace's
# own crates, instrumented, so each one's routes are checked anew.
cov lcov --lcov --output-path "$E2E_DIR/shim.lcov"
summary lcov
stats_snapshot lcov
routing lcov envcheck lcov
same_summary base-lcov lcov
cmp -s "$E2E_DIR/base.lcov" "$E2E_DIR/shim.lcov" \
  || fail "lcov files differ: $(diff "$E2E_DIR/base.lcov" "$E2E_DIR/shim.lcov" | head -n 20 | tr '\n' '|')"
note "ok: lcov file = the baseline's, byte for byte ($(wc -l <"$E2E_DIR/shim.lcov") lines)"
check_grade_lcov "$E2E_DIR/shim.lcov" "cargo llvm-cov --lcov" "$GRADE_LINES_HIT_LLVM_COV"

cov html --html
summary html
stats_snapshot html
routing html lcov html
same_summary base-html html
html_index >"$E2E_DIR/html.index"
cmp -s "$E2E_DIR/base-html.index" "$E2E_DIR/html.index" \
  || fail "html indexes differ: $(diff "$E2E_DIR/base-html.index" "$E2E_DIR/html.index" | head -n 20 | tr '\n' '|')"
note "ok: html index = the baseline's but for its date"

cov workspace --workspace
summary workspace --workspace
stats_snapshot workspace
routing workspace html workspace
same_summary base-workspace workspace

cov core -p shimfix-core
summary core -p shimfix-core
stats_snapshot core
routing core workspace core
same_summary base-core core
check_eq "core: files reported (shimfix-cli's left out)" \
  "$(grep -c '^shimfix-cli/' "$E2E_DIR/core.summary" || true)" 0

# Step 6: the clean empties target/llvm-cov-target, and the run after it
# builds everything again. Its dependencies go to sccache, which the first
# cargo-llvm-cov run above filled with the same compiles: all hit.
cov clean-2 clean
cov_target_gone "cargo llvm-cov clean"
stats_snapshot clean
cov norep --no-report
stats_snapshot norep
routing norep clean norep
check_ge "norep: instrumented compiles after the clean" "$norep_cov" 4
check_eq "norep: dependency libraries sent to sccache after the clean" "$norep_deps_cached" "$normal_deps"
check_eq "norep: sccache hits (the cache of the first cargo llvm-cov run)" "$norep_new_hits" "$norep_deps_cached"
check_eq "norep: sccache misses" "$norep_new_misses" 0
[[ -z $(report_table "$E2E_DIR/norep.out") ]] || fail "norep: --no-report printed a report"
shopt -s nullglob
profiles=("$COV_TARGET"/*.profraw)
shopt -u nullglob
check_ge "norep: profiles left for the report" "${#profiles[@]}" 3
cov report report
summary report
stats_snapshot report
routing report norep report
report_table "$E2E_DIR/report.out" >"$E2E_DIR/report.table.txt"
cmp -s "$E2E_DIR/base-text.table" "$E2E_DIR/report.table.txt" \
  || fail "cargo llvm-cov report's table differs from the baseline's text report"
note "ok: cargo llvm-cov report after --no-report: its table = the baseline's text report"
same_summary base-norep report

cov nextest nextest
summary nextest
stats_snapshot nextest
routing nextest report nextest
same_summary base-nextest nextest

# Step 9: --no-rustc-wrapper, cargo-llvm-cov's older way: the flags come
# through RUSTFLAGS for every crate, so the dependencies are instrumented too
# and nothing of the build reaches sccache. Its baseline runs after it (a
# clean between), as each needs a build of its own.
cov nowrap --no-rustc-wrapper
summary nowrap
stats_snapshot nowrap
routing nowrap nextest nowrap
check_ge "nowrap: instrumented compiles (dependencies too)" "$nowrap_cov" "$(( normal_deps + 4 ))"
check_eq "nowrap: dependency libraries sent to sccache" "$nowrap_deps_cached" 0
cov clean-3 clean
cov_target_gone "cargo llvm-cov clean after --no-rustc-wrapper"
cov base-nowrap --no-rustc-wrapper
summary base-nowrap
[[ ! -e $BASE_SHIM_LOG ]] || fail "the shim ran in the --no-rustc-wrapper baseline: $(head -n 5 "$BASE_SHIM_LOG")"
same_summary base-nowrap nowrap

# sccache's own debug log, where the version writes the arguments of what it
# was asked to compile: none of the workspace's crates and no instrumented
# compile ever reached it.
server_log=$E2E_DIR/sccache-server.log
if grep -q '"memchr"' "$server_log"; then
  check_eq "sccache's log: lines naming a workspace crate or -C instrument-coverage" \
    "$(grep -c -E 'shimfix|instrument-coverage' "$server_log" || true)" 0
else
  note "sccache $E2E_SCCACHE_VERSION's log names no arguments (no \"memchr\"): the stats above are the evidence"
fi

note "FIGURES: sccache $E2E_SCCACHE_VERSION: cargo llvm-cov after a normal cargo test: $text_new_hits hits, $text_new_misses misses of $text_deps_cached dependency libraries; after cargo llvm-cov clean: $norep_new_hits hits, $norep_new_misses misses"
e2e_pass
