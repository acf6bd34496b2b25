#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests
# sccache's server failing under a real cargo build through rustc-shim, with
# cargo's default parallel jobs. Every build must succeed with the right
# output; the log tells which compiles sccache could not do (each then run
# directly, once) and the test records what sccache did by itself.
#   1. the server killed (SIGKILL) while it compiles, again each time a new
#      one is up and compiling: at least 3 kills in one build;
#   2. a compiler under the server killed (SIGKILL) mid-compile: sccache
#      reports "Compiler killed by signal 9" (exit 254), and exactly those
#      compiles fall back;
#   3. the server stopped (`sccache --stop-server`) before each of several
#      clean builds and again in the middle of each: the next compiles start
#      a server of their own, two at once (sccache 0.4 can leave one of them
#      waiting until it gives up: "Timed out waiting for server startup",
#      exit 2).
# A killed server's compiles are orphaned and run on; the build does not wait
# for them. After each fault's build, `cargo test` (its compiles are the
# workspace's own, incremental, so direct) shows the build usable.
# Usage: test_server_faults.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need python3
e2e_start_sccache
export E2E_SCCACHE

# killer WHAT WANTED CARGO-PID REPORT: while cargo runs, kills (SIGKILL) this
# test's sccache server (WHAT=server) or one compiler under it
# (WHAT=compiler; in client-side mode, under a client) whenever a compile of
# this test is under way,
# up to WANTED times; after a server's kill, its successor is waited for. One
# line a kill goes to REPORT.
cat >"$E2E_DIR/killer.py" <<'EOF'
import os, signal, sys, time
what, wanted, cargo_pid, report = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
exe = os.path.realpath(os.environ["E2E_SCCACHE"])
port = f"SCCACHE_SERVER_PORT={os.environ['SCCACHE_SERVER_PORT']}".encode()
target = os.environ["CARGO_TARGET_DIR"].encode()

def read(pid, name):
    try:
        with open(f"/proc/{pid}/{name}", "rb") as f:
            return f.read()
    except OSError:
        return b""

def state_and_parent(pid):
    stat = read(pid, "stat").rsplit(b")", 1)
    if len(stat) < 2:
        return None, None
    fields = stat[1].split()
    return fields[0], int(fields[1])

client_side = os.environ.get("SCCACHE_CLIENT_SIDE") == "1"

def is_sccache(pid, server):
    """This test's sccache server, or (server=False) one of its clients."""
    if not read(pid, "cmdline").split(b"\0")[0].endswith(b"sccache"):
        return False
    try:
        if os.path.realpath(f"/proc/{pid}/exe") != exe:
            return False
    except OSError:
        return False
    env = read(pid, "environ").split(b"\0")
    return (b"SCCACHE_START_SERVER=1" in env) == server and port in env

# Where the compiles run: under the server, or in client-side mode
# (SCCACHE_CLIENT_SIDE=1) under each client, the server keeping the cache.
def is_compiling_sccache(pid):
    return is_sccache(pid, not client_side)

killed_servers = set()
kills = 0
start = time.time()
with open(report, "w", buffering=1) as out:
    while kills < wanted and state_and_parent(cargo_pid)[0] not in (None, b"Z"):
        children = {}
        for pid in (int(p) for p in os.listdir("/proc") if p.isdigit()):
            state, parent = state_and_parent(pid)
            if state not in (None, b"Z"):
                children.setdefault(parent, []).append(pid)
        alive = [pid for pids in children.values() for pid in pids]
        servers = [p for p in alive if p not in killed_servers and is_sccache(p, True)]
        for holder in (p for p in alive if p not in killed_servers and is_compiling_sccache(p)):
            compiles = []
            for child in children.get(holder, []):
                argv = read(child, "cmdline").split(b"\0")
                if b"--crate-name" in argv and target in b" ".join(argv):
                    compiles.append((child, argv[argv.index(b"--crate-name") + 1].decode()))
            if not compiles:
                continue
            server = holder if not client_side else (servers[0] if servers else None)
            if what == "server" and server is None:
                continue
            victim = server if what == "server" else compiles[0][0]
            try:
                os.kill(victim, signal.SIGKILL)
            except OSError:
                continue
            kills += 1
            if what == "server":
                killed_servers.add(server)
                out.write(f"{time.time() - start:.1f}s: server {server} killed while compiling "
                          f"{' '.join(name for _, name in compiles)}\n")
            else:
                out.write(f"{time.time() - start:.1f}s: the compiler of {compiles[0][1]} "
                          f"under sccache {holder} killed\n")
            break
        time.sleep(0.02)
EOF

# under_fire NAME WHAT WANTED COMMAND...: cargo clean, then COMMAND (a cargo
# build) in the background with the shim logging to NAME.log, its output in
# NAME.out, and the killer after WHAT up to WANTED times; the kills are listed
# in NAME.kills. Sets under_fire_status, under_fire_kills and fault_seconds.
under_fire() {
  local name=$1 what=$2 wanted=$3 start=$SECONDS
  shift 3
  cargo clean >/dev/null 2>&1
  rm -f "$E2E_DIR/$name.log"
  SHIM_LOG="debug:$E2E_DIR/$name.log" "$@" >"$E2E_DIR/$name.out" 2>&1 &
  local cargo_pid=$!
  python3 "$E2E_DIR/killer.py" "$what" "$wanted" "$cargo_pid" "$E2E_DIR/$name.kills" \
    || fail "$name: the killer failed"
  under_fire_status=0
  wait "$cargo_pid" || under_fire_status=$?
  fault_seconds=$(( SECONDS - start ))
  under_fire_kills=$(wc -l <"$E2E_DIR/$name.kills")
  sed "s/^/    $name: /" "$E2E_DIR/$name.kills"
  (( under_fire_status == 0 )) \
    || fail "$name: cargo build failed (status $under_fire_status): $(tail -n 30 "$E2E_DIR/$name.out")"
  check_eq "$name: the binary runs" "$("$CARGO_TARGET_DIR/debug/shimfix-cli" "ann=95")" "$FIXTURE_LINE"
}

# 1. The server killed mid-build, again and again. A cfg of each attempt keeps
# its compiles out of the cache, so that they take long enough.
for attempt in 1 2 3; do
  under_fire server-killed server 6 env RUSTFLAGS="--cfg server_killed_$attempt" cargo build -v
  (( under_fire_kills >= 3 )) && break
  note "server killed: only $under_fire_kills kills before the build ended (attempt $attempt)"
done
check_ge "server killed: kills in one build" "$under_fire_kills" 3
# A compile under way on a killed server either finished by sccache alone
# (its client compiled locally) or fell back to the shim; one that had not yet
# reached the server found no server and started one, or fell back.
# (In client-side mode the server only keeps the cache: its clients may go on
# compiling without it, so there is nothing to count.)
if [[ ${SCCACHE_CLIENT_SIDE:-} != 1 ]]; then
  check_ge "server killed: compiles that sccache finished alone or that fell back" \
    "$(( $(fallbacks "$E2E_DIR/server-killed.log") + $(locally "$E2E_DIR/server-killed.out") ))" 1
fi
fault_report server-killed "server SIGKILLed mid-build" "$under_fire_kills kills"
fault_test server-killed RUSTFLAGS="--cfg server_killed_$attempt"

# 2. The compiler under the server killed: sccache has no result to give, and
# says so; the shim runs each of those compiles directly, and nothing of
# sccache's report reaches cargo.
under_fire compiler-killed compiler 3 env RUSTFLAGS="--cfg compiler_killed" cargo build -v
check_ge "compiler killed: kills" "$under_fire_kills" 1
check_eq "compiler killed: compiles that fell back, 'the compiler was killed by signal 9 under sccache'" \
  "$(grep -c 'sccache failed (the compiler was killed by signal 9 under sccache)' "$E2E_DIR/compiler-killed.log")" \
  "$under_fire_kills"
check_eq "compiler killed: fallbacks in all" "$(fallbacks "$E2E_DIR/compiler-killed.log")" "$under_fire_kills"
check_eq "compiler killed: sccache's report in cargo's output" \
  "$(grep -c 'Compiler killed by signal' "$E2E_DIR/compiler-killed.out" || true)" 0
fault_report compiler-killed "compiler SIGKILLed under the server" "$under_fire_kills kills"
fault_test compiler-killed RUSTFLAGS="--cfg compiler_killed"

# 3. The server stopped before each of several clean builds (their compiles
# hit the cache filled by the first one), and once more in the middle of each,
# as soon as a compile of it runs through sccache. cargo's own probes run
# directly, so a build's first compiles through sccache find no server, and
# each starts one; in the middle, the server finishes the compiles it has
# and goes, and the next ones start another.
# stop_when_compiling FILE: stops the server once a compile of this test runs
# through sccache (or after 20 s); "stopped" or sccache's complaint (no server
# up yet: the compile is starting one) goes to FILE.
stop_when_compiling() {
  local i
  for (( i = 0; i < 400; i++ )); do
    pgrep -f -- "^$E2E_SCCACHE .*--crate-name .*--out-dir $CARGO_TARGET_DIR/" >/dev/null && break
    sleep 0.05
  done
  if sccache --stop-server >"$1.txt" 2>&1; then echo stopped >"$1"; else tail -n 1 "$1.txt" >"$1"; fi
}
rounds=4
total=0
rounds_with_fallback=0
mid_stops=0
: >"$E2E_DIR/server-stopped.log"
: >"$E2E_DIR/server-stopped.out"
for round in $(seq "$rounds"); do
  sccache --stop-server >"$E2E_DIR/stop-$round.txt" 2>&1 \
    || fail "sccache --stop-server failed: $(cat "$E2E_DIR/stop-$round.txt")"
  name=server-stopped-$round
  stop_when_compiling "$E2E_DIR/$name.mid-stop" &
  stopper=$!
  fault_build "$name"
  wait "$stopper"
  [[ $(cat "$E2E_DIR/$name.mid-stop") == stopped ]] && mid_stops=$(( mid_stops + 1 ))
  total=$(( total + fault_seconds ))
  fell=$(fallbacks "$E2E_DIR/$name.log")
  (( fell == 0 )) || rounds_with_fallback=$(( rounds_with_fallback + 1 ))
  note "server stopped, round $round: build ${fault_seconds}s, $fell of $(cache_lines "$E2E_DIR/$name.log") compiles fell back;" \
    "the stop in the middle: $(cat "$E2E_DIR/$name.mid-stop")"
  cat "$E2E_DIR/$name.log" >>"$E2E_DIR/server-stopped.log"
  cat "$E2E_DIR/$name.out" >>"$E2E_DIR/server-stopped.out"
done
fault_seconds=$total
stats_snapshot stopped
check_ge "server stopped: the last server served compiles" "$stopped_requests" 1
fault_report server-stopped "server stopped before and during each of $rounds builds (-j default)" \
  "rounds with a fallback: $rounds_with_fallback of $rounds; servers stopped mid-build: $mid_stops"
fault_test "server-stopped-$rounds"

e2e_pass
