package io.uploadgateway.upload.janitor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.config.RetentionConfig;
import io.uploadgateway.upload.ledger.OperatorLedger;
import io.uploadgateway.upload.ledger.OperatorLedger.PrunedParts;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;

/**
 * What the ledger keeps of uploads that ended: their part rows (and part checksums) for
 * {@code gateway.retention.parts} after the ending, the upload row for
 * {@code gateway.retention.uploads}. A step of the janitor's sweep, so one replica at a time;
 * batches of {@code batch-size} uploads, each one short transaction that skips rows another
 * holds, oldest ending first, until nothing is left or the sweep's budget is spent.
 */
@ApplicationScoped
public class LedgerRetention {

    /** What one pass removed: part rows, and upload rows. */
    public record Pruned(long parts, long uploads) {
    }

    private final UploadLedger ledger;
    private final OperatorLedger operators;
    private final RetentionConfig config;
    private final Clock clock;
    private final Counter partsPruned;
    private final Counter uploadsDeleted;

    public LedgerRetention(UploadLedger ledger, OperatorLedger operators, GatewayConfig config, Clock clock, MeterRegistry registry) {
        this.ledger = ledger;
        this.operators = operators;
        this.config = config.retention();
        this.clock = clock;
        this.partsPruned = Counter.builder("gateway.retention.parts.pruned")
                .description("Part rows of ended uploads removed by the ledger's retention").register(registry);
        this.uploadsDeleted = Counter.builder("gateway.retention.uploads.deleted")
                .description("Rows of ended uploads removed by the ledger's retention").register(registry);
    }

    /** One pass as of {@code now}: parts first, then whole rows. */
    public Uni<Pruned> prune(Instant now) {
        Instant deadline = clock.instant().plus(config.sweepBudget());
        return pruneParts(now.minus(config.parts()), now, deadline, 0)
                .flatMap(parts -> deleteUploads(now.minus(config.uploads()), deadline, 0)
                        .map(uploads -> new Pruned(parts, uploads)));
    }

    private Uni<Long> pruneParts(Instant endedBefore, Instant now, Instant deadline, long sofar) {
        return ledger.transaction(() -> operators.pruneParts(endedBefore, config.batchSize(), now))
                .invoke((PrunedParts batch) -> partsPruned.increment(batch.parts()))
                .flatMap(batch -> batch.uploads() < config.batchSize() || clock.instant().isAfter(deadline)
                        ? Uni.createFrom().item(sofar + batch.parts())
                        : pruneParts(endedBefore, now, deadline, sofar + batch.parts()));
    }

    private Uni<Long> deleteUploads(Instant endedBefore, Instant deadline, long sofar) {
        return ledger.transaction(() -> operators.deleteEnded(endedBefore, config.batchSize()))
                .invoke(deleted -> uploadsDeleted.increment(deleted))
                .flatMap(deleted -> deleted < config.batchSize() || clock.instant().isAfter(deadline)
                        ? Uni.createFrom().item(sofar + deleted)
                        : deleteUploads(endedBefore, deadline, sofar + deleted));
    }
}
