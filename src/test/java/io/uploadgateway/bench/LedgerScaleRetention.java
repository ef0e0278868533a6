package io.uploadgateway.bench;

import io.uploadgateway.bench.LedgerScaleBenchmark.Bench;
import io.uploadgateway.bench.LedgerScaleBenchmark.Server;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The ledger retention's two statements (the SQL of the retention job, OperatorLedger.pruneParts
 * and deleteEnded) on a backlog, batch after batch, each batch its own committed transaction like
 * LedgerRetention runs them: part rows per second, upload rows per second, the time of one batch
 * (how long its row locks are held) and the WAL written, at batch sizes 100, 500 and 2000.
 * Mutates the dataset: run it last.
 *
 * <p>Parts: the cutoff is set so that ~10,000,000 x SCALE part rows are eligible (uploads that ended
 * between 7 days and the cutoff before T); each batch size prunes a third of that backlog, oldest
 * ending first (so each works on similar uploads), or until LEDGER_RETENTION_BUDGET seconds.
 * Upload rows: cutoff T-180d (the default gateway.retention.uploads), each batch size for
 * LEDGER_RETENTION_DELETE_BUDGET seconds. A CHECKPOINT precedes every run, so each run's WAL
 * includes the full-page images of the first change of every page after a checkpoint, as a sweep
 * in production does (checkpoint_timeout 5 min, a sweep's retention budget 1 min).
 */
final class LedgerScaleRetention {

    static final String PRUNE_PARTS = """
            with ended as (
              select id from uploads where ended_at < ? and parts_pruned_at is null
              order by ended_at limit ? for update skip locked),
            parts as (delete from upload_parts p using ended e where p.upload_id = e.id returning 1),
            sums as (delete from part_checksums c using ended e where c.upload_id = e.id returning 1),
            marked as (update uploads u set parts_pruned_at = ? from ended e where u.id = e.id returning 1)
            select (select count(*) from marked) as uploads, (select count(*) from parts) as parts""";
    static final String DELETE_ENDED = "delete from uploads where id in (select id from uploads where ended_at < ?"
            + " order by ended_at limit ? for update skip locked)";
    static final int[] BATCHES = {100, 500, 2000};

    private final Bench bench;
    private final Server server;
    private final Instant t;
    private final List<String> batches = new ArrayList<>();
    private final List<String> summary = new ArrayList<>();

    LedgerScaleRetention(Bench bench, Server server) throws Exception {
        this.bench = bench;
        this.server = server;
        this.t = Instant.parse(bench.dataset().getProperty("t"));
    }

    void run() throws Exception {
        bench.write("settings-retention.tsv", server.shownSettings());
        batches.add("statement\tbatch_size\tbatch\tuploads\tparts\tms");
        summary.add("statement\tbatch_size\tbatches\tuploads\tparts\tseconds\tuploads_per_s\tparts_per_s\tbatch_p50_ms\tbatch_p99_ms\tbatch_max_ms"
                + "\twal_bytes\twal_records\twal_fpi\twal_bytes_per_part\twal_bytes_per_upload");
        OffsetDateTime now = t.plusSeconds(60).atOffset(ZoneOffset.UTC);
        long target = Math.round(10_000_000 * bench.scale);
        double budget = Double.parseDouble(Bench.env("LEDGER_RETENTION_BUDGET", "300"));
        double deleteBudget = Double.parseDouble(Bench.env("LEDGER_RETENTION_DELETE_BUDGET", "60"));
        try (Connection c = server.connect()) {
            OffsetDateTime cutoff;
            long eligibleUploads;
            long eligibleParts;
            try (Statement s = c.createStatement()) {
                s.execute("set work_mem = '256MB'");
                try (ResultSet rs = s.executeQuery("""
                        select ended_at, n, cum from (
                          select ended_at, row_number() over (order by ended_at) n, sum(parts_uploaded) over (order by ended_at) cum
                          from uploads where ended_at is not null and parts_pruned_at is null) x
                        where cum >= %d order by ended_at limit 1""".formatted(target))) {
                    if (rs.next()) {
                        cutoff = rs.getObject(1, OffsetDateTime.class).plusNanos(1000);
                        eligibleUploads = rs.getLong(2);
                        eligibleParts = rs.getLong(3);
                    } else {
                        cutoff = now;
                        eligibleUploads = -1;
                        eligibleParts = -1;
                    }
                }
                try (ResultSet rs = s.executeQuery("select count(*), coalesce(sum(p.n), 0) from uploads u "
                        + "left join lateral (select count(*) n from upload_parts p where p.upload_id = u.id) p on true "
                        + "where u.ended_at < '" + cutoff + "' and u.parts_pruned_at is null")) {
                    rs.next();
                    eligibleUploads = rs.getLong(1);
                    eligibleParts = rs.getLong(2);
                }
            }
            bench.log(String.format(Locale.ROOT, "retention: part backlog: %,d uploads with %,d part rows ended before %s (T-%.1f days)",
                    eligibleUploads, eligibleParts, cutoff, (t.getEpochSecond() - cutoff.toEpochSecond()) / 86400.0));
            summary.add(0, String.format(Locale.ROOT, "# parts backlog: %d uploads, %d part rows, cutoff %s; T %s", eligibleUploads, eligibleParts, cutoff, t));

            long done = 0;
            for (int i = 0; i < BATCHES.length; i++) {
                long share = (eligibleParts * (i + 1)) / BATCHES.length;
                done = runParts(c, BATCHES[i], cutoff, now, share, done, budget);
            }

            OffsetDateTime uploadCutoff = now.minusDays(180);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select count(*) from uploads where ended_at < '" + uploadCutoff + "'")) {
                rs.next();
                bench.log(String.format(Locale.ROOT, "retention: upload backlog: %,d uploads ended before %s", rs.getLong(1), uploadCutoff));
                summary.add(1, String.format(Locale.ROOT, "# uploads backlog: %d uploads ended before %s", rs.getLong(1), uploadCutoff));
            }
            for (int size : BATCHES) {
                runDeletes(c, size, uploadCutoff, deleteBudget);
            }
        }
        bench.write("retention.tsv", summary);
        bench.write("retention-batches.tsv", batches);
    }

    private long runParts(Connection c, int size, OffsetDateTime cutoff, OffsetDateTime now, long until, long done, double budget) throws Exception {
        Wal before = Wal.start(c);
        List<Long> times = new ArrayList<>();
        long uploads = 0;
        long parts = 0;
        long start = System.nanoTime();
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(PRUNE_PARTS)) {
            while (done + parts < until && (System.nanoTime() - start) / 1e9 < budget) {
                long t0 = System.nanoTime();
                ps.setObject(1, cutoff);
                ps.setInt(2, size);
                ps.setObject(3, now);
                long u;
                long p;
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    u = rs.getLong(1);
                    p = rs.getLong(2);
                }
                c.commit();
                long ns = System.nanoTime() - t0;
                times.add(ns);
                uploads += u;
                parts += p;
                batches.add(String.format(Locale.ROOT, "pruneParts\t%d\t%d\t%d\t%d\t%.3f", size, times.size(), u, p, ns / 1e6));
                if (u < size) {
                    break;
                }
            }
        } finally {
            c.setAutoCommit(true);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        record("pruneParts", size, times, uploads, parts, seconds, before.end(c));
        return done + parts;
    }

    private void runDeletes(Connection c, int size, OffsetDateTime cutoff, double budget) throws Exception {
        Wal before = Wal.start(c);
        List<Long> times = new ArrayList<>();
        long uploads = 0;
        long start = System.nanoTime();
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(DELETE_ENDED)) {
            while ((System.nanoTime() - start) / 1e9 < budget) {
                long t0 = System.nanoTime();
                ps.setObject(1, cutoff);
                ps.setInt(2, size);
                int u = ps.executeUpdate();
                c.commit();
                long ns = System.nanoTime() - t0;
                times.add(ns);
                uploads += u;
                batches.add(String.format(Locale.ROOT, "deleteEnded\t%d\t%d\t%d\t0\t%.3f", size, times.size(), u, ns / 1e6));
                if (u < size) {
                    break;
                }
            }
        } finally {
            c.setAutoCommit(true);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        record("deleteEnded", size, times, uploads, 0, seconds, before.end(c));
    }

    private void record(String statement, int size, List<Long> times, long uploads, long parts, double seconds, long[] wal) throws Exception {
        long[] nanos = times.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(nanos);
        String line = String.format(Locale.ROOT, "%s\t%d\t%d\t%d\t%d\t%.1f\t%.0f\t%.0f\t%.1f\t%.1f\t%.1f\t%d\t%d\t%d\t%.0f\t%.0f",
                statement, size, nanos.length, uploads, parts, seconds, uploads / seconds, parts / seconds,
                LedgerScaleQueries.pct(nanos, 50), LedgerScaleQueries.pct(nanos, 99), LedgerScaleQueries.pct(nanos, 100),
                wal[0], wal[1], wal[2], parts == 0 ? Double.NaN : (double) wal[0] / parts, uploads == 0 ? Double.NaN : (double) wal[0] / uploads);
        summary.add(line);
        bench.write("retention.tsv", summary);
        bench.write("retention-batches.tsv", batches);
        bench.log(String.format(Locale.ROOT, "retention %s batch=%d: %d batches, %,d uploads, %,d parts in %.1f s = %.0f uploads/s, %.0f parts/s;"
                        + " batch p50 %.1f ms p99 %.1f ms max %.1f ms; WAL %.1f MiB (%d FPI)",
                statement, size, nanos.length, uploads, parts, seconds, uploads / seconds, parts / seconds,
                LedgerScaleQueries.pct(nanos, 50), LedgerScaleQueries.pct(nanos, 99), LedgerScaleQueries.pct(nanos, 100), wal[0] / 1048576.0, wal[2]));
    }

    /** WAL written between a CHECKPOINT and the end of a run: bytes (LSN difference), records and full-page images (pg_stat_wal). */
    record Wal(String lsn) {
        static Wal start(Connection c) throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute("checkpoint");
                s.execute("select pg_stat_reset_shared('wal')");
                sleep(); // the statistics collector is asynchronous (PostgreSQL 14)
                try (ResultSet rs = s.executeQuery("select pg_current_wal_lsn()::text")) {
                    rs.next();
                    return new Wal(rs.getString(1));
                }
            }
        }

        long[] end(Connection c) throws SQLException {
            sleep();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select pg_wal_lsn_diff(pg_current_wal_lsn(), '" + lsn
                    + "')::bigint, (select wal_records from pg_stat_wal), (select wal_fpi from pg_stat_wal)")) {
                rs.next();
                return new long[]{rs.getLong(1), rs.getLong(2), rs.getLong(3)};
            }
        }

        private static void sleep() {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
