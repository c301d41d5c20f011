# Sourced by load-compare.sh and wrk-compare.sh: starts and stops what both measure, the same way.
# Needs: $work (a scratch folder) and $jar (the node-server jar). Every process started is kept in
# $pids and stopped by cleanup (installed as the EXIT trap).
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_http() { for _ in $(seq 1 120); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; echo "no answer from $1" >&2; return 1; }
SYNOD_TARGETS=http://127.0.0.1:8001,http://127.0.0.1:8002,http://127.0.0.1:8003
ETCD_TARGETS=http://127.0.0.1:12379,http://127.0.0.1:22379,http://127.0.0.1:32379

# the hello-world baseline ships in the benchmark jar (mvn -B -pl jmh -am package -DskipTests)
hello_jar=${HELLO_JAR:-jmh/target/benchmarks.jar}
start_hello() {
  [ -f "$hello_jar" ] || mvn -B -q -pl jmh -am package -DskipTests >/dev/null
  java -cp "$hello_jar" io.synod.jmh.HelloWorldServer 8099 > "$work/hello.log" 2>&1 & pids+=($!); wait_http http://127.0.0.1:8099/
}

start_dev() { java -jar "$jar" dev > "$work/dev.log" 2>&1 & pids+=($!); wait_http http://127.0.0.1:8003/ready; }

# redis-server on 6390 (append-only, fsync every second) and three `synod node` processes on it
start_redis_cluster() {
  redis-server --port 6390 --appendonly yes --appendfsync everysec --dir "$work" --save '' \
    > "$work/redis.log" 2>&1 & pids+=($!)
  sleep 1
  local i
  for i in 1 2 3; do
    CLUSTER_SECRET=${CLUSTER_SECRET:-perf-run-cluster-secret-0123456789} \
    PEERS=node1=http://127.0.0.1:8001,node2=http://127.0.0.1:8002,node3=http://127.0.0.1:8003 \
      NODE_ID=node$i HTTP_PORT=800$i HTTP_HOST=127.0.0.1 REDIS_URL=redis://127.0.0.1:6390 \
      DATA_DIR="$work/data" java -jar "$jar" node > "$work/node$i.log" 2>&1 & pids+=($!)
  done
  for i in 1 2 3; do wait_http http://127.0.0.1:800$i/ready; done
}

# redis-benchmark GET and XADD against the Redis of start_redis_cluster, 100 clients
redis_ceiling() {
  echo "== redis-benchmark, 100 clients" | tee "$1"
  redis-benchmark -p 6390 -c 100 -n 200000 -q -t get 2>&1 | tr '\r' '\n' \
    | grep -a "requests per second" | tail -1 | tee -a "$1"
  redis-benchmark -p 6390 -c 100 -n 200000 -q XADD bench-stream '*' f v 2>&1 | tr '\r' '\n' \
    | grep -a "requests per second" | tail -1 | tee -a "$1"
}

# a three-member etcd on loopback (Debian's etcd-server); returns 1 when etcd is not installed
start_etcd() {
  command -v etcd >/dev/null || { echo "etcd not installed (apt-get install etcd-server): skipped"; return 1; }
  local cl="m1=http://127.0.0.1:12380,m2=http://127.0.0.1:22380,m3=http://127.0.0.1:32380" i
  for i in 1 2 3; do
    etcd --name m$i --data-dir "$work/etcd$i" --listen-client-urls http://127.0.0.1:${i}2379 \
      --advertise-client-urls http://127.0.0.1:${i}2379 --listen-peer-urls http://127.0.0.1:${i}2380 \
      --initial-advertise-peer-urls http://127.0.0.1:${i}2380 --initial-cluster "$cl" \
      --initial-cluster-state new --log-level error > "$work/etcd$i.log" 2>&1 & pids+=($!)
  done
  sleep 5
}

# stops the last N processes started
stop_last() { local i; for i in $(seq 1 "$1"); do kill "${pids[-$i]}" 2>/dev/null || true; done; sleep 1; }
