#!/usr/bin/env bash
# The ledger at scale: 10 M uploads, 100 M part rows and ~19 M events (times SCALE) in an embedded
# PostgreSQL 14 (zonky, from the test classpath) migrated by the project's Flyway migrations, then
# the ledger's hot queries (p50/p99/max and EXPLAIN (ANALYZE, BUFFERS)), then the retention job's
# statements on a backlog. Never part of CI. See bench/README.md and docs/benchmarks.md.
#
#   SCALE=0.01 bench/ledger-scale.sh                  # 100 k uploads, 1 M parts: a few minutes
#   bench/ledger-scale.sh                             # SCALE=1
#   LEDGER_PHASES=queries bench/ledger-scale.sh       # again on the loaded data (phases: load queries retention sizes)
#   LEDGER_RELOAD=1 bench/ledger-scale.sh             # throw the data away and load again
#   LEDGER_QUERIES=quota.usage,owner.page.deep bench/ledger-scale.sh   # only these queries (with LEDGER_PHASES=queries)
#
# Knobs (environment): SCALE (1), LEDGER_DIR (target/ledger-scale/scale-$SCALE: PostgreSQL's data and
# the dataset's facts), LEDGER_PHASES ("load queries retention"), LEDGER_LOAD_JOBS (2 connections),
# LEDGER_QUERY_RUNS (2000) / LEDGER_QUERY_WARMUP (200) / LEDGER_QUERY_BUDGET (60 s measured per query),
# LEDGER_PROPOSALS (1: also measure the proposed rewrites), LEDGER_INDEX_PROPOSALS (0: build, measure
# and drop the proposed indexes), LEDGER_RETENTION_BUDGET (300 s per batch size, parts),
# LEDGER_RETENTION_DELETE_BUDGET (60 s per batch size, upload rows).
#
# The load runs at the lowest priority (nice -n 19, ionice -c3): the machine is shared. PostgreSQL
# is started by each phase's JVM and inherits its priority, so the query and retention phases (normal
# priority) restart it on the same data directory. The retention phase deletes data: after it, load
# again (LEDGER_RELOAD=1) before measuring queries. Disk: ~45 GB at SCALE=1 (data, indexes, WAL).
#
# Output: target/ledger-scale/results/<time>-s<SCALE>/ (tab-separated files, plans.txt, log.txt,
# loadavg.tsv); bench/results/ keeps the runs reported in docs/benchmarks.md.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SCALE="${SCALE:-1}"
export SCALE
LEDGER_DIR="${LEDGER_DIR:-$ROOT/target/ledger-scale/scale-$SCALE}"
PHASES="${LEDGER_PHASES:-load queries retention}"
OUT="$ROOT/target/ledger-scale/results/$(date -u +%Y%m%dT%H%MZ)-s$SCALE"
CLASSES="$ROOT/target/ledger-scale/classes"
mkdir -p "$OUT" "$LEDGER_DIR" "$CLASSES"
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

command -v java >/dev/null || { echo "ledger-scale.sh: java is required" >&2; exit 1; }

# ---------------------------------------------------------------- classpath and the benchmark's classes
# Only the benchmark's own classes are compiled (into target/ledger-scale/classes): they need JDBC,
# zonky and Flyway from the test classpath, not the application, so the run does not depend on the
# state of src/main.
if [[ ! -s target/bench-classpath.txt || pom.xml -nt target/bench-classpath.txt ]]; then
  ./mvnw -o -B -q org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
fi
CP="$(cat target/bench-classpath.txt)"
javac -nowarn -d "$CLASSES" -cp "$CP" src/test/java/io/uploadgateway/bench/LedgerScale*.java
RUN_CP="$CLASSES:$CP"

if [[ "${LEDGER_RELOAD:-0}" == 1 ]]; then
  log "LEDGER_RELOAD=1: removing $LEDGER_DIR"
  rm -rf "$LEDGER_DIR"
  mkdir -p "$LEDGER_DIR"
fi

LOW=(nice -n 19)
if command -v ionice >/dev/null && ionice -c3 true 2>/dev/null; then LOW+=(ionice -c3); fi

snapshot() { # label: the machine and its load, into machine.txt
  { echo "== $1 $(date -u +%FT%TZ)"; uptime; } >>"$OUT/machine.txt"
}
{
  echo "host: $(uname -srm)"
  echo "cpus: $(nproc)"
  grep -m1 'model name' /proc/cpuinfo || true
  free -g | sed -n 1,2p
  df -h "$LEDGER_DIR" | tail -1
  java -version 2>&1 | head -1
} >"$OUT/machine.txt"

log "results: $OUT (SCALE=$SCALE, data in $LEDGER_DIR, phases: $PHASES)"
for phase in $PHASES; do
  snapshot "before $phase"
  log "phase $phase"
  start=$(date +%s)
  if [[ "$phase" == load ]]; then
    "${LOW[@]}" java -Xmx1g -cp "$RUN_CP" io.uploadgateway.bench.LedgerScaleBenchmark load "$LEDGER_DIR" "$OUT"
  else
    java -Xmx1g -cp "$RUN_CP" io.uploadgateway.bench.LedgerScaleBenchmark "$phase" "$LEDGER_DIR" "$OUT"
  fi
  snapshot "after $phase ($(( $(date +%s) - start )) s)"
done

echo
for f in dataset.tsv load-timings.tsv queries.tsv retention.tsv; do
  [[ -f "$OUT/$f" ]] || continue
  echo "== $f"
  cut -f1-10 "$OUT/$f" | column -t -s $'\t'
  echo
done
cat "$OUT/machine.txt"
echo "results: $OUT"
