package io.uploadgateway.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The ledger at scale ({@code bench/ledger-scale.sh}; never part of the test run): one embedded
 * PostgreSQL (zonky) on a data directory under {@code target/}, the project's Flyway migrations,
 * then one phase per JVM, so that the load can run at low priority and the measurements at normal
 * priority on the same data:
 * <ul>
 *   <li>{@code load}: {@link LedgerScaleData}, the synthetic ledger (uploads, parts, checksums, events);</li>
 *   <li>{@code queries}: {@link LedgerScaleQueries}, the hot queries of the ledger classes, p50/p99/max and plans;</li>
 *   <li>{@code retention}: {@link LedgerScaleRetention}, the retention job's statements on a backlog (mutates the data);</li>
 *   <li>{@code sizes}: table and index sizes.</li>
 * </ul>
 * Usage: {@code LedgerScaleBenchmark PHASE DATA_DIR RESULTS_DIR}; SCALE and the LEDGER_* knobs of the
 * script come as environment variables. Every phase writes tab-separated files into RESULTS_DIR.
 */
public final class LedgerScaleBenchmark {

    /** Server settings of every phase: sized for a shared 2-core, 24 GiB machine. */
    static final Map<String, String> COMMON_SETTINGS = new LinkedHashMap<>();
    /** The bulk load: no autovacuum racing the load, rare checkpoints. */
    static final Map<String, String> LOAD_SETTINGS = new LinkedHashMap<>();
    /** The measurements: production-like (autovacuum on, default checkpoint interval). */
    static final Map<String, String> RUN_SETTINGS = new LinkedHashMap<>();

    static {
        COMMON_SETTINGS.put("max_connections", "20");
        COMMON_SETTINGS.put("shared_buffers", "4GB");
        COMMON_SETTINGS.put("effective_cache_size", "12GB");
        COMMON_SETTINGS.put("work_mem", "32MB");
        COMMON_SETTINGS.put("random_page_cost", "1.1");
        COMMON_SETTINGS.put("effective_io_concurrency", "200");
        COMMON_SETTINGS.put("max_worker_processes", "4");
        COMMON_SETTINGS.put("max_parallel_workers", "2");
        COMMON_SETTINGS.put("max_parallel_workers_per_gather", "1");
        COMMON_SETTINGS.put("max_parallel_maintenance_workers", "1");
        // zonky starts postgres with -F (fsync off): the ledger's commits are measured with fsync on.
        COMMON_SETTINGS.put("fsync", "on");
        COMMON_SETTINGS.put("synchronous_commit", "on");
        COMMON_SETTINGS.put("full_page_writes", "on");
        COMMON_SETTINGS.put("wal_level", "replica");
        COMMON_SETTINGS.put("wal_buffers", "64MB");
        COMMON_SETTINGS.put("checkpoint_completion_target", "0.9");
        COMMON_SETTINGS.put("track_io_timing", "on");
        COMMON_SETTINGS.put("log_min_messages", "warning");
        COMMON_SETTINGS.put("log_checkpoints", "on");

        LOAD_SETTINGS.putAll(COMMON_SETTINGS);
        LOAD_SETTINGS.put("autovacuum", "off");
        LOAD_SETTINGS.put("maintenance_work_mem", "1GB");
        LOAD_SETTINGS.put("max_wal_size", "8GB");
        LOAD_SETTINGS.put("checkpoint_timeout", "30min");

        RUN_SETTINGS.putAll(COMMON_SETTINGS);
        RUN_SETTINGS.put("autovacuum", "on");
        RUN_SETTINGS.put("maintenance_work_mem", "512MB");
        RUN_SETTINGS.put("max_wal_size", "2GB");
        RUN_SETTINGS.put("checkpoint_timeout", "5min");
    }

    private LedgerScaleBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        BenchLogging.infoAndAbove();
        if (args.length < 3 || (args.length > 3 && !"sql".equals(args[0]))) {
            System.err.println("usage: LedgerScaleBenchmark load|queries|retention|sizes DATA_DIR RESULTS_DIR");
            System.err.println("       LedgerScaleBenchmark sql DATA_DIR RESULTS_DIR STATEMENT...   (prints the results: a psql stand-in)");
            System.exit(2);
        }
        String phase = args[0];
        Path dataDir = Path.of(args[1]).toAbsolutePath();
        Path results = Path.of(args[2]).toAbsolutePath();
        Files.createDirectories(results);
        Bench bench = new Bench(dataDir, results);
        LoadSampler sampler = new LoadSampler(results.resolve("loadavg.tsv"), phase);
        sampler.start();
        try {
            switch (phase) {
                case "load" -> {
                    try (Server server = Server.start(dataDir.resolve("pg"), LOAD_SETTINGS, true)) {
                        new LedgerScaleData(bench, server).run();
                        sizes(bench, server, "after-load");
                    }
                }
                case "queries" -> {
                    try (Server server = Server.start(dataDir.resolve("pg"), RUN_SETTINGS, false)) {
                        new LedgerScaleQueries(bench, server).run();
                    }
                }
                case "retention" -> {
                    try (Server server = Server.start(dataDir.resolve("pg"), RUN_SETTINGS, false)) {
                        new LedgerScaleRetention(bench, server).run();
                        sizes(bench, server, "after-retention");
                    }
                }
                case "sql" -> {
                    try (Server server = Server.start(dataDir.resolve("pg"), RUN_SETTINGS, false);
                         Connection c = server.connect(); Statement s = c.createStatement()) {
                        for (int i = 3; i < args.length; i++) {
                            System.out.println("=> " + args[i]);
                            if (s.execute(args[i])) {
                                try (ResultSet rs = s.getResultSet()) {
                                    int columns = rs.getMetaData().getColumnCount();
                                    while (rs.next()) {
                                        StringBuilder line = new StringBuilder();
                                        for (int k = 1; k <= columns; k++) {
                                            line.append(k == 1 ? "" : " | ").append(rs.getString(k));
                                        }
                                        System.out.println(line);
                                    }
                                }
                            } else {
                                System.out.println("(" + s.getUpdateCount() + " rows)");
                            }
                        }
                    }
                }
                case "sizes" -> {
                    try (Server server = Server.start(dataDir.resolve("pg"), RUN_SETTINGS, false)) {
                        sizes(bench, server, "now");
                    }
                }
                default -> throw new IllegalArgumentException("unknown phase " + phase);
            }
        } finally {
            sampler.stop();
        }
    }

    /** Table and index sizes (bytes and MiB), per table and per index. */
    static void sizes(Bench bench, Server server, String label) throws SQLException, IOException {
        try (Connection c = server.connect(); Statement s = c.createStatement()) {
            List<String> lines = new ArrayList<>();
            lines.add("kind\tname\ttable\trows_estimate\ttotal_bytes\trelation_bytes\tindexes_bytes\ttotal_mib\trelation_mib\tindexes_mib");
            try (ResultSet rs = s.executeQuery("""
                    select c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid), pg_relation_size(c.oid), pg_indexes_size(c.oid)
                    from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    where n.nspname = 'public' and c.relkind = 'r' order by pg_total_relation_size(c.oid) desc""")) {
                while (rs.next()) {
                    lines.add(String.join("\t", "table", rs.getString(1), rs.getString(1), rs.getString(2), rs.getString(3),
                            rs.getString(4), rs.getString(5), mib(rs.getLong(3)), mib(rs.getLong(4)), mib(rs.getLong(5))));
                }
            }
            try (ResultSet rs = s.executeQuery("""
                    select i.relname, t.relname, i.reltuples::bigint, pg_relation_size(i.oid)
                    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
                    join pg_namespace n on n.oid = t.relnamespace
                    where n.nspname = 'public' order by t.relname, pg_relation_size(i.oid) desc""")) {
                while (rs.next()) {
                    lines.add(String.join("\t", "index", rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getString(4), "", mib(rs.getLong(4)), mib(rs.getLong(4)), ""));
                }
            }
            try (ResultSet rs = s.executeQuery("select pg_database_size(current_database())")) {
                rs.next();
                lines.add(String.join("\t", "database", "postgres", "", "", rs.getString(1), "", "", mib(rs.getLong(1)), "", ""));
            }
            bench.write("sizes-" + label + ".tsv", lines);
            bench.log("sizes (" + label + "): " + lines.size() + " rows written");
        }
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / 1048576.0);
    }

    /** Where results go, and the run's knobs (environment variables of bench/ledger-scale.sh). */
    static final class Bench {
        final Path dataDir;
        final Path results;
        final double scale;

        Bench(Path dataDir, Path results) {
            this.dataDir = dataDir;
            this.results = results;
            this.scale = Double.parseDouble(env("SCALE", "1"));
        }

        static String env(String name, String fallback) {
            String value = System.getenv(name);
            return value == null || value.isBlank() ? fallback : value;
        }

        static int envInt(String name, int fallback) {
            return Integer.parseInt(env(name, Integer.toString(fallback)));
        }

        void log(String message) {
            String line = "[" + Instant.now().toString().substring(11, 19) + "] " + message;
            System.out.println(line);
            System.out.flush();
            try {
                Files.writeString(results.resolve("log.txt"), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        void write(String file, List<String> lines) throws IOException {
            Files.write(results.resolve(file), lines);
        }

        void append(String file, String line) throws IOException {
            Files.writeString(results.resolve(file), line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }

        /** The dataset's facts written by the load (scale, T, counts), read by the later phases. */
        Properties dataset() throws IOException {
            Properties properties = new Properties();
            Path file = dataDir.resolve("dataset.properties");
            if (!Files.exists(file)) {
                throw new IllegalStateException("no dataset in " + dataDir + ": run the load phase first");
            }
            try (var reader = Files.newBufferedReader(file)) {
                properties.load(reader);
            }
            return properties;
        }

        void saveDataset(Properties properties) throws IOException {
            try (var writer = Files.newBufferedWriter(dataDir.resolve("dataset.properties"))) {
                properties.store(writer, "ledger-scale dataset");
            }
        }
    }

    /** One embedded PostgreSQL on a data directory kept across phases (initdb only the first time). */
    static final class Server implements AutoCloseable {
        final EmbeddedPostgres postgres;
        final Map<String, String> settings;

        private Server(EmbeddedPostgres postgres, Map<String, String> settings) {
            this.postgres = postgres;
            this.settings = settings;
        }

        static Server start(Path pgData, Map<String, String> settings, boolean mayCreate) throws IOException {
            boolean exists = Files.exists(pgData.resolve("postgresql.conf"));
            if (!exists && !mayCreate) {
                throw new IllegalStateException("no PostgreSQL data in " + pgData + ": run the load phase first");
            }
            Files.createDirectories(pgData);
            Files.deleteIfExists(pgData.resolve("postmaster.pid"));
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setPGStartupWait(Duration.ofMinutes(10)) // crash recovery after a killed load can take a while
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(true);
            settings.forEach(builder::setServerConfig);
            return new Server(builder.start(), settings);
        }

        Connection connect() throws SQLException {
            Properties properties = new Properties();
            properties.setProperty("user", "postgres");
            properties.setProperty("password", "postgres");
            // Like the reactive pg client: every statement is a named server-side prepared statement from
            // its first execution, so PostgreSQL's plan cache (custom plans, then maybe a generic plan
            // after five executions) decides the plan exactly as it does for the gateway.
            properties.setProperty("prepareThreshold", "1");
            properties.setProperty("ApplicationName", "ledger-scale");
            return DriverManager.getConnection("jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres", properties);
        }

        int port() {
            return postgres.getPort();
        }

        /** SHOW of every setting this run depends on, as name=value lines. */
        List<String> shownSettings() throws SQLException {
            List<String> lines = new ArrayList<>();
            try (Connection c = connect(); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("select version()")) {
                    rs.next();
                    lines.add("version\t" + rs.getString(1));
                }
                try (ResultSet rs = s.executeQuery("select name, current_setting(name), '' from pg_settings where name in ("
                        + "'shared_buffers','effective_cache_size','work_mem','maintenance_work_mem','random_page_cost',"
                        + "'effective_io_concurrency','max_parallel_workers_per_gather','max_parallel_workers','max_parallel_maintenance_workers',"
                        + "'fsync','synchronous_commit','full_page_writes','wal_level','wal_buffers','max_wal_size','checkpoint_timeout',"
                        + "'autovacuum','jit','lc_collate','lc_ctype','server_encoding','plan_cache_mode','data_checksums',"
                        + "'wal_compression','default_statistics_target') order by name")) {
                    while (rs.next()) {
                        lines.add(rs.getString(1) + "\t" + rs.getString(2) + rs.getString(3));
                    }
                }
            }
            return lines;
        }

        @Override
        public void close() throws IOException {
            postgres.close();
        }
    }

    /** /proc/loadavg every 15 s while a phase runs, into loadavg.tsv. */
    static final class LoadSampler {
        private final Path file;
        private final String phase;
        private final Thread thread;
        private volatile boolean running = true;

        LoadSampler(Path file, String phase) {
            this.file = file;
            this.phase = phase;
            this.thread = new Thread(this::loop, "loadavg-sampler");
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.interrupt();
            thread.join(2000);
            sample();
        }

        private void loop() {
            while (running) {
                sample();
                try {
                    Thread.sleep(15_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void sample() {
            try {
                String load = Files.readString(Path.of("/proc/loadavg")).trim();
                if (!Files.exists(file)) {
                    Files.writeString(file, "time\tphase\tload1\tload5\tload15\trunnable/total\n");
                }
                String[] parts = load.split(" ");
                Files.writeString(file, Instant.now() + "\t" + phase + "\t" + parts[0] + "\t" + parts[1] + "\t" + parts[2] + "\t" + parts[3] + "\n",
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                // no /proc: nothing sampled
            }
        }
    }

    static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
