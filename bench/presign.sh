#!/usr/bin/env bash
# Runs the presign JMH benchmark (see docs/benchmarks.md). Extra arguments go to JMH, e.g. -f 2 -i 10.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" org.openjdk.jmh.Main PresignBenchmark "$@"
