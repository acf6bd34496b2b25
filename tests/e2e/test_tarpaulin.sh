#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# Real cargo-tarpaulin (tools/versions.sh) on the fixture workspace with
# rustc-shim in .cargo/config.toml, each engine compared with the same command
# run with no wrapper at all (RUSTC_WRAPPER='', and the shim's log proves it
# did not run):
#   - `--engine llvm` puts -Cinstrument-coverage into RUSTFLAGS: every compile
#     goes straight to rustc ('direct: -Cinstrument-coverage'), sccache sees
#     none of them, and the coverage figures (per file: covered and coverable
#     lines, and each line's count) are the same as without the wrapper;
#   - the default engine on Linux (ptrace) adds no instrumentation, only
#     -Cdebuginfo=2 -Cstrip=none --cfg=tarpaulin -Clink-dead-code: those
#     compiles go to sccache like any other (the workspace's own ones direct
#     while they are incremental), and the figures are again the same, also when
#     the dependencies and the workspace's lib come out of sccache.
# Usage: test_tarpaulin.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need_profiler_runtime
TARPAULIN=$(tool_bin cargo-tarpaulin "$CARGO_TARPAULIN_VERSION")
need "$TARPAULIN"
export PATH="${TARPAULIN%/cargo-tarpaulin}:$PATH"
version=$(cargo tarpaulin --version | awk '{print $NF}')
[[ $version == "$CARGO_TARPAULIN_VERSION" ]] || fail "cargo tarpaulin is $version, not $CARGO_TARPAULIN_VERSION"
e2e_start_sccache

# tarp NAME WRAPPER [ARG...]: cargo tarpaulin ARGS with the shim (WRAPPER=shim)
# or with no wrapper (WRAPPER=none), after `cargo clean` so that every run
# compiles everything. (Not in a target folder of its own: sccache hashes every
# CARGO_* variable of the environment, CARGO_TARGET_DIR among them, so a run
# with another CARGO_TARGET_DIR would never hit.) Its json report goes to
# NAME/, the per-file figures to NAME.files, each line's count to NAME.lines
# and whether it ran at all to NAME.hit.
tarp() {
  local name=$1 wrapper=$2
  shift 2
  local -a env=(SHIM_LOG="debug:$E2E_DIR/$name.log")
  cargo clean 2>"$E2E_DIR/$name.clean.err" || fail "cargo clean before $name failed: $(cat "$E2E_DIR/$name.clean.err")"
  [[ $wrapper == none ]] && env+=(RUSTC_WRAPPER=)
  SECONDS=0
  env "${env[@]}" cargo tarpaulin "$@" --out json --output-dir "$E2E_DIR/$name" \
    >"$E2E_DIR/$name.out" 2>&1 || fail "$name: cargo tarpaulin $* failed: $(tail -n 30 "$E2E_DIR/$name.out")"
  note "$name (cargo tarpaulin $*, wrapper: $wrapper): ${SECONDS}s"
  python3 - "$E2E_DIR/$name/tarpaulin-report.json" "$WS" "$E2E_DIR/$name" <<'EOF'
import json, os, sys
report, root, out = sys.argv[1], sys.argv[2], sys.argv[3]
files = json.load(open(report))["files"]
with open(out + ".files", "w") as f, open(out + ".lines", "w") as l, open(out + ".hit", "w") as h:
    for entry in sorted(files, key=lambda e: e["path"]):
        path = os.path.relpath(os.path.join(*entry["path"]), root)
        f.write(f'{path} {entry["covered"]}/{entry["coverable"]}\n')
        for trace in entry["traces"]:
            count = trace["stats"]["Line"]
            l.write(f'{path}:{trace["line"]} {count}\n')
            h.write(f'{path}:{trace["line"]} {int(count > 0)}\n')
EOF
  sed 's/^/    /' "$E2E_DIR/$name.files"
}

# same_figures A B WHAT: two runs found the same per-file figures, and per
# line the same WHAT: "lines" (each line's count) or "hit" (covered or not).
same_figures() {
  check_eq "$2 vs $1: covered/coverable lines per file" \
    "$(tr '\n' ' ' <"$E2E_DIR/$2.files")" "$(tr '\n' ' ' <"$E2E_DIR/$1.files")"
  diff "$E2E_DIR/$1.$3" "$E2E_DIR/$2.$3" >"$E2E_DIR/$2.$3.diff" \
    || fail "$2 vs $1: per line ($3) they differ: $(head -n 20 "$E2E_DIR/$2.$3.diff")"
  note "ok: $2 vs $1: the same per line ($3) on each of $(wc -l <"$E2E_DIR/$1.$3") lines"
  check_contains "$2: grade.rs in the report" "$E2E_DIR/$2.files" "$GRADE_RS "
}

# no_shim NAME: the run had no wrapper: the shim never started (it would have
# written its log), and sccache got nothing.
no_shim() {
  [[ ! -s $E2E_DIR/$1.log ]] || fail "$1: the shim ran although RUSTC_WRAPPER was empty: $(head -n 3 "$E2E_DIR/$1.log")"
  note "ok: $1: no shim log"
}

# engine NAME ENGINE: tarpaulin's own log says which engine ran the tests
# (ptrace: process_handling::linux launches them; llvm: the instrumented state machine).
engine() {
  local pattern
  case $2 in
    ptrace) pattern='process_handling::linux.*Launching test' ;;
    llvm) pattern='statemachine::instrumented' ;;
  esac
  grep -q "$pattern" "$E2E_DIR/$1.out" || fail "$1: the $2 engine did not run the tests (no '$pattern' in $1.out)"
  note "ok: $1: the $2 engine ran the tests"
}

# awk conditions on shim_log_table's crate column, for awk to expand.
# shellcheck disable=SC2016
local_crate='$3 ~ /^(shimfix_|integration$)/'
# shellcheck disable=SC2016
compiles='$3 != "-" && $3 != "___"'

stats_snapshot start

# --- the LLVM engine ----------------------------------------------------------
tarp llvm_none none --engine llvm
no_shim llvm_none
engine llvm_none llvm
tarp llvm_shim shim --engine llvm
engine llvm_shim llvm
stats_snapshot llvm
note "llvm_shim: shim log, by route and reason:"
log_summary "$E2E_DIR/llvm_shim.log" | sed 's/^/    /'
same_figures llvm_none llvm_shim lines
check_eq "llvm engine: compiles not routed 'direct: -Cinstrument-coverage'" \
  "$(shim_log_table "$E2E_DIR/llvm_shim.log" | awk -F'\t' "$compiles"' && !($1 == "direct" && index($4, "-Cinstrument-coverage at argument") == 1)' | wc -l)" 0
check_ge "llvm engine: compiles routed 'direct: -Cinstrument-coverage'" \
  "$(shim_log_table "$E2E_DIR/llvm_shim.log" | awk -F'\t' "$compiles" | wc -l)" 15
check_ge "llvm engine: workspace compiles among them" \
  "$(shim_log_table "$E2E_DIR/llvm_shim.log" | awk -F'\t' "$local_crate" | wc -l)" 3
check_eq "llvm engine: 'cache:' lines" "$(shim_log_table "$E2E_DIR/llvm_shim.log" | awk -F'\t' '$1 == "cache"' | wc -l)" 0
check_eq "llvm engine: sccache compile requests (before, after both runs)" \
  "$start_requests -> $llvm_requests" "$start_requests -> $start_requests"

# --- the default engine (ptrace on Linux) ---------------------------------------
tarp ptrace_none none
no_shim ptrace_none
engine ptrace_none ptrace
stats_snapshot ptrace_none
check_eq "ptrace engine, no wrapper: sccache compile requests (before, after)" \
  "$llvm_requests -> $ptrace_none_requests" "$llvm_requests -> $llvm_requests"

# What the default engine asks of rustc: the flags it appends to every compile,
# and no instrumentation. Its coverage comes from breakpoints on the test
# binary's DWARF line table, which these flags keep whole; an object that sccache
# returns for the same arguments is what rustc would have written, so caching
# these compiles is right, and the shim sends them to sccache.
# The ptrace engine's counts are not exact, and not the same from one run to
# the next: three runs of the same test binaries, no wrapper involved, counted
# lib.rs:17 8, 11 and 8 times, lib.rs:21 1, 2 and 2 times (tarpaulin counts
# breakpoint traps while the test threads run in parallel). So its runs are
# compared by which lines ran, not how often.
tarp ptrace_shim shim
engine ptrace_shim ptrace
stats_snapshot ptrace_shim
note "ptrace_shim: shim log, by route and reason:"
log_summary "$E2E_DIR/ptrace_shim.log" | sed 's/^/    /'
grep 'debug: argv: ' "$E2E_DIR/ptrace_shim.log" | grep -e '--crate-name regex ' | head -n 1 \
  | grep -oE -- ' -Cdebuginfo=2 -Cstrip=none --cfg=tarpaulin -Clink-dead-code$' >"$E2E_DIR/ptrace-flags.txt" \
  || fail "ptrace engine: regex not compiled with tarpaulin's flags at the end: $(grep -e '--crate-name regex ' "$E2E_DIR/ptrace_shim.log" | head -n 1)"
note "ok: ptrace engine: tarpaulin appends$(cat "$E2E_DIR/ptrace-flags.txt")"
check_eq "ptrace engine: compiles with an instrumentation flag" \
  "$(grep -c 'argv: .*\(instrument-coverage\|profile-generate\)' "$E2E_DIR/ptrace_shim.log" || true)" 0
same_figures ptrace_none ptrace_shim hit
# The dependencies' lib crates: what sccache can cache (build scripts and
# anyhow's feature probe it cannot).
deps=$(grep 'debug: argv: ' "$E2E_DIR/ptrace_shim.log" | grep -oE -- '--crate-name [A-Za-z0-9_]+ .*--crate-type lib( |$)' \
  | awk '$2 !~ /^shimfix_/ { print $2 }' | sort -u | wc -l)
check_ge "ptrace engine: dependency lib crates compiled" "$deps" 3
check_eq "ptrace engine: dependency compiles not on the cache route" \
  "$(shim_log_table "$E2E_DIR/ptrace_shim.log" | awk -F'\t' "$compiles"' && !('"$local_crate"') && $1 != "cache"' | wc -l)" 0
# The workspace's crates are incremental in the dev profile: direct.
check_eq "ptrace engine: workspace compiles not 'direct: -C incremental=...'" \
  "$(shim_log_table "$E2E_DIR/ptrace_shim.log" | awk -F'\t' "$local_crate"' && !($1 == "direct" && index($4, "-C incremental=") == 1)' | wc -l)" 0
check_eq "ptrace engine: sccache compile requests = 'cache:' lines" \
  "$(( ptrace_shim_requests - ptrace_none_requests ))" \
  "$(shim_log_table "$E2E_DIR/ptrace_shim.log" | awk -F'\t' '$1 == "cache"' | wc -l)"
check_ge "ptrace engine: cache misses (a new cache)" "$(( ptrace_shim_misses - ptrace_none_misses ))" "$deps"

# Again after a clean, not incremental: the dependencies now come out
# of sccache (hits), the workspace's lib and test crates go through it too, and
# tarpaulin still finds every line it found without the wrapper.
CARGO_INCREMENTAL=0 tarp ptrace_cached shim
engine ptrace_cached ptrace
stats_snapshot ptrace_cached
note "ptrace_cached: shim log, by route and reason:"
log_summary "$E2E_DIR/ptrace_cached.log" | sed 's/^/    /'
same_figures ptrace_none ptrace_cached hit
check_eq "ptrace engine, again: compiles not on the cache route" \
  "$(shim_log_table "$E2E_DIR/ptrace_cached.log" | awk -F'\t' "$compiles"' && $1 != "cache"' | wc -l)" 0
check_ge "ptrace engine, again: workspace compiles on the cache route" \
  "$(shim_log_table "$E2E_DIR/ptrace_cached.log" | awk -F'\t' "$local_crate"' && $1 == "cache"' | wc -l)" 3
check_eq "ptrace engine, again: sccache compile requests = 'cache:' lines" \
  "$(( ptrace_cached_requests - ptrace_shim_requests ))" \
  "$(shim_log_table "$E2E_DIR/ptrace_cached.log" | awk -F'\t' '$1 == "cache"' | wc -l)"
check_ge "ptrace engine, again: cache hits" "$(( ptrace_cached_hits - ptrace_shim_hits ))" "$deps"
# The one cacheable compile not seen before: the workspace's lib, which the
# incremental run compiled directly (test and bin crates sccache does not cache).
check_eq "ptrace engine, again: cache misses" "$(( ptrace_cached_misses - ptrace_shim_misses ))" \
  "$(grep -c 'argv: .*--crate-name shimfix_core .*--crate-type lib' "$E2E_DIR/ptrace_cached.log" || true)"

e2e_pass
