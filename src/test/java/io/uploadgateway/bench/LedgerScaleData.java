package io.uploadgateway.bench;

import io.uploadgateway.bench.LedgerScaleBenchmark.Bench;
import io.uploadgateway.bench.LedgerScaleBenchmark.Server;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The synthetic ledger, generated in PostgreSQL by set-based SQL (generate_series, INSERT … SELECT
 * in chunks) into the real, logged tables the migrations create. Every row passes every check
 * constraint of V1..V12 (they stay in place during the load); primary keys, unique constraints,
 * foreign keys and indexes are dropped before the load and re-created from their own catalog
 * definitions afterwards (what pg_restore does), then the schema is compared with the one the
 * migrations made, so the measured database is exactly the migrated one.
 *
 * <p>The dataset, for {@code SCALE} s (N = 10,000,000 s uploads), as of the load's start T:
 * <ul>
 *   <li>ordinals 1..0.8N are created evenly over [T-400d, T-30d], all ended; 0.8N..N over the last
 *       30 days (traffic tripled a month ago), open with a probability falling from 0.8 (age 0) to
 *       0.2 (age 30 d), so about 10% of all uploads are open;</li>
 *   <li>owners: max(1000, 100,000 s), zipf-like (rank drawn log-uniformly: the top owner has ~6% of
 *       all uploads, the top 10 ~21%, the median owner a handful);</li>
 *   <li>ended: COMPLETED 85%, ABORTED 8%, EXPIRED 6% (idle 7 d, then the janitor), REJECTED 1%;
 *       ended_at = created_at + 1 s..6 h (log-uniform), so spread over the last 400 days; parts
 *       pruned (parts_pruned_at set, part rows absent) when ended more than 7 days before T;</li>
 *   <li>open: UPLOADING 99.6%, COMPLETING 0.3%, ABORTING 0.1% with claims (2% of them stale);
 *       last activity within the last 7 days, except 0.2% just past the 7-day TTL (the janitor's next
 *       batch); single-request uploads only in the last 2 hours (their form expires);</li>
 *   <li>kinds: PLANNED (log-uniform 1..1400 parts of 5/8/16/64 MiB), OPEN_SIZED (12-15%), SINGLE_REQUEST
 *       (8% of ended); 30% of planned uploads auto-complete; 5% of planned uploads carry a checksum
 *       algorithm (their parts have part_checksums rows); 30% an idempotency key;</li>
 *   <li>parts: every part of a completed planned upload, a uniform share of the plan for open and
 *       aborted ones, ceil(size / 8 MiB) for completed open-sized ones, only where not pruned;</li>
 *   <li>events: upload.created for every upload, and the final event for every ended one, written in
 *       time order in transactions of ~10,000 events (their own txid); delivered 97.5%, skipped 2%,
 *       dead 0.5%, and everything of the last 6 hours pending (a receiver down for 6 hours: attempts
 *       with back-off, most not due yet).</li>
 * </ul>
 */
final class LedgerScaleData {

    static final List<String> TABLES = List.of("uploads", "upload_parts", "part_checksums", "events");

    private final Bench bench;
    private final Server server;
    private final List<String> timings = new ArrayList<>();

    LedgerScaleData(Bench bench, Server server) {
        this.bench = bench;
        this.server = server;
    }

    void run() throws Exception {
        if (Files.exists(bench.dataDir.resolve("dataset.properties"))) {
            bench.log("dataset already loaded in " + bench.dataDir + " (delete it or LEDGER_RELOAD=1 to load again)");
            return;
        }
        bench.write("settings-load.tsv", server.shownSettings());
        long start = System.nanoTime();
        long n = Math.round(10_000_000 * bench.scale);
        long owners = Math.max(1000, Math.round(100_000 * bench.scale));
        long oldSegment = (long) Math.floor(0.8 * n);
        int jobs = Bench.envInt("LEDGER_LOAD_JOBS", 2);
        bench.log(String.format(Locale.ROOT, "load: SCALE=%s, %,d uploads, %,d owners, %d connections", bench.scale, n, owners, jobs));

        step("flyway migrate", this::migrate);
        String t;
        String deployment;
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            t = one(s, "select to_char(date_trunc('second', now()) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
            deployment = one(s, "select id from deployment");
        }
        List<String> before = fingerprint();
        bench.write("schema-migrated.txt", before);
        Schema schema = Schema.read(server);

        step("helpers and owners", () -> exec("""
                drop schema if exists ledger_bench cascade;
                create schema ledger_bench;
                -- uniform [0,1) from any 64-bit hash
                create function ledger_bench.rh(v bigint) returns float8 language sql immutable parallel safe
                    as $$ select ((v >> 11) & 9007199254740991)::float8 / 9007199254740992.0 $$;
                -- uniform [0,1) for ordinal i and draw number salt
                create function ledger_bench.r(i bigint, salt bigint) returns float8 language sql immutable parallel safe
                    as $$ select ((hashint8extended(i, salt) >> 11) & 9007199254740991)::float8 / 9007199254740992.0 $$;
                create table ledger_bench.owners as
                    select rank, 'auth0|' || substr(md5('o' || rank), 1, 24) as owner,
                           'auth0_' || substr(md5('o' || rank), 1, 10) || '-' || translate(substr(md5('s' || rank), 1, 24), '0189', 'wxyz') as segment
                    from generate_series(1, %d) rank;
                alter table ledger_bench.owners add primary key (rank);
                analyze ledger_bench.owners;
                """.formatted(owners)));
        step("drop keys, foreign keys and indexes", () -> {
            for (String sql : schema.dropStatements()) {
                exec(sql);
            }
        });

        // uploads: chunks of ordinals
        long chunk = Math.max(5_000, Math.min(100_000, n / 20));
        List<String> uploadChunks = new ArrayList<>();
        for (long a = 1; a <= n; a += chunk) {
            uploadChunks.add(uploadsSql(a, Math.min(n, a + chunk - 1), n, oldSegment, owners, t, deployment));
        }
        step("insert uploads", () -> parallel("uploads", uploadChunks, jobs, n));

        long blocks;
        long firstWithParts;
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            blocks = Long.parseLong(one(s, "select pg_relation_size('uploads') / 8192"));
            String first = one(s, "select coalesce(((min(ctid))::text::point)[0]::bigint, 0) from uploads where parts_pruned_at is null");
            firstWithParts = Long.parseLong(first);
        }
        long partBlocks = Math.max(20, Math.min(2000, (blocks - firstWithParts) / 50 + 1));
        List<String> partChunks = new ArrayList<>();
        for (long a = firstWithParts; a <= blocks; a += partBlocks) {
            partChunks.add(partsSql(a, a + partBlocks));
            partChunks.add(checksumsSql(a, a + partBlocks));
        }
        step("insert upload_parts and part_checksums", () -> parallel("parts", partChunks, jobs, Math.round(100_000_000 * bench.scale)));

        long eventBlocks = Math.max(20, Math.min(400, blocks / 2000 + 1));
        List<String> eventChunks = new ArrayList<>();
        for (long a = 0; a <= blocks; a += eventBlocks) {
            eventChunks.add(eventsSql(a, a + eventBlocks, t));
        }
        // Each chunk is one transaction (its own txid), in heap (= time) order; with two connections seq
        // (write order) follows time to within two chunks.
        step("insert events", () -> parallel("events", eventChunks, jobs, Math.round(19_000_000 * bench.scale)));

        step("re-create keys and indexes", () -> parallelDdl(schema.createStatements(), jobs));
        step("re-create foreign keys (validated)", () -> parallelDdl(schema.foreignKeyStatements(), jobs));
        List<String> after = fingerprint();
        bench.write("schema-loaded.txt", after);
        if (!after.equals(before)) {
            throw new IllegalStateException("the loaded schema differs from the migrated one: compare schema-migrated.txt and schema-loaded.txt");
        }
        bench.log("schema check: keys, foreign keys, indexes and check constraints are exactly the migrated ones");
        step("drop helpers", () -> exec("drop schema ledger_bench cascade"));
        List<String> vacuums = new ArrayList<>();
        for (String table : List.of("upload_parts", "events", "uploads", "part_checksums", "deployment", "owner_quotas", "janitor_lease")) {
            vacuums.add("vacuum analyze " + table);
        }
        step("vacuum analyze", () -> parallelDdl(vacuums, jobs));
        step("checkpoint", () -> exec("checkpoint"));
        double total = (System.nanoTime() - start) / 1e9;
        timings.add(String.format(Locale.ROOT, "total\t%.1f", total));
        bench.write("load-timings.tsv", prepend("step\tseconds", timings));
        bench.log(String.format(Locale.ROOT, "load done in %.1f s", total));

        Properties dataset = summary(t, n, owners, total);
        bench.saveDataset(dataset);
    }

    // ------------------------------------------------------------------ generation SQL

    static String uploadsSql(long from, long to, long n, long oldSegment, long owners, String t, String deployment) {
        return """
                insert into uploads (id, owner, kind, state, object_key, staging_key, s3_upload_id, filename, content_type,
                    size, part_size, part_count, metadata, idempotency_key, parts_uploaded, bytes_uploaded, reserved_bytes, etag,
                    created_at, updated_at, last_activity_at, expires_at, completed_at, ended_at, parts_pruned_at,
                    auto_complete, next_check_at, check_interval_seconds, size_checked_at, detected_content_type, checksum_algorithm,
                    claim_token, claimed_at, claimed_for)
                select f.id, o.owner, f.kind, f.state,
                    'uploads/' || :DEP || '/' || o.segment || '/' || f.id || '/' || f.filename,
                    case when f.kind = 'SINGLE_REQUEST' then 'uploads/' || :DEP || '/_staging/' || f.id end,
                    case when f.kind <> 'SINGLE_REQUEST' then md5('s' || f.i) || md5('t' || f.i) || substr(md5('v' || f.i), 1, 32) end,
                    f.filename, f.content_type,
                    f.size, case when f.kind = 'PLANNED' then f.ps end, case when f.kind = 'PLANNED' then f.pc end,
                    case when f.r_idem > 0.8 then '{"source": "web"}'::jsonb else '{}'::jsonb end,
                    case when f.r_idem < 0.3 then 'idem-' || substr(md5('k' || f.i), 1, 24) end,
                    f.parts_uploaded,
                    case when f.kind = 'PLANNED' then (case when f.parts_uploaded = f.pc then f.size else f.parts_uploaded * f.ps end)
                         when f.state = 'COMPLETED' then f.size else 0 end,
                    case when f.kind = 'PLANNED' then f.size
                         when f.kind = 'OPEN_SIZED' then coalesce(f.size, floor(f.r_misc * 5368709120)::bigint)
                         else 104857600 end,
                    case when f.state = 'COMPLETED' then
                        (case when f.kind = 'SINGLE_REQUEST' then '"' || md5('e' || f.i) || '"'
                              else '"' || md5('e' || f.i) || '-' || greatest(f.parts_uploaded, 1) || '"' end) end,
                    f.created_at,
                    case when f.ended_at is not null then f.ended_at else greatest(f.last_activity_at, f.claimed_at) end,
                    f.last_activity_at,
                    case when f.ended_at is not null then null
                         when f.kind = 'SINGLE_REQUEST' then f.created_at + interval '2 hours'
                         else f.last_activity_at + interval '7 days' end,
                    case when f.state = 'COMPLETED' then f.ended_at end,
                    f.ended_at,
                    case when f.ended_at < :T - interval '7 days'
                         then least(:T, f.ended_at + interval '7 days' + f.r_misc2 * interval '5 minutes') end,
                    f.auto_complete,
                    case when f.auto_complete and f.ended_at is null
                         then :T + (f.r_misc3 - 0.02) * f.check_interval * interval '1 second' end,
                    f.check_interval,
                    case when f.kind = 'OPEN_SIZED' and f.state = 'UPLOADING' and f.r_misc3 >= 0.5
                         then :T - f.r_misc2 * interval '1 hour' end,
                    case when f.state = 'REJECTED' then 'application/x-msdownload' end,
                    case when f.kind = 'PLANNED' and f.r_ck < 0.05
                         then (array['SHA256', 'CRC32C', 'CRC32', 'SHA1'])[1 + floor(f.r_ck * 80)::int %% 4] end,
                    case when f.claimed_at is not null then md5('c' || f.i)::uuid end,
                    f.claimed_at,
                    case when f.state = 'COMPLETING' then 'COMPLETED'
                         when f.state = 'ABORTING' then (case when f.r_misc < 0.7 then 'ABORTED' else 'EXPIRED' end) end
                from (
                  select g.*,
                    case when g.kind = 'PLANNED' then
                           (case when g.state in ('COMPLETED', 'REJECTED', 'COMPLETING') then g.pc else floor(g.pc * g.r_prog)::int end)
                         when g.kind = 'OPEN_SIZED' and g.state = 'COMPLETED' then least(10000, ceil(g.size / 8388608.0))::int
                         else 0 end as parts_uploaded,
                    case when g.kind = 'PLANNED' and g.r_auto < 0.3 then least(3600, 60 * power(2, floor(g.r_auto * 23.3)))::bigint end as check_interval,
                    (g.kind = 'PLANNED' and g.r_auto < 0.3) as auto_complete
                  from (
                    select e.*,
                      case when e.open then null
                           when e.state = 'EXPIRED' then e.created_at + e.dur_s * interval '1 second' + interval '7 days' + e.r_misc2 * interval '5 minutes'
                           else least(:T - interval '1 second', e.created_at + e.dur_s * interval '1 second') end as ended_at,
                      case when not e.open then
                             (case when e.state = 'EXPIRED' then e.created_at + e.dur_s * interval '1 second'
                                   else e.created_at + (least(:T - interval '1 second', e.created_at + e.dur_s * interval '1 second') - e.created_at) * 0.95 end)
                           when e.claimed_at is not null then least(e.open_activity, e.claimed_at)
                           else e.open_activity end as last_activity_at,
                      case when e.kind = 'PLANNED' then (e.pc - 1) * e.ps + 1 + floor(e.r_misc * (e.ps - 1))::bigint
                           when e.kind = 'OPEN_SIZED' and e.state = 'COMPLETED' then 1000 + floor(exp(e.r_parts * ln(8e9)))::bigint
                           when e.kind = 'SINGLE_REQUEST' and e.state = 'COMPLETED' then floor(exp(e.r_parts * ln(1e8)))::bigint - 1
                      end as size,
                      case floor(e.r_file * 6)::int
                           when 0 then 'IMG_' || (1000 + e.i %% 9000) || '.jpg'
                           when 1 then 'VID_' || to_char(e.created_at, 'YYYYMMDD_HH24MISS') || '.mp4'
                           when 2 then 'backup-' || to_char(e.created_at, 'YYYY-MM-DD') || '.tar.gz'
                           when 3 then 'report-' || (e.i %% 1000) || '.pdf'
                           when 4 then 'dataset-' || e.i || '.parquet'
                           else 'Scan ' || (e.i %% 500) || '.png' end as filename,
                      (array['image/jpeg', 'video/mp4', 'application/gzip', 'application/pdf', 'application/octet-stream', 'image/png'])
                          [1 + floor(e.r_file * 6)::int] as content_type
                    from (
                      select d.*,
                        case when d.state in ('COMPLETING', 'ABORTING') then greatest(d.created_at,
                               case when d.r_misc2 < 0.02 then :T - interval '4 minutes' - d.r_misc3 * interval '6 hours'
                                    else :T - d.r_misc3 * interval '3 minutes' end) end as claimed_at,
                        case when d.age_s > 7 * 86400 + 3 * 3600 and d.r_tail < 0.002 then :T - interval '7 days' - d.r_misc2 * interval '2 hours'
                             when d.age_s <= 7 * 86400 then d.created_at + (:T - d.created_at) * power(d.r_act, 0.25)
                             else :T - interval '7 days' * (1 - power(d.r_act, 0.25)) end as open_activity
                      from (
                        select c.*,
                          case when c.open then
                                 (case when c.kind = 'SINGLE_REQUEST' or c.r_state < 0.996 then 'UPLOADING'
                                       when c.r_state < 0.999 then 'COMPLETING' else 'ABORTING' end)
                               when c.r_state < 0.85 then 'COMPLETED'
                               when c.r_state < 0.93 then 'ABORTED'
                               when c.r_state < 0.99 then (case when c.age_s > c.dur_s + 7 * 86400 + 600 then 'EXPIRED' else 'ABORTED' end)
                               else 'REJECTED' end as state,
                          least(10000, greatest(1, floor(exp(c.r_parts * ln(1400)))))::int as pc,
                          (case when c.r_psize < 0.6 then 5242880 when c.r_psize < 0.75 then 8388608
                                when c.r_psize < 0.9 then 16777216 else 67108864 end)::bigint as ps
                        from (
                          select b.*,
                            case when b.open then
                                   (case when b.age_s < 7200 and b.r_kind < 0.05 then 'SINGLE_REQUEST'
                                         when b.r_kind < 0.15 then 'OPEN_SIZED' else 'PLANNED' end)
                                 else (case when b.r_kind < 0.08 then 'SINGLE_REQUEST'
                                            when b.r_kind < 0.20 then 'OPEN_SIZED' else 'PLANNED' end) end as kind,
                            2 + exp(b.r_dur * ln(21600)) as dur_s
                          from (
                            select a.*, extract(epoch from :T - a.created_at)::float8 as age_s,
                              (a.i > :OLD and a.r_open < 0.8 - 0.6 * extract(epoch from :T - a.created_at)::float8 / 2592000.0) as open
                            from (
                              select i, md5('u' || i)::uuid as id,
                                least(:T - interval '1 second',
                                  case when i <= :OLD then :T - interval '400 days' + ((i - 1)::float8 / :OLD) * interval '370 days'
                                       else :T - interval '30 days' + ((i - :OLD - 1)::float8 / (:N - :OLD)) * interval '30 days' end
                                  + (ledger_bench.r(i, 1) - 0.5) * interval '10 minutes') as created_at,
                                least(:OWNERS, greatest(1, floor(exp(ledger_bench.r(i, 3) * ln(:OWNERS + 1)))))::int as owner_rank,
                                ledger_bench.r(i, 2) as r_open, ledger_bench.r(i, 4) as r_kind, ledger_bench.r(i, 5) as r_state,
                                ledger_bench.r(i, 6) as r_dur, ledger_bench.r(i, 7) as r_act, ledger_bench.r(i, 8) as r_parts,
                                ledger_bench.r(i, 9) as r_prog, ledger_bench.r(i, 10) as r_auto, ledger_bench.r(i, 11) as r_ck,
                                ledger_bench.r(i, 12) as r_idem, ledger_bench.r(i, 13) as r_file, ledger_bench.r(i, 14) as r_misc,
                                ledger_bench.r(i, 15) as r_psize, ledger_bench.r(i, 16) as r_tail, ledger_bench.r(i, 17) as r_misc2,
                                ledger_bench.r(i, 18) as r_misc3
                              from generate_series(:FROM, :TO) i offset 0) a offset 0) b offset 0) c offset 0) d offset 0) e offset 0) g offset 0) f
                join ledger_bench.owners o on o.rank = f.owner_rank
                """.formatted()
                .replace(":FROM", Long.toString(from))
                .replace(":TO", Long.toString(to))
                .replace(":DEP", "'" + deployment + "'")
                .replace(":T", "timestamptz '" + t + "'")
                .replace(":OLD", Long.toString(oldSegment))
                .replace(":OWNERS", Long.toString(owners))
                .replace(":N", Long.toString(n));
    }

    static String tidRange(String alias, long fromBlock, long toBlock) {
        return alias + ".ctid >= '(" + fromBlock + ",0)'::tid and " + alias + ".ctid < '(" + toBlock + ",0)'::tid";
    }

    static String partsSql(long fromBlock, long toBlock) {
        return """
                insert into upload_parts (upload_id, part_number, etag, size, uploaded_at)
                select u.id, n,
                    '"' || lpad(to_hex(hashint8extended(n, u.s)), 16, '0') || lpad(to_hex(hashint8extended(n + 10001, u.s)), 16, '0') || '"',
                    case when u.kind = 'PLANNED' then (case when n = u.part_count then u.size - u.part_size * (u.part_count - 1) else u.part_size end)
                         else (case when n = u.parts_uploaded then u.size - 8388608::bigint * (u.parts_uploaded - 1) else 8388608 end) end,
                    u.created_at + (u.last_activity_at - u.created_at) * (n::float8 / u.parts_uploaded)
                from (select id, kind, size, part_size, part_count, parts_uploaded, created_at, last_activity_at,
                             (extract(epoch from created_at) * 1000000)::bigint as s
                      from uploads u where %s and parts_pruned_at is null and parts_uploaded > 0 and kind <> 'SINGLE_REQUEST') u,
                     generate_series(1, u.parts_uploaded) n
                """.formatted(tidRange("u", fromBlock, toBlock));
    }

    static String checksumsSql(long fromBlock, long toBlock) {
        return """
                insert into part_checksums (upload_id, part_number, checksum, signed_at)
                select u.id, n,
                    case u.checksum_algorithm when 'SHA256' then substr(md5(u.id::text || n) || md5(n || u.id::text), 1, 43) || '='
                                              when 'SHA1' then substr(md5(u.id::text || n), 1, 27) || '='
                                              else substr(md5(u.id::text || n), 1, 7) || '=' end,
                    u.created_at + (u.last_activity_at - u.created_at) * (n::float8 / u.parts_uploaded) - interval '1 minute'
                from (select id, parts_uploaded, created_at, last_activity_at, checksum_algorithm
                      from uploads u where %s and parts_pruned_at is null and parts_uploaded > 0 and checksum_algorithm is not null) u,
                     generate_series(1, u.parts_uploaded) n
                """.formatted(tidRange("u", fromBlock, toBlock));
    }

    static String eventsSql(long fromBlock, long toBlock, String t) {
        return """
                insert into events (id, subject, type, payload, occurred_at, status, attempts, pending_since, next_attempt_at,
                    last_attempt_at, last_status, last_error, delivered_at, dead_at)
                select y.id, y.subject, y.type, y.payload, y.at, y.status, y.attempts, y.at,
                    case when y.status = 'pending' then y.last_attempt_at + y.backoff_s * interval '1 second' end,
                    y.last_attempt_at,
                    case y.status when 'pending' then 503 when 'dead' then 500 when 'delivered' then 200 end,
                    case y.status when 'pending' then 'HTTP 503' when 'dead' then 'HTTP 500' end,
                    case when y.status = 'delivered' then y.last_attempt_at end,
                    case when y.status = 'dead' then y.last_attempt_at end
                from (
                  select x.*,
                    case when x.status = 'pending' then greatest(x.at, :T - x.rr2 * least(x.backoff_s, x.age_s) * interval '1 second')
                         when x.status = 'delivered' then x.at + (0.05 + 0.5 * x.rr2) * interval '1 second'
                         when x.status = 'dead' then x.at + interval '3 days' end as last_attempt_at
                  from (
                    select w.*,
                      case w.status when 'pending' then least(12, 1 + floor(ln(1 + w.age_s / 5) / ln(2)))::int
                                    when 'dead' then 20 when 'delivered' then 1 else 0 end as attempts,
                      case when w.status = 'pending' then least(3600, 5 * power(2, least(12, floor(ln(1 + w.age_s / 5) / ln(2))))) end as backoff_s
                    from (
                      select v.*,
                        case when v.age_s < 21600 then 'pending'
                             when v.rr < 0.005 and v.age_s > 3 * 86400 then 'dead'
                             when v.rr < 0.025 then 'skipped' else 'delivered' end as status
                      from (
                        select md5('ev' || e.k || u.id::text)::uuid as id, u.id as subject, e.type, e.at,
                          ledger_bench.rh(hashtextextended(u.id::text, e.k)) as rr,
                          ledger_bench.rh(hashtextextended(u.id::text, e.k + 10)) as rr2,
                          extract(epoch from :T - e.at)::float8 as age_s,
                          json_build_object('type', e.type, 'timestamp', e.at, 'data', json_build_object(
                              'id', u.id, 'owner', u.owner, 'bucket', 'uploads', 'key', u.object_key, 'filename', u.filename,
                              'size', case when e.k = 1 and u.kind <> 'PLANNED' then null else u.size end,
                              'contentType', u.content_type, 'etag', case when e.k = 2 then u.etag end, 'metadata', u.metadata,
                              'state', e.state, 'createdAt', u.created_at, 'completedAt', case when e.k = 2 then u.completed_at end)) as payload
                        from uploads u
                        cross join lateral (values (1, 'upload.created', 'UPLOADING', u.created_at),
                                                   (2, 'upload.' || lower(u.state), u.state, u.ended_at)) e(k, type, state, at)
                        where %s and e.at is not null offset 0) v offset 0) w offset 0) x offset 0) y
                order by y.at
                """.formatted(tidRange("u", fromBlock, toBlock)).replace(":T", "timestamptz '" + t + "'");
    }

    // ------------------------------------------------------------------ schema: drop and re-create

    /** The keys, foreign keys and indexes of the loaded tables, as the catalog defines them. */
    record Schema(List<String[]> keys, List<String[]> foreignKeys, List<String[]> indexes) {

        static Schema read(Server server) throws SQLException {
            List<String[]> keys = new ArrayList<>();
            List<String[]> foreignKeys = new ArrayList<>();
            List<String[]> indexes = new ArrayList<>();
            try (Connection c = server.connect(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("""
                        select conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype from pg_constraint
                        where contype in ('p', 'u', 'f') and conrelid::regclass::text in ('uploads', 'upload_parts', 'part_checksums', 'events')
                        order by conname""")) {
                    while (rs.next()) {
                        String[] row = {rs.getString(1), rs.getString(2), rs.getString(3)};
                        ("f".equals(rs.getString(4)) ? foreignKeys : keys).add(row);
                    }
                }
                try (ResultSet rs = s.executeQuery("""
                        select i.indrelid::regclass::text, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) from pg_index i
                        where i.indrelid::regclass::text in ('uploads', 'upload_parts', 'part_checksums', 'events')
                          and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.contype in ('p', 'u'))
                        order by 2""")) {
                    while (rs.next()) {
                        // A predicate with an array cast (uploads_owner_open) deparses into an equivalent but
                        // different text: such an index stays in place during the load (maintained row by row).
                        if (!rs.getString(3).contains("ANY ((ARRAY[")) {
                            indexes.add(new String[]{rs.getString(1), rs.getString(2), rs.getString(3)});
                        }
                    }
                }
            }
            return new Schema(keys, foreignKeys, indexes);
        }

        List<String> dropStatements() {
            List<String> sql = new ArrayList<>();
            foreignKeys.forEach(f -> sql.add("alter table " + f[0] + " drop constraint " + f[1]));
            indexes.forEach(i -> sql.add("drop index " + i[1]));
            keys.forEach(k -> sql.add("alter table " + k[0] + " drop constraint " + k[1]));
            return sql;
        }

        /** Primary keys and unique constraints first (biggest tables first), then the other indexes. */
        List<String> createStatements() {
            List<String> sql = new ArrayList<>();
            keys.stream().filter(k -> k[0].equals("upload_parts")).forEach(k -> sql.add("alter table " + k[0] + " add constraint " + k[1] + " " + k[2]));
            keys.stream().filter(k -> !k[0].equals("upload_parts")).forEach(k -> sql.add("alter table " + k[0] + " add constraint " + k[1] + " " + k[2]));
            indexes.forEach(i -> sql.add(i[2]));
            return sql;
        }

        List<String> foreignKeyStatements() {
            List<String> sql = new ArrayList<>();
            foreignKeys.forEach(f -> sql.add("alter table " + f[0] + " add constraint " + f[1] + " " + f[2]));
            return sql;
        }
    }

    /** Every key, index and constraint (check constraints included) of the public schema, as text. */
    List<String> fingerprint() throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Connection c = server.connect(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery("""
                select 'index ' || i.indexrelid::regclass || ': ' || pg_get_indexdef(i.indexrelid)
                from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace where n.nspname = 'public'
                union all
                select 'constraint ' || k.conrelid::regclass || '.' || k.conname || ': ' || pg_get_constraintdef(k.oid) || case when k.convalidated then '' else ' NOT VALID' end
                from pg_constraint k join pg_namespace n on n.oid = k.connamespace where n.nspname = 'public'
                union all
                select 'column ' || c.table_name || '.' || c.column_name || ': ' || c.data_type || ' ' || c.is_nullable || ' ' || coalesce(c.column_default, '')
                from information_schema.columns c where c.table_schema = 'public'
                order by 1""")) {
            while (rs.next()) {
                lines.add(rs.getString(1));
            }
        }
        return lines;
    }

    // ------------------------------------------------------------------ running

    private void migrate() throws Exception {
        Path migrations = Path.of(Bench.env("LEDGER_MIGRATIONS", "src/main/resources/db/migration")).toAbsolutePath();
        Flyway flyway = Flyway.configure()
                .dataSource("jdbc:postgresql://localhost:" + server.port() + "/postgres", "postgres", "postgres")
                .locations("filesystem:" + migrations)
                .load();
        flyway.migrate();
        List<String> applied = new ArrayList<>();
        applied.add("version\tdescription\tchecksum\tsha256_of_file");
        for (MigrationInfo info : flyway.info().applied()) {
            String file = "V" + info.getVersion() + "__" + info.getDescription().replace(' ', '_') + ".sql";
            Path path = migrations.resolve(file);
            String sha = Files.exists(path)
                    ? HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(path))).substring(0, 16)
                    : "?";
            applied.add(info.getVersion() + "\t" + info.getDescription() + "\t" + info.getChecksum() + "\t" + sha);
        }
        bench.write("migrations.tsv", applied);
        bench.log("migrated: " + (applied.size() - 1) + " migrations from " + migrations);
    }

    interface Work {
        void run() throws Exception;
    }

    private void step(String name, Work work) throws Exception {
        long start = System.nanoTime();
        bench.log("load step: " + name);
        work.run();
        double seconds = (System.nanoTime() - start) / 1e9;
        timings.add(String.format(Locale.ROOT, "%s\t%.1f", name, seconds));
        bench.log(String.format(Locale.ROOT, "load step done: %s in %.1f s", name, seconds));
    }

    private void exec(String sql) throws SQLException {
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String one(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void session(Statement s) throws SQLException {
        s.execute("set synchronous_commit = off");
        s.execute("set work_mem = '256MB'");
        s.execute("set maintenance_work_mem = '1GB'");
        s.execute("set jit = off");
    }

    /** Runs the statements on {@code jobs} connections (each statement its own transaction), with progress. */
    private void parallel(String what, List<String> statements, int jobs, long expectedRows) throws Exception {
        AtomicLong rows = new AtomicLong();
        AtomicLong done = new AtomicLong();
        long start = System.nanoTime();
        onConnections("load-" + what, statements, jobs, (s, sql) -> {
            long total = rows.addAndGet(s.executeLargeUpdate(sql));
            long chunks = done.incrementAndGet();
            double seconds = (System.nanoTime() - start) / 1e9;
            if (chunks % Math.max(1, statements.size() / 40) == 0 || chunks == statements.size()) {
                bench.log(String.format(Locale.ROOT, "  %s: %d/%d chunks, %,d rows, %.0f rows/s, %.0f s (expected ~%,d rows)",
                        what, chunks, statements.size(), total, total / seconds, seconds, expectedRows));
            }
        });
        timings.add(String.format(Locale.ROOT, "  %s rows\t%d", what, rows.get()));
    }

    /** DDL on {@code jobs} connections, each statement timed. */
    private void parallelDdl(List<String> statements, int jobs) throws Exception {
        onConnections("ddl", statements, jobs, (s, sql) -> {
            long start = System.nanoTime();
            s.execute(sql);
            double seconds = (System.nanoTime() - start) / 1e9;
            String label = sql.length() > 110 ? sql.substring(0, 110) + "…" : sql;
            synchronized (timings) {
                timings.add(String.format(Locale.ROOT, "  %s\t%.1f", label, seconds));
            }
            bench.log(String.format(Locale.ROOT, "  %.1f s  %s", seconds, label));
        });
    }

    /** One statement's work on a session's connection. */
    private interface StatementWork {
        void run(Statement session, String sql) throws Exception;
    }

    /**
     * Takes the statements off one queue on {@code jobs} connections (each with the load's session
     * settings) until none is left or one fails; then throws the first failure.
     */
    private void onConnections(String name, List<String> statements, int jobs, StatementWork work) throws Exception {
        ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>(statements);
        AtomicReference<Exception> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int j = 0; j < jobs; j++) {
            Thread thread = new Thread(() -> {
                try (Connection c = server.connect(); Statement s = c.createStatement()) {
                    session(s);
                    String sql;
                    while (failure.get() == null && (sql = queue.poll()) != null) {
                        work.run(s, sql);
                    }
                } catch (Exception e) {
                    failure.compareAndSet(null, e);
                }
            }, name + "-" + j);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw failure.get();
        }
    }

    private static List<String> prepend(String header, List<String> lines) {
        List<String> all = new ArrayList<>();
        all.add(header);
        all.addAll(lines);
        return all;
    }

    // ------------------------------------------------------------------ what was loaded

    private Properties summary(String t, long n, long owners, double loadSeconds) throws Exception {
        Properties p = new Properties();
        p.setProperty("scale", Double.toString(bench.scale));
        p.setProperty("t", t);
        p.setProperty("uploads_planned", Long.toString(n));
        p.setProperty("owners_planned", Long.toString(owners));
        p.setProperty("load_seconds", String.format(Locale.ROOT, "%.1f", loadSeconds));
        p.setProperty("loaded_at", OffsetDateTime.now().toString());
        List<String> lines = new ArrayList<>();
        lines.add("what\tvalue");
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            s.execute("set work_mem = '256MB'");
            add(s, lines, p, "uploads", "select count(*) from uploads");
            add(s, lines, p, "upload_parts", "select count(*) from upload_parts");
            add(s, lines, p, "part_checksums", "select count(*) from part_checksums");
            add(s, lines, p, "events", "select count(*) from events");
            add(s, lines, p, "owners", "select count(distinct owner) from uploads");
            add(s, lines, p, "open_uploads", "select count(*) from uploads where state in ('UPLOADING', 'COMPLETING', 'ABORTING')");
            add(s, lines, p, "uploads_with_parts", "select count(*) from uploads where parts_pruned_at is null and parts_uploaded > 0 and kind <> 'SINGLE_REQUEST'");
            add(s, lines, p, "ended_parts_not_pruned", "select count(*) from uploads where ended_at is not null and parts_pruned_at is null");
            add(s, lines, p, "top_owner_uploads", "select max(n) from (select count(*) n from uploads group by owner) x");
            add(s, lines, p, "top10_owner_share_pct", "select round(100.0 * sum(n) / (select count(*) from uploads), 1) from "
                    + "(select count(*) n from uploads group by owner order by 1 desc limit 10) x");
            add(s, lines, p, "median_owner_uploads", "select percentile_disc(0.5) within group (order by n) from (select count(*) n from uploads group by owner) x");
            add(s, lines, p, "expiry_eligible_uploads", "select count(*) from uploads where state = 'UPLOADING' and (last_activity_at < timestamptz '" + t
                    + "' - interval '7 days' or created_at < timestamptz '" + t + "' - interval '30 days')");
            add(s, lines, p, "stale_claims", "select count(*) from uploads where claim_token is not null and claimed_at < timestamptz '" + t + "' - interval '4 minutes'");
            add(s, lines, p, "auto_complete_open", "select count(*) from uploads where auto_complete and state = 'UPLOADING'");
            add(s, lines, p, "events_distinct_txid", "select count(distinct txid) from events");
            add(s, lines, p, "mean_parts_per_upload_with_parts", "select round(avg(parts_uploaded), 1) from uploads where parts_pruned_at is null and parts_uploaded > 0 and kind <> 'SINGLE_REQUEST'");
            for (String[] group : List.of(
                    new String[]{"uploads_by_state", "select state, count(*) from uploads group by 1 order by 2 desc"},
                    new String[]{"uploads_by_kind", "select kind, count(*) from uploads group by 1 order by 2 desc"},
                    new String[]{"events_by_status", "select status, count(*) from events group by 1 order by 2 desc"},
                    new String[]{"ended_at_by_age", "select case when ended_at > timestamptz '" + t + "' - interval '7 days' then '0-7d'"
                            + " when ended_at > timestamptz '" + t + "' - interval '30 days' then '7-30d'"
                            + " when ended_at > timestamptz '" + t + "' - interval '180 days' then '30-180d' else '180-400d' end, count(*)"
                            + " from uploads where ended_at is not null group by 1 order by 1"})) {
                try (ResultSet rs = s.executeQuery(group[1])) {
                    while (rs.next()) {
                        lines.add(group[0] + "." + rs.getString(1) + "\t" + rs.getString(2));
                        p.setProperty(group[0] + "." + rs.getString(1), rs.getString(2));
                    }
                }
            }
        }
        bench.write("dataset.tsv", lines);
        bench.log("dataset: " + String.join(", ", lines.subList(1, Math.min(lines.size(), 9))));
        return p;
    }

    private static void add(Statement s, List<String> lines, Properties p, String name, String sql) throws SQLException {
        String value = one(s, sql);
        lines.add(name + "\t" + value);
        p.setProperty(name, value == null ? "" : value);
    }
}
