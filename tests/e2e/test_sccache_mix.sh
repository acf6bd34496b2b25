#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# sccache set up wrong in the ways a team's machines drift apart, with real
# cargo and the real sccache of E2E_SCCACHE_VERSION: every build through
# rustc-shim must succeed with the right output; the test records how many
# compiles fell back and why, and what bare sccache (cargo's wrapper itself)
# does in the same setup.
#   a. An invalid boolean in sccache's environment (SCCACHE_CLIENT_SIDE=maybe,
#      and SCCACHE_SKIP_CACHE_CHECK=maybe from 0.18) while a healthy server
#      runs: from 0.17 every sccache call fails before it reaches the server
#      ("sccache: error: SCCACHE_CLIENT_SIDE must be 'true', ...", exit 2), so
#      every compile through it falls back once, the reason naming the
#      variable, and bare sccache fails the build. Older versions do not read
#      the variable: the test shows that they serve the build as usual.
#   b. Two versions on one port: a server of the other version of the pair
#      0.16.0 / 0.19.0 already listens on this test's port when the build
#      starts with this version's client. sccache has no version handshake,
#      and its client never replaces a server that answers. (Other versions
#      skip it.)
#   c. Redis down when the server starts: SCCACHE_REDIS names a port where
#      Redis listened a moment ago and nothing does now, and no server is
#      started by hand; the server that the first compile starts checks its
#      cache first, fails, and never serves. From 0.18 once more with
#      SCCACHE_SKIP_CACHE_CHECK=1: the server starts, and each compile meets
#      Redis's absence in the cache itself. (Skipped where sccache has no
#      Redis backend, as Debian's 0.4: asked of sccache itself.)
# Usage: test_sccache_mix.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need python3

OTHER_SCCACHE=
REDIS_PID=
mix_cleanup() {
  local status=$?
  set +e
  if [[ -n $OTHER_SCCACHE ]]; then
    "$OTHER_SCCACHE" --stop-server >>"$E2E_DIR/sccache-stop.txt" 2>&1 \
      || printf '%s: warning: sccache %s --stop-server failed (port %s)\n' "$E2E_NAME" "$OTHER" "$SCCACHE_SERVER_PORT" >&2
  fi
  stop_redis
  (exit "$status")
  e2e_cleanup
}
trap mix_cleanup EXIT

# since VERSION: true when E2E_SCCACHE_VERSION is VERSION or newer.
since() { [[ $(printf '%s\n' "$1" "$E2E_SCCACHE_VERSION" | sort -V | head -n 1) == "$1" ]]; }

# stat_or_none FILE NAME: the number on sccache's "NAME  N" stats line, or
# "none" where this version has no such line.
stat_or_none() {
  awk -v name="$2" '{ l = $0; sub(/[ \t]+[0-9]+$/, "", l) } l == name { print $NF; f = 1; exit }
    END { if (!f) print "none" }' "$1"
}

# stat_label NAME: a stats line's name as the reports write it ("Cache read
# errors" -> "read errors", "Compile requests" -> "requests").
stat_label() { local l=${1#Cache }; echo "${l#Compile }"; }

# folded: stdin with this test's directory, sccache's path, the toolchain's
# rustc and numbers of 3 digits or more (ports, pids) folded, so that the
# same failure reads the same.
folded() {
  sed -E "s#$E2E_DIR#\$E2E_DIR#g; s#$E2E_SCCACHE#sccache#g; s#[^ \`]*/bin/rustc#rustc#g; s/[0-9]{3,}/N/g"
}

# stop_servers: stops this version's server on our port, if one runs, and
# waits (up to 60 s) until no server of this version is left on it: one that
# is still checking its cache when asked to stop goes when the check ends.
stop_servers() {
  sccache --stop-server >>"$E2E_DIR/sccache-stop.txt" 2>&1 || true
  E2E_SERVER_UP=0
  local i
  for (( i = 0; i < 600; i++ )); do
    [[ -z $(sccache_server_pids) ]] && return
    sleep 0.1
  done
  fail "sccache servers still running on port $SCCACHE_SERVER_PORT: $(sccache_server_pids | tr '\n' ' ')"
}

# dup_fallbacks LOG: shim invocations (pids) of LOG that fell back more than once.
dup_fallbacks() {
  sed -n 's/.*rustc-shim\[\([0-9]*\)\] warning: sccache failed (.*/\1/p' "$1" | sort | uniq -d | wc -l
}

# bare_build NAME [ENV...]: cargo clean, then `cargo build -v` with this
# sccache itself as cargo's wrapper (RUSTC_WRAPPER wins over the workspace's
# rustc-wrapper) and ENV, its output in NAME.out. Sets bare_status (cargo's)
# and bare_text: "build ok, the binary runs", or cargo's first error and
# sccache's own lines.
bare_build() {
  local name=$1 start=$SECONDS
  shift
  cargo clean >/dev/null 2>&1
  bare_status=0
  env "$@" RUSTC_WRAPPER="$E2E_SCCACHE" cargo build -v >"$E2E_DIR/$name.out" 2>&1 || bare_status=$?
  if (( bare_status == 0 )); then
    [[ $("$CARGO_TARGET_DIR/debug/shimfix-cli" "ann=95") == "$FIXTURE_LINE" ]] \
      || fail "$name: bare sccache built a binary that prints the wrong line"
    bare_text="build ok in $(( SECONDS - start ))s, the binary runs"
  else
    local first said
    first=$(grep -m 1 '^error: ' "$E2E_DIR/$name.out" | folded | cut -c1-200)
    said=$(grep '^sccache: ' "$E2E_DIR/$name.out" | folded | awk '!seen[$0]++' | head -n 5 | paste -sd '|' - \
      | sed 's/|/ | /g')
    bare_text="build FAILED in $(( SECONDS - start ))s (cargo exit $bare_status; $first; $said)"
  fi
}

# --- a. an invalid boolean in sccache's environment --------------------------

e2e_start_sccache
for var in SCCACHE_CLIENT_SIDE SCCACHE_SKIP_CACHE_CHECK; do
  case $var in
    SCCACHE_CLIENT_SIDE) reads=0.17.0 ;;
    SCCACHE_SKIP_CACHE_CHECK) reads=0.18.0 ;;
  esac
  name=bad-bool-${var#SCCACHE_}
  name=${name,,}
  name=${name//_/-}
  if [[ $var != SCCACHE_CLIENT_SIDE ]] && ! since "$reads"; then
    note "a. $var=maybe: skipped, sccache $E2E_SCCACHE_VERSION does not read $var (from $reads)"
    continue
  fi
  stats_snapshot before_bool
  fault_build "$name" "$var=maybe"
  stats_snapshot after_bool
  log=$E2E_DIR/$name.log
  routed=$(cache_lines "$log")
  fell=$(fallbacks "$log")
  requests=$(( after_bool_requests - before_bool_requests ))
  check_ge "$name: compiles through sccache" "$routed" 9
  check_eq "$name: compiles that fell back, more than once" "$(dup_fallbacks "$log")" 0
  check_eq "$name: sccache's error lines in cargo's output" \
    "$(grep -c '^sccache: error' "$E2E_DIR/$name.out" || true)" 0
  if since "$reads"; then
    check_eq "$name: compiles that fell back (every one through sccache)" "$fell" "$routed"
    check_eq "$name: fallbacks naming $var" \
      "$(grep -cF "sccache failed (exit 2: sccache: error: $var must be 'true', 'on', '1', 'false', 'off' or '0'.); running the compiler directly" "$log" || true)" \
      "$fell"
    check_eq "$name: compile requests the running server saw" "$requests" 0
  else
    check_eq "$name: compiles that fell back (sccache $E2E_SCCACHE_VERSION does not read $var)" "$fell" 0
    check_eq "$name: compile requests the running server saw = 'cache:' lines" "$requests" "$routed"
  fi
  bare_build "$name-bare" "$var=maybe"
  if since "$reads"; then
    (( bare_status != 0 )) || fail "$name: bare sccache with $var=maybe built the workspace"
    check_contains "$name: bare sccache's error names $var" "$E2E_DIR/$name-bare.out" "sccache: error: $var must be "
  else
    check_eq "$name: bare sccache with $var=maybe (not read by $E2E_SCCACHE_VERSION): cargo's exit status" "$bare_status" 0
  fi
  note "FIGURE: sccache $E2E_SCCACHE_VERSION, $var=maybe: through rustc-shim $fell of $routed compiles fell back," \
    "the running server saw $requests compile requests; bare sccache: build $( (( bare_status == 0 )) && echo ok || echo FAILED)"
  fault_report "$name" "invalid boolean $var=maybe" "the running server saw $requests compile requests; bare sccache: $bare_text"
done
stop_servers

# --- b. two versions on one port ------------------------------------------------

case $E2E_SCCACHE_VERSION in
  0.19.0) OTHER=0.16.0 ;;
  0.16.0) OTHER=0.19.0 ;;
  *) OTHER= ;;
esac
if [[ -z $OTHER ]]; then
  note "b. mixed versions: skipped, the pair tested is 0.16.0 / 0.19.0 (0.19 changed the server's reply)"
else
  need "$(sccache_bin "$OTHER")"
  OTHER_SCCACHE=$(sccache_bin "$OTHER")
  export SCCACHE_DIR=$E2E_DIR/sccache-mixed
  SCCACHE_LOG=debug SCCACHE_ERROR_LOG="$E2E_DIR/sccache-server-mixed.log" \
    "$OTHER_SCCACHE" --start-server >"$E2E_DIR/sccache-start-mixed.txt" 2>&1 \
    || fail "sccache $OTHER --start-server failed on port $SCCACHE_SERVER_PORT: $(cat "$E2E_DIR/sccache-start-mixed.txt")"
  "$OTHER_SCCACHE" --show-stats >"$E2E_DIR/stats-mixed-before.txt" 2>&1 \
    || fail "sccache $OTHER --show-stats failed: $(cat "$E2E_DIR/stats-mixed-before.txt")"
  location=$(sed -n 's/^Cache location *//p' "$E2E_DIR/stats-mixed-before.txt")
  [[ "$location" == *"\"$SCCACHE_DIR\""* ]] \
    || fail "the server on port $SCCACHE_SERVER_PORT is not ours: cache location $location"
  note "b. a server of sccache $OTHER on port $SCCACHE_SERVER_PORT, the client sccache $E2E_SCCACHE_VERSION"
  fault_build mixed
  "$OTHER_SCCACHE" --show-stats >"$E2E_DIR/stats-mixed-after.txt" 2>&1 \
    || fail "sccache $OTHER --show-stats failed: $(cat "$E2E_DIR/stats-mixed-after.txt")"
  counted=
  for line in "Compile requests" "Cache hits" "Cache misses" "Cache errors"; do
    counted+="${counted:+, }$(stat_label "$line") +$(( $(stat_or_none "$E2E_DIR/stats-mixed-after.txt" "$line") \
      - $(stat_or_none "$E2E_DIR/stats-mixed-before.txt" "$line") ))"
  done
  # What this version's client makes of the other server's statistics.
  stats_said=ok
  sccache --show-stats >"$E2E_DIR/stats-mixed-client.txt" 2>&1 \
    || stats_said="fails ($(grep -m 1 '^sccache: error' "$E2E_DIR/stats-mixed-client.txt" | folded) | $(grep '^sccache: caused by' "$E2E_DIR/stats-mixed-client.txt" | tail -n 1 | folded))"
  log=$E2E_DIR/mixed.log
  routed=$(cache_lines "$log")
  fell=$(fallbacks "$log")
  check_ge "mixed: compiles through sccache" "$routed" 9
  check_eq "mixed: fallbacks that were sccache's client errors (exit 2)" \
    "$(grep -c 'sccache failed (exit 2: sccache: error: ' "$log" || true)" "$fell"
  check_eq "mixed: compiles that fell back, more than once" "$(dup_fallbacks "$log")" 0
  check_eq "mixed: sccache's error lines in cargo's output" "$(grep -c '^sccache: error' "$E2E_DIR/mixed.out" || true)" 0
  bare_build mixed-bare
  "$OTHER_SCCACHE" --show-stats >"$E2E_DIR/stats-mixed-bare.txt" 2>&1 || true
  note "FIGURE: sccache $E2E_SCCACHE_VERSION's client, a $OTHER server on its port: through rustc-shim $fell of" \
    "$routed compiles fell back; bare sccache: build $( (( bare_status == 0 )) && echo ok || echo FAILED)"
  fault_report mixed "a $OTHER server on the port, the $E2E_SCCACHE_VERSION client" \
    "the $OTHER server counted $counted; the client's --show-stats $stats_said; bare sccache: $bare_text"
  "$OTHER_SCCACHE" --stop-server >>"$E2E_DIR/sccache-stop.txt" 2>&1 \
    || fail "sccache $OTHER --stop-server failed: $(tail -n 3 "$E2E_DIR/sccache-stop.txt")"
  for (( i = 0; i < 100; i++ )); do
    [[ -z $(E2E_SCCACHE=$OTHER_SCCACHE sccache_server_pids) ]] && break
    sleep 0.1
  done
  OTHER_SCCACHE=
  stop_servers
fi

# --- c. Redis down when the server starts -----------------------------------------

if ! command -v redis-server >/dev/null 2>&1; then
  [[ ${E2E_REQUIRE_TOOLS:-0} == 1 ]] && fail "required tool 'redis-server' not found"
  note "c. Redis down at start-up: skipped, no redis-server"
  e2e_pass
  exit 0
fi
# A port of its own for Redis, next to sccache's (free now: no server runs).
REDIS_PORT=$(( SCCACHE_SERVER_PORT + 1 ))
while (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; do REDIS_PORT=$(( REDIS_PORT + 1 )); done
start_redis
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
# Has this sccache a Redis backend? A server started with SCCACHE_REDIS
# pointing at the live Redis says so in its cache location (Debian's 0.4
# refuses to start: "cache type is not enabled").
export SCCACHE_DIR=$E2E_DIR/sccache-redis
location=
if SCCACHE_REDIS=$REDIS_URL sccache --start-server >"$E2E_DIR/probe-redis.txt" 2>&1; then
  location=$(server_location)
fi
stop_servers
kill "$REDIS_PID"
wait "$REDIS_PID" 2>/dev/null || true
REDIS_PID=
if [[ $location != redis* || $location != *"$REDIS_URL"* ]]; then
  note "c. Redis down at start-up: skipped, sccache $E2E_SCCACHE_VERSION has no Redis backend" \
    "(SCCACHE_REDIS: $(tail -n 1 "$E2E_DIR/probe-redis.txt"))"
  e2e_pass
  exit 0
fi
note "c. sccache $E2E_SCCACHE_VERSION with SCCACHE_REDIS=$REDIS_URL: cache location $location; Redis now stopped"
if (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null; then
  fail "something listens on port $REDIS_PORT after Redis stopped"
fi

# redis_down NAME [ENV...]: the build with SCCACHE_REDIS pointing at the
# stopped Redis and ENV; then the checks that hold whatever sccache makes of it.
redis_down() {
  local name=$1
  shift
  fault_build "$name" SCCACHE_REDIS="$REDIS_URL" "$@"
  local log=$E2E_DIR/$name.log
  routed=$(cache_lines "$log")
  fell=$(fallbacks "$log")
  by_itself=$(locally "$E2E_DIR/$name.out")
  check_ge "$name: compiles through sccache" "$routed" 9
  check_eq "$name: compiles that fell back, more than once" "$(dup_fallbacks "$log")" 0
  check_eq "$name: sccache's error lines in cargo's output" "$(grep -c '^sccache: error' "$E2E_DIR/$name.out" || true)" 0
}

# 1. No server can start: each compile through sccache starts one, which
# checks Redis, fails, and exits; its client gives up first (it waits 10 s)
# or hears why.
[[ -z $(sccache_server_pids) ]] || fail "redis-down: a server runs before the build"
redis_down redis-down
check_eq "redis-down: compiles that fell back or that sccache compiled by itself (every one through sccache)" \
  "$(( fell + by_itself ))" "$routed"
server_pids=$(sccache_server_pids | wc -l)
bare_build redis-down-bare SCCACHE_REDIS="$REDIS_URL"
(( bare_status != 0 )) || note "redis-down: bare sccache built the workspace"
note "FIGURE: sccache $E2E_SCCACHE_VERSION, Redis down at start-up: through rustc-shim $fell of $routed compiles fell back," \
  "$by_itself compiled by sccache alone; bare sccache: build $( (( bare_status == 0 )) && echo ok || echo FAILED)"
fault_report redis-down "Redis down at server start-up (SCCACHE_REDIS, no server running)" \
  "servers still starting when it ended: $server_pids; bare sccache: $bare_text"
stop_servers

# 2. SCCACHE_SKIP_CACHE_CHECK=1 (0.18 and newer): the server starts without
# asking Redis, and each compile meets its absence in the cache itself.
if ! since 0.18.0; then
  note "c. Redis down, SCCACHE_SKIP_CACHE_CHECK=1: skipped, sccache $E2E_SCCACHE_VERSION does not read it (from 0.18)"
  e2e_pass
  exit 0
fi
# The server is started here only to have its log: the build's first compile
# would start the same one (its environment is the build's).
export SCCACHE_REDIS=$REDIS_URL SCCACHE_SKIP_CACHE_CHECK=1
SCCACHE_LOG=debug SCCACHE_ERROR_LOG="$E2E_DIR/sccache-server-skip.log" \
  sccache --start-server >"$E2E_DIR/sccache-start-skip.txt" 2>&1 \
  || fail "sccache --start-server with Redis down and SCCACHE_SKIP_CACHE_CHECK=1 failed: $(cat "$E2E_DIR/sccache-start-skip.txt")"
E2E_SERVER_UP=1
location=$(server_location)
[[ $location == redis* && $location == *"$REDIS_URL"* ]] \
  || fail "redis-down-skip: the server on port $SCCACHE_SERVER_PORT does not use our Redis: cache location $location"
redis_down redis-down-skip
sccache --show-stats >"$E2E_DIR/stats-redis-down-skip.txt" 2>&1 \
  || fail "sccache --show-stats failed: $(cat "$E2E_DIR/stats-redis-down-skip.txt")"
counted=
for line in "Compile requests" "Cache hits" "Cache misses" "Cache read errors" "Cache write errors" "Cache errors" "Cache timeouts"; do
  counted+="${counted:+, }$(stat_label "$line") $(stat_or_none "$E2E_DIR/stats-redis-down-skip.txt" "$line")"
done
# What the server logged: each Redis operation that failed is one ERROR line
# of its storage layer (opendal), reads and writes apart. (Its statistics
# count a failed read as a miss, and outside client-side mode among "Cache
# errors"; "Cache read errors" stays 0.)
server_log=$E2E_DIR/sccache-server-skip.log
read_failed=$(grep -cE '^\[[^ ]+ ERROR .*service=redis .*: read failed' "$server_log" || true)
write_failed=$(grep -cE '^\[[^ ]+ ERROR .*service=redis .*: write (close )?failed' "$server_log" || true)
counted+="; its log: $read_failed failed reads of Redis, $write_failed failed writes"
check_eq "redis-down-skip: compiles that fell back (the server is up)" "$fell" 0
check_ge "redis-down-skip: failed reads of Redis the server logged (one a dependency library)" "$read_failed" 9
if [[ ${E2E_SCCACHE_CLIENT_SIDE:-0} != 1 ]]; then
  check_eq "redis-down-skip: compile requests = 'cache:' lines that did not fall back" \
    "$(stat_or_none "$E2E_DIR/stats-redis-down-skip.txt" "Compile requests")" "$(( routed - fell ))"
fi
note "FIGURE: sccache $E2E_SCCACHE_VERSION, Redis down at start-up, SCCACHE_SKIP_CACHE_CHECK=1: through rustc-shim" \
  "$fell of $routed compiles fell back; the server counted $counted"
fault_report redis-down-skip "Redis down at server start-up, SCCACHE_SKIP_CACHE_CHECK=1" "sccache counted $counted"
stop_servers

e2e_pass
