#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Argfiles and the sccache that expands them (0.17 and newer, PR #2782):
# (a) a crate whose command line is too long for Linux (one `--check-cfg`
#     argument past MAX_ARG_STRLEN, 128 KiB, from twelve thousand features):
#     cargo's E2BIG retry hands the wrapper `rustc @argfile`; through rustc-shim
#     the build works, with one direct compile for that crate and no sccache
#     call, on every version. Bare sccache of the same version is tried too and
#     its outcome reported (0.17 and newer run rustc expanded: sccache #2815).
# (b) a plain argfile (cargo's shape, one argument a line) still goes to
#     sccache, and hits on a second compile where the version caches argfiles
#     (0.17 and newer; older ones take `@file` for an input and compile it
#     uncached, correctly);
# (c) an argfile that sccache would read otherwise than rustc (a blank line,
#     a line with a trailing space) goes direct, and rustc gets it unchanged.
# Usage: test_argfiles.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
e2e_start_sccache

# --- (a) cargo's E2BIG retry ----------------------------------------------------
many=$E2E_DIR/many
mkdir -p "$many/src"
{
  printf '[package]\nname = "many"\nversion = "0.1.0"\nedition = "2021"\n\n[lib]\npath = "src/lib.rs"\n\n[features]\n'
  printf 'default = ["feature_00001"]\n'
  for ((i = 1; i <= 12000; i++)); do printf 'feature_%05d = []\n' "$i"; done
} >"$many/Cargo.toml"
cat >"$many/src/lib.rs" <<'EOF'
#[cfg(feature = "feature_00001")]
pub fn answer() -> u32 { 42 }
EOF
mkdir -p "$many/.cargo"
cp "$WS/.cargo/config.toml" "$many/.cargo/config.toml"

cd "$many"
TMPDIR_ARGFILE=${TMPDIR:-/tmp}/cargo-argfile.
stats_snapshot before_many
# --release: not incremental, so the length alone decides the route.
SHIM_LOG=debug:$E2E_DIR/many.log cargo build --release --lib >"$E2E_DIR/many.out" 2>"$E2E_DIR/many.err" \
  || fail "cargo build of a crate with 12,000 features failed through rustc-shim: $(tail -n 20 "$E2E_DIR/many.err")"
stats_snapshot after_many
# cargo's retry: the shim saw `rustc @FILE`, and said why it ran it directly.
check_contains "cargo retried with an argfile" "$E2E_DIR/many.log" "/bin/rustc @$TMPDIR_ARGFILE"
direct=$(grep -c 'direct: an argument of [0-9]* bytes is past the system.s limit of [0-9]*: sccache 0.17 and newer would run rustc with it expanded' "$E2E_DIR/many.log" || true)
check_eq "compiles of 'many' run directly for the argfile's length" "$direct" 1
check_eq "compiles of 'many' sent to sccache" "$(grep -c 'info: cache: ' "$E2E_DIR/many.log" || true)" 0
check_eq "sccache compile requests during the build" "$(( after_many_requests - before_many_requests ))" 0
ls "$CARGO_TARGET_DIR"/release/libmany.rlib >/dev/null || fail "no libmany.rlib"

# Bare sccache on the same build, in a target folder of its own, for the record.
if CARGO_TARGET_DIR=$E2E_DIR/target-bare RUSTC_WRAPPER=$E2E_SCCACHE cargo build --release --lib \
  >"$E2E_DIR/many-bare.out" 2>"$E2E_DIR/many-bare.err"; then
  note "FIGURE: bare sccache $E2E_SCCACHE_VERSION, 12,000 features: the build worked"
else
  note "FIGURE: bare sccache $E2E_SCCACHE_VERSION, 12,000 features: the build failed ($(grep -o 'exit status: [0-9]*' "$E2E_DIR/many-bare.err" | head -n 1); $(grep -o -m1 'Argument list too long (os error 7)' "$E2E_DIR/many-bare.err" || echo 'no E2BIG named'))"
fi
cd "$WS"

# --- (b) a plain argfile, as cargo writes one -----------------------------------
plain=$E2E_DIR/plain
mkdir -p "$plain/src" "$plain/out"
printf 'pub fn plain() -> u32 { 7 }\n' >"$plain/src/lib.rs"
printf '%s\n' --crate-name plain --edition=2021 "$plain/src/lib.rs" --crate-type lib \
  --emit=dep-info,metadata,link -C opt-level=1 --out-dir "$plain/out" >"$plain/args"
rustc_path=$(command -v rustc)
for round in 1 2; do
  rm -f "$plain/out"/*
  stats_snapshot "plain$round"
  SHIM_LOG=info:$E2E_DIR/plain.log "$SHIM" "$rustc_path" "@$plain/args" 2>"$E2E_DIR/plain$round.err" \
    || fail "a plain argfile compile failed: $(cat "$E2E_DIR/plain$round.err")"
  ls "$plain/out/libplain.rlib" >/dev/null || fail "no libplain.rlib after round $round"
done
stats_snapshot plain_end
check_eq "plain argfile compiles sent to sccache" "$(grep -c 'info: cache: ' "$E2E_DIR/plain.log")" 2
plain_hits=$(( plain_end_hits - plain2_hits ))
if [[ $(printf '%s\n' 0.17.0 "$E2E_SCCACHE_VERSION" | sort -V | head -n 1) == 0.17.0 ]]; then
  check_eq "the second plain argfile compile hits (sccache expands argfiles)" "$plain_hits" 1
else
  note "FIGURE: sccache $E2E_SCCACHE_VERSION caches no argfile compile: hits on the second $plain_hits"
fi

# --- (c) argfiles sccache would read otherwise ----------------------------------
printf '%s\n' --crate-name odd "" --crate-type lib --emit=link --out-dir "$plain/out" "$plain/src/lib.rs" >"$plain/blank"
printf '%s\n' --crate-name odd --crate-type lib --emit=link --out-dir "$plain/out" "$plain/src/lib.rs " >"$plain/spaced"
for file in blank spaced; do
  stats_snapshot "odd_$file"
  SHIM_LOG=info:$E2E_DIR/odd.log "$SHIM" "$rustc_path" "@$plain/$file" >"$E2E_DIR/odd-$file.out" 2>"$E2E_DIR/odd-$file.err" && status=0 || status=$?
  stats_snapshot "odd_${file}_end"
  eval "requests=\$(( odd_${file}_end_requests - odd_${file}_requests ))"
  check_eq "@$file: compile requests to sccache" "$requests" 0
done
check_contains "a blank line routes direct" "$E2E_DIR/odd.log" "/blank is empty: sccache 0.17 and newer would read it otherwise than rustc"
check_contains "a trailing space routes direct" "$E2E_DIR/odd.log" "/spaced has white space at an end"
# rustc itself read the files: an empty argument, and a file name ending in a space.
check_contains "rustc got the empty line as an argument" "$E2E_DIR/odd-blank.err" \
  "multiple input filenames provided (first two filenames are \`\` and"
check_contains "rustc got the trailing space" "$E2E_DIR/odd-spaced.err" "lib.rs \`: No such file"

e2e_pass
