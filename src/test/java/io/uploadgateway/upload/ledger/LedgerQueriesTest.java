package io.uploadgateway.upload.ledger;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadState;
import jakarta.inject.Inject;
import org.hibernate.reactive.mutiny.Mutiny;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the rewritten ledger queries answer (docs/benchmarks.md, "The ledger at scale", findings
 * 1, 3 and 4), against PostgreSQL: the owner's listing pages, the janitor's expiry claims over
 * batches and sweeps, and the stats' counts. Rows are inserted with SQL, so that times, ties and
 * ages are exactly what each case needs, and deleted afterwards.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class LedgerQueriesTest {

    private static final String INSERT = """
            insert into uploads (id, owner, kind, state, object_key, s3_upload_id, staging_key, filename, content_type, size,
                                 part_size, part_count, created_at, updated_at, last_activity_at, expires_at, ended_at)
            values (?, ?, ?, ?, ?, ?, ?, 'f.bin', 'application/octet-stream', 1000, ?, ?, ?, ?, ?, ?, ?)""";

    @Inject
    UploadLedger ledger;

    @Inject
    OperatorLedger operators;

    private final List<String> owners = new ArrayList<>();

    @AfterEach
    void deleteOurRows() throws SQLException {
        try (Connection db = Ledger.connect(); PreparedStatement ps = db.prepareStatement("delete from uploads where owner = any(?)")) {
            ps.setArray(1, db.createArrayOf("text", owners.toArray()));
            ps.executeUpdate();
        }
    }

    /** Finding 1: with the keyset as a row comparison, pages still hold every upload exactly once, ties on created_at included. */
    @Test
    void pagesOfAnOwnersListingHoldEveryUploadOnceInOrderAcrossTies() throws Throwable {
        String owner = owner("pages");
        Instant base = Instant.parse("2026-03-01T10:00:00.123456Z");
        List<UUID> inserted = new ArrayList<>();
        try (Connection db = Ledger.connect()) {
            for (int i = 0; i < 23; i++) {
                // Five distinct creation times: four or five uploads share each one.
                Instant created = base.plusSeconds(60L * (i % 5));
                UploadState state = i % 3 == 0 ? UploadState.COMPLETED : UploadState.UPLOADING;
                inserted.add(insert(db, owner, "PLANNED", state, created, created, null,
                        state == UploadState.COMPLETED ? created.plusSeconds(1) : null));
            }
        }
        List<UUID> expected = idsInOrder(owner, null);
        assertEquals(23, expected.size());
        assertEquals(Set.copyOf(inserted), Set.copyOf(expected));

        for (int limit : new int[]{1, 4, 5, 23, 50}) {
            assertEquals(expected, allPages(owner, null, limit), "limit " + limit);
        }
        assertEquals(idsInOrder(owner, UploadState.UPLOADING), allPages(owner, UploadState.UPLOADING, 4));
        assertEquals(idsInOrder(owner, UploadState.COMPLETED), allPages(owner, UploadState.COMPLETED, 3));
    }

    /**
     * Finding 3: sweep after sweep (each a walk of batches with the janitor's keyset), the expiry
     * claim takes every eligible upload exactly once — idle ones, too-old ones that are still
     * active, single-request uploads whose form expired — and nothing else; a batch is full while
     * the sweep goes on, and the first batch is the most idle uploads. In one transaction, rolled
     * back: the claims are flushed between batches as the janitor's committed batches would be.
     */
    @Test
    void expiryClaimsTakeEveryEligibleUploadOnceOverBatchesAndSweeps() throws Throwable {
        String owner = owner("expiry");
        Instant now = Instant.parse("2001-06-01T00:00:00Z");
        Instant idleCutoff = now.minus(Duration.ofDays(7));
        Instant ageCutoff = Instant.parse("2000-01-01T00:00:00Z");
        Set<UUID> eligible = new HashSet<>();
        List<UUID> idle = new ArrayList<>();
        Set<UUID> notEligible = new HashSet<>();
        try (Connection db = Ledger.connect()) {
            for (int i = 0; i < 120; i++) { // idle since before the cutoff: the most idle first
                Instant at = Instant.parse("2000-06-01T00:00:00Z").plusSeconds(3600L * i);
                UUID id = insert(db, owner, "PLANNED", UploadState.UPLOADING, at, at, null, null);
                idle.add(id);
                eligible.add(id);
            }
            for (int i = 0; i < 130; i++) { // older than the maximum age, still active
                Instant created = Instant.parse("1999-01-01T00:00:00Z").plusSeconds(86_400L * i);
                Instant active = now.minusSeconds(60L * ((i * 37) % 130) + 1);
                eligible.add(insert(db, owner, "PLANNED", UploadState.UPLOADING, created, active, null, null));
            }
            for (int i = 0; i < 40; i++) { // forms that expired unused, active recently
                Instant created = now.minus(Duration.ofDays(2));
                Instant active = now.minusSeconds(90L * i + 30);
                eligible.add(insert(db, owner, "SINGLE_REQUEST", UploadState.UPLOADING, created, active,
                        now.minusSeconds(3600L + i), null));
            }
            for (int i = 0; i < 30; i++) { // none of the three
                Instant created = now.minus(Duration.ofDays(1));
                notEligible.add(insert(db, owner, i % 2 == 0 ? "PLANNED" : "SINGLE_REQUEST", UploadState.UPLOADING, created,
                        now.minusSeconds(10L * i + 5), now.plus(Duration.ofHours(1)), null));
            }
            for (int i = 0; i < 10; i++) { // ended long ago: not open
                Instant at = Instant.parse("2000-02-01T00:00:00Z").plusSeconds(i);
                notEligible.add(insert(db, owner, "PLANNED", UploadState.COMPLETED, at, at, null, at));
            }
        }

        int batch = 100;
        List<List<List<Upload>>> sweeps = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> Panache.currentTransaction().invoke(Mutiny.Transaction::markForRollback)
                        .chain(() -> sweeps(idleCutoff, ageCutoff, batch, now, new ArrayList<>()))));

        List<UUID> claimed = new ArrayList<>();
        for (List<List<Upload>> sweep : sweeps) {
            for (int b = 0; b < sweep.size(); b++) {
                List<Upload> taken = sweep.get(b);
                if (b < sweep.size() - 1) {
                    assertEquals(batch, taken.size(), "a batch before the sweep's last is full");
                }
                for (Upload upload : taken) {
                    assertEquals(owner, upload.owner, "only this test's uploads are eligible at these cutoffs");
                    assertEquals(UploadState.ABORTING, upload.state);
                    assertEquals(UploadState.EXPIRED, upload.claimedFor);
                    claimed.add(upload.id);
                }
            }
        }
        assertEquals(claimed.size(), Set.copyOf(claimed).size(), "no upload is claimed twice");
        assertEquals(eligible, Set.copyOf(claimed), "every eligible upload is claimed");
        assertTrue(sweeps.size() <= 3, "at most a sweep more than the exact ordering needed: " + sweeps.size());
        assertEquals(idle.subList(0, batch), sweeps.get(0).get(0).stream().map(u -> u.id).toList(),
                "the first batch is the most idle uploads, in activity order");
        assertFalse(claimed.stream().anyMatch(notEligible::contains));
    }

    /** Sweeps until one claims nothing; each sweep walks batches with the janitor's keyset until a batch is short. */
    private Uni<List<List<List<Upload>>>> sweeps(Instant idleCutoff, Instant ageCutoff, int batch, Instant now,
                                                  List<List<List<Upload>>> done) {
        return batches(idleCutoff, ageCutoff, batch, now, null, new ArrayList<>()).flatMap(sweep -> {
            if (sweep.stream().allMatch(List::isEmpty)) {
                return Uni.createFrom().item(done);
            }
            done.add(sweep);
            assertTrue(done.size() < 10, "sweeps never end");
            return sweeps(idleCutoff, ageCutoff, batch, now, done);
        });
    }

    private Uni<List<List<Upload>>> batches(Instant idleCutoff, Instant ageCutoff, int batch, Instant now, Keyset after,
                                            List<List<Upload>> done) {
        return operators.claimForExpiry(idleCutoff, ageCutoff, after, batch, now)
                .call(() -> Panache.getSession().flatMap(Mutiny.Session::flush))
                .flatMap(taken -> {
                    done.add(taken);
                    if (taken.size() < batch) {
                        return Uni.createFrom().item(done);
                    }
                    Upload last = taken.get(taken.size() - 1);
                    return batches(idleCutoff, ageCutoff, batch, now, new Keyset(last.lastActivityAt, last.id), done);
                });
    }

    /** Finding 4: open states count every open upload; ended states only those that ended at or after endedSince. */
    @Test
    void statsCountOpenUploadsAndThoseThatEndedInTheWindow() throws Throwable {
        String owner = owner("stats");
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        Instant endedSince = now.minus(Duration.ofHours(24));
        OperatorLedger.Stats before = stats(now, endedSince);
        try (Connection db = Ledger.connect()) {
            for (int i = 0; i < 3; i++) {
                insert(db, owner, "PLANNED", UploadState.UPLOADING, now.minus(Duration.ofDays(30)), now.minusSeconds(5), null, null);
            }
            insert(db, owner, "PLANNED", UploadState.COMPLETED, now.minus(Duration.ofDays(3)), now.minusSeconds(3600), null,
                    now.minusSeconds(3600));
            insert(db, owner, "PLANNED", UploadState.COMPLETED, now.minus(Duration.ofDays(3)), endedSince, null, endedSince);
            insert(db, owner, "PLANNED", UploadState.EXPIRED, now.minus(Duration.ofDays(3)), now.minusSeconds(60), null,
                    now.minusSeconds(60));
            // Ended before the window: not counted.
            insert(db, owner, "PLANNED", UploadState.ABORTED, now.minus(Duration.ofDays(3)), now.minus(Duration.ofHours(30)), null,
                    now.minus(Duration.ofHours(30)));
            insert(db, owner, "PLANNED", UploadState.COMPLETED, now.minus(Duration.ofDays(3)), endedSince.minusNanos(1000), null,
                    endedSince.minusNanos(1000));
            // Assembled long ago and still waiting for its steps: in flight, counted however old.
            insert(db, owner, "PLANNED", UploadState.PROCESSING, now.minus(Duration.ofDays(3)), now.minus(Duration.ofHours(30)), null,
                    now.minus(Duration.ofHours(30)));
            insert(db, owner, "PLANNED", UploadState.QUARANTINED, now.minus(Duration.ofDays(3)), now.minusSeconds(90), null,
                    now.minusSeconds(90));
            insert(db, owner, "PLANNED", UploadState.QUARANTINED, now.minus(Duration.ofDays(3)), now.minus(Duration.ofHours(30)), null,
                    now.minus(Duration.ofHours(30)));
        }
        OperatorLedger.Stats after = stats(now, endedSince);
        Map<UploadState, Long> delta = new java.util.EnumMap<>(UploadState.class);
        for (UploadState state : UploadState.values()) {
            delta.put(state, after.byState().get(state) - before.byState().get(state));
        }
        assertEquals(Map.of(UploadState.UPLOADING, 3L, UploadState.COMPLETING, 0L, UploadState.COMPLETED, 2L,
                UploadState.ABORTING, 0L, UploadState.ABORTED, 0L, UploadState.EXPIRED, 1L, UploadState.REJECTED, 0L,
                UploadState.PROCESSING, 1L, UploadState.QUARANTINED, 1L), delta);
        assertEquals(endedSince, after.endedSince());
        assertEquals(UploadState.values().length, after.byState().size(), "every state, zero included");
    }

    private OperatorLedger.Stats stats(Instant now, Instant endedSince) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> ledger.session(() -> operators.stats(now.minus(Duration.ofHours(1)), endedSince)));
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    private String owner(String what) {
        String owner = "ledger-queries-" + what + "-" + UUID.randomUUID();
        owners.add(owner);
        return owner;
    }

    private static UUID insert(Connection db, String owner, String kind, UploadState state, Instant created, Instant active,
                               Instant expires, Instant ended) throws SQLException {
        UUID id = UUID.randomUUID();
        boolean form = kind.equals("SINGLE_REQUEST");
        try (PreparedStatement ps = db.prepareStatement(INSERT)) {
            ps.setObject(1, id);
            ps.setString(2, owner);
            ps.setString(3, kind);
            ps.setString(4, state.name());
            ps.setString(5, "ledger-queries/" + id);
            ps.setString(6, form ? null : "mpu-" + id);
            ps.setString(7, form ? "staging/" + id : null);
            ps.setObject(8, form ? null : 16_777_216L);
            ps.setObject(9, form ? null : 1);
            ps.setObject(10, created.atOffset(ZoneOffset.UTC));
            ps.setObject(11, active.atOffset(ZoneOffset.UTC));
            ps.setObject(12, active.atOffset(ZoneOffset.UTC));
            ps.setObject(13, expires == null ? null : expires.atOffset(ZoneOffset.UTC));
            ps.setObject(14, ended == null ? null : ended.atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
        return id;
    }

    /** The owner's uploads (of {@code state}, if any) in the listing's order, straight from SQL. */
    private static List<UUID> idsInOrder(String owner, UploadState state) throws SQLException {
        try (Connection db = Ledger.connect(); PreparedStatement ps = db.prepareStatement(
                "select id from uploads where owner = ? and (?::text is null or state = ?::text) order by created_at desc, id desc")) {
            ps.setString(1, owner);
            ps.setString(2, state == null ? null : state.name());
            ps.setString(3, state == null ? null : state.name());
            List<UUID> ids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
            return ids;
        }
    }

    /** Follows the listing page after page, as ReadUploads does (the cursor is the last item's created_at and id). */
    private List<UUID> allPages(String owner, UploadState state, int limit) throws Throwable {
        List<UUID> ids = new ArrayList<>();
        Keyset after = null;
        for (int pages = 0; pages < 100; pages++) {
            Keyset cursor = after;
            Page page = VertxContextSupport.subscribeAndAwait(() -> ledger.session(() -> ledger.ownersPage(owner, state, cursor, limit)));
            page.items().forEach(upload -> ids.add(upload.id));
            assertTrue(page.items().size() <= limit);
            if (!page.more()) {
                return ids;
            }
            after = new Keyset(page.last().createdAt, page.last().id);
        }
        throw new AssertionError("more than 100 pages");
    }
}
