#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `rustc-shim --doctor` against real cargo configurations, and cargo agreeing
# with it: where the doctor says cargo runs rustc-shim, a real build logs
# through it; where it says another wrapper wins, the build does not.
# Usage: test_doctor.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
e2e_start_sccache

# doctor NAME DIR [ENV...]: runs the doctor in DIR; its report goes to NAME.txt
# and its exit status to $doctor_status.
doctor() {
  local name=$1 dir=$2
  shift 2
  doctor_status=0
  (cd "$dir" && env "$@" "$SHIM" --doctor) >"$E2E_DIR/$name.txt" 2>&1 || doctor_status=$?
}
says() { check_contains "$1" "$E2E_DIR/$1.txt" "$2"; }

# The fixture's own config names the shim by its absolute path.
doctor ok "$WS/shimfix-core/src"
says ok "cargo's rustc wrapper: $SHIM (from $WS/.cargo/config.toml)"
says ok "sccache server: answers"
says ok "verdict: ok"
check_eq "ok: exit status" "$doctor_status" 0
says ok "sccache: $E2E_SCCACHE (sccache $E2E_SCCACHE_VERSION)"
# ... and cargo agrees: the build goes through the shim.
SHIM_LOG=info:$E2E_DIR/ok.log cargo build -p shimfix-core >/dev/null 2>&1 || fail "cargo build failed"
check_ge "ok: cargo ran the shim (log lines)" "$(wc -l <"$E2E_DIR/ok.log")" 1
# sccache always runs as the shim's child: no state, so a build changes
# nothing the doctor says about the cache route.
doctor after-build "$WS/shimfix-core/src"
check_eq "after a build: differences from the report before it" \
  "$(diff "$E2E_DIR/ok.txt" "$E2E_DIR/after-build.txt" && echo none)" none

# No configuration at all.
mkdir -p "$E2E_DIR/elsewhere"
doctor none "$E2E_DIR/elsewhere"
says none "cargo's rustc wrapper: none"
# shellcheck disable=SC2016  # backquotes in the doctor's words, not an expansion
says none 'cargo will not use rustc-shim here: run `rustc-shim --init` in the project'
check_eq "none: exit status" "$doctor_status" 1

# RUSTC_WRAPPER wins over the file; cargo agrees.
doctor env-wins "$WS" RUSTC_WRAPPER="$(command -v sccache)"
says env-wins "(from RUSTC_WRAPPER)"
says env-wins "cargo will run $(command -v sccache) as its rustc wrapper, not this rustc-shim"
check_eq "env-wins: exit status" "$doctor_status" 1
cargo clean >/dev/null 2>&1
RUSTC_WRAPPER=$(command -v sccache) SHIM_LOG=info:$E2E_DIR/env-wins.log cargo build -p shimfix-core \
  >/dev/null 2>&1 || fail "cargo build with RUSTC_WRAPPER=sccache failed"
check_eq "env-wins: cargo did not run the shim (log lines)" "$(cat "$E2E_DIR/env-wins.log" 2>/dev/null | wc -l)" 0

# An empty RUSTC_WRAPPER turns the wrapper off.
doctor empty "$WS" RUSTC_WRAPPER=
says empty "RUSTC_WRAPPER is empty, which turns the wrapper off"
check_eq "empty: exit status" "$doctor_status" 1

# CARGO_BUILD_RUSTC_WRAPPER, pointing at the shim.
doctor build-env "$E2E_DIR/elsewhere" CARGO_BUILD_RUSTC_WRAPPER="$SHIM"
says build-env "(from CARGO_BUILD_RUSTC_WRAPPER)"
check_eq "build-env: exit status" "$doctor_status" 0

# A relative path in a config file is relative to the directory holding .cargo;
# a deeper config beats an outer one; CARGO_HOME's dotted key, literal string.
mkdir -p "$E2E_DIR/outer/.cargo" "$E2E_DIR/outer/inner/.cargo" "$E2E_DIR/outer/inner/tools" "$E2E_DIR/outer/inner/src"
printf '[build]\nrustc-wrapper = "/no/such/wrapper"\n' >"$E2E_DIR/outer/.cargo/config.toml"
ln -s "$SHIM" "$E2E_DIR/outer/inner/tools/rustc-shim"
# (`rustc-wrapper`: cargo ignores a `rustc_wrapper` key, with a warning of an unused key.)
printf '# the team wrapper\n[build]\njobs = 2\nrustc-wrapper = "tools/rustc-shim"  # relative\n' \
  >"$E2E_DIR/outer/inner/.cargo/config.toml"
doctor relative "$E2E_DIR/outer/inner/src"
says relative "cargo's rustc wrapper: tools/rustc-shim (from $E2E_DIR/outer/inner/.cargo/config.toml) = $E2E_DIR/outer/inner/tools/rustc-shim"
check_eq "relative: exit status" "$doctor_status" 0
doctor outer-missing "$E2E_DIR/outer"
says outer-missing "the rustc wrapper /no/such/wrapper (from $E2E_DIR/outer/.cargo/config.toml) does not exist"
check_eq "outer-missing: exit status" "$doctor_status" 1
printf "build.rustc-wrapper = '%s'\n" "$SHIM" >"$CARGO_HOME/config.toml.doctor"
# At the top: after a [table] header the same line would belong to that table.
cat "$CARGO_HOME/config.toml.doctor" "$CARGO_HOME/config.toml" >"$CARGO_HOME/config.toml.new"
mv "$CARGO_HOME/config.toml.new" "$CARGO_HOME/config.toml"
doctor cargo-home "$E2E_DIR/elsewhere"
says cargo-home "(from $CARGO_HOME/config.toml)"
check_eq "cargo-home: exit status" "$doctor_status" 0

# No sccache: a problem, said plainly.
mkdir -p "$E2E_DIR/bin"
ln -s "$(command -v rustc)" "$E2E_DIR/bin/rustc"
doctor no-sccache "$WS" PATH="$E2E_DIR/bin"
says no-sccache "sccache: none (sccache not found on PATH)"
says no-sccache "no sccache: every compile runs directly"
check_eq "no-sccache: exit status" "$doctor_status" 1

# What else it reports.
doctor vars "$WS" CARGO_INCREMENTAL=0 CARGO_TARGET_DIR=/tmp/t SHIM_MODE=direct
says vars "incremental compilation is off (CARGO_INCREMENTAL=0). If that is for sccache's sake, it need not be"
says vars "the target directory /tmp/t (from CARGO_TARGET_DIR) serves normal and coverage runs alike"
says vars "SHIM_MODE: 'direct' (the rules are off: every compile goes directly)"

# What a toggle-script setup leaves behind: RUSTC_WRAPPER over the
# configuration (a problem: cargo runs sccache), and [env] entries that cargo
# does not read for itself (notes).
printf '\n[env]\nRUSTC_WRAPPER = "sccache"\nCARGO_INCREMENTAL = { value = "0", force = true }\n' \
  >>"$WS/.cargo/config.toml"
doctor toggles "$WS" RUSTC_WRAPPER=sccache
says toggles "cargo runs this rustc-shim: no"
says toggles "RUSTC_WRAPPER=sccache in the environment overrides build.rustc-wrapper = $SHIM (from $WS/.cargo/config.toml): unset it"
says toggles "[env] RUSTC_WRAPPER = \"sccache\" in $WS/.cargo/config.toml does not choose cargo's wrapper"
says toggles "[env] CARGO_INCREMENTAL = \"0\" in $WS/.cargo/config.toml does not change how cargo compiles"
check_eq "toggles: exit status" "$doctor_status" 1

# In a PowerShell session (PSModulePath set, as pwsh sets it) the doctor names
# the empty-variable trap and the way to turn the wrapper off in every shell;
# elsewhere it does not.
doctor powershell "$WS" PSModulePath=/opt/microsoft/powershell/7/Modules
says powershell "\$env:RUSTC_WRAPPER = \"\" deletes the variable instead of emptying it"
says powershell "cargo --config build.rustc-wrapper='' ..."
if grep -qF 'note (PowerShell)' "$E2E_DIR/toggles.txt"; then
  fail "the PowerShell note outside a PowerShell session (toggles.txt)"
fi
e2e_pass
