#!/usr/bin/env bash
# GC comparison (docs/PERFORMANCE.md, issue 24.6): the same lock load (`synod bench lock`, 100
# users, spawn rate 10/s, 5 s warm-up, DURATION measured, default 30s) against `synod dev` (three
# nodes in one JVM, heap fixed at HEAP, default 1g) run under G1, Parallel and ZGC (JDK 17's ZGC
# is not generational), ROUNDS times each in turn (default 2) so a noisy neighbour hits all of
# them alike. Prints requests/s and p99 per run and the median of each GC as a ratio to G1.
# Usage: docs/perf/gc-compare.sh [DURATION] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-30s}
rounds=${2:-2}
heap=${HEAP:-1g}
jar=node-server/target/synod.jar
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
./synod --version >/dev/null   # builds the jar when needed
echo "== machine"; nproc; java -version 2>&1 | head -1; uptime
for r in $(seq 1 "$rounds"); do
  for gc in G1 Parallel Z; do
    java -Xms"$heap" -Xmx"$heap" -XX:+Use${gc}GC -Xlog:gc:file="$work/gc-$gc-$r.log" \
      -jar "$jar" dev > "$work/dev.log" 2>&1 & pids+=($!)
    for _ in $(seq 1 120); do curl -fs http://127.0.0.1:8003/ready >/dev/null 2>&1 && break; sleep 0.5; done
    java -jar "$jar" bench lock --users 100 --spawn-rate 10 --warmup 5s --duration "$duration" \
      --progress never --json "$work/$gc-$r.json" > /dev/null || true
    kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true; sleep 2
    pauses=$(grep -c 'Pause' "$work/gc-$gc-$r.log" || true)
    python3 - "$work/$gc-$r.json" "$gc" "$r" "$pauses" <<'PY'
import json, sys
t = [row for row in json.load(open(sys.argv[1]))[0]["rows"] if row["endpoint"] == "total"][0]
print(f"round {sys.argv[3]} {sys.argv[2]:8s} {t['requestsPerSecond']:8.0f} req/s  p99 {t['p99Millis']:7.1f} ms"
      f"  failures {t['failures']}  gc pauses logged {sys.argv[4]}")
PY
  done
done | tee "$work/runs.txt"
python3 - "$work/runs.txt" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    f = line.split()
    runs.setdefault(f[2], []).append((float(f[3]), float(f[6])))
med = {gc: (statistics.median(r for r, _ in v), statistics.median(p for _, p in v)) for gc, v in runs.items()}
g1 = med["G1"]
print("== median per GC, ratio to G1 (throughput: higher is better; p99: lower is better)")
for gc, (rps, p99) in med.items():
    print(f"{gc:8s} {rps:8.0f} req/s ({rps / g1[0]:.2f})  p99 {p99:7.1f} ms ({p99 / g1[1]:.2f})")
PY
