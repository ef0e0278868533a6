package io.uploadgateway.bench;

import org.jboss.logmanager.LogContext;

import java.util.logging.Level;

/**
 * Logging of the bench's own JVMs, which run outside Quarkus. There nothing configures JBoss
 * LogManager (the SLF4J backend on this classpath), and its unconfigured root logger is at
 * {@code ALL}: every debug line of S3Proxy, its Jetty and the AWS SDK is formatted (the console
 * handler then drops it; the SDK's presigner alone builds seven per URL). A JFR profile of S3Proxy during a create cell spent most of its samples
 * formatting such lines (docs/benchmarks.md, run 15) — CPU taken from the servers measured on the
 * same two cores. Inside Quarkus (tests, dev mode) {@code application.properties} sets the levels.
 */
final class BenchLogging {

    private BenchLogging() {
    }

    /** INFO and above, as Quarkus logs by default; call first in every bench {@code main} and JMH setup. */
    static void infoAndAbove() {
        LogContext.getLogContext().getLogger("").setLevel(Level.INFO);
    }
}
