package io.uploadgateway.upload.janitor;


import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.storage.MultipartStorage.PendingMultipartUpload;
import io.uploadgateway.storage.MultipartStorage;
import io.uploadgateway.storage.StorageException;
import io.uploadgateway.storage.Store;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadMetrics;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.finish.AbortUpload;
import io.uploadgateway.upload.finish.CompleteUpload;
import io.uploadgateway.upload.finish.Transitions;
import io.uploadgateway.upload.ledger.KeySpace;
import io.uploadgateway.upload.ledger.Keyset;
import io.uploadgateway.upload.ledger.OperatorLedger;
import io.uploadgateway.upload.ledger.UploadLedger;
import io.uploadgateway.upload.quota.Reservations;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * Keeps the bucket free of abandoned uploads, which otherwise cost money silently.
 * One sweep at a time across replicas (a lease in the ledger); each step in short transactions,
 * never holding one while S3 answers:
 * <ol>
 *   <li>expires UPLOADING uploads idle past {@code upload-ttl} or older than {@code max-upload-age},
 *       and single-request uploads whose form expired: claimed in batches ({@code SKIP LOCKED},
 *       ABORTING, committed), then ended by {@link AbortUpload} (EXPIRED, or completed through the
 *       checks when their bytes are all there); a failure releases the claim for the next sweep,
 *       and an S3 outage ends the pass;</li>
 *   <li>finishes transitions whose replica died mid-way (claims older than {@code claims.stale-after});</li>
 *   <li>adds up what open-sized uploads hold (ListParts) and aborts one that holds more than it may;</li>
 *   <li>aborts orphans: multipart uploads with the gateway's own key pattern under this deployment's
 *       root ({@link KeySpace}), older than {@code orphan-grace} (by the store's word or by how long
 *       the janitor has seen them unowned), that no open ledger row owns —
 *       bounded by {@code orphan-sweep-timeout}; another deployment's uploads in the same bucket
 *       and prefix are under another root, never its orphans;</li>
 *   <li>deletes staging objects of single-request uploads that ended, under the same rules;</li>
 *   <li>removes what the ledger no longer keeps of uploads that ended ({@link LedgerRetention}).</li>
 * </ol>
 * Counters move only after the ledger committed.
 */
@Startup
@ApplicationScoped
public class Janitor {

    private static final Logger LOG = Logger.getLogger(Janitor.class);

    private final Stores stores;
    private final UploadLedger ledger;
    private final OperatorLedger operators;
    private final AbortUpload abortion;
    private final CompleteUpload completion;
    private final Transitions transitions;
    private final GatewayConfig config;
    private final Clock clock;
    private final UploadMetrics metrics;
    private final Reservations reservations;
    private final KeySpace keys;
    private final LedgerRetention retention;
    private final Counter runs;
    private final Counter skipped;
    private final Counter orphansFound;
    private final Counter orphansAborted;
    /** Orphan candidates of the last listing, by upload id: when this janitor first saw each unowned. */
    private final Map<String, Instant> unownedSince = new ConcurrentHashMap<>();

    public Janitor(Stores stores, UploadLedger ledger, OperatorLedger operators, AbortUpload abortion,
                   CompleteUpload completion, Transitions transitions, GatewayConfig config, Clock clock,
                   UploadMetrics metrics, Reservations reservations, KeySpace keys, LedgerRetention retention,
                   MeterRegistry registry) {
        this.stores = stores;
        this.ledger = ledger;
        this.operators = operators;
        this.abortion = abortion;
        this.completion = completion;
        this.transitions = transitions;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
        this.reservations = reservations;
        this.keys = keys;
        this.retention = retention;
        this.runs = Counter.builder("gateway.janitor.runs").description("Janitor sweeps that ran").register(registry);
        this.skipped = Counter.builder("gateway.janitor.skipped")
                .description("Janitor sweeps skipped because another replica held the lease").register(registry);
        this.orphansFound = Counter.builder("gateway.janitor.orphans.found")
                .description("Multipart uploads in storage that no open ledger row owns").register(registry);
        this.orphansAborted = Counter.builder("gateway.janitor.orphans.aborted")
                .description("Orphaned multipart uploads aborted").register(registry);
    }

    /**
     * What one sweep did; {@code ran} is false when another sweep held the lease. {@code oversized}:
     * open-sized uploads refused for holding more than they may; {@code stagingDeleted}: staging
     * objects of single-request uploads that had ended; {@code retained}: what the ledger's
     * retention removed.
     */
    public record SweepReport(boolean ran, List<String> expired, List<String> recovered, List<String> oversized,
                              List<String> orphansAborted, List<String> stagingDeleted, LedgerRetention.Pruned retained) {
    }

    @Scheduled(identity = "janitor", every = "${gateway.janitor-interval}", delayed = "${gateway.janitor-first-delay}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduledSweep() {
        if (!config.janitorEnabled()) {
            return Uni.createFrom().voidItem();
        }
        return sweep()
                .invoke(report -> {
                    if (report.ran() && !(report.expired().isEmpty() && report.recovered().isEmpty() && report.oversized().isEmpty()
                            && report.orphansAborted().isEmpty() && report.stagingDeleted().isEmpty()
                            && report.retained().parts() == 0 && report.retained().uploads() == 0)) {
                        LOG.infof("janitor expired %d idle upload(s), finished %d interrupted transition(s), refused %d oversized"
                                        + " upload(s), aborted %d orphan(s), deleted %d staging object(s), pruned %d part row(s)"
                                        + " and %d upload row(s) past their retention", report.expired().size(),
                                report.recovered().size(), report.oversized().size(), report.orphansAborted().size(),
                                report.stagingDeleted().size(), report.retained().parts(), report.retained().uploads());
                    }
                })
                .onFailure().invoke(failure -> LOG.warnf("janitor sweep failed, will retry next interval: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    public Uni<SweepReport> sweep() {
        Instant now = now();
        UUID holder = UUID.randomUUID();
        return ledger.transaction(() -> operators.takeJanitorLease(holder, now, now.plus(config.janitorLease())))
                .flatMap(taken -> {
                    if (!taken) {
                        skipped.increment();
                        return Uni.createFrom().item(new SweepReport(false, List.of(), List.of(), List.of(), List.of(), List.of(),
                                new LedgerRetention.Pruned(0, 0)));
                    }
                    runs.increment();
                    return expire(now, null, new ArrayList<>())
                            .flatMap(expired -> recoverStaleClaims(now)
                                    .flatMap(recovered -> refuseOversized(now)
                                            .flatMap(oversized -> everyStore(store -> sweepOrphans(store, now))
                                                    .flatMap(orphans -> everyStore(store -> sweepStaging(store, now))
                                                            .flatMap(staging -> prune(now)
                                                                    .map(retained -> new SweepReport(true, expired, recovered,
                                                                            oversized, orphans, staging, retained)))))))
                            .call(() -> ledger.session(() -> operators.countStalled(now.minus(config.stalledAfter())))
                                    .invoke(metrics::stalled))
                            .eventually(() -> ledger.transaction(() -> operators.dropJanitorLease(holder))
                                    .onFailure().recoverWithNull());
                });
    }

    /** The ledger's retention; a failure leaves the rest for the next sweep. */
    private Uni<LedgerRetention.Pruned> prune(Instant now) {
        return retention.prune(now).onFailure().recoverWithItem(failure -> {
            LOG.warnf("ledger retention failed, the next sweep goes on: %s", failure.toString());
            return new LedgerRetention.Pruned(0, 0);
        });
    }

    /** Batch after batch (keyset, so an upload whose abort failed is not retaken in the same sweep). */
    private Uni<List<String>> expire(Instant now, Keyset after, List<String> expired) {
        int batch = config.janitorBatchSize();
        return ledger.transaction(() -> operators.claimForExpiry(now.minus(config.uploadTtl()), now.minus(config.maxUploadAge()),
                        after, batch, now))
                .flatMap(claimed -> {
                    if (claimed.isEmpty()) {
                        return Uni.createFrom().item(expired);
                    }
                    AtomicBoolean storageDown = new AtomicBoolean();
                    Upload last = claimed.get(claimed.size() - 1);
                    // One at a time: a reactive session belongs to one flow of the Vert.x context.
                    return Multi.createFrom().iterable(claimed)
                            .onItem().transformToUniAndConcatenate(upload -> storageDown.get()
                                    ? transitions.release(upload.id, upload.claimToken, "object storage is unavailable").replaceWith((String) null)
                                    : expireClaimed(upload, storageDown))
                            .filter(id -> id != null)
                            .collect().asList()
                            .flatMap(ids -> {
                                expired.addAll(ids);
                                return claimed.size() < batch || storageDown.get()
                                        ? Uni.createFrom().item(expired)
                                        : expire(now, new Keyset(last.lastActivityAt, last.id), expired);
                            });
                });
    }

    private Uni<String> expireClaimed(Upload upload, AtomicBoolean storageDown) {
        return abortion.endClaimed(upload, upload.claimToken)
                .map(ended -> ended.state == UploadState.EXPIRED ? ended.id.toString() : null)
                .onFailure().call(failure -> {
                    LOG.warnf("could not expire upload %s (next sweep retries): %s", upload.id, failure.getMessage());
                    storageDown.compareAndSet(false, failure instanceof StorageException.Unavailable);
                    return transitions.release(upload.id, upload.claimToken, failure.toString());
                })
                .onFailure().recoverWithNull();
    }

    /** Transitions whose replica died between claim and finish: completions and aborts taken over and finished. */
    private Uni<List<String>> recoverStaleClaims(Instant now) {
        return ledger.session(() -> operators.staleClaims(now.minus(config.claims().staleAfter()), config.janitorBatchSize()))
                .flatMap(stale -> Multi.createFrom().iterable(stale)
                        .onItem().transformToUniAndConcatenate(upload -> (upload.state == UploadState.COMPLETING
                                ? completion.complete(Scope.operator(), upload.id).replaceWith(upload.id.toString())
                                : abortion.end(Scope.operator(), upload.id, upload.claimedFor).replaceWith(upload.id.toString()))
                                .onFailure().invoke(f -> LOG.warnf("could not finish the interrupted %s of upload %s: %s",
                                        upload.state, upload.id, f.getMessage()))
                                .onFailure().recoverWithNull())
                        .filter(id -> id != null)
                        .collect().asList());
    }

    /**
     * Open-sized uploads hold what their part URLs reserved, but S3 bounds such a URL only at
     * 5 GiB, so many of them allow more than the gateway's maximum: a batch of them, least recently
     * looked at first, is added up with ListParts (nothing held meanwhile), and one that holds more
     * than it may ({@link Reservations#excess}) is aborted like an operator would, its parts removed.
     */
    private Uni<List<String>> refuseOversized(Instant now) {
        return ledger.transaction(() -> operators.takeSizeChecks(now, config.janitorBatchSize()))
                .flatMap(taken -> Multi.createFrom().iterable(taken)
                        .onItem().transformToUniAndConcatenate(upload -> stores.storage(upload.store)
                                .listParts(upload.key, upload.s3UploadId)
                                .map(parts -> parts.stream().mapToLong(MultipartStorage.StoredPart::size).sum())
                                .flatMap(total -> reservations.excess(upload, total).flatMap(reason -> reason == null
                                        ? Uni.createFrom().<String>nullItem()
                                        : abortion.abort(Scope.operator(), upload.id).map(ended -> {
                                            LOG.infof("upload %s refused by the janitor: %s", upload.id, reason);
                                            return upload.id.toString();
                                        })))
                                .onFailure().invoke(f -> LOG.infof("could not look at what upload %s holds (the next sweep retries): %s",
                                        upload.id, f.getMessage()))
                                .onFailure().recoverWithNull())
                        .filter(id -> id != null)
                        .collect().asList());
    }

    /** One sweep of every store in turn (each bounded by its own timeout), what they did added up. */
    private Uni<List<String>> everyStore(Function<Store, Uni<List<String>>> sweep) {
        return Multi.createFrom().iterable(stores.all())
                .onItem().transformToUniAndConcatenate(store -> sweep.apply(store))
                .collect().asList()
                .map(lists -> lists.stream().flatMap(List::stream).toList());
    }

    /**
     * Staging objects of single-request uploads that ended (a form POSTed again after its upload
     * ended writes staging once more), older than {@code orphan-grace}: deleted. Under this
     * deployment's staging root only, like the orphan sweep, and bounded by the same timeout.
     */
    private Uni<List<String>> sweepStaging(Store store, Instant now) {
        if (!config.orphanSweepEnabled()) {
            return Uni.createFrom().item(List.of());
        }
        MultipartStorage storage = store.storage();
        String root = keys.stagingRoot(store);
        Instant writtenBefore = now.minus(config.orphanGrace());
        List<String> deleted = Collections.synchronizedList(new ArrayList<>());
        return storage.listObjects(root)
                .map(listed -> listed.stream()
                        .filter(o -> o.lastModified() == null || o.lastModified().isBefore(writtenBefore))
                        .filter(o -> ObjectKeys.stagedUpload(root, o.key()).isPresent())
                        .toList())
                .flatMap(candidates -> ledger.session(() -> operators.openUploads(candidates.stream()
                                .map(o -> ObjectKeys.stagedUpload(root, o.key()).orElseThrow()).toList()))
                        .flatMap(open -> Multi.createFrom().iterable(candidates)
                                .filter(o -> !open.contains(ObjectKeys.stagedUpload(root, o.key()).orElseThrow()))
                                .onItem().transformToUniAndConcatenate(stale -> storage.deleteObject(stale.key())
                                        .invoke(ignored -> deleted.add(stale.key()))
                                        .onFailure().invoke(f -> LOG.warnf("could not delete staging object %s: %s", stale.key(),
                                                f.getMessage()))
                                        .onFailure().recoverWithNull())
                                .collect().last()
                                .map(ignored -> List.copyOf(deleted))))
                .ifNoItem().after(config.orphanSweepTimeout()).recoverWithItem(() -> List.copyOf(deleted))
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("staging sweep of store %s failed, the next sweep goes on: %s", store.name(), failure.toString());
                    return List.copyOf(deleted);
                });
    }

    private Uni<List<String>> sweepOrphans(Store store, Instant now) {
        if (!config.orphanSweepEnabled()) {
            return Uni.createFrom().item(List.of());
        }
        MultipartStorage storage = store.storage();
        String root = keys.root(store);
        Instant bornBefore = now.minus(config.orphanGrace());
        List<String> aborted = Collections.synchronizedList(new ArrayList<>());
        return storage.listMultipartUploads(root)
                .map(pending -> pending.stream().filter(p -> ObjectKeys.isGatewayKey(root, p.key())).toList())
                .flatMap(candidates -> ledger.session(() -> operators.activeS3UploadIds(
                                candidates.stream().map(PendingMultipartUpload::key).distinct().toList()))
                        .flatMap(owned -> {
                            List<PendingMultipartUpload> unowned = candidates.stream().filter(p -> !owned.contains(p.uploadId())).toList();
                            List<PendingMultipartUpload> orphans = olderThanGrace(unowned, bornBefore, now);
                            orphansFound.increment(orphans.size());
                            return Multi.createFrom().iterable(orphans)
                                    .onItem().transformToUniAndConcatenate(orphan -> storage
                                            .abortMultipartUpload(orphan.key(), orphan.uploadId())
                                            .invoke(ignored -> {
                                                orphansAborted.increment();
                                                aborted.add(orphan.uploadId());
                                                LOG.infof("aborted orphaned multipart upload %s of %s", orphan.uploadId(), orphan.key());
                                            })
                                            .onFailure().invoke(f -> LOG.warnf("could not abort orphan %s: %s", orphan.uploadId(), f.getMessage()))
                                            .onFailure().recoverWithNull())
                                    .collect().last()
                                    .map(ignored -> List.copyOf(aborted));
                        }))
                .ifNoItem().after(config.orphanSweepTimeout()).recoverWithItem(() -> {
                    LOG.warnf("orphan sweep of store %s stopped after %s; the next sweep goes on", store.name(),
                            config.orphanSweepTimeout());
                    return List.copyOf(aborted);
                })
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("orphan sweep of store %s failed, the next sweep goes on: %s", store.name(), failure.toString());
                    return List.copyOf(aborted);
                });
    }

    /**
     * The multipart uploads no ledger row owns that are older than the grace, by what the store says
     * ({@code Initiated}) or by how long this janitor has seen them unowned. The second is the
     * one that counts where the first cannot be trusted: S3Proxy reports the time of the listing
     * as {@code Initiated} (so by the store's word no orphan ever grows old), and a store may send
     * none (which must not make an upload whose ledger row is being written an orphan at once).
     * Sightings are kept in memory for the orphans of the last listing only; a replica that starts
     * anew waits one grace before it aborts: later, never earlier.
     */
    private List<PendingMultipartUpload> olderThanGrace(List<PendingMultipartUpload> unowned, Instant bornBefore, Instant now) {
        unownedSince.keySet().retainAll(unowned.stream().map(PendingMultipartUpload::uploadId).collect(Collectors.toSet()));
        return unowned.stream()
                .filter(p -> unownedSince.computeIfAbsent(p.uploadId(), id -> now).isBefore(bornBefore)
                        || (p.initiated() != null && p.initiated().isBefore(bornBefore)))
                .toList();
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
