package io.uploadgateway.upload.complete;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.events.outbox.EventOutbox;
import io.uploadgateway.problem.ErrorCode;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadRules;
import io.uploadgateway.upload.create.Quotas;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * The size checks of uploads that learn their size only at completion: an open-sized upload (its
 * parts' total, from ListParts) and a single-request upload (its object, from HeadObject, when the
 * store did not enforce the POST policy). Over the limit, the bytes leave storage, the upload
 * (claimed by the caller) ends ABORTED with its event, and the call answers 413.
 */
@ApplicationScoped
public class SizeLimits {

    private static final Logger LOG = Logger.getLogger(SizeLimits.class);

    private final MultipartStorage storage;
    private final UploadLedger ledger;
    private final Quotas quotas;
    private final GatewayConfig config;
    private final Clock clock;
    private final UploadMetrics metrics;
    private final EventOutbox events;

    public SizeLimits(MultipartStorage storage, UploadLedger ledger, Quotas quotas, GatewayConfig config, Clock clock,
                      UploadMetrics metrics, EventOutbox events) {
        this.storage = storage;
        this.ledger = ledger;
        this.quotas = quotas;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.events = events;
    }

    /** An open-sized upload of {@code total} bytes: over the gateway's maximum or the owner's bytes quota, aborted. */
    Uni<Void> openSized(Upload upload, UUID token, long total) {
        long max = Math.min(config.maxUploadSize().asLongValue(), PartPlan.MAX_OBJECT_SIZE);
        Uni<String> overBy = total > max
                ? Uni.createFrom().item("its parts add up to " + total + " bytes, over this gateway's limit of " + max + " bytes")
                : ledger.session(() -> quotas.overBytesQuota(upload.owner, upload.bytesUploaded, total));
        return overBy.flatMap(reason -> reason == null ? Uni.createFrom().voidItem()
                : refuse(upload, token, storage.abortMultipartUpload(upload.key, upload.s3UploadId), reason,
                ErrorCode.TOO_LARGE.problem("upload " + upload.id + " was started without a size and " + reason
                        + "; it is ABORTED and its parts removed from storage").with("size", total)));
    }

    /** A single-request upload whose object has {@code size} bytes: over the gateway's maximum, deleted. */
    Uni<Void> singleRequest(Upload upload, UUID token, long size) {
        long max = UploadRules.maxSingleRequestSize(config.maxUploadSize().asLongValue());
        if (size <= max) {
            return Uni.createFrom().voidItem();
        }
        return refuse(upload, token, storage.deleteObject(upload.key), "its object has " + size + " bytes, over " + max,
                ErrorCode.TOO_LARGE.problem("upload " + upload.id + " stored " + size + " bytes, over this gateway's"
                        + " limit of " + max + " bytes (the store did not enforce the POST policy); it is ABORTED and"
                        + " the object deleted").with("size", size));
    }

    private Uni<Void> refuse(Upload upload, UUID token, Uni<?> removeFromStorage, String reason, RuntimeException answer) {
        return removeFromStorage
                .chain(() -> ledger.finish(upload.id, token, claimed -> {
                    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    claimed.markRefused(now);
                    return events.record(claimed, now).replaceWith(claimed);
                }))
                .invoke(refused -> {
                    events.committed();
                    metrics.aborted(refused);
                    LOG.infof("upload %s refused at completion: %s", upload.id, reason);
                })
                .chain(refused -> Uni.createFrom().failure(answer));
    }
}
