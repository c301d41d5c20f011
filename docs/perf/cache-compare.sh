#!/usr/bin/env bash
# The cache scenario of wrk-compare.sh (95% reads / 5% writes over 50 keys, 100 connections) for
# two builds side by side in one run: `./synod dev` (three nodes in one JVM, embedded storage) of
# each jar in turn, ROUNDS times, alternating, each after a warm-up that is not recorded, so the
# load of a shared machine falls on both alike. Output: docs/perf/results/cache-compare-*.txt.
# Nothing here is asserted.
# Usage: BEFORE=/path/before.jar AFTER=/path/after.jar docs/perf/cache-compare.sh [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-15}
rounds=${2:-2}
out=${OUT:-docs/perf/results}
mkdir -p "$out"
work=$(mktemp -d)
. docs/perf/cluster.sh
s=docs/perf/wrk
echo "== machine: $(nproc) cores, $(uname -srm), load $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
  for side in before after; do
    if [ "$side" = before ]; then jar=$BEFORE; else jar=$AFTER; fi
    start_dev; sleep 2
    for port in 8001 8002 8003; do   # warm-up: the JIT compiles every node's hot paths
      wrk -t2 -c20 -d3s -s $s/cache.lua "http://127.0.0.1:$port" >/dev/null || true
    done
    echo "== round $r, $side ($jar), load $(cut -d' ' -f1-3 /proc/loadavg)"
    wrk -t2 -c100 -d"${secs}s" --latency -s $s/cache.lua http://127.0.0.1:8001 \
      | tee "$out/cache-compare-$side-$r.txt" \
      | grep -E "Requests/sec|Non-2xx|50%|99%|Socket errors" || true
    kill "${pids[-1]}" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true   # the ports are free again before the next start
  done
done
