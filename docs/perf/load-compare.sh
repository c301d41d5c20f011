#!/usr/bin/env bash
# Runs the load comparison of docs/PERFORMANCE.md with `./synod bench` (the Locust scenarios,
# 100 users, spawn rate 10/s, DURATION each, default 30s): a plain Netty hello-world server (the
# ceiling), Synod on embedded storage, Synod as three processes with redis-server and DATA_DIR,
# redis-benchmark against that Redis, and a three-member etcd. Results: docs/perf/results/*.json.
# The load tool uses the JDK's HTTP client, which caps it well below the servers on 2 cores; for
# capacity use wrk-compare.sh. Usage: docs/perf/load-compare.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-30s}
users=${USERS:-100}
out=${OUT:-docs/perf/results}
mkdir -p "$out"
work=$(mktemp -d)
jar=node-server/target/synod.jar
. docs/perf/cluster.sh
./synod --version >/dev/null   # builds the jar when needed
bench() { # scenario targets name
  java -jar "$jar" bench "$1" --target "$2" --users "$users" --spawn-rate 10 \
    --duration "$duration" --progress never --json "$out/$3.json" || true
}

echo "== machine"; nproc; uname -srm; java -version 2>&1 | head -1
echo "== 1. hello-world ceiling"
start_hello
bench hello http://127.0.0.1:8099/ hello
stop_last 1
echo "== 2. synod dev (embedded storage)"
start_dev
for s in lock queue cache; do bench "$s" "$SYNOD_TARGETS" "dev-$s"; done
stop_last 1
echo "== 3. three node processes + redis-server"
start_redis_cluster
for s in lock queue cache; do bench "$s" "$SYNOD_TARGETS" "redis-$s"; done
redis_ceiling "$out/redis-benchmark.txt"
stop_last 4
echo "== 4. etcd, three members on loopback"
if start_etcd; then
  bench etcd_put "$ETCD_TARGETS" etcd-put
  bench etcd_lock "$ETCD_TARGETS" etcd-lock
fi
echo "results in $out"
