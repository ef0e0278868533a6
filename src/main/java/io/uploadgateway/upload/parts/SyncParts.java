package io.uploadgateway.upload.parts;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.storage.StorageException;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.PartReconciliation;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.finish.CompleteUpload;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * {@code GET …?sync=true}: reconciles the ledger with S3's ListParts, then returns it, so a client
 * that lost its ETags can resume without re-sending bytes ({@link PartReconciliation#adopt}).
 */
@ApplicationScoped
public class SyncParts {

    private final Stores stores;
    private final UploadLedger ledger;
    private final GatewayConfig config;
    private final Clock clock;
    private final CompleteUpload completion;

    public SyncParts(Stores stores, UploadLedger ledger, GatewayConfig config, Clock clock, CompleteUpload completion) {
        this.completion = completion;
        this.stores = stores;
        this.ledger = ledger;
        this.config = config;
        this.clock = clock;
    }

    /**
     * {@code GET …?sync=true}: a multipart upload's parts reconciled with ListParts ({@link #parts});
     * a single-request upload has no parts, so syncing it looks for its object and completes it
     * when it arrived ({@link CompleteUpload#ifArrived}).
     */
    public Uni<UploadWithParts> sync(Scope scope, UUID id) {
        return ledger.session(() -> ledger.find(scope, id)).flatMap(current -> current.kind.isMultipart() ? parts(scope, id)
                : current.state == UploadState.UPLOADING ? completion.ifArrived(scope, id)
                : ledger.session(() -> ledger.withParts(current)));
    }

    /** The parts storage holds, adopted into the ledger; a 409 for a single-request upload, which has none. */
    public Uni<UploadWithParts> parts(Scope scope, UUID id) {
        return ledger.session(() -> ledger.find(scope, id)).flatMap(current -> {
            if (current.state != UploadState.UPLOADING) {
                return ledger.session(() -> ledger.withParts(current));
            }
            current.requireParts();
            Instant listedAt = now();
            return stores.storage(current.store).listParts(current.key, current.s3UploadId)
                    .onFailure(StorageException.NoSuchUpload.class).transform(gone -> Errors.goneFromStorage(current.id))
                    .flatMap(listed -> ledger.transaction(() -> ledger.lock(scope, id).flatMap(upload -> {
                        if (upload.state != UploadState.UPLOADING) {
                            return ledger.withParts(upload);
                        }
                        return ledger.parts(upload).flatMap(parts -> {
                            Instant now = now();
                            var adoption = PartReconciliation.adopt(upload.id, upload.plan(), parts, listed, listedAt, now);
                            upload.recount(adoption.parts(), now);
                            upload.touch(now, config.uploadTtl());
                            // The client is alive and asked: an auto-complete upload is looked at now.
                            upload.checkAt(now, config.autoComplete().checkInterval());
                            return ledger.write(adoption).replaceWith(new UploadWithParts(upload, adoption.parts()));
                        });
                    })));
        });
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
