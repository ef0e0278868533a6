package io.uploadgateway.config;

import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * Bounds on the gateway's PostgreSQL sessions, so a stuck query, a held lock or a frozen server
 * fails a call with {@code 503 database_unavailable} instead of holding it. A call that needs the
 * ledger answers within {@link #acquireTimeout()} + {@link #silenceTimeout()}: it waits at most
 * the first for a connection, and a connection on which PostgreSQL says nothing for the second is
 * closed (10 s by default).
 */
public interface LedgerConfig {
    /** PostgreSQL {@code statement_timeout} of every gateway session. */
    @WithDefault("PT5S")
    Duration statementTimeout();

    /** PostgreSQL {@code lock_timeout}: the longest a statement waits for a row lock. */
    @WithDefault("PT3S")
    Duration lockTimeout();

    /** PostgreSQL {@code idle_in_transaction_session_timeout}. */
    @WithDefault("PT1M")
    Duration idleInTransactionTimeout();

    /** Longest a request waits for a free connection of the pool before failing with 503. */
    @WithDefault("PT3S")
    Duration acquireTimeout();

    /**
     * A connection on which an answer is owed and PostgreSQL sends nothing this long is closed, and
     * the call waiting on it fails with 503: a frozen server (stopped, I/O stalled, a lost network
     * path), which nothing else bounds. Also the TCP connect timeout. Longer than
     * {@link #statementTimeout()}, so a working server always answers first (startup checks it).
     * Connections resting in the pool are not affected; a new connection's handshake is not cut
     * (it holds one pool slot until the server answers).
     */
    @WithDefault("PT7S")
    Duration silenceTimeout();
}
