#!/usr/bin/env bash
# rustc-shim as cargo's rustc-wrapper on any machine with cargo (rustup's, with
# its profiler runtime) and sccache on PATH: Linux, macOS, and Windows under
# Git Bash. It needs no registry: the workspace is made here, one library and
# one program that uses it. Each step is one a user takes:
#   1. cargo build --release: the library's compile reaches sccache (release:
#      not incremental, so cacheable);
#   2. cargo clean, the same build: the library hits;
#   3. a coverage build (RUSTFLAGS=-C instrument-coverage): no compile reaches
#      sccache, and the program writes a profile when it runs.
# The GitHub workflows run it on macOS and Windows; tests/release/run.sh runs
# it here on the x86-64 archive's binary. The sccache server is one of its own
# (its port and cache folder), stopped at the end.
# Usage: tests/release/smoke.sh PATH-TO-rustc-shim
set -euo pipefail
[ $# -eq 1 ] && [ -x "$1" ] || { echo "usage: $0 PATH-TO-rustc-shim" >&2; exit 2; }
shim=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=$(mktemp -d "${TMPDIR:-/tmp}/rustc-shim-smoke.XXXXXX")
say() { echo "smoke: $*"; }
fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
# native PATH: the path as Windows programs want it (forward slashes), where cygpath exists.
native() { if command -v cygpath >/dev/null; then cygpath -m "$1"; else printf '%s\n' "$1"; fi; }

for v in $(env | sed -nE 's/^(SCCACHE_[A-Z_]*|SHIM_[A-Z_]*|CARGO_[A-Z_]*|RUSTC_[A-Z_]*|RUSTFLAGS)=.*/\1/p'); do
  unset "$v"
done
export SCCACHE_DIR
SCCACHE_DIR=$(native "$work/sccache")
export SCCACHE_SERVER_PORT=$((20000 + $$ % 10000))
export CARGO_TARGET_DIR
CARGO_TARGET_DIR=$(native "$work/target")
stop() { sccache --stop-server >/dev/null 2>&1 || true; rm -rf "$work"; }
trap stop EXIT

# The workspace.
mkdir -p "$work/ws/.cargo" "$work/ws/smokelib/src" "$work/ws/smokecli/src"
cd "$work/ws"
printf '[workspace]\nmembers = ["smokelib", "smokecli"]\nresolver = "2"\n' >Cargo.toml
printf '[build]\nrustc-wrapper = "%s"\n' "$(native "$shim")" >.cargo/config.toml
printf '[package]\nname = "smokelib"\nversion = "0.1.0"\nedition = "2021"\n' >smokelib/Cargo.toml
cat >smokelib/src/lib.rs <<'EOF'
pub fn grade(score: u32) -> char {
    match score {
        90.. => 'A',
        75..=89 => 'B',
        _ => 'C',
    }
}
EOF
printf '[package]\nname = "smokecli"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nsmokelib = { path = "../smokelib" }\n' \
  >smokecli/Cargo.toml
cat >smokecli/src/main.rs <<'EOF'
fn main() {
    let score: u32 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(0);
    println!("{}", smokelib::grade(score));
}
EOF

# stat NAME: the number on sccache --show-stats' "NAME   N" line.
stat() {
  sccache --show-stats | awk -v name="$1" '
    { line = $0; sub(/[ \t]+[0-9]+\r?$/, "", line) }
    line == name { n = $NF; sub(/\r$/, "", n); print n; found = 1; exit }
    END { exit !found }' || fail "sccache --show-stats has no '$1' line"
}

sccache --start-server >/dev/null 2>&1 || fail "sccache --start-server failed (port $SCCACHE_SERVER_PORT)"
say "$("$shim" --version), $(sccache --version), $(cargo --version)"

cargo build --release -q || fail "the first cargo build --release failed"
requests=$(stat "Compile requests") misses=$(stat "Cache misses")
say "first build: compile requests $requests, cache misses $misses"
[ "$misses" -ge 1 ] || fail "the first build sent no compile to sccache"
[ "$("$CARGO_TARGET_DIR/release/smokecli" 95)" = A ] || fail "the program built prints the wrong grade"

cargo clean -q
cargo build --release -q || fail "the second cargo build --release failed"
hits=$(stat "Cache hits")
say "second build: cache hits $hits"
[ "$hits" -ge 1 ] || fail "the second build hit nothing in sccache"

before=$(stat "Compile requests")
RUSTFLAGS="-C instrument-coverage" cargo build -q || fail "the coverage build failed"
after=$(stat "Compile requests")
say "coverage build: compile requests that reached sccache: $((after - before))"
[ "$after" = "$before" ] || fail "the coverage build sent $((after - before)) compiles to sccache"
mkdir -p "$work/profiles"
LLVM_PROFILE_FILE="$(native "$work/profiles")/smoke-%p.profraw" "$CARGO_TARGET_DIR/debug/smokecli" 80 >/dev/null
profiles=$(find "$work/profiles" -name '*.profraw' | wc -l | tr -d ' ')
[ "$profiles" = 1 ] || fail "the instrumented program wrote $profiles profiles, not 1"
say "the instrumented program wrote its profile"
say "PASS"
