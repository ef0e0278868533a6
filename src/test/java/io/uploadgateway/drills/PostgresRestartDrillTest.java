package io.uploadgateway.drills;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

/**
 * Drill: PostgreSQL stops in the middle of an upload and comes back (same port, same data
 * directory), while the gateway keeps running. While it is down every API route that needs the
 * ledger answers {@code 503 database_unavailable} with {@code Retry-After} promptly — within the
 * pool's acquisition timeout (plus slack for a loaded machine) — and readiness turns 503 with the
 * ledger DOWN and the bucket UP; the client meanwhile PUTs a part to S3 with a URL it already had.
 * Once PostgreSQL is back the same gateway serves the same upload: the part recorded before the
 * outage is still there, the part sent during it is recorded, and the upload completes with the
 * uploaded bytes.
 * <p>
 * On the code before b706668 this drill is not expected to fail: a stopped server refuses
 * connections, which fails fast with or without the acquisition timeout b706668 added, and the
 * reactive pool already replaced dead connections. It guards the recovery itself: it fails if a
 * ledger outage maps to a 500 or hangs, if readiness does not tell the ledger from the bucket, or
 * if the gateway needs a restart to use the database again.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.OWN, value = "postgres-restart"),
        @ResourceArg(name = "gateway.ledger.acquire-timeout", value = PostgresRestartDrillTest.ACQUIRE_TIMEOUT)})
class PostgresRestartDrillTest {

    /** Health and metrics are on the management interface (quarkus.management.enabled). */
    @TestHTTPResource(value = "", management = true)
    URI management;

    static final String ACQUIRE_TIMEOUT = "PT2S";
    private static final int MIB = 1024 * 1024;

    EmbeddedStack stack;

    @Test
    void theSameUploadGoesOnAfterPostgresRestarts() throws Exception {
        Gateway client = Gateway.as("pg-" + UUID.randomUUID());
        byte[] file = Bytes.random(5 * MIB + 50_000, 80);
        String id = client.start("through-a-restart.bin", file.length, (long) 5 * MIB).getString("id");
        Map<Integer, Gateway.PresignedUrl> urls = client.presign(id, List.of(1, 2), null);
        Gateway.S3Answer first = Gateway.put(urls.get(1), Arrays.copyOfRange(file, 0, 5 * MIB));
        assertEquals(200, first.status(), first.body());
        client.record(id, 1, first.etag()).then().statusCode(200);

        // ---- PostgreSQL goes away
        stack.stopPostgres();
        long downAt = System.nanoTime();
        Duration bound = Duration.parse(ACQUIRE_TIMEOUT).plus(Drills.SLACK);
        Map<String, Supplier<Response>> routes = new LinkedHashMap<>();
        routes.put("GET upload", () -> client.get(id));
        routes.put("GET list", () -> client.api().get("/api/v1/uploads"));
        routes.put("PUT part", () -> client.record(id, 2, "\"whatever\""));
        routes.put("POST presign", () -> client.presignResponse(id, List.of(2), null));
        routes.put("POST complete", () -> client.complete(id));
        routes.put("POST create", () -> client.api().body(Map.of("filename", "new.bin", "size", 10)).post("/api/v1/uploads"));
        StringBuilder timings = new StringBuilder();
        double slowest = 0;
        for (var route : routes.entrySet()) {
            long start = System.nanoTime();
            Response response = route.getValue().get();
            double took = Drills.millisSince(start);
            slowest = Math.max(slowest, took);
            timings.append(String.format("%s %.0f ms, ", route.getKey(), took));
            response.then().statusCode(503).contentType("application/problem+json").body("code", equalTo("database_unavailable"));
            assertNotNull(response.header("Retry-After"), route.getKey() + " says when to retry");
            assertTrue(took < bound.toMillis(), route.getKey() + " answered within the acquisition timeout (+ slack): " + took + " ms");
        }
        double readinessDown = awaitReadiness(503, "DOWN", "UP", downAt);

        // The client goes on with S3 meanwhile: its presigned URL needs no database.
        byte[] part2 = Arrays.copyOfRange(file, 5 * MIB, file.length);
        Gateway.S3Answer second = Gateway.put(urls.get(2), part2);
        assertEquals(200, second.status(), second.body());

        // ---- PostgreSQL is back, the gateway was never restarted
        stack.restartPostgres();
        long upAt = System.nanoTime();
        await("the gateway serving the ledger again without a restart").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100)).until(() -> client.get(id).statusCode() == 200);
        double served = Drills.millisSince(upAt);
        client.get(id).then().statusCode(200).body("state", equalTo("UPLOADING"))
                .body("parts.size()", equalTo(1)).body("parts[0].etag", equalTo(first.etag()));
        client.record(id, 2, second.etag()).then().statusCode(200);
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
        String url = client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
        assertEquals(Bytes.sha256(file), Bytes.sha256(Gateway.download(url).body()), "the object is the uploaded file");
        double readinessUp = awaitReadiness(200, "UP", "UP", upAt);

        Drills.report("postgres-restart", String.format("PostgreSQL down (acquire-timeout %s): %sslowest %.0f ms;"
                        + " readiness 503 (ledger DOWN, bucket UP) after %.0f ms; after the restart the API served the ledger"
                        + " again after %.0f ms and readiness was UP after %.0f ms",
                ACQUIRE_TIMEOUT, timings, slowest, readinessDown, served, readinessUp));
    }

    /** Waits until readiness has {@code status} with the ledger and bucket as given; ms since {@code since}. */
    private double awaitReadiness(int status, String ledger, String bucket, long since) {
        await("readiness " + status + " (ledger " + ledger + ", bucket " + bucket + ")").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    Response ready = given().get(management.resolve("/q/health/ready"));
                    return ready.statusCode() == status && ledger.equals(Drills.check(ready.asString(), "ledger (PostgreSQL)"))
                            && bucket.equals(Drills.check(ready.asString(), "bucket (S3)"));
                });
        return Drills.millisSince(since);
    }
}
