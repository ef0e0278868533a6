package io.uploadgateway.admin;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.MultipartStorage.PendingMultipartUpload;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadEvents;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

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

    /** Advisory lock key: "upload-gateway janitor" as a stable 64-bit number. */
    static final long LOCK_KEY = 0x75706c6f61646a61L;
    private static final Logger LOG = Logger.getLogger(Janitor.class);
    private static final int KEY_LOOKUP_CHUNK = 500;

    private final MultipartStorage storage;
    private final GatewayConfig config;
    private final Clock clock;
    private final UploadEvents events;
    private final StalledGauge stalledGauge;
    private final Counter runs;
    private final Counter skipped;
    private final Counter orphansFound;
    private final Counter orphansAborted;

    public Janitor(MultipartStorage storage, GatewayConfig config, Clock clock, UploadEvents events,
                   StalledGauge stalledGauge, MeterRegistry registry) {
        this.storage = storage;
        this.config = config;
        this.clock = clock;
        this.events = events;
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
        return Panache.withTransaction(() -> Panache.getSession().flatMap(session -> session
                .createNativeQuery("select pg_try_advisory_xact_lock(:key)", Boolean.class)
                .setParameter("key", LOCK_KEY)
                .getSingleResult()
                .flatMap(locked -> {
                    if (!locked) {
                        skipped.increment();
                        return Uni.createFrom().item(new SweepReport(false, List.of(), List.of()));
                    }
                    runs.increment();
                    return expireIdle(session, now).flatMap(expired -> sweepOrphans(session, now)
                            .flatMap(orphans -> countStalled(session, now)
                                    .replaceWith(new SweepReport(true, expired, orphans))));
                })));
    }

    private Uni<List<String>> expireIdle(Mutiny.Session session, Instant now) {
        return session.createNativeQuery("""
                        select u.* from uploads u
                        where u.state = 'UPLOADING' and u.last_activity_at < :cutoff
                        order by u.last_activity_at, u.id
                        limit :batch
                        for update skip locked""", Upload.class)
                .setParameter("cutoff", now.minus(config.uploadTtl()))
                .setParameter("batch", config.janitorBatchSize())
                .getResultList()
                .flatMap(idle -> Multi.createFrom().iterable(idle)
                        .onItem().transformToUniAndConcatenate(upload -> storage.abortMultipartUpload(upload.key, upload.s3UploadId)
                                .map(ignored -> {
                                    upload.markExpired(now);
                                    events.expired(upload);
                                    return upload.id.toString();
                                })
                                // Storage refused this one: leave it UPLOADING for the next sweep.
                                .onFailure().invoke(f -> LOG.warnf("could not abort expired upload %s: %s", upload.id, f.getMessage()))
                                .onFailure().recoverWithNull())
                        .filter(id -> id != null)
                        .collect().asList());
    }

    private Uni<List<String>> sweepOrphans(Mutiny.Session session, Instant now) {
        Instant bornBefore = now.minus(config.orphanGrace());
        return storage.listMultipartUploads(ObjectKeys.rootPrefix(config.keyPrefix()))
                .map(pending -> pending.stream()
                        .filter(p -> p.initiated() == null || p.initiated().isBefore(bornBefore))
                        .toList())
                .flatMap(candidates -> ownedByActiveRows(session, candidates)
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

    /** S3 upload ids among the candidates that an UPLOADING ledger row owns (looked up by unique object key). */
    private Uni<Set<String>> ownedByActiveRows(Mutiny.Session session, List<PendingMultipartUpload> candidates) {
        List<List<String>> chunks = new ArrayList<>();
        List<String> keys = candidates.stream().map(PendingMultipartUpload::key).distinct().toList();
        for (int i = 0; i < keys.size(); i += KEY_LOOKUP_CHUNK) {
            chunks.add(keys.subList(i, Math.min(keys.size(), i + KEY_LOOKUP_CHUNK)));
        }
        Set<String> owned = new HashSet<>();
        return Multi.createFrom().iterable(chunks)
                .onItem().transformToUniAndConcatenate(chunk -> session.createNativeQuery(
                                "select s3_upload_id from uploads where state = 'UPLOADING' and object_key in (:keys)", String.class)
                        .setParameter("keys", chunk)
                        .getResultList()
                        .invoke(owned::addAll))
                .collect().last()
                .replaceWith(owned);
    }

    private Uni<Void> countStalled(Mutiny.Session session, Instant now) {
        return session.createNativeQuery(
                        "select count(*) from uploads where state = 'UPLOADING' and last_activity_at < :before", Long.class)
                .setParameter("before", now.minus(config.stalledAfter()))
                .getSingleResult()
                .invoke(stalledGauge::set)
                .replaceWithVoid();
    }
}
