package io.uploadgateway.upload.process;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.embedded.EmbeddedClamd;
import io.uploadgateway.support.AppBackend;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import io.uploadgateway.support.WebhookReceiver;
import io.uploadgateway.upload.ledger.OperatorLedger;
import io.uploadgateway.upload.ledger.UploadLedger;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.concurrent.CompletionException;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The virus scan step against a real ClamAV daemon (the machine's clamd, with the EICAR test
 * signature built by sigtool): a completed upload is PROCESSING until clamd cleared it, an
 * infected one is QUARANTINED and never served, clamd down means waiting, not passing, and the
 * runners of several replicas scan each upload once. Real bytes through presigned URLs, real S3Proxy.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.SCAN, value = "clamd"),
        @ResourceArg(name = "gateway.scan.max-size", value = "4M"),
        @ResourceArg(name = "gateway.scan.chunk-size", value = "256K"),
        @ResourceArg(name = "gateway.scan.call-timeout", value = "PT3S"),
        @ResourceArg(name = "gateway.processing.poll", value = "PT0.2S"),
        @ResourceArg(name = "gateway.processing.retry-min", value = "PT0.3S"),
        @ResourceArg(name = "gateway.processing.retry-max", value = "PT1S")})
@WithTestResource(AppBackend.class)
class VirusScanTest {

    private static final Duration SETTLED = Duration.ofSeconds(30);

    @Inject
    S3AsyncClient s3;

    @Inject
    ProcessingStage stage;

    @Inject
    UploadLedger ledger;

    @Inject
    OperatorLedger operators;

    @Inject
    Clock clock;

    EmbeddedClamd clamd;

    WebhookReceiver app;

    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    private final Gateway admin = Gateway.withToken(Tokens.forAdmin("ops-anna"));

    @Test
    void aCleanFileIsProcessingUntilScannedThenCompletedAndServed() {
        Gateway client = Gateway.as("scan-clean-" + UUID.randomUUID());
        byte[] bytes = random(3 * 1024 * 1024 + 17);
        String id = client.uploadWhole("report.bin", bytes);

        client.complete(id).then().statusCode(200).body("state", equalTo("PROCESSING")).body("location", equalTo(null));
        client.awaitState(id, "COMPLETED", SETTLED);

        client.get(id).then().body("processing.size()", equalTo(1))
                .body("processing[0].step", equalTo("scan")).body("processing[0].verdict", equalTo("PASSED"))
                .body("location", notNullValue());
        String url = client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
        assertArrayEquals(bytes, Gateway.download(url).body());
        List<String> types = app.awaitAccepted(id, seen -> seen.stream().anyMatch(d -> d.type().equals("upload.completed")), SETTLED)
                .stream().map(WebhookReceiver.Delivery::type).toList();
        assertEquals(List.of("upload.created", "upload.processing", "upload.completed"), types);
        String exported = given().get(metrics).then().statusCode(200).extract().asString();
        assertTrue(Pattern.compile("(?m)^gateway_processing_verdicts_total\\{step=\"scan\",verdict=\"PASSED\",?} [1-9]")
                .matcher(exported).find(), "a scan verdict counted");
        assertTrue(Pattern.compile("(?m)^gateway_processing_duration_seconds_count [1-9]").matcher(exported).find());
        assertTrue(exported.contains("gateway_scanner_up 1.0"));
    }

    @Test
    void theEicarFileAndTheSameInsideAZipAreQuarantinedAndNeverServed() throws IOException {
        String owner = "scan-eicar-" + UUID.randomUUID();
        Gateway client = Gateway.as(owner);
        String plain = client.uploadWhole("eicar.com", EmbeddedClamd.EICAR.getBytes(StandardCharsets.US_ASCII));
        byte[] zip = zipOfEicar();
        String zipped = client.uploadWhole("holiday-photos.zip", zip);
        client.complete(plain).then().statusCode(200).body("state", equalTo("PROCESSING"));
        client.complete(zipped).then().statusCode(200).body("state", equalTo("PROCESSING"));

        for (String id : List.of(plain, zipped)) {
            JsonPath quarantined = client.awaitState(id, "QUARANTINED", SETTLED);
            assertTrue(quarantined.getString("quarantineReason").startsWith("scan: " + EmbeddedClamd.SIGNATURE),
                    quarantined.getString("quarantineReason"));
            client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(409)
                    .contentType("application/problem+json").body("code", equalTo("upload_quarantined"))
                    .body("quarantineReason", containsString(EmbeddedClamd.SIGNATURE));
            client.abort(id).then().statusCode(409).body("code", equalTo("upload_not_active"));
            // The object left its key for the quarantine prefix.
            String key = quarantined.getString("key");
            assertGone(key);
            String kept = quarantineKeyOf(owner, id);
            assertTrue(kept.startsWith("uploads/quarantine/"), kept);
            s3.headObject(r -> r.bucket(TestStack.BUCKET).key(kept)).join();

            List<WebhookReceiver.Delivery> events = app.awaitAccepted(id,
                    seen -> seen.stream().anyMatch(d -> d.type().equals("upload.quarantined")), SETTLED);
            assertEquals(List.of("upload.created", "upload.processing", "upload.quarantined"),
                    events.stream().map(WebhookReceiver.Delivery::type).toList());
            WebhookReceiver.Delivery last = events.get(2);
            assertEquals("QUARANTINED", last.event().path("data").path("state").asText());
            assertTrue(last.event().path("data").path("quarantineReason").asText().contains(EmbeddedClamd.SIGNATURE));
            assertEquals("FAILED", last.event().path("data").path("processing").path(0).path("verdict").asText());
        }

        // An operator releases one (audited), and deletes the other's object.
        admin.api().post("/api/v1/admin/uploads/" + zipped + "/release").then().statusCode(200)
                .body("state", equalTo("COMPLETED")).body("processing[1].verdict", equalTo("RELEASED"))
                .body("processing[1].detail", equalTo("ops-anna"));
        admin.api().post("/api/v1/admin/uploads/" + zipped + "/release").then().statusCode(200).body("state", equalTo("COMPLETED"));
        String url = client.api().get("/api/v1/uploads/" + zipped + "/download").then().statusCode(200).extract().path("url");
        assertArrayEquals(zip, Gateway.download(url).body());
        app.awaitAccepted(zipped, seen -> seen.stream().anyMatch(d -> d.type().equals("upload.released")), SETTLED);

        String kept = quarantineKeyOf(owner, plain);
        admin.api().post("/api/v1/admin/uploads/" + plain + "/delete").then().statusCode(200)
                .body("state", equalTo("QUARANTINED")).body("quarantineKey", equalTo(null))
                .body("processing[1].verdict", equalTo("DELETED"));
        assertGone(kept);
        admin.api().post("/api/v1/admin/uploads/" + plain + "/delete").then().statusCode(200);
        admin.api().post("/api/v1/admin/uploads/" + plain + "/release").then().statusCode(409)
                .body("code", equalTo("upload_not_active"));
        app.awaitAccepted(plain, seen -> seen.stream().anyMatch(d -> d.type().equals("upload.deleted")), SETTLED);
        // Never served, never announced as completed.
        assertFalse(app.acceptedOf(plain).stream().anyMatch(d -> d.type().equals("upload.completed")));
        // Only operators release or delete.
        client.api().post("/api/v1/admin/uploads/" + plain + "/release").then().statusCode(403);
    }

    @Test
    void anObjectOverTheScanLimitIsQuarantinedUnscanned() throws IOException {
        Gateway client = Gateway.as("scan-large-" + UUID.randomUUID());
        long scansBefore = clamd.scansLogged();
        String id = client.uploadWhole("big.iso", random(5 * 1024 * 1024));
        client.complete(id).then().statusCode(200);

        JsonPath quarantined = client.awaitState(id, "QUARANTINED", SETTLED);
        assertEquals("scan: 5242880 bytes, over the scan limit of 4194304", quarantined.getString("quarantineReason"));
        assertEquals(scansBefore, clamd.scansLogged(), "nothing was sent to clamd");
    }

    @Test
    void whileClamdIsDownUploadsWaitInProcessingAndFinishWhenItIsBack() throws Exception {
        String owner = "scan-outage-" + UUID.randomUUID();
        Gateway client = Gateway.as(owner);
        byte[] bytes = random(100_000);
        String id = client.uploadWhole("notes.txt", bytes);
        clamd.stop();
        try {
            client.complete(id).then().statusCode(200).body("state", equalTo("PROCESSING"));
            Awaitility.await("failed attempts while clamd is down").atMost(SETTLED).pollInterval(Duration.ofMillis(100))
                    .until(() -> admin.api().get("/api/v1/admin/uploads?state=PROCESSING&owner=" + owner)
                            .then().statusCode(200).extract().<Integer>path("items[0].processingAttempts") >= 2);
            client.get(id).then().body("state", equalTo("PROCESSING"));
            client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(409)
                    .body("code", equalTo("upload_processing")).header("Retry-After", "5");
            // Its object is assembled: nobody aborts it any more, and nobody is told they did.
            client.abort(id).then().statusCode(409).body("code", equalTo("upload_not_active"));
            admin.api().post("/api/v1/admin/uploads/" + id + "/abort").then().statusCode(409);
            given().get(metrics).then().body(containsString("gateway_scanner_up 0.0"));
        } finally {
            clamd.start();
        }
        client.awaitState(id, "COMPLETED", SETTLED);
        client.get(id).then().body("processing[0].verdict", equalTo("PASSED"));
    }

    @Test
    void anUploadADeadReplicaTookIsTakenOverOnceItsLeaseEnded() throws Exception {
        Gateway client = Gateway.as("scan-takeover-" + UUID.randomUUID());
        String id = client.uploadWhole("orphaned.bin", random(50_000));
        Instant leaseEnds = clock.instant().plusSeconds(3);
        clamd.stop();
        try {
            client.complete(id).then().statusCode(200).body("state", equalTo("PROCESSING"));
            // A replica takes it and dies before any verdict: its lease is all that is left of it.
            Awaitility.await("taken by the replica that will die").atMost(SETTLED).pollInterval(Duration.ofMillis(50))
                    .until(() -> takenByAReplicaThatDies(leaseEnds).contains(id));
        } finally {
            clamd.start();
        }
        JsonPath done = client.awaitState(id, "COMPLETED", SETTLED);
        Instant scannedAt = Instant.parse(done.getString("processing[0].at"));
        assertFalse(scannedAt.isBefore(leaseEnds), "scanned at " + scannedAt + ", the lease ended at " + leaseEnds);
        assertEquals(1, done.getList("processing").size());
    }

    @Test
    void runnersOfSeveralReplicasScanEachUploadOnce() throws Exception {
        Gateway client = Gateway.as("scan-replicas-" + UUID.randomUUID());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(client.uploadWhole("file-" + i + ".bin", random(300_000 + i)));
        }
        long scansBefore = clamd.scansLogged(); // before it stops: a runner may scan the moment it is back
        clamd.stop(); // they pile up in PROCESSING, then every runner finds them due at once
        try {
            ids.forEach(id -> client.complete(id).then().statusCode(200).body("state", equalTo("PROCESSING")));
        } finally {
            clamd.start();
        }
        // Four more runners beside the scheduled one, each on its own Vert.x context: replicas polling at once.
        List<CompletableFuture<List<String>>> runners = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            for (int r = 0; r < 4; r++) {
                runners.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return VertxContextSupport.subscribeAndAwait(() -> stage.runDue());
                    } catch (Throwable e) {
                        throw new CompletionException(e);
                    }
                }));
            }
            CompletableFuture.allOf(runners.toArray(CompletableFuture[]::new)).join();
        }
        ids.forEach(id -> client.awaitState(id, "COMPLETED", SETTLED));

        // clamd logs a scan just after it answers: wait for the lines, then none may be extra.
        Awaitility.await("clamd's log of the scans").atMost(SETTLED).pollInterval(Duration.ofMillis(50))
                .until(() -> clamd.scansLogged() - scansBefore >= ids.size());
        assertEquals(ids.size(), clamd.scansLogged() - scansBefore, "clamd scanned each upload exactly once");
        for (String id : ids) {
            client.get(id).then().body("processing.size()", equalTo(1));
            List<WebhookReceiver.Delivery> events = app.awaitAccepted(id,
                    seen -> seen.stream().anyMatch(d -> d.type().equals("upload.completed")), SETTLED);
            assertEquals(1, events.stream().filter(d -> d.type().equals("upload.completed")).count());
        }
    }

    /** What a runner takes (every upload due within the next minute) with a lease to {@code leaseEnds}: their ids. */
    private List<String> takenByAReplicaThatDies(Instant leaseEnds) {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> ledger.transaction(() -> operators.takeDueProcessing(
                    clock.instant().plusSeconds(60), 1000, UUID.randomUUID(), leaseEnds)))
                    .stream().map(taken -> taken.id.toString()).toList();
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private String quarantineKeyOf(String owner, String id) {
        return admin.api().get("/api/v1/admin/uploads?state=QUARANTINED&owner=" + owner).then().statusCode(200)
                .extract().path("items.find { it.id == '" + id + "' }.quarantineKey");
    }

    private void assertGone(String key) {
        CompletionException gone = assertThrows(CompletionException.class,
                () -> s3.getObject(r -> r.bucket(TestStack.BUCKET).key(key), AsyncResponseTransformer.toBytes()).join());
        assertInstanceOf(NoSuchKeyException.class, gone.getCause());
    }

    private static byte[] zipOfEicar() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("photos/readme.com"));
            zip.write(EmbeddedClamd.EICAR.getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry("photos/beach.txt"));
            zip.write("sand".getBytes(StandardCharsets.US_ASCII));
            zip.closeEntry();
        }
        return bytes.toByteArray();
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }
}
