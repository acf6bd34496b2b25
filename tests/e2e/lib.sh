# shellcheck shell=bash
# Shared by the end-to-end tests (tests/e2e/test_*.sh); source it, then call
# e2e_setup "$@". Each test gets a world of its own under one temporary
# directory: a copy of the fixture workspace, CARGO_HOME, CARGO_TARGET_DIR,
# SCCACHE_DIR and an sccache server on a port nobody else uses. Nothing is
# shared between tests or with the user's own cargo and sccache, and the
# server is stopped on every way out.
#
# Environment knobs:
#   E2E_SCCACHE_VERSION  which sccache of tools/versions.sh the test runs
#                        against (default: the newest); its folder goes first
#                        on PATH, where users keep sccache
#   E2E_SCCACHE_CLIENT_SIDE=1  run sccache in its client-side mode
#                        (SCCACHE_CLIENT_SIDE=1, 0.17 and newer): each client
#                        compiles and hashes by itself, the server only stores
#   E2E_KEEP=1           keep the temporary directory even when the test passes
#                        (a failed test always keeps it, and says where)
#   E2E_REQUIRE_TOOLS=1  a missing tool fails the test instead of skipping it
#   E2E_FAULT_REPORT=F   the fault tests append one line per fault to F:
#                        "VERSION<TAB>TEST<TAB>FAULT<TAB>what the build did"

set -euo pipefail

E2E_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../tools/versions.sh
source "$E2E_HERE/../../tools/versions.sh"
E2E_FIXTURE=$E2E_HERE/fixture
E2E_NAME=$(basename "$0" .sh)
E2E_SERVER_UP=0

# --- reporting ---------------------------------------------------------------

note() { printf '%s: %s\n' "$E2E_NAME" "$*"; }

fail() {
  printf '%s: FAIL: %s\n' "$E2E_NAME" "$*" >&2
  exit 1
}

# check_eq WHAT ACTUAL EXPECTED
check_eq() {
  if [[ "$2" != "$3" ]]; then fail "$1: got '$2', expected '$3'"; fi
  note "ok: $1 = $2"
}

# check_ge WHAT ACTUAL MINIMUM (integers)
check_ge() {
  if ! (( $2 >= $3 )); then fail "$1: got $2, expected at least $3"; fi
  note "ok: $1 = $2 (>= $3)"
}

# check_contains WHAT FILE FIXED-STRING
check_contains() {
  if ! grep -qF -- "$3" "$2"; then
    fail "$1: '$3' not found in $2"
  fi
  note "ok: $1"
}

# Exit 77 (meson's "skipped") when a tool is missing, or fail under E2E_REQUIRE_TOOLS=1.
need() {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1 && [[ ! -x "$tool" ]]; then
      if [[ "${E2E_REQUIRE_TOOLS:-0}" == 1 ]]; then fail "required tool '$tool' not found"; fi
      printf '%s: SKIP: %s not found\n' "$E2E_NAME" "$tool" >&2
      exit 77
    fi
  done
}

# Coverage needs rustc's profiler runtime: rustup's toolchains have it,
# Debian's rustc 1.63 does not ("can't find crate for `profiler_builtins`").
need_profiler_runtime() {
  local sysroot host
  sysroot=$(rustc --print sysroot) || fail "rustc --print sysroot failed"
  host=$(rustc -vV | sed -n 's/^host: //p')
  if ! compgen -G "$sysroot/lib/rustlib/$host/lib/libprofiler_builtins-*.rlib" >/dev/null; then
    if [[ "${E2E_REQUIRE_TOOLS:-0}" == 1 ]]; then fail "rustc ($sysroot) has no profiler runtime"; fi
    printf '%s: SKIP: rustc (%s) has no profiler runtime for -C instrument-coverage\n' "$E2E_NAME" "$sysroot" >&2
    exit 77
  fi
}

# --- setup and teardown ------------------------------------------------------

# A TCP port on 127.0.0.1 that nothing listens on, starting from one derived
# from our pid so that parallel runs rarely probe the same ones. The ports lie
# below Linux's ephemeral range (32768 and up): a port there can be the local
# end of some connection just then, and sccache's server then fails to start
# with "Address in use" although nothing listens on it.
pick_port() {
  local port=$(( 20000 + ($$ * 37) % 12000 )) i
  for (( i = 0; i < 500; i++ )); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
    port=$(( port + 1 ))
  done
  fail "no free TCP port found near $port"
}

e2e_cleanup() {
  local status=$?
  set +e
  if [[ $E2E_SERVER_UP == 1 ]]; then
    sccache --stop-server >"$E2E_DIR/sccache-stop.txt" 2>&1 \
      || printf '%s: warning: sccache --stop-server failed (port %s), see %s\n' \
           "$E2E_NAME" "$SCCACHE_SERVER_PORT" "$E2E_DIR/sccache-stop.txt" >&2
  fi
  if [[ -n "${E2E_DIR:-}" && -d "$E2E_DIR" ]]; then
    if [[ ($status == 0 || $status == 77) && "${E2E_KEEP:-0}" != 1 ]]; then
      rm -rf "$E2E_DIR"
    else
      printf '%s: kept %s\n' "$E2E_NAME" "$E2E_DIR" >&2
    fi
  fi
  exit "$status"
}

# e2e_setup SHIM: checks the tools, makes the world, copies the fixture to $WS
# and points it at SHIM. Exports what cargo and sccache need.
e2e_setup() {
  [[ $# -ge 1 ]] || fail "usage: $0 PATH-TO-rustc-shim"
  [[ -x "$1" ]] || fail "rustc-shim '$1' is not an executable file"
  SHIM=$(realpath "$1")

  E2E_SCCACHE_VERSION=${E2E_SCCACHE_VERSION:-$SCCACHE_NEWEST}
  E2E_SCCACHE=$(sccache_bin "$E2E_SCCACHE_VERSION")
  need "$E2E_SCCACHE"
  export PATH="${E2E_SCCACHE%/sccache}:$HOME/.cargo/bin:$PATH"
  need cargo rustc python3

  # What the caller's environment may carry into cargo, rustc or sccache.
  local name
  for name in $(compgen -e); do
    case $name in
      RUSTC_SHIM_TOOLS) ;;  # where tools/versions.sh's tools are: ours, read by no tool
      SCCACHE_* | SHIM_* | CARGO_* | RUSTC_* | RUSTFLAGS | RUSTDOCFLAGS | RUSTC | RUSTDOC \
        | LLVM_PROFILE_FILE | RUST_LOG)
        unset "$name" ;;
    esac
  done

  if [[ ${E2E_SCCACHE_CLIENT_SIDE:-0} == 1 ]]; then
    export SCCACHE_CLIENT_SIDE=1
    note "sccache in its client-side mode (SCCACHE_CLIENT_SIDE=1)"
  fi

  E2E_DIR=$(mktemp -d "${TMPDIR:-/tmp}/rustc-shim-$E2E_NAME.XXXXXX")
  trap e2e_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  note "work directory $E2E_DIR"

  WS=$E2E_DIR/ws
  cp -R "$E2E_FIXTURE" "$WS"
  rm -f "$WS/Cargo.lock"
  rm -rf "$WS/target"
  mkdir -p "$WS/.cargo"
  cat >"$WS/.cargo/config.toml" <<EOF
[build]
rustc-wrapper = "$SHIM"
EOF

  export CARGO_HOME=$E2E_DIR/cargo-home
  mkdir -p "$CARGO_HOME"
  cat >"$CARGO_HOME/config.toml" <<'EOF'
# Debian's librust-*-dev sources as an offline registry.
[source.crates-io]
replace-with = "debian"

[source.debian]
directory = "/usr/share/cargo/registry"

[net]
offline = true
EOF
  export CARGO_TARGET_DIR=$E2E_DIR/target
  export CARGO_TERM_COLOR=never
  export SCCACHE_DIR=$E2E_DIR/sccache
  export SCCACHE_CONF=$E2E_DIR/sccache.conf  # an empty file: no user config
  : >"$SCCACHE_CONF"
  # A backstop in case the EXIT trap never runs; no phase of a test is idle that long.
  export SCCACHE_IDLE_TIMEOUT=600
  export SCCACHE_SERVER_PORT
  SCCACHE_SERVER_PORT=$(pick_port)
  cd "$WS"
}

# Starts this test's sccache server, with its debug log in $E2E_DIR, and makes
# sure that the server answering on our port is ours (uses our SCCACHE_DIR).
# The server logs at debug level for the tests; the benchmark sets
# E2E_SCCACHE_LOG empty to time the server as users run it.
e2e_start_sccache() {
  local level=${E2E_SCCACHE_LOG-debug}
  env ${level:+SCCACHE_LOG=$level} SCCACHE_ERROR_LOG="$E2E_DIR/sccache-server.log" \
    sccache --start-server >"$E2E_DIR/sccache-start.txt" 2>&1 \
    || fail "sccache --start-server failed on port $SCCACHE_SERVER_PORT: $(cat "$E2E_DIR/sccache-start.txt")"
  local location
  location=$(server_location)
  # Someone else's server (port taken since pick_port) is neither used nor stopped.
  [[ "$location" == *"\"$SCCACHE_DIR\""* ]] \
    || fail "the server on port $SCCACHE_SERVER_PORT is not ours: cache location $location"
  E2E_SERVER_UP=1
  local version
  version=$(sccache --version | awk '{print $2}')
  [[ $version == "$E2E_SCCACHE_VERSION" ]] \
    || fail "sccache on PATH is $version ($(command -v sccache)), not $E2E_SCCACHE_VERSION"
  note "sccache $version on port $SCCACHE_SERVER_PORT, cache $SCCACHE_DIR"
}

# server_location: the "Cache location" that the sccache server on
# SCCACHE_SERVER_PORT reports (starting one if none runs).
server_location() { sccache --show-stats | sed -n 's/^Cache location *//p'; }

# e2e_pass: the last line of every test.
e2e_pass() {
  note "PASS"
}

# --- reading what happened ---------------------------------------------------

# stat_line FILE NAME: the number on the "NAME   N" line of a --show-stats output.
stat_line() {
  awk -v name="$2" '
    { line = $0; sub(/[ \t]+[0-9]+$/, "", line) }
    line == name && $NF ~ /^[0-9]+$/ { print $NF; found = 1; exit }
    END { exit !found }' "$1" || fail "sccache --show-stats has no '$2' line (see $1)"
}

# stats_snapshot NAME: saves sccache --show-stats as stats-NAME.txt and sets
# NAME_requests, NAME_hits and NAME_misses ("Compile requests", "Cache hits",
# "Cache misses").
stats_snapshot() {
  local file=$E2E_DIR/stats-$1.txt
  sccache --show-stats >"$file" || fail "sccache --show-stats failed"
  local requests hits misses
  requests=$(stat_line "$file" "Compile requests")
  if [[ ${SCCACHE_CLIENT_SIDE:-} == 1 ]]; then
    # Client-side mode never counts "Compile requests" (each client sends
    # its figures on after the compile): the requests are those it executed
    # (hits, misses, errors) and those it could not cache or compile.
    requests=$(( $(stat_line "$file" "Compile requests executed") + $(stat_line "$file" "Non-cacheable calls") \
      + $(stat_line "$file" "Non-compilation calls") + $(stat_line "$file" "Unsupported compiler calls") ))
  fi
  hits=$(stat_line "$file" "Cache hits")
  misses=$(stat_line "$file" "Cache misses")
  printf -v "${1}_requests" '%s' "$requests"
  printf -v "${1}_hits" '%s' "$hits"
  printf -v "${1}_misses" '%s' "$misses"
  note "sccache stats ($1): compile requests $requests, hits $hits, misses $misses"
}

# start_redis: a redis-server of the test's own on 127.0.0.1:$REDIS_PORT
# (set it first), our child (REDIS_PID), its files under $E2E_DIR/redis. No
# persistence: nothing is written to disk, and a stop loses every key, as a
# cache may. Returns once it answers.
start_redis() {
  mkdir -p "$E2E_DIR/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$E2E_DIR/redis" --save '' --appendonly no \
    --daemonize no --logfile "$E2E_DIR/redis/redis.log" </dev/null &
  REDIS_PID=$!
  local i
  for (( i = 0; i < 100; i++ )); do
    [[ $(redis-cli -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]] && return 0
    kill -0 "$REDIS_PID" 2>/dev/null || fail "redis-server exited: $(tail -n 5 "$E2E_DIR/redis/redis.log")"
    sleep 0.1
  done
  fail "redis-server on port $REDIS_PORT does not answer"
}

# stop_redis: stops start_redis's server, if it still runs (for EXIT traps).
stop_redis() {
  if [[ -n ${REDIS_PID:-} ]] && kill -0 "$REDIS_PID" 2>/dev/null; then
    kill "$REDIS_PID"
    wait "$REDIS_PID" 2>/dev/null
  fi
}

# shim_log_table LOG: one line per shim invocation of a SHIM_LOG written at
# debug level, as "ROUTE<TAB>TOOL<TAB>CRATE<TAB>REASON<TAB>TYPE<TAB>COV<TAB>BY":
# ROUTE is direct or cache, TOOL the basename of the shim's argv[1] (rustc,
# clippy-driver), CRATE the --crate-name, TYPE the --crate-type ("test" for a
# --test harness without one), each - when there is none; COV is yes when the
# argv carries -C instrument-coverage as the coverage tools write it
# (`-C instrument-coverage` or `-Cinstrument-coverage`), else no; BY is
# build-script for a compile that a build script runs itself (its --out-dir
# lies in the script's OUT_DIR, as anyhow's and proc-macro2's probes do),
# cargo otherwise. Info and argv lines are paired by pid. (spdlog names the
# warn level "warning"; a cache route the shim could not take is logged there.)
shim_log_table() {
  awk '
    match($0, /rustc-shim\[[0-9]+\]/) {
      pid = substr($0, RSTART + 11, RLENGTH - 12)
      rest = substr($0, RSTART + RLENGTH + 1)
      if (rest ~ /^(info|warn|warning): (direct|cache): /) {
        sub(/^(info|warn|warning): /, "", rest)
        route[pid] = substr(rest, 1, index(rest, ":") - 1)
        reason[pid] = substr(rest, index(rest, ":") + 2)
        order[++n] = pid
      } else if (rest ~ /^debug: argv: /) {
        sub(/^debug: argv: /, "", rest)
        k = split(rest, a, " ")
        t = a[2]; sub(/.*\//, "", t); tool[pid] = t
        c = "-"; ty = "-"; v = "no"; b = "cargo"
        for (i = 1; i <= k; i++) {
          if (a[i] == "--crate-name" && i < k && c == "-") c = a[i + 1]
          if (a[i] ~ /^--crate-name=/ && c == "-") c = substr(a[i], 14)
          if (a[i] == "--crate-type" && i < k) ty = a[i + 1]
          if (a[i] ~ /^--crate-type=/) ty = substr(a[i], 14)
          if (a[i] == "--test" && ty == "-") ty = "test"
          if (a[i] == "--out-dir" && i < k && a[i + 1] ~ /\/build\/[^\/]+\/out(\/|$)/) b = "build-script"
          if ((a[i] == "-C" && i < k && a[i + 1] ~ /^instrument-coverage(=|$)/) || a[i] ~ /^-Cinstrument-coverage(=|$)/) v = "yes"
        }
        crate[pid] = c; type[pid] = ty; cov[pid] = v; by[pid] = b
      }
    }
    END {
      for (i = 1; i <= n; i++) {
        p = order[i]
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", route[p], (p in tool ? tool[p] : "?"), (p in crate ? crate[p] : "?"),
          reason[p], (p in type ? type[p] : "?"), (p in cov ? cov[p] : "?"), (p in by ? by[p] : "?")
      }
    }' "$1"
}

# cache_lines LOG: how many invocations of a debug SHIM_LOG went to sccache.
cache_lines() { shim_log_table "$1" | awk -F'\t' '$1 == "cache"' | wc -l; }

# log_summary LOG: route and reason counts, argument positions folded.
log_summary() {
  shim_log_table "$1" | awk -F'\t' '{ r = $4; sub(/ at argument [0-9]+.*/, "", r); sub(/=.*/, "=...", r); print $1 ": " r }' \
    | sort | uniq -c | sort -rn
}

# cargo_artifacts MODE JSON [CRATE]: reads the compiler-artifact messages of
# cargo's --message-format=json output once, and prints per MODE:
#   units:       the units compiled (not fresh) as "dep|local<TAB>KIND<TAB>CRATE"
#                (KIND: lib, bin, test, custom-build; CRATE with - turned into _,
#                as rustc's --crate-name has it);
#   files:       the files cargo reports for the target CRATE;
#   executables: the test executables built, one path a line.
cargo_artifacts() {
  python3 - "$@" <<'EOF'
import json, sys
mode, path = sys.argv[1], sys.argv[2]
for line in open(path):
    line = line.strip()
    if not line.startswith("{"):
        continue
    m = json.loads(line)
    if m.get("reason") != "compiler-artifact":
        continue
    if mode == "units" and not m.get("fresh"):
        # "path+file://...#name@1.0" (cargo >= 1.77) or "name 1.0 (path+file://...)"
        where = "local" if "path+file://" in m["package_id"] else "dep"
        kind = m["target"]["kind"][0]
        if m["profile"].get("test"):
            kind = "test"
        if kind in ("rlib", "dylib", "proc-macro"):
            kind = "lib"
        print(f'{where}\t{kind}\t{m["target"]["name"].replace("-", "_")}')
    elif mode == "files" and m["target"]["name"] == sys.argv[3]:
        print("\n".join(m["filenames"]))
    elif mode == "executables" and m.get("executable") and m["profile"].get("test"):
        print(m["executable"])
EOF
}
artifacts() { cargo_artifacts units "$1"; }
artifact_files() { cargo_artifacts files "$1" "$2"; }
test_executables() { cargo_artifacts executables "$1"; }

# llvm_cov_objects EXECUTABLE...: the executables as llvm-cov takes them (the
# first alone, the others after -object), one argument a line.
llvm_cov_objects() {
  printf '%s\n' "$1"
  shift
  local t
  for t in "$@"; do printf -- '-object\n%s\n' "$t"; done
}

# check_routes LOG ARTIFACTS ROUTE REASON-PREFIX WHERE KIND: every unit of
# ARTIFACTS (a file from `artifacts`) with that WHERE and KIND has a line in LOG
# with that route and a reason starting with REASON-PREFIX. Prints the count.
check_routes() {
  local log=$1 units=$2 route=$3 prefix=$4 where=$5 kind=$6 crate count=0
  local table=$E2E_DIR/table.$$
  shim_log_table "$log" >"$table"
  while IFS=$'\t' read -r w k crate; do
    [[ $w == "$where" && $k == "$kind" ]] || continue
    if ! awk -F'\t' -v route="$route" -v crate="$crate" -v prefix="$prefix" '
           $1 == route && $3 == crate && index($4, prefix) == 1 { found = 1 }
           END { exit !found }' "$table"; then
      fail "$where $kind crate $crate: no '$route: $prefix...' line in $log; its lines: $(awk -F'\t' -v c="$crate" '$3 == c' "$table" | tr '\n\t' '| ')"
    fi
    count=$(( count + 1 ))
  done <"$units"
  rm -f "$table"
  echo "$count"
}

# --- the fixture's known function -------------------------------------------

GRADE_RS=shimfix-core/src/grade.rs

# What the fixture's tests make of grade(): "COUNT<TAB>TEXT", TEXT naming the
# line (unique in grade.rs). Calls: 95, 60, 55 (unit tests), 80 (integration).
grade_expected_lines() {
  cat <<'EOF'
4	pub fn grade(score: u32) -> char {
4	    if score > 100 {
0	        return '?';
4	    if score >= 90 {
1	        'A'
3	    } else if score >= 75 {
1	        'B'
2	    } else if score >= 50 {
2	        'C'
0	        'F'
EOF
}
# shellcheck disable=SC2034  # the GRADE_* figures are read by the tests
# Lines of grade.rs that carry a count: the above plus two closing braces.
GRADE_LINES_FOUND=12
# Of those, lines with a count above zero, counted line by line (grcov's LH).
# shellcheck disable=SC2034
GRADE_LINES_HIT=10
# llvm-cov's own summaries (report, and LH in its lcov export) count 9: grade()
# has two instantiations (the crate built with --test for the unit tests, and
# the plain lib linked into the integration test), and llvm-cov scores a
# function by its best instantiation, not by the union of their lines.
# shellcheck disable=SC2034
GRADE_LINES_HIT_LLVM_COV=9

# line_of TEXT: the line number of the one line of grade.rs equal to TEXT.
line_of() {
  local n
  n=$(awk -v t="$1" '$0 == t { print NR }' "$WS/$GRADE_RS")
  [[ -n "$n" && "$n" != *$'\n'* ]] || fail "'$1' is not exactly one line of $GRADE_RS"
  echo "$n"
}

# check_grade_lcov LCOV WHO LH: the DA, LF and LH records of grade.rs in an
# lcov file; LH is the expected lines-hit figure (see above).
check_grade_lcov() {
  local lcov=$1 who=$2 lines_hit=$3 record
  record=$(awk -v f="$GRADE_RS" '
    /^SF:/ { keep = (substr($0, length($0) - length(f) + 1) == f) }
    keep { print }
    /^end_of_record/ { keep = 0 }' "$lcov")
  [[ -n "$record" ]] || fail "$who: no record for $GRADE_RS in $lcov"
  local count text line got
  while IFS=$'\t' read -r count text; do
    line=$(line_of "$text")
    got=$(printf '%s\n' "$record" | sed -n "s/^DA:$line,\([0-9]*\).*/\1/p")
    check_eq "$who: hits of grade.rs:$line (${text#"${text%%[! ]*}"})" "${got:-none}" "$count"
  done < <(grade_expected_lines)
  check_eq "$who: grade.rs lines found (LF)" "$(printf '%s\n' "$record" | sed -n 's/^LF://p')" "$GRADE_LINES_FOUND"
  check_eq "$who: grade.rs lines hit (LH)" "$(printf '%s\n' "$record" | sed -n 's/^LH://p')" "$lines_hit"
}

# --- sccache's faults ------------------------------------------------------------
# For the tests that break sccache on purpose (test_sccache_faults.sh,
# test_server_faults.sh, test_cache_dir_faults.sh): a fault's build is a real
# cargo build that must succeed with the right output, and what the shim logged
# tells how: "sccache failed (WHAT); running the compiler directly" for each
# compile that sccache could not do, the compile then run directly.

FIXTURE_LINE='[{"grade":"A","name":"ann","score":95}]'

# fault_build NAME [ENV...]: cargo clean, then `cargo build -v` with ENV, the
# shim logging at debug level to NAME.log; cargo's output goes to NAME.out
# (-v: cargo shows what a compile that succeeded wrote on stderr, sccache's
# own warnings included). The build must succeed and the binary print its
# line. Sets fault_seconds to the build's wall time.
fault_build() {
  local name=$1 start=$SECONDS
  shift
  cargo clean >/dev/null 2>&1
  env "$@" SHIM_LOG="debug:$E2E_DIR/$name.log" cargo build -v >"$E2E_DIR/$name.out" 2>&1 \
    || fail "$name: cargo build failed: $(tail -n 30 "$E2E_DIR/$name.out")"
  fault_seconds=$(( SECONDS - start ))
  check_eq "$name: the binary runs" "$("$CARGO_TARGET_DIR/debug/shimfix-cli" "ann=95")" "$FIXTURE_LINE"
}

# fault_test NAME [ENV...]: `cargo test -v` after a fault_build NAME, logging
# to the same NAME.log, its output in NAME-test.out; every test must pass.
fault_test() {
  local name=$1
  shift
  env "$@" SHIM_LOG="debug:$E2E_DIR/$name.log" cargo test -v >"$E2E_DIR/$name-test.out" 2>&1 \
    || fail "$name: cargo test failed: $(tail -n 30 "$E2E_DIR/$name-test.out")"
  local passed
  passed=$(grep -c '^test result: ok\.' "$E2E_DIR/$name-test.out" || true)
  check_ge "$name: cargo test, test binaries that passed" "$passed" 3
}

# fallbacks LOG: how many compiles of a SHIM_LOG sccache failed, and the shim
# ran directly.
fallbacks() { grep -c 'sccache failed (.*); running the compiler directly$' "$1" || true; }

# fallback_reasons LOG: what sccache did in each of those, with counts, most
# frequent first; numbers of 3 digits or more (ports, pids), sccache's
# temporary names and this test's directory folded, so that the same failure
# reads the same.
fallback_reasons() {
  sed -n 's/.* sccache failed (\(.*\)); running the compiler directly$/\1/p' "$1" \
    | sed -E "s#$E2E_DIR#\$E2E_DIR#g; s#sccache[A-Za-z0-9]{6}#sccacheXXXXXX#g; s/[0-9]{3,}/N/g" \
    | sort | uniq -c | sort -rn | sed -E 's/^ *([0-9]+) /\1x /'
}

# locally FILE...: how many sccache clients compiled by themselves because
# their server went away ("sccache: warning: The server looks like it shut
# down unexpectedly, compiling locally instead"), in cargo's -v output.
locally() { cat -- "$@" 2>/dev/null | grep -c 'server looks like it shut down unexpectedly, compiling locally' || true; }

# fault_report NAME FAULT [MORE]: one line on what the build NAME did
# (NAME.log, NAME.out, fault_seconds), noted and appended to E2E_FAULT_REPORT.
# (Not NAME-test.out: cargo keeps a unit's compiler output and shows it again
# for the fresh unit, sccache's warnings included.)
fault_report() {
  local name=$1 fault=$2 more=${3:-} log=$E2E_DIR/$1.log
  local routed fell reasons by_itself line
  routed=$(cache_lines "$log")
  fell=$(fallbacks "$log")
  by_itself=$(locally "$E2E_DIR/$name.out")
  reasons=$(fallback_reasons "$log" | paste -sd '\t' - | sed 's/\t/; /g')
  line="build ok in ${fault_seconds}s; $fell of $routed compiles through sccache fell back${reasons:+ ($reasons)}"
  line+="; $by_itself sccache clients compiled locally"
  # The shim's other warnings (no sccache found, run as sccache, ...), folded.
  local warnings
  warnings=$(sed -n 's/.* rustc-shim\[[0-9]*\] warning: //p' "$log" | { grep -v '^sccache failed (' || true; } \
    | sed -E "s#$E2E_DIR#\$E2E_DIR#g; s/ at argument [0-9]+//; s/\(wanted cache: .*\)/(wanted cache: ...)/" \
    | sort | uniq -c | sort -rn | sed -E 's/^ *([0-9]+) /\1x /' | paste -sd '\t' - | sed 's/\t/; /g')
  line+="${warnings:+; other warnings: $warnings}${more:+; $more}"
  note "$name: $line"
  if [[ -n ${E2E_FAULT_REPORT:-} ]]; then
    printf '%s\t%s\t%s\t%s\n' "$E2E_SCCACHE_VERSION" "$E2E_NAME" "$fault" "$line" >>"$E2E_FAULT_REPORT"
  fi
}

# sccache_server_pids: the sccache servers serving SCCACHE_SERVER_PORT: this
# version's sccache, started as a server (SCCACHE_START_SERVER=1 in its
# environment) for our port.
sccache_server_pids() {
  python3 - "$E2E_SCCACHE" "$SCCACHE_SERVER_PORT" <<'EOF'
import os, sys
exe, port = os.path.realpath(sys.argv[1]), f"SCCACHE_SERVER_PORT={sys.argv[2]}".encode()
for p in filter(str.isdigit, os.listdir("/proc")):
    try:
        if os.path.realpath(f"/proc/{p}/exe") != exe:
            continue
        env = open(f"/proc/{p}/environ", "rb").read().split(b"\0")
    except OSError:
        continue
    if b"SCCACHE_START_SERVER=1" in env and port in env:
        print(p)
EOF
}

# --- a published crate from the Rust registry --------------------------------------

# published_crate CRATE VERSION: points CARGO_HOME at the Rust registry itself
# (no source replacement, not offline), downloads CRATE VERSION and copies its
# sources to $E2E_DIR/CRATE, setting PROJ to it. Plain cargo has no "download
# this crate" command: a throwaway package that depends on exactly that version
# makes `cargo fetch` download and unpack it. The copy, not the registry's
# unpacked tree, which cargo treats as a dependency's sources and never as a
# workspace. Its lock file is the one published inside the package, so what
# gets built is as fixed as the sources: build it with --locked.
published_crate() {
  local crate=$1 version=$2
  cat >"$CARGO_HOME/config.toml" <<'EOF_TOML'
# The Rust registry itself: no source replacement, not offline.
[net]
retry = 3
EOF_TOML
  local fetch=$E2E_DIR/fetch
  mkdir -p "$fetch/src"
  : >"$fetch/src/lib.rs"
  printf '[package]\nname = "fetch-published-crate"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\n%s = "=%s"\n' \
    "$crate" "$version" >"$fetch/Cargo.toml"
  (cd "$fetch" && cargo fetch) >"$E2E_DIR/fetch.out" 2>&1 \
    || fail "cargo fetch of $crate $version from the Rust registry failed: $(tail -n 20 "$E2E_DIR/fetch.out")"
  local unpacked
  shopt -s nullglob
  unpacked=("$CARGO_HOME"/registry/src/*/"$crate-$version")
  shopt -u nullglob
  (( ${#unpacked[@]} == 1 )) \
    || fail "expected one unpacked $crate-$version under $CARGO_HOME/registry/src, found ${#unpacked[@]}"
  PROJ=$E2E_DIR/$crate
  cp -R "${unpacked[0]}" "$PROJ"
  rm -f "$PROJ/.cargo-ok" "$PROJ/.cargo_vcs_info.json"
  [[ -f "$PROJ/Cargo.lock" ]] || fail "the published $crate $version carries no Cargo.lock"
}
