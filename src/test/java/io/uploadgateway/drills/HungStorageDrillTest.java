package io.uploadgateway.drills;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.FaultyS3;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

/**
 * Drill: S3 hangs — it accepts connections and reads requests but never answers (the proxy in
 * HANG mode). 50 S3-bound calls at once (completes of 10 fully uploaded uploads, four per upload,
 * and 10 creates) must each end in a problem within the configured bounds: {@code 503
 * storage_unavailable}, or {@code 409 upload_busy} for a duplicate that waited
 * {@code gateway.claims.wait-for} for the completion in flight, both with {@code Retry-After}.
 * Meanwhile the DB-only routes (GET an upload, the listing) keep answering (p50/p99 measured),
 * and readiness turns 503 with the bucket DOWN and the ledger UP. Once S3 answers again every
 * upload completes exactly once: the completed counter rises by exactly 10,
 * CompleteMultipartUpload reaches S3 once per upload, repeats answer the same ETag, and every
 * object's SHA-256 is the uploaded bytes'.
 * <p>
 * Before b706668 this drill fails: complete held the upload's row lock and a pooled connection
 * while S3 answered, and S3 calls had no timeouts, so with S3 hung the completes never answer
 * (the test's 60 s client timeout fires instead of a 503), the 20 pooled connections stay held
 * (duplicates waiting on the row lock hold theirs too), and the DB-only routes queue behind them
 * for the pool's default 30 s acquisition timeout instead of answering fast.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.S3, value = "faulty"),
        @ResourceArg(name = "gateway.storage.call-timeout", value = Drills.CALL_TIMEOUT),
        @ResourceArg(name = "gateway.storage.attempt-timeout", value = Drills.ATTEMPT_TIMEOUT),
        @ResourceArg(name = "gateway.claims.wait-for", value = Drills.CLAIMS_WAIT),
        @ResourceArg(name = "gateway.ledger.statement-timeout", value = Drills.STATEMENT_TIMEOUT),
        @ResourceArg(name = "gateway.claims.stale-after", value = Drills.STALE_AFTER)})
class HungStorageDrillTest {

    private static final int UPLOADS = 10;
    private static final int COMPLETES_PER_UPLOAD = 4;
    private static final int CREATES = 10;
    private static final HttpClient HTTP = Drills.HTTP;

    FaultyS3 s3;

    @TestHTTPResource("/")
    URI base;

    /** Health and metrics are on the management interface (quarkus.management.enabled). */
    @TestHTTPResource(value = "", management = true)
    URI management;

    @AfterEach
    void forwardAgain() {
        s3.reset();
    }

    @Test
    void hungStorageFailsEveryCallWithinItsBoundsKeepsTheLedgerFastAndRecoversExactlyOnce() throws Exception {
        String owner = "hung-" + UUID.randomUUID();
        Gateway client = Gateway.withToken(Tokens.forUser(owner));
        String token = Tokens.forUser(owner);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < UPLOADS; i++) {
            byte[] bytes = Bytes.random(64 * 1024 + 997 * i, 200 + i);
            String id = client.start("hung-" + i + ".bin", bytes.length, null).getString("id");
            client.uploadPart(id, 1, bytes);
            files.put(id, bytes);
        }
        // The proxy rewrites Connection: the SDK must not have signed it (else S3Proxy would have refused the calls above).
        List<FaultyS3.Seen> signed = s3.requests().stream().filter(r -> r.signedHeaders() != null).toList();
        assertFalse(signed.isEmpty(), "the gateway's S3 calls went through the proxy");
        assertTrue(signed.stream().noneMatch(r -> r.signedHeaders().contains("connection")), "no request signs Connection: " + signed);
        List<Double> baseline = new ArrayList<>();
        String anyId = files.keySet().iterator().next();
        for (int i = 0; i < 20; i++) {
            baseline.add(timed(() -> get(token, "/api/v1/uploads/" + anyId)));
        }
        double completedBefore = Drills.metric(management, "gateway_uploads_completed_total");

        // ---- S3 hangs
        s3.mode(FaultyS3.Action.HANG);
        long hangStart = System.nanoTime();
        List<CompletableFuture<Drills.Answer>> calls = new ArrayList<>();
        for (String id : files.keySet()) {
            for (int n = 0; n < COMPLETES_PER_UPLOAD; n++) {
                calls.add(Drills.send("complete", post(token, "/api/v1/uploads/" + id + "/complete", ""), hangStart));
            }
        }
        for (int i = 0; i < CREATES; i++) {
            calls.add(Drills.send("create", post(token, "/api/v1/uploads", "{\"filename\":\"during-" + i + ".bin\",\"size\":1000}"), hangStart));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new));

        // Meanwhile: the DB-only routes (one client, call after call), and readiness (another).
        List<double[]> dbRoutes = Collections.synchronizedList(new ArrayList<>()); // {started at, took} in ms
        AtomicReference<Double> readyDownAt = new AtomicReference<>();
        AtomicReference<String> lastReadiness = new AtomicReference<>("none");
        AtomicReference<Throwable> probeFailure = new AtomicReference<>();
        List<String> ids = List.copyOf(files.keySet());
        long giveUp = hangStart + Drills.WAIT.plus(Drills.HARD_BOUND).plus(Drills.SLACK).plusSeconds(15).toNanos();
        Thread dbProbe = new Thread(() -> {
            int round = 0;
            try {
                while (!all.isDone() && System.nanoTime() < giveUp) {
                    String id = ids.get(round++ % ids.size());
                    String path = round % 2 == 0 ? "/api/v1/uploads/" + id : "/api/v1/uploads?limit=20";
                    double at = Drills.millisSince(hangStart);
                    double took = timed(() -> expect(200, get(token, path)));
                    dbRoutes.add(new double[] {at, took});
                }
            } catch (Throwable e) {
                probeFailure.set(e);
            }
        }, "db-route-probe");
        Thread readinessProbe = new Thread(() -> {
            try {
                while (readyDownAt.get() == null && System.nanoTime() < giveUp) {
                    HttpResponse<String> ready = ready();
                    lastReadiness.set(ready.statusCode() + " " + ready.body());
                    if (ready.statusCode() == 503 && Drills.check(ready.body(), "bucket (S3)").equals("DOWN")
                            && Drills.check(ready.body(), "ledger (PostgreSQL)").equals("UP")) {
                        readyDownAt.set(Drills.millisSince(hangStart));
                    }
                    Thread.sleep(100);
                }
            } catch (Throwable e) {
                probeFailure.set(e);
            }
        }, "readiness-probe");
        dbProbe.start();
        readinessProbe.start();
        all.get(60, TimeUnit.SECONDS);
        dbProbe.join(60_000);
        readinessProbe.join(60_000);
        if (probeFailure.get() != null) {
            throw new AssertionError("a DB-only route or readiness failed during the hang", probeFailure.get());
        }
        assertNotNull(readyDownAt.get(), "readiness turned 503 with the bucket DOWN and the ledger UP: " + lastReadiness.get());
        List<Double> dbMillis = dbRoutes.stream().map(r -> r[1]).toList();
        String slowest = dbRoutes.stream().sorted((x, y) -> Double.compare(y[1], x[1])).limit(3)
                .map(r -> String.format("%.0f ms at +%.0f ms", r[1], r[0])).toList().toString();

        List<Drills.Answer> answers = calls.stream().map(CompletableFuture::join).toList();
        Duration bound = Drills.WAIT.plus(Drills.HARD_BOUND).plus(Drills.SLACK);
        for (Drills.Answer answer : answers) {
            boolean unavailable = answer.status() == 503 && "storage_unavailable".equals(answer.code());
            boolean busy = answer.call().equals("complete") && answer.status() == 409 && "upload_busy".equals(answer.code());
            assertTrue(unavailable || busy, "every S3-bound call ends in a problem: " + answer);
            assertNotNull(answer.retryAfter(), "with Retry-After: " + answer);
            assertTrue(answer.millis() < bound.toMillis(), "within claims.wait + the S3 call bound (+ slack): " + answer);
        }
        for (String id : ids) {
            assertEquals("UPLOADING", Drills.state(id), "a failed completion leaves the upload as it was");
        }
        double firstFailure = answers.stream().mapToDouble(Drills.Answer::millis).min().orElseThrow();
        double last503 = answers.stream().filter(a -> a.status() == 503).mapToDouble(Drills.Answer::millis).max().orElse(Double.NaN);
        double lastAnswer = answers.stream().mapToDouble(Drills.Answer::millis).max().orElseThrow();
        long busy = answers.stream().filter(a -> a.status() == 409).count();
        String numbers = String.format("hung S3 (call-timeout %s, attempt-timeout %s, claims.wait-for %s): %d calls -> %d x 503"
                        + " storage_unavailable, %d x 409 upload_busy; first problem after %.0f ms, last 503 after %.0f ms,"
                        + " last answer after %.0f ms; readiness 503 (bucket DOWN, ledger UP) after %.0f ms;"
                        + " DB-only routes during the hang: %d calls, p50 %.0f ms, p99 %.0f ms (before the hang: p50 %.0f ms, p99 %.0f ms); slowest %s",
                Drills.CALL_TIMEOUT, Drills.ATTEMPT_TIMEOUT, Drills.CLAIMS_WAIT, answers.size(), answers.size() - busy, busy,
                firstFailure, last503, lastAnswer, readyDownAt.get(), dbRoutes.size(),
                Drills.percentile(dbMillis, 0.5), Drills.percentile(dbMillis, 0.99),
                Drills.percentile(baseline, 0.5), Drills.percentile(baseline, 0.99), slowest);
        Drills.report("hung-s3", numbers);
        // The DB-only routes never waited on S3: typically answered in well under a second, and every
        // one of them faster than the hard bound of a single S3 call (a route queued behind the hung
        // completions, as before b706668, waits for the pool's 30 s default or forever).
        assertTrue(Drills.percentile(dbMillis, 0.5) < 1000, numbers);
        assertTrue(dbMillis.stream().allMatch(ms -> ms < Drills.HARD_BOUND.toMillis()), numbers);

        // ---- S3 answers again
        s3.mode(FaultyS3.Action.FORWARD);
        long recoveryStart = System.nanoTime();
        await("readiness UP again once S3 answers").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> ready().statusCode() == 200);
        double readyAgain = Drills.millisSince(recoveryStart);

        // Every upload completed by three concurrent calls, each retrying after Retry-After while
        // another call's completion is in flight (409 upload_busy), as a client does: one S3
        // completion each, one answer.
        long completeStart = System.nanoTime();
        Map<CompletableFuture<HttpResponse<String>>, String> bodies = new LinkedHashMap<>();
        AtomicInteger busyWhileRecovering = new AtomicInteger();
        for (String id : ids) {
            for (int n = 0; n < 3; n++) {
                bodies.put(completeUntilDone(post(token, "/api/v1/uploads/" + id + "/complete", ""),
                        System.nanoTime() + Duration.ofSeconds(60).toNanos(), busyWhileRecovering), id);
            }
        }
        Map<String, Set<String>> etags = new LinkedHashMap<>();
        for (var entry : bodies.entrySet()) {
            HttpResponse<String> response = entry.getKey().get(90, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode(), response.body());
            JsonNode upload = Drills.JSON.readTree(response.body());
            assertEquals("COMPLETED", upload.path("state").asText());
            etags.computeIfAbsent(entry.getValue(), k -> new HashSet<>()).add(upload.path("etag").asText());
        }
        double allCompleted = Drills.millisSince(completeStart);
        for (String id : ids) {
            assertEquals(1, etags.get(id).size(), "concurrent completes of " + id + " answer one ETag: " + etags.get(id));
            String again = client.complete(id).then().statusCode(200).extract().path("etag");
            assertEquals(etags.get(id).iterator().next(), again, "a repeat answers the same ETag");
            assertEquals(1, s3.forwarded("CompleteMultipartUpload", Drills.s3UploadId(id)),
                    "CompleteMultipartUpload reached S3 exactly once for " + id);
            String url = client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
            Gateway.Downloaded downloaded = Gateway.download(url);
            assertEquals(200, downloaded.status());
            assertEquals(Bytes.sha256(files.get(id)), Bytes.sha256(downloaded.body()), "the object is the uploaded bytes");
        }
        assertEquals(UPLOADS, Drills.metric(management, "gateway_uploads_completed_total") - completedBefore, 0.0001,
                "gateway_uploads_completed_total rose by exactly the number of uploads");
        Drills.report("hung-s3", String.format("recovery: readiness UP %.0f ms after S3 answered again; %d uploads completed"
                + " (3 concurrent completes each, %d x 409 upload_busy retried) in %.0f ms, each exactly once",
                readyAgain, UPLOADS, busyWhileRecovering.get(), allCompleted));
    }

    // ------------------------------------------------------------------ helpers

    private interface Call {
        void run() throws Exception;
    }

    private static double timed(Call call) throws Exception {
        long start = System.nanoTime();
        call.run();
        return Drills.millisSince(start);
    }

    private static void expect(int status, HttpResponse<String> response) {
        assertEquals(status, response.statusCode(), response.body());
    }

    private HttpResponse<String> ready() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(management.resolve("/q/health/ready")).timeout(Duration.ofSeconds(60)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String token, String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest post(String token, String path, String body) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** Sends the complete; on 409 upload_busy waits Retry-After and asks again, until another answer or the deadline. */
    private static CompletableFuture<HttpResponse<String>> completeUntilDone(HttpRequest request, long deadline, AtomicInteger busy) {
        return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenCompose(response -> {
            if (response.statusCode() != 409 || !response.body().contains("upload_busy") || System.nanoTime() > deadline) {
                return CompletableFuture.completedFuture(response);
            }
            busy.incrementAndGet();
            long seconds = Long.parseLong(response.headers().firstValue("Retry-After").orElse("1"));
            return CompletableFuture.supplyAsync(() -> null, CompletableFuture.delayedExecutor(seconds, TimeUnit.SECONDS))
                    .thenCompose(ignored -> completeUntilDone(request, deadline, busy));
        });
    }

}
