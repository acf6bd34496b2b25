#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# C and C++ from build scripts (cc-rs, the `cc` crate) cached through
# rustc-shim exactly as through bare sccache of the same version.
#
# cc-rs takes RUSTC_WRAPPER, which cargo sets for build scripts to the
# configured wrapper, as its C/C++ wrapper only when that path's file stem is
# `sccache` (cc 1.0.51 to today's, `rustc_wrapper_fallback`). rustc-shim is
# therefore configured through an alias of itself named sccache, made and
# written by `rustc-shim --init`; under its own name cc-rs compiles C uncached,
# which the first part shows as the witness that this test can fail.
#
# 1. cc versions: a crate of ours whose build script compiles one C and one
#    C++ file with cc 1.0.51 (the first that reads RUSTC_WRAPPER), 1.0.83,
#    1.1.31 and the newest pinned here (the newest only, on sccache
#    versions other than the newest). Cold build through the alias (fills
#    the cache), cleaned rebuild through bare sccache, cleaned rebuild through
#    the alias: the same C/C++ hits, every C/C++ compile a hit. A rebuild with
#    rustc-shim under its own name: no C/C++ compile reaches sccache.
# 2. Real crates from the Rust registry (zstd-sys, libz-sys with `static`,
#    psm, ring; libz-sys and psm on sccache versions other than the newest;
#    E2E_CC_CRATES picks others): the same three builds, hits
#    counted per crate from the shim's log and in total from sccache's stats.
# 3. The upstream route (docs/cc-rs.md): cc with rustc-shim in its list,
#    through [patch.crates-io]: rustc-shim under its own name gets bare
#    sccache's C/C++ hits.
# 4. C coverage: the same crate with CFLAGS=--coverage: its C/C++ compiles
#    run directly (no C/C++ request reaches sccache), and the .gcno files are
#    written beside the objects, as without a wrapper.
# Usage: test_cc.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need cc c++
e2e_start_sccache

# The Rust registry itself (no source replacement, not offline).
printf '[net]\nretry = 3\n' >"$CARGO_HOME/config.toml"

# The alias as `rustc-shim --init --global` makes it (CARGO_HOME/rustc-shim/
# sccache), the registry setting above kept beside the wrapper it writes.
"$SHIM" --init --global >"$E2E_DIR/init.out" 2>&1 \
  || fail "rustc-shim --init --global failed: $(cat "$E2E_DIR/init.out")"
ALIAS=$CARGO_HOME/rustc-shim/sccache
[[ -x $ALIAS ]] || fail "rustc-shim --init made no alias at $ALIAS: $(cat "$E2E_DIR/init.out")"
check_contains "CARGO_HOME's config.toml after --init" "$CARGO_HOME/config.toml" 'retry = 3'
check_contains "CARGO_HOME's config.toml after --init" "$CARGO_HOME/config.toml" \
  "rustc-wrapper = '$ALIAS'"

# The newest cc release this suite pins; older ones in CC_VERSIONS. On the
# newest sccache (server mode) every cc and every real crate; on the others,
# for CI's time, the newest cc and the two real crates that build fastest (the
# other figures are in the closing note of issue 18).
CC_NEWEST=1.12.0
CC_VERSIONS=(1.0.51 1.0.83 1.1.31 "$CC_NEWEST")
REAL_CRATES="zstd-sys=2.2.0 libz-sys=1.1.33:static psm=0.1.32 ring=0.17.14"
if [[ $E2E_SCCACHE_VERSION != "$SCCACHE_NEWEST" || ${SCCACHE_CLIENT_SIDE:-} == 1 ]]; then
  CC_VERSIONS=("$CC_NEWEST")
  REAL_CRATES="libz-sys=1.1.33:static psm=0.1.32"
fi

# c_stats NAME: sets C_REQUESTS, C_HITS and C_MISSES from sccache's JSON
# statistics, saved as stats-NAME.json: every language but Rust ("C/C++",
# "Assembler" for the .S files ring builds; sccache 0.4 to 0.19 name them so),
# and RUST_HITS.
c_stats() {
  local file=$E2E_DIR/stats-$1.json
  sccache --show-stats --stats-format=json >"$file" || fail "sccache --show-stats failed"
  local values
  values=$(python3 - "$file" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))["stats"]
def count(key, rust=False):
    counts = s.get(key, {}).get("counts", {})
    return sum(n for lang, n in counts.items() if (lang == "Rust") == rust)
hits, misses = count("cache_hits"), count("cache_misses")
print(hits + misses, hits, misses, count("cache_hits", rust=True))
EOF
) || fail "cannot read $file"
  read -r C_REQUESTS C_HITS C_MISSES RUST_HITS <<<"$values"
  note "sccache C/C++ and assembler ($1): requests $C_REQUESTS, hits $C_HITS," \
    "misses $C_MISSES; Rust hits $RUST_HITS"
}

# build DIR NAME WRAPPER [ENV...]: a cleaned build of the workspace in DIR
# with WRAPPER as cargo's rustc wrapper and statistics zeroed first; the
# shim's log goes to NAME.log, sccache's C/C++ counters to C_* (c_stats).
build() {
  local dir=$1 name=$2 wrapper=$3
  shift 3
  printf '[build]\nrustc-wrapper = "%s"\n' "$wrapper" >"$dir/.cargo/config.toml"
  rm -rf "$CARGO_TARGET_DIR"
  sccache --zero-stats >/dev/null || fail "sccache --zero-stats failed"
  (cd "$dir" && env "$@" SHIM_LOG="debug:$E2E_DIR/$name.log" cargo build --locked -vv) \
    >"$E2E_DIR/$name.out" 2>&1 || fail "cargo build ($name) failed: $(tail -n 30 "$E2E_DIR/$name.out")"
  c_stats "$name"
}

# --- 1. cc versions ----------------------------------------------------------
CCWS=$E2E_DIR/ccfix
mkdir -p "$CCWS/src" "$CCWS/.cargo"
cat >"$CCWS/src/lib.rs" <<'EOF'
extern "C" {
    fn ccfix_c(x: i32) -> i32;
    fn ccfix_cpp(x: i32) -> i32;
}
pub fn both(x: i32) -> i32 {
    unsafe { ccfix_c(x) + ccfix_cpp(x) }
}
EOF
cat >"$CCWS/build.rs" <<'EOF'
fn main() {
    cc::Build::new().file("src/a.c").compile("ccfix_c");
    cc::Build::new().cpp(true).file("src/b.cpp").compile("ccfix_cpp");
}
EOF
for version in "${CC_VERSIONS[@]}"; do
  cat >"$CCWS/Cargo.toml" <<EOF
[package]
name = "ccfix"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[build-dependencies]
cc = "=$version"
EOF
  # Sources of their own per cc version, so that each one fills the cache.
  # (sccache hashes the preprocessed source: a comment would not do).
  printf 'const char *ccfix_c_tag = "cc %s";\nint ccfix_c(int x) { return x + 1; }\n' \
    "$version" >"$CCWS/src/a.c"
  printf 'extern "C" const char *ccfix_cpp_tag = "cc %s";\nextern "C" int ccfix_cpp(int x) { return x * 2; }\n' \
    "$version" >"$CCWS/src/b.cpp"
  rm -f "$CCWS/Cargo.lock"
  (cd "$CCWS" && cargo generate-lockfile) >"$E2E_DIR/lock-$version.out" 2>&1 \
    || fail "cargo generate-lockfile with cc $version failed: $(tail -n 20 "$E2E_DIR/lock-$version.out")"
  tag=cc${version//./_}
  build "$CCWS" "${tag}_fill" "$ALIAS"
  fill=$C_MISSES
  build "$CCWS" "${tag}_bare" "$E2E_SCCACHE"
  bare=$C_HITS
  build "$CCWS" "${tag}_shim" "$ALIAS"
  shim=$C_HITS shim_misses=$C_MISSES
  build "$CCWS" "${tag}_plain" "$SHIM"
  plain=$C_REQUESTS
  note "cc $version: C/C++ filled $fill, hits bare sccache $bare, through the alias $shim," \
    "rustc-shim under its own name: $plain requests"
  check_eq "cc $version: C/C++ compiles that filled the cache through the alias" "$fill" 2
  check_eq "cc $version: C/C++ hits through the alias (bare sccache: $bare)" "$shim" "$bare"
  check_eq "cc $version: C/C++ hits of bare sccache" "$bare" 2
  check_eq "cc $version: C/C++ misses through the alias" "$shim_misses" 0
  check_eq "cc $version: C/C++ requests with rustc-shim under its own name" "$plain" 0
done

# --- 3. the upstream route: cc with rustc-shim in its list (docs/cc-rs.md) ------
# The patch, read from the doc, applied to the registry's cc $CC_NEWEST (the
# last version of the loop above, so its sources are unpacked), and the crate
# pointed at it; rustc-shim under its own name then gets bare sccache's hits.
shopt -s nullglob
unpacked=("$CARGO_HOME"/registry/src/*/"cc-$CC_NEWEST")
shopt -u nullglob
(( ${#unpacked[@]} == 1 )) || fail "cc $CC_NEWEST is not unpacked under $CARGO_HOME/registry/src"
PATCHED=$E2E_DIR/cc-patched
cp -R "${unpacked[0]}" "$PATCHED"
# shellcheck disable=SC2016  # markdown's fences, not an expansion
sed -n '/^```diff$/,/^```$/p' "$E2E_HERE/../../docs/cc-rs.md" | sed '1d;$d' >"$E2E_DIR/cc-rs.patch"
(cd "$PATCHED" && patch -p1 <"$E2E_DIR/cc-rs.patch") >"$E2E_DIR/patch.out" 2>&1 \
  || fail "docs/cc-rs.md's patch does not apply to cc $CC_NEWEST: $(cat "$E2E_DIR/patch.out")"
printf '\n[patch.crates-io]\ncc = { path = "%s" }\n' "$PATCHED" >>"$CCWS/Cargo.toml"
printf 'const char *ccfix_c_tag = "patched";\nint ccfix_c(int x) { return x + 1; }\n' >"$CCWS/src/a.c"
printf 'extern "C" const char *ccfix_cpp_tag = "patched";\nextern "C" int ccfix_cpp(int x) { return x * 2; }\n' \
  >"$CCWS/src/b.cpp"
rm -f "$CCWS/Cargo.lock"
(cd "$CCWS" && cargo generate-lockfile) >"$E2E_DIR/lock-patched.out" 2>&1 \
  || fail "cargo generate-lockfile with the patched cc failed: $(tail -n 20 "$E2E_DIR/lock-patched.out")"
build "$CCWS" patched_fill "$SHIM"
fill=$C_MISSES
build "$CCWS" patched_bare "$E2E_SCCACHE"
bare=$C_HITS
build "$CCWS" patched_shim "$SHIM"
check_eq "patched cc: C/C++ compiles that filled the cache through rustc-shim by its own name" "$fill" 2
check_eq "patched cc: C/C++ hits through rustc-shim by its own name (bare sccache: $bare)" "$C_HITS" "$bare"
check_eq "patched cc: C/C++ hits of bare sccache" "$bare" 2

# --- 4. C coverage (the same crate, the patched newest cc) ----------------------
build "$CCWS" cov_bare "$ALIAS" CFLAGS=--coverage CXXFLAGS=--coverage
check_eq "C/C++ requests that reached sccache with --coverage" "$C_REQUESTS" 0
direct=$(grep -c 'direct: --coverage at argument' "$E2E_DIR/cov_bare.log" || true)
check_eq "C/C++ compiles run directly with --coverage (shim log)" "$direct" 2
gcno=$(find "$CARGO_TARGET_DIR" -name '*.gcno' | wc -l)
check_ge ".gcno files the direct compiles wrote" "$gcno" 2

# --- 2. real crates from the Rust registry ------------------------------------
read -r -a crates <<<"${E2E_CC_CRATES:-$REAL_CRATES}"
REAL=$E2E_DIR/real
mkdir -p "$REAL/src" "$REAL/.cargo"
: >"$REAL/src/lib.rs"
{
  printf '[package]\nname = "cc-crates"\nversion = "0.1.0"\nedition = "2021"\npublish = false\n\n'
  printf '[workspace]\n\n[dependencies]\n'
  for spec in "${crates[@]}"; do
    crate=${spec%%=*} rest=${spec#*=}
    version=${rest%%:*} features=
    [[ $rest == *:* ]] && features=${rest#*:}
    if [[ -n $features ]]; then
      printf '%s = { version = "=%s", default-features = false, features = ["%s"] }\n' \
        "$crate" "$version" "$features"
    else
      printf '%s = "=%s"\n' "$crate" "$version"
    fi
  done
} >"$REAL/Cargo.toml"
(cd "$REAL" && cargo generate-lockfile && cargo update -p cc --precise "$CC_NEWEST") \
  >"$E2E_DIR/lock-real.out" 2>&1 \
  || fail "resolving ${crates[*]} failed: $(tail -n 20 "$E2E_DIR/lock-real.out")"
build "$REAL" real_fill "$ALIAS"
real_fill=$C_MISSES
build "$REAL" real_bare "$E2E_SCCACHE"
real_bare=$C_HITS real_bare_rust=$RUST_HITS
build "$REAL" real_shim "$ALIAS"
real_shim=$C_HITS real_shim_misses=$C_MISSES real_shim_rust=$RUST_HITS
note "real crates (${crates[*]}, cc $CC_NEWEST): C/C++ and assembler filled $real_fill," \
  "hits bare sccache $real_bare, through the alias $real_shim"
check_ge "C/C++ compiles of the real crates" "$real_fill" 1
check_eq "C/C++ hits of the real crates through the alias (bare sccache: $real_bare)" \
  "$real_shim" "$real_bare"
check_eq "C/C++ hits of bare sccache on the real crates" "$real_bare" "$real_fill"
check_eq "C/C++ misses of the real crates through the alias" "$real_shim_misses" 0
check_eq "Rust hits of the real crates through the alias (bare sccache: $real_bare_rust)" \
  "$real_shim_rust" "$real_bare_rust"
# Per crate: the C/C++ and assembler compiles the shim sent to sccache (its
# debug log's argv lines; the object's path names the crate's build
# directory). The totals above say how many sccache answered from the cache
# (sccache 0.4 caches no .S file: ring's 16 are run, bare or not).
python3 - "$E2E_DIR/real_shim.log" "${crates[@]%%=*}" >"$E2E_DIR/per-crate.txt" <<'EOF'
import os, re, sys
log, crates = sys.argv[1], sys.argv[2:]
count = {c: 0 for c in crates}
# Each invocation logs its decision (info) and then its argv (debug), under
# its own pid: only those decided "cache: a C/C++ compile" count.
cached = set()
for line in open(log, errors="replace"):
    m = re.search(r"rustc-shim\[(\d+)\] info: cache: a C/C\+\+ compile", line)
    if m:
        cached.add(m.group(1))
        continue
    m = re.search(r"rustc-shim\[(\d+)\] debug: argv: (\S+) (\S+) (.*)", line)
    if not m or m.group(1) not in cached:
        continue
    for c in crates:
        if re.search(r"/build/%s-[0-9a-f]+/out/" % re.escape(c), m.group(4)):
            count[c] += 1
for c in crates:
    print(c, count[c])
EOF
while read -r crate n; do
  note "  $crate: $n C/C++ and assembler compiles sent to sccache through the alias"
  check_ge "C/C++ compiles of $crate through the alias" "$n" 1
done <"$E2E_DIR/per-crate.txt"
e2e_pass
