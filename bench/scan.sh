#!/usr/bin/env bash
# The scan step's throughput and memory (ScanBenchmark): the packaged gateway, heap bounded by
# SCAN_XMX, scans uploads with the machine's clamd (EICAR-only database) beside clamd fed straight
# from memory. Never part of CI. Needs clamav-daemon. See docs/benchmarks.md ("The scan step").
#
#   bench/scan.sh                                   # -Xmx96m, 1 MiB chunks, 16/64/256 MiB, then 4 × 64 MiB at once
#   SCAN_CHUNK=8M SCAN_XMX=64m bench/scan.sh        # another chunk size / heap bound
#
# Knobs: SCAN_XMX (96m), SCAN_CHUNK (1M), SCAN_CONCURRENCY (2), SCAN_SIZES_MIB (16,64,256),
# SCAN_PARALLEL_FILES (4), SCAN_PARALLEL_MIB (64). Output: target/scan-bench/<time>/scan.tsv and the
# gateway's log; bench/results/ keeps the runs reported in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="target/scan-bench/$(date -u +%Y%m%dT%H%MZ)-x${SCAN_XMX:-96m}-c${SCAN_CHUNK:-1M}"
if [[ ! -f target/quarkus-app/quarkus-run.jar || ! -f target/test-classes/io/uploadgateway/bench/ScanBenchmark.class ]]; then
  ./mvnw -o -B -q package -DskipTests
  ./mvnw -o -B -q test-compile
fi
if [[ ! -s target/bench-classpath.txt || pom.xml -nt target/bench-classpath.txt ]]; then
  ./mvnw -o -B -q org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
fi
exec java -Xmx2g -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  io.uploadgateway.bench.ScanBenchmark "$OUT"
