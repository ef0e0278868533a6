package io.uploadgateway.bench;

import io.uploadgateway.embedded.EmbeddedStack;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A create taken apart (docs/benchmarks.md, "Where a create waits"): each piece of the gateway's
 * create alone, closed loop at a given concurrency against the bench stack's PostgreSQL and
 * S3Proxy, with the clients the gateway uses (the Vert.x PostgreSQL pool, the SDK's async S3
 * client on CRT):
 * <ol>
 *   <li>{@code s3}: CreateMultipartUpload, the SDK's defaults;</li>
 *   <li>{@code s3-bounded}: the same with the gateway's bounds ({@code gateway.storage.*} defaults:
 *       call and attempt timeouts, connect and acquisition timeouts, the throughput health check);</li>
 *   <li>{@code read}: the pre-quota read (the owner's override, by primary key);</li>
 *   <li>{@code txn}: the ledger transaction (BEGIN, insert the upload, insert its event, COMMIT);</li>
 *   <li>{@code txn-async-commit}: the same with {@code synchronous_commit = off} — not a setting
 *       the gateway uses, it shows what the WAL flush of each commit costs on this disk;</li>
 *   <li>{@code one-statement}: the two inserts as one statement (a data-modifying CTE).</li>
 * </ol>
 * Each piece prints one line: piece, connections, calls/s, p50 and p99 in ms. Run by
 * {@code bench/http.sh} (the {@code breakdown} cells) on its stack; by hand:
 * {@code CreateBreakdown <pg port> <s3 endpoint> <bucket> <connections> <seconds>}.
 */
public final class CreateBreakdown {

    private static final String INSERT_UPLOAD = """
            insert into uploads (id, owner, kind, state, object_key, s3_upload_id, filename, content_type, size, part_size,
                                 part_count, metadata, created_at, updated_at, last_activity_at, expires_at)
            values ($1, $2, 'PLANNED', 'UPLOADING', $3, $4, 'bench.bin', 'application/octet-stream', 104857600, 16777216,
                    7, '{}'::jsonb, $5, $5, $5, $5)""";
    private static final String INSERT_EVENT = """
            insert into events (id, subject, type, payload, occurred_at, status, pending_since)
            values ($1, $2, 'upload.created', cast($3 as json), $4, 'skipped', $4)""";
    private static final String PAYLOAD = "{\"type\":\"upload.created\",\"data\":{\"filename\":\"bench.bin\"}}";

    private CreateBreakdown() {
    }

    public static void main(String[] args) throws Exception {
        BenchLogging.infoAndAbove();
        int pgPort = Integer.parseInt(args[0]);
        String s3Endpoint = args[1];
        String bucket = args[2];
        int connections = Integer.parseInt(args[3]);
        long seconds = Long.parseLong(args[4]);
        Vertx vertx = Vertx.vertx();
        Pool pool = PgBuilder.pool()
                .with(new PoolOptions().setMaxSize(20))
                .connectingTo(new PgConnectOptions().setPort(pgPort).setHost("localhost").setDatabase("postgres")
                        .setUser("postgres").setPassword("postgres").setCachePreparedStatements(true))
                .using(vertx).build();
        S3AsyncClient s3 = S3AsyncClient.builder()
                .httpClientBuilder(AwsCrtAsyncHttpClient.builder().maxConcurrency(64))
                .endpointOverride(URI.create(s3Endpoint)).forcePathStyle(true).region(Region.of(EmbeddedStack.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        S3AsyncClient bounded = S3AsyncClient.builder()
                .httpClientBuilder(AwsCrtAsyncHttpClient.builder().maxConcurrency(64)
                        .connectionTimeout(Duration.ofSeconds(5))
                        .connectionAcquisitionTimeout(Duration.ofSeconds(10))
                        .connectionHealthConfiguration(health -> health.minimumThroughputInBps(1024L)
                                .minimumThroughputTimeout(Duration.ofSeconds(10))))
                .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofSeconds(30)).apiCallAttemptTimeout(Duration.ofSeconds(10)))
                .endpointOverride(URI.create(s3Endpoint)).forcePathStyle(true).region(Region.of(EmbeddedStack.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(EmbeddedStack.ACCESS_KEY, EmbeddedStack.SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        String owner = "breakdown-" + UUID.randomUUID();

        System.out.println("piece\tconnections\trps\tp50_ms\tp99_ms");
        run("s3", connections, seconds, () -> s3.createMultipartUpload(r -> r.bucket(bucket)
                .key("breakdown/" + UUID.randomUUID() + "/bench.bin").contentType("application/octet-stream")));
        run("s3-bounded", connections, seconds, () -> bounded.createMultipartUpload(r -> r.bucket(bucket)
                .key("breakdown/" + UUID.randomUUID() + "/bench.bin").contentType("application/octet-stream")));
        run("read", connections, seconds, () -> stage(pool.preparedQuery(
                "select max_active_uploads, max_bytes_in_flight, updated_at from owner_quotas where owner = $1")
                .execute(Tuple.of(owner))));
        run("txn", connections, seconds, () -> stage(pool.withTransaction(conn -> inserts(conn, owner, false))));
        run("txn-async-commit", connections, seconds, () -> stage(pool.withTransaction(conn -> inserts(conn, owner, true))));
        run("one-statement", connections, seconds, () -> {
            UUID id = UUID.randomUUID();
            OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
            return stage(pool.preparedQuery("with u as (" + INSERT_UPLOAD + " returning id) "
                            + "insert into events (id, subject, type, payload, occurred_at, status, pending_since) "
                            + "select $6, u.id, 'upload.created', cast($7 as json), $5, 'skipped', $5 from u")
                    .execute(Tuple.of(id, owner, "breakdown/" + id + "/bench.bin", "mpu-" + id, now, UUID.randomUUID(), PAYLOAD)));
        });
        s3.close();
        bounded.close();
        pool.close();
        vertx.close();
    }

    private static Future<?> inserts(SqlClient conn, String owner, boolean asyncCommit) {
        UUID id = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        Future<?> start = asyncCommit ? conn.query("set local synchronous_commit = off").execute() : Future.succeededFuture();
        return start
                .compose(ignored -> conn.preparedQuery(INSERT_UPLOAD).execute(Tuple.of(id, owner, "breakdown/" + id + "/bench.bin", "mpu-" + id, now)))
                .compose(ignored -> conn.preparedQuery(INSERT_EVENT).execute(Tuple.of(UUID.randomUUID(), id, PAYLOAD, now)));
    }

    private static CompletionStage<?> stage(Future<?> future) {
        return future.toCompletionStage();
    }

    /** A warm-up of a third of {@code seconds}, then {@code seconds} measured, {@code connections} calls in flight. */
    private static void run(String piece, int connections, long seconds, Supplier<CompletionStage<?>> call) throws Exception {
        loop(connections, Math.max(2, seconds / 3) * 1_000_000_000L, call, new ArrayList<>());
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        long took = loop(connections, seconds * 1_000_000_000L, call, latencies);
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        System.out.printf("%s\t%d\t%.0f\t%.2f\t%.2f%n", piece, connections, sorted.size() / (took / 1e9),
                sorted.get(sorted.size() / 2) / 1e6, sorted.get((int) (sorted.size() * 0.99)) / 1e6);
    }

    private static long loop(int connections, long nanos, Supplier<CompletionStage<?>> call, List<Long> latencies) throws Exception {
        long start = System.nanoTime();
        long end = start + nanos;
        AtomicLong failures = new AtomicLong();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            next(call, end, latencies, failures, done);
            workers.add(done);
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get();
        if (failures.get() > 0) {
            System.err.println(failures.get() + " call(s) failed");
        }
        return System.nanoTime() - start;
    }

    private static void next(Supplier<CompletionStage<?>> call, long end, List<Long> latencies, AtomicLong failures,
                             CompletableFuture<Void> done) {
        if (System.nanoTime() >= end) {
            done.complete(null);
            return;
        }
        long sent = System.nanoTime();
        call.get().whenComplete((ignored, failure) -> {
            if (failure != null) {
                failures.incrementAndGet();
            } else {
                latencies.add(System.nanoTime() - sent);
            }
            next(call, end, latencies, failures, done);
        });
    }
}
