#!/usr/bin/env bash
# Does `synod bench` measure the server, or its own client? Runs wrk and `synod bench` back to back,
# same connections, same target, same seconds: against the hello-world ceiling and against each Synod
# scenario on `./synod dev` (lock at the leader and queue at the topic's owner with 50 connections,
# cache on one node with 100). The JVM tool warms up for 3 s first (wrk is native and needs none; the
# servers are warmed by the same runs). Prints requests/s of both and bench/wrk. Nothing is asserted.
# Usage: docs/perf/bench-vs-wrk.sh [SECONDS]     Output: $OUT (default docs/perf/results)/bench-vs-wrk.txt
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
out=${OUT:-docs/perf/results}
mkdir -p "$out"
work=$(mktemp -d)
jar=node-server/target/synod.jar
. docs/perf/cluster.sh
./synod --version >/dev/null   # builds the jar when needed
s=docs/perf/wrk
table="$out/bench-vs-wrk.txt"
printf '%-14s %12s %12s %8s\n' scenario wrk-req/s bench-req/s ratio | tee "$table"
wrk_rps() { wrk -d"${secs}s" "$@" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p'; }
bench_rps() { # scenario target users
  java -jar "$jar" bench "$1" --target "$2" --users "$3" --spawn-rate 100000 --warmup 3s --duration "${secs}s" \
    --progress never --json "$work/b.json" >/dev/null || true
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]["rows"]; print(round([x for x in r if x["endpoint"]=="total"][0]["requestsPerSecond"],1))' "$work/b.json"
}
row() { # name wrk-rps bench-rps
  printf '%-14s %12s %12s %8s\n' "$1" "$2" "$3" "$(python3 -c "print(f'{$3/$2:.2f}')")" | tee -a "$table"
}
leader() { curl -s "$1/v1/cluster" | sed -n 's/.*"leader":"\([a-z0-9]*\)".*/\1/p'; }
owner_port() {
  curl -s -D - -o /dev/null -XPOST "$1/queue/publish" -d "{\"topic\":\"$2\",\"message\":{}}" \
    | sed -n 's/^[Xx]-[Ss]ynod-[Nn]ode: node\([0-9]\).*/800\1/p' | tr -d '\r'
}

start_hello
wrk -t2 -c100 -d3s http://127.0.0.1:8099/ >/dev/null   # warm-up
w=$(wrk_rps -t2 -c100 http://127.0.0.1:8099/); b=$(bench_rps hello http://127.0.0.1:8099/ 100)
row hello "$w" "$b"
stop_last 1

start_dev
l=$(leader http://127.0.0.1:8001); lp=800${l#node}
ow=$(owner_port http://127.0.0.1:8001 wrk-topic); ob=$(owner_port http://127.0.0.1:8001 bench-topic)
for port in 8001 8002 8003; do   # warm-up, not recorded
  wrk -t10 -c10 -d3s -s $s/lock.lua "http://127.0.0.1:$port" >/dev/null
  wrk -t2 -c20 -d2s -s $s/cache.lua "http://127.0.0.1:$port" >/dev/null
done
w=$(wrk_rps -t50 -c50 -s $s/lock.lua "http://127.0.0.1:$lp"); b=$(bench_rps lock "http://127.0.0.1:$lp" 50)
row lock-leader "$w" "$b"
w=$(wrk_rps -t50 -c50 -s $s/queue.lua "http://127.0.0.1:$ow"); b=$(bench_rps queue "http://127.0.0.1:$ob" 50)
row queue-owner "$w" "$b"
w=$(wrk_rps -t2 -c100 -s $s/cache.lua http://127.0.0.1:8001); b=$(bench_rps cache http://127.0.0.1:8001 100)
row cache "$w" "$b"
echo "table in $table"
