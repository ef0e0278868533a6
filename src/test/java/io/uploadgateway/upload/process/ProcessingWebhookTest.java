package io.uploadgateway.upload.process;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.embedded.EmbeddedClamd;
import io.uploadgateway.support.AppBackend;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import io.uploadgateway.support.WebhookReceiver;
import io.uploadgateway.support.WebhookReceiver.HookAnswer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook step after the scan: the app backend is asked (signed, like every webhook) and
 * passes or fails an upload at once, or answers 202 and is asked again until it posts its verdict;
 * and with {@code over-limit=skip} a file over the scan limit skips the scan, recorded as such.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.SCAN, value = "clamd"),
        @ResourceArg(name = "gateway.scan.max-size", value = "1M"),
        @ResourceArg(name = "gateway.scan.over-limit", value = "skip"),
        @ResourceArg(name = "gateway.processing.poll", value = "PT0.2S"),
        @ResourceArg(name = "gateway.processing.retry-min", value = "PT0.3S"),
        @ResourceArg(name = "gateway.processing.retry-max", value = "PT0.6S")})
@WithTestResource(value = AppBackend.class, initArgs = @ResourceArg(name = AppBackend.PROCESSING, value = "webhook"))
class ProcessingWebhookTest {

    private static final Duration SETTLED = Duration.ofSeconds(30);

    WebhookReceiver app;

    EmbeddedClamd clamd;

    private final Gateway admin = Gateway.withToken(Tokens.forAdmin("moderation-app"));

    @Test
    void theAppPassesOrFailsAnUploadAtOnceAfterTheScan() {
        Gateway client = Gateway.as("moderated-" + UUID.randomUUID());
        app.processingAnswers("fine.pdf", HookAnswer.json(200, "{\"verdict\": \"pass\"}"));
        app.processingAnswers("nope.pdf", HookAnswer.json(200, "{\"verdict\": \"fail\", \"reason\": \"not a document we accept\"}"));
        String fine = upload(client, "fine.pdf", 20_000);
        String nope = upload(client, "nope.pdf", 20_000);
        client.complete(fine).then().statusCode(200).body("state", equalTo("PROCESSING"));
        client.complete(nope).then().statusCode(200).body("state", equalTo("PROCESSING"));

        assertEquals(List.of("PASSED", "PASSED"), client.awaitState(fine, "COMPLETED", SETTLED).getList("processing.verdict"));
        client.get(fine).then().body("processing[0].step", equalTo("scan")).body("processing[1].step", equalTo("webhook"));
        client.api().get("/api/v1/uploads/" + fine + "/download").then().statusCode(200);

        JsonPath refused = client.awaitState(nope, "QUARANTINED", SETTLED);
        assertEquals("webhook: not a document we accept", refused.getString("quarantineReason"));
        assertEquals("FAILED", refused.getString("processing[1].verdict"));

        // The app was asked once per upload, in a call it can verify, about an object the scan had cleared.
        WebhookReceiver.Delivery call = app.processingCallsOf(fine).get(0);
        assertEquals(1, app.processingCallsOf(fine).size());
        assertTrue(call.signatureValid());
        assertEquals("upload.processing", call.type());
        assertEquals("PASSED", call.event().path("data").path("processing").path(0).path("verdict").asText());
        assertEquals("processing_" + fine, call.id());
    }

    @Test
    void aPendingVerdictIsAskedForAgainUntilTheAppPostsIt() {
        Gateway client = Gateway.as("slow-moderation-" + UUID.randomUUID());
        String id = upload(client, "later.mov", 50_000); // the app answers 202: it will decide later
        client.complete(id).then().statusCode(200);
        Awaitility.await("the app asked again").atMost(SETTLED).pollInterval(Duration.ofMillis(100))
                .until(() -> app.processingCallsOf(id).size() >= 3);
        client.get(id).then().body("state", equalTo("PROCESSING"));
        client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(409).body("code", equalTo("upload_processing"));

        admin.api().body(Map.of("verdict", "maybe")).post("/api/v1/admin/uploads/" + id + "/verdict").then().statusCode(400)
                .contentType("application/problem+json");
        admin.api().body(Map.of("verdict", "pass", "reason", "reviewed by a person")).post("/api/v1/admin/uploads/" + id + "/verdict")
                .then().statusCode(200);
        JsonPath ready = client.awaitState(id, "COMPLETED", SETTLED);
        assertEquals("reviewed by a person", ready.getString("processing[1].detail"));
        // A repeat (the app retrying its callback) changes nothing.
        admin.api().body(Map.of("verdict", "fail")).post("/api/v1/admin/uploads/" + id + "/verdict").then().statusCode(200)
                .body("state", equalTo("COMPLETED"));
        // Only operators' tokens post verdicts.
        client.api().body(Map.of("verdict", "pass")).post("/api/v1/admin/uploads/" + id + "/verdict").then().statusCode(403);
    }

    @Test
    void overTheScanLimitWithSkipTheScanIsRecordedAsSkippedAndTheNextStepDecides() throws IOException {
        Gateway client = Gateway.as("large-" + UUID.randomUUID());
        app.processingAnswers("big.bin", HookAnswer.json(200, "{\"verdict\": \"pass\"}"));
        long scans = clamd.scansLogged();
        String id = upload(client, "big.bin", 1_500_000);
        client.complete(id).then().statusCode(200);

        JsonPath ready = client.awaitState(id, "COMPLETED", SETTLED);
        assertEquals("SKIPPED", ready.getString("processing[0].verdict"));
        assertEquals("1500000 bytes, over the scan limit of 1048576", ready.getString("processing[0].detail"));
        assertEquals(scans, clamd.scansLogged(), "nothing was sent to clamd");
    }

    private static String upload(Gateway client, String filename, int size) {
        return client.uploadWhole(filename, Bytes.random(size, size));
    }
}
