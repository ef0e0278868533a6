package io.uploadgateway.drills;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import io.uploadgateway.embedded.DevKeys;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.FaultyS3;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.PackagedGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Drill: the gateway process (the packaged jar, as in production) is killed with SIGKILL
 * ({@code Process.destroyForcibly()}) while one upload is half sent and another's completion is
 * in flight, and started again on the same port, database and bucket. One kill and one restart
 * serve both cases (a jar start is the slow part of this drill).
 * <ol>
 *   <li>Mid-upload (A): two parts are in S3 but only one was recorded when the process died. The
 *       restarted gateway's {@code GET ?sync=true} shows both (S3's ListParts adopted), the client
 *       sends only the {@code missingParts}, completes, and the downloaded object's SHA-256 is the
 *       file's.</li>
 *   <li>Mid-completion (B): S3 is slowed (a DELAY in front of CompleteMultipartUpload only) so the
 *       completion is claimed in the ledger ({@code COMPLETING}) and in flight when the process
 *       dies; S3 then finishes it with nobody listening. The restarted gateway answers further
 *       completes {@code 409 upload_busy} while the dead claim is fresh, takes it over once it is
 *       older than {@code stale-after}, finds the object with HeadObject and records it: exactly
 *       one CompleteMultipartUpload reached S3, the restarted gateway's completed counter is 2 (A
 *       and B, once each), and the object is the file.</li>
 * </ol>
 * On the code before b706668 case A passes as well (resuming from the ledger and sync predate
 * it); case B fails: a completion there was one open transaction holding the row
 * lock, so the kill rolled it back and the ledger never shows the {@code COMPLETING} claim this
 * drill waits for.
 */
class KillNineDrillIT {

    private static final String ISSUER = "https://issuer.kill-nine.test";
    private static final String BUCKET = "kill-nine";
    private static final int MIB = 1024 * 1024;
    private static final Path LOGS = Path.of("target", "kill-nine");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
    /** ConfigChecks: at least five call timeouts and two statement timeouts (29 s here). */
    private static final Duration STALE_AFTER = Duration.ofSeconds(30);
    private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration CLAIMS_WAIT = Duration.ofSeconds(1);

    private static EmbeddedStack stack;
    private static FaultyS3 s3;
    private static DevKeys keys;
    private static int port;
    private static PackagedGateway gateway;
    private static String token;
    private static int starts;

    @BeforeAll
    static void startStack() throws Exception {
        Files.createDirectories(LOGS);
        stack = EmbeddedStack.start(null);
        s3 = FaultyS3.start(stack.s3Endpoint());
        keys = DevKeys.in(LOGS.resolve("jwt"));
        port = PackagedGateway.freePort();
        token = token("kim");
        gateway = start();
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (gateway != null) {
            gateway.stop();
        }
        if (s3 != null) {
            s3.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void killedMidUploadAndMidCompletionTheRestartedGatewayResumesAndRecordsEachOnce() throws Exception {
        // Upload A: two parts are in S3, only part 1 is recorded.
        byte[] fileA = Bytes.random(3 * 5 * MIB + 12_345, 90);
        String a = create("killed-mid-upload.bin", fileA);
        Map<Integer, Gateway.PresignedUrl> urlsA = presign(a, List.of(1, 2));
        record(a, 1, put(urlsA.get(1), part(fileA, 1)));
        put(urlsA.get(2), part(fileA, 2)); // its record never happens: the gateway dies first

        // Upload B: every part sent and recorded, and its completion in flight when the gateway dies.
        byte[] fileB = Bytes.random(5 * MIB + 77_777, 91);
        String b = create("killed-mid-completion.bin", fileB);
        Map<Integer, Gateway.PresignedUrl> urlsB = presign(b, List.of(1, 2));
        for (int n = 1; n <= 2; n++) {
            record(b, n, put(urlsB.get(n), part(fileB, n)));
        }
        String s3UploadIdB = column(b, "s3_upload_id");
        // S3 takes its time over B's completion (the proxy delays it): the gateway is killed while it waits.
        s3.reset().rule(FaultyS3.kind("CompleteMultipartUpload"), FaultyS3.Action.delay(Duration.ofMillis(4000)), 1);
        CompletableFuture<Response> inFlight = CompletableFuture.supplyAsync(
                () -> gateway.api(token).post("/api/v1/uploads/" + b + "/complete"));
        s3.await("B's CompleteMultipartUpload in flight", seen -> seen.stream()
                .anyMatch(r -> r.kind().equals("CompleteMultipartUpload") && s3UploadIdB.equals(r.uploadId())), Duration.ofSeconds(30));
        assertEquals("COMPLETING", column(b, "state"), "B's completion is claimed in the ledger while S3 works");
        Instant claimedAt = Instant.ofEpochMilli(Long.parseLong(column(b, "(extract(epoch from claimed_at) * 1000)::bigint")));

        // ---- SIGKILL
        gateway.kill();
        assertFalse(reachable(), "the gateway is gone");
        assertTrue(inFlight.handle((response, failure) -> failure != null || response.statusCode() >= 500).join(),
                "B's client never got its answer");
        // S3 finishes B's completion with no gateway alive; nobody records it.
        s3.await("S3 answered B's orphaned CompleteMultipartUpload", seen -> seen.stream()
                .anyMatch(r -> r.kind().equals("CompleteMultipartUpload") && s3UploadIdB.equals(r.uploadId())
                        && r.upstreamStatus() == 200), Duration.ofSeconds(30));
        assertEquals("COMPLETING", column(b, "state"), "nobody recorded B's completion");

        // ---- the same jar again, on the same port
        long restartAt = System.nanoTime();
        gateway = start();
        double restarted = Drills.millisSince(restartAt);
        // B's client asks again at once: while the dead claim is fresh, the answer is 409 upload_busy.
        int busy = 0;
        Response completed = null;
        Response firstTry = gateway.api(token).post("/api/v1/uploads/" + b + "/complete");
        if (firstTry.statusCode() == 200) {
            completed = firstTry; // the restart took longer than stale-after
        } else {
            firstTry.then().statusCode(409).body("code", equalTo("upload_busy"));
            busy++;
        }

        // A: the client resumes from the ledger, S3's part 2 adopted by sync, and sends only what is missing.
        JsonPath synced = gateway.api(token).queryParam("sync", true).get("/api/v1/uploads/" + a).then().statusCode(200)
                .body("state", equalTo("UPLOADING")).extract().jsonPath();
        assertEquals(List.of(3, 4), synced.getList("missingParts", Integer.class), "S3's part 2 was adopted from ListParts");
        assertEquals(2L * 5 * MIB, synced.getLong("bytesUploaded"));
        for (int n : synced.getList("missingParts", Integer.class)) {
            record(a, n, put(presign(a, List.of(n)).get(n), part(fileA, n)));
        }
        gateway.api(token).post("/api/v1/uploads/" + a + "/complete").then().statusCode(200).body("state", equalTo("COMPLETED"));
        assertDownloadIs(a, fileA);

        // B: busy while the dead claim is fresh, then taken over and recorded from HeadObject.
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (completed == null && System.nanoTime() < deadline) {
            Response response = gateway.api(token).post("/api/v1/uploads/" + b + "/complete");
            if (response.statusCode() == 200) {
                completed = response;
                break;
            }
            response.then().statusCode(409).body("code", equalTo("upload_busy"));
            String retryAfter = response.header("Retry-After");
            assertNotNull(retryAfter, "upload_busy says when to retry");
            busy++;
            Thread.sleep(Long.parseLong(retryAfter) * 1000);
        }
        assertNotNull(completed, "the restarted gateway completed B");
        double recovered = Drills.millisSince(restartAt);
        assertFalse(Instant.now().isBefore(claimedAt.plus(STALE_AFTER)),
                "the dead claim was taken over only once older than stale-after (" + STALE_AFTER + ")");
        completed.then().body("state", equalTo("COMPLETED"));
        String etag = completed.path("etag");
        gateway.api(token).post("/api/v1/uploads/" + b + "/complete").then().statusCode(200).body("etag", equalTo(etag));
        assertEquals(1, s3.requests().stream().filter(r -> r.kind().equals("CompleteMultipartUpload")
                && s3UploadIdB.equals(r.uploadId()) && r.upstreamStatus() > 0).count(), "S3 completed B exactly once");
        assertEquals(2.0, Drills.metric(URI.create("http://localhost:" + gateway.managementPort()), "gateway_uploads_completed_total"), 0.0001,
                "the restarted gateway counted two completions: A's and B's, once each");
        assertTrue(gateway.log().contains("upload " + b + " was already assembled in storage; completing it through the checks"),
                "B found by HeadObject");
        assertDownloadIs(b, fileB);

        Drills.report("kill-nine", String.format("SIGKILL mid-upload and mid-completion: restarted jar ready in %.0f ms; A resumed"
                        + " from GET ?sync=true (missingParts [3, 4]) and completed; B (stale-after %s): %d x 409 upload_busy,"
                        + " then its completion (finished by S3 after the kill) recorded %.0f ms after the restart began,"
                        + " one S3 completion", restarted, STALE_AFTER, busy, recovered));
    }

    // ------------------------------------------------------------------ helpers

    /** The packaged jar on the same port, database and bucket every time, S3 behind the fault proxy. */
    private static PackagedGateway start() throws Exception {
        Map<String, String> config = new LinkedHashMap<>(stack.config());
        config.put("quarkus.s3.endpoint-override", s3.endpoint());
        config.put("gateway.bucket", BUCKET);
        config.put("gateway.create-bucket", "true");
        config.put("gateway.janitor-enabled", "false"); // the drill shows the next complete recovering the claim
        config.put("gateway.storage.call-timeout", CALL_TIMEOUT.toString());
        config.put("gateway.storage.attempt-timeout", "PT1S");
        config.put("gateway.claims.wait-for", CLAIMS_WAIT.toString());
        config.put("gateway.ledger.statement-timeout", STATEMENT_TIMEOUT.toString());
        config.put("gateway.claims.stale-after", STALE_AFTER.toString());
        config.put("mp.jwt.verify.issuer", ISSUER);
        config.put("mp.jwt.verify.publickey.location", keys.publicKey().toUri().toString());
        config.put("quarkus.http.port", String.valueOf(port));
        PackagedGateway started = PackagedGateway.start("run-" + (++starts), config, LOGS);
        started.awaitReady(Duration.ofSeconds(120));
        return started;
    }

    private static boolean reachable() {
        try {
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://localhost:" + gateway.managementPort() + "/q/health/live"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static String create(String filename, byte[] file) {
        return gateway.api(token).body(Map.of("filename", filename, "size", file.length, "partSize", 5 * MIB))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
    }

    private static Gateway.S3Answer put(Gateway.PresignedUrl url, byte[] bytes) {
        Gateway.S3Answer answer = Gateway.put(url, bytes);
        assertEquals(200, answer.status(), answer.body());
        return answer;
    }

    private static void record(String id, int n, Gateway.S3Answer answer) {
        gateway.api(token).body(Map.of("etag", answer.etag())).put("/api/v1/uploads/" + id + "/parts/" + n).then().statusCode(200);
    }

    private static Map<Integer, Gateway.PresignedUrl> presign(String id, List<Integer> parts) {
        List<Map<String, Object>> urls = gateway.api(token).body(Map.of("partNumbers", parts))
                .post("/api/v1/uploads/" + id + "/presign").then().statusCode(200).extract().jsonPath().getList("urls");
        Map<Integer, Gateway.PresignedUrl> byPart = new LinkedHashMap<>();
        for (Map<String, Object> url : urls) {
            @SuppressWarnings("unchecked")
            Map<String, String> headers = (Map<String, String>) url.get("headers");
            byPart.put((Integer) url.get("partNumber"), new Gateway.PresignedUrl((String) url.get("url"), (String) url.get("method"), headers));
        }
        return byPart;
    }

    private static byte[] part(byte[] file, int n) {
        return Arrays.copyOfRange(file, (n - 1) * 5 * MIB, Math.min(file.length, n * 5 * MIB));
    }

    private static void assertDownloadIs(String id, byte[] file) {
        String url = gateway.api(token).get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
        Gateway.Downloaded downloaded = Gateway.download(url);
        assertEquals(200, downloaded.status());
        assertEquals(Bytes.sha256(file), Bytes.sha256(downloaded.body()), "the downloaded object is the file");
    }

    private static String column(String id, String expression) throws Exception {
        Map<String, String> config = stack.config();
        try (Connection c = DriverManager.getConnection(config.get("quarkus.datasource.jdbc.url"),
                config.get("quarkus.datasource.username"), config.get("quarkus.datasource.password"));
             PreparedStatement q = c.prepareStatement("select " + expression + " from uploads where id = ?::uuid")) {
            q.setString(1, id);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next()) {
                    fail("no upload " + id);
                }
                return rs.getString(1);
            }
        }
    }

    private static String token(String subject) throws Exception {
        var key = KeyUtils.decodePrivateKey(Files.readString(keys.privateKey()));
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER).audience("upload-gateway").subject(subject).groups(Set.of("user"))
                .issuedAt(now.minusSeconds(5)).expiresAt(now.plusSeconds(3600)).sign(key);
    }
}
