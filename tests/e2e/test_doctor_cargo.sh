#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `rustc-shim --doctor` against cargo itself: for each configuration of the
# table (every TOML string form, inline tables, dotted and quoted keys,
# `config` beside `config.toml`, CARGO_HOME, RUSTC_WRAPPER,
# CARGO_BUILD_RUSTC_WRAPPER, an empty wrapper, files cargo refuses), a real
# `cargo build` shows whether the shim ran, and the doctor's
# "cargo runs this rustc-shim:" line must say the same.
# Usage: test_doctor_cargo.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"

# A wrapper that is not rustc-shim: it runs the compiler, as sccache would.
other=$E2E_DIR/other-wrapper
printf '#!/bin/sh\nexec "$@"\n' >"$other"
chmod +x "$other"
# rustc-shim by a relative path and by a bare name on PATH: symlinks, which
# are the same file to the doctor and to cargo alike.
mkdir -p "$E2E_DIR/bin"
ln -s "$SHIM" "$E2E_DIR/bin/rustc-shim"

# HOME moves to each row's tree; rustup's proxies still need their toolchains.
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
unset CARGO_TARGET_DIR

rows=0 agreed=0
# row NAME SETUP-FUNCTION [ENV...]: a fresh tree, SETUP-FUNCTION writes its
# configuration (in $root/work/.cargo, $root/home/.cargo), then cargo builds
# $root/work/crate and the doctor runs there with the same environment.
row() {
  local name=$1 setup=$2
  shift 2
  local root=$E2E_DIR/rows/$name
  mkdir -p "$root/work/.cargo" "$root/work/crate/src" "$root/home/.cargo"
  printf '[package]\nname = "row"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n' \
    >"$root/work/crate/Cargo.toml"
  printf 'pub fn f() -> u32 { 1 }\n' >"$root/work/crate/src/lib.rs"
  root=$root "$setup"
  local log=$root/shim.log
  local envs=(CARGO_HOME="$root/home/.cargo" HOME="$root/home" RUSTUP_HOME="$rustup_home" SHIM_MODE=direct
    SHIM_LOG="info:$log" CARGO_NET_OFFLINE=true PATH="$E2E_DIR/bin:$PATH" "$@")
  local status=0
  (cd "$root/work/crate" && env "${envs[@]}" cargo build --target-dir "$root/target") \
    >"$root/cargo.out" 2>&1 || status=$?
  local ran=no
  [[ -s $log ]] && ran=yes
  (cd "$root/work/crate" && env "${envs[@]}" "$SHIM" --doctor) >"$root/doctor.out" 2>&1 || true
  local said
  said=$(sed -n 's/^cargo runs this rustc-shim: //p' "$root/doctor.out")
  rows=$((rows + 1))
  if [[ $said == "$ran" ]]; then
    agreed=$((agreed + 1))
    note "ok: $name: cargo build exit $status, shim ran: $ran; doctor: $said"
  else
    fail "$name: the shim ran: $ran (cargo build exit $status: $(tail -n 3 "$root/cargo.out")), but the doctor says '$said': $(cat "$root/doctor.out")"
  fi
  printf '%s\t%s\t%s\t%s\n' "$name" "$status" "$ran" "$said" >>"$E2E_DIR/table.tsv"
}

w() { printf '%s\n' "$@" >"$root/work/.cargo/config.toml"; }
basic() { w '[build]' "rustc-wrapper = \"$SHIM\""; }
literal() { w '[build]' "rustc-wrapper = '$SHIM'"; }
literal_multiline() { w '[build]' "rustc-wrapper = '''$SHIM'''"; }
basic_multiline() { w '[build]' "rustc-wrapper = \"\"\"" "$SHIM\"\"\""; }
escaped() { w '[build]' "rustc-wrapper = \"${SHIM//\//\\u002F}\""; }
inline_table() { w "build = { jobs = 2, rustc-wrapper = \"$SHIM\" }"; }
dotted() { w "build.rustc-wrapper = \"$SHIM\""; }
quoted_keys() { w "\"build\".'rustc-wrapper' = \"$SHIM\""; }
underscore() { w '[build]' "rustc_wrapper = \"$SHIM\""; }
empty() { w '[build]' 'rustc-wrapper = ""'; }
relative() {
  mkdir -p "$root/work/tools"
  ln -s "$SHIM" "$root/work/tools/shim"
  w '[build]' 'rustc-wrapper = "tools/shim"'
}
bare_name() { w '[build]' 'rustc-wrapper = "rustc-shim"'; }
config_beside_toml() {
  printf '[build]\nrustc-wrapper = "%s"\n' "$SHIM" >"$root/work/.cargo/config"
  w '[build]' "rustc-wrapper = \"$other\""
}
toml_beside_config() {
  printf '[build]\nrustc-wrapper = "%s"\n' "$other" >"$root/work/.cargo/config"
  w '[build]' "rustc-wrapper = \"$SHIM\""
}
extensionless() { printf '[build]\nrustc-wrapper = "%s"\n' "$SHIM" >"$root/work/.cargo/config"; }
crate_over_parent() {
  w '[build]' "rustc-wrapper = \"$other\""
  mkdir -p "$root/work/crate/.cargo"
  printf '[build]\nrustc-wrapper = "%s"\n' "$SHIM" >"$root/work/crate/.cargo/config.toml"
}
cargo_home() { printf '[build]\nrustc-wrapper = "%s"\n' "$SHIM" >"$root/home/.cargo/config.toml"; }
project_over_home() {
  printf '[build]\nrustc-wrapper = "%s"\n' "$SHIM" >"$root/home/.cargo/config.toml"
  w '[build]' "rustc-wrapper = \"$other\""
}
none() { :; }
env_table_only() { w '[env]' "RUSTC_WRAPPER = \"$SHIM\""; }
not_toml() { w '[build' "rustc-wrapper = \"$SHIM\""; }
not_a_string() { w '[build]' 'rustc-wrapper = 5'; }

row basic basic
row literal literal
row literal-multiline literal_multiline
row basic-multiline basic_multiline
row escaped-slashes escaped
row inline-table inline_table
row dotted-key dotted
row quoted-keys quoted_keys
row underscore-key underscore
row empty-wrapper empty
row relative-path relative
row bare-name-on-PATH bare_name
row config-beside-config.toml config_beside_toml
row config.toml-beside-config toml_beside_config
row extensionless-config extensionless
row crate-over-parent crate_over_parent
row cargo-home cargo_home
row project-over-home project_over_home
row no-configuration none
row env-table-only env_table_only
row not-TOML not_toml
row not-a-string not_a_string
row RUSTC_WRAPPER none RUSTC_WRAPPER="$SHIM"
row RUSTC_WRAPPER-empty-over-file basic RUSTC_WRAPPER=
row RUSTC_WRAPPER-other-over-file basic RUSTC_WRAPPER="$other"
row RUSTC_WRAPPER-relative none RUSTC_WRAPPER=../../../../bin/rustc-shim
row CARGO_BUILD_RUSTC_WRAPPER none CARGO_BUILD_RUSTC_WRAPPER="$SHIM"
row CARGO_BUILD_RUSTC_WRAPPER-over-file project_over_home CARGO_BUILD_RUSTC_WRAPPER="$SHIM"
row CARGO_BUILD_RUSTC_WRAPPER-empty basic CARGO_BUILD_RUSTC_WRAPPER=
row RUSTC_WRAPPER-over-CARGO_BUILD none RUSTC_WRAPPER="$other" CARGO_BUILD_RUSTC_WRAPPER="$SHIM"

check_eq "the doctor agrees with cargo on every row" "$agreed" "$rows"
note "table (row, cargo build exit, shim ran, doctor): $(tr '\t\n' ' ;' <"$E2E_DIR/table.tsv")"

# The literal string of the issue: an "ok" verdict.
root=$E2E_DIR/rows/literal-multiline
(cd "$root/work/crate" && env CARGO_HOME="$root/home/.cargo" HOME="$root/home" \
  RUSTUP_HOME="$rustup_home" "$SHIM" --doctor) \
  >"$E2E_DIR/literal-verdict.out" 2>&1 || true
check_contains "literal-string wrapper: the doctor names it" "$E2E_DIR/literal-verdict.out" \
  "cargo's rustc wrapper: $SHIM (from $root/work/.cargo/config.toml)"
check_contains "literal-string wrapper: verdict ok" "$E2E_DIR/literal-verdict.out" "verdict: ok"

e2e_pass
