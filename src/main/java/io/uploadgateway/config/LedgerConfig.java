package io.uploadgateway.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Bounds on the gateway's PostgreSQL sessions, so a stuck query or lock fails instead of holding a connection. */
public interface LedgerConfig {
    /** PostgreSQL {@code statement_timeout} of every gateway session. */
    @WithDefault("PT15S")
    Duration statementTimeout();

    /** PostgreSQL {@code lock_timeout}: the longest a statement waits for a row lock. */
    @WithDefault("PT5S")
    Duration lockTimeout();

    /** PostgreSQL {@code idle_in_transaction_session_timeout}. */
    @WithDefault("PT1M")
    Duration idleInTransactionTimeout();

    /** Longest a request waits for a free connection of the pool before failing with 503. */
    @WithDefault("PT5S")
    Duration acquireTimeout();
}
