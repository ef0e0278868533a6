package io.uploadgateway.hook;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.uploadgateway.support.AppBackend;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.WebhookReceiver;
import io.uploadgateway.support.WebhookReceiver.HookAnswer;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pre-create hook, against a real HTTP hook: the signed intent goes out before anything is
 * created; a 2xx allows (and may add metadata), a 4xx rejects, a timeout or 5xx fails closed —
 * and when the answer is no, neither S3 nor the ledger holds anything.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
@WithTestResource(AppBackend.class)
class PreCreateHookTest {

    WebhookReceiver backend;

    @Inject
    S3AsyncClient s3;

    @AfterEach
    void everyHookCallWasSigned() {
        assertEquals(List.of(), backend.badSignatures());
    }

    @Test
    void aHookThatAllowsSeesTheSignedIntentAndMayAddMetadata() {
        String owner = unique("allowed");
        backend.hookAnswers(owner, HookAnswer.json(200, "{\"metadata\": {\"tenant\": \"acme\", \"album\": \"from-hook\"}}"));
        Gateway client = Gateway.as(owner);
        Response created = client.api().body(Map.of("filename", "holiday.mov", "size", 6_000_000, "contentType", "video/quicktime",
                "metadata", Map.of("album", "2026", "camera", "x100"))).post("/api/v1/uploads");
        created.then().statusCode(201)
                .body("metadata.tenant", equalTo("acme"))
                .body("metadata.album", equalTo("from-hook"))
                .body("metadata.camera", equalTo("x100"));
        String id = created.path("id");

        List<WebhookReceiver.Delivery> calls = backend.hookCallsOf(owner);
        assertEquals(1, calls.size());
        JsonNode call = calls.get(0).event();
        assertTrue(calls.get(0).signatureValid());
        assertTrue(calls.get(0).id().startsWith("hook_"));
        assertEquals("upload.pre-create", call.path("type").asText());
        JsonNode intent = call.path("data");
        assertEquals(owner, intent.path("owner").asText());
        assertEquals("holiday.mov", intent.path("filename").asText());
        assertEquals(6_000_000, intent.path("size").asLong());
        assertEquals("video/quicktime", intent.path("contentType").asText());
        assertEquals("2026", intent.path("metadata").path("album").asText());

        // The upload.created event carries what was stored, the hook's metadata included.
        var delivered = backend.awaitAccepted(id, got -> got.size() == 1, Duration.ofSeconds(30));
        assertEquals("acme", delivered.get(0).event().path("data").path("metadata").path("tenant").asText());
    }

    @Test
    void anIdempotentReplayDoesNotAskTheHookAgain() {
        String owner = unique("replayer");
        Gateway client = Gateway.as(owner);
        String key = UUID.randomUUID().toString();
        String first = client.api().header("Idempotency-Key", key).body(Map.of("filename", "once.bin", "size", 100))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        String again = client.api().header("Idempotency-Key", key).body(Map.of("filename", "once.bin", "size", 100))
                .post("/api/v1/uploads").then().statusCode(200).extract().path("id");
        assertEquals(first, again);
        assertEquals(1, backend.hookCallsOf(owner).size(), "the replay answered from the ledger");
    }

    @Test
    void aHookThatSaysNoRejectsTheCreateAndNothingIsCreated() {
        String owner = unique("refused");
        backend.hookAnswers(owner, HookAnswer.json(422, "{\"message\": \"quota exceeded for acme\"}"));
        Gateway client = Gateway.as(owner);
        client.api().body(Map.of("filename", "too-much.bin", "size", 100)).post("/api/v1/uploads").then()
                .statusCode(403).contentType("application/problem+json")
                .body("code", equalTo("rejected_by_hook"))
                .body("hookMessage", equalTo("quota exceeded for acme"))
                .body("hookStatus", equalTo(422))
                .body("detail", containsString("quota exceeded for acme"));

        backend.hookAnswers(owner, new HookAnswer(403, "text/plain", "uploads are closed\u0007 today", Duration.ZERO));
        client.api().body(Map.of("filename", "too-much.bin", "size", 100)).post("/api/v1/uploads").then()
                .statusCode(403).body("code", equalTo("rejected_by_hook")).body("hookMessage", equalTo("uploads are closed today"));

        assertNothingCreatedFor(owner);
    }

    @Test
    void aHookThatTimesOutOrFailsFailsClosed() {
        String owner = unique("unanswered");
        Gateway client = Gateway.as(owner);
        // GATEWAY_HOOK_PRE_CREATE_TIMEOUT is PT1S here: the gateway gives up on a hook that would answer
        // "allowed" after 3 s, and says so.
        backend.hookAnswers(owner, HookAnswer.slow(Duration.ofSeconds(3)));
        client.api().body(Map.of("filename", "waiting.bin", "size", 100)).post("/api/v1/uploads").then()
                .statusCode(503).body("code", equalTo("hook_unavailable")).header("Retry-After", equalTo("5"))
                .body("detail", containsString("did not answer within PT1S"));

        backend.hookAnswers(owner, HookAnswer.json(500, "{\"message\": \"database down\"}"));
        client.api().body(Map.of("filename", "waiting.bin", "size", 100)).post("/api/v1/uploads").then()
                .statusCode(503).body("code", equalTo("hook_unavailable"));

        backend.hookAnswers(owner, HookAnswer.json(200, "[\"not\", \"an\", \"object\"]"));
        client.api().body(Map.of("filename", "waiting.bin", "size", 100)).post("/api/v1/uploads").then()
                .statusCode(503).body("code", equalTo("hook_unavailable"));

        assertNothingCreatedFor(owner);
    }

    private void assertNothingCreatedFor(String owner) {
        Gateway.as(owner).api().get("/api/v1/uploads").then().statusCode(200).body("items.size()", equalTo(0));
        var pending = s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix("uploads/" + owner + "/")).join().uploads();
        assertEquals(List.of(), pending, "no multipart upload in storage");
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
