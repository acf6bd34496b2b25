#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# (b) A coverage run (`RUSTFLAGS="-C instrument-coverage" cargo test`) with the
# same config as a normal build: every compile goes straight to rustc, sccache
# sees none of them, the tests write profiles, and llvm-19's tools give the
# exact line counts of the fixture's grade(). Usage: test_coverage_llvm_cov.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need_profiler_runtime
need "$LLVM_BIN/llvm-profdata" "$LLVM_BIN/llvm-cov" "$LLVM_BIN/llvm-readelf"
e2e_start_sccache

# A normal build first, so that we know this config does reach sccache.
SECONDS=0
SHIM_LOG=debug:$E2E_DIR/normal.log cargo build >"$E2E_DIR/normal.out" 2>&1 \
  || fail "cargo build failed: $(tail -n 30 "$E2E_DIR/normal.out")"
note "normal build: ${SECONDS}s"
stats_snapshot normal
check_ge "normal build: compile requests" "$normal_requests" 1

# The coverage run, grcov's recipe, nothing else changed.
export RUSTFLAGS="-C instrument-coverage"
export LLVM_PROFILE_FILE="$E2E_DIR/profiles/shimfix-%p-%m.profraw"
mkdir -p "$E2E_DIR/profiles"
SECONDS=0
SHIM_LOG=debug:$E2E_DIR/coverage.log cargo test --no-run --message-format=json-render-diagnostics \
  >"$E2E_DIR/coverage.json" 2>"$E2E_DIR/coverage-build.err" \
  || fail "coverage build failed: $(tail -n 30 "$E2E_DIR/coverage-build.err")"
SHIM_LOG=debug:$E2E_DIR/coverage.log cargo test >"$E2E_DIR/coverage-test.out" 2>&1 \
  || fail "cargo test under coverage failed: $(tail -n 30 "$E2E_DIR/coverage-test.out")"
note "coverage build and test run: ${SECONDS}s"
unset RUSTFLAGS LLVM_PROFILE_FILE
stats_snapshot coverage

check_eq "coverage run: sccache compile requests (before, after)" \
  "$normal_requests -> $coverage_requests" "$normal_requests -> $normal_requests"

note "coverage run: shim log, by route and reason:"
log_summary "$E2E_DIR/coverage.log" | sed 's/^/    /'
artifacts "$E2E_DIR/coverage.json" >"$E2E_DIR/coverage.units"
check_eq "coverage run: 'cache:' lines in the shim log" \
  "$(shim_log_table "$E2E_DIR/coverage.log" | awk -F'\t' '$1 == "cache"' | wc -l)" 0
cov_lines=$(shim_log_table "$E2E_DIR/coverage.log" \
  | awk -F'\t' '$1 == "direct" && index($4, "-C instrument-coverage at argument") == 1' | wc -l)
units=$(wc -l <"$E2E_DIR/coverage.units")
check_ge "coverage run: 'direct: -C instrument-coverage' lines (units compiled: $units)" "$cov_lines" "$units"
for where_kind in "dep lib" "dep custom-build" "local lib" "local test"; do
  # shellcheck disable=SC2086
  n=$(check_routes "$E2E_DIR/coverage.log" "$E2E_DIR/coverage.units" direct "-C instrument-coverage" $where_kind)
  check_ge "coverage run: $where_kind units routed 'direct: -C instrument-coverage'" "$n" 1
done

# rustc itself says the dependencies were built instrumented (not taken from
# the cache of the normal build).
regex_rlib=$(artifact_files "$E2E_DIR/coverage.json" regex | grep '\.rlib$' || true)
[[ -f "$regex_rlib" ]] || fail "the coverage run built no regex rlib (got '$regex_rlib')"
"$LLVM_BIN/llvm-readelf" -S "$regex_rlib" >"$E2E_DIR/regex-sections.txt" 2>&1 \
  || fail "llvm-readelf -S $regex_rlib failed"
grep -q '__llvm_covfun' "$E2E_DIR/regex-sections.txt" \
  || fail "$regex_rlib has no __llvm_covfun section: not instrumented"
note "ok: $(basename "$regex_rlib") carries __llvm_covfun"

shopt -s nullglob
profiles=("$E2E_DIR"/profiles/*.profraw)
shopt -u nullglob
mapfile -t tests < <(test_executables "$E2E_DIR/coverage.json")
check_ge "profraw files written" "${#profiles[@]}" "${#tests[@]}"
check_eq "test executables" "${#tests[@]}" 3

"$LLVM_BIN/llvm-profdata" merge -sparse "${profiles[@]}" -o "$E2E_DIR/merged.profdata" \
  || fail "llvm-profdata merge failed"
mapfile -t objects < <(llvm_cov_objects "${tests[@]}")

"$LLVM_BIN/llvm-cov" report --instr-profile "$E2E_DIR/merged.profdata" "${objects[@]}" "$WS/$GRADE_RS" \
  >"$E2E_DIR/report.txt" || fail "llvm-cov report failed"
sed 's/^/    /' "$E2E_DIR/report.txt"
# TOTAL  Regions Missed Cover  Functions Missed Executed  Lines Missed Cover ...
read -r _ _ _ _ functions missed_functions _ lines missed_lines _ < <(grep '^TOTAL' "$E2E_DIR/report.txt")
check_eq "llvm-cov report: grade.rs functions (missed)" "$functions ($missed_functions)" "1 (0)"
check_eq "llvm-cov report: grade.rs lines (missed)" "$lines ($missed_lines)" \
  "$GRADE_LINES_FOUND ($(( GRADE_LINES_FOUND - GRADE_LINES_HIT_LLVM_COV )))"

"$LLVM_BIN/llvm-cov" export --format=lcov --instr-profile "$E2E_DIR/merged.profdata" "${objects[@]}" \
  "$WS/$GRADE_RS" >"$E2E_DIR/llvm-cov.lcov" || fail "llvm-cov export failed"
check_grade_lcov "$E2E_DIR/llvm-cov.lcov" "llvm-cov export" "$GRADE_LINES_HIT_LLVM_COV"

# Executions of grade() over both instantiations: 3 from the unit tests, 1 from the integration test.
calls=$(awk -F'[:,]' '/^FNDA:/ && $3 ~ /12shimfix_core5grade5grade$/ { n += $2 } END { print n + 0 }' "$E2E_DIR/llvm-cov.lcov")
check_eq "llvm-cov export: calls of grade()" "$calls" 4

e2e_pass
