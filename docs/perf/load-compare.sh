#!/usr/bin/env bash
# Runs the load comparison of docs/PERFORMANCE.md side by side, on this machine, in one go:
#   1. the ceiling: a plain Netty hello-world server under the same load tool;
#   2. Synod on embedded storage (./synod dev: three nodes in one JVM);
#   3. Synod as three node processes with a real redis-server (appendonly yes) and DATA_DIR;
#   4. redis-benchmark XADD and GET against that same Redis;
#   5. a three-member etcd on loopback (Debian's etcd-server), puts and its lock API.
# Every scenario: 100 users, spawn rate 10/s, DURATION (default 30s) each. Results go to
# docs/perf/results/*.json and a log; nothing here is asserted.
# Usage: docs/perf/load-compare.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-30s}
users=${USERS:-100}
out=docs/perf/results
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

./synod --version >/dev/null   # builds the jar when needed
jar=node-server/target/synod.jar
bench() { # scenario targets name
  java -jar "$jar" bench "$1" --target "$2" --users "$users" --spawn-rate 10 \
    --duration "$duration" --progress never --json "$out/$3.json" || true
}
wait_http() { for _ in $(seq 1 120); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "no answer from $1" >&2; return 1; }

echo "== machine"; nproc; uname -srm; java -version 2>&1 | head -1

echo "== 1. hello-world ceiling"
java -cp "$jar" io.synod.transport.http.HelloWorldServer 8099 > "$work/hello.log" 2>&1 & pids+=($!)
wait_http http://127.0.0.1:8099/
bench hello http://127.0.0.1:8099/ hello
kill "${pids[-1]}"

echo "== 2. synod dev (embedded storage)"
java -jar "$jar" dev > "$work/dev.log" 2>&1 & pids+=($!)
wait_http http://127.0.0.1:8003/ready
dev=http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003
for s in lock queue cache; do bench "$s" "$dev" "dev-$s"; done
kill "${pids[-1]}"; sleep 2

echo "== 3. three node processes + redis-server"
redis-server --port 6390 --appendonly yes --appendfsync everysec --dir "$work" --save '' \
  > "$work/redis.log" 2>&1 & pids+=($!)
sleep 1
export PEERS=node1=http://127.0.0.1:8001,node2=http://127.0.0.1:8002,node3=http://127.0.0.1:8003
for i in 1 2 3; do
  NODE_ID=node$i HTTP_PORT=800$i HTTP_HOST=127.0.0.1 REDIS_URL=redis://127.0.0.1:6390 \
    DATA_DIR="$work/data" java -jar "$jar" node > "$work/node$i.log" 2>&1 & pids+=($!)
done
for i in 1 2 3; do wait_http http://127.0.0.1:800$i/ready; done
for s in lock queue cache; do bench "$s" "$dev" "redis-$s"; done
echo "== 4. redis-benchmark against the same Redis (100 clients)"
redis-benchmark -p 6390 -c "$users" -n 200000 -q -t get > "$out/redis-benchmark.txt"
redis-benchmark -p 6390 -c "$users" -n 200000 -q XADD bench-stream '*' f v >> "$out/redis-benchmark.txt"
cat "$out/redis-benchmark.txt"
for i in 1 2 3; do kill "${pids[-$i]}" 2>/dev/null || true; done

echo "== 5. etcd, three members on loopback"
if command -v etcd >/dev/null; then
  cl="m1=http://127.0.0.1:12380,m2=http://127.0.0.1:22380,m3=http://127.0.0.1:32380"
  for i in 1 2 3; do
    etcd --name m$i --data-dir "$work/etcd$i" --listen-client-urls http://127.0.0.1:${i}2379 \
      --advertise-client-urls http://127.0.0.1:${i}2379 --listen-peer-urls http://127.0.0.1:${i}2380 \
      --initial-advertise-peer-urls http://127.0.0.1:${i}2380 --initial-cluster "$cl" \
      --initial-cluster-state new --log-level error > "$work/etcd$i.log" 2>&1 & pids+=($!)
  done
  sleep 5
  etcd_targets=http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379
  bench etcd_put "$etcd_targets" etcd-put
  bench etcd_lock "$etcd_targets" etcd-lock
else
  echo "etcd not installed (apt-get install etcd-server): skipped"
fi
echo "results in $out"
