#!/usr/bin/env bash
# SDK presigner vs the SigV4 engine (io.uploadgateway.storage.presign) in one JMH run: one
# UploadPart URL, 1,000 UploadPart URLs, one GetObject URL; time/op and ops/s (both modes).
# Extra arguments go to JMH, e.g.:  bench/presign-engine.sh -prof gc      (allocation, B/op)
#                                   bench/presign-engine.sh -f 1 -wi 3 -i 5 -prof gc
# See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" org.openjdk.jmh.Main PresignEngineBenchmark "$@"
