#!/usr/bin/env bash
# Server capacity side by side with wrk (Debian's package), the first system's scenarios as wrk
# Lua scripts (docs/perf/wrk/*.lua): a plain Netty hello-world server (ceiling), Synod on embedded
# storage (./synod dev), Synod as three node processes with redis-server, redis-benchmark against
# the same Redis, and a three-member etcd. Lock and queue scripts run one connection per thread
# (-t50 -c50) so each connection's requests alternate as a Locust user's do; hello and cache use
# 100 connections. Output: docs/perf/results/wrk-*.txt. Nothing here is asserted.
# Usage: docs/perf/wrk-compare.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-15}
out=docs/perf/results
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
./synod --version >/dev/null
jar=node-server/target/synod.jar
s=docs/perf/wrk
wait_http() { for _ in $(seq 1 120); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1; }
run() { # name args...
  local name=$1; shift
  echo "== $name: wrk $*"
  wrk -d"${secs}s" --latency "$@" | tee "$out/wrk-$name.txt" | grep -E "Requests/sec|Non-2xx|50%|99%|Socket errors" || true
}
leader() { curl -s "$1/v1/cluster" | sed -n 's/.*"leader":"\([a-z0-9]*\)".*/\1/p'; }
owner_port() { # the node that serves a topic: the X-Synod-Node of a publish
  curl -s -D - -o /dev/null -XPOST "$1/queue/publish" -d "{\"topic\":\"$2\",\"message\":{}}" \
    | sed -n 's/^[Xx]-[Ss]ynod-[Nn]ode: node\([0-9]\).*/800\1/p' | tr -d '\r'
}
synod_suite() { # prefix
  local p=$1 l lp fp op np
  l=$(leader http://127.0.0.1:8001); lp=800${l#node}; fp=$(( lp == 8001 ? 8002 : 8001 ))
  # warm-up, not recorded: the JIT compiles the hot paths of every node
  for port in 8001 8002 8003; do
    wrk -t10 -c10 -d3s -s $s/lock.lua "http://127.0.0.1:$port" >/dev/null
    wrk -t10 -c10 -d2s -s $s/queue.lua "http://127.0.0.1:$port" >/dev/null
    wrk -t2 -c20 -d2s -s $s/cache.lua "http://127.0.0.1:$port" >/dev/null
  done
  run "$p-lock-leader" -t50 -c50 -s $s/lock.lua "http://127.0.0.1:$lp"
  run "$p-lock-follower" -t50 -c50 -s $s/lock.lua "http://127.0.0.1:$fp"
  op=$(owner_port http://127.0.0.1:8001 wrk-topic); np=$(( op == 8001 ? 8002 : 8001 ))
  run "$p-queue-owner" -t50 -c50 -s $s/queue.lua "http://127.0.0.1:$op"
  run "$p-queue-other" -t50 -c50 -s $s/queue.lua "http://127.0.0.1:$np"
  run "$p-cache" -t2 -c100 -s $s/cache.lua http://127.0.0.1:8001
}

echo "== machine: $(nproc) cores, $(uname -srm)"
java -cp "$jar" io.synod.transport.http.HelloWorldServer 8099 > "$work/hello.log" 2>&1 & pids+=($!)
wait_http http://127.0.0.1:8099/
wrk -t2 -c100 -d5s http://127.0.0.1:8099/ >/dev/null   # warm-up
run hello -t2 -c100 http://127.0.0.1:8099/
kill "${pids[-1]}"

java -jar "$jar" dev > "$work/dev.log" 2>&1 & pids+=($!)
wait_http http://127.0.0.1:8003/ready; sleep 2
synod_suite dev
kill "${pids[-1]}"; sleep 2

redis-server --port 6390 --appendonly yes --appendfsync everysec --dir "$work" --save '' \
  > "$work/redis.log" 2>&1 & pids+=($!)
sleep 1
export PEERS=node1=http://127.0.0.1:8001,node2=http://127.0.0.1:8002,node3=http://127.0.0.1:8003
for i in 1 2 3; do
  NODE_ID=node$i HTTP_PORT=800$i HTTP_HOST=127.0.0.1 REDIS_URL=redis://127.0.0.1:6390 \
    DATA_DIR="$work/data" java -jar "$jar" node > "$work/node$i.log" 2>&1 & pids+=($!)
done
for i in 1 2 3; do wait_http http://127.0.0.1:800$i/ready; done; sleep 2
synod_suite redis
echo "== redis-benchmark, 100 clients" | tee "$out/redis-benchmark.txt"
redis-benchmark -p 6390 -c 100 -n 200000 -q -t get 2>&1 | tr '\r' '\n' \
  | grep -a "requests per second" | tail -1 | tee -a "$out/redis-benchmark.txt"
redis-benchmark -p 6390 -c 100 -n 200000 -q XADD bench-stream '*' f v 2>&1 | tr '\r' '\n' \
  | grep -a "requests per second" | tail -1 | tee -a "$out/redis-benchmark.txt"
for i in 1 2 3; do kill "${pids[-$i]}" 2>/dev/null || true; done; sleep 1

if command -v etcd >/dev/null; then
  cl="m1=http://127.0.0.1:12380,m2=http://127.0.0.1:22380,m3=http://127.0.0.1:32380"
  for i in 1 2 3; do
    etcd --name m$i --data-dir "$work/etcd$i" --listen-client-urls http://127.0.0.1:${i}2379 \
      --advertise-client-urls http://127.0.0.1:${i}2379 --listen-peer-urls http://127.0.0.1:${i}2380 \
      --initial-advertise-peer-urls http://127.0.0.1:${i}2380 --initial-cluster "$cl" \
      --initial-cluster-state new --log-level error > "$work/etcd$i.log" 2>&1 & pids+=($!)
  done
  sleep 5
  run etcd-put -t2 -c100 -s $s/etcd-put.lua http://127.0.0.1:12379
  run etcd-lock -t50 -c50 -s $s/etcd-lock.lua http://127.0.0.1:12379
fi
