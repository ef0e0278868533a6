package io.uploadgateway.upload.process;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.upload.Upload;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Where a failed upload's object goes ({@code gateway.processing.quarantine}): {@code move}d to
 * {@code <prefix>/quarantine/…} in its store, out of reach of every key the gateway serves, or
 * {@code delete}d. An object over CopyObject's 5 GiB stays at its key (its state keeps it from
 * being served). Idempotent: a runner that dies half-way and the one that takes over both end
 * with the object in one place.
 */
@ApplicationScoped
class Quarantine {

    private static final Logger LOG = Logger.getLogger(Quarantine.class);
    static final long MAX_COPY = 5L * 1024 * 1024 * 1024;

    private final Stores stores;
    private final boolean move;

    Quarantine(Stores stores, GatewayConfig config) {
        this.stores = stores;
        this.move = config.processing().quarantine().equals("move");
    }

    /** Takes the upload's object out of its key; answers where it is kept (null: deleted). */
    Uni<String> takeAway(Upload upload) {
        MultipartStorage storage = stores.storage(upload.store);
        if (!move) {
            return storage.deleteObject(upload.key).replaceWith((String) null);
        }
        if (upload.size > MAX_COPY) {
            LOG.warnf("upload %s: its object of %d bytes is quarantined at its own key (CopyObject stops at 5 GiB)", upload.id,
                    upload.size);
            return Uni.createFrom().item(upload.key);
        }
        String kept = ObjectKeys.quarantineFor(stores.of(upload.store).keyRoot(), upload.key);
        return storage.headObject(upload.key).flatMap(atKey -> atKey.isEmpty()
                ? Uni.createFrom().item(kept) // moved already, by a runner that died before it could record it
                : storage.copyObject(upload.key, null, kept, upload.contentType, upload.metadata)
                        .chain(() -> storage.deleteObject(upload.key))
                        .replaceWith(kept));
    }

    /** Puts a released upload's object back at its key; answers its ETag there. */
    Uni<String> bringBack(Upload upload) {
        MultipartStorage storage = stores.storage(upload.store);
        if (upload.quarantineKey.equals(upload.key)) {
            return Uni.createFrom().item(upload.etag);
        }
        return storage.copyObject(upload.quarantineKey, null, upload.key, upload.contentType, upload.metadata)
                .call(() -> storage.deleteObject(upload.quarantineKey));
    }

    /** Deletes a quarantined upload's object, wherever it is kept. */
    Uni<Void> delete(Upload upload) {
        return stores.storage(upload.store).deleteObject(upload.quarantineKey);
    }
}
