package io.uploadgateway.upload.ledger;

import io.quarkus.runtime.StartupEvent;
import io.uploadgateway.storage.Store;
import jakarta.enterprise.context.ApplicationScoped;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.event.Observes;

import java.time.Duration;

/**
 * Where this deployment's objects live in the bucket: under {@code <prefix>/<deployment>/}, and
 * its single-request forms under {@code <prefix>/staging/<deployment>/}. The deployment id is
 * drawn once with the ledger and read at startup. Two deployments that share a bucket and a key
 * prefix (each with its own ledger) so never build each other's keys, and each janitor sweeps only
 * its own: a multipart upload or staging object under another deployment's id is not an orphan
 * to it, however unknown to its ledger. The bucket's lifecycle rules stay on the whole prefix.
 * (The id is in the ledger, table {@code deployment}, so that every replica of one deployment
 * reads the same one.)
 */
@ApplicationScoped
public class KeySpace {

    private static final Duration READ_AT_STARTUP = Duration.ofSeconds(30);

    private final Pool pool;
    private volatile String deployment;

    public KeySpace(Pool pool) {
        this.pool = pool;
    }

    void onStart(@Observes StartupEvent event) {
        // The startup thread, not an event loop: waiting here delays readiness, never a request.
        deployment = pool.query("select id from deployment").execute()
                .map(rows -> rows.iterator().next().getString("id"))
                .await().atMost(READ_AT_STARTUP);
    }

    /** This deployment's id. */
    public String deployment() {
        String id = deployment;
        if (id == null) {
            throw new IllegalStateException("the deployment id is read at startup");
        }
        return id;
    }

    /** The start of every upload key this deployment builds in {@code store}: {@code <prefix>/<deployment>/}. */
    public String root(Store store) {
        return store.keyRoot() + deployment() + "/";
    }

    /** Where this deployment's single-request forms write in {@code store}: {@code <prefix>/staging/<deployment>/}. */
    public String stagingRoot(Store store) {
        return store.stagingRoot() + deployment() + "/";
    }
}
