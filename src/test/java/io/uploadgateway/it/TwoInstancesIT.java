package io.uploadgateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.restassured.path.json.JsonPath;
import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.util.KeyUtils;
import io.uploadgateway.embedded.DevKeys;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.Gateway.PresignedUrl;
import io.uploadgateway.support.PackagedGateway;
import io.uploadgateway.support.WebhookReceiver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
import java.util.Set;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replicas scale out: two gateway processes started from the packaged jar (prod profile, as in
 * the container image) share one PostgreSQL and one S3 endpoint. An upload is driven through
 * both of them alternately, and another survives the instance that started it being stopped
 * (SIGTERM) mid-upload. Real bytes go to presigned URLs; the downloaded object's SHA-256 is checked.
 * Both dispatch webhooks to one receiver: while both are healthy, no event arrives twice.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesIT {

    private static final String ISSUER = "https://issuer.two-instances.test";
    private static final String BUCKET = "two-instances";
    /** The production default audience (mp.jwt.verify.audiences): this IT configures no audience and no operators' group. */
    private static final String AUDIENCE = "upload-gateway";
    private static final int MIB = 1024 * 1024;
    private static final Path LOGS = Path.of("target", "two-instances");

    private static EmbeddedStack stack;
    private static DevKeys keys;
    private static WebhookReceiver receiver;
    private static PackagedGateway a;
    private static PackagedGateway b;
    private static String aliceToken;
    /** An operator of the packaged build (its default gateway.admin-role). */
    private static String operatorToken;
    private static final List<String> uploadIds = new ArrayList<>();

    @BeforeAll
    static void startStackAndTwoInstances() throws Exception {
        Files.createDirectories(LOGS);
        stack = EmbeddedStack.start(null);
        keys = DevKeys.in(LOGS.resolve("jwt"));
        receiver = WebhookReceiver.start();
        // A logs plain text, B logs JSON: both formats must carry the upload id and owner.
        a = startInstance("a", PackagedGateway.freePort(), Map.of());
        b = startInstance("b", PackagedGateway.freePort(), Map.of("quarkus.log.console.json.enabled", "true"));
        a.awaitReady(Duration.ofSeconds(90));
        b.awaitReady(Duration.ofSeconds(90));
        aliceToken = token("alice");
        operatorToken = token("ops", Set.of("user", "upload-gateway-admin"));
    }

    @AfterAll
    static void stopEverything() throws Exception {
        for (PackagedGateway instance : Arrays.asList(a, b)) {
            if (instance != null) {
                instance.stop();
            }
        }
        if (stack != null) {
            stack.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    /** Every gateway_* series the README lists, and what a fresh instance must show for it. */
    private static final List<String> METERS_AT_ZERO = List.of("gateway_uploads_started_total", "gateway_uploads_completed_total",
            "gateway_uploads_aborted_total", "gateway_uploads_expired_total", "gateway_bytes_completed_bytes_total",
            "gateway_parts_presigned_total", "gateway_uploads_stalled", "gateway_janitor_runs_total",
            "gateway_janitor_skipped_total", "gateway_janitor_orphans_found_total", "gateway_janitor_orphans_aborted_total");

    @Test
    @Order(0)
    void everyGatewayMetricExistsAtZeroBeforeTheFirstUpload() {
        for (PackagedGateway instance : List.of(a, b)) {
            String metrics = instance.management().get("/q/metrics").then().statusCode(200).extract().asString();
            for (String meter : METERS_AT_ZERO) {
                assertTrue(java.util.regex.Pattern.compile("(?m)^" + meter + "(\\{[^}]*})? 0\\.0$").matcher(metrics).find(),
                        instance.name() + " has no " + meter + " at 0 right after startup:\n"
                                + metrics.lines().filter(l -> l.startsWith("gateway_")).toList());
            }
            assertTrue(metrics.contains("gateway_storage_clock_skew_seconds"), instance.name() + ": the clock-skew gauge");
        }
    }

    @Test
    @Order(1)
    void theProductionBuildHasNoDevTokensAndServesOpenApiOnTheManagementPortOnly() {
        for (PackagedGateway instance : List.of(a, b)) {
            instance.api(null).get("/dev/token?user=mallory").then().statusCode(404);
            instance.api(null).get("/api/v1/uploads").then().statusCode(401);
            instance.management().get("/q/health/live").then().statusCode(200);
            instance.management().get("/q/openapi").then().statusCode(200);
            instance.management().get("/q/swagger-ui/").then().statusCode(404);
            // Nothing of the management interface answers on the API port.
            for (String path : List.of("/q/health/live", "/q/health/ready", "/q/metrics", "/q/openapi")) {
                instance.api(null).get(path).then().statusCode(404);
            }
        }
    }

    @Test
    @Order(1)
    void deployMintTokenScriptSignsTokensTheGatewayAccepts() throws Exception {
        Assumptions.assumeTrue(onPath("openssl") && onPath("bash"), "needs openssl and bash");
        ProcessBuilder mint = new ProcessBuilder("bash", Path.of("deploy", "mint-token.sh").toString(), "bob")
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        mint.environment().put("JWT_PRIVATE_KEY", keys.privateKey().toString());
        mint.environment().put("JWT_ISSUER", ISSUER);
        Process process = mint.start();
        String token = new String(process.getInputStream().readAllBytes()).trim();
        assertEquals(0, process.waitFor(), "mint-token.sh failed");
        b.api(token).get("/api/v1/uploads").then().statusCode(200);
        b.api(token).get("/api/v1/admin/stats").then().statusCode(403);

        // "admin" adds the default operators' group (upload-gateway-admin), which the default config accepts.
        ProcessBuilder mintAdmin = new ProcessBuilder("bash", Path.of("deploy", "mint-token.sh").toString(), "ops", "admin")
                .redirectError(ProcessBuilder.Redirect.INHERIT);
        mintAdmin.environment().put("JWT_PRIVATE_KEY", keys.privateKey().toString());
        mintAdmin.environment().put("JWT_ISSUER", ISSUER);
        Process admin = mintAdmin.start();
        String adminToken = new String(admin.getInputStream().readAllBytes()).trim();
        assertEquals(0, admin.waitFor(), "mint-token.sh ops admin failed");
        b.api(adminToken).get("/api/v1/admin/stats").then().statusCode(200);
    }

    private static boolean onPath(String command) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    @Test
    @Order(2)
    void createPresignRecordAndCompleteAlternateBetweenInstances() {
        byte[] file = Bytes.random(2 * 5 * MIB + 4321, 7);
        String id = a.api(aliceToken).body(Map.of("filename", "alternating.bin", "size", file.length, "partSize", 5 * MIB))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        uploadIds.add(id);

        Map<Integer, String> etags = new LinkedHashMap<>();
        for (int n = 1; n <= 3; n++) {
            PackagedGateway presigner = n % 2 == 1 ? b : a;
            PackagedGateway recorder = n % 2 == 1 ? a : b;
            PresignedUrl url = presign(presigner, id, List.of(n)).get(n);
            Gateway.S3Answer answer = Gateway.put(url, part(file, n, 5 * MIB));
            assertEquals(200, answer.status(), answer.body());
            recorder.api(aliceToken).body(Map.of("etag", answer.etag()))
                    .put("/api/v1/uploads/" + id + "/parts/" + n).then().statusCode(200);
            etags.put(n, answer.etag());
        }
        JsonPath seenByA = a.api(aliceToken).get("/api/v1/uploads/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(), seenByA.getList("missingParts"));
        assertEquals(file.length, seenByA.getLong("bytesUploaded"));

        b.api(aliceToken).post("/api/v1/uploads/" + id + "/complete").then().statusCode(200);
        // Completing again on the other instance is the same answer (safe to retry anywhere).
        String state = a.api(aliceToken).post("/api/v1/uploads/" + id + "/complete").then().statusCode(200)
                .extract().path("state");
        assertEquals("COMPLETED", state);

        assertDownloadMatches(a, id, file);
        assertDownloadMatches(b, id, file);
    }

    @Test
    @Order(2)
    void bothInstancesDispatchAndNoEventIsDeliveredTwice() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            PackagedGateway creator = i % 2 == 0 ? a : b;
            PackagedGateway aborter = i % 2 == 0 ? b : a;
            String id = creator.api(aliceToken).body(Map.of("filename", "event-" + i + ".bin", "size", 100))
                    .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
            aborter.api(aliceToken).delete("/api/v1/uploads/" + id).then().statusCode(204);
            ids.add(id);
        }
        receiver.await("created and aborted of every upload", Duration.ofSeconds(60),
                () -> ids.stream().allMatch(id -> receiver.acceptedOf(id).size() >= 2));
        // Delivered is final in the ledger (dispatchers claim only pending events): once none of these
        // events is pending, what the receiver has is everything they will ever send of them.
        receiver.await("every delivery recorded", Duration.ofSeconds(30), () -> a.api(operatorToken)
                .queryParam("status", "pending").queryParam("limit", 500).get("/api/v1/admin/events").then().statusCode(200)
                .extract().jsonPath().getList("items.uploadId", String.class).stream().noneMatch(ids::contains));
        for (String id : ids) {
            assertEquals(List.of("upload.created", "upload.aborted"),
                    receiver.acceptedOf(id).stream().map(WebhookReceiver.Delivery::type).toList(), "in order, once: " + id);
        }
        assertEquals(Map.of(), receiver.duplicates(), "no event delivered twice");
        assertEquals(List.of(), receiver.badSignatures());
        double byA = delivered(a);
        double byB = delivered(b);
        assertTrue(byA > 0 && byB > 0, "both replicas dispatch: A delivered " + byA + ", B " + byB);
        assertTrue(byA + byB >= 24);
    }

    /** Both replicas run the auto-completer; an upload nobody completes is completed by exactly one of them, once. */
    @Test
    @Order(2)
    void bothInstancesLookButAnAutoCompleteUploadCompletesOnce() throws Exception {
        byte[] file = Bytes.random(2 * 5 * MIB + 99, 21);
        String id = a.api(aliceToken).body(Map.of("filename", "from-the-phone.mov", "size", file.length, "partSize", 5 * MIB,
                "autoComplete", true)).post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        double before = completed(a) + completed(b);
        List<Map<String, Object>> parts = b.api(aliceToken).body(Map.of()).post("/api/v1/uploads/" + id + "/lease")
                .then().statusCode(200).extract().jsonPath().getList("parts");
        for (Map<String, Object> part : parts) {
            int n = ((Number) part.get("partNumber")).intValue();
            @SuppressWarnings("unchecked")
            Map<String, String> headers = (Map<String, String>) part.get("headers");
            Gateway.S3Answer stored = Gateway.put(new PresignedUrl((String) part.get("url"), (String) part.get("method"), headers),
                    part(file, n, 5 * MIB));
            assertEquals(200, stored.status(), stored.body());
        }
        // No ETag recorded, no complete called: the replicas find the parts themselves.
        receiver.await("upload.completed of the auto-complete upload", Duration.ofSeconds(60),
                () -> receiver.acceptedOf(id).stream().anyMatch(d -> d.type().equals("upload.completed")));
        // COMPLETED is final: neither replica looks at it again, and a complete answers it from the
        // ledger. The outbox holds one upload.completed: one ending, written once.
        List<String> completions = a.api(operatorToken).queryParam("type", "upload.completed").queryParam("limit", 500)
                .get("/api/v1/admin/events").then().statusCode(200).extract().jsonPath().getList("items.uploadId", String.class);
        assertEquals(1, completions.stream().filter(id::equals).count(), "one completion in the outbox");
        assertEquals(1, receiver.acceptedOf(id).stream().filter(d -> d.type().equals("upload.completed")).count());
        receiver.await("the completing replica's counter", Duration.ofSeconds(10), () -> completed(a) + completed(b) >= before + 1);
        assertEquals(before + 1, completed(a) + completed(b), "one completion across both replicas");
        assertDownloadMatches(b, id, file);
    }

    private static double completed(PackagedGateway instance) {
        String metrics = instance.management().accept("text/plain").get("/q/metrics").then().statusCode(200).extract().asString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^gateway_uploads_completed_total(?:\\{[^}]*})? (\\S+)$")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static double delivered(PackagedGateway instance) {
        String metrics = instance.management().accept("text/plain").get("/q/metrics").then().statusCode(200).extract().asString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^gateway_webhook_delivered_total(?:\\{[^}]*})? (\\S+)$")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    @Test
    @Order(3)
    void theOtherInstanceFinishesAnUploadWhenTheFirstIsStoppedMidway() throws Exception {
        byte[] file = Bytes.random(2 * 5 * MIB + 999, 11);
        String id = a.api(aliceToken).body(Map.of("filename", "survivor.bin", "size", file.length, "partSize", 5 * MIB))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        uploadIds.add(id);
        // The client holds URLs for every part, all issued by A.
        Map<Integer, PresignedUrl> urls = presign(a, id, List.of(1, 2, 3));
        Gateway.S3Answer first = Gateway.put(urls.get(1), part(file, 1, 5 * MIB));
        assertEquals(200, first.status(), first.body());

        // SIGTERM reaches A while it is still receiving the request that records part 1: A drains
        // it (answers 200) before it stops.
        String body = "{\"etag\": \"" + first.etag().replace("\"", "\\\"") + "\"}";
        try (Socket socket = new Socket("localhost", a.port())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            out.write(("PUT /api/v1/uploads/" + id + "/parts/1 HTTP/1.1\r\nHost: localhost:" + a.port()
                    + "\r\nAuthorization: Bearer " + aliceToken + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + bytes.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes, 0, 5);
            out.flush();
            // The request is in A's hands (its headers and the first bytes of its body), then SIGTERM.
            // Nothing A does shows that it read them, so the bytes get a moment to arrive.
            Thread.sleep(500);
            a.process().destroy();
            out.write(bytes, 5, bytes.length - 5);
            out.flush();
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(response.startsWith("HTTP/1.1 200"), "the in-flight request was drained, not cut: " + response);
        }
        a.terminate(Duration.ofSeconds(40));
        assertTrue(a.log().contains("stopped in"), "A shut down gracefully on SIGTERM:\n" + PackagedGateway.tail(a.log()));
        b.api(aliceToken).get("/api/v1/uploads/" + id).then().statusCode(200).body("parts.size()", equalTo(1));

        // URLs are S3's, not the gateway's: they outlive the instance that signed them.
        Gateway.S3Answer second = Gateway.put(urls.get(2), part(file, 2, 5 * MIB));
        assertEquals(200, second.status(), second.body());
        b.api(aliceToken).body(Map.of("etag", second.etag())).put("/api/v1/uploads/" + id + "/parts/2").then().statusCode(200);
        // ...and B issues fresh ones for what is left.
        PresignedUrl third = presign(b, id, List.of(3)).get(3);
        Gateway.S3Answer last = Gateway.put(third, part(file, 3, 5 * MIB));
        assertEquals(200, last.status(), last.body());
        b.api(aliceToken).body(Map.of("etag", last.etag())).put("/api/v1/uploads/" + id + "/parts/3").then().statusCode(200);

        JsonPath completed = b.api(aliceToken).post("/api/v1/uploads/" + id + "/complete").then().statusCode(200)
                .extract().jsonPath();
        assertEquals("COMPLETED", completed.getString("state"));
        assertEquals(3, completed.getList("parts").size());
        assertDownloadMatches(b, id, file);
    }

    @Test
    @Order(4)
    void logsCarryUploadAndOwnerButNeverSecrets() throws Exception {
        String textLog = a.log();
        String jsonLog = b.log();
        for (String log : List.of(textLog, jsonLog)) {
            assertFalse(log.contains("X-Amz-Signature"), "a presigned URL was logged");
            assertFalse(log.contains(aliceToken.substring(aliceToken.lastIndexOf('.') + 1)), "a bearer token was logged");
            assertFalse(log.contains(EmbeddedStack.SECRET_KEY), "the S3 secret key was logged");
        }
        String created = uploadIds.get(0);
        assertTrue(textLog.lines().anyMatch(line -> line.contains("io.uploadgateway.access") || line.contains("POST /api/v1/uploads 201")),
                "A logs access lines:\n" + PackagedGateway.tail(textLog));
        assertTrue(textLog.lines().anyMatch(line -> line.contains("POST /api/v1/uploads 201") && line.contains(created)
                && line.contains("owner=alice")), "A's access line for the create names the upload and owner:\n" + PackagedGateway.tail(textLog));

        ObjectMapper json = new ObjectMapper();
        boolean found = false;
        for (String line : jsonLog.lines().filter(l -> l.startsWith("{")).toList()) {
            JsonNode entry = json.readTree(line);
            JsonNode mdc = entry.path("mdc");
            if ("io.uploadgateway.access".equals(entry.path("loggerName").asText())
                    && created.equals(mdc.path("uploadId").asText()) && "alice".equals(mdc.path("owner").asText())) {
                found = true;
            }
        }
        assertTrue(found, "B's JSON access lines carry uploadId and owner in the MDC:\n" + PackagedGateway.tail(jsonLog));
    }

    // ------------------------------------------------------------------ helpers

    private static Map<Integer, PresignedUrl> presign(PackagedGateway instance, String id, List<Integer> parts) {
        List<Map<String, Object>> urls = instance.api(aliceToken).body(Map.of("partNumbers", parts))
                .post("/api/v1/uploads/" + id + "/presign").then().statusCode(200).extract().jsonPath().getList("urls");
        Map<Integer, PresignedUrl> byPart = new LinkedHashMap<>();
        for (Map<String, Object> url : urls) {
            @SuppressWarnings("unchecked")
            Map<String, String> headers = (Map<String, String>) url.get("headers");
            byPart.put((Integer) url.get("partNumber"), new PresignedUrl((String) url.get("url"), (String) url.get("method"), headers));
        }
        return byPart;
    }

    private static void assertDownloadMatches(PackagedGateway instance, String id, byte[] file) {
        String url = instance.api(aliceToken).get("/api/v1/uploads/" + id + "/download").then().statusCode(200)
                .extract().path("url");
        Gateway.Downloaded downloaded = Gateway.download(url);
        assertEquals(200, downloaded.status());
        assertEquals(Bytes.sha256(file), Bytes.sha256(downloaded.body()), "downloaded object differs");
    }

    private static byte[] part(byte[] file, int n, int partSize) {
        return Arrays.copyOfRange(file, (n - 1) * partSize, Math.min(file.length, n * partSize));
    }

    /** A token as the real identity provider would sign it (the prod build has no /dev/token). */
    private static String token(String subject) throws Exception {
        return token(subject, Set.of("user"));
    }

    private static String token(String subject, Set<String> groups) throws Exception {
        PrivateKey key = KeyUtils.decodePrivateKey(Files.readString(keys.privateKey()));
        Instant now = Instant.now();
        return Jwt.issuer(ISSUER).audience(AUDIENCE).subject(subject).groups(groups)
                .issuedAt(now.minusSeconds(5)).expiresAt(now.plusSeconds(3600)).sign(key);
    }

    /** One gateway process from the packaged jar, configured for this stack, bucket, issuer and webhook receiver. */
    private static PackagedGateway startInstance(String name, int port, Map<String, String> extra) throws IOException {
        Map<String, String> config = new LinkedHashMap<>(stack.config());
        config.put("gateway.bucket", BUCKET);
        config.put("gateway.create-bucket", "true");
        config.put("mp.jwt.verify.issuer", ISSUER);
        config.put("mp.jwt.verify.publickey.location", keys.publicKey().toUri().toString());
        config.put("quarkus.http.port", String.valueOf(port));
        config.put("gateway.webhook.url", receiver.webhookUrl());
        config.put("gateway.webhook.secret", receiver.secret());
        config.put("gateway.webhook.min-backoff", "PT0.2S");
        config.put("gateway.webhook.max-backoff", "PT1S");
        // Both replicas look for auto-complete uploads every second (the floor is a minute in production).
        config.put("gateway.auto-complete.poll", "PT1S");
        config.put("gateway.auto-complete.check-interval", "PT1S");
        config.putAll(extra);
        return PackagedGateway.start(name, config, LOGS);
    }
}
