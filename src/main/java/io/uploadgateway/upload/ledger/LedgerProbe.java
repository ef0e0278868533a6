package io.uploadgateway.upload.ledger;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The cheapest question the ledger can answer, for readiness: {@code SELECT 1} on a connection of
 * its own, so a request pool drained by load does not read as a database outage.
 */
@ApplicationScoped
public class LedgerProbe {

    private final Pool requests;
    private final LedgerPools pools;

    public LedgerProbe(Pool requests, LedgerPools pools) {
        this.requests = requests;
        this.pools = pools;
    }

    public Uni<Void> ping() {
        // Touching the request pool makes sure it exists, and with it the probe pool's settings.
        requests.getDelegate();
        return Uni.createFrom().completionStage(() -> pools.probe().query("SELECT 1").execute().toCompletionStage())
                .replaceWithVoid();
    }
}
