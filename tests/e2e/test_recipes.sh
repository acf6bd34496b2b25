#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# The coverage tools' own ways of asking for instrumentation, each on the
# fixture workspace with rustc-shim in .cargo/config.toml:
#   1. cargo-llvm-cov >= 0.7's protocol, reproduced by a small outer wrapper:
#      it becomes RUSTC_WRAPPER and calls the wrapper configured before it
#      (rustc-shim) as `rustc-shim $RUSTC ARGS... -C instrument-coverage
#      --cfg=coverage --cfg=coverage_nightly`, for workspace crates only.
#      Workspace crates are instrumented and routed direct; dependencies stay
#      on the cache and hit it.
#   2. CARGO_ENCODED_RUSTFLAGS (older cargo-llvm-cov, --no-rustc-wrapper):
#      every crate is instrumented and direct; sccache sees nothing.
#   3. A RUSTC_WORKSPACE_WRAPPER that adds the coverage flag itself runs
#      after rustc-shim, which cannot see the flag: SHIM_MODE=direct is the
#      recipe, and with it nothing reaches sccache.
# Usage: test_recipes.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need_profiler_runtime
LLVM_BIN=/usr/lib/llvm-19/bin
need "$LLVM_BIN/llvm-profdata" "$LLVM_BIN/llvm-cov"
e2e_start_sccache

# routes LOG WHERE-AWK: "ROUTE REASON" counts of the log lines for crates that
# the awk condition on the crate name ($3) selects.
routes() {
  shim_log_table "$1" | awk -F'\t' "$2"' { r = $4; sub(/ at argument .*/, "", r); sub(/=.*/, "=...", r); print $1 ": " r }' \
    | sort | uniq -c | sed 's/^ */    /'
}
local_crate='$3 ~ /^(shimfix_|integration$)/'
dep_crate='$3 !~ /^(shimfix_|integration$)/ && $3 != "-" && $3 != "___" && $3 !~ /^build_script_/'

# The dependencies go into the cache with a normal build first.
SHIM_LOG=debug:$E2E_DIR/normal.log cargo build --tests >"$E2E_DIR/normal.out" 2>&1 \
  || fail "normal build failed: $(tail -n 30 "$E2E_DIR/normal.out")"
cargo clean >/dev/null 2>&1
stats_snapshot normal

# --- 1. cargo-llvm-cov's wrapper protocol -------------------------------------
outer=$E2E_DIR/cargo-llvm-cov-wrapper
cat >"$outer" <<EOF_OUTER
#!/usr/bin/env bash
# What cargo-llvm-cov >= 0.7 does as RUSTC_WRAPPER: the coverage flags for the
# packages cargo builds as the workspace's own (CARGO_PRIMARY_PACKAGE), then
# the wrapper that was configured before it.
pre_existing="$SHIM"
if [[ -n "\${CARGO_PRIMARY_PACKAGE:-}" ]]; then
  exec "\$pre_existing" "\$@" -C instrument-coverage --cfg=coverage --cfg=coverage_nightly
fi
exec "\$pre_existing" "\$@"
EOF_OUTER
chmod +x "$outer"
mkdir -p "$E2E_DIR/profiles-llvm-cov"
RUSTC_WRAPPER=$outer LLVM_PROFILE_FILE="$E2E_DIR/profiles-llvm-cov/shimfix-%p-%m.profraw" \
  SHIM_LOG=debug:$E2E_DIR/llvm-cov.log cargo test --message-format=json-render-diagnostics \
  >"$E2E_DIR/llvm-cov.json" 2>"$E2E_DIR/llvm-cov.err" \
  || fail "cargo test through the cargo-llvm-cov protocol failed: $(tail -n 30 "$E2E_DIR/llvm-cov.err")"
stats_snapshot llvm_cov
note "cargo-llvm-cov protocol: workspace crates:"
routes "$E2E_DIR/llvm-cov.log" "$local_crate"
note "cargo-llvm-cov protocol: dependencies:"
routes "$E2E_DIR/llvm-cov.log" "$dep_crate"
check_eq "cargo-llvm-cov protocol: workspace crate compiles not routed 'direct: -C instrument-coverage'" \
  "$(shim_log_table "$E2E_DIR/llvm-cov.log" | awk -F'\t' "$local_crate"' && !($1 == "direct" && index($4, "-C instrument-coverage at argument") == 1)' | wc -l)" 0
check_ge "cargo-llvm-cov protocol: workspace crate compiles" \
  "$(shim_log_table "$E2E_DIR/llvm-cov.log" | awk -F'\t' "$local_crate" | wc -l)" 3
check_eq "cargo-llvm-cov protocol: dependency compiles not routed to the cache" \
  "$(shim_log_table "$E2E_DIR/llvm-cov.log" | awk -F'\t' "$dep_crate"' && $1 != "cache"' | wc -l)" 0
check_ge "cargo-llvm-cov protocol: dependency cache hits" "$(( llvm_cov_hits - normal_hits ))" 9
check_eq "cargo-llvm-cov protocol: dependency cache misses" "$(( llvm_cov_misses - normal_misses ))" 0

# The workspace's coverage is whole: grade()'s exact line counts.
shopt -s nullglob
profiles=("$E2E_DIR"/profiles-llvm-cov/*.profraw)
shopt -u nullglob
mapfile -t tests < <(test_executables "$E2E_DIR/llvm-cov.json")
(( ${#profiles[@]} > 0 && ${#tests[@]} > 0 )) || fail "cargo-llvm-cov protocol: no profiles or test executables"
"$LLVM_BIN/llvm-profdata" merge -sparse "${profiles[@]}" -o "$E2E_DIR/llvm-cov.profdata"
mapfile -t objects < <(llvm_cov_objects "${tests[@]}")
"$LLVM_BIN/llvm-cov" export --format=lcov --instr-profile "$E2E_DIR/llvm-cov.profdata" "${objects[@]}" \
  "$WS/$GRADE_RS" >"$E2E_DIR/llvm-cov.lcov" || fail "llvm-cov export failed"
check_grade_lcov "$E2E_DIR/llvm-cov.lcov" "cargo-llvm-cov protocol" "$GRADE_LINES_HIT_LLVM_COV"
cargo clean >/dev/null 2>&1

# --- 2. CARGO_ENCODED_RUSTFLAGS ------------------------------------------------
CARGO_ENCODED_RUSTFLAGS=$'-C\x1finstrument-coverage\x1f--cfg=coverage' \
  LLVM_PROFILE_FILE="$E2E_DIR/profiles-encoded/shimfix-%p-%m.profraw" \
  SHIM_LOG=debug:$E2E_DIR/encoded.log cargo test >"$E2E_DIR/encoded.out" 2>&1 \
  || fail "cargo test with CARGO_ENCODED_RUSTFLAGS failed: $(tail -n 30 "$E2E_DIR/encoded.out")"
stats_snapshot encoded
routes "$E2E_DIR/encoded.log" '$3 != "-"'
check_eq "CARGO_ENCODED_RUSTFLAGS: 'cache:' lines" \
  "$(shim_log_table "$E2E_DIR/encoded.log" | awk -F'\t' '$1 == "cache"' | wc -l)" 0
check_eq "CARGO_ENCODED_RUSTFLAGS: sccache compile requests (before, after)" \
  "$llvm_cov_requests -> $encoded_requests" "$llvm_cov_requests -> $llvm_cov_requests"
check_ge "CARGO_ENCODED_RUSTFLAGS: profraw files" \
  "$(find "$E2E_DIR/profiles-encoded" -name '*.profraw' | wc -l)" 3
cargo clean >/dev/null 2>&1

# --- 3. a workspace wrapper that injects the flag itself ------------------------
inject=$E2E_DIR/inject-coverage
printf '#!/bin/sh\nexec "$@" -C instrument-coverage\n' >"$inject"
chmod +x "$inject"
# Not incremental, so that nothing else sends the workspace's compiles direct.
export CARGO_INCREMENTAL=0
RUSTC_WORKSPACE_WRAPPER=$inject SHIM_LOG=debug:$E2E_DIR/inject.log cargo build --tests \
  >"$E2E_DIR/inject.out" 2>&1 || fail "build with the injecting workspace wrapper failed"
stats_snapshot inject
unseen=$(shim_log_table "$E2E_DIR/inject.log" | awk -F'\t' "$local_crate"' && $1 == "cache"' | wc -l)
check_ge "without SHIM_MODE: workspace compiles sent to sccache, the injected flag out of the shim's sight" \
  "$unseen" 3
cargo clean >/dev/null 2>&1
RUSTC_WORKSPACE_WRAPPER=$inject SHIM_MODE=direct SHIM_LOG=debug:$E2E_DIR/inject-direct.log \
  cargo build --tests >"$E2E_DIR/inject-direct.out" 2>&1 \
  || fail "build with the injecting workspace wrapper and SHIM_MODE=direct failed"
stats_snapshot inject_direct
routes "$E2E_DIR/inject-direct.log" '$3 != "-"'
check_eq "SHIM_MODE=direct: 'cache:' lines" \
  "$(shim_log_table "$E2E_DIR/inject-direct.log" | awk -F'\t' '$1 == "cache"' | wc -l)" 0
check_eq "SHIM_MODE=direct: sccache compile requests (before, after)" \
  "$inject_requests -> $inject_direct_requests" "$inject_requests -> $inject_requests"
check_ge "SHIM_MODE=direct: workspace compiles named by the mode" \
  "$(shim_log_table "$E2E_DIR/inject-direct.log" | awk -F'\t' "$local_crate"' && $4 == "SHIM_MODE=direct"' | wc -l)" 3
e2e_pass
