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
out=${OUT:-docs/perf/results}
mkdir -p "$out"
work=$(mktemp -d)
jar=node-server/target/synod.jar
. docs/perf/cluster.sh
./synod --version >/dev/null   # builds the jar when needed
s=docs/perf/wrk
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
start_hello
wrk -t2 -c100 -d5s http://127.0.0.1:8099/ >/dev/null   # warm-up
run hello -t2 -c100 http://127.0.0.1:8099/
stop_last 1

start_dev; sleep 2
synod_suite dev
stop_last 1

start_redis_cluster; sleep 2
synod_suite redis
redis_ceiling "$out/redis-benchmark.txt"
stop_last 4

if start_etcd; then
  run etcd-put -t2 -c100 -s $s/etcd-put.lua http://127.0.0.1:12379
  run etcd-lock -t50 -c50 -s $s/etcd-lock.lua http://127.0.0.1:12379
fi
