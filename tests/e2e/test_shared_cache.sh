#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# A cache shared past one machine: sccache's Redis backend, with a real
# redis-server and two sccache servers standing for two machines that build
# the same checkout (the same paths, since paths enter sccache's key).
#   1. Machine A builds the fixture through rustc-shim: the dependencies miss
#      and are written to Redis (its key count grows by as many).
#   2. Machine B (another server, an empty SCCACHE_DIR) builds after
#      `cargo clean`: every compile A missed is a hit from Redis, none misses,
#      and the binary runs.
#   3. A coverage run on B (`RUSTFLAGS=-Cinstrument-coverage cargo test`)
#      sends nothing to Redis: no key added, no command of any kind counted
#      by Redis, B's sccache stats unchanged, while the tests still run and
#      write their profiles. Then the real cargo-llvm-cov: its instrumented
#      workspace crates never reach sccache; the dependencies it builds do.
#   4. Redis is stopped while B's server compiles through sccache: the build
#      still succeeds and its binary runs; what sccache counted (read and write
#      errors) and what the shim logged is printed.
# sccache versions without a Redis backend (Debian's 0.4.0~pre6) are skipped,
# after asking that sccache itself.
# Usage: test_shared_cache.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need redis-server redis-cli
need_profiler_runtime

# --- Redis -------------------------------------------------------------------

# The port lib.sh picked is free; Redis takes it, and the two sccache servers
# take the next free ones (pick_port skips a port something listens on).
REDIS_PORT=$SCCACHE_SERVER_PORT
REDIS_PID=
SERVER_PORTS=()
shared_cleanup() {
  local status=$? port
  set +e
  for port in "${SERVER_PORTS[@]}"; do
    SCCACHE_SERVER_PORT=$port sccache --stop-server >>"$E2E_DIR/sccache-stop.txt" 2>&1 \
      || printf '%s: warning: sccache --stop-server failed (port %s)\n' "$E2E_NAME" "$port" >&2
  done
  stop_redis
  (exit "$status")
  e2e_cleanup
}
trap shared_cleanup EXIT

start_redis
note "redis-server $(redis-server --version | awk '{print $3}') on port $REDIS_PORT (pid $REDIS_PID)"
REDIS_URL=redis://127.0.0.1:$REDIS_PORT

dbsize() { redis-cli -p "$REDIS_PORT" dbsize || fail "redis-cli dbsize failed"; }

# redis_calls NAME: saves INFO commandstats as redis-NAME.txt and prints the
# calls Redis counted per command, as "command calls" lines, leaving out the
# commands this test sends itself (info, dbsize).
redis_calls() {
  redis-cli -p "$REDIS_PORT" info commandstats >"$E2E_DIR/redis-$1.txt" || fail "redis-cli info failed"
  sed -n 's/^cmdstat_\([a-z|]*\):calls=\([0-9]*\),.*/\1 \2/p' "$E2E_DIR/redis-$1.txt" | tr -d '\r' \
    | grep -vE '^(info|dbsize) ' | sort
}
# calls_of NAME COMMAND: the calls of one command in redis_calls' output NAME.
calls_of() { awk -v c="$2" '$1 == c { print $2; found = 1 } END { if (!found) print 0 }' <<<"$1"; }

# --- the two machines --------------------------------------------------------

# Which variable names Redis for this sccache: SCCACHE_REDIS_ENDPOINT in the
# newer versions' documentation, SCCACHE_REDIS before (still read by 0.10 and
# 0.16). Asked of sccache itself: a throwaway server started with each, and the
# first whose "Cache location" says redis wins. A build without Redis ignores
# the first and refuses to start with the second ("cache type is not enabled").
REDIS_VAR=
probe_port=$(pick_port)
for var in SCCACHE_REDIS_ENDPOINT SCCACHE_REDIS; do
  location=
  if env SCCACHE_SERVER_PORT="$probe_port" SCCACHE_DIR="$E2E_DIR/probe" "$var=$REDIS_URL" \
       sccache --start-server >"$E2E_DIR/probe-$var.txt" 2>&1; then
    location=$(SCCACHE_SERVER_PORT=$probe_port server_location)
    SCCACHE_SERVER_PORT=$probe_port sccache --stop-server >/dev/null 2>&1 || true
  fi
  note "sccache $E2E_SCCACHE_VERSION with $var: ${location:-no server: $(tail -n 1 "$E2E_DIR/probe-$var.txt")}"
  if [[ $location == redis* && $location == *"$REDIS_URL"* ]]; then
    REDIS_VAR=$var
    break
  fi
done
if [[ -z $REDIS_VAR ]]; then
  # Not a missing tool but a missing feature of this sccache: skip even under
  # E2E_REQUIRE_TOOLS.
  printf '%s: SKIP: sccache %s has no Redis backend (neither SCCACHE_REDIS_ENDPOINT nor SCCACHE_REDIS gives a redis cache location)\n' \
    "$E2E_NAME" "$E2E_SCCACHE_VERSION" >&2
  exit 77
fi

# machine NAME: makes NAME (A or B) the machine that sccache commands and
# cargo talk to: its server port and its own SCCACHE_DIR, the same Redis.
declare -A MACHINE_PORT
machine() {
  export SCCACHE_SERVER_PORT=${MACHINE_PORT[$1]}
  export SCCACHE_DIR=$E2E_DIR/sccache-$1
}

# start_machine NAME: starts NAME's sccache server, pointed at Redis, and makes
# sure that the server on that port is ours and stores in Redis.
start_machine() {
  MACHINE_PORT[$1]=$(pick_port)
  machine "$1"
  mkdir -p "$SCCACHE_DIR"
  export "$REDIS_VAR=$REDIS_URL"
  SCCACHE_LOG=debug SCCACHE_ERROR_LOG="$E2E_DIR/sccache-server-$1.log" \
    sccache --start-server >"$E2E_DIR/sccache-start-$1.txt" 2>&1 \
    || fail "machine $1: sccache --start-server failed on port $SCCACHE_SERVER_PORT: $(cat "$E2E_DIR/sccache-start-$1.txt")"
  SERVER_PORTS+=("$SCCACHE_SERVER_PORT")
  local location
  location=$(server_location)
  [[ $location == redis* && $location == *"$REDIS_URL"* ]] \
    || fail "machine $1: the server on port $SCCACHE_SERVER_PORT does not use our Redis: cache location $location"
  note "machine $1: sccache $(sccache --version | awk '{print $2}') on port $SCCACHE_SERVER_PORT, $REDIS_VAR=$REDIS_URL, cache location: $location"
}

# build NAME [ENV...]: cargo build on the current machine with the shim logging
# at debug level to NAME.log; the units cargo compiled go to NAME.units.
build() {
  local name=$1
  shift
  env "$@" SHIM_LOG="debug:$E2E_DIR/$name.log" cargo build --message-format=json-render-diagnostics \
    >"$E2E_DIR/$name.json" 2>"$E2E_DIR/$name.err" \
    || fail "$name: cargo build failed: $(tail -n 30 "$E2E_DIR/$name.err")"
  artifacts "$E2E_DIR/$name.json" >"$E2E_DIR/$name.units"
  note "$name: shim log, by route and reason:"
  log_summary "$E2E_DIR/$name.log" | sed 's/^/    /'
}

dep_libs() { awk -F'\t' '$1 == "dep" && $2 == "lib"' "$1" | sort -u | wc -l; }
check_binary() {
  check_eq "$1: shimfix-cli output" "$("$CARGO_TARGET_DIR/debug/shimfix-cli" "ann=95, bob=40")" \
    '[{"grade":"A","name":"ann","score":95},{"grade":"F","name":"bob","score":40}]'
}

start_machine A
start_machine B

# --- 1. machine A fills Redis -----------------------------------------------------
machine A
stats_snapshot a_start
keys_before=$(dbsize)
calls_before=$(redis_calls a_before)
build machine-a
stats_snapshot a_built
keys_a=$(dbsize)
calls_a=$(redis_calls a_after)
deps=$(dep_libs "$E2E_DIR/machine-a.units")
note "machine A: dependency lib crates compiled: $deps; Redis keys $keys_before -> $keys_a;" \
  "GET calls $(calls_of "$calls_before" get) -> $(calls_of "$calls_a" get)," \
  "SET calls $(calls_of "$calls_before" set) -> $(calls_of "$calls_a" set)"
check_ge "machine A: dependency lib crates compiled" "$deps" 3
check_eq "machine A: dependency libs with a 'cache:' line" \
  "$(check_routes "$E2E_DIR/machine-a.log" "$E2E_DIR/machine-a.units" cache "no coverage, profiling" dep lib)" "$deps"
a_misses=$(( a_built_misses - a_start_misses ))
check_eq "machine A: cache misses" "$a_misses" "$deps"
check_eq "machine A: cache hits" "$(( a_built_hits - a_start_hits ))" 0
check_eq "machine A: compile requests = 'cache:' lines in the log" \
  "$(( a_built_requests - a_start_requests ))" "$(cache_lines "$E2E_DIR/machine-a.log")"
# Each miss was written to Redis as one key.
check_eq "machine A: keys Redis gained" "$(( keys_a - keys_before ))" "$a_misses"
check_ge "machine A: SET calls Redis counted" \
  "$(( $(calls_of "$calls_a" set) - $(calls_of "$calls_before" set) ))" "$a_misses"
check_binary "machine A"

# --- 2. machine B reads it ----------------------------------------------------
# The same checkout, CARGO_HOME and target directory (paths enter sccache's
# key); B's own SCCACHE_DIR is empty, so every hit comes from Redis.
machine B
check_eq "machine B: files in its SCCACHE_DIR before building" "$(find "$SCCACHE_DIR" -type f | wc -l)" 0
cargo clean 2>"$E2E_DIR/clean.err" || fail "cargo clean failed: $(cat "$E2E_DIR/clean.err")"
[[ ! -e "$CARGO_TARGET_DIR/debug/deps" ]] || fail "cargo clean left $CARGO_TARGET_DIR/debug/deps"
stats_snapshot b_start
build machine-b
stats_snapshot b_built
keys_b=$(dbsize)
calls_b=$(redis_calls b_after)
check_eq "machine B: dependency lib crates compiled again" "$(dep_libs "$E2E_DIR/machine-b.units")" "$deps"
check_eq "machine B: dependency libs with a 'cache:' line" \
  "$(check_routes "$E2E_DIR/machine-b.log" "$E2E_DIR/machine-b.units" cache "no coverage, profiling" dep lib)" "$deps"
check_eq "machine B: cache hits (= machine A's misses)" "$(( b_built_hits - b_start_hits ))" "$a_misses"
check_eq "machine B: cache misses" "$(( b_built_misses - b_start_misses ))" 0
check_eq "machine B: compile requests = 'cache:' lines in the log" \
  "$(( b_built_requests - b_start_requests ))" "$(cache_lines "$E2E_DIR/machine-b.log")"
check_eq "machine B: Redis keys (nothing new written)" "$keys_b" "$keys_a"
check_ge "machine B: GET calls Redis counted" \
  "$(( $(calls_of "$calls_b" get) - $(calls_of "$calls_a" get) ))" "$a_misses"
check_binary "machine B"

# --- 3. coverage on B: nothing reaches Redis ------------------------------------
stats_snapshot b_before_cov
calls_before=$(redis_calls cov_before)
keys_before=$(dbsize)
mkdir -p "$E2E_DIR/profiles"
RUSTFLAGS=-Cinstrument-coverage LLVM_PROFILE_FILE="$E2E_DIR/profiles/shimfix-%p-%m.profraw" \
  SHIM_LOG="debug:$E2E_DIR/coverage.log" cargo test >"$E2E_DIR/coverage.out" 2>&1 \
  || fail "coverage run: cargo test failed: $(tail -n 30 "$E2E_DIR/coverage.out")"
stats_snapshot b_after_cov
calls_after=$(redis_calls cov_after)
note "coverage run: shim log, by route and reason:"
log_summary "$E2E_DIR/coverage.log" | sed 's/^/    /'
check_eq "coverage run: 'cache:' lines" "$(cache_lines "$E2E_DIR/coverage.log")" 0
check_ge "coverage run: compiles routed 'direct: -C instrument-coverage'" \
  "$(shim_log_table "$E2E_DIR/coverage.log" | awk -F'\t' '$1 == "direct" && $4 ~ /^-C ?instrument-coverage at argument /' | wc -l)" 10
check_ge "coverage run: profraw files the instrumented tests wrote" \
  "$(find "$E2E_DIR/profiles" -name '*.profraw' | wc -l)" 3
check_eq "coverage run: machine B's sccache (requests hits misses, before -> after)" \
  "$b_before_cov_requests $b_before_cov_hits $b_before_cov_misses -> $b_after_cov_requests $b_after_cov_hits $b_after_cov_misses" \
  "$b_before_cov_requests $b_before_cov_hits $b_before_cov_misses -> $b_before_cov_requests $b_before_cov_hits $b_before_cov_misses"
check_eq "coverage run: Redis keys (before -> after)" "$keys_before -> $(dbsize)" "$keys_before -> $keys_before"
# Every command Redis counted, not only GET and SET: a connection made for
# nothing would show too (PING, HELLO, CLIENT). Steps 1 and 2 showed the same
# counters move when sccache uses Redis.
check_eq "coverage run: commands Redis counted (before -> after)" \
  "$(tr '\n' ' ' <<<"$calls_before")-> $(tr '\n' ' ' <<<"$calls_after")" \
  "$(tr '\n' ' ' <<<"$calls_before")-> $(tr '\n' ' ' <<<"$calls_before")"

# The real cargo-llvm-cov, as users run it with the shim in .cargo/config.toml:
# it wraps the shim and instruments the workspace crates only. Those never reach
# sccache; the dependencies, built uninstrumented in its own target directory,
# go to the cache as in any build. cargo-llvm-cov sets CARGO_LLVM_COV=1, and
# sccache 0.10 and 0.16 hash every CARGO_* variable, but rustc-shim leaves it
# out of sccache's environment: what they miss is written to Redis like any.
LLVM_COV_BIN=$(tool_bin cargo-llvm-cov "$CARGO_LLVM_COV_VERSION")
need "$LLVM_COV_BIN" "$LLVM_BIN/llvm-cov" "$LLVM_BIN/llvm-profdata"
stats_snapshot b_before_llvm_cov
calls_before=$(redis_calls llvm_cov_before)
keys_before=$(dbsize)
LLVM_COV=$LLVM_BIN/llvm-cov LLVM_PROFDATA=$LLVM_BIN/llvm-profdata SHIM_LOG="debug:$E2E_DIR/llvm-cov.log" \
  "$LLVM_COV_BIN" llvm-cov --lcov --output-path "$E2E_DIR/llvm-cov.lcov" >"$E2E_DIR/llvm-cov.out" 2>&1 \
  || fail "cargo llvm-cov failed: $(tail -n 30 "$E2E_DIR/llvm-cov.out")"
stats_snapshot b_after_llvm_cov
calls_after=$(redis_calls llvm_cov_after)
keys_after=$(dbsize)
note "cargo-llvm-cov: shim log, by route and reason:"
log_summary "$E2E_DIR/llvm-cov.log" | sed 's/^/    /'
local_crate='$3 ~ /^(shimfix_|integration$)/'
check_eq "cargo-llvm-cov: workspace crate compiles that reached sccache" \
  "$(shim_log_table "$E2E_DIR/llvm-cov.log" | awk -F'\t' "$local_crate"' && $1 == "cache"' | wc -l)" 0
check_ge "cargo-llvm-cov: workspace crate compiles routed 'direct: -C instrument-coverage'" \
  "$(shim_log_table "$E2E_DIR/llvm-cov.log" | awk -F'\t' "$local_crate"' && $1 == "direct" && $4 ~ /^-C ?instrument-coverage at argument /' | wc -l)" 3
llvm_cov_cache=$(cache_lines "$E2E_DIR/llvm-cov.log")
check_eq "cargo-llvm-cov: machine B's compile requests = 'cache:' lines in the log" \
  "$(( b_after_llvm_cov_requests - b_before_llvm_cov_requests ))" "$llvm_cov_cache"
llvm_cov_hits=$(( b_after_llvm_cov_hits - b_before_llvm_cov_hits ))
llvm_cov_misses=$(( b_after_llvm_cov_misses - b_before_llvm_cov_misses ))
note "cargo-llvm-cov: dependency compiles through sccache: hits $llvm_cov_hits, misses $llvm_cov_misses;" \
  "Redis keys $keys_before -> $keys_after; GET $(calls_of "$calls_before" get) -> $(calls_of "$calls_after" get)," \
  "SET $(calls_of "$calls_before" set) -> $(calls_of "$calls_after" set)"
check_eq "cargo-llvm-cov: keys Redis gained = its misses" "$(( keys_after - keys_before ))" "$llvm_cov_misses"
check_grade_lcov "$E2E_DIR/llvm-cov.lcov" "cargo-llvm-cov" "$GRADE_LINES_HIT_LLVM_COV"

# --- 4. Redis stopped in the middle of a build on B ------------------------------
# New keys for every dependency (a cfg of this step), so that the compiles miss;
# B's local directory emptied first. Redis goes while B's server compiles
# regex, the last and longest dependency: its lookup in Redis is over (a miss),
# so the failures that follow are its write and those of what is still to come.
# Each failing Redis operation that needs a new connection waits out the
# connection pool's timeout (30 s; sccache's Redis backend, opendal's bb8 pool,
# sets none, and no variable or URL parameter of sccache's changes it): stopped
# earlier, at regex-syntax, the build took 110 s on 0.10.0 and 77 s on 0.16.0.
cargo clean >/dev/null 2>&1
rm -rf "$SCCACHE_DIR" && mkdir -p "$SCCACHE_DIR"
stats_snapshot b_before_stop
server_b=$(sccache_server_pids)
[[ -n $server_b && $server_b != *[!0-9]* ]] || fail "machine B: not one sccache server on port $SCCACHE_SERVER_PORT: '$server_b'"
stopped=0
log_at_start=$(wc -l <"$E2E_DIR/sccache-server-B.log")
SECONDS=0
RUSTFLAGS="--cfg redis_stopped" SHIM_LOG="debug:$E2E_DIR/redis-stopped.log" cargo build -v \
  >"$E2E_DIR/redis-stopped.out" 2>&1 &
cargo_pid=$!
# under_sccache PATTERN: the command lines of this build's compiles matching
# PATTERN that B's sccache runs: under its server, or in client-side mode
# under a client (other builds may use sccache on this machine).
under_sccache() {
  local pid parent
  if [[ ${SCCACHE_CLIENT_SIDE:-} == 1 ]]; then
    for pid in $(pgrep -f -- "$1" || true); do
      parent=$(ps -o ppid= -p "$pid" | tr -d ' ')
      [[ -n $parent && $(readlink -f "/proc/$parent/exe" 2>/dev/null) == "$(readlink -f "$E2E_SCCACHE")" ]] \
        && tr '\0' ' ' <"/proc/$pid/cmdline" && echo
    done
  else
    pgrep -P "$server_b" -fa -- "$1" || true
  fi
}
# B's sccache compiling regex for this build: its rustc process seen, or its
# server's "[regex]: Compiling locally" line since the build began (in a
# fresh-clone run on sccache 0.19.0 and 0.10.0 the sampling found no such
# process although regex compiled for 2 to 3 s; awk reads the log itself, no
# pipe that pipefail could fail on).
compiling="--crate-name regex .*--out-dir $CARGO_TARGET_DIR/"
regex_compiling() {
  [[ -n $(under_sccache "$compiling") ]] && return 0
  awk -v start="$log_at_start" 'NR > start && index($0, "[regex]: Compiling locally") { found = 1; exit }
    END { exit !found }' "$E2E_DIR/sccache-server-B.log" 2>/dev/null
}
for (( i = 0; i < 2400; i++ )); do
  regex_compiling && break
  kill -0 "$cargo_pid" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$cargo_pid" 2>/dev/null && regex_compiling; then
  under_way=$(under_sccache "--crate-name .*--out-dir $CARGO_TARGET_DIR/" \
    | sed -n 's/.*--crate-name \([^ ]*\) .*/\1/p' | tr '\n' ' ' || true)
  keys_at_stop=$(dbsize)
  server_log_at_stop=$(wc -l <"$E2E_DIR/sccache-server-B.log")
  kill "$REDIS_PID"
  wait "$REDIS_PID" 2>/dev/null || true
  stopped=1
  stopped_at=$SECONDS
  note "Redis stopped ${SECONDS}s into the build (at $(date -u +%T) UTC) with $keys_at_stop keys; B's server was compiling: ${under_way:-nothing}"
fi
status=0
wait "$cargo_pid" || status=$?
(( stopped )) || fail "Redis stopped mid-build: the build ended before a compile through sccache was seen"
build_seconds=$SECONDS
stats_snapshot b_after_stop
note "Redis stopped mid-build: cargo build exit status $status after ${build_seconds}s" \
  "(Redis stopped at ${stopped_at}s); shim log, by route and reason:"
log_summary "$E2E_DIR/redis-stopped.log" | sed 's/^/    /'
# stat_or_none FILE NAME: like stat_line, but "none" for a line this version lacks.
stat_or_none() {
  awk -v name="$2" '{ l = $0; sub(/[ \t]+[0-9]+$/, "", l) } l == name { print $NF; f = 1; exit }
    END { if (!f) print "none" }' "$1"
}
for line in "Cache read errors" "Cache write errors" "Cache errors" "Cache timeouts"; do
  note "Redis stopped mid-build: sccache '$line': $(stat_or_none "$E2E_DIR/stats-b_before_stop.txt" "$line")" \
    "-> $(stat_or_none "$E2E_DIR/stats-b_after_stop.txt" "$line")"
done
note "Redis stopped mid-build: sccache requests +$(( b_after_stop_requests - b_before_stop_requests )), hits" \
  "+$(( b_after_stop_hits - b_before_stop_hits )), misses +$(( b_after_stop_misses - b_before_stop_misses ))"
# What sccache's server logged once Redis was gone (warnings and errors only;
# a key Redis does not hold is an ordinary miss and not shown).
tail -n "+$(( server_log_at_stop + 1 ))" "$E2E_DIR/sccache-server-B.log" \
  | grep -E '^\[[^ ]+ (WARN|ERROR) ' | grep -v 'NotFound' \
  | sed -E 's/path=[0-9a-f/]+/path=KEY/; s/written=[0-9]+/written=N/' >"$E2E_DIR/redis-stopped.server-errors" || true
note "Redis stopped mid-build: sccache server warnings and errors (times UTC):"
sed -E 's/^\[[0-9-]+T([0-9:]+)Z/\1/' "$E2E_DIR/redis-stopped.server-errors" | cut -c1-200 | sed 's/^/    /'
note "Redis stopped mid-build: shim warnings: $(grep -c ' warning: ' "$E2E_DIR/redis-stopped.log" || true)"

(( status == 0 )) || fail "Redis stopped mid-build: cargo build failed (exit $status): $(tail -n 30 "$E2E_DIR/redis-stopped.out")"
check_eq "Redis stopped mid-build: the build succeeded" "$status" 0
check_binary "Redis stopped mid-build"
# sccache itself compiled every one of them: no compile fell back to the
# compiler behind sccache's back, and each dependency was a miss (new keys, or
# Redis unreachable).
check_eq "Redis stopped mid-build: sccache compile requests = 'cache:' lines in the log" \
  "$(( b_after_stop_requests - b_before_stop_requests ))" "$(cache_lines "$E2E_DIR/redis-stopped.log")"
check_eq "Redis stopped mid-build: shim fallbacks" \
  "$(fallbacks "$E2E_DIR/redis-stopped.log")" 0
check_eq "Redis stopped mid-build: cache misses" "$(( b_after_stop_misses - b_before_stop_misses ))" "$deps"
fault_seconds=$build_seconds
errors=$(for line in "Cache read errors" "Cache write errors" "Cache errors" "Cache timeouts"; do
  printf '%s %s -> %s, ' "${line#Cache }" "$(stat_or_none "$E2E_DIR/stats-b_before_stop.txt" "$line")" \
    "$(stat_or_none "$E2E_DIR/stats-b_after_stop.txt" "$line")"
done)
fault_report redis-stopped "Redis stopped mid-build" \
  "Redis stopped at ${stopped_at}s; sccache: ${errors%, }; $(wc -l <"$E2E_DIR/redis-stopped.server-errors") server warnings and errors"

e2e_pass
