package io.uploadgateway.upload.abort;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.events.outbox.EventOutbox;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.MultipartStorage.StoredObject;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadRules;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.claim.Transitions;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * Ends an upload that will not complete: claimed (ABORTING), AbortMultipartUpload with no
 * database connection held, then the final state in a short transaction. Clients and operators
 * abort ({@code ABORTED}); the janitor expires ({@code EXPIRED}). When S3 no longer knows the
 * multipart upload, HeadObject tells whether S3 had completed it: then the upload is
 * {@code COMPLETED}, not an owner-less object.
 */
@ApplicationScoped
public class AbortUpload {

    private static final Logger LOG = Logger.getLogger(AbortUpload.class);

    private final MultipartStorage storage;
    private final UploadLedger ledger;
    private final Transitions transitions;
    private final Clock clock;
    private final UploadMetrics metrics;
    private final EventOutbox events;
    private final GatewayConfig config;

    public AbortUpload(MultipartStorage storage, UploadLedger ledger, Transitions transitions, Clock clock,
                       UploadMetrics metrics, EventOutbox events, GatewayConfig config) {
        this.config = config;
        this.storage = storage;
        this.ledger = ledger;
        this.transitions = transitions;
        this.clock = clock;
        this.metrics = metrics;
        this.events = events;
    }

    /** Aborts and marks the upload ABORTED; aborting an aborted or expired upload changes nothing. */
    public Uni<Upload> abort(Scope scope, UUID id) {
        return end(scope, id, UploadState.ABORTED).map(upload -> {
            if (upload.state == UploadState.COMPLETED) {
                throw alreadyCompleted(upload.id);
            }
            return upload;
        });
    }

    /**
     * Runs the end of an upload towards {@code target} (ABORTED, or EXPIRED for a stale expiry claim
     * the janitor takes over), answering an upload that already ended as it is.
     */
    public Uni<Upload> end(Scope scope, UUID id, UploadState target) {
        return transitions.run(scope, id, new Transitions.Transition<>() {
            @Override
            public UploadState target() {
                return target;
            }

            @Override
            public Uni<Upload> answerFor(Upload upload) {
                if (upload.state == UploadState.COMPLETED) {
                    throw alreadyCompleted(upload.id);
                }
                return Uni.createFrom().item(upload); // ABORTED or EXPIRED: nothing left to do
            }

            @Override
            public Uni<Upload> inStorage(Upload claimed, UUID token) {
                return endClaimed(claimed, token);
            }
        });
    }

    /**
     * The S3 side and the finish of an ABORTING claim the caller holds ({@code claimed.claimToken}):
     * ABORTED or EXPIRED as claimed, or COMPLETED if S3 turns out to have completed it.
     */
    public Uni<Upload> endClaimed(Upload claimed, UUID token) {
        // A single-request upload (a presigned POST) has no multipart upload to abort: whether its
        // object arrived is all there is to know.
        Uni<Boolean> abortion = claimed.singleRequest
                ? Uni.createFrom().item(false)
                : storage.abortMultipartUpload(claimed.key, claimed.s3UploadId);
        return abortion
                .flatMap(abortedNow -> abortedNow
                        ? Uni.createFrom().item(Optional.<StoredObject>empty())
                        : storage.headObject(claimed.key).map(object -> object.filter(o -> claimed.size == null || o.size() == claimed.size)))
                .call(object -> tooLarge(claimed, object)
                        // A store that does not enforce the POST policy let a larger file through: it goes.
                        ? storage.deleteObject(claimed.key)
                        : Uni.createFrom().voidItem())
                .map(object -> tooLarge(claimed, object) ? Optional.<StoredObject>empty() : object)
                .flatMap(completed -> ledger.finish(claimed.id, token, upload -> {
                    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    if (completed.isPresent()) {
                        LOG.infof("upload %s was completed in storage before it could be ended; recording the completion", upload.id);
                        upload.markCompleted(completed.get().etag(), completed.get().size(), now);
                    } else if (upload.claimedFor == UploadState.EXPIRED) {
                        upload.markExpired(now);
                    } else {
                        upload.markAborted(now);
                    }
                    // upload.completed, .expired or .aborted: committed with the state, under the claim.
                    return events.record(upload, now).replaceWith(upload);
                }))
                .invoke(ended -> {
                    events.committed();
                    count(ended); // once the ledger committed, never for an attempt that rolled back
                });
    }

    /** A single-request upload's object over the gateway's maximum (which its POST policy stated). */
    private boolean tooLarge(Upload claimed, Optional<StoredObject> object) {
        return claimed.singleRequest && object.isPresent()
                && object.get().size() > UploadRules.maxSingleRequestSize(config.maxUploadSize().asLongValue());
    }

    private void count(Upload ended) {
        switch (ended.state) {
            case COMPLETED -> metrics.completed(ended);
            case EXPIRED -> metrics.expired(ended);
            default -> metrics.aborted(ended);
        }
    }

    private static ApiProblem alreadyCompleted(UUID id) {
        return ApiProblem.notActive("upload " + id + " is already completed; a completed upload cannot be aborted");
    }
}
