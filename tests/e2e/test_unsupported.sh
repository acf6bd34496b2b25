#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Compilers sccache cannot cache go direct without asking it; the ones it can
# keep their cache through rustc-shim. sccache takes a compiler for rustc when
# its file stem is rustc or clippy-driver, when (with CARGO set) the first
# argument's is (a workspace wrapper), or (0.10 and newer) when a compiler
# under another name answers `-vV` as rustc does (detect_compiler,
# src/compiler/compiler.rs). Three real cases, each a cleaned release build
# (nothing incremental) of a small crate with a dependency:
# 1. cargo-auditable (`cargo auditable build`, RUSTC_WORKSPACE_WRAPPER):
#    through rustc-shim, the same Rust hits as bare sccache, and no
#    "Unsupported compiler calls".
# 2. RUSTC naming a driver under its own name that answers -vV as rustc:
#    sccache 0.10 and newer cache it, and do so through rustc-shim too (the
#    same hits); 0.4 refuses it (bare, the build fails) and through rustc-shim
#    every compile runs directly after sccache's refusal.
# 3. RUSTC naming a driver whose -vV is its own (as kani's or any
#    rustc_driver tool's may be): no sccache takes it (bare, the build fails:
#    "Compiler not supported"); through rustc-shim the build passes, no
#    compile reaches sccache, and the log says why.
# (cargo-miri sets RUSTC_WRAPPER to itself and warns that it ignores the one
# it found: a wrapper never runs under `cargo miri`, so there is nothing to
# route there.)
# Usage: test_unsupported.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
AUDITABLE=$(tool_bin cargo-auditable "$CARGO_AUDITABLE_VERSION")
need "$AUDITABLE"
e2e_start_sccache
export PATH="${AUDITABLE%/*}:$PATH"

CRATE=$E2E_DIR/crate
mkdir -p "$CRATE/src" "$CRATE/.cargo"
printf '[package]\nname = "unsup"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n\n[dependencies]\nitoa = "1"\ncfg-if = "1"\n' \
  >"$CRATE/Cargo.toml"
printf 'pub fn show(n: u32) -> String { itoa::Buffer::new().format(n).to_string() }\n' \
  >"$CRATE/src/lib.rs"

# The drivers under names of their own: both run rustc; `-vV` answers as
# rustc (as-rustc) or with a first line of its own (own-name). cargo reads
# only the release and host lines, so it builds with either.
mkdir -p "$E2E_DIR/drivers"
rustc_path=$(rustup which rustc 2>/dev/null || command -v rustc)
cat >"$E2E_DIR/drivers/as-rustc" <<EOF
#!/bin/sh
exec "$rustc_path" "\$@"
EOF
cat >"$E2E_DIR/drivers/own-name" <<EOF
#!/bin/sh
if [ "\$1" = -vV ] && [ \$# = 1 ]; then
  "$rustc_path" -vV | sed '1s/^rustc /own-name-driver /'
  exit
fi
exec "$rustc_path" "\$@"
EOF
chmod +x "$E2E_DIR/drivers/as-rustc" "$E2E_DIR/drivers/own-name"

version_at_least_0_10() {
  [[ $(printf '%s\n0.10.0\n' "$E2E_SCCACHE_VERSION" | sort -V | head -n 1) == 0.10.0 ]]
}

# build NAME WRAPPER [ENV...] -- CARGO-ARGS...: a cleaned release build with
# WRAPPER as cargo's rustc wrapper, statistics zeroed first; sets OK (1 when
# cargo succeeded), REQUESTS, RUST_HITS and UNSUPPORTED from sccache's
# statistics, and the shim's log goes to NAME.log.
build() {
  local name=$1 wrapper=$2
  shift 2
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  printf '[build]\nrustc-wrapper = "%s"\n' "$wrapper" >"$CRATE/.cargo/config.toml"
  rm -rf "$CARGO_TARGET_DIR"
  sccache --zero-stats >/dev/null || fail "sccache --zero-stats failed"
  OK=1
  (cd "$CRATE" && env "${envs[@]}" SHIM_LOG="info:$E2E_DIR/$name.log" cargo "$@" --release) \
    >"$E2E_DIR/$name.out" 2>&1 || OK=0
  stats_snapshot "$name"
  local requests=${name}_requests hits=${name}_hits
  REQUESTS=${!requests} RUST_HITS=${!hits}
  UNSUPPORTED=$(stat_line "$E2E_DIR/stats-$name.txt" "Unsupported compiler calls")
  note "$name: cargo $([[ $OK == 1 ]] && echo passed || echo failed), sccache requests $REQUESTS," \
    "hits $RUST_HITS, unsupported compiler calls $UNSUPPORTED"
}

# --- 1. cargo-auditable ---------------------------------------------------------
build auditable_fill "$SHIM" -- auditable build
[[ $OK == 1 ]] || fail "cargo auditable build through rustc-shim failed: $(tail -n 20 "$E2E_DIR/auditable_fill.out")"
build auditable_bare "$E2E_SCCACHE" -- auditable build
[[ $OK == 1 ]] || fail "cargo auditable build through bare sccache failed: $(tail -n 20 "$E2E_DIR/auditable_bare.out")"
bare_hits=$RUST_HITS bare_unsupported=$UNSUPPORTED
build auditable_shim "$SHIM" -- auditable build
[[ $OK == 1 ]] || fail "cargo auditable build through rustc-shim failed: $(tail -n 20 "$E2E_DIR/auditable_shim.out")"
check_ge "cargo-auditable: hits of bare sccache" "$bare_hits" 2
check_eq "cargo-auditable: hits through rustc-shim (bare sccache: $bare_hits)" "$RUST_HITS" "$bare_hits"
check_eq "cargo-auditable: unsupported compiler calls through rustc-shim (bare: $bare_unsupported)" \
  "$UNSUPPORTED" 0
# The workspace crate went through cargo-auditable's wrapper, to sccache.
check_contains "cargo-auditable wrapped the workspace crate" "$E2E_DIR/auditable_shim.out" "Compiling unsup"

# --- 2. a driver that answers -vV as rustc ----------------------------------------
build asrustc_fill "$SHIM" RUSTC="$E2E_DIR/drivers/as-rustc" -- build
[[ $OK == 1 ]] || fail "the as-rustc build through rustc-shim failed: $(tail -n 20 "$E2E_DIR/asrustc_fill.out")"
build asrustc_bare "$E2E_SCCACHE" RUSTC="$E2E_DIR/drivers/as-rustc" -- build
bare_ok=$OK bare_hits=$RUST_HITS
build asrustc_shim "$SHIM" RUSTC="$E2E_DIR/drivers/as-rustc" -- build
[[ $OK == 1 ]] || fail "the as-rustc build through rustc-shim failed: $(tail -n 20 "$E2E_DIR/asrustc_shim.out")"
if version_at_least_0_10; then
  check_eq "as-rustc: bare sccache $E2E_SCCACHE_VERSION builds" "$bare_ok" 1
  check_ge "as-rustc: hits of bare sccache" "$bare_hits" 2
  check_eq "as-rustc: hits through rustc-shim (bare sccache: $bare_hits)" "$RUST_HITS" "$bare_hits"
else
  check_eq "as-rustc: bare sccache $E2E_SCCACHE_VERSION refuses the driver (the build fails)" "$bare_ok" 0
  check_contains "as-rustc: bare sccache's words" "$E2E_DIR/asrustc_bare.out" "not supported"
  fallbacks=$(grep -c 'sccache failed (.*); running the compiler directly$' "$E2E_DIR/asrustc_shim.log" || true)
  check_ge "as-rustc: compiles run directly after sccache $E2E_SCCACHE_VERSION refused them" "$fallbacks" 2
fi

# --- 3. a driver whose -vV is its own ----------------------------------------------
build ownname_bare "$E2E_SCCACHE" RUSTC="$E2E_DIR/drivers/own-name" -- build
check_eq "own-name: bare sccache $E2E_SCCACHE_VERSION fails the build" "$OK" 0
check_contains "own-name: bare sccache's words" "$E2E_DIR/ownname_bare.out" "not supported"
build ownname_shim "$SHIM" RUSTC="$E2E_DIR/drivers/own-name" -- build
[[ $OK == 1 ]] || fail "the own-name build through rustc-shim failed: $(tail -n 20 "$E2E_DIR/ownname_shim.out")"
check_eq "own-name: compile requests that reached sccache through rustc-shim" "$REQUESTS" 0
unsupported=$(grep -c "direct: .*own-name -vV does not answer 'rustc ...'" "$E2E_DIR/ownname_shim.log" || true)
check_ge "own-name: compiles the shim ran directly without asking sccache" "$unsupported" 3
e2e_pass
