package io.uploadgateway.upload.ledger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadState;
import jakarta.enterprise.context.ApplicationScoped;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.Set;
import java.util.UUID;

/**
 * The ledger's queries across owners: the operators' listing and vital signs, and the janitor's
 * lease and claims. Like {@link UploadLedger}, every method runs in the caller's session.
 */
@ApplicationScoped
public class OperatorLedger {

    private static final int KEY_LOOKUP_CHUNK = 500;

    /**
     * The stats' counts by state: every upload in flight — the open states (as constants, so the
     * partial {@code uploads_owner_open} or a range of an index on state serves) and PROCESSING (the
     * partial {@code uploads_processing_due}; in one list with the open states the planner read the
     * whole table) — and the uploads that settled since {@code :endedSince} (a range of the partial
     * index {@code uploads_ended}). Never the whole
     * table: {@code select state, count(*) from uploads group by state} read all 10 M index
     * entries at 10 M uploads (3.1 s, docs/benchmarks.md, "The ledger at scale").
     */
    static final String STATS_BY_STATE = """
            select state, count(*) from uploads where state in (%1$s) group by state
            union all
            select state, count(*) from uploads where state = %2$s group by state
            union all
            select state, count(*) from uploads where ended_at >= :endedSince and state in (%3$s) group by state"""
            .formatted(SqlLiterals.OPEN_STATES, SqlLiterals.PROCESSING, SqlLiterals.SETTLED_STATES);

    /** The stats' UPLOADING rows, by store: how many, how many are stalled, since when the most idle one is, and their bytes. */
    static final String STATS_UPLOADING = """
            select store, count(*),
                   count(*) filter (where last_activity_at < :stalledBefore),
                   min(last_activity_at) filter (where last_activity_at < :stalledBefore),
                   coalesce(sum(bytes_uploaded), 0)
            from uploads where state = %s group by store""".formatted(SqlLiterals.UPLOADING);

    /**
     * The ledger's vital signs. {@code byState} has every state, zero included: a state in flight
     * (open, or PROCESSING) counts every upload in it, a settled state the uploads that ended at or
     * after {@code endedSince}.
     */
    public record Stats(Map<UploadState, Long> byState, Instant endedSince, long stalled, long bytesInFlight,
                        Instant oldestStalledAt, Map<String, StoreStats> byStore) {
    }

    /** One store's UPLOADING uploads: how many, how many stalled, and the bytes they hold. */
    public record StoreStats(long uploading, long stalled, long bytesInFlight) {
    }

    public Uni<Page> page(AdminListing.Filter filter) {
        AdminListing listing = AdminListing.of(filter);
        return Panache.getSession().flatMap(session -> {
            var query = session.createNativeQuery(listing.sql(), Upload.class);
            listing.parameters().forEach(query::setParameter);
            return query.getResultList();
        }).map(rows -> Page.of(rows, filter.limit()));
    }

    /**
     * Counts by state (ended states: those that ended at or after {@code endedSince}), and the
     * UPLOADING uploads idle since before {@code stalledBefore}. Reads the open uploads and the
     * recently ended ones, never the whole ledger.
     */
    public Uni<Stats> stats(Instant stalledBefore, Instant endedSince) {
        return Panache.getSession().flatMap(session -> session
                .createNativeQuery(STATS_BY_STATE, Object[].class)
                .setParameter("endedSince", endedSince)
                .getResultList()
                .flatMap(counts -> session.createNativeQuery(STATS_UPLOADING, Object[].class)
                        .setParameter("stalledBefore", stalledBefore)
                        .getResultList()
                        .map(stores -> {
                            Map<UploadState, Long> byState = new LinkedHashMap<>();
                            for (UploadState state : UploadState.values()) {
                                byState.put(state, 0L);
                            }
                            for (Object[] row : counts) {
                                byState.put(UploadState.valueOf((String) row[0]), ((Number) row[1]).longValue());
                            }
                            Map<String, StoreStats> byStore = new TreeMap<>();
                            long stalled = 0;
                            long bytes = 0;
                            Instant oldest = null;
                            for (Object[] row : stores) {
                                StoreStats store = new StoreStats(toLong(row[1]), toLong(row[2]), toLong(row[4]));
                                byStore.put((String) row[0], store);
                                stalled += store.stalled();
                                bytes += store.bytesInFlight();
                                Instant idlest = toInstant(row[3]);
                                oldest = oldest == null || (idlest != null && idlest.isBefore(oldest)) ? idlest : oldest;
                            }
                            return new Stats(byState, endedSince, stalled, bytes, oldest, byStore);
                        })));
    }

    /** UPLOADING uploads idle since before {@code before}. */
    public Uni<Long> countStalled(Instant before) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery(
                        "select count(*) from uploads where state = :uploading and last_activity_at < :before", Long.class)
                .setParameter("uploading", UploadState.UPLOADING.name())
                .setParameter("before", before)
                .getSingleResult());
    }

    /**
     * Takes the janitor's lease until {@code until} when it is free (expired) or already {@code holder}'s,
     * so one sweep runs at a time across every replica sharing the database. A lease, not a held
     * lock: no connection stays open while the sweep waits on S3, and a crashed sweep's lease runs out.
     */
    public Uni<Boolean> takeJanitorLease(UUID holder, Instant now, Instant until) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery(
                        "update janitor_lease set holder = :holder, until = :until where id = 1 and (until < :now or holder = :holder)")
                .setParameter("holder", holder)
                .setParameter("until", until)
                .setParameter("now", now)
                .executeUpdate())
                .map(rows -> rows == 1);
    }

    /** Frees the lease if {@code holder} still has it. */
    public Uni<Void> dropJanitorLease(UUID holder) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery(
                        "update janitor_lease set holder = null, until = :free where id = 1 and holder = :holder")
                .setParameter("holder", holder)
                .setParameter("free", Instant.EPOCH)
                .executeUpdate())
                .replaceWithVoid();
    }

    /**
     * Claims for expiry (ABORTING, {@code claimed_for} EXPIRED, each with a token of its own) up to
     * {@code batch} UPLOADING uploads idle since before {@code idleCutoff} or created before
     * {@code ageCutoff}, or single-request uploads whose form has expired (their object is then
     * looked for: completed through the checks when it arrived), after {@code after} in
     * {@code (last_activity_at, id)} order. Rows another transaction holds are skipped
     * ({@code SKIP LOCKED}): a client touching an upload right now keeps it.
     *
     * <p>Each reason walks its own index in its own order and stops after a batch
     * ({@link #expirySql}); the claim takes the most idle batch of what the three found. One
     * {@code OR} of the reasons could not stop the scan at the idle cutoff: a batch that did not
     * fill among the idle ones read every UPLOADING row (2.1 s at 1 M open uploads, against a 5 s
     * statement timeout). What that changes: with more than a batch of age- or form-expired
     * uploads, a batch is no longer exactly the most idle eligible uploads, and one that the keyset
     * of this sweep passed (more idle than the last one claimed, but not among its reason's first
     * batch) waits for the next sweep (5 minutes later by default). A batch is still full while
     * enough eligible uploads are not held by another transaction, and every eligible upload is
     * claimed by a later sweep at the latest ({@code LedgerQueriesTest}).
     */
    public Uni<List<Upload>> claimForExpiry(Instant idleCutoff, Instant ageCutoff, Keyset after, int batch, Instant now) {
        return Panache.getSession().flatMap(session -> {
            var query = session.createNativeQuery(expirySql(after != null), Upload.class)
                    .setParameter("idleCutoff", idleCutoff)
                    .setParameter("ageCutoff", ageCutoff)
                    .setParameter("now", now)
                    .setParameter("batch", batch);
            if (after != null) {
                query.setParameter("afterTime", after.at()).setParameter("afterId", after.id());
            }
            return query.getResultList();
        }).invoke(claimed -> claimed.forEach(upload -> upload.claim(UploadState.EXPIRED, UUID.randomUUID(), now)));
    }

    /**
     * The expiry claim: three limited index scans (idle: {@code uploads_state_activity}; too old:
     * {@code uploads_state_created}; expired forms: the partial {@code uploads_single_request_expiry},
     * whose predicate needs the state and kind as constants), each after the keyset when there is
     * one, merged by id; the most idle {@code :batch} of them are locked. The outer query repeats the
     * reasons so that a row changed since the statement's snapshot (a client completing it, a touch)
     * is checked again on its latest version before it is locked and claimed.
     */
    static String expirySql(boolean keyset) {
        String after = keyset ? " and (last_activity_at, id) > (:afterTime, :afterId)" : "";
        String outerAfter = keyset ? " and (u.last_activity_at, u.id) > (:afterTime, :afterId)" : "";
        return """
                select u.* from uploads u
                where u.id in (
                    (select id from uploads where state = %1$s and last_activity_at < :idleCutoff%3$s
                     order by last_activity_at, id limit :batch)
                    union all
                    (select id from uploads where state = %1$s and created_at < :ageCutoff%3$s
                     order by created_at, id limit :batch)
                    union all
                    (select id from uploads where kind = %2$s and state = %1$s and expires_at < :now%3$s
                     order by expires_at limit :batch))
                  and u.state = %1$s
                  and (u.last_activity_at < :idleCutoff or u.created_at < :ageCutoff or (u.kind = %2$s and u.expires_at < :now))%4$s
                order by u.last_activity_at, u.id
                limit :batch
                for update of u skip locked""".formatted(SqlLiterals.UPLOADING, SqlLiterals.SINGLE_REQUEST, after, outerAfter);
    }

    /**
     * Up to {@code batch} auto-complete uploads due a look, rescheduled in the same transaction
     * ({@code SKIP LOCKED}: no two replicas look at one upload at once): the next look moves out by
     * the upload's back-off, which doubles up to {@code maxInterval} and never passes its expiry.
     */
    public Uni<List<Upload>> takeDueChecks(Instant now, int batch, Duration maxInterval) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        select u.* from uploads u
                        where u.auto_complete and u.state = %s and u.next_check_at <= :now
                        order by u.next_check_at
                        limit :batch
                        for update skip locked""".formatted(SqlLiterals.UPLOADING), Upload.class)
                .setParameter("now", now)
                .setParameter("batch", batch)
                .getResultList())
                .invoke(due -> due.forEach(upload -> upload.lookTaken(now, maxInterval)));
    }

    /**
     * Up to {@code batch} PROCESSING uploads due a step (their runner's lease, if any, ran out),
     * taken with {@code token} until {@code leaseEnds} in the same transaction ({@code SKIP LOCKED}:
     * one replica takes one upload; partial index {@code uploads_processing_due}).
     */
    public Uni<List<Upload>> takeDueProcessing(Instant now, int batch, UUID token, Instant leaseEnds) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        select u.* from uploads u
                        where u.state = %s and u.next_check_at <= :now
                        order by u.next_check_at
                        limit :batch
                        for update skip locked""".formatted(SqlLiterals.PROCESSING), Upload.class)
                .setParameter("now", now)
                .setParameter("batch", batch)
                .getResultList())
                .invoke(due -> due.forEach(upload -> upload.processingTaken(token, leaseEnds, now)));
    }

    /**
     * Up to {@code batch} open-sized uploads that hold a reservation, least recently added up first,
     * marked as added up now in the same transaction ({@code SKIP LOCKED}: one replica looks at one).
     */
    public Uni<List<Upload>> takeSizeChecks(Instant now, int batch) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        select u.* from uploads u
                        where u.kind = %s and u.state = %s and u.reserved_bytes > 0
                        order by u.size_checked_at nulls first, u.id
                        limit :batch
                        for update skip locked""".formatted(SqlLiterals.OPEN_SIZED, SqlLiterals.UPLOADING), Upload.class)
                .setParameter("batch", batch)
                .getResultList())
                .invoke(taken -> taken.forEach(upload -> upload.sizeCheckTaken(now)));
    }

    /** Of these uploads, those still open (UPLOADING, COMPLETING or ABORTING): their staging objects stay. */
    public Uni<Set<UUID>> openUploads(List<UUID> ids) {
        return inChunks(ids, "select id from uploads where state in (" + SqlLiterals.OPEN_STATES + ") and id in (:values)", UUID.class);
    }

    /** Up to {@code batch} uploads whose COMPLETING or ABORTING claim was taken before {@code claimedBefore}. */
    public Uni<List<Upload>> staleClaims(Instant claimedBefore, int batch) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        select u.* from uploads u
                        where u.claim_token is not null and u.claimed_at < :claimedBefore
                        order by u.claimed_at
                        limit :batch""", Upload.class)
                .setParameter("claimedBefore", claimedBefore)
                .setParameter("batch", batch)
                .getResultList());
    }

    /**
     * Of these object keys, the S3 upload ids that a ledger row still in S3's multipart list owns
     * (UPLOADING, COMPLETING or ABORTING; looked up by unique object key).
     */
    public Uni<Set<String>> activeS3UploadIds(List<String> keys) {
        return inChunks(keys, "select s3_upload_id from uploads where state in (" + SqlLiterals.OPEN_STATES
                + ") and object_key in (:values)", String.class);
    }

    /** What one retention batch removed: the uploads whose parts went, and how many part rows. */
    public record PrunedParts(int uploads, long parts) {
    }

    /**
     * Removes the part rows and part checksums of up to {@code batch} uploads that ended before
     * {@code endedBefore} and still have them, oldest ending first, and marks those uploads
     * pruned. Rows another transaction holds are skipped. In the caller's transaction.
     */
    public Uni<PrunedParts> pruneParts(Instant endedBefore, int batch, Instant now) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        with ended as (
                            select id from uploads where ended_at < :endedBefore and parts_pruned_at is null
                            order by ended_at limit :batch for update skip locked),
                        parts as (delete from upload_parts p using ended e where p.upload_id = e.id returning 1),
                        sums as (delete from part_checksums c using ended e where c.upload_id = e.id),
                        marked as (update uploads u set parts_pruned_at = :now from ended e where u.id = e.id returning 1)
                        select (select count(*) from marked), (select count(*) from parts)""",
                        Object[].class)
                .setParameter("endedBefore", endedBefore)
                .setParameter("batch", batch)
                .setParameter("now", now)
                .getSingleResult())
                .map(row -> new PrunedParts(((Number) row[0]).intValue(), ((Number) row[1]).longValue()));
    }

    /**
     * Deletes up to {@code batch} upload rows that ended before {@code endedBefore}, oldest ending
     * first (with any part rows they still have); answers how many. A PROCESSING upload stays,
     * however old: its steps still owe it a verdict. In the caller's transaction.
     */
    public Uni<Integer> deleteEnded(Instant endedBefore, int batch) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery("""
                        delete from uploads where id in (
                            select id from uploads where ended_at < :endedBefore and state <> %s
                            order by ended_at limit :batch for update skip locked)""".formatted(SqlLiterals.PROCESSING))
                .setParameter("endedBefore", endedBefore)
                .setParameter("batch", batch)
                .executeUpdate());
    }

    /** One column of the open uploads matching {@code values}, asked {@value #KEY_LOOKUP_CHUNK} values at a time. */
    private <V, T> Uni<Set<T>> inChunks(List<V> values, String sql, Class<T> type) {
        List<List<V>> chunks = new ArrayList<>();
        for (int i = 0; i < values.size(); i += KEY_LOOKUP_CHUNK) {
            chunks.add(values.subList(i, Math.min(values.size(), i + KEY_LOOKUP_CHUNK)));
        }
        Set<T> found = new HashSet<>();
        return Panache.getSession().flatMap(session -> Multi.createFrom().iterable(chunks)
                .onItem().transformToUniAndConcatenate(chunk -> session.createNativeQuery(sql, type)
                        .setParameter("values", chunk)
                        .getResultList()
                        .invoke(found::addAll))
                .collect().last()
                .replaceWith(found));
    }

    private static long toLong(Object value) {
        return value instanceof BigDecimal big ? big.longValueExact() : ((Number) value).longValue();
    }

    static Instant toInstant(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Instant instant) {
            return instant;
        }
        if (value instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (value instanceof LocalDateTime ldt) {
            return ldt.toInstant(ZoneOffset.UTC);
        }
        if (value instanceof java.util.Date date) {
            return date.toInstant();
        }
        throw new IllegalStateException("unexpected timestamp type " + value.getClass());
    }
}
