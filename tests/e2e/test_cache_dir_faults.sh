#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2154  # stats_snapshot NAME sets NAME_requests, _hits, _misses
# sccache's local cache folder (SCCACHE_DIR) unusable, with real cargo and the
# real sccache: every build must succeed with the right output, and the test
# records what sccache made of it (its stats, its server's complaints) and
# whether any compile fell back to the shim.
#   1. SCCACHE_DIR on a read-only file system (a tmpfs mounted read-only: we
#      may be root, whom file modes do not stop);
#   2. SCCACHE_DIR missing, under that read-only mount: it cannot be made;
#   3. SCCACHE_DIR on a 1 MiB tmpfs: full after a few entries; a second build
#      after `cargo clean` shows what the full cache still gives.
# Needs mount(8) permission (root, or a user namespace allowing tmpfs):
# without it the test is skipped (exit 77), or fails under E2E_REQUIRE_TOOLS=1.
# Usage: test_cache_dir_faults.sh PATH-TO-rustc-shim
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_setup "$@"
need python3 mount umount

MOUNTS=()
cache_dir_cleanup() {
  local status=$? dir
  set +e
  if [[ $E2E_SERVER_UP == 1 ]]; then
    sccache --stop-server >>"$E2E_DIR/sccache-stop.txt" 2>&1
    E2E_SERVER_UP=0
  fi
  for dir in "${MOUNTS[@]}"; do
    umount "$dir" 2>/dev/null || umount -l "$dir" \
      || printf '%s: warning: could not unmount %s\n' "$E2E_NAME" "$dir" >&2
  done
  (exit "$status")
  e2e_cleanup
}
trap cache_dir_cleanup EXIT

# mount_tmpfs DIR OPTIONS: a tmpfs of its own at DIR, unmounted on the way out.
mount_tmpfs() {
  mkdir -p "$1"
  if ! mount -t tmpfs -o "$2" tmpfs "$1" 2>"$E2E_DIR/mount.err"; then
    if [[ "${E2E_REQUIRE_TOOLS:-0}" == 1 ]]; then
      fail "cannot mount a tmpfs at $1: $(cat "$E2E_DIR/mount.err")"
    fi
    printf '%s: SKIP: cannot mount a tmpfs (%s)\n' "$E2E_NAME" "$(cat "$E2E_DIR/mount.err")" >&2
    exit 77
  fi
  MOUNTS+=("$1")
}

# stat_or_none FILE NAME: the number on sccache's "NAME  N" stats line, or
# "none" where this version has no such line.
stat_or_none() {
  awk -v name="$2" '{ l = $0; sub(/[ \t]+[0-9]+$/, "", l) } l == name { print $NF; f = 1; exit }
    END { if (!f) print "none" }' "$1"
}

# with_cache DIR: stops the server there is, then starts one whose cache is
# DIR (lib.sh checks that it says so). The log of the server before is kept
# as sccache-server.log.N.
servers=0
with_cache() {
  if [[ $E2E_SERVER_UP == 1 ]]; then
    sccache --stop-server >/dev/null 2>&1 || fail "sccache --stop-server failed"
    E2E_SERVER_UP=0
    servers=$(( servers + 1 ))
    mv "$E2E_DIR/sccache-server.log" "$E2E_DIR/sccache-server.log.$servers"
  fi
  export SCCACHE_DIR=$1
  e2e_start_sccache
}

# sccache_said FROM: what the server logged at WARN or ERROR level after line
# FROM of its log, each distinct text once (at most 4), hashes folded.
sccache_said() {
  tail -n "+$(( $1 + 1 ))" "$E2E_DIR/sccache-server.log" \
    | sed -nE 's/^\[[^ ]+ (WARN|ERROR) +([^]]+)\] (.*)/\1 \2: \3/p' \
    | { grep -v 'RlibDepDecoder' || true; } \
    | sed -E "s#$E2E_DIR#\$E2E_DIR#g; s#[0-9a-f]{20,}#HASH#g; s#/[0-9a-f]/[0-9a-f]/#/X/X/#g" \
    | cut -c1-240 | sort | uniq -c | sort -rn | head -n 4 | sed 's/^ */    /'
}

# fault NAME WHAT: the build (and `cargo test`) against the server just
# started, then what sccache counted and said.
fault() {
  local name=$1 what=$2 from
  from=$(wc -l <"$E2E_DIR/sccache-server.log")
  stats_snapshot "${name//-/_}_before"
  fault_build "$name"
  stats_snapshot "${name//-/_}_after"
  local before=$E2E_DIR/stats-${name//-/_}_before.txt after=$E2E_DIR/stats-${name//-/_}_after.txt
  local line a b stats=""
  for line in "Cache hits" "Cache misses" "Cache write errors" "Cache read errors" "Cache errors"; do
    a=$(stat_or_none "$before" "$line")
    b=$(stat_or_none "$after" "$line")
    if [[ $a == none || $b == none ]]; then
      stats+="${stats:+, }${line#Cache } none"
    else
      stats+="${stats:+, }${line#Cache } +$(( b - a ))"
    fi
  done
  note "$name: sccache counted: $stats"
  note "$name: sccache's server said:"
  sccache_said "$from"
  local requests_before=${name//-/_}_before_requests requests_after=${name//-/_}_after_requests
  check_eq "$name: sccache's compile requests = 'cache:' lines in the log" \
    "$(( ${!requests_after} - ${!requests_before} ))" \
    "$(( $(cache_lines "$E2E_DIR/$name.log") - $(fallbacks "$E2E_DIR/$name.log") ))"
  fault_report "$name" "$what" "sccache counted $stats"
  fault_test "$name"
}

# 1. A read-only SCCACHE_DIR.
mount_tmpfs "$E2E_DIR/ro" size=4m,ro
with_cache "$E2E_DIR/ro"
fault read-only "SCCACHE_DIR on a read-only tmpfs"
check_eq "read-only: files in SCCACHE_DIR" "$(find "$E2E_DIR/ro" -type f | wc -l)" 0

# 2. SCCACHE_DIR missing, and impossible to make.
with_cache "$E2E_DIR/ro/sccache"
fault cannot-create "SCCACHE_DIR missing under a read-only mount"

# 3. A full SCCACHE_DIR: 1 MiB (regex's entry alone is 2.5 MB compressed).
mount_tmpfs "$E2E_DIR/full" size=1m
with_cache "$E2E_DIR/full"
fault full "SCCACHE_DIR on a 1 MiB tmpfs (fills up)"
used=$(df -P "$E2E_DIR/full" | awk 'NR == 2 { print $5 }')
note "full: the 1 MiB tmpfs is $used used"
check_ge "full: the cache folder is nearly full (percent used)" "${used%\%}" 75
fault full-again "SCCACHE_DIR full, second build"

e2e_pass
