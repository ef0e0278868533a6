package io.uploadgateway.upload.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/** The cheapest question the ledger can answer, for readiness: {@code SELECT 1} on the reactive pool. */
@ApplicationScoped
public class LedgerProbe {

    private final Pool pool;

    public LedgerProbe(Pool pool) {
        this.pool = pool;
    }

    public Uni<Void> ping() {
        return pool.query("SELECT 1").execute().replaceWithVoid();
    }
}
