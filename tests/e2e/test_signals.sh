#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Ctrl-C (SIGINT to the process group) and SIGTERM (to the process group, as
# a CI runner or `timeout` sends it) in the middle of a cargo build through
# rustc-shim: cargo stops, and no process of the build stays behind: no
# shim, no rustc, no sccache client. (sccache's server is a daemon of its
# own; it is stopped at the end.) On the cache route sccache runs as the
# shim's child; the signal reaches it with the rest of the group.
# Usage: test_signals.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
e2e_start_sccache

# Processes of this test's build: their command line names our target dir
# or our shim. The sccache server's command line names neither.
leftovers() {
  local pid cmd
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
    [[ -n $cmd && ( $cmd == *"$CARGO_TARGET_DIR"* || $cmd == *"$SHIM"* ) ]] || continue
    printf '%s %s\n' "$pid" "${cmd:0:160}"
  done
}

# finished NAME PID: waits for a build that ended before it was signalled; one
# that failed by itself fails the test with its own words, not as a retry.
finished() {
  local status=0
  wait "$2" || status=$?
  (( status == 0 )) ||
    fail "$1: cargo build failed by itself (status $status):"$'\n'"$(tail -n 5 "$E2E_DIR/$1.out")"
}

# interrupt NAME SIGNAL ATTEMPT: starts a clean cargo build in a process group
# of its own, waits until sccache's compile of regex or regex-syntax is under
# way (seconds long: a RUSTFLAGS cfg unique to the attempt keeps them out of
# the cache), signals the group, and checks that the build stopped and left
# nothing behind. Returns 2 when cargo was already done.
interrupt() {
  local name=$1 signal=$2 attempt=$3 log=$E2E_DIR/$1.log
  cargo clean >/dev/null 2>&1
  : >"$log"
  # In a process group of its own, with SIGINT and SIGQUIT back to their
  # defaults (a non-interactive shell starts background jobs ignoring them).
  RUSTFLAGS="--cfg signal_test_${name//-/_}_$attempt" SHIM_LOG="debug:$log" python3 -c '
import os, signal, sys
for s in (signal.SIGINT, signal.SIGQUIT):
    signal.signal(s, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' cargo build -j2 >"$E2E_DIR/$name.out" 2>&1 &
  local cargo_pid=$!
  local i live=0
  for (( i = 0; i < 1200; i++ )); do
    if leftovers | grep -E "^[0-9]+ ($SHIM|$(command -v sccache)) " |
      grep -qE -- "--crate-name regex(_syntax)? "; then live=1; break; fi
    kill -0 "$cargo_pid" 2>/dev/null || break
    sleep 0.05
  done
  if (( ! live )); then
    finished "$name" "$cargo_pid"
    note "$name: nothing caught mid-compile of regex (attempt $attempt)"
    return 2
  fi
  note "$name: $(grep -c ' info: ' "$log") compiles routed;" \
    "running now: $(leftovers | grep -cF " $SHIM ") shims, $(leftovers | wc -l) build processes;" \
    "sending SIG$signal to the group"
  if ! kill -s "$signal" -- "-$cargo_pid" 2>/dev/null; then
    finished "$name" "$cargo_pid"
    note "$name: the build ended before the signal (attempt $attempt)"
    return 2
  fi
  local status=0
  wait "$cargo_pid" || status=$?
  (( status != 0 )) || fail "$name: cargo finished normally; the signal came too late"
  note "$name: cargo ended with status $status"
  local rest=""
  for (( i = 0; i < 100; i++ )); do
    rest=$(leftovers)
    [[ -z $rest ]] && break
    sleep 0.1
  done
  [[ -z $rest ]] || fail "$name: processes left behind 10 s after cargo ended:"$'\n'"$rest"
  note "ok: $name: no process of the build left"
  # An sccache that the signal ended is the build's end, not sccache's
  # failure: nothing may run the compile again after it.
  check_eq "$name: compiles run directly after sccache was interrupted ('sccache failed' lines)" \
    "$(fallbacks "$log")" 0
}

# run NAME SIGNAL: up to three attempts at catching the build mid-compile.
run() {
  local attempt status
  for attempt in 1 2 3; do
    status=0
    interrupt "$1" "$2" "$attempt" || status=$?
    (( status == 2 )) || return "$status"
  done
  fail "$1: three builds ended before the compile of regex could be caught"
}

run ctrl-c INT
run sigterm TERM
e2e_pass
