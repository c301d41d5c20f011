#!/usr/bin/env bash
# Memory per item (docs/PERFORMANCE.md, issue 24.6): one node on loopback (all roles, DATA_DIR so
# snapshots go to disk, not the heap), filled over HTTP by Fill.java; after each step a full GC
# (jcmd GC.run) and the heap in use (GC.heap_info), RSS (/proc/PID/status) and, at the largest
# lock count, the class histogram. Bytes per unit = (heap after the step - heap before) / items.
# Usage: docs/perf/memory-per-item.sh [LOCKS_SMALL] [LOCKS_LARGE]   (default 100000 1000000)
# JAVA_OPTS (default -Xmx4g -XX:+UseG1GC) is the node's JVM; PORT (default 8101).
set -euo pipefail
cd "$(dirname "$0")/../.."
small=${1:-100000}
large=${2:-1000000}
port=${PORT:-8101}
jar=node-server/target/synod.jar
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
./synod --version >/dev/null   # builds the jar when needed
url=http://127.0.0.1:$port
# shellcheck disable=SC2086
java ${JAVA_OPTS:--Xmx4g -XX:+UseG1GC} -jar "$jar" node --set HTTP_HOST=127.0.0.1 \
  --set HTTP_PORT="$port" --set PEERS=node1=$url --set DATA_DIR="$work/data" \
  --set CACHE_CAPACITY=1000000 --set LOCK_MAX_RESOURCES=2000000 --set LOCK_MAX_SESSIONS=1000000 \
  > "$work/node.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do curl -fs "$url/ready" >/dev/null 2>&1 && break; sleep 0.5; done
fill() { java docs/perf/Fill.java "$@"; }
used() { # heap in use after a full GC, in bytes
  # a snapshot the last commands started may still be encoding the table: let it finish first
  sleep 5; jcmd "$pid" GC.run >/dev/null; sleep 1; jcmd "$pid" GC.run >/dev/null
  jcmd "$pid" GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); printf "%.0f\n", v * 1024; exit } }'
}
rss() { awk '/VmRSS/ { print $2 * 1024 }' "/proc/$pid/status"; }
report() { # label items before after
  echo "$1: $2 items, heap $(( $3 / 1048576 )) -> $(( $4 / 1048576 )) MiB, $(( ($4 - $3) / $2 )) B per item, RSS $(( $(rss) / 1048576 )) MiB"
}
echo "== machine"; nproc; java -version 2>&1 | head -1; echo "node JVM: ${JAVA_OPTS:--Xmx4g -XX:+UseG1GC}"
# warm-up: every route once per 1000 items, so code, pools and first-time tables are in the baseline
fill POST "$url/v1/locks/warm%d/acquire" '{"owner_id":"o","ttl_ms":0}' 0 1000
fill POST "$url/v1/locks/warm%d/release" '{"owner_id":"o"}' 0 1000
fill POST "$url/v1/sessions" '{"ttl_ms":86400000}' 0 1000
fill POST "$url/v1/topics/warm%d/publish" '{"message":1}' 0 1000
fill PUT "$url/v1/cache/warm%d" '{"value":1}' 0 1000
h0=$(used); echo "baseline: heap $(( h0 / 1048576 )) MiB, RSS $(( $(rss) / 1048576 )) MiB"
echo "== locks: exclusive, owner-only (ttl_ms 0), resource names lock-NNNNNNN (12 bytes)"
fill POST "$url/v1/locks/lock-%d/acquire" '{"owner_id":"owner-1","ttl_ms":0}' 0 "$small" 32
h1=$(used); report "locks" "$small" "$h0" "$h1"
fill POST "$url/v1/locks/lock-%d/acquire" '{"owner_id":"owner-1","ttl_ms":0}' "$small" $(( large - small )) 32
h2=$(used); report "locks" "$large" "$h0" "$h2"
echo "== class histogram at $large locks"
jcmd "$pid" GC.class_histogram | { head -30; tail -1; }
echo "== sessions (ttl_ms 86400000, no holds)"
fill POST "$url/v1/sessions" '{"ttl_ms":86400000}' 0 100000 32
h3=$(used); report "sessions" 100000 "$h2" "$h3"
echo "== class histogram after the sessions"
jcmd "$pid" GC.class_histogram | { head -15; tail -1; }
echo "== topics: one 1-byte message each, no consumer group, names topic-NNNNNNN"
fill POST "$url/v1/topics/topic-%d/publish" '{"message":1}' 0 10000 32
h4=$(used); report "topics" 10000 "$h3" "$h4"
echo "== cache lines: addresses key-NNNNNNN, value 1 (this node's line and the replicated main memory)"
fill PUT "$url/v1/cache/key-%d" '{"value":1}' 0 100000 32
h5=$(used); report "cache lines" 100000 "$h4" "$h5"
echo "== end: heap $(( h5 / 1048576 )) MiB, RSS $(( $(rss) / 1048576 )) MiB"
grep -E 'VmRSS|VmHWM' "/proc/$pid/status"
