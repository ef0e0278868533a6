package io.uploadgateway.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.MultipartStorage.PendingMultipartUpload;
import io.uploadgateway.upload.abort.AbortUpload;
import io.uploadgateway.upload.ledger.OperatorLedger;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Keeps the bucket free of abandoned multipart uploads, which otherwise cost money silently.
 * Each sweep, in one transaction holding a PostgreSQL advisory lock (one sweep at a time across
 * every replica sharing the database):
 * <ol>
 *   <li>expires UPLOADING uploads idle past {@code gateway.upload-ttl}: rows are taken
 *       {@code FOR UPDATE SKIP LOCKED}, so an upload a client is touching right now is skipped,
 *       and a touch that committed first no longer matches the idle condition;</li>
 *   <li>aborts orphans: multipart uploads under the key prefix, older than
 *       {@code gateway.orphan-grace}, that no UPLOADING ledger row owns.</li>
 * </ol>
 */
@ApplicationScoped
public class Janitor {

    private static final Logger LOG = Logger.getLogger(Janitor.class);

    private final MultipartStorage storage;
    private final UploadLedger ledger;
    private final OperatorLedger operators;
    private final AbortUpload abortion;
    private final GatewayConfig config;
    private final Clock clock;
    private final StalledGauge stalledGauge;
    private final Counter runs;
    private final Counter skipped;
    private final Counter orphansFound;
    private final Counter orphansAborted;

    public Janitor(MultipartStorage storage, UploadLedger ledger, OperatorLedger operators, AbortUpload abortion,
                   GatewayConfig config, Clock clock, StalledGauge stalledGauge, MeterRegistry registry) {
        this.storage = storage;
        this.ledger = ledger;
        this.operators = operators;
        this.abortion = abortion;
        this.config = config;
        this.clock = clock;
        this.stalledGauge = stalledGauge;
        this.runs = Counter.builder("gateway.janitor.runs").description("Janitor sweeps that ran").register(registry);
        this.skipped = Counter.builder("gateway.janitor.skipped")
                .description("Janitor sweeps skipped because another replica held the lock").register(registry);
        this.orphansFound = Counter.builder("gateway.janitor.orphans.found")
                .description("Multipart uploads in storage that no active ledger row owns").register(registry);
        this.orphansAborted = Counter.builder("gateway.janitor.orphans.aborted")
                .description("Orphaned multipart uploads aborted").register(registry);
    }

    /** What one sweep did; {@code ran} is false when another sweep held the lock. */
    public record SweepReport(boolean ran, List<String> expired, List<String> orphansAborted) {
    }

    @Scheduled(identity = "janitor", every = "${gateway.janitor-interval}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledSweep() {
        if (!config.janitorEnabled()) {
            return Uni.createFrom().voidItem();
        }
        return sweep()
                .invoke(report -> {
                    if (report.ran() && (!report.expired().isEmpty() || !report.orphansAborted().isEmpty())) {
                        LOG.infof("janitor expired %d idle upload(s) and aborted %d orphan(s)",
                                report.expired().size(), report.orphansAborted().size());
                    }
                })
                .onFailure().invoke(failure -> LOG.warnf("janitor sweep failed, will retry next interval: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    public Uni<SweepReport> sweep() {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        return ledger.transaction(() -> operators.tryJanitorLock().flatMap(locked -> {
            if (!locked) {
                skipped.increment();
                return Uni.createFrom().item(new SweepReport(false, List.of(), List.of()));
            }
            runs.increment();
            return expireIdle(now).flatMap(expired -> sweepOrphans(now)
                    .flatMap(orphans -> operators.countStalled(now.minus(config.stalledAfter()))
                            .invoke(stalledGauge::set)
                            .replaceWith(new SweepReport(true, expired, orphans))));
        }));
    }

    private Uni<List<String>> expireIdle(Instant now) {
        return operators.lockIdle(now.minus(config.uploadTtl()), config.janitorBatchSize())
                .flatMap(idle -> Multi.createFrom().iterable(idle)
                        .onItem().transformToUniAndConcatenate(upload -> abortion.expire(upload)
                                .map(expired -> expired.id.toString())
                                // Storage refused this one: leave it UPLOADING for the next sweep.
                                .onFailure().invoke(f -> LOG.warnf("could not abort expired upload %s: %s", upload.id, f.getMessage()))
                                .onFailure().recoverWithNull())
                        .filter(id -> id != null)
                        .collect().asList());
    }

    private Uni<List<String>> sweepOrphans(Instant now) {
        Instant bornBefore = now.minus(config.orphanGrace());
        return storage.listMultipartUploads(config.keyRoot())
                .map(pending -> pending.stream()
                        .filter(p -> p.initiated() == null || p.initiated().isBefore(bornBefore))
                        .toList())
                .flatMap(candidates -> operators.activeS3UploadIds(candidates.stream().map(PendingMultipartUpload::key).distinct().toList())
                        .flatMap(owned -> {
                            List<PendingMultipartUpload> orphans = candidates.stream()
                                    .filter(p -> !owned.contains(p.uploadId())).toList();
                            orphansFound.increment(orphans.size());
                            return Multi.createFrom().iterable(orphans)
                                    .onItem().transformToUniAndConcatenate(orphan -> storage
                                            .abortMultipartUpload(orphan.key(), orphan.uploadId())
                                            .map(ignored -> {
                                                orphansAborted.increment();
                                                LOG.infof("aborted orphaned multipart upload %s of %s", orphan.uploadId(), orphan.key());
                                                return orphan.uploadId();
                                            })
                                            .onFailure().invoke(f -> LOG.warnf("could not abort orphan %s: %s", orphan.uploadId(), f.getMessage()))
                                            .onFailure().recoverWithNull())
                                    .filter(id -> id != null)
                                    .collect().asList();
                        }));
    }
}
