package io.uploadgateway.bench;

import io.uploadgateway.bench.LedgerScaleBenchmark.Bench;
import io.uploadgateway.bench.LedgerScaleBenchmark.Server;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ledger's hot queries, as the gateway sends them (SQL copied from UploadLedger, SignLookup,
 * OperatorLedger, AdminListing, QuotaLedger and EventLedger; Hibernate's :named parameters and the
 * SQL it generates for Panache finds written out with JDBC ?), each run many times over one
 * connection with server-side prepared statements and random realistic parameters, then explained
 * ({@code EXPLAIN (ANALYZE, BUFFERS)} of a prepared statement after ten executions, so the plan
 * shown is the one the plan cache settled on, generic or custom).
 *
 * <p>Time parameters come from a clock that starts at the dataset's T (plus one minute) and runs
 * with the wall clock, so the results do not depend on how long after the load this phase runs.
 * Writes: the sign path's touch and a part record commit (they add a little to the data); the
 * statements that claim rows (FOR UPDATE SKIP LOCKED, the dispatcher's UPDATE) run in a
 * transaction that is rolled back.
 */
final class LedgerScaleQueries {

    /** The columns Hibernate selects for an {@code Upload} entity (order irrelevant to the plan). */
    static final String UPLOAD_COLUMNS = "u1_0.id, u1_0.auto_complete, u1_0.bytes_uploaded, u1_0.check_interval_seconds,"
            + " u1_0.checksum_algorithm, u1_0.claim_token, u1_0.claimed_at, u1_0.claimed_for, u1_0.completed_at, u1_0.content_type,"
            + " u1_0.created_at, u1_0.detected_content_type, u1_0.ended_at, u1_0.etag, u1_0.expires_at, u1_0.filename,"
            + " u1_0.idempotency_key, u1_0.object_key, u1_0.kind, u1_0.last_activity_at, u1_0.metadata, u1_0.next_check_at, u1_0.owner,"
            + " u1_0.part_count, u1_0.part_size, u1_0.parts_pruned_at, u1_0.parts_uploaded, u1_0.reserved_bytes, u1_0.s3_upload_id,"
            + " u1_0.size, u1_0.size_checked_at, u1_0.staging_key, u1_0.state, u1_0.updated_at";
    /** Hibernate's full-row update of an {@code Upload} (no dynamic update): every column but the id. */
    static final List<String> UPDATED_COLUMNS = List.of("auto_complete", "bytes_uploaded", "check_interval_seconds", "checksum_algorithm",
            "claim_token", "claimed_at", "claimed_for", "completed_at", "content_type", "created_at", "detected_content_type", "ended_at",
            "etag", "expires_at", "filename", "idempotency_key", "object_key", "kind", "last_activity_at", "metadata", "next_check_at",
            "owner", "part_count", "part_size", "parts_pruned_at", "parts_uploaded", "reserved_bytes", "s3_upload_id", "size",
            "size_checked_at", "staging_key", "state", "updated_at");
    static final String OPEN_IN = "(?, ?, ?)";
    static final Object[] OPEN = {"UPLOADING", "COMPLETING", "ABORTING"};

    enum Mode { READ, ROLLBACK, COMMIT, CUSTOM }

    /** One query: its name, where the gateway sends it, its SQL and a parameter generator. */
    record Query(String name, String source, String sql, Mode mode, Function<Random, Object[]> params, Custom custom) {
        Query(String name, String source, String sql, Mode mode, Function<Random, Object[]> params) {
            this(name, source, sql, mode, params, null);
        }
    }

    interface Custom {
        /** Runs one execution on {@code c}; answers the rows it touched. */
        int run(Connection c, Random random) throws SQLException;
    }

    record Result(Query query, int warmup, long[] nanos, double rows, String plan, String summary, String flags) {
    }

    private final Bench bench;
    private final Server server;
    private final Instant t;
    private final long startNanos = System.nanoTime();
    private final Random random = new Random(20261205);

    // parameter pools, drawn from the data before timing
    private final List<Object[]> sample = new ArrayList<>();        // id, owner, state, kind, created_at, last_activity_at, object_key, parts_uploaded
    private final List<Object[]> openUploads = new ArrayList<>();   // id, owner
    private final List<Object[]> withParts = new ArrayList<>();     // id
    private final List<Object[]> recordable = new ArrayList<>();    // id, owner (open planned uploads with parts still to record)
    private final List<Object[]> stalledCursors = new ArrayList<>(); // last_activity_at, id
    private final List<Object[]> topOwnerRows = new ArrayList<>();   // created_at, id
    private final List<Object[]> feedCursors = new ArrayList<>();    // txid text, seq
    private Object[] feedTail;
    private String topOwner;
    private Object[] expiryCaughtUp;                                 // last_activity_at, id of the last idle-expired upload
    private int recordNext;

    LedgerScaleQueries(Bench bench, Server server) throws Exception {
        this.bench = bench;
        this.server = server;
        Properties dataset = bench.dataset();
        this.t = Instant.parse(dataset.getProperty("t"));
    }

    /** The benchmark's clock: T + 1 minute + wall time since this phase started. */
    OffsetDateTime now() {
        return t.plus(Duration.ofMinutes(1)).plusNanos(System.nanoTime() - startNanos).atOffset(ZoneOffset.UTC);
    }

    void run() throws Exception {
        bench.write("settings-run.tsv", server.shownSettings());
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            s.execute("select pg_stat_reset()");
            bench.log("warming the cache: pg_prewarm is not in the embedded binaries, so every query gets its own warm-up");
            samplePools(c);
        }
        List<Query> baseline = catalogue();
        List<Result> results = new ArrayList<>();
        String only = Bench.env("LEDGER_QUERIES", "");
        try (Connection c = server.connect()) {
            for (Query q : baseline) {
                if (!only.isEmpty() && !Arrays.asList(only.split(",")).contains(q.name())) {
                    continue;
                }
                results.add(measure(c, q));
                writeResults(results);
            }
            if (!"0".equals(Bench.env("LEDGER_PROPOSALS", "1"))) {
                for (Query q : proposals()) {
                    if (!only.isEmpty() && !Arrays.asList(only.split(",")).contains(q.name().replaceAll(" \\[.*$", ""))) {
                        continue;
                    }
                    results.add(measure(c, q));
                    writeResults(results);
                }
                indexProposals(c, results);
            }
        }
        try (Connection c = server.connect(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del from pg_stat_user_tables order by relname")) {
            List<String> lines = new ArrayList<>();
            lines.add("table\tinserted\tupdated\thot_updated\tdeleted");
            while (rs.next()) {
                lines.add(rs.getString(1) + "\t" + rs.getLong(2) + "\t" + rs.getLong(3) + "\t" + rs.getLong(4) + "\t" + rs.getLong(5));
            }
            bench.write("queries-table-writes.tsv", lines);
        }
    }

    // ------------------------------------------------------------------ the queries

    List<Query> catalogue() {
        List<Query> q = new ArrayList<>();
        q.add(new Query("sign.find", "SignLookup.find (owner scope)",
                "select id, owner, kind, state, object_key, s3_upload_id, size, part_size, part_count, reserved_bytes, last_activity_at,"
                        + " checksum_algorithm from uploads where id = ? and owner = ?",
                Mode.READ, r -> pick(r, openUploads, 0, 1)));
        q.add(new Query("sign.touch", "SignLookup.touch (commit)",
                "update uploads set last_activity_at = ?, updated_at = ?, expires_at = ?"
                        + " where id = (select id from uploads where id = ? and state = ? and last_activity_at < ? for update skip locked)",
                Mode.COMMIT, r -> {
                    OffsetDateTime now = now();
                    return new Object[]{now, now, now.plusDays(7), pick(r, openUploads)[0], "UPLOADING", now.minusMinutes(1)};
                }));
        q.add(new Query("part.record", "RecordPart.record: lock, part by id, insert part, full-row update of the upload, commit",
                "(four statements, see RecordPart / UploadLedger.lock / Hibernate flush)", Mode.CUSTOM, null, this::recordPart));
        q.add(new Query("upload.find", "UploadLedger.find (owner scope; Panache find().firstResult())",
                "select " + UPLOAD_COLUMNS + " from uploads u1_0 where u1_0.id = ? and u1_0.owner = ? fetch first ? rows only",
                Mode.READ, r -> {
                    Object[] row = pick(r, sample);
                    return new Object[]{row[0], row[1], 1};
                }));
        q.add(new Query("upload.lock", "UploadLedger.lock (PESSIMISTIC_WRITE = for no key update; rolled back)",
                "select " + UPLOAD_COLUMNS + " from uploads u1_0 where u1_0.id = ? and u1_0.owner = ? fetch first ? rows only for no key update",
                Mode.ROLLBACK, r -> {
                    Object[] row = pick(r, openUploads);
                    return new Object[]{row[0], row[1], 1};
                }));
        q.add(new Query("upload.parts", "UploadLedger.parts (GET an upload with its parts)",
                "select up1_0.part_number, up1_0.upload_id, up1_0.etag, up1_0.size, up1_0.uploaded_at from upload_parts up1_0"
                        + " where up1_0.upload_id = ? order by up1_0.part_number",
                Mode.READ, r -> pick(r, withParts, 0)));
        q.add(new Query("upload.idempotency", "UploadLedger.findByIdempotencyKey (create with Idempotency-Key; a new key)",
                "select " + UPLOAD_COLUMNS + " from uploads u1_0 where u1_0.owner = ? and u1_0.idempotency_key = ? fetch first ? rows only",
                Mode.READ, r -> new Object[]{pick(r, sample)[1], "idem-" + UUID.randomUUID().toString().substring(0, 24), 1}));
        q.add(ownersFirst("owner.page.first", "a random owner (weighted by uploads)", r -> pick(r, sample)[1], null));
        q.add(ownersDeep("owner.page.deep", "a random owner (weighted by uploads), cursor at a random row of theirs", OWNERS_KEYSET_OR,
                r -> {
                    Object[] row = pick(r, sample);
                    return new Object[]{row[1], row[4], row[0]};
                }));
        q.add(ownersFirst("owner.page.first.top", "the biggest owner", r -> topOwner, null));
        q.add(ownersDeep("owner.page.deep.top", "the biggest owner, cursor at a random row of theirs", OWNERS_KEYSET_OR,
                r -> {
                    Object[] row = pick(r, topOwnerRows);
                    return new Object[]{topOwner, row[0], row[1]};
                }));
        q.add(ownersFirst("owner.page.first.uploading.top", "the biggest owner, state=UPLOADING", r -> topOwner, "UPLOADING"));
        q.add(ownersFirst("owner.page.first.expired.top", "the biggest owner, state=EXPIRED", r -> topOwner, "EXPIRED"));
        q.add(new Query("admin.stalled.first", "OperatorLedger.page / AdminListing (stalled=true: UPLOADING, idle > 1 h), first page",
                "select u.* from uploads u where true and u.state = ? and u.last_activity_at < ? order by u.last_activity_at, u.id limit ?",
                Mode.READ, r -> new Object[]{"UPLOADING", now().minusHours(1), 21}));
        q.add(new Query("admin.stalled.next", "AdminListing (stalled=true) with a cursor at a random stalled upload",
                "select u.* from uploads u where true and u.state = ? and u.last_activity_at < ? and (u.last_activity_at, u.id) > (?, ?)"
                        + " order by u.last_activity_at, u.id limit ?",
                Mode.READ, r -> {
                    Object[] cursor = pick(r, stalledCursors);
                    return new Object[]{"UPLOADING", now().minusHours(1), cursor[0], cursor[1], 21};
                }));
        q.add(new Query("admin.all.first", "AdminListing without filters, first page",
                "select u.* from uploads u where true order by u.last_activity_at, u.id limit ?", Mode.READ, r -> new Object[]{21}));
        q.add(new Query("admin.owner.first", "AdminListing owner=a random owner, first page",
                "select u.* from uploads u where true and u.owner = ? order by u.last_activity_at, u.id limit ?",
                Mode.READ, r -> new Object[]{pick(r, sample)[1], 21}));
        q.add(new Query("admin.countStalled", "OperatorLedger.countStalled (every janitor sweep)",
                "select count(*) from uploads where state = ? and last_activity_at < ?",
                Mode.READ, r -> new Object[]{"UPLOADING", now().minusHours(1)}));
        q.add(new Query("admin.stats.byState", "OperatorLedger.stats, first query (GET /admin/stats)",
                "select state, count(*) from uploads group by state", Mode.READ, r -> new Object[0]));
        q.add(new Query("admin.stats.active", "OperatorLedger.stats, second query",
                "select count(*) filter (where last_activity_at < ?), min(last_activity_at) filter (where last_activity_at < ?),"
                        + " coalesce(sum(bytes_uploaded), 0) from uploads where state = ?",
                Mode.READ, r -> {
                    OffsetDateTime stalled = now().minusHours(1);
                    return new Object[]{stalled, stalled, "UPLOADING"};
                }));
        q.add(new Query("janitor.claimForExpiry", "OperatorLedger.claimForExpiry, first batch of a sweep (100, rolled back)",
                CLAIM_FOR_EXPIRY + CLAIM_FOR_EXPIRY_END, Mode.ROLLBACK, r -> expiryParams(null)));
        q.add(new Query("janitor.claimForExpiry.last", "claimForExpiry, a sweep's last batch (keyset after the last idle-expired upload: nothing left)",
                CLAIM_FOR_EXPIRY + " and (u.last_activity_at, u.id) > (?, ?)" + CLAIM_FOR_EXPIRY_END, Mode.ROLLBACK,
                r -> expiryParams(expiryCaughtUp)));
        q.add(new Query("janitor.staleClaims", "OperatorLedger.staleClaims",
                "select u.* from uploads u where u.claim_token is not null and u.claimed_at < ? order by u.claimed_at limit ?",
                Mode.READ, r -> new Object[]{now().minusMinutes(4), 100}));
        q.add(new Query("janitor.takeSizeChecks", "OperatorLedger.takeSizeChecks (rolled back)",
                "select u.* from uploads u where u.kind = ? and u.state = ? and u.reserved_bytes > 0"
                        + " order by u.size_checked_at nulls first, u.id limit ? for update skip locked",
                Mode.ROLLBACK, r -> new Object[]{"OPEN_SIZED", "UPLOADING", 100}));
        q.add(new Query("janitor.activeS3UploadIds", "OperatorLedger.activeS3UploadIds, one chunk of 500 object keys",
                "select s3_upload_id from uploads where state in " + OPEN_IN + " and object_key in (" + String.join(", ", Collections.nCopies(500, "?")) + ")",
                Mode.READ, r -> {
                    Object[] params = new Object[503];
                    System.arraycopy(OPEN, 0, params, 0, 3);
                    for (int i = 0; i < 500; i++) {
                        params[3 + i] = pick(r, sample)[6];
                    }
                    return params;
                }));
        q.add(new Query("autocomplete.takeDueChecks", "OperatorLedger.takeDueChecks (AutoCompleter, batch 20, rolled back)",
                "select u.* from uploads u where u.auto_complete and u.state = ? and u.next_check_at <= ?"
                        + " order by u.next_check_at limit ? for update skip locked",
                Mode.ROLLBACK, r -> new Object[]{"UPLOADING", now(), 20}));
        q.add(new Query("quota.usage", "QuotaLedger.usage (every create), a random owner (weighted by uploads)",
                QUOTA_USAGE, Mode.READ, r -> concat(new Object[]{pick(r, sample)[1]}, OPEN)));
        q.add(new Query("quota.usage.top", "QuotaLedger.usage, the biggest owner",
                QUOTA_USAGE, Mode.READ, r -> concat(new Object[]{topOwner}, OPEN)));
        q.add(new Query("quota.usages", "QuotaLedger.usages (GET /admin/quotas), a page of 51 owners after a random owner",
                "select u.owner, u.active, u.bytes, q.max_active_uploads, q.max_bytes_in_flight, q.updated_at"
                        + " from (select owner, count(*) as active, coalesce(sum(reserved_bytes), 0) as bytes from uploads"
                        + " where state in " + OPEN_IN + " and owner > ? group by owner order by owner limit ?) u"
                        + " left join owner_quotas q on q.owner = u.owner order by u.owner",
                Mode.READ, r -> concat(OPEN, new Object[]{r.nextInt(4) == 0 ? "" : pick(r, sample)[1], 51})));
        q.add(new Query("events.feed.tail", "EventLedger.feed: a consumer that is caught up (cursor 50 events before the end)",
                FEED_AFTER, Mode.READ, r -> new Object[]{feedTail[0], feedTail[1], 100}));
        q.add(new Query("events.feed.catchup", "EventLedger.feed: a cursor at a random event (catching up)",
                FEED_AFTER, Mode.READ, r -> {
                    Object[] cursor = pick(r, feedCursors);
                    return new Object[]{cursor[0], cursor[1], 100};
                }));
        q.add(new Query("events.feed.first", "EventLedger.feed without a cursor",
                "select seq, txid::text as txid_text, id, type, payload::text as payload from events"
                        + " where txid < pg_snapshot_xmin(pg_current_snapshot()) order by txid, seq limit ?",
                Mode.READ, r -> new Object[]{100}));
        q.add(new Query("events.claim", "EventLedger.claim (Dispatcher, 8 slots, rolled back)", EVENTS_CLAIM, Mode.ROLLBACK, r -> {
            OffsetDateTime now = now();
            return new Object[]{UUID.randomUUID(), now.plusSeconds(50), now, now, 8};
        }));
        q.add(new Query("events.backlog", "EventLedger.backlog (metrics)",
                "select count(*) filter (where status = ?) as pending, min(pending_since) filter (where status = ?) as oldest,"
                        + " count(*) filter (where status = ?) as dead from events where status in (?, ?)",
                Mode.READ, r -> new Object[]{"pending", "pending", "dead", "pending", "dead"}));
        q.add(new Query("events.list.dead", "EventLedger.page (operators' listing, status=dead, first page)",
                "select seq, id, subject, type, payload::text as payload, occurred_at, status, attempts, pending_since, next_attempt_at,"
                        + " last_attempt_at, last_status, last_error, delivered_at, dead_at from events where true and status = ? order by seq limit ?",
                Mode.READ, r -> new Object[]{"dead", 51}));
        return q;
    }

    static final String OWNERS_KEYSET_OR = " and (u1_0.created_at < ? or (u1_0.created_at = ? and u1_0.id < ?))";
    static final String CLAIM_FOR_EXPIRY = "select u.* from uploads u where u.state = ? and (u.last_activity_at < ? or u.created_at < ?"
            + " or (u.kind = ? and u.expires_at < ?))";
    static final String CLAIM_FOR_EXPIRY_END = " order by u.last_activity_at, u.id limit ? for update skip locked";
    static final String QUOTA_USAGE = "select count(*), coalesce(sum(reserved_bytes), 0) from uploads where owner = ? and state in " + OPEN_IN;
    static final String FEED_AFTER = "select seq, txid::text as txid_text, id, type, payload::text as payload from events"
            + " where txid < pg_snapshot_xmin(pg_current_snapshot()) and (txid, seq) > (?::text::xid8, ?) order by txid, seq limit ?";
    static final String EVENTS_CLAIM = """
            update events e set lease_holder = ?, lease_until = ?
            from (select c.seq from events c
                  where c.status = 'pending'
                    and (c.next_attempt_at is null or c.next_attempt_at <= ?)
                    and (c.lease_until is null or c.lease_until < ?)
                    and not exists (select 1 from events p
                                    where p.status = 'pending' and p.subject = c.subject and p.seq < c.seq)
                  order by c.seq
                  limit ?
                  for update of c skip locked) picked
            where e.seq = picked.seq
            returning e.seq, e.id, e.subject, e.type, e.payload::text as payload, e.occurred_at, e.status, e.attempts,
                      e.pending_since, e.next_attempt_at, e.last_attempt_at, e.last_status, e.last_error, e.delivered_at, e.dead_at""";

    private Query ownersFirst(String name, String who, Function<Random, Object> owner, String state) {
        String sql = "select " + UPLOAD_COLUMNS + " from uploads u1_0 where u1_0.owner = ?" + (state == null ? "" : " and u1_0.state = ?")
                + " order by u1_0.created_at desc, u1_0.id desc fetch first ? rows only";
        return new Query(name, "UploadLedger.ownersPage, first page of 20 (+1), " + who, sql, Mode.READ,
                r -> state == null ? new Object[]{owner.apply(r), 21} : new Object[]{owner.apply(r), state, 21});
    }

    /** params: owner, cursor time, cursor id; keyset: the predicate with three placeholders (time, time, id) or two (time, id). */
    private Query ownersDeep(String name, String who, String keyset, Function<Random, Object[]> params) {
        String sql = "select " + UPLOAD_COLUMNS + " from uploads u1_0 where u1_0.owner = ?" + keyset
                + " order by u1_0.created_at desc, u1_0.id desc fetch first ? rows only";
        int placeholders = keyset.length() - keyset.replace("?", "").length();
        return new Query(name, "UploadLedger.ownersPage, a page after a cursor, " + who, sql, Mode.READ, r -> {
            Object[] p = params.apply(r);
            return placeholders == 3 ? new Object[]{p[0], p[1], p[1], p[2], 21} : new Object[]{p[0], p[1], p[2], 21};
        });
    }

    private Object[] expiryParams(Object[] after) {
        OffsetDateTime now = now();
        Object[] base = {"UPLOADING", now.minusDays(7), now.minusDays(30), "SINGLE_REQUEST", now};
        return after == null ? concat(base, new Object[]{100}) : concat(base, new Object[]{after[0], after[1], 100});
    }

    /**
     * Rewrites measured beside the originals: the findings' proposed fixes (1–5 applied to src/main since;
     * the originals stay here so that a re-run measures both).
     */
    List<Query> proposals() {
        List<Query> q = new ArrayList<>();
        q.add(ownersDeep("owner.page.deep.top [proposed]", "the biggest owner; keyset as a row comparison",
                " and (u1_0.created_at, u1_0.id) < (?, ?)", r -> {
                    Object[] row = pick(r, topOwnerRows);
                    return new Object[]{topOwner, row[0], row[1]};
                }));
        q.add(ownersDeep("owner.page.deep [proposed]", "a random owner; keyset as a row comparison",
                " and (u1_0.created_at, u1_0.id) < (?, ?)", r -> {
                    Object[] row = pick(r, sample);
                    return new Object[]{row[1], row[4], row[0]};
                }));
        q.add(new Query("janitor.claimForExpiry.last [proposed]",
                "claimForExpiry's last batch as three index range scans (idle, age, form expiry) merged",
                CLAIM_FOR_EXPIRY_UNION, Mode.ROLLBACK, r -> {
                    OffsetDateTime now = now();
                    Object[] a = expiryCaughtUp;
                    return new Object[]{now.minusDays(7), a[0], a[1], 100, now.minusDays(30), a[0], a[1], now, a[0], a[1], 100};
                }));
        q.add(new Query("janitor.claimForExpiry.last [proposed, each arm limited]",
                "claimForExpiry's last batch: each arm walks its own index in its own order and stops after a batch; merged by activity",
                CLAIM_FOR_EXPIRY_UNION_LIMITED, Mode.ROLLBACK, r -> {
                    OffsetDateTime now = now();
                    Object[] a = expiryCaughtUp;
                    return new Object[]{now.minusDays(7), a[0], a[1], 100, now.minusDays(30), a[0], a[1], 100, now, a[0], a[1], 100, 100};
                }));
        q.add(new Query("events.backlog [proposed]", "EventLedger.backlog as three scalar subqueries: the two counts become index-only scans",
                "select (select count(*) from events where status = ?) as pending,"
                        + " (select min(pending_since) from events where status = ?) as oldest,"
                        + " (select count(*) from events where status = ?) as dead",
                Mode.READ, r -> new Object[]{"pending", "pending", "dead"}));
        q.add(new Query("quota.usage.top [proposed]", "QuotaLedger.usage, the biggest owner, open states as literals (partial index provable)",
                "select count(*), coalesce(sum(reserved_bytes), 0) from uploads where owner = ? and state in ('UPLOADING', 'COMPLETING', 'ABORTING')",
                Mode.READ, r -> new Object[]{topOwner}));
        q.add(new Query("quota.usage [proposed]", "QuotaLedger.usage, a random owner, open states as literals",
                "select count(*), coalesce(sum(reserved_bytes), 0) from uploads where owner = ? and state in ('UPLOADING', 'COMPLETING', 'ABORTING')",
                Mode.READ, r -> new Object[]{pick(r, sample)[1]}));
        q.add(new Query("admin.stats.byState [proposed]", "OperatorLedger.stats: exact counts of the open states only (ended ones from an estimate or a counter)",
                "select state, count(*) from uploads where state in ('UPLOADING', 'COMPLETING', 'ABORTING') group by state",
                Mode.READ, r -> new Object[0]));
        return q;
    }

    /** The idle arm ordered and limited by uploads_state_activity; the age and form-expiry arms use their own indexes. */
    static final String CLAIM_FOR_EXPIRY_UNION = """
            select u.* from uploads u where u.id in (
                (select id from uploads where state = 'UPLOADING' and last_activity_at < ? and (last_activity_at, id) > (?, ?)
                 order by last_activity_at, id limit ?)
                union all
                (select id from uploads where state = 'UPLOADING' and created_at < ? and (last_activity_at, id) > (?, ?))
                union all
                (select id from uploads where kind = 'SINGLE_REQUEST' and state = 'UPLOADING' and expires_at < ? and (last_activity_at, id) > (?, ?)))
            order by u.last_activity_at, u.id limit ? for update skip locked""";

    /** As {@link #CLAIM_FOR_EXPIRY_UNION}, and the age and form-expiry arms ordered and limited by their own indexes. */
    static final String CLAIM_FOR_EXPIRY_UNION_LIMITED = """
            select u.* from uploads u where u.id in (
                (select id from uploads where state = 'UPLOADING' and last_activity_at < ? and (last_activity_at, id) > (?, ?)
                 order by last_activity_at, id limit ?)
                union all
                (select id from uploads where state = 'UPLOADING' and created_at < ? and (last_activity_at, id) > (?, ?)
                 order by created_at, id limit ?)
                union all
                (select id from uploads where kind = 'SINGLE_REQUEST' and state = 'UPLOADING' and expires_at < ? and (last_activity_at, id) > (?, ?)
                 order by expires_at limit ?))
            order by u.last_activity_at, u.id limit ? for update skip locked""";

    /** Indexes proposed by the findings, created, measured and dropped again (LEDGER_INDEX_PROPOSALS=1). */
    private void indexProposals(Connection c, List<Result> results) throws Exception {
        if (!"1".equals(Bench.env("LEDGER_INDEX_PROPOSALS", "0"))) {
            return;
        }
        String[][] proposals = {
                {"uploads_owner_state_created", "create index uploads_owner_state_created on uploads (owner, state, created_at desc, id desc)",
                        "owner.page.first.expired.top,owner.page.first.uploading.top"},
        };
        for (String[] p : proposals) {
            long start = System.nanoTime();
            try (Statement s = c.createStatement()) {
                s.execute(p[1]);
                s.execute("analyze uploads");
            }
            bench.log(String.format(Locale.ROOT, "index proposal %s built in %.1f s", p[0], (System.nanoTime() - start) / 1e9));
            for (Query q : catalogue()) {
                if (Arrays.asList(p[2].split(",")).contains(q.name())) {
                    Query renamed = new Query(q.name() + " [+" + p[0] + "]", q.source(), q.sql(), q.mode(), q.params(), q.custom());
                    results.add(measure(c, renamed));
                    writeResults(results);
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("drop index " + p[0]);
            }
        }
    }

    // ------------------------------------------------------------------ part record (four statements, one transaction)

    private int recordPart(Connection c, Random r) throws SQLException {
        Object[] target = recordable.get(recordNext++ % recordable.size());
        OffsetDateTime now = now();
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            Map<String, Object> row = new LinkedHashMap<>();
            try (PreparedStatement lock = c.prepareStatement("select " + UPLOAD_COLUMNS
                    + " from uploads u1_0 where u1_0.id = ? and u1_0.owner = ? fetch first ? rows only for no key update")) {
                lock.setObject(1, target[0]);
                lock.setObject(2, target[1]);
                lock.setInt(3, 1);
                try (ResultSet rs = lock.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("no upload " + target[0]);
                    }
                    ResultSetMetaData md = rs.getMetaData();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnName(i), "timestamptz".equals(md.getColumnTypeName(i))
                                ? rs.getObject(i, OffsetDateTime.class) : rs.getObject(i));
                    }
                }
            }
            int partCount = (Integer) row.get("part_count");
            int uploaded = (Integer) row.get("parts_uploaded");
            int number = uploaded < partCount ? uploaded + 1 : partCount;
            long partSize = (Long) row.get("part_size");
            long size = (Long) row.get("size");
            long thisSize = number == partCount ? size - partSize * (partCount - 1) : partSize;
            boolean exists;
            try (PreparedStatement find = c.prepareStatement("select up1_0.part_number, up1_0.upload_id, up1_0.etag, up1_0.size, up1_0.uploaded_at"
                    + " from upload_parts up1_0 where (up1_0.part_number, up1_0.upload_id) = (?, ?)")) {
                find.setInt(1, number);
                find.setObject(2, target[0]);
                try (ResultSet rs = find.executeQuery()) {
                    exists = rs.next();
                }
            }
            String etag = "\"" + UUID.randomUUID().toString().replace("-", "") + "\"";
            // Hibernate's two statements for a part: an update of the row it found, else an insert; same binds.
            String write = exists
                    ? "update upload_parts set etag = ?, size = ?, uploaded_at = ? where part_number = ? and upload_id = ?"
                    : "insert into upload_parts (etag, size, uploaded_at, part_number, upload_id) values (?, ?, ?, ?, ?)";
            try (PreparedStatement statement = c.prepareStatement(write)) {
                statement.setString(1, etag);
                statement.setLong(2, thisSize);
                statement.setObject(3, now);
                statement.setInt(4, number);
                statement.setObject(5, target[0]);
                statement.executeUpdate();
            }
            if (!exists) {
                row.put("parts_uploaded", uploaded + 1);
                row.put("bytes_uploaded", (Long) row.get("bytes_uploaded") + thisSize);
            }
            row.put("last_activity_at", now);
            row.put("updated_at", now);
            row.put("expires_at", now.plusDays(7));
            StringBuilder sql = new StringBuilder("update uploads set ");
            for (int i = 0; i < UPDATED_COLUMNS.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append(UPDATED_COLUMNS.get(i)).append(" = ?");
            }
            sql.append(" where id = ?");
            try (PreparedStatement update = c.prepareStatement(sql.toString())) {
                int i = 1;
                for (String column : UPDATED_COLUMNS) {
                    update.setObject(i++, row.get(column));
                }
                update.setObject(i, target[0]);
                update.executeUpdate();
            }
            c.commit();
            return 1;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    // ------------------------------------------------------------------ measuring

    private Result measure(Connection c, Query q) throws Exception {
        int runs = Bench.envInt("LEDGER_QUERY_RUNS", 2000);
        int warmups = Bench.envInt("LEDGER_QUERY_WARMUP", 200);
        double budget = Double.parseDouble(Bench.env("LEDGER_QUERY_BUDGET", "60"));
        double warmupBudget = Math.max(5, budget / 6);
        bench.log("query " + q.name() + " …");
        PreparedStatement ps = q.mode() == Mode.CUSTOM ? null : c.prepareStatement(q.sql());
        long rowsTotal = 0;
        int warm = 0;
        long phaseStart = System.nanoTime();
        while (warm < warmups && (System.nanoTime() - phaseStart) / 1e9 < warmupBudget) {
            once(c, ps, q);
            warm++;
        }
        long[] nanos = new long[runs];
        int n = 0;
        phaseStart = System.nanoTime();
        // At least five executions; then until LEDGER_QUERY_RUNS or the time budget, whichever comes first.
        while (n < runs && (n < 5 || (System.nanoTime() - phaseStart) / 1e9 < budget)) {
            long t0 = System.nanoTime();
            long rows = once(c, ps, q);
            nanos[n++] = System.nanoTime() - t0;
            rowsTotal += rows;
        }
        if (ps != null) {
            ps.close();
        }
        long[] measured = Arrays.copyOf(nanos, n);
        String plan = q.mode() == Mode.CUSTOM ? explainRecordPart(c) : explain(c, q);
        String[] summary = summarise(plan);
        Result result = new Result(q, warm, measured, n == 0 ? 0 : (double) rowsTotal / n, plan, summary[0], summary[1]);
        bench.log(String.format(Locale.ROOT, "  %s: n=%d p50=%.3f ms p99=%.3f ms max=%.3f ms rows=%.1f | %s %s",
                q.name(), n, pct(measured, 50), pct(measured, 99), pct(measured, 100), result.rows(), summary[0], summary[1]));
        return result;
    }

    /** One execution, rows consumed; answers the row count (or update count). */
    private long once(Connection c, PreparedStatement ps, Query q) throws SQLException {
        if (q.mode() == Mode.CUSTOM) {
            return q.custom().run(c, random);
        }
        Object[] params = q.params().apply(random);
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
        boolean tx = q.mode() == Mode.ROLLBACK;
        if (tx) {
            c.setAutoCommit(false);
        }
        try {
            long rows = 0;
            if (ps.execute()) {
                try (ResultSet rs = ps.getResultSet()) {
                    int columns = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= columns; i++) {
                            rs.getObject(i);
                        }
                        rows++;
                    }
                }
            } else {
                rows = ps.getUpdateCount();
            }
            return rows;
        } finally {
            if (tx) {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    private static final Pattern PLACEHOLDER = Pattern.compile("\\?");

    /** EXPLAIN (ANALYZE, BUFFERS) EXECUTE of the statement prepared under its own name, after ten executions. */
    private String explain(Connection c, Query q) throws SQLException {
        StringBuilder numbered = new StringBuilder();
        Matcher m = PLACEHOLDER.matcher(q.sql());
        int k = 0;
        while (m.find()) {
            m.appendReplacement(numbered, "\\$" + (++k));
        }
        m.appendTail(numbered);
        String name = "bench_" + Integer.toHexString(q.name().hashCode() & 0x7fffffff);
        StringBuilder out = new StringBuilder();
        boolean tx = q.mode() != Mode.READ;
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("prepare " + name + " as " + numbered);
            Object[] params = null;
            for (int i = 0; i < 11; i++) {
                params = q.params().apply(random);
                String args = literals(params);
                if (i < 10) {
                    try (ResultSet rs = s.executeQuery("execute " + name + args)) {
                        while (rs.next()) {
                            // consume
                        }
                    } catch (SQLException e) {
                        if (!e.getMessage().contains("No results were returned")) {
                            throw e;
                        }
                    }
                    if (tx) {
                        c.rollback();
                    } else {
                        c.commit();
                    }
                } else {
                    out.append("params: ").append(args).append('\n');
                    try (ResultSet rs = s.executeQuery("explain (analyze, buffers) execute " + name + args)) {
                        while (rs.next()) {
                            out.append(rs.getString(1)).append('\n');
                        }
                    }
                }
            }
            s.execute("deallocate " + name);
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        return out.toString();
    }

    private String explainRecordPart(Connection c) throws SQLException {
        Object[] target = recordable.get(recordNext % recordable.size());
        StringBuilder out = new StringBuilder();
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            out.append("-- lock\n");
            explainInto(s, out, "select " + UPLOAD_COLUMNS + " from uploads u1_0 where u1_0.id = '" + target[0] + "' and u1_0.owner = '"
                    + target[1].toString().replace("'", "''") + "' fetch first 1 rows only for no key update");
            out.append("-- insert part\n");
            explainInto(s, out, "insert into upload_parts (etag, size, uploaded_at, part_number, upload_id) values ('\"x\"', 5242880, now(), 10001 - 1, '"
                    + target[0] + "') on conflict do nothing");
            out.append("-- full-row update of the upload (last_activity_at changes: not a HOT update, every index gets an entry)\n");
            explainInto(s, out, "update uploads set last_activity_at = now(), updated_at = now(), expires_at = now() + interval '7 days',"
                    + " parts_uploaded = parts_uploaded, bytes_uploaded = bytes_uploaded where id = '" + target[0] + "'");
        } finally {
            c.rollback();
            c.setAutoCommit(true);
        }
        return out.toString();
    }

    private static void explainInto(Statement s, StringBuilder out, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery("explain (analyze, buffers) " + sql)) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('\n');
            }
        }
    }

    private static String literals(Object[] params) {
        if (params.length == 0) {
            return "";
        }
        StringBuilder out = new StringBuilder("(");
        for (int i = 0; i < params.length; i++) {
            Object p = params[i];
            out.append(i == 0 ? "" : ", ");
            if (p == null) {
                out.append("null");
            } else if (p instanceof Number) {
                out.append(p);
            } else {
                out.append('\'').append(p.toString().replace("'", "''")).append('\'');
            }
        }
        return out.append(')').toString();
    }

    private static final Pattern NODE = Pattern.compile("^\\s*(?:->\\s+)?([A-Z][A-Za-z ]+?(?: using \\S+)?(?: on \\S+(?: \\S+)?)?)\\s+\\(cost=");

    /** A one-line plan summary, and flags: scans that are not index lookups/ranges, big sorts, many rows filtered away. */
    static String[] summarise(String plan) {
        List<String> nodes = new ArrayList<>();
        List<String> flags = new ArrayList<>();
        long removed = 0;
        String buffers = "";
        String time = "";
        for (String line : plan.split("\n")) {
            Matcher m = NODE.matcher(line);
            if (m.find()) {
                String node = m.group(1).trim();
                nodes.add(node);
                if (node.startsWith("Seq Scan on uploads") || node.startsWith("Seq Scan on upload_parts")
                        || node.startsWith("Seq Scan on events") || node.startsWith("Seq Scan on part_checksums")
                        || node.startsWith("Parallel Seq Scan")) {
                    flags.add("SEQ SCAN");
                }
            }
            String trimmed = line.trim();
            if (trimmed.startsWith("Rows Removed by Filter:")) {
                removed += Long.parseLong(trimmed.replaceAll("\\D+", ""));
            }
            if (trimmed.startsWith("Sort Method:") && (trimmed.contains("external") || trimmed.contains("Disk"))) {
                flags.add("SORT ON DISK");
            }
            if (buffers.isEmpty() && trimmed.startsWith("Buffers:")) {
                buffers = trimmed.substring("Buffers:".length()).trim();
            }
            if (trimmed.startsWith("Execution Time:")) {
                time = trimmed.substring("Execution Time:".length()).trim();
            }
        }
        if (removed > 10_000) {
            flags.add("FILTERED " + removed + " ROWS");
        }
        long touched = 0;
        Matcher b = Pattern.compile("(hit|read|dirtied|written)=(\\d+)").matcher(buffers);
        while (b.find()) {
            if (!b.group(1).equals("dirtied") && !b.group(1).equals("written")) {
                touched += Long.parseLong(b.group(2));
            }
        }
        if (touched > 10_000) {
            flags.add(touched + " BUFFERS");
        }
        String summary = String.join(" > ", nodes.subList(0, Math.min(nodes.size(), 6)))
                + (removed > 0 ? " (filtered " + removed + ")" : "") + (buffers.isEmpty() ? "" : "; buffers " + buffers)
                + (time.isEmpty() ? "" : "; " + time);
        return new String[]{summary, String.join(", ", new java.util.LinkedHashSet<>(flags))};
    }

    static double pct(long[] nanos, double p) {
        if (nanos.length == 0) {
            return Double.NaN;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))] / 1e6;
    }

    private void writeResults(List<Result> results) throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add("query\tsource\tmode\twarmup\tn\tp50_ms\tp99_ms\tmax_ms\tmean_ms\trows\tplan\tflags");
        StringBuilder plans = new StringBuilder();
        for (Result r : results) {
            double mean = Arrays.stream(r.nanos()).average().orElse(Double.NaN) / 1e6;
            lines.add(String.format(Locale.ROOT, "%s\t%s\t%s\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\t%s\t%s", r.query().name(), r.query().source(),
                    r.query().mode(), r.warmup(), r.nanos().length, pct(r.nanos(), 50), pct(r.nanos(), 99), pct(r.nanos(), 100), mean,
                    r.rows(), r.summary(), r.flags()));
            plans.append("==== ").append(r.query().name()).append("  (").append(r.query().source()).append(")\n")
                    .append(r.query().sql().length() > 3000 ? r.query().sql().substring(0, 3000) + " …" : r.query().sql()).append("\n")
                    .append(r.plan()).append('\n');
        }
        bench.write("queries.tsv", lines);
        bench.write("plans.txt", List.of(plans.toString()));
    }

    // ------------------------------------------------------------------ parameter pools

    private void samplePools(Connection c) throws SQLException, java.io.IOException {
        long uploads;
        long events;
        try (Statement s = c.createStatement()) {
            uploads = Math.max(1, longOf(s, "select reltuples::bigint from pg_class where relname = 'uploads'"));
            events = Math.max(1, longOf(s, "select reltuples::bigint from pg_class where relname = 'events'"));
            double p = Math.min(100, 100.0 * 30_000 / uploads);
            try (ResultSet rs = s.executeQuery(String.format(Locale.ROOT, "select id, owner, state, kind, created_at, last_activity_at, object_key,"
                    + " parts_uploaded, parts_pruned_at is null from uploads tablesample system (%f) repeatable (7)", p))) {
                while (rs.next()) {
                    Object[] row = {rs.getObject(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getObject(5, OffsetDateTime.class),
                            rs.getObject(6, OffsetDateTime.class), rs.getString(7), rs.getInt(8)};
                    sample.add(row);
                    if ("UPLOADING".equals(row[2])) {
                        openUploads.add(new Object[]{row[0], row[1]});
                        if (((OffsetDateTime) row[5]).isBefore(t.minus(Duration.ofHours(1)).atOffset(ZoneOffset.UTC))) {
                            stalledCursors.add(new Object[]{row[5], row[0]});
                        }
                    }
                    if (rs.getBoolean(9) && (Integer) row[7] > 0 && !"SINGLE_REQUEST".equals(row[3])) {
                        withParts.add(new Object[]{row[0]});
                    }
                }
            }
            double p2 = Math.min(100, 100.0 * 150_000 / uploads);
            try (ResultSet rs = s.executeQuery(String.format(Locale.ROOT, "select id, owner from uploads tablesample system (%f) repeatable (8)"
                    + " where state = 'UPLOADING' and kind = 'PLANNED' and parts_uploaded < part_count", p2))) {
                while (rs.next()) {
                    recordable.add(new Object[]{rs.getObject(1), rs.getString(2)});
                }
            }
            Collections.shuffle(recordable, new Random(8));
            Map<String, Integer> counts = new LinkedHashMap<>();
            sample.forEach(row -> counts.merge((String) row[1], 1, Integer::sum));
            topOwner = counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
            double p3 = Math.min(100, 100.0 * 300_000 / uploads);
            try (PreparedStatement ps = c.prepareStatement(String.format(Locale.ROOT,
                    "select created_at, id from uploads tablesample system (%f) repeatable (9) where owner = ?", p3))) {
                ps.setString(1, topOwner);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        topOwnerRows.add(new Object[]{rs.getObject(1, OffsetDateTime.class), rs.getObject(2)});
                    }
                }
            }
            double p4 = Math.min(100, 100.0 * 20_000 / events);
            try (ResultSet rs = s.executeQuery(String.format(Locale.ROOT, "select txid::text, seq from events tablesample system (%f) repeatable (10)", p4))) {
                while (rs.next()) {
                    feedCursors.add(new Object[]{rs.getString(1), rs.getLong(2)});
                }
            }
            try (ResultSet rs = s.executeQuery("select txid::text, seq from (select txid, seq from events order by txid desc, seq desc limit 50) x"
                    + " order by txid, seq limit 1")) {
                rs.next();
                feedTail = new Object[]{rs.getString(1), rs.getLong(2)};
            }
            try (ResultSet rs = s.executeQuery("select last_activity_at, id from uploads where state = 'UPLOADING' and last_activity_at < timestamptz '"
                    + t + "' - interval '7 days' order by last_activity_at desc, id desc limit 1")) {
                expiryCaughtUp = rs.next() ? new Object[]{rs.getObject(1, OffsetDateTime.class), rs.getObject(2)}
                        : new Object[]{t.minus(Duration.ofDays(7)).atOffset(ZoneOffset.UTC), new UUID(0, 0)};
            }
        }
        List<String> lines = new ArrayList<>();
        lines.add("pool\tsize");
        lines.add("sample (any upload)\t" + sample.size());
        lines.add("open uploads\t" + openUploads.size());
        lines.add("uploads with parts\t" + withParts.size());
        lines.add("open planned uploads with parts to record\t" + recordable.size());
        lines.add("stalled cursors\t" + stalledCursors.size());
        lines.add("biggest owner\t" + topOwner + " (" + counts(topOwner) + " uploads)");
        lines.add("biggest owner's cursors\t" + topOwnerRows.size());
        lines.add("feed cursors\t" + feedCursors.size());
        lines.add("feed tail cursor\t" + feedTail[0] + "/" + feedTail[1]);
        lines.add("claimForExpiry last-batch cursor\t" + expiryCaughtUp[0] + "/" + expiryCaughtUp[1]);
        bench.write("queries-pools.tsv", lines);
        bench.log("parameter pools: " + String.join("; ", lines.subList(1, lines.size())));
    }

    private long counts(String owner) throws SQLException {
        try (Connection c = server.connect(); PreparedStatement ps = c.prepareStatement("select count(*) from uploads where owner = ?")) {
            ps.setString(1, owner);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long longOf(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Object[] pick(Random r, List<Object[]> pool, int... columns) {
        if (pool.isEmpty()) {
            throw new IllegalStateException("empty parameter pool");
        }
        Object[] row = pool.get(r.nextInt(pool.size()));
        if (columns.length == 0) {
            return row;
        }
        Object[] out = new Object[columns.length];
        for (int i = 0; i < columns.length; i++) {
            out[i] = row[columns[i]];
        }
        return out;
    }

    private static Object[] concat(Object[] a, Object[] b) {
        Object[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
