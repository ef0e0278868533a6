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
 * Creates the ledger's connection pools with bounds on both ends. PostgreSQL enforces its own:
 * every gateway session runs with {@code statement_timeout}, {@code lock_timeout} and
 * {@code idle_in_transaction_session_timeout} ({@code gateway.ledger.*}). The client enforces the
 * rest: a request waits at most {@code acquire-timeout} for a pooled connection, and a connection
 * on which the server says nothing for {@code silence-timeout} is closed.
 * <p>
 * That last bound is the one a frozen server needs, and nothing else gives it: the connect
 * timeout covers only the TCP handshake, which the kernel of a stopped server still completes;
 * the pg client has no deadline for the startup exchange or for a query's answer;
 * {@code statement_timeout} is the frozen server's own; TCP keepalive is answered by its kernel;
 * and closing a connection does not end it either: the pg client's close is a graceful Terminate
 * that waits for the server to hang up. So the connections carry a read-idle timeout, longer than
 * {@code statement_timeout} (a working server always speaks first), whose event the
 * {@link SilentServerCutoff} turns into a real close, counting silence only while an answer is
 * owed (a connection resting in the pool is never closed for its quiet). A new connection whose handshake hangs is not cut off (the cutoff is installed once it is
 * open): the request waiting for it fails at the acquisition timeout, and the attempt keeps its
 * place in the pool, never more than the pool's size, until the server answers.
 * <p>
 * Readiness gets a one-connection pool of its own ({@link #probe()}), so it reports the
 * database's health, not the request pool's load.
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
        return withCutoff(PgDriver.INSTANCE.createPool(input.vertx(), bounded(input.pgConnectOptionsList(), bounds.statementTimeout()), options));
    }

    /** Every connection the pool opens gets the {@link SilentServerCutoff}, then goes to the pool. */
    private Pool withCutoff(Pool pool) {
        return pool.connectHandler(connection -> {
            SilentServerCutoff.install(connection, bounds.silenceTimeout());
            connection.close(); // hands it to the pool
        });
    }

    /** The readiness probe's own pool: one connection, created on first use. */
    public synchronized Pool probe() {
        if (probe == null) {
            if (input == null) {
                throw new IllegalStateException("the ledger's pool has not been created yet");
            }
            probe = withCutoff(PgDriver.INSTANCE.createPool(input.vertx(), bounded(input.pgConnectOptionsList(), PROBE_STATEMENT_TIMEOUT),
                    new PoolOptions().setMaxSize(1).setName("ledger-readiness")));
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
            int silence = (int) bounds.silenceTimeout().toMillis();
            options.setConnectTimeout(silence);
            // Vert.x's read-idle handler is where SilentServerCutoff attaches (and whose events it
            // swallows): the cutoff keeps its own timer, counted only while an answer is owed.
            options.setReadIdleTimeout(silence);
            options.setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
            return options;
        }).toList();
    }
}
