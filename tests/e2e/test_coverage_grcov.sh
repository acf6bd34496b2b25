#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# (c) The coverage run of grcov's recipe, through rustc-shim, read by Debian's
# grcov: nothing goes to sccache, and the lcov file has the expected hit count
# on each line of the fixture's grade(). Usage: test_coverage_grcov.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need_profiler_runtime
need grcov "$LLVM_BIN/llvm-profdata" "$LLVM_BIN/llvm-cov"
e2e_start_sccache

# grcov's recipe. LLVM_PROFILE_FILE is absolute: with a relative one, the
# instrumented build scripts of the dependencies, which cargo runs in their
# source directories, would write profiles into /usr/share/cargo/registry.
export RUSTFLAGS="-Cinstrument-coverage"
export LLVM_PROFILE_FILE="$WS/profiles/shimfix-%p-%m.profraw"
SECONDS=0
SHIM_LOG=debug:$E2E_DIR/coverage.log cargo test >"$E2E_DIR/coverage-test.out" 2>&1 \
  || fail "cargo test under coverage failed: $(tail -n 30 "$E2E_DIR/coverage-test.out")"
note "coverage build and test run: ${SECONDS}s"
unset RUSTFLAGS LLVM_PROFILE_FILE
check_contains "unit tests ran" "$E2E_DIR/coverage-test.out" "test result: ok. 3 passed"
check_contains "integration tests ran" "$E2E_DIR/coverage-test.out" "test result: ok. 2 passed"

stats_snapshot coverage
check_eq "coverage run: sccache compile requests" "$coverage_requests" 0
note "coverage run: shim log, by route and reason:"
log_summary "$E2E_DIR/coverage.log" | sed 's/^/    /'
check_eq "coverage run: 'cache:' lines in the shim log" \
  "$(shim_log_table "$E2E_DIR/coverage.log" | awk -F'\t' '$1 == "cache"' | wc -l)" 0
check_ge "coverage run: 'direct: -C instrument-coverage' lines" \
  "$(shim_log_table "$E2E_DIR/coverage.log" | awk -F'\t' '$1 == "direct" && index($4, "-Cinstrument-coverage at argument") == 1' | wc -l)" 10

# Debian's grcov 0.8.12 has no --llvm-path: it runs llvm-profdata and llvm-cov
# from `$RUSTC --print sysroot`/lib/rustlib/HOST/bin, where rustup's
# llvm-tools component would put them (rustup cannot fetch it here). A RUSTC
# for grcov alone answers that question with a directory of links to llvm-19.
host=$(rustc -vV | sed -n 's/^host: //p')
tools=$E2E_DIR/llvm-sysroot/lib/rustlib/$host/bin
mkdir -p "$tools"
ln -s "$LLVM_BIN/llvm-profdata" "$tools/llvm-profdata"
ln -s "$LLVM_BIN/llvm-cov" "$tools/llvm-cov"
cat >"$E2E_DIR/grcov-rustc" <<EOF2
#!/bin/sh
if [ "\$*" = "--print sysroot" ]; then echo "$E2E_DIR/llvm-sysroot"; exit 0; fi
exec rustc "\$@"
EOF2
chmod +x "$E2E_DIR/grcov-rustc"

SECONDS=0
RUSTC=$E2E_DIR/grcov-rustc grcov . --binary-path "$CARGO_TARGET_DIR/debug/deps" -s . -t lcov \
  -o "$E2E_DIR/lcov.info" >"$E2E_DIR/grcov.out" 2>&1 \
  || fail "grcov failed: $(tail -n 30 "$E2E_DIR/grcov.out")"
note "grcov: ${SECONDS}s, $(grep -c '^SF:' "$E2E_DIR/lcov.info") source files"
check_grade_lcov "$E2E_DIR/lcov.info" "grcov lcov" "$GRADE_LINES_HIT"

e2e_pass
