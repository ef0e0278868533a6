#!/usr/bin/env bash
# The HTTP side-by-side benchmark: the packaged gateway (twice: unlimited heap and -Xmx256m)
# beside Uppy Companion 6.2.2, on one PostgreSQL + S3Proxy, all on this machine, driven by wrk.
#
#   bench/http.sh                      # build the jar if missing, then every cell
#   BENCH_WARMUP=10 BENCH_DURATION=20 bench/http.sh
#   BENCH_BUILD=1 bench/http.sh        # rebuild target/quarkus-app first
#   BENCH_STACK_XMX=6g bench/http.sh  # heap of the PostgreSQL + S3Proxy JVM (S3Proxy holds every upload in memory)
#   BENCH_JIT_WARMUP=0 bench/http.sh   # skip the one-time warm-up of every server (20 s per route)
#   BENCH_CREATE_WARMUP=20 bench/http.sh   # seconds of that warm-up for the create route (default 90)
#   GATEWAY_JVM_OPTS='-XX:+UseSerialGC' bench/http.sh      # extra JVM options for both gateways
#   BENCH_ONLY='gw_cells create 16 0 gw-create 1' bench/http.sh   # only these cells (see the end)
#   BENCH_SWEEP=0 bench/http.sh        # keep S3Proxy's multipart uploads between create cells
#
# Needs: JDK 17, wrk, node + npm (Companion is installed from npm into a temporary folder at run
# time, never into the repository), openssl, curl, jq. Output: a table on stdout and
# target/bench-http/<time>/results.tsv, with the logs of every server beside it.
#
# Cells are interleaved: every route is measured on gateway (unlimited heap), gateway
# (-Xmx256m) and Companion back to back, so load from other work on the box hits all alike.
# Each cell: BENCH_WARMUP seconds of the same load (not measured), then BENCH_DURATION seconds
# measured. Per cell: requests/s, URLs/s, p50/p99 latency (wrk), the server process's CPU share
# (utime+stime delta from /proc/<pid>/stat over the measured seconds; 100% = one core) and its
# peak RSS during the cell (VmHWM from /proc/<pid>/status, reset via clear_refs before the cell),
# and over the same seconds the CPU share of S3Proxy (the BenchStack JVM), of PostgreSQL (all its
# processes) and of the whole box (every core's busy time from /proc/stat; 100% = one core).
# The load averages (1/5/15 min) are taken at the start of every measured cell.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WARMUP="${BENCH_WARMUP:-10}"
DURATION="${BENCH_DURATION:-20}"
COMPANION_VERSION="6.2.2"
GW1_PORT=18081; GW1_MGMT=19081        # gateway, unlimited heap
GW2_PORT=18082; GW2_MGMT=19082        # gateway, -Xmx256m
CO_PORT=13020                         # Companion
BUCKET=bench-uploads
ISSUER=upload-gateway-bench
AUDIENCE=upload-gateway
MIB=$((1024 * 1024))

for tool in java wrk node npm openssl curl jq; do
  command -v "$tool" >/dev/null || { echo "http.sh: $tool is required" >&2; exit 1; }
done

OUT="$ROOT/target/bench-http/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
TMP="$(mktemp -d -t bench-http-XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# ---------------------------------------------------------------- build
if [[ "${BENCH_BUILD:-0}" == 1 || ! -f target/quarkus-app/quarkus-run.jar || ! -d target/test-classes ]]; then
  log "building the jar (./mvnw -B -q package -DskipTests)"
  ./mvnw -B -q package -DskipTests
fi
if [[ ! -f target/test-classes/io/uploadgateway/bench/BenchStack.class ]]; then
  ./mvnw -B -q test-compile
fi
if [[ ! -s target/bench-classpath.txt || pom.xml -nt target/bench-classpath.txt ]]; then
  ./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
fi

# ---------------------------------------------------------------- PostgreSQL + S3Proxy
log "starting PostgreSQL + S3Proxy (BenchStack)"
# S3Proxy keeps every multipart upload in memory: tens of thousands of creates filled a 512 MiB heap
# and the create cells then measured its full GCs (run 11 in docs/benchmarks.md), hence 6 GiB.
java -Xmx"${BENCH_STACK_XMX:-6g}" -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.uploadgateway.bench.BenchStack "$TMP/stack.env" >"$OUT/stack.log" 2>&1 &
STACK_PID=$!
PIDS+=("$STACK_PID")
for _ in $(seq 1 120); do [[ -f "$TMP/stack.env" ]] && break; sleep 0.5; done
[[ -f "$TMP/stack.env" ]] || { echo "BenchStack did not start:" >&2; tail -30 "$OUT/stack.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$TMP/stack.env"

# ---------------------------------------------------------------- token keys (no dev helpers in prod)
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/private.pem" 2>/dev/null
openssl pkey -in "$TMP/private.pem" -pubout -out "$TMP/public.pem"
TOKEN="$(JWT_PRIVATE_KEY="$TMP/private.pem" JWT_ISSUER="$ISSUER" JWT_AUDIENCE="$AUDIENCE" deploy/mint-token.sh bench-user)"

# ---------------------------------------------------------------- the gateways: plain java -jar, prod profile
start_gateway() { # name port mgmt [jvm options...]
  local name="$1" port="$2" mgmt="$3"; shift 3
  java "$@" \
    -Dquarkus.http.port="$port" -Dquarkus.management.port="$mgmt" \
    -Dquarkus.datasource.reactive.url="postgresql://localhost:$BENCH_PG_PORT/postgres" \
    -Dquarkus.datasource.jdbc.url="jdbc:postgresql://localhost:$BENCH_PG_PORT/postgres" \
    -Dquarkus.datasource.username=postgres -Dquarkus.datasource.password=postgres \
    -Dquarkus.s3.endpoint-override="$BENCH_S3_ENDPOINT" -Dquarkus.s3.path-style-access=true \
    -Dquarkus.s3.aws.region="$BENCH_S3_REGION" -Dquarkus.s3.aws.credentials.type=static \
    -Dquarkus.s3.aws.credentials.static-provider.access-key-id="$BENCH_S3_ACCESS_KEY" \
    -Dquarkus.s3.aws.credentials.static-provider.secret-access-key="$BENCH_S3_SECRET_KEY" \
    -Dgateway.bucket="$BUCKET" -Dgateway.create-bucket=true \
    -Dmp.jwt.verify.publickey.location="$TMP/public.pem" -Dmp.jwt.verify.issuer="$ISSUER" \
    -Dmp.jwt.verify.audiences="$AUDIENCE" \
    -jar target/quarkus-app/quarkus-run.jar >"$OUT/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}
await_ready() { # url what pid
  for _ in $(seq 1 240); do
    kill -0 "$3" 2>/dev/null || { echo "$2 exited:" >&2; return 1; }
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "$2 not ready" >&2; return 1
}
log "starting gateway (unlimited heap) and gateway (-Xmx256m)"
start_gateway gateway-unlimited $GW1_PORT $GW1_MGMT ${GATEWAY_JVM_OPTS:-}; GW1_PID=$LAST_PID
# One after the other: both create the bucket and run Flyway on the same database at startup.
await_ready "http://localhost:$GW1_MGMT/q/health/ready" gateway-unlimited "$GW1_PID" || { tail -40 "$OUT/gateway-unlimited.log" >&2; exit 1; }
start_gateway gateway-256m $GW2_PORT $GW2_MGMT -Xmx256m ${GATEWAY_JVM_OPTS:-}; GW2_PID=$LAST_PID
await_ready "http://localhost:$GW2_MGMT/q/health/ready" gateway-256m "$GW2_PID" || { tail -40 "$OUT/gateway-256m.log" >&2; exit 1; }

# ---------------------------------------------------------------- Companion, from npm, into a temporary folder
log "installing @uppy/companion@$COMPANION_VERSION into $TMP/companion"
mkdir -p "$TMP/companion/data"
npm install --prefix "$TMP/companion" --no-audit --no-fund --silent "@uppy/companion@$COMPANION_VERSION" >"$OUT/npm.log" 2>&1
NODE_ENV=production COMPANION_PORT=$CO_PORT COMPANION_SECRET="$(openssl rand -hex 32)" \
  COMPANION_DATADIR="$TMP/companion/data" COMPANION_DOMAIN="localhost:$CO_PORT" COMPANION_PROTOCOL=http \
  COMPANION_CLIENT_ORIGINS=true COMPANION_UPLOAD_URLS="^http://localhost:.*" \
  COMPANION_PREAUTH_SECRET="$(openssl rand -hex 32)" \
  COMPANION_AWS_KEY="$BENCH_S3_ACCESS_KEY" COMPANION_AWS_SECRET="$BENCH_S3_SECRET_KEY" \
  COMPANION_AWS_BUCKET="$BUCKET" COMPANION_AWS_REGION="$BENCH_S3_REGION" \
  COMPANION_AWS_ENDPOINT="$BENCH_S3_ENDPOINT" COMPANION_AWS_FORCE_PATH_STYLE=true \
  node "$TMP/companion/node_modules/@uppy/companion/lib/standalone/start-server.js" >"$OUT/companion.log" 2>&1 &
CO_PID=$!
PIDS+=("$CO_PID")
await_ready "http://localhost:$CO_PORT/" companion "$CO_PID" || { tail -40 "$OUT/companion.log" >&2; exit 1; }

# ---------------------------------------------------------------- uploads to sign
gw_create() { # port size partSize
  curl -fsS -XPOST "http://localhost:$1/api/v1/uploads" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' \
    -d "{\"filename\":\"bench.bin\",\"size\":$2,\"partSize\":$3,\"contentType\":\"application/octet-stream\"}" | jq -r .id
}
GW1_BIG="$(gw_create $GW1_PORT $((10000 * 5 * MIB)) $((5 * MIB)))"     # 10,000 parts
GW2_BIG="$(gw_create $GW2_PORT $((10000 * 5 * MIB)) $((5 * MIB)))"
GW1_SMALL="$(gw_create $GW1_PORT $((10 * 5 * MIB)) $((5 * MIB)))"     # 10 parts
GW2_SMALL="$(gw_create $GW2_PORT $((10 * 5 * MIB)) $((5 * MIB)))"
CO_UPLOAD_JSON="$(curl -fsS -XPOST "http://localhost:$CO_PORT/s3/multipart" -H 'Content-Type: application/json' \
  -d '{"filename":"bench.bin","type":"application/octet-stream"}')"
CO_UPLOAD="$(jq -r .uploadId <<<"$CO_UPLOAD_JSON" | jq -sRr '.[:-1] | @uri')"
CO_KEY="$(jq -r .key <<<"$CO_UPLOAD_JSON" | jq -sRr '.[:-1] | @uri')"
for id in "$GW1_BIG" "$GW2_BIG" "$GW1_SMALL" "$GW2_SMALL" "$CO_UPLOAD" "$CO_KEY"; do
  [[ -n "$id" && "$id" != null ]] || { echo "could not create the uploads to sign" >&2; exit 1; }
done

# S3Proxy's in-memory store keeps every multipart upload a create makes, and its CPU per create
# grows with what it holds (docs/benchmarks.md, run 13): before every create cell, outside the
# measured seconds, every multipart upload but the sign cells' targets is aborted, so each create
# cell meets the same S3Proxy (and after every slice of the create warm-up). BENCH_SWEEP=0 turns it off.
sweep() { # keep | abort
  java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" io.uploadgateway.bench.MultipartSweep \
    "$1" "$BENCH_S3_ENDPOINT" "$BUCKET" "$TMP/kept-uploads.txt" 2>>"$OUT/sweep.log" \
    | sed "s/^/[$(date -u +%H:%M:%S)] sweep: /" | tee -a "$OUT/sweep.log" >&2
}
sweep keep

# ---------------------------------------------------------------- cells
TICKS="$(getconf CLK_TCK)"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pg_ticks() { local t=0 p; for p in $(pgrep -x postgres); do t=$((t + $(cpu_ticks "$p" 2>/dev/null || echo 0))); done; echo "$t"; }
box_ticks() { awk '/^cpu /{print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }   # every core's busy time
pct() { awk -v a="$1" -v b="$2" -v t="$TICKS" -v s="$3" -v e="$4" 'BEGIN{print (b - a) * 100 / t / (e - s)}'; }
printf 'cell\tserver\tconns\turls_per_req\trps\turls_per_s\tp50_ms\tp99_ms\tnon2xx\tsocket_errors\tcpu_pct\tpeak_rss_mib\tload_1_5_15\ts3proxy_cpu_pct\tpg_cpu_pct\tbox_cpu_pct\n' >"$OUT/results.tsv"
cell() { # label server pid port conns urls_per_req CELL=... (env for cell.lua)
  local label="$1" server="$2" pid="$3" port="$4" conns="$5" urls="$6"; shift 6
  [[ "${BENCH_SWEEP:-1}" == 0 || " $* " != *-create* ]] || sweep abort
  env "$@" wrk -t2 -c"$conns" -d"${WARMUP}s" --timeout 10s -s bench/wrk/cell.lua "http://127.0.0.1:$port" >/dev/null
  echo 5 >"/proc/$pid/clear_refs"
  local load cpu0 cpu1 stack0 stack1 pg0 pg1 box0 box1 t0 t1 out result
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  cpu0="$(cpu_ticks "$pid")"; stack0="$(cpu_ticks "$STACK_PID")"; pg0="$(pg_ticks)"; box0="$(box_ticks)"; t0="$(date +%s.%N)"
  out="$(env "$@" wrk -t2 -c"$conns" -d"${DURATION}s" --timeout 10s -s bench/wrk/cell.lua "http://127.0.0.1:$port")"
  t1="$(date +%s.%N)"; cpu1="$(cpu_ticks "$pid")"; stack1="$(cpu_ticks "$STACK_PID")"; pg1="$(pg_ticks)"; box1="$(box_ticks)"
  local hwm; hwm="$(awk '/VmHWM/{print $2}' "/proc/$pid/status")"
  echo "$out" >>"$OUT/wrk-$label-$server-c$conns.txt"
  result="$(grep '^RESULT ' <<<"$out" | sed 's/^RESULT //')"
  jq -r --arg cell "$label" --arg server "$server" --arg conns "$conns" --arg urls "$urls" \
    --arg cpu "$(pct "$cpu0" "$cpu1" "$t0" "$t1")" --arg hwm "$hwm" --arg load "$load" \
    --arg stack "$(pct "$stack0" "$stack1" "$t0" "$t1")" --arg pg "$(pct "$pg0" "$pg1" "$t0" "$t1")" --arg box "$(pct "$box0" "$box1" "$t0" "$t1")" \
    '[$cell, $server, $conns, $urls, (.rps|round), ((.rps * ($urls|tonumber))|round), .p50_ms, .p99_ms, .non2xx,
      .socket_errors, ($cpu|tonumber|round), (($hwm|tonumber) / 1024 | round), $load, ($stack|tonumber|round),
      ($pg|tonumber|round), ($box|tonumber|round)] | @tsv' <<<"$result" \
    | tee -a "$OUT/results.tsv" >&2
}
gw_cells() { # label conns urls_per_req kind batch (gateway cells on both heaps, 10,000-part upload)
  cell "$1" gateway "$GW1_PID" $GW1_PORT "$2" "$3" CELL="$4" TOKEN="$TOKEN" UPLOAD="$GW1_BIG" PARTS=10000 BATCH="$5"
  cell "$1" gateway-256m "$GW2_PID" $GW2_PORT "$2" "$3" CELL="$4" TOKEN="$TOKEN" UPLOAD="$GW2_BIG" PARTS=10000 BATCH="$5"
}
co_cell() { # label conns urls_per_req kind batch
  cell "$1" companion "$CO_PID" $CO_PORT "$2" "$3" CELL="$4" UPLOAD="$CO_UPLOAD" KEY="$CO_KEY" PARTS=10000 BATCH="$5"
}

breakdown() { # conns: the pieces of a create alone (CreateBreakdown) on the same stack
  log "create taken apart at $1 connections"
  java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" io.uploadgateway.bench.CreateBreakdown \
    "$BENCH_PG_PORT" "$BENCH_S3_ENDPOINT" "$BUCKET" "$1" "$DURATION" 2>/dev/null | grep -v '^piece' \
    | while IFS=$'\t' read -r piece conns rps p50 p99; do
        printf 'breakdown\t%s\t%s\t0\t%s\t0\t%s\t%s\t0\t0\t-\t-\t%s\t-\t-\t-\n' "$piece" "$conns" "$rps" "$p50" "$p99" \
          "$(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/results.tsv" >&2
      done
}

# Once per server before the first cell: BENCH_JIT_WARMUP seconds of each route it serves, not
# measured, so that the first cell does not pay for the JIT compiling the code every cell runs
# (a 10 s warm-up per cell was not enough for the first one; run 11 in docs/benchmarks.md). The
# create route gets BENCH_CREATE_WARMUP seconds: a gateway's CPU per create still fell after 60 s
# of creates (its JIT still compiling; runs 14 and 15).
warm_up() { # kind port env...: unmeasured load; creates in 20 s slices, each followed by a sweep
  local kind="$1" port="$2" secs="${BENCH_JIT_WARMUP:-20}" slice; shift 2
  [[ "$kind" != *-create ]] || secs="${BENCH_CREATE_WARMUP:-90}"
  while [[ "$secs" -gt 0 ]]; do
    [[ "$kind" == *-create && "$secs" -gt 20 ]] && slice=20 || slice="$secs"
    env CELL="$kind" PARTS=10000 BATCH=100 "$@" \
      wrk -t2 -c16 -d"${slice}s" --timeout 10s -s bench/wrk/cell.lua "http://127.0.0.1:$port" >/dev/null
    secs=$((secs - slice))
    # S3Proxy's aborts slow down with every multipart upload it holds (run 15: 51,143 took 312 s,
    # 21,881 took 37 s): sweep while they are few. The sign cells after the warm-up so meet an
    # S3Proxy holding only their targets.
    [[ "$kind" != *-create || "${BENCH_SWEEP:-1}" == 0 ]] || sweep abort
  done
}
warm_servers() {
  [[ "${BENCH_JIT_WARMUP:-20}" -gt 0 ]] || return 0
  log "warming every server up: ${BENCH_JIT_WARMUP:-20}s per route (creates ${BENCH_CREATE_WARMUP:-90}s), not measured"
  for server in "$GW1_PORT:$GW1_BIG" "$GW2_PORT:$GW2_BIG"; do
    for kind in gw-sign gw-batch gw-create; do
      warm_up "$kind" "${server%%:*}" TOKEN="$TOKEN" UPLOAD="${server#*:}"
    done
  done
  for kind in co-sign co-batch co-create; do
    warm_up "$kind" "$CO_PORT" UPLOAD="$CO_UPLOAD" KEY="$CO_KEY"
  done
}
warm_servers

log "cells: ${WARMUP}s warm-up + ${DURATION}s measured each; results in $OUT"
if [[ -n "${BENCH_ONLY:-}" ]]; then
  eval "$BENCH_ONLY"   # e.g. BENCH_ONLY='gw_cells sign1 64 1 gw-sign 1; co_cell sign1 64 1 co-sign 1'
else
  gw_cells sign1 16 1 gw-sign 1;       co_cell sign1 16 1 co-sign 1
  gw_cells sign1 64 1 gw-sign 1;       co_cell sign1 64 1 co-sign 1
  # RSS flat in file size: the same one-URL load on a 10-part upload, right after the 10,000-part cells.
  cell sign1-10parts gateway "$GW1_PID" $GW1_PORT 64 1 CELL=gw-sign TOKEN="$TOKEN" UPLOAD="$GW1_SMALL" PARTS=10 BATCH=1
  cell sign1-10parts gateway-256m "$GW2_PID" $GW2_PORT 64 1 CELL=gw-sign TOKEN="$TOKEN" UPLOAD="$GW2_SMALL" PARTS=10 BATCH=1
  gw_cells batch100 16 100 gw-batch 100; co_cell batch100 16 100 co-batch 100
  gw_cells batch1000 16 1000 gw-batch 1000
  gw_cells create 16 0 gw-create 1;    co_cell create 16 0 co-create 1
  gw_cells create 64 0 gw-create 1;    co_cell create 64 0 co-create 1
  breakdown 16
fi

for pid in "$GW1_PID" "$GW2_PID" "$CO_PID"; do
  printf 'process %s: VmHWM since the last cell %s, VmRSS now %s\n' "$pid" \
    "$(awk '/VmHWM/{print $2, $3}' "/proc/$pid/status")" "$(awk '/VmRSS/{print $2, $3}' "/proc/$pid/status")" >>"$OUT/results.tsv.notes"
done
echo
column -t -s $'\t' "$OUT/results.tsv"
echo
echo "results: $OUT/results.tsv (wrk outputs and server logs beside it)"
