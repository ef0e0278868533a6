package io.uploadgateway.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.CrossOriginResourceSharing;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A local stack for dev mode and tests only: a real PostgreSQL (zonky embedded binaries) and a
 * real S3 endpoint (S3Proxy, checking SigV4 signatures) on loopback. Never part of the
 * packaged application: its libraries are optional dependencies, filtered out of the build.
 */
public final class EmbeddedStack implements AutoCloseable {

    public static final String ACCESS_KEY = "local-access-key";
    public static final String SECRET_KEY = "local-secret-key-for-dev-and-tests";
    public static final String REGION = "us-east-1";

    private final BlobStoreContext blobStore;
    private final int s3Port;
    private final boolean exposeEtag;
    /** PostgreSQL's data directory: kept across {@link #restartPostgres()}. */
    private final Path pgData;
    private final int pgPort;
    /** The temporary directory this stack created for PostgreSQL and deletes on {@link #close()}; null for a given data dir. */
    private final Path ownedDir;
    /** For a stack that owns its directory: stops PostgreSQL and deletes the directory if the JVM exits before {@link #close()}. */
    private final Thread cleanupAtExit;
    private volatile EmbeddedPostgres postgres;
    private volatile S3Proxy s3;

    private EmbeddedStack(EmbeddedPostgres postgres, Path pgData, Path ownedDir, S3Proxy s3, BlobStoreContext blobStore,
                          boolean exposeEtag) {
        this.exposeEtag = exposeEtag;
        this.postgres = postgres;
        this.pgData = pgData;
        this.pgPort = postgres.getPort();
        this.ownedDir = ownedDir;
        this.s3 = s3;
        this.blobStore = blobStore;
        this.s3Port = s3.getPort();
        // A stack shared for a whole test JVM is never closed: without this its data would stay behind.
        this.cleanupAtExit = ownedDir == null ? null : new Thread(this::releaseOwned, "embedded-stack-cleanup");
        if (cleanupAtExit != null) {
            Runtime.getRuntime().addShutdownHook(cleanupAtExit);
        }
    }

    /**
     * Starts both servers. With a {@code dataDir}, PostgreSQL data and S3 objects live there and
     * survive restarts; without one, both are thrown away when the stack closes.
     */
    public static EmbeddedStack start(Path dataDir) throws Exception {
        return start(dataDir, true);
    }

    /**
     * As {@link #start(Path)}; with {@code exposeEtag} false the S3 endpoint's CORS rule hides
     * the ETag header from browsers, the most common misconfiguration of real buckets.
     */
    public static EmbeddedStack start(Path dataDir, boolean exposeEtag) throws Exception {
        // Without a data dir, PostgreSQL still gets a directory of the stack's own (not one zonky
        // deletes when the server stops), so the server can be restarted on the same data.
        Path ownedDir = dataDir == null ? Files.createTempDirectory("embedded-stack-") : null;
        Path pgData = (dataDir == null ? ownedDir : dataDir).resolve("postgres");
        Files.createDirectories(pgData);
        if (dataDir != null) {
            releaseDataDirectory(pgData);
        }
        EmbeddedPostgres postgres;
        try {
            postgres = startPostgres(pgData, 0, ownedDir == null);
        } catch (Exception e) {
            deleteTree(ownedDir);
            throw e;
        }
        try {
            BlobStoreContext blobStore = blobStore(dataDir);
            S3Proxy s3 = startS3(blobStore, 0, exposeEtag);
            return new EmbeddedStack(postgres, pgData, ownedDir, s3, blobStore, exposeEtag);
        } catch (Exception e) {
            postgres.close();
            deleteTree(ownedDir);
            throw e;
        }
    }

    /** {@code zonkyShutdownHook}: let zonky stop the server at JVM exit (a stack owning its directory does that itself). */
    private static EmbeddedPostgres startPostgres(Path pgData, int port, boolean zonkyShutdownHook) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setServerConfig("max_connections", "100")
                .setPGStartupWait(java.time.Duration.ofSeconds(30))
                .setDataDirectory(pgData)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(zonkyShutdownHook);
        if (port > 0) {
            builder.setPort(port);
        }
        return builder.start();
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /**
     * A dev run killed with SIGKILL leaves its PostgreSQL running on the data directory (or at
     * least its pid file behind). Stop that server, then remove the pid file, so the next start
     * neither fails nor runs two servers on one directory.
     */
    private static void releaseDataDirectory(Path pgData) throws IOException {
        Path pidFile = pgData.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        try {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).strip());
            ProcessHandle.of(pid)
                    .filter(process -> process.info().command().map(c -> c.contains("postgres")).orElse(false))
                    .ifPresent(stale -> {
                        stale.destroy();
                        try {
                            stale.onExit().get(15, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (Exception e) {
                            stale.destroyForcibly();
                        }
                    });
        } catch (RuntimeException e) {
            // unreadable pid file: nothing to stop
        }
        Files.deleteIfExists(pidFile);
    }

    private static BlobStoreContext blobStore(Path dataDir) throws IOException {
        Properties properties = new Properties();
        String provider = "transient";
        if (dataDir != null) {
            Path objects = dataDir.resolve("s3");
            Files.createDirectories(objects);
            provider = "filesystem";
            properties.setProperty("jclouds.filesystem.basedir", objects.toAbsolutePath().toString());
        }
        return ContextBuilder.newBuilder(provider).overrides(properties).build(BlobStoreContext.class);
    }

    private static S3Proxy startS3(BlobStoreContext blobStore, int port, boolean exposeEtag) throws Exception {
        // Browsers PUT parts straight to S3 and must read the ETag header: the rule every bucket needs.
        CrossOriginResourceSharing cors = new CrossOriginResourceSharing(List.of("*"),
                List.of("GET", "PUT", "POST", "HEAD"), List.of("*"), exposeEtag ? List.of("ETag") : List.of(), "false");
        S3Proxy s3 = S3Proxy.builder()
                .blobStore(blobStore.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .corsRules(cors)
                .build();
        s3.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(s3.getState())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("S3Proxy did not start: " + s3.getState());
            }
            Thread.sleep(20);
        }
        return s3;
    }

    public String s3Endpoint() {
        return "http://127.0.0.1:" + s3Port;
    }

    public int postgresPort() {
        return pgPort;
    }

    /** The Quarkus configuration that points the gateway at this stack. */
    public Map<String, String> config() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("quarkus.datasource.reactive.url", "postgresql://localhost:" + postgres.getPort() + "/postgres");
        config.put("quarkus.datasource.jdbc.url", postgres.getJdbcUrl("postgres", "postgres"));
        config.put("quarkus.datasource.username", "postgres");
        config.put("quarkus.datasource.password", "postgres");
        config.put("quarkus.s3.endpoint-override", s3Endpoint());
        config.put("quarkus.s3.path-style-access", "true");
        config.put("quarkus.s3.aws.region", REGION);
        config.put("quarkus.s3.aws.credentials.type", "static");
        config.put("quarkus.s3.aws.credentials.static-provider.access-key-id", ACCESS_KEY);
        config.put("quarkus.s3.aws.credentials.static-provider.secret-access-key", SECRET_KEY);
        return config;
    }

    /** Stops S3 only (to test outages); {@link #close()} is still required. */
    public synchronized void stopS3() throws Exception {
        s3.stop();
    }

    /** Brings S3 back after {@link #stopS3()}: same port, same objects, same credentials. */
    public synchronized void restartS3() throws Exception {
        if ("STARTED".equals(s3.getState())) {
            return;
        }
        s3 = startS3(blobStore, s3Port, exposeEtag);
    }

    /** Stops PostgreSQL only (to test outages); {@link #close()} is still required. */
    public synchronized void stopPostgres() throws IOException {
        postgres.close();
    }

    /**
     * Brings PostgreSQL back after {@link #stopPostgres()} (or restarts it): same port, same data
     * directory, so every committed row is still there.
     */
    public synchronized void restartPostgres() throws IOException {
        postgres.close(); // a no-op when already stopped
        postgres = startPostgres(pgData, pgPort, ownedDir == null);
    }

    @Override
    public void close() throws Exception {
        if (cleanupAtExit != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(cleanupAtExit);
            } catch (IllegalStateException exiting) {
                // the JVM is already shutting down: the hook does the same
            }
        }
        try {
            s3.stop();
        } finally {
            try {
                blobStore.close();
                postgres.close();
            } finally {
                deleteTree(ownedDir);
            }
        }
    }

    private synchronized void releaseOwned() {
        try {
            postgres.close();
        } catch (Exception ignored) {
            // already stopped
        }
        try {
            deleteTree(ownedDir);
        } catch (IOException ignored) {
            // best effort at exit
        }
    }
}
