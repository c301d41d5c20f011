#!/usr/bin/env bash
# The scale run of issue 24: cost per item against N, for held locks, queued messages and cache
# lines, with Redis side by side for the queue (a stream) and the cache (string keys).
#
#   docs/perf/scale.sh [SIZES] [PAYLOAD_BYTES]       e.g. docs/perf/scale.sh 1000,10000,100000,1000000 64
#
# Synod's side is io.synod.jmh.scale.ScaleRun (the real state machines and cache node, in one JVM,
# no HTTP): heap per item after a full GC, RSS, one operation's p50/p99, snapshot size, restore
# time. Redis's side: used_memory per item (INFO memory, FLUSHALL between sizes) and
# redis-benchmark's p50/p99 for XADD and GET (one connection, over loopback, so its latency holds a
# round trip Synod's in-process figure does not). Writes docs/perf/results/scale-*.tsv and, when
# gnuplot is installed, docs/perf/scale.png. Nothing here is asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=${1:-1000,10000,100000,1000000}
payload=${2:-64}
out=${OUT:-docs/perf/results}
mkdir -p "$out"
jar=jmh/target/benchmarks.jar
if [ ! -f "$jar" ]; then
  mvn -B -q -DskipTests -pl jmh -am package
fi
echo "== machine: $(nproc) cores, $(uname -srm), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== Synod (ScaleRun, payload $payload bytes)"
java -Xms1g -Xmx8g -cp "$jar" io.synod.jmh.scale.ScaleRun --sizes "$sizes" --payload "$payload" \
  --out "$out/scale-synod.tsv"

command -v redis-server >/dev/null || { echo "no redis-server: Redis side skipped"; exit 0; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
  --logfile "$dir/redis.log" &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true; wait $redis_pid 2>/dev/null || true; rm -rf "$dir"' EXIT
cli() { redis-cli -p "$port" "$@"; }
for _ in $(seq 50); do cli ping >/dev/null 2>&1 && break; sleep 0.1; done
used() { cli info memory | awk -F: '/^used_memory:/ {print $2+0}'; }
value=$(head -c "$payload" /dev/zero | tr '\0' 'x')
p99() { # redis-benchmark --csv: "test","rps","avg","min","p50","p95","p99","max"
  redis-benchmark -p "$port" -c 1 -n 20000 --csv "$@" | tail -1 | tr -d '"' | awk -F, '{print $5*1000 "\t" $7*1000}'
}
echo -e "kind\tn\tbytes_per_item\top_p50_us\top_p99_us" > "$out/scale-redis.tsv"
for n in ${sizes//,/ }; do
  # a stream of n entries, one field each (what the queue's Redis mode XADDs)
  cli flushall >/dev/null; before=$(used)
  awk -v n="$n" -v v="$value" 'BEGIN { for (i = 0; i < n; i++)
    printf "*5\r\n$4\r\nXADD\r\n$5\r\nscale\r\n$1\r\n*\r\n$4\r\ndata\r\n$%d\r\n%s\r\n", length(v), v }' \
    | cli --pipe >/dev/null
  after=$(used)
  lat=$(p99 XADD scale-bench '*' data "$value")
  echo -e "messages\t$n\t$(( (after - before) / n ))\t$lat" | tee -a "$out/scale-redis.tsv"
  # n string keys named as redis-benchmark's __rand_int__ names them, so GET hits
  cli flushall >/dev/null; before=$(used)
  awk -v n="$n" -v v="$value" 'BEGIN { for (i = 0; i < n; i++) { k = sprintf("key:%012d", i);
    printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v } }' \
    | cli --pipe >/dev/null
  after=$(used)
  lat=$(p99 -r "$n" GET key:__rand_int__)
  echo -e "lines\t$n\t$(( (after - before) / n ))\t$lat" | tee -a "$out/scale-redis.tsv"
done

# one block per kind, so the plot joins each kind's points
{ head -1 "$out/scale-redis.tsv"; tail -n +2 "$out/scale-redis.tsv" | sort -s -t$'\t' -k1,1; } \
  > "$dir/redis.tsv" && cp "$dir/redis.tsv" "$out/scale-redis.tsv"
if command -v gnuplot >/dev/null; then
  gnuplot -e "synod='$out/scale-synod.tsv'; redis='$out/scale-redis.tsv'" docs/perf/scale.gp \
    && echo "== plotted docs/perf/scale.png"
fi
