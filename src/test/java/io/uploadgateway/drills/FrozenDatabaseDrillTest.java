package io.uploadgateway.drills;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.FaultyPostgres;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drill: PostgreSQL freezes — it accepts connections and reads what the gateway sends but never
 * answers (SIGSTOP, a stuck network path, I/O stalled on a full disk), on the connections the pool
 * already holds and on new ones alike ({@link FaultyPostgres} in HANG mode). With the default
 * ledger bounds, every route that needs the ledger answers {@code 503 database_unavailable} with
 * {@code Retry-After} within {@code gateway.ledger.acquire-timeout} + {@code silence-timeout} (3 s +
 * 7 s); liveness stays 200;
 * readiness turns 503 with the ledger DOWN and the bucket UP; a presigned URL handed out before
 * keeps working against S3; the gateway never opens more connections than its pools allow. When
 * PostgreSQL answers again the same process serves the same upload, which completes with the bytes
 * sent. Then PostgreSQL resets every connection (RESET mode): 503 at once, and served again as
 * soon as it accepts connections.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = @ResourceArg(name = TestStack.POSTGRES, value = "faulty"))
class FrozenDatabaseDrillTest {

    /** The default acquire-timeout + silence-timeout: the drill runs on the default ledger bounds. */
    private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);
    /** quarkus.datasource.reactive.max-size, plus the readiness probe's own connection. */
    private static final int CONNECTION_BUDGET = 20 + 1;
    private static final int MIB = 1024 * 1024;
    private static final int CALLS_PER_ROUTE = 3;

    FaultyPostgres postgres;

    @TestHTTPResource("/")
    URI base;

    /** Health is on the management interface (quarkus.management.enabled). */
    @TestHTTPResource(value = "", management = true)
    URI management;

    @AfterEach
    void answerAgain() {
        postgres.mode(FaultyPostgres.Mode.FORWARD);
    }

    @Test
    void aFrozenDatabaseIsA503WithinTheBoundAndTheSameProcessServesOnceItAnswers() throws Exception {
        String owner = "frozen-" + UUID.randomUUID();
        String token = Tokens.forUser(owner);
        String operator = Tokens.forAdmin("frozen-ops");
        String feed = Tokens.sign("frozen-backend", Set.of(TestStack.FEED_GROUP), Instant.now().plusSeconds(3600), TestStack.ISSUER);
        Gateway client = Gateway.withToken(token);
        byte[] file = Bytes.random(5 * MIB + 70_000, 90);
        String id = client.start("through-a-freeze.bin", file.length, (long) 5 * MIB).getString("id");
        Map<Integer, Gateway.PresignedUrl> urls = client.presign(id, List.of(1, 2), null);
        Gateway.S3Answer first = Gateway.put(urls.get(1), Arrays.copyOfRange(file, 0, 5 * MIB));
        assertEquals(200, first.status(), first.body());
        client.record(id, 1, first.etag()).then().statusCode(200);
        String key = client.get(id).then().statusCode(200).extract().path("key");
        // The pool holds connections when the freeze comes: some calls meet a connection that hangs
        // mid-query, others open new ones whose handshake hangs, the rest wait for the pool.
        List<CompletableFuture<Drills.Answer>> warmUp = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            warmUp.add(Drills.send("warm-up", get(token, "/api/v1/uploads/" + id), System.nanoTime()));
        }
        warmUp.forEach(call -> assertEquals(200, call.join().status()));
        assertTrue(postgres.openConnections() > 0, "the pool holds connections through the proxy");

        // ---- PostgreSQL freezes
        postgres.mode(FaultyPostgres.Mode.HANG);
        postgres.resetPeak();
        long frozenAt = System.nanoTime();
        Map<String, Supplier<HttpRequest>> routes = Map.ofEntries(
                Map.entry("GET upload", () -> get(token, "/api/v1/uploads/" + id)),
                Map.entry("GET list", () -> get(token, "/api/v1/uploads")),
                Map.entry("GET parts ?sync", () -> get(token, "/api/v1/uploads/" + id + "?sync=true")),
                Map.entry("PUT part", () -> send(token, "PUT", "/api/v1/uploads/" + id + "/parts/2", "{\"etag\":\"\\\"whatever\\\"\"}")),
                Map.entry("POST presign", () -> send(token, "POST", "/api/v1/uploads/" + id + "/presign", "{\"partNumbers\":[2]}")),
                Map.entry("POST complete", () -> send(token, "POST", "/api/v1/uploads/" + id + "/complete", "")),
                Map.entry("POST create", () -> send(token, "POST", "/api/v1/uploads", "{\"filename\":\"new.bin\",\"size\":10}")),
                Map.entry("GET download", () -> get(token, "/api/v1/uploads/" + id + "/download")),
                Map.entry("POST /s3/multipart", () -> send(token, "POST", "/s3/multipart",
                        "{\"filename\":\"uppy.bin\",\"type\":\"application/octet-stream\"}")),
                Map.entry("GET /s3/multipart/:id/:part", () -> get(token, "/s3/multipart/" + id + "/2?key=" + key)),
                Map.entry("GET admin uploads", () -> get(operator, "/api/v1/admin/uploads?stalled=true")),
                Map.entry("GET admin stats", () -> get(operator, "/api/v1/admin/stats")),
                Map.entry("GET events feed", () -> get(feed, "/api/v1/events")));
        List<CompletableFuture<Drills.Answer>> calls = new ArrayList<>();
        for (int n = 0; n < CALLS_PER_ROUTE; n++) {
            routes.forEach((name, request) -> calls.add(Drills.send(name, request.get(), frozenAt)));
        }

        // Meanwhile: liveness, readiness and S3 need no database.
        long liveAt = System.nanoTime();
        HttpResponse<String> live = Drills.HTTP.send(health("/q/health/live"), HttpResponse.BodyHandlers.ofString());
        double liveness = Drills.millisSince(liveAt);
        assertEquals(200, live.statusCode(), "liveness does not depend on the ledger: " + live.body());
        long putAt = System.nanoTime();
        Gateway.S3Answer second = Gateway.put(urls.get(2), Arrays.copyOfRange(file, 5 * MIB, file.length));
        double put = Drills.millisSince(putAt);
        assertEquals(200, second.status(), "a presigned URL handed out before the freeze works against S3: " + second.body());
        await("readiness 503 with the ledger DOWN and the bucket UP").atMost(ANSWER_WITHIN.plus(Drills.SLACK))
                .pollInterval(Duration.ofMillis(100)).until(() -> readiness(503, "DOWN", "UP"));
        double readinessDown = Drills.millisSince(frozenAt);

        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        List<Drills.Answer> answers = calls.stream().map(CompletableFuture::join).toList();
        for (Drills.Answer answer : answers) {
            assertEquals(503, answer.status(), answer.toString());
            assertEquals("database_unavailable", answer.code(), answer.toString());
            assertNotNull(answer.retryAfter(), "says when to retry: " + answer);
            assertTrue(answer.millis() < ANSWER_WITHIN.plus(Drills.SLACK).toMillis(),
                    "answered within acquire-timeout + silence-timeout (+ slack): " + answer);
        }
        double firstAnswer = answers.stream().mapToDouble(Drills.Answer::millis).min().orElseThrow();
        double lastAnswer = answers.stream().mapToDouble(Drills.Answer::millis).max().orElseThrow();
        // Another wave while still frozen: the pool's connections are all hung or failed by now.
        long secondWaveAt = System.nanoTime();
        Drills.Answer again = Drills.send("GET upload", get(token, "/api/v1/uploads/" + id), secondWaveAt).get(60, TimeUnit.SECONDS);
        assertEquals(503, again.status(), again.toString());
        assertTrue(again.millis() < ANSWER_WITHIN.plus(Drills.SLACK).toMillis(), again.toString());
        int peak = postgres.peakConnections();
        assertTrue(peak <= CONNECTION_BUDGET, "the gateway opened at most its pools' connections: " + peak);

        // ---- PostgreSQL answers again; the gateway was never restarted
        postgres.mode(FaultyPostgres.Mode.FORWARD);
        long thawedAt = System.nanoTime();
        await("the same gateway serving the ledger again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> client.get(id).statusCode() == 200);
        double served = Drills.millisSince(thawedAt);
        client.get(id).then().statusCode(200).body("state", equalTo("UPLOADING"))
                .body("parts[0].etag", equalTo(first.etag()));
        client.record(id, 2, second.etag()).then().statusCode(200);
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
        String url = client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
        assertEquals(Bytes.sha256(file), Bytes.sha256(Gateway.download(url).body()), "the object is the uploaded file");
        await("readiness UP again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> readiness(200, "UP", "UP"));
        double readyAgain = Drills.millisSince(thawedAt);

        // ---- PostgreSQL resets every connection, then accepts them again
        postgres.mode(FaultyPostgres.Mode.RESET);
        long resetAt = System.nanoTime();
        Drills.Answer reset = Drills.send("GET upload", get(token, "/api/v1/uploads/" + id), resetAt).get(60, TimeUnit.SECONDS);
        assertEquals(503, reset.status(), reset.toString());
        assertEquals("database_unavailable", reset.code(), reset.toString());
        postgres.mode(FaultyPostgres.Mode.FORWARD);
        long acceptingAt = System.nanoTime();
        await("served again once connections are accepted").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> client.get(id).statusCode() == 200);
        double servedAfterReset = Drills.millisSince(acceptingAt);

        Drills.report("frozen-postgres", String.format("PostgreSQL frozen (default ledger bounds): %d calls on %d ledger routes"
                        + " -> all 503 database_unavailable, first after %.0f ms, last after %.0f ms; a call after the wave %.0f ms;"
                        + " readiness 503 (ledger DOWN, bucket UP) after %.0f ms; meanwhile liveness 200 in %.0f ms and a presigned PUT"
                        + " of %d KiB to S3 200 in %.0f ms; at most %d connections open (budget %d); after it answered again: served after %.0f ms,"
                        + " readiness UP after %.0f ms; connections reset: 503 after %.0f ms, served %.0f ms after it accepted again",
                answers.size(), routes.size(), firstAnswer, lastAnswer, again.millis(), readinessDown, liveness,
                (file.length - 5 * MIB) / 1024, put, peak, CONNECTION_BUDGET,
                served, readyAgain, reset.millis(), servedAfterReset));
    }

    private boolean readiness(int status, String ledger, String bucket) throws Exception {
        HttpResponse<String> ready = Drills.HTTP.send(health("/q/health/ready"), HttpResponse.BodyHandlers.ofString());
        return ready.statusCode() == status && ledger.equals(Drills.check(ready.body(), "ledger (PostgreSQL)"))
                && bucket.equals(Drills.check(ready.body(), "bucket (S3)"));
    }

    private HttpRequest health(String path) {
        return HttpRequest.newBuilder(management.resolve(path)).timeout(Duration.ofSeconds(60)).GET().build();
    }

    private HttpRequest get(String token, String path) {
        return send(token, "GET", path, null);
    }

    private HttpRequest send(String token, String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token).header("Accept", "application/json");
        if (body == null) {
            return request.method(method, HttpRequest.BodyPublishers.noBody()).build();
        }
        return request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
