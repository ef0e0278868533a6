package io.uploadgateway.upload.finish;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.storage.MultipartStorage.StoredPart;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.Ending;
import io.uploadgateway.upload.PartReconciliation.Adoption;
import io.uploadgateway.upload.PartReconciliation;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadKind;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.UploadWithParts;
import io.uploadgateway.upload.events.UploadEvents;
import io.uploadgateway.upload.ledger.ClaimLost;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The one write of every ending. Complete, sync, auto-completion, abort, an operator's abort,
 * expiry, a refusal over the limits, a rejection by the content check and a takeover all end an
 * upload here, after their checks: in one short transaction that must still hold the claim, the
 * final state ({@link Upload#end}), for a completion the parts as storage assembled them, and the
 * event that reports it; once committed, the dispatcher is woken, the metrics move, and a
 * single-request upload's staging object goes (the janitor sweeps one that stays).
 * With processing steps configured a completion ends PROCESSING (not served yet), whatever the
 * kind and whoever completed it; the processing stage's verdicts and an operator's release or
 * delete are written here too ({@link #settle}, {@link #amend}), in the same shape.
 */
@ApplicationScoped
public class Finisher {

    private static final Logger LOG = Logger.getLogger(Finisher.class);

    private final UploadLedger ledger;
    private final Stores stores;
    private final UploadEvents events;
    private final UploadMetrics metrics;
    private final Clock clock;
    private final boolean processes;

    public Finisher(UploadLedger ledger, Stores stores, UploadEvents events, UploadMetrics metrics, Clock clock,
                    GatewayConfig config) {
        this.ledger = ledger;
        this.stores = stores;
        this.events = events;
        this.metrics = metrics;
        this.clock = clock;
        this.processes = config.processes();
    }

    /**
     * Ends the upload claimed with {@code token} as {@code ending}. {@code assembled}: the parts a
     * multipart completion just assembled (null otherwise), which become the ledger's parts.
     */
    public Uni<UploadWithParts> finish(UUID id, UUID token, Ending asked, List<StoredPart> assembled) {
        Ending ending = processes ? asked.heldForProcessing() : asked;
        return ledger.finish(id, token, upload -> ledger.parts(upload).flatMap(recorded -> {
                    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    Adoption adoption = assembled == null ? new Adoption(recorded, List.of(), List.of())
                            : PartReconciliation.assembled(upload.id, recorded, assembled, now);
                    if (ending.state().isAssembled()) {
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

    /**
     * A change of the processing stage to the PROCESSING upload its runner took with {@code token}
     * (a step's verdict, the upload made COMPLETED or QUARANTINED), in one short transaction that
     * must still find the runner's token; a change of state writes the event that reports it.
     * {@link ClaimLost} when another replica took the upload over.
     */
    public Uni<Upload> settle(UUID id, UUID token, Consumer<Upload> change) {
        return write(id, upload -> {
            if (!upload.processedBy(token)) {
                throw new ClaimLost(id);
            }
            change.accept(upload);
        }, null);
    }

    /**
     * A change to a processed upload from outside its runner (an operator's release or delete, the
     * app's verdict callback; {@code change} checks the state), reported by the event {@code type}
     * (null: the event of its new state, if it changed).
     */
    public Uni<Upload> amend(UUID id, Consumer<Upload> change, UploadEvents.Type type) {
        return write(id, change, type);
    }

    /**
     * {@code change} on the locked upload, and its event: {@code type}, else the event of its new
     * state when the state changed (none otherwise). Once committed, a new final state counts.
     */
    private Uni<Upload> write(UUID id, Consumer<Upload> change, UploadEvents.Type type) {
        AtomicReference<UploadState> before = new AtomicReference<>();
        return ledger.transaction(() -> ledger.lock(Scope.operator(), id).flatMap(upload -> {
                    before.set(upload.state);
                    change.accept(upload);
                    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    Uni<Void> event = type != null ? events.record(upload, type, now)
                            : upload.state != before.get() ? events.record(upload, now) : Uni.createFrom().voidItem();
                    return event.replaceWith(upload);
                }))
                .invoke(upload -> {
                    events.committed();
                    if (upload.state != before.get() && upload.state != UploadState.PROCESSING) {
                        metrics.ended(upload);
                    }
                });
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
