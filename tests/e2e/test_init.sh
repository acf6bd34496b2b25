#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# `rustc-shim --init` against cargo itself: a fresh project, one whose
# configuration has comments and other settings, one with another wrapper
# (refused, then --replace), the legacy `config` file, --global, --check on
# each, a second run that must change no byte, RUSTC_WRAPPER in the
# environment, and what cannot be edited. After each write a real `cargo build
# -vv` proves that cargo reads the file: the shim's log gets lines (cargo ran
# it through the alias), and a build script sees RUSTC_WRAPPER with the file
# stem `sccache`, which is what cc-rs looks for. No sccache runs
# (SHIM_MODE=direct).
# Usage: test_init.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"

# HOME moves into the test's world; rustup's proxies still need their toolchains.
export RUSTUP_HOME=${RUSTUP_HOME:-$HOME/.rustup}
export HOME=$E2E_DIR/home
mkdir -p "$HOME"
unset CARGO_TARGET_DIR
ALIAS=$CARGO_HOME/rustc-shim/sccache

# project NAME: a crate with a build script that reports RUSTC_WRAPPER, as
# cc-rs would read it; prints its directory.
project() {
  local dir=$E2E_DIR/projects/$1
  mkdir -p "$dir/src"
  printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2021"\n\n[workspace]\n' "$1" \
    >"$dir/Cargo.toml"
  printf 'pub fn f() -> u32 { 1 }\n' >"$dir/src/lib.rs"
  cat >"$dir/build.rs" <<'EOF'
fn main() {
    let wrapper = std::env::var("RUSTC_WRAPPER").unwrap_or_default();
    println!("cargo:warning=SEEN_WRAPPER={wrapper}");
}
EOF
  echo "$dir"
}

# init DIR NAME ARGS...: runs `rustc-shim --init ARGS...` in DIR; its stdout,
# stderr and exit status land in $E2E_DIR/NAME.{out,err,status}.
init() {
  local dir=$1 name=$2
  shift 2
  local status=0
  (cd "$dir" && "$SHIM" --init "$@") >"$E2E_DIR/$name.out" 2>"$E2E_DIR/$name.err" || status=$?
  echo "$status" >"$E2E_DIR/$name.status"
  note "$name: rustc-shim --init $* -> exit $status:" \
    "$(cat "$E2E_DIR/$name.out" "$E2E_DIR/$name.err")"
}
status_of() { cat "$E2E_DIR/$1.status"; }

# cargo_uses_alias DIR NAME: a real cargo build in DIR runs the shim, through
# the alias, and the build script sees the alias as RUSTC_WRAPPER.
cargo_uses_alias() {
  local dir=$1 name=$2 log=$E2E_DIR/$2.shim.log
  rm -f "$log"
  (cd "$dir" && SHIM_MODE=direct SHIM_LOG="info:$log" cargo build -vv \
    --target-dir "$E2E_DIR/target-$name") >"$E2E_DIR/$name.cargo" 2>&1 ||
    fail "$name: cargo build failed: $(tail -n 5 "$E2E_DIR/$name.cargo")"
  [[ -s $log ]] || fail "$name: cargo build did not run the shim (no log lines in $log)"
  note "ok: $name: cargo ran the shim ($(wc -l <"$log") log lines)"
  local seen
  seen=$(sed -n 's/^warning: .*SEEN_WRAPPER=//p' "$E2E_DIR/$name.cargo" | head -n 1)
  check_eq "$name: RUSTC_WRAPPER a build script sees" "$seen" "$ALIAS"
  check_eq "$name: its file stem (cc-rs's test)" "$(basename "$seen")" sccache
}

# unchanged_by NAME FILE COPY: a second run (or a refusal) left FILE's bytes alone.
same_bytes() {
  cmp -s "$2" "$3" || fail "$1: $2 changed: $(diff "$3" "$2")"
  note "ok: $1: $2 unchanged"
}

line="rustc-wrapper = '$ALIAS'"

# --- a fresh project, no .cargo ---------------------------------------------------
p=$(project fresh)
init "$p" fresh-check --check
check_eq "fresh --check: exit" "$(status_of fresh-check)" 1
[[ ! -e $p/.cargo && ! -e $ALIAS ]] || fail "fresh --check wrote something"
check_contains "fresh --check: names the file" "$E2E_DIR/fresh-check.out" \
  "would create $p/.cargo/config.toml"
check_contains "fresh --check: the new line" "$E2E_DIR/fresh-check.out" "+ $line"
check_contains "fresh --check: the alias" "$E2E_DIR/fresh-check.out" "would create the alias $ALIAS"
init "$p" fresh
check_eq "fresh: exit" "$(status_of fresh)" 0
check_eq "fresh: the file" "$(cat "$p/.cargo/config.toml")" "$(printf '[build]\n%s' "$line")"
[[ -L $ALIAS ]] || fail "the alias $ALIAS is not a symbolic link"
check_eq "the alias points at the shim's real path" "$(readlink "$ALIAS")" "$SHIM"
cargo_uses_alias "$p" fresh
cp "$p/.cargo/config.toml" "$E2E_DIR/fresh.copy"
init "$p" fresh-again
check_eq "fresh, second run: exit" "$(status_of fresh-again)" 0
check_contains "fresh, second run: says so" "$E2E_DIR/fresh-again.out" "is set already"
same_bytes "fresh, second run" "$p/.cargo/config.toml" "$E2E_DIR/fresh.copy"
init "$p" fresh-again-check --check
check_eq "fresh, --check after: exit" "$(status_of fresh-again-check)" 0

# From a sub-directory the workspace root's file is the one written.
init "$p/src" fresh-subdir
check_eq "from src/: exit" "$(status_of fresh-subdir)" 0
[[ ! -e $p/src/.cargo ]] || fail "--init from src/ wrote $p/src/.cargo"
check_contains "from src/: the root's file" "$E2E_DIR/fresh-subdir.out" \
  "$p/.cargo/config.toml is set"

# --- comments and other settings: one added line -----------------------------------------
p=$(project commented)
mkdir -p "$p/.cargo"
cat >"$p/.cargo/config.toml" <<'EOF'
# The team's settings; keep this comment.
[build]
jobs = 2   # two cores in CI

[term]
verbose = false
EOF
cp "$p/.cargo/config.toml" "$E2E_DIR/commented.orig"
init "$p" commented-check --check
check_eq "commented --check: exit" "$(status_of commented-check)" 1
same_bytes "commented --check" "$p/.cargo/config.toml" "$E2E_DIR/commented.orig"
init "$p" commented
check_eq "commented: exit" "$(status_of commented)" 0
check_eq "commented: the diff is one added line" \
  "$(diff "$E2E_DIR/commented.orig" "$p/.cargo/config.toml" | grep '^[<>]')" "> $line"
cargo_uses_alias "$p" commented
cp "$p/.cargo/config.toml" "$E2E_DIR/commented.copy"
init "$p" commented-again
check_eq "commented, second run: exit" "$(status_of commented-again)" 0
same_bytes "commented, second run" "$p/.cargo/config.toml" "$E2E_DIR/commented.copy"

# --- another wrapper: refused, then --replace ------------------------------------------
p=$(project other)
mkdir -p "$p/.cargo"
printf '[build]\nrustc-wrapper = "sccache" # the cache\n' >"$p/.cargo/config.toml"
cp "$p/.cargo/config.toml" "$E2E_DIR/other.orig"
init "$p" other
check_eq "another wrapper: exit" "$(status_of other)" 1
same_bytes "another wrapper refused" "$p/.cargo/config.toml" "$E2E_DIR/other.orig"
check_contains "another wrapper: names the file" "$E2E_DIR/other.err" "$p/.cargo/config.toml"
check_contains "another wrapper: names the value" "$E2E_DIR/other.err" "'sccache'"
check_contains "another wrapper: names --replace" "$E2E_DIR/other.err" "rustc-shim --init --replace"
init "$p" other-check --check
check_eq "another wrapper --check: exit" "$(status_of other-check)" 1
same_bytes "another wrapper --check" "$p/.cargo/config.toml" "$E2E_DIR/other.orig"
init "$p" other-replace-check --replace --check
check_eq "--replace --check: exit" "$(status_of other-replace-check)" 1
check_contains "--replace --check: the old line" "$E2E_DIR/other-replace-check.out" \
  '- rustc-wrapper = "sccache" # the cache'
same_bytes "--replace --check" "$p/.cargo/config.toml" "$E2E_DIR/other.orig"
init "$p" other-replace --replace
check_eq "--replace: exit" "$(status_of other-replace)" 0
check_eq "--replace: the file" "$(cat "$p/.cargo/config.toml")" \
  "$(printf '[build]\n%s # the cache' "$line")"
cargo_uses_alias "$p" other-replace
init "$p" other-again
check_eq "after --replace, a plain run: exit" "$(status_of other-again)" 0

# An empty wrapper turns it off: that too needs --replace.
p=$(project empty)
mkdir -p "$p/.cargo"
printf "[build]\nrustc-wrapper = ''\n" >"$p/.cargo/config.toml"
init "$p" empty
check_eq "empty wrapper: exit" "$(status_of empty)" 1
check_contains "empty wrapper: says so" "$E2E_DIR/empty.err" "empty string"

# --- the legacy file `config` ---------------------------------------------------------
p=$(project legacy)
mkdir -p "$p/.cargo"
printf '[build]\njobs = 1\n' >"$p/.cargo/config"
init "$p" legacy
check_eq "legacy config: exit" "$(status_of legacy)" 0
[[ ! -e $p/.cargo/config.toml ]] || fail "legacy: config.toml was created beside config"
check_eq "legacy config: the file" "$(cat "$p/.cargo/config")" \
  "$(printf '[build]\n%s\njobs = 1' "$line")"
cargo_uses_alias "$p" legacy

# --- what cannot be edited: nothing written, exit 1 ------------------------------------
p=$(project inline)
mkdir -p "$p/.cargo"
printf 'build = { jobs = 2 }\n' >"$p/.cargo/config.toml"
cp "$p/.cargo/config.toml" "$E2E_DIR/inline.orig"
init "$p" inline
check_eq "inline table: exit" "$(status_of inline)" 1
same_bytes "inline table" "$p/.cargo/config.toml" "$E2E_DIR/inline.orig"
check_contains "inline table: the line to write" "$E2E_DIR/inline.err" \
  "build = { jobs = 2, $line }"
printf '[build\n' >"$p/.cargo/config.toml"
init "$p" not-toml
check_eq "not TOML: exit" "$(status_of not-toml)" 1
check_contains "not TOML: says so" "$E2E_DIR/not-toml.err" "is not valid TOML"
check_eq "not TOML: unchanged" "$(cat "$p/.cargo/config.toml")" "[build"

# --- --global: CARGO_HOME's file, with its comments ------------------------------------
p=$(project global)
cp "$CARGO_HOME/config.toml" "$E2E_DIR/global.orig"
init "$p" global-check --global --check
check_eq "--global --check: exit" "$(status_of global-check)" 1
same_bytes "--global --check" "$CARGO_HOME/config.toml" "$E2E_DIR/global.orig"
init "$p" global --global
check_eq "--global: exit" "$(status_of global)" 0
[[ ! -e $p/.cargo ]] || fail "--global wrote into the project"
check_eq "--global: the diff adds a [build] table" \
  "$(diff "$E2E_DIR/global.orig" "$CARGO_HOME/config.toml" | grep '^[<>]')" \
  "$(printf '> \n> [build]\n> %s' "$line")"
cargo_uses_alias "$p" global
cp "$CARGO_HOME/config.toml" "$E2E_DIR/global.copy"
init "$p" global-again --global
check_eq "--global, second run: exit" "$(status_of global-again)" 0
same_bytes "--global, second run" "$CARGO_HOME/config.toml" "$E2E_DIR/global.copy"
init "$p" global-again-check --global --check
check_eq "--global --check after: exit" "$(status_of global-again-check)" 0

# --- RUSTC_WRAPPER in the environment: written, and a note --------------------------------
p=$(project env)
RUSTC_WRAPPER=sccache init "$p" env
check_eq "RUSTC_WRAPPER set: exit" "$(status_of env)" 0
check_contains "RUSTC_WRAPPER set: the note" "$E2E_DIR/env.out" "RUSTC_WRAPPER='sccache' is set"
check_contains "RUSTC_WRAPPER set: bash" "$E2E_DIR/env.out" "unset RUSTC_WRAPPER"
check_contains "RUSTC_WRAPPER set: PowerShell" "$E2E_DIR/env.out" "Remove-Item Env:RUSTC_WRAPPER"

# --- cargo missing: the current directory ----------------------------------------------
p=$(project no-cargo)
CARGO=$E2E_DIR/no-such-cargo init "$p" no-cargo
check_eq "no cargo: exit" "$(status_of no-cargo)" 0
check_contains "no cargo: says so" "$E2E_DIR/no-cargo.out" "using the current directory"
[[ -f $p/.cargo/config.toml ]] || fail "no cargo: $p/.cargo/config.toml not written"

# --- a stale alias (another program) is replaced -----------------------------------------
rm "$ALIAS"
printf '#!/bin/sh\nexit 1\n' >"$ALIAS"
chmod +x "$ALIAS"
init "$E2E_DIR/projects/fresh" stale
check_eq "stale alias: exit" "$(status_of stale)" 0
check_contains "stale alias: replaced" "$E2E_DIR/stale.out" "replaced the alias"
check_eq "stale alias: points at the shim again" "$(readlink "$ALIAS")" "$SHIM"

e2e_pass
