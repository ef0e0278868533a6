package io.uploadgateway.upload.ledger;

import io.uploadgateway.config.LedgerConfig;
import io.quarkus.reactive.pg.client.PgPoolCreator;
import io.uploadgateway.config.GatewayConfig;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.spi.PgDriver;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Creates the ledger's connection pools with bounds PostgreSQL enforces itself: every gateway
 * session runs with {@code statement_timeout}, {@code lock_timeout} and
 * {@code idle_in_transaction_session_timeout} ({@code gateway.ledger.*}), and a request waits at
 * most {@code acquire-timeout} for a pooled connection. Readiness gets a one-connection pool of its
 * own ({@link #probe()}), so it reports the database's health, not the request pool's load.
 */
@ApplicationScoped
public class LedgerPools implements PgPoolCreator {

    private static final Duration PROBE_STATEMENT_TIMEOUT = Duration.ofSeconds(2);

    private final LedgerConfig bounds;
    private volatile Input input;
    private volatile Pool probe;

    public LedgerPools(GatewayConfig config) {
        this.bounds = config.ledger();
    }

    @Override
    public Pool create(Input input) {
        this.input = input;
        PoolOptions options = new PoolOptions(input.poolOptions())
                .setConnectionTimeout((int) bounds.acquireTimeout().toMillis())
                .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
        return PgDriver.INSTANCE.createPool(input.vertx(), bounded(input.pgConnectOptionsList(), bounds.statementTimeout()), options);
    }

    /** The readiness probe's own pool: one connection, created on first use. */
    public synchronized Pool probe() {
        if (probe == null) {
            if (input == null) {
                throw new IllegalStateException("the ledger's pool has not been created yet");
            }
            probe = PgDriver.INSTANCE.createPool(input.vertx(), bounded(input.pgConnectOptionsList(), PROBE_STATEMENT_TIMEOUT),
                    new PoolOptions().setMaxSize(1).setName("ledger-readiness"));
        }
        return probe;
    }

    private List<PgConnectOptions> bounded(List<PgConnectOptions> configured, Duration statementTimeout) {
        return configured.stream().map(original -> {
            PgConnectOptions options = new PgConnectOptions(original);
            // Sent in the startup message: PostgreSQL applies them to the whole session.
            options.addProperty("statement_timeout", String.valueOf(statementTimeout.toMillis()));
            options.addProperty("lock_timeout", String.valueOf(bounds.lockTimeout().toMillis()));
            options.addProperty("idle_in_transaction_session_timeout", String.valueOf(bounds.idleInTransactionTimeout().toMillis()));
            return options;
        }).toList();
    }
}
