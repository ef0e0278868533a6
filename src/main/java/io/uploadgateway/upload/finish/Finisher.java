package io.uploadgateway.upload.finish;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.storage.MultipartStorage.StoredPart;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.Ending;
import io.uploadgateway.upload.PartReconciliation.Adoption;
import io.uploadgateway.upload.PartReconciliation;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadKind;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.events.UploadEvents;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

/**
 * The one write of every ending. Complete, sync, auto-completion, abort, an operator's abort,
 * expiry, a refusal over the limits, a rejection by the content check and a takeover all end an
 * upload here, after their checks: in one short transaction that must still hold the claim, the
 * final state ({@link Upload#end}), for a completion the parts as storage assembled them, and the
 * event that reports it; once committed, the dispatcher is woken, the metrics move, and a
 * single-request upload's staging object goes (the janitor sweeps one that stays).
 */
@ApplicationScoped
public class Finisher {

    private static final Logger LOG = Logger.getLogger(Finisher.class);

    private final UploadLedger ledger;
    private final Stores stores;
    private final UploadEvents events;
    private final UploadMetrics metrics;
    private final Clock clock;

    public Finisher(UploadLedger ledger, Stores stores, UploadEvents events, UploadMetrics metrics, Clock clock) {
        this.ledger = ledger;
        this.stores = stores;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Ends the upload claimed with {@code token} as {@code ending}. {@code assembled}: the parts a
     * multipart completion just assembled (null otherwise), which become the ledger's parts.
     */
    public Uni<UploadWithParts> finish(UUID id, UUID token, Ending ending, List<StoredPart> assembled) {
        return ledger.finish(id, token, upload -> ledger.parts(upload).flatMap(recorded -> {
                    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    Adoption adoption = assembled == null ? new Adoption(recorded, List.of(), List.of())
                            : PartReconciliation.assembled(upload.id, recorded, assembled, now);
                    if (ending.state() == UploadState.COMPLETED) {
                        upload.recount(adoption.parts(), now);
                    }
                    upload.end(ending, now);
                    // One event per ending, committed with it, under the claim.
                    return ledger.write(adoption).call(() -> events.record(upload, now))
                            .replaceWith(new UploadWithParts(upload, adoption.parts()));
                }))
                .invoke(ended -> {
                    events.committed();
                    metrics.ended(ended.upload()); // once the ledger committed, never for an attempt that rolled back
                })
                .call(ended -> dropStaging(ended.upload()));
    }

    /** A single-request upload's staging object has served its purpose once the upload ended, whichever way. */
    private Uni<Void> dropStaging(Upload ended) {
        if (ended.kind != UploadKind.SINGLE_REQUEST || ended.stagingKey.equals(ended.key)) {
            return Uni.createFrom().voidItem(); // a form issued before staging keys wrote the upload's key itself
        }
        return stores.storage(ended.store).deleteObject(ended.stagingKey)
                .onFailure().invoke(failure -> LOG.infof("upload %s: its staging object stays for the janitor (%s)", ended.id,
                        failure.toString()))
                .onFailure().recoverWithNull();
    }
}
