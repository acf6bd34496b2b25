#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# A coverage run reuses the normal build's cache: after `cargo test` through
# rustc-shim, every dependency compile of `cargo llvm-cov` (the real
# cargo-llvm-cov) is an sccache hit, although cargo-llvm-cov puts
# CARGO_LLVM_COV=1 in every compile's environment and sccache hashes CARGO_*
# variables: the shim leaves it out of sccache's environment. Nothing a
# compile produces changes:
#   - readcov, a dependency whose library is option_env!("CARGO_LLVM_COV"),
#     sees None in the normal run and Some("1") in the coverage run, as it
#     does with no wrapper at all; its compile runs again directly, with the
#     variable, once its dep-info shows the read: after a cache hit (the
#     dep-info sccache restores, or from 0.19 writes from its own
#     --emit=dep-info run) and, at the end, after a miss (readcov changed);
#   - the lcov report equals, byte for byte, the one of a run with
#     SHIM_KEEP_MARKERS=1 (the markers kept in sccache's key, every dependency
#     compiled anew).
# Usage: test_coverage_cache.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need_profiler_runtime
need "$LLVM_BIN/llvm-profdata" "$LLVM_BIN/llvm-cov"
COV_TOOL=$(tool_bin cargo-llvm-cov "$CARGO_LLVM_COV_VERSION")
need "$COV_TOOL"
PATH="$(dirname "$COV_TOOL"):$PATH"
export LLVM_COV=$LLVM_BIN/llvm-cov LLVM_PROFDATA=$LLVM_BIN/llvm-profdata
unset CARGO_TARGET_DIR  # cargo-llvm-cov's default target/llvm-cov-target, as users have it
e2e_start_sccache

# readcov: a git dependency (a local repository), read by a test of
# shimfix-core that writes what it saw. Not a path dependency: cargo compiles
# those incrementally, and rustc-shim sends incremental compiles to rustc.
need git
mkdir -p "$E2E_DIR/readcov/src" "$WS/shimfix-core/tests"
printf '[package]\nname = "readcov"\nversion = "0.1.0"\nedition = "2021"\n' >"$E2E_DIR/readcov/Cargo.toml"
printf 'pub fn cov() -> Option<&%sstatic str> { option_env!("CARGO_LLVM_COV") }\n' "'" \
  >"$E2E_DIR/readcov/src/lib.rs"
git -C "$E2E_DIR/readcov" init -q
git -C "$E2E_DIR/readcov" add -A
git -C "$E2E_DIR/readcov" -c user.name=t -c user.email=t@localhost commit -qm readcov
printf '\n[dev-dependencies]\nreadcov = { git = "file://%s" }\n' "$E2E_DIR/readcov" >>"$WS/shimfix-core/Cargo.toml"
# The CARGO_HOME of lib.sh is offline; a file:// repository needs no network.
export CARGO_NET_OFFLINE=false
cat >"$WS/shimfix-core/tests/markers.rs" <<'EOF_RS'
#[test]
fn markers() {
    let out = std::env::var("READCOV_OUT").expect("READCOV_OUT");
    std::fs::write(out, format!("{:?}", readcov::cov())).unwrap();
}
EOF_RS

# dep_libs LOG: the dependency libraries (not the workspace's, not build
# scripts or probes) that a SHIM_LOG sent to sccache.
dep_libs() {
  shim_log_table "$1" | awk -F'\t' '$1 == "cache" && $3 != "shimfix_core" && $3 != "shimfix_cli" \
    && $5 ~ /^r?lib$/ && $7 == "cargo"' | wc -l
}

SHIM_LOG=debug:$E2E_DIR/normal.log READCOV_OUT=$E2E_DIR/normal.readcov cargo test \
  >"$E2E_DIR/normal.out" 2>&1 || fail "cargo test failed: $(tail -n 30 "$E2E_DIR/normal.out")"
check_eq "normal cargo test: readcov saw" "$(cat "$E2E_DIR/normal.readcov")" "None"
normal_deps=$(dep_libs "$E2E_DIR/normal.log")
check_ge "normal cargo test: dependency libraries sent to sccache" "$normal_deps" 10
stats_snapshot normal

SECONDS=0
SHIM_LOG=debug:$E2E_DIR/cov.log READCOV_OUT=$E2E_DIR/cov.readcov \
  cargo llvm-cov --lcov --output-path "$E2E_DIR/cov.lcov" >"$E2E_DIR/cov.out" 2>&1 \
  || fail "cargo llvm-cov failed: $(tail -n 30 "$E2E_DIR/cov.out")"
cov_seconds=$SECONDS
stats_snapshot cov
cov_deps=$(dep_libs "$E2E_DIR/cov.log")
hits=$(( cov_hits - normal_hits )) misses=$(( cov_misses - normal_misses ))
check_eq "cargo llvm-cov: dependency libraries sent to sccache" "$cov_deps" "$normal_deps"
check_eq "cargo llvm-cov: sccache hits (every dependency library)" "$hits" "$cov_deps"
check_eq "cargo llvm-cov: sccache misses" "$misses" 0
check_eq "cargo llvm-cov: readcov saw, as with no wrapper" "$(cat "$E2E_DIR/cov.readcov")" 'Some("1")'
check_eq "cargo llvm-cov: compiles run again directly (readcov's)" \
  "$(grep -c 'info: compiled again directly: ' "$E2E_DIR/cov.log" || true)" 1
check_contains "cargo llvm-cov: readcov is the one" "$E2E_DIR/cov.log" \
  "compiled again directly: its dep-info $E2E_DIR/ws/target/llvm-cov-target/debug/deps/readcov-"
note "FIGURE: sccache $E2E_SCCACHE_VERSION, cargo llvm-cov after a normal cargo test through rustc-shim: $hits of $cov_deps dependency libraries hit, $misses missed (${cov_seconds}s)"

# The markers kept in sccache's key: after `cargo llvm-cov clean` (which
# empties llvm-cov-target), every dependency compiles anew, and the report is
# the same, byte for byte.
cargo llvm-cov clean >"$E2E_DIR/clean.out" 2>&1 || fail "cargo llvm-cov clean failed: $(cat "$E2E_DIR/clean.out")"
stats_snapshot before_keep
SHIM_KEEP_MARKERS=1 SHIM_LOG=debug:$E2E_DIR/keep.log READCOV_OUT=$E2E_DIR/keep.readcov \
  cargo llvm-cov --lcov --output-path "$E2E_DIR/keep.lcov" >"$E2E_DIR/keep.out" 2>&1 \
  || fail "cargo llvm-cov (SHIM_KEEP_MARKERS=1) failed: $(tail -n 30 "$E2E_DIR/keep.out")"
stats_snapshot keep
check_eq "SHIM_KEEP_MARKERS=1: sccache hits" "$(( keep_hits - before_keep_hits ))" 0
check_eq "SHIM_KEEP_MARKERS=1: sccache misses (every dependency library)" \
  "$(( keep_misses - before_keep_misses ))" "$(dep_libs "$E2E_DIR/keep.log")"
check_eq "SHIM_KEEP_MARKERS=1: nothing compiled again" \
  "$(grep -c 'info: compiled again directly: ' "$E2E_DIR/keep.log" || true)" 0
check_eq "SHIM_KEEP_MARKERS=1: readcov saw" "$(cat "$E2E_DIR/keep.readcov")" 'Some("1")'
cmp "$E2E_DIR/cov.lcov" "$E2E_DIR/keep.lcov" \
  || fail "the lcov reports differ: $(diff "$E2E_DIR/cov.lcov" "$E2E_DIR/keep.lcov" | head -n 20 | tr '\n' '|')"
note "ok: the lcov report is byte for byte the one with the markers kept ($(grep -c '^SF:' "$E2E_DIR/cov.lcov") files)"

# readcov on a miss: a new commit of it (a comment more), the lock moved to it,
# and cargo llvm-cov once more with the markers left out. The other
# dependencies are fresh in llvm-cov-target, so readcov is the one compile
# that reaches sccache, and it misses; the dep-info it leaves (rustc's, or
# from 0.19 sccache's own) must still show the read.
printf '// a comment more\n' >>"$E2E_DIR/readcov/src/lib.rs"
git -C "$E2E_DIR/readcov" -c user.name=t -c user.email=t@localhost commit -qam 'readcov: a comment more'
cargo update -p readcov >"$E2E_DIR/update.out" 2>&1 || fail "cargo update -p readcov failed: $(tail -n 20 "$E2E_DIR/update.out")"
stats_snapshot before_miss
SHIM_LOG=debug:$E2E_DIR/miss.log READCOV_OUT=$E2E_DIR/miss.readcov \
  cargo llvm-cov --lcov --output-path "$E2E_DIR/miss.lcov" >"$E2E_DIR/miss.out" 2>&1 \
  || fail "cargo llvm-cov (readcov changed) failed: $(tail -n 30 "$E2E_DIR/miss.out")"
stats_snapshot miss
check_eq "readcov changed: dependency libraries sent to sccache" "$(dep_libs "$E2E_DIR/miss.log")" 1
check_eq "readcov changed: sccache misses (readcov)" "$(( miss_misses - before_miss_misses ))" 1
check_eq "readcov changed: sccache hits" "$(( miss_hits - before_miss_hits ))" 0
check_eq "readcov changed: readcov saw, as with no wrapper" "$(cat "$E2E_DIR/miss.readcov")" 'Some("1")'
check_eq "readcov changed: compiles run again directly (readcov's)" \
  "$(grep -c 'info: compiled again directly: ' "$E2E_DIR/miss.log" || true)" 1
check_contains "readcov changed: readcov is the one" "$E2E_DIR/miss.log" \
  "compiled again directly: its dep-info $E2E_DIR/ws/target/llvm-cov-target/debug/deps/readcov-"
cmp "$E2E_DIR/cov.lcov" "$E2E_DIR/miss.lcov" \
  || fail "readcov changed: the lcov reports differ: $(diff "$E2E_DIR/cov.lcov" "$E2E_DIR/miss.lcov" | head -n 20 | tr '\n' '|')"
note "FIGURE: sccache $E2E_SCCACHE_VERSION, readcov's dep-info records the read on a hit and on a miss: compiled again directly both times"

e2e_pass
