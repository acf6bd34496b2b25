#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# cargo's pipelining through sccache and through rustc-shim. A workspace of
# its own: `dep`, a library whose metadata takes a fraction of a second and
# whose code takes seconds (hundreds of instances of one const-generic
# function, optimised), and `app`, a library and a binary on top of it. cargo
# starts app's library as soon as rustc says dep's .rmeta is written (the
# `{"$message_type":"artifact",...,"emit":"metadata"}` line on its stderr).
# sccache 0.19 passes that line on at once on a cache miss; older ones only at
# the end, with the rest of the output.
#   1. A cold build (-j2, release, a fresh cache) with bare sccache as the
#      wrapper, then the same with rustc-shim: a rustc that logs when each
#      compile starts and ends says when app's compile started against when
#      dep's ended (the lead). On sccache 0.19 and newer, app starts well
#      before dep ends through rustc-shim, and the lead is at least half of
#      bare sccache's; on older ones both figures are reported only.
#   2. (sccache 0.19 and newer) The compiler of dep killed (SIGKILL) under
#      sccache's server after its .rmeta notice reached cargo (app's compile
#      under way): sccache fails ("Compiler killed by signal 9", exit 254),
#      rustc-shim compiles dep directly, and cargo must not see the notice a
#      second time (its DependencyQueue panics on one, exit 101). The build
#      succeeds and the binary runs. Bare sccache in the same case: reported.
# Usage: test_pipelining.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need python3

# sccache 0.19 and newer pass the notice on early.
streams=0
[[ $(printf '%s\n' 0.19.0 "$E2E_SCCACHE_VERSION" | sort -V | head -n 1) == 0.19.0 ]] && streams=1

# Instances of dep's kernel: 6 to 10 s of dep's compile on this 2-core
# machine under load (3 CPU-seconds unloaded), while its metadata takes
# 0.2 s; app's library starts 0.2 to 0.9 s into dep's compile through sccache
# 0.19, bare or through the shim.
KERNELS=200
# The least lead (dep's end minus app's start) through rustc-shim on 0.19, in
# ms; it must also be at least half of dep's compile: app started in its
# first half, however fast or loaded the machine.
MIN_LEAD_MS=300

# --- the workspace -----------------------------------------------------------

PIPE=$E2E_DIR/pipe
mkdir -p "$PIPE/dep/src" "$PIPE/app/src"
cat >"$PIPE/Cargo.toml" <<'EOF'
[workspace]
members = ["dep", "app"]
resolver = "2"
EOF
cat >"$PIPE/dep/Cargo.toml" <<'EOF'
[package]
name = "dep"
version = "0.1.0"
edition = "2021"
publish = false
EOF
cat >"$PIPE/app/Cargo.toml" <<'EOF'
[package]
name = "app"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
dep = { path = "../dep" }
EOF
# The kernel's body is checked once, generically; each N is its own function
# for LLVM, its loops unrolled over an array of N words.
{
  cat <<'EOF'
use std::hint::black_box;

#[inline(never)]
fn kernel<const N: usize>(seed: u64) -> u64 {
    let mut a = [0u64; N];
    for (i, x) in a.iter_mut().enumerate() {
        *x = seed.wrapping_mul(i as u64 + 1) ^ (seed >> (i % 7));
    }
    for r in 0..4u32 {
        for i in 0..N {
            a[i] = a[i].rotate_left(r + 1).wrapping_add(a[(i * 7 + 3) % N]);
        }
    }
    a.iter().fold(0u64, |s, x| s.wrapping_mul(31).wrapping_add(*x))
}

/// The sum of every kernel's result for `seed`.
pub fn checksum(seed: u64) -> u64 {
    let mut s = 0u64;
EOF
  for (( n = 1; n <= KERNELS; n++ )); do
    printf '    s = s.wrapping_add(kernel::<%d>(black_box(seed)));\n' "$n"
  done
  printf '    s\n}\n'
} >"$PIPE/dep/src/lib.rs"
cat >"$PIPE/app/src/lib.rs" <<'EOF'
/// What the binary prints for `seed`.
pub fn line(seed: u64) -> String {
    format!("checksum {}", dep::checksum(seed))
}
EOF
cat >"$PIPE/app/src/main.rs" <<'EOF'
fn main() {
    println!("{}", app::line(7));
}
EOF
cd "$PIPE"

# The real compiler, not rustup's proxy: the process that sccache's server
# runs is then rustc itself, and its kill is the compiler's.
REAL_RUSTC=$(rustc --print sysroot)/bin/rustc
[[ -x $REAL_RUSTC ]] || fail "no rustc at $REAL_RUSTC"

# A rustc that logs "start|end CRATE TYPE EMIT TIME PID [STATUS]" (TIME in
# seconds since the epoch, to the microsecond) around each compile of a crate
# to $TIMES, and runs the real one; other calls (-vV, any --print) go straight
# on. sccache takes it for rustc by its name; under sccache it is the compiler
# the server runs, so its times are the compile's own.
TIMES=$E2E_DIR/times.txt
mkdir -p "$E2E_DIR/logging-rustc"
LOGGING_RUSTC=$E2E_DIR/logging-rustc/rustc
cat >"$LOGGING_RUSTC" <<EOF
#!/bin/bash
real='$REAL_RUSTC'
times='$TIMES'
EOF
cat >>"$LOGGING_RUSTC" <<'EOF'
crate= type=- emit=- prev=
for arg in "$@"; do
  # sccache asks for output file names with the compile's own arguments.
  case $arg in --print | --print=*) exec "$real" "$@" ;; esac
  case $prev in
    --crate-name) crate=$arg ;;
    --crate-type) type=$arg ;;
    --emit) emit=$arg ;;
  esac
  case $arg in
    --crate-name=*) crate=${arg#*=} ;;
    --crate-type=*) type=${arg#*=} ;;
    --emit=*) emit=${arg#*=} ;;
  esac
  prev=$arg
done
[[ -n $crate ]] || exec "$real" "$@"
# (EPOCHREALTIME has the locale's decimal point.)
printf 'start %s %s %s %s %s\n' "$crate" "$type" "$emit" "${EPOCHREALTIME/,/.}" "$$" >>"$times"
status=0
"$real" "$@" || status=$?
printf 'end %s %s %s %s %s %s\n' "$crate" "$type" "$emit" "${EPOCHREALTIME/,/.}" "$$" "$status" >>"$times"
exit "$status"
EOF
chmod +x "$LOGGING_RUSTC"

# fresh_sccache NAME: stops this test's server and starts another on a cache
# folder of its own, empty: every compile of the next build misses.
fresh_sccache() {
  if [[ $E2E_SERVER_UP == 1 ]]; then
    sccache --stop-server >"$E2E_DIR/stop-$1.txt" 2>&1 \
      || fail "sccache --stop-server failed: $(cat "$E2E_DIR/stop-$1.txt")"
    E2E_SERVER_UP=0
  fi
  export SCCACHE_DIR=$E2E_DIR/sccache-$1
  e2e_start_sccache
}

# pipeline_build NAME WRAPPER RUSTC: a cold release build (-j2) of the
# workspace with WRAPPER as cargo's rustc-wrapper and RUSTC as its rustc, in a
# target dir of its own (NAME-target, emptied first), the shim logging at
# debug level to NAME.log, cargo's output in NAME.out. Sets build_status,
# build_t0 (when cargo started, seconds since the epoch) and build_seconds.
pipeline_build() {
  local name=$1 wrapper=$2 rustc=$3
  export CARGO_TARGET_DIR=$E2E_DIR/$name-target
  rm -rf "$CARGO_TARGET_DIR"
  : >"$E2E_DIR/$name.log"
  build_status=0
  build_t0=${EPOCHREALTIME/,/.}
  SHIM_LOG="debug:$E2E_DIR/$name.log" cargo build --release -j2 \
    --config "build.rustc-wrapper='$wrapper'" --config "build.rustc='$rustc'" \
    >"$E2E_DIR/$name.out" 2>&1 || build_status=$?
  build_seconds=$(awk -v a="$build_t0" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.2f", b - a }')
}

# check_runs NAME: the build NAME's binary prints the checksum that dep's
# kernels give.
check_runs() {
  local out
  out=$("$CARGO_TARGET_DIR/release/app") || fail "$1: the binary failed"
  [[ $out =~ ^checksum\ [0-9]+$ ]] || fail "$1: the binary printed '$out'"
  if [[ -z ${CHECKSUM:-} ]]; then CHECKSUM=$out; fi
  check_eq "$1: the binary's line" "$out" "$CHECKSUM"
}

# panic_text NAME: the first sign of a panic of cargo in the build NAME's
# output (its DependencyQueue's, on a second notice: an unwrap of None, a
# failed assertion), or nothing.
panic_text() {
  local text
  for text in 'panicked' "called \`Option::unwrap()\`" 'assertion failed'; do
    if grep -qF -- "$text" "$E2E_DIR/$1.out"; then
      printf '%s\n' "$text"
      return
    fi
  done
}

# no_panic NAME: cargo's output of the build NAME shows no panic of cargo.
no_panic() {
  local text
  text=$(panic_text "$1")
  [[ -z $text ]] || fail "$1: cargo's output has '$text': $(grep -F -A3 -- "$text" "$E2E_DIR/$1.out" | head -n 8)"
  note "ok: $1: no panic of cargo in its output"
}

# lead NAME: from $TIMES (the timing build NAME's alone): when app's library
# started (its first rustc call, sccache's dep-info run included) and when
# dep's compile started and ended, in seconds from cargo's start, and the lead
# (dep's end minus app's start) in ms. Sets lead_ms, dep_ms (dep's compile)
# and lead_text.
lead() {
  local figures
  figures=$(awk -v t0="$build_t0" '
    $1 == "start" && $2 == "app" && $3 ~ /^r?lib$/ && (app == "" || $5 < app) { app = $5 }
    $1 == "start" && $2 == "dep" && $3 ~ /^r?lib$/ && $4 ~ /link/ { dep_start = $5 }
    $1 == "end" && $2 == "dep" && $3 ~ /^r?lib$/ && $4 ~ /link/ { dep_end = $5 }
    END {
      if (app == "" || dep_start == "" || dep_end == "") exit 1
      printf "%d %d dep compiled %.2f-%.2f s, app (lib) started %.2f s", (dep_end - app) * 1000,
        (dep_end - dep_start) * 1000, dep_start - t0, dep_end - t0, app - t0
    }' "$E2E_DIR/$1.times") || fail "$1: no start of app or no compile of dep in $E2E_DIR/$1.times"
  read -r lead_ms dep_ms figures <<<"$figures"
  lead_text="$figures, lead $(awk -v ms="$lead_ms" 'BEGIN { printf "%.2f", ms / 1000 }') s"
}

# timing_run NAME WRAPPER: a timing build on a fresh cache; it must succeed,
# with dep and app's library missing the cache, and the binary run.
timing_run() {
  local name=$1 wrapper=$2
  fresh_sccache "$name"
  : >"$TIMES"
  pipeline_build "$name" "$wrapper" "$LOGGING_RUSTC"
  cp "$TIMES" "$E2E_DIR/$name.times"
  (( build_status == 0 )) || fail "$name: cargo build failed (status $build_status): $(tail -n 30 "$E2E_DIR/$name.out")"
  no_panic "$name"
  check_runs "$name"
  stats_snapshot "${name//-/_}"
  local misses=${name//-/_}_misses
  check_ge "$name: cache misses (dep, app's library)" "${!misses}" 2
  lead "$name"
  note "$name: build ${build_seconds}s; $lead_text"
}

# 1. The timing builds.
timing_run bare "$E2E_SCCACHE"
bare_lead_ms=$lead_ms
bare_text=$lead_text
timing_run shim "$SHIM"
shim_lead_ms=$lead_ms
shim_dep_ms=$dep_ms
shim_text=$lead_text
# Both libraries went to sccache through the shim, not around it: a direct
# compile would tell cargo of dep's metadata by itself.
shim_log_table "$E2E_DIR/shim.log" >"$E2E_DIR/shim.table"
for crate in dep app; do
  routes=$(awk -F'\t' -v c="$crate" '$3 == c && $5 ~ /^r?lib$/ { print $1 }' "$E2E_DIR/shim.table" \
    | sort -u | paste -sd ' ' -)
  check_eq "shim: $crate's library, route" "$routes" cache
done
check_eq "shim: compiles that sccache failed" "$(fallbacks "$E2E_DIR/shim.log")" 0
note "FIGURE: sccache $E2E_SCCACHE_VERSION, bare sccache: $bare_text"
note "FIGURE: sccache $E2E_SCCACHE_VERSION, rustc-shim: $shim_text"

if (( ! streams )); then
  note "sccache $E2E_SCCACHE_VERSION passes rustc's metadata notice on only at the compile's end:" \
    "no pipelining to check, and no notice to repeat"
  e2e_pass
  exit 0
fi
check_ge "rustc-shim: app's start before dep's end (ms)" "$shim_lead_ms" "$MIN_LEAD_MS"
check_ge "rustc-shim: app's start before dep's end (ms), against half of dep's compile" \
  "$shim_lead_ms" "$(( shim_dep_ms / 2 ))"
if (( bare_lead_ms > 0 )); then
  check_ge "rustc-shim: lead (ms), against half of bare sccache's" "$shim_lead_ms" "$(( bare_lead_ms / 2 ))"
else
  note "bare sccache $E2E_SCCACHE_VERSION: app did not start before dep ended (lead ${bare_lead_ms} ms)"
fi

# 2. dep's compiler killed under sccache's server after its notice went to
# cargo. The watcher waits for dep's .rmeta in the target dir, then for app's
# compile (cargo has had the notice), then kills (SIGKILL) the rustc of dep
# whose parent is this version's sccache: its server (in the client-side mode,
# the client); one line on what it did goes to REPORT.
cat >"$E2E_DIR/watcher.py" <<'EOF'
import glob, os, signal, sys, time
target, cargo_pid, sccache, report = sys.argv[1], int(sys.argv[2]), os.path.realpath(sys.argv[3]), sys.argv[4]

def read(pid, name):
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            return f.read()
    except OSError:
        return b""

def parent(pid):
    stat = read(pid, "stat").rsplit(b")", 1)
    return stat[1].split()[1].decode() if len(stat) == 2 else None

def alive(pid):
    stat = read(pid, "stat").rsplit(b")", 1)
    return len(stat) == 2 and stat[1].split()[0] != b"Z"

def is_sccache(pid):
    try:
        return os.path.realpath(f"/proc/{pid}/exe") == sccache
    except OSError:
        return False

def compiles(crate):
    """(pid, parent) of each process compiling CRATE into our target dir."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        argv = read(pid, "cmdline").split(b"\0")
        if b"--crate-name" in argv and argv[argv.index(b"--crate-name") + 1:][:1] == [crate.encode()] \
                and target.encode() in b" ".join(argv):
            found.append((pid, parent(pid)))
    return found

start = time.time()
def say(text):
    with open(report, "w") as out:
        out.write(f"{time.time() - start:.2f}s: {text}\n")

rmeta = os.path.join(target, "release", "deps", "libdep-*.rmeta")
while not glob.glob(rmeta):
    if not alive(cargo_pid):
        sys.exit(say("cargo ended before dep's .rmeta was written"))
    time.sleep(0.01)
seen = time.time()
while not compiles("app"):
    if not alive(cargo_pid) or time.time() - seen > 30:
        sys.exit(say("no compile of app started after dep's .rmeta was written"))
    time.sleep(0.01)
victims = [(pid, up) for pid, up in compiles("dep") if up and is_sccache(up)]
if not victims:
    sys.exit(say("app's compile started, but no rustc of dep ran under sccache any more"))
for pid, _ in victims:
    os.kill(int(pid), signal.SIGKILL)
say(f"killed dep's rustc ({', '.join(f'pid {pid} under sccache pid {up}' for pid, up in victims)}), "
    f"{time.time() - seen:.2f}s after its .rmeta appeared, app's compile under way")
EOF

# killed_build NAME WRAPPER: a cold build with dep's compiler killed as above;
# the kill's report goes to NAME.kill. Sets build_status, build_seconds and
# killed (1 when the kill was done).
killed_build() {
  local name=$1 wrapper=$2 start=${EPOCHREALTIME/,/.}
  fresh_sccache "$name"
  export CARGO_TARGET_DIR=$E2E_DIR/$name-target
  (pipeline_build "$name" "$wrapper" "$REAL_RUSTC"; exit "$build_status") &
  local build=$! cargo_pid='' i
  for (( i = 0; i < 500 && ${#cargo_pid} == 0; i++ )); do
    cargo_pid=$(pgrep -P "$build" -x cargo || true)
    [[ -n $cargo_pid ]] || sleep 0.02
  done
  [[ -n $cargo_pid ]] || fail "$name: cargo did not start"
  python3 "$E2E_DIR/watcher.py" "$CARGO_TARGET_DIR" "$cargo_pid" "$E2E_SCCACHE" "$E2E_DIR/$name.kill" \
    || fail "$name: the watcher failed"
  build_status=0
  wait "$build" || build_status=$?
  build_seconds=$(awk -v a="$start" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.2f", b - a }')
  note "$name: $(cat "$E2E_DIR/$name.kill")"
  killed=0
  grep -q "killed dep's rustc" "$E2E_DIR/$name.kill" && killed=1
  return 0
}

for attempt in 1 2 3; do
  killed_build shim-killed "$SHIM"
  (( killed )) && break
  note "shim-killed: no kill in time (attempt $attempt)"
done
check_eq "shim-killed: dep's compiler killed after app started" "$killed" 1
(( build_status == 0 )) \
  || fail "shim-killed: cargo build failed (status $build_status): $(tail -n 30 "$E2E_DIR/shim-killed.out")"
note "ok: shim-killed: cargo build succeeded"
no_panic shim-killed
check_runs shim-killed
shim_log_table "$E2E_DIR/shim-killed.log" >"$E2E_DIR/shim-killed.table"
# Which shim (pid) compiled dep's library, and what it logged.
dep_pids=$(awk '/ debug: argv: / && / --crate-name dep / && / --crate-type r?lib / {
  match($0, /rustc-shim\[[0-9]+\]/); print substr($0, RSTART + 11, RLENGTH - 12) }' "$E2E_DIR/shim-killed.log")
check_eq "shim-killed: shims that compiled dep's library" "$(printf '%s\n' "$dep_pids" | grep -c .)" 1
grep -F "rustc-shim[$dep_pids] " "$E2E_DIR/shim-killed.log" >"$E2E_DIR/shim-killed.dep.log" || true
fell_back='sccache failed (the compiler was killed by signal 9 under sccache); running the compiler directly'
check_contains "shim-killed: dep's shim logged '$fell_back'" "$E2E_DIR/shim-killed.dep.log" "warning: $fell_back"
check_eq "shim-killed: fallbacks in all" "$(fallbacks "$E2E_DIR/shim-killed.log")" 1
check_eq "shim-killed: sccache's report in cargo's output" \
  "$(grep -c 'Compiler killed by signal' "$E2E_DIR/shim-killed.out" || true)" 0
note "FIGURE: sccache $E2E_SCCACHE_VERSION, rustc-shim, dep's compiler killed under sccache after its" \
  "metadata notice: cargo exit $build_status in ${build_seconds}s, dep compiled again directly, no panic"

# Bare sccache in the same case: sccache's failure is the build's.
for attempt in 1 2 3; do
  killed_build bare-killed "$E2E_SCCACHE"
  (( killed )) && break
  note "bare-killed: no kill in time (attempt $attempt)"
done
bare_said=$(grep -E -m 1 -o '\((exit status|signal): [^)]*\)' "$E2E_DIR/bare-killed.out" || true)
bare_report=$(grep -c 'Compiler killed by signal' "$E2E_DIR/bare-killed.out" || true)
bare_panic=$(panic_text bare-killed)
note "FIGURE: sccache $E2E_SCCACHE_VERSION, bare sccache, dep's compiler killed under it after its metadata" \
  "notice (kill done: $killed): cargo exit $build_status; dep's compile ${bare_said:-(no exit status named)};" \
  "sccache's report in cargo's output: $bare_report; cargo panicked: ${bare_panic:-no}"

e2e_pass
