#!/usr/bin/env bash
# The queue scenario (docs/perf/wrk/queue.lua: publish, consume, ack; wrk -t50 -c50) side by side
# in one run against two builds of Synod, each as three `synod node` processes on embedded
# storage: BEFORE_JAR (for example the jar of the commit before issue 15: owner-to-successor
# replication in memory) and the jar of this checkout (the queue in Raft groups), both without
# and with DATA_DIR. Each request goes to the node that serves wrk-topic. Ports BASE+1..BASE+3
# (default 18100), so it does not collide with wrk-compare.sh. Output: $OUT/wrk-queue-*.txt.
# Usage: BEFORE_JAR=/path/synod.jar docs/perf/queue-groups-compare.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-15}
out=${OUT:-docs/perf/results}
base=${BASE:-18100}
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_http() { for _ in $(seq 1 120); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "no answer from $1" >&2; return 1; }
after_jar=node-server/target/synod.jar
[ -f "$after_jar" ] || ./synod --version >/dev/null
peers="node1=http://127.0.0.1:$((base+1)),node2=http://127.0.0.1:$((base+2)),node3=http://127.0.0.1:$((base+3))"
start() { # jar datadir-or-empty
  local i
  pids=()
  for i in 1 2 3; do
    env CLUSTER_SECRET="${CLUSTER_SECRET:-perf-run-cluster-secret-0123456789}" PEERS="$peers" NODE_ID=node$i HTTP_PORT=$((base+i)) HTTP_HOST=127.0.0.1 \
      ${2:+DATA_DIR="$2"} java -jar "$1" node > "$work/node$i.log" 2>&1 & pids+=($!)
  done
  for i in 1 2 3; do wait_http "http://127.0.0.1:$((base+i))/ready"; done
  sleep 3   # elections and (after) leadership balancing
}
stop() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }
server_port() { # the node that serves wrk-topic: the X-Synod-Node of a publish
  curl -s -D - -o /dev/null -XPOST "http://127.0.0.1:$((base+1))/queue/publish" \
    -d '{"topic":"wrk-topic","message":{}}' \
    | sed -n "s/^[Xx]-[Ss]ynod-[Nn]ode: node\([0-9]\).*/\1/p" | tr -d '\r'
}
measure() { # name jar datadir-or-empty
  start "$2" "$3"
  local p; p=$((base + $(server_port)))
  wrk -t10 -c10 -d3s -s docs/perf/wrk/queue.lua "http://127.0.0.1:$p" >/dev/null   # warm-up
  echo "== $1: wrk -t50 -c50 -d${secs}s queue.lua at the serving node"
  wrk -t50 -c50 -d"${secs}s" --latency -s docs/perf/wrk/queue.lua "http://127.0.0.1:$p" \
    | tee "$out/wrk-queue-$1.txt" | grep -E "Requests/sec|Non-2xx|50%|99%|Socket errors" || true
  stop
  rm -rf "$work/data"
}
if [ -n "${BEFORE_JAR:-}" ]; then
  measure before-memory "$BEFORE_JAR" ""
  measure before-datadir "$BEFORE_JAR" "$work/data"
fi
measure after-memory "$after_jar" ""
measure after-datadir "$after_jar" "$work/data"
