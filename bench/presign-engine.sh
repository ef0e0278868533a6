#!/usr/bin/env bash
# SDK presigner vs the SigV4 engine (io.uploadgateway.storage.presign) in one JMH run: one
# UploadPart URL, 1,000 UploadPart URLs, one GetObject URL; average time per operation.
# Extra arguments go to JMH, e.g.:  bench/presign-engine.sh -prof gc              (adds B/op)
#                                   bench/presign-engine.sh -bm thrpt -tu s -prof gc (ops/s)
# See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" org.openjdk.jmh.Main PresignEngineBenchmark "$@"
