#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# sccache configured or installed wrong, with real cargo and the real sccache:
# every build must still succeed with the right output, and the log must say
# why the cache was not used.
#   1. sccache's port is taken by something that is not sccache: the client
#      gets garbage, prints "sccache: error: ..." and exits 2 before compiling;
#   2. sccache cannot start its server (TMPDIR unusable);
#   3. no sccache at all, and SHIM_SCCACHE naming nothing or a file that is
#      not executable;
#   4. a file named sccache first on PATH without the x bit: skipped, as
#      execvp would (the real sccache behind it serves the build; alone, the
#      build runs directly);
#   5. a file named sccache that is not a program (x bit, but text without #!,
#      or random bytes): it cannot be run ("Exec format error"), each compile
#      runs directly;
#   6. rustc-shim on PATH as `sccache`, as a symlink and as a copy: no loop.
# A compile error through sccache is run once, and reported once. Cases 3, 4
# (alone), 5 and 6 never run sccache: they run on the newest version, in
# server mode, only.
# Faults of a running server (killed, stopped) are in test_server_faults.sh,
# faults of its cache folder in test_cache_dir_faults.sh.
# Usage: test_sccache_faults.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need python3

# count NAME TEXT: lines of NAME.log that hold TEXT.
count() { grep -cF -- "$2" "$E2E_DIR/$1.log" || true; }

# 1. A listener on sccache's port that answers nonsense.
python3 - "$SCCACHE_SERVER_PORT" >"$E2E_DIR/listener.log" 2>&1 <<'EOF_PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
s.settimeout(600)
while True:
    c, _ = s.accept()
    c.sendall(b"HTTP/1.0 400 not sccache\r\n\r\n")
    c.close()
EOF_PY
listener=$!
trap 'status=$?; kill $listener 2>/dev/null; (exit $status); e2e_cleanup' EXIT
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$SCCACHE_SERVER_PORT") 2>/dev/null && break; sleep 0.1; done
fault_build port-taken
check_ge "port taken: compiles that fell back to direct, with sccache's words logged" \
  "$(count port-taken "sccache failed (exit 2: sccache: error:")" 9
check_eq "port taken: every compile through sccache fell back" \
  "$(fallbacks "$E2E_DIR/port-taken.log")" "$(cache_lines "$E2E_DIR/port-taken.log")"
check_eq "port taken: nothing of sccache's reached cargo's output" \
  "$(grep -c '^sccache: ' "$E2E_DIR/port-taken.out" || true)" 0
fault_report port-taken "port held by another program"
kill "$listener"
wait "$listener" 2>/dev/null || true
trap e2e_cleanup EXIT

# A compile error goes through sccache once and is reported once. (The port
# is free again; sccache starts its own server for this.)
e2e_start_sccache
stats_snapshot before_error
mkdir -p "$E2E_DIR/broken/src"
printf 'pub fn f() -> u32 { "not a number" }\n' >"$E2E_DIR/broken/src/lib.rs"
set +e
SHIM_LOG="info:$E2E_DIR/broken.log" "$SHIM" "$(rustc --print sysroot)/bin/rustc" --crate-name broken \
  --crate-type lib --emit=metadata --out-dir "$E2E_DIR/broken" "$E2E_DIR/broken/src/lib.rs" \
  >"$E2E_DIR/broken.out" 2>"$E2E_DIR/broken.err"
status=$?
set -e
check_eq "compile error through sccache: exit status" "$status" 1
check_eq "compile error through sccache: E0308 reported once" "$(grep -c 'error\[E0308\]' "$E2E_DIR/broken.err")" 1
check_eq "compile error through sccache: routed once, to the cache" "$(count broken 'info: cache:')" 1
check_eq "compile error through sccache: no fallback" "$(fallbacks "$E2E_DIR/broken.log")" 0
stats_snapshot after_error
check_eq "compile error through sccache: sccache saw one request" "$(( after_error_requests - before_error_requests ))" 1
sccache --stop-server >/dev/null 2>&1 || fail "sccache --stop-server failed"
E2E_SERVER_UP=0

# 2. sccache cannot start its server: its temporary directory does not exist.
fault_build no-server TMPDIR=/nonexistent/tmp
check_ge "server cannot start: compiles that fell back to direct" \
  "$(count no-server "sccache failed (exit 2: sccache: error:")" 9
check_eq "server cannot start: every compile through sccache fell back" \
  "$(fallbacks "$E2E_DIR/no-server.log")" "$(cache_lines "$E2E_DIR/no-server.log")"
fault_report no-server "server cannot start (TMPDIR=/nonexistent/tmp)"

# Cases 3, 4 (alone), 5 and 6 never run this version's sccache, so they run
# once: on the newest, in server mode (0.4, 0.10 and 0.16 gave the same before
# they were cut, for CI's time).
once=0
[[ $E2E_SCCACHE_VERSION == "$SCCACHE_NEWEST" && ${SCCACHE_CLIENT_SIDE:-} != 1 ]] && once=1

# 3. No sccache on PATH; SHIM_SCCACHE naming a missing file, and a non-executable one.
mkdir -p "$E2E_DIR/bin-none"
ln -s "$(command -v cargo)" "$E2E_DIR/bin-none/cargo"
ln -s "$(command -v rustc)" "$E2E_DIR/bin-none/rustc"
# What cargo, rustc and the linker call by name (not /bin: it holds sccache).
for tool in cc ld; do ln -s "$(command -v $tool)" "$E2E_DIR/bin-none/$tool"; done
if ((once)); then
  fault_build no-sccache PATH="$E2E_DIR/bin-none"
  check_ge "no sccache on PATH: 'sccache not found' warnings" \
    "$(count no-sccache "direct: sccache not found on PATH; running the compiler directly")" 9
  fault_report no-sccache "no sccache on PATH"
  : >"$E2E_DIR/not-executable"
  fault_build bad-shim-sccache SHIM_SCCACHE="$E2E_DIR/missing/sccache"
  check_ge "SHIM_SCCACHE missing: warnings" \
    "$(count bad-shim-sccache "missing/sccache is not an executable file (from SHIM_SCCACHE)")" 9
  fault_build non-executable SHIM_SCCACHE="$E2E_DIR/not-executable"
  check_ge "SHIM_SCCACHE not executable: warnings" \
    "$(count non-executable "not-executable is not an executable file (from SHIM_SCCACHE)")" 9
fi

# 4. A file named sccache without the x bit, first on PATH: skipped. Behind
# it the real sccache, which serves every compile; alone, nothing is found.
mkdir -p "$E2E_DIR/bin-noexec"
cp -P "$E2E_DIR"/bin-none/* "$E2E_DIR/bin-noexec/"
printf 'sccache\n' >"$E2E_DIR/bin-noexec/sccache"
chmod 644 "$E2E_DIR/bin-noexec/sccache"
e2e_start_sccache
stats_snapshot before_noexec
fault_build noexec-first PATH="$E2E_DIR/bin-noexec:${E2E_SCCACHE%/sccache}"
stats_snapshot after_noexec
check_ge "sccache without the x bit, first on PATH: compiles through the real sccache behind it" \
  "$(count noexec-first "debug: sccache: $E2E_SCCACHE")" 9
check_eq "sccache without the x bit, first on PATH: compiles that named it" \
  "$(count noexec-first "debug: sccache: $E2E_DIR/bin-noexec/sccache")" 0
check_eq "sccache without the x bit, first on PATH: the real sccache's requests = 'cache:' lines" \
  "$(( after_noexec_requests - before_noexec_requests ))" "$(cache_lines "$E2E_DIR/noexec-first.log")"
check_eq "sccache without the x bit, first on PATH: fallbacks" "$(fallbacks "$E2E_DIR/noexec-first.log")" 0
fault_report noexec-first "sccache without the x bit first on PATH, the real one behind it"
sccache --stop-server >/dev/null 2>&1 || fail "sccache --stop-server failed"
E2E_SERVER_UP=0
if ((!once)); then
  note "cases 4 (alone), 5 and 6 run on sccache $SCCACHE_NEWEST in server mode only: they never run sccache"
  e2e_pass
  exit 0
fi
fault_build noexec-alone PATH="$E2E_DIR/bin-noexec"
check_ge "sccache without the x bit, alone on PATH: 'sccache not found' warnings" \
  "$(count noexec-alone "direct: sccache not found on PATH; running the compiler directly")" 9
fault_report noexec-alone "sccache without the x bit, alone on PATH"

# 5. A file named sccache that is not a program: text without #! (a shell
# would run it; exec does not), and random bytes.
for how in text binary; do
  mkdir -p "$E2E_DIR/bin-$how"
  cp -P "$E2E_DIR"/bin-none/* "$E2E_DIR/bin-$how/"
  if [[ $how == text ]]; then
    printf 'echo this would be run by a shell\nexit 0\n' >"$E2E_DIR/bin-$how/sccache"
  else
    head -c 4096 /dev/urandom >"$E2E_DIR/bin-$how/sccache"
  fi
  chmod 755 "$E2E_DIR/bin-$how/sccache"
  fault_build "not-a-program-$how" PATH="$E2E_DIR/bin-$how"
  check_ge "sccache is $how, not a program: compiles that fell back, 'cannot run it: Exec format error'" \
    "$(count "not-a-program-$how" "sccache failed (cannot run it: Exec format error); running the compiler directly")" 9
  check_eq "sccache is $how, not a program: every compile through it fell back" \
    "$(fallbacks "$E2E_DIR/not-a-program-$how.log")" "$(cache_lines "$E2E_DIR/not-a-program-$how.log")"
  check_eq "sccache is $how, not a program: nothing ran it (its words in cargo's output)" \
    "$(grep -c 'would be run by a shell' "$E2E_DIR/not-a-program-$how.out" || true)" 0
  fault_report "not-a-program-$how" "sccache on PATH is $how, not a program (x bit set)"
done

# 6. The shim itself on PATH as sccache, before nothing else: no loop, builds run directly.
for how in symlink copy; do
  mkdir -p "$E2E_DIR/bin-$how"
  cp -P "$E2E_DIR"/bin-none/* "$E2E_DIR/bin-$how/"
  if [[ $how == symlink ]]; then
    ln -s "$SHIM" "$E2E_DIR/bin-$how/sccache"
  else
    cp "$SHIM" "$E2E_DIR/bin-$how/sccache"
  fi
  fault_build "self-$how" PATH="$E2E_DIR/bin-$how"
  check_ge "shim as sccache ($how): build done in ${fault_seconds}s; compiles that ended direct" \
    "$(count "self-$how" "direct:")" 9
  fault_report "self-$how" "rustc-shim on PATH as sccache ($how)"
done
# The copy is a different file: it runs as "sccache", finds the mark the shim
# put in its environment and runs the compiler. Every compile still happens once.
check_eq "shim copy as sccache: 'run as sccache by rustc-shim' warnings from the copy" \
  "$(( $(count self-copy "rustc-shim was run as sccache by rustc-shim") > 0 ))" 1

e2e_pass
