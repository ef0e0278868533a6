package io.uploadgateway.bench;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.embedded.DevKeys;
import io.uploadgateway.embedded.EmbeddedClamd;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.outbound.Clamd;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.PackagedGateway;
import io.vertx.core.Vertx;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scan step's throughput and memory, run by {@code bench/scan.sh} (never by CI): the packaged
 * gateway (its own JVM, heap bounded by {@code SCAN_XMX}) scans uploads with a real clamd, the
 * bytes read from S3Proxy in chunks of {@code SCAN_CHUNK} and streamed to clamd through its worker.
 * Beside it, the same bytes streamed to clamd straight from memory: clamd's own speed, the
 * ceiling. Per object: seconds from the complete call's answer to COMPLETED (polled every 20 ms),
 * MiB/s; for the gateway the most heap it used while scanning (sampled every 50 ms from its
 * metrics) and the bytes it allocated per MiB scanned.
 */
public final class ScanBenchmark {

    private static final int MIB = 1024 * 1024;
    private static final Pattern HEAP = Pattern.compile("(?m)^jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\",?} (\\S+)$");
    private static final Pattern ALLOCATED = Pattern.compile("(?m)^jvm_gc_memory_allocated_bytes_total(?:\\{[^}]*})? (\\S+)$");

    private ScanBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        BenchLogging.infoAndAbove();
        Path out = Path.of(args.length > 0 ? args[0] : "target/scan-bench");
        Files.createDirectories(out);
        String xmx = System.getenv().getOrDefault("SCAN_XMX", "96m");
        String chunk = System.getenv().getOrDefault("SCAN_CHUNK", "1M");
        int concurrency = Integer.parseInt(System.getenv().getOrDefault("SCAN_CONCURRENCY", "2"));
        List<Integer> sizesMib = Arrays.stream(System.getenv().getOrDefault("SCAN_SIZES_MIB", "16,64,256").split(","))
                .map(String::strip).map(Integer::parseInt).toList();
        int parallelFiles = Integer.parseInt(System.getenv().getOrDefault("SCAN_PARALLEL_FILES", "4"));
        int parallelMib = Integer.parseInt(System.getenv().getOrDefault("SCAN_PARALLEL_MIB", "64"));

        EmbeddedStack stack = EmbeddedStack.start(null);
        EmbeddedClamd clamd = EmbeddedClamd.start(Files.createTempDirectory("scan-bench-clamd"), 1024L * MIB);
        DevKeys keys = DevKeys.in(out.resolve("jwt"));
        Map<String, String> config = new LinkedHashMap<>(stack.config());
        config.put("gateway.bucket", "scan-bench");
        config.put("gateway.create-bucket", "true");
        config.put("mp.jwt.verify.issuer", "scan-bench");
        config.put("mp.jwt.verify.publickey.location", keys.publicKey().toUri().toString());
        config.put("quarkus.http.port", String.valueOf(PackagedGateway.freePort()));
        config.put("gateway.scan.clamd", clamd.address());
        config.put("gateway.scan.max-size", "1G");
        config.put("gateway.scan.chunk-size", chunk);
        config.put("gateway.processing.poll", "PT0.05S");
        config.put("gateway.processing.concurrency", String.valueOf(concurrency));
        PackagedGateway gateway = PackagedGateway.start("scan", config, out,
                List.of("-Xmx" + xmx, "-XX:+UseSerialGC"));
        Vertx vertx = Vertx.vertx();
        Clamd direct = new Clamd(vertx, clamd.address(), Duration.ofSeconds(60));
        StringBuilder report = new StringBuilder("cell\tobjects\tMiB each\tseconds\tMiB/s\tmax heap MiB\tallocated MiB per MiB\n");
        try {
            gateway.awaitReady(Duration.ofSeconds(90));
            PrivateKey key = KeyUtils.decodePrivateKey(Files.readString(keys.privateKey()));
            String token = Jwt.issuer("scan-bench").audience("upload-gateway").subject("bench").groups(Set.of("user"))
                    .expiresAt(Instant.now().plusSeconds(7200)).sign(key);
            Gateway client = Gateway.on(gateway.url(), token);
            System.out.printf("machine load: %s; gateway -Xmx%s, chunk %s, concurrency %d%n",
                    Files.readString(Path.of("/proc/loadavg")).strip(), xmx, chunk, concurrency);

            for (int mib : sizesMib) {
                byte[] bytes = random(mib * MIB);
                report.append(row("clamd alone (from memory)", 1, mib, timeDirect(direct, bytes), -1, -1));
                String id = upload(client, "one-" + mib + ".bin", bytes);
                report.append(timeGateway(gateway, client, List.of(id), mib, "gateway: S3 → worker → clamd"));
            }
            List<String> ids = new ArrayList<>();
            byte[] bytes = random(parallelMib * MIB);
            for (int i = 0; i < parallelFiles; i++) {
                ids.add(upload(client, "many-" + i + ".bin", bytes));
            }
            report.append(timeGateway(gateway, client, ids, parallelMib, "gateway: " + parallelFiles + " at once"));
        } finally {
            System.out.println(report);
            Files.writeString(out.resolve("scan.tsv"), report.toString());
            direct.close();
            vertx.close();
            gateway.stop();
            clamd.close();
            stack.close();
        }
    }

    private static double timeDirect(Clamd clamd, byte[] bytes) {
        long start = System.nanoTime();
        Clamd.Verdict verdict = clamd.scan(bytes.length, Duration.ofMinutes(10), offset -> Uni.createFrom().item(
                Arrays.copyOfRange(bytes, offset.intValue(), (int) Math.min(bytes.length, offset + MIB)))).await().indefinitely();
        if (verdict.finding() != Clamd.Finding.CLEAN) {
            throw new IllegalStateException("clamd said " + verdict);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * Completes the uploads at once, then waits until all are COMPLETED, sampling the gateway's heap
     * meanwhile. What the polling itself allocates in the gateway (state reads, metric scrapes) is
     * measured first over an idle second and taken off.
     */
    private static String timeGateway(PackagedGateway gateway, Gateway client, List<String> ids, int mib, String cell) throws Exception {
        double idleStart = metric(gateway, ALLOCATED);
        long idleFrom = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            poll(gateway, client, ids);
        }
        double pollingPerSecond = (metric(gateway, ALLOCATED) - idleStart) / ((System.nanoTime() - idleFrom) / 1e9);
        double allocatedBefore = metric(gateway, ALLOCATED);
        AtomicLong maxHeap = new AtomicLong();
        long start = System.nanoTime();
        for (String id : ids) {
            String state = client.complete(id).then().statusCode(200).extract().path("state");
            if (!state.equals("PROCESSING")) {
                throw new IllegalStateException("expected PROCESSING, got " + state);
            }
        }
        while (true) {
            long[] done = poll(gateway, client, ids);
            maxHeap.accumulateAndGet(done[1], Math::max);
            if (done[0] == ids.size()) {
                break;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double allocated = metric(gateway, ALLOCATED) - allocatedBefore - pollingPerSecond * seconds;
        return row(cell, ids.size(), mib, seconds, maxHeap.get() / (double) MIB, allocated / MIB / ((double) mib * ids.size()));
    }

    /** One look, as the scan loop makes it: the uploads' states, the heap (scraped), 50 ms. Answers {completed, heap}. */
    private static long[] poll(PackagedGateway gateway, Gateway client, List<String> ids) throws InterruptedException {
        long heap = (long) heap(gateway);
        long done = 0;
        for (String id : ids) {
            String state = client.get(id).path("state");
            if ("QUARANTINED".equals(state)) {
                throw new IllegalStateException("upload " + id + " was quarantined: " + client.get(id).path("quarantineReason"));
            }
            done += "COMPLETED".equals(state) ? 1 : 0;
        }
        Thread.sleep(50); // polling uploads being scanned in another process
        return new long[]{done, heap};
    }

    private static String row(String cell, int objects, int mib, double seconds, double maxHeapMib, double allocatedPerMib) {
        return String.format("%s\t%d\t%d\t%.2f\t%.0f\t%s\t%s%n", cell, objects, mib, seconds, objects * mib / seconds,
                maxHeapMib < 0 ? "–" : String.format("%.0f", maxHeapMib),
                allocatedPerMib < 0 ? "–" : String.format("%.2f", allocatedPerMib));
    }

    private static String upload(Gateway client, String filename, byte[] bytes) {
        int partSize = 16 * MIB;
        int parts = Math.max(1, (bytes.length + partSize - 1) / partSize);
        String id = client.start(filename, bytes.length, (long) partSize).getString("id");
        for (int n = 1; n <= parts; n++) {
            client.uploadPart(id, n, Arrays.copyOfRange(bytes, (n - 1) * partSize, Math.min(bytes.length, n * partSize)));
        }
        return id;
    }

    private static double heap(PackagedGateway gateway) {
        Matcher m = HEAP.matcher(metrics(gateway));
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static double metric(PackagedGateway gateway, Pattern pattern) {
        Matcher m = pattern.matcher(metrics(gateway));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static String metrics(PackagedGateway gateway) {
        return gateway.management().accept("text/plain").get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }
}
