package io.uploadgateway.upload.ledger;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.uploadgateway.support.Plans;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plans of the ledger queries that were slow at 10 M uploads (docs/benchmarks.md, "The ledger
 * at scale", findings 1–4), on a ledger of 100,000 uploads inserted and analysed inside a
 * transaction that is rolled back (other tests never see them). Each test EXPLAINs the SQL the
 * gateway sends: the statement text of {@link OperatorLedger}, or, for Hibernate's and the quota
 * check's, the text captured as it went to PostgreSQL. The assertions name indexes and look for
 * filters that throw rows away, never at costs.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class LedgerQueryPlanTest {

    private static final Pattern REMOVED = Pattern.compile("Rows Removed by Filter: (\\d+)");
    /**
     * Rows a scan node returned. Not a Bitmap Index Scan's: it counts the index entries of rows that
     * are dead too (a test before this one that inserted and rolled back leaves them), which the heap
     * scan above it never returns; what that heap scan filtered out is counted by {@link #REMOVED}.
     */
    private static final Pattern SCANNED = Pattern.compile("(?<!Bitmap Index )Scan .*actual time=\\S+ rows=(\\d+) loops=(\\d+)");
    private static final String BIG = "plan-big";
    private static final int ROWS = 100_000;

    @Inject
    UploadLedger ledger;

    @Inject
    QuotaLedger quotas;

    private static Connection db;
    private static Instant now;

    /**
     * 100,000 uploads: every fifth of the owner {@value #BIG} (20,000, half of them open), the rest
     * over 1,000 owners; 20 % UPLOADING, created over the last 10 days (so created_at ties), most
     * active within the last day in an order unrelated to their age, one in 400 idle for 10 days;
     * the ended ones ended one minute after they were created.
     */
    @BeforeAll
    static void ledgerOf100kUploads() throws SQLException {
        db = Ledger.connect();
        db.setAutoCommit(false);
        try (Statement st = db.createStatement()) {
            st.executeUpdate("""
                    insert into uploads (id, owner, kind, state, object_key, s3_upload_id, filename, content_type, size,
                                         part_size, part_count, created_at, updated_at, last_activity_at, ended_at)
                    select gen_random_uuid(), case when i % 5 = 0 then 'plan-big' else 'plan-owner-' || (i % 1000) end,
                           'PLANNED', s.state, 'plan-test/' || i, 'mpu-' || i, 'f' || i || '.bin', 'application/octet-stream',
                           1000, 16777216, 1, c.created, now(),
                           case when s.state <> 'UPLOADING' then c.created + interval '1 minute'
                                when i % 400 = 0 then now() - interval '10 days'
                                else now() - ((i * 7919) % 1440) * interval '1 minute' end,
                           case when s.state <> 'UPLOADING' then c.created + interval '1 minute' end
                    from generate_series(1, 100000) as i,
                         lateral (select case when i % 10 in (0, 1) then 'UPLOADING' when i % 10 = 2 then 'ABORTED'
                                              else 'COMPLETED' end as state) s,
                         lateral (select now() - (i % 14400) * interval '1 minute' as created) c""");
            st.execute("analyze uploads");
            try (ResultSet rs = st.executeQuery("select now()")) {
                rs.next();
                now = rs.getTimestamp(1).toInstant();
            }
        }
    }

    @AfterAll
    static void rollBack() throws SQLException {
        db.rollback();
        db.close();
    }

    /** Finding 1: a deep page of the owner's listing is bounded by the cursor in the index, not filtered. */
    @Test
    void anOwnersDeepPageHasItsKeysetInTheIndexCondition() throws Throwable {
        Keyset cursor;
        try (PreparedStatement ps = db.prepareStatement(
                "select created_at, id from uploads where owner = ? order by created_at desc, id desc offset 10000 limit 1")) {
            ps.setString(1, BIG);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                cursor = new Keyset(rs.getTimestamp(1).toInstant(), rs.getObject(2, UUID.class));
            }
        }
        // The statement as Hibernate renders the HQL (the app runs it on committed data: no rows of BIG there).
        String sql = hibernateSql(() -> VertxContextSupport.subscribeAndAwait(
                () -> ledger.session(() -> ledger.ownersPage(BIG, null, cursor, 50))), "uploads");
        assertTrue(Pattern.compile("\\(\\s*\\w+\\.created_at\\s*,\\s*\\w+\\.id\\s*\\)\\s*<\\s*\\(").matcher(sql).find(),
                "the keyset is a row comparison:\n" + sql);

        String plan = explainPrepared(sql, "'" + BIG + "'", at(cursor.at()), "'" + cursor.id() + "'", "0", "51");
        System.out.println("ownersPage after a cursor 10,000 rows deep:\n" + plan);
        assertTrue(plan.contains("uploads_owner_created"), plan);
        assertTrue(plan.lines().anyMatch(line -> line.contains("Index Cond") && line.contains("ROW(created_at, id) <")),
                "the keyset bounds the index range:\n" + plan);
        assertFalse(plan.lines().anyMatch(line -> line.contains("Filter") && line.contains("created_at")),
                "no filter on created_at:\n" + plan);
        assertEquals(0, maxRemoved(plan), plan);
    }

    /** Finding 2: the quota check of every create uses the partial index uploads_owner_open, even under a generic plan. */
    @Test
    void theQuotaCheckUsesThePartialIndexUnderAGenericPlan() throws Throwable {
        String owner = "plan-usage-" + UUID.randomUUID();
        VertxContextSupport.subscribeAndAwait(() -> ledger.session(() -> quotas.usage(owner)));
        String sql = lastStatementLike("select count(*), coalesce(sum(reserved_bytes), 0) from uploads where owner%");
        assertEquals(List.of("$1"), parameters(sql), "only the owner is bound; the states are constants:\n" + sql);

        String plan;
        try (Statement st = db.createStatement()) {
            st.execute("set local plan_cache_mode = force_generic_plan");
            plan = explainPrepared(sql, "'" + BIG + "'");
            st.execute("set local plan_cache_mode = auto");
        }
        System.out.println("QuotaLedger.usage, generic plan:\n" + plan);
        assertTrue(plan.contains("uploads_owner_open"), "the partial index is provable from the literals:\n" + plan);
        assertFalse(plan.contains("Rows Removed by Filter"), plan);
    }

    /**
     * Finding 3: the expiry claim reads a limited range per reason. The ledger has ~20,000 UPLOADING
     * uploads, ~50 of them idle and ~200 older than the age cutoff but active: the one OR walked all
     * UPLOADING ones in activity order and filtered out thousands before a batch was full.
     */
    @Test
    void theExpiryClaimIsLimitedScansNotAWalkOfEveryOpenUpload() throws Exception {
        Instant idleCutoff = now.minus(Duration.ofDays(7));
        Instant ageCutoff = now.minus(Duration.ofMinutes((long) (14400 * 0.99)));
        Keyset afterTheIdleOnes = new Keyset(idleCutoff, UUID.fromString("ffffffff-ffff-ffff-ffff-ffffffffffff"));
        for (Keyset after : new Keyset[]{null, afterTheIdleOnes}) {
            Map<String, Object> values = new java.util.HashMap<>(Map.of("idleCutoff", idleCutoff, "ageCutoff", ageCutoff,
                    "now", now, "batch", 100));
            if (after != null) {
                values.put("afterTime", after.at());
                values.put("afterId", after.id());
            }
            String plan = explainNamed(OperatorLedger.expirySql(after != null), values);
            System.out.println("claimForExpiry " + (after == null ? "first batch" : "after the idle ones") + ":\n" + plan);
            assertFalse(plan.contains("Seq Scan"), plan);
            assertTrue(plan.contains("uploads_state_activity"), "idle: in activity order\n" + plan);
            assertTrue(plan.contains("uploads_state_created"), "too old: in creation order\n" + plan);
            assertTrue(plan.contains("uploads_single_request_expiry"), "expired forms: the partial index\n" + plan);
            assertTrue(maxRemoved(plan) <= 3 * 100, "no scan throws away more than the three batches:\n" + plan);
            assertTrue(claimed(plan) == 100, "a full batch is claimed:\n" + plan);
        }
    }

    /** Finding 4: the stats count the open uploads and those ended in the window, not every row. */
    @Test
    void theStatsReadTheOpenAndTheRecentlyEndedUploadsNotTheWholeTable() throws Exception {
        String plan = explainNamed(OperatorLedger.STATS_BY_STATE, Map.of("endedSince", now.minus(Duration.ofHours(24))));
        System.out.println("stats by state:\n" + plan);
        assertFalse(plan.contains("Seq Scan"), plan);
        assertTrue(plan.contains("uploads_ended"), "the ended window is a range of the partial index:\n" + plan);
        long largest = 0;
        Matcher m = SCANNED.matcher(plan);
        while (m.find()) {
            largest = Math.max(largest, Long.parseLong(m.group(1)) * Long.parseLong(m.group(2)));
        }
        assertTrue(largest > 0, plan);
        assertTrue(largest + maxRemoved(plan) <= ROWS / 4, "no scan reads more than the 20 % open uploads:\n" + plan);
    }

    // --- EXPLAIN helpers ---------------------------------------------------------------------------------------

    /** EXPLAIN ANALYZE of a statement with :named parameters (locks taken by it go with the rollback). */
    private static String explainNamed(String sql, Map<String, Object> parameters) throws SQLException {
        return Plans.explain(db, "(analyze, costs off)", sql, parameters);
    }

    /** PREPARE of a statement with $n parameters as the gateway sent it, then EXPLAIN ANALYZE EXECUTE with these SQL literals. */
    private static String explainPrepared(String sql, String... literals) throws SQLException {
        try (Statement st = db.createStatement()) {
            st.execute("deallocate all");
            st.execute("prepare sent as " + sql);
            return Plans.lines(st.executeQuery("explain (analyze, costs off) execute sent(" + String.join(", ", literals) + ")"));
        }
    }

    private static long maxRemoved(String plan) {
        long max = 0;
        Matcher m = REMOVED.matcher(plan);
        while (m.find()) {
            max = Math.max(max, Long.parseLong(m.group(1)));
        }
        return max;
    }

    /** Rows out of the plan's top node (the LockRows of a claim). */
    private static long claimed(String plan) {
        Matcher m = Pattern.compile("rows=(\\d+)").matcher(plan.lines().findFirst().orElseThrow());
        assertTrue(m.find(), plan);
        return Long.parseLong(m.group(1));
    }

    private static String at(Instant instant) {
        return "'" + instant + "'";
    }

    private static List<String> parameters(String sql) {
        return Pattern.compile("\\$\\d+").matcher(sql).results().map(r -> r.group()).distinct().toList();
    }

    // --- what the gateway sent ---------------------------------------------------------------------------------

    /** The last statement of another session that is like {@code pattern}: what the app's pool just ran. */
    private static String lastStatementLike(String pattern) throws SQLException {
        try (Connection other = Ledger.connect();
             PreparedStatement ps = other.prepareStatement(
                     "select query from pg_stat_activity where pid <> pg_backend_pid() and query like ? limit 1")) {
            ps.setString(1, pattern);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "no session ran a statement like " + pattern);
                return rs.getString(1);
            }
        }
    }

    interface Action {
        void run() throws Throwable;
    }

    /** The SQL Hibernate logs (category org.hibernate.SQL, at DEBUG) while {@code action} runs: the last statement mentioning {@code table}. */
    private static String hibernateSql(Action action, String table) throws Throwable {
        Logger logger = Logger.getLogger("org.hibernate.SQL");
        Level level = logger.getLevel();
        List<String> statements = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                synchronized (statements) {
                    statements.add(record.getMessage());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(handler);
        logger.setLevel(Level.FINE);
        try {
            action.run();
        } finally {
            logger.setLevel(level);
            logger.removeHandler(handler);
        }
        synchronized (statements) {
            String found = null;
            for (String statement : statements) {
                if (statement != null && statement.contains(table)) {
                    found = statement;
                }
            }
            assertNotNull(found, "Hibernate logged no statement on " + table + ": " + statements);
            return found;
        }
    }
}
