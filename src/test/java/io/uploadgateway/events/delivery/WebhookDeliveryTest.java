package io.uploadgateway.events.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.uploadgateway.upload.janitor.Janitor;
import io.uploadgateway.support.AppBackend;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import io.uploadgateway.support.WebhookReceiver;
import io.uploadgateway.support.WebhookReceiver.Delivery;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedPart;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Upload events reach the app backend as signed Standard Webhooks, against a real receiver over
 * HTTP that checks every signature and counts duplicates: exactly once per state change however
 * completions race or recover, retried through failures and outages, in order per upload, dead
 * after the max age, redelivered on request.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
@WithTestResource(AppBackend.class)
class WebhookDeliveryTest {

    /** Metrics are on the management interface. */
    @TestHTTPResource(value = "metrics", management = true)
    java.net.URL metricsUrl;

    private static final Duration WAIT = Duration.ofSeconds(30);

    WebhookReceiver backend;

    @Inject
    Janitor janitor;

    @Inject
    S3AsyncClient s3;

    @AfterEach
    void everyDeliveryWasSignedAndNoneArrivedTwice() {
        TestClock.reset();
        backend.answer(delivery -> 204);
        assertEquals(List.of(), backend.badSignatures(), "every call carried a valid signature");
        assertEquals(Map.of(), backend.duplicates(), "no event was accepted twice");
    }

    @Test
    void aCompletedUploadIsOneSignedUploadCompletedEventDeliveredAfterRetries() throws Exception {
        Gateway client = Gateway.as(unique("webhook"));
        String id = client.api().body(Map.of("filename", "report.pdf", "size", 100, "contentType", "application/pdf",
                        "metadata", Map.of("album", "2026")))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        backend.failFirst(id, "upload.completed", 2); // 503, 503, then 2xx
        client.uploadPart(id, 1, Bytes.random(100, 1));
        String etag = client.complete(id).then().statusCode(200).extract().path("etag");

        List<Delivery> accepted = backend.awaitAccepted(id, got -> got.size() == 2, WAIT);
        assertEquals(List.of("upload.created", "upload.completed"), accepted.stream().map(Delivery::type).toList());
        List<Delivery> attempts = backend.deliveriesOf(id).stream().filter(d -> d.type().equals("upload.completed")).toList();
        assertEquals(List.of(503, 503, 204), attempts.stream().map(Delivery::answered).toList(), "retried until accepted");
        assertEquals(1, attempts.stream().map(Delivery::id).distinct().count(), "the same webhook-id on every attempt");
        assertTrue(attempts.stream().allMatch(Delivery::signatureValid));
        for (Delivery attempt : attempts) {
            long sent = Long.parseLong(attempt.timestamp());
            assertTrue(Math.abs(sent - Instant.now().getEpochSecond()) < 300, "webhook-timestamp is unix seconds of the attempt");
        }

        JsonNode event = accepted.get(1).event();
        assertEquals("upload.completed", event.path("type").asText());
        assertNotNull(Instant.parse(event.path("timestamp").asText()));
        JsonNode data = event.path("data");
        String key = client.get(id).path("key");
        assertEquals(id, data.path("id").asText());
        assertEquals(client.get(id).path("state"), data.path("state").asText());
        assertEquals("COMPLETED", data.path("state").asText());
        assertEquals(TestStack.BUCKET, data.path("bucket").asText());
        assertEquals(key, data.path("key").asText());
        assertEquals("report.pdf", data.path("filename").asText());
        assertEquals(100, data.path("size").asLong());
        assertEquals("application/pdf", data.path("contentType").asText());
        assertEquals(etag, data.path("etag").asText());
        assertEquals("2026", data.path("metadata").path("album").asText());
        assertNotNull(Instant.parse(data.path("createdAt").asText()));
        assertNotNull(Instant.parse(data.path("completedAt").asText()));
        assertTrue(data.has("owner"));
        JsonNode created = accepted.get(0).event().path("data");
        assertEquals("UPLOADING", created.path("state").asText());
        assertTrue(created.path("etag").isNull() && created.path("completedAt").isNull());

        // The ledger agrees: delivered on the third attempt.
        String eventId = accepted.get(1).id();
        admin().get("/api/v1/admin/events/" + eventId).then().statusCode(200)
                .body("status", equalTo("delivered")).body("attempts", equalTo(3)).body("lastStatus", equalTo(204))
                .body("uploadId", equalTo(id)).body("payload.type", equalTo("upload.completed"));
        // Delivered is final in the ledger (dispatchers claim only pending events): this was its one delivery.
        assertEquals(1, backend.acceptedOf(id).stream().filter(d -> d.type().equals("upload.completed")).count());

        String metrics = RestAssured.given().get(metricsUrl).then().statusCode(200).extract().asString();
        assertTrue(metric(metrics, "gateway_webhook_failed_attempts_total") >= 2, metrics);
        assertTrue(metric(metrics, "gateway_webhook_delivered_total") >= 2);
        assertTrue(metric(metrics, "gateway_webhook_delivery_latency_seconds_count") >= 2);
        assertTrue(metrics.contains("gateway_events_oldest_pending_age_seconds"), metrics);
        assertTrue(metrics.contains("gateway_events_pending"));
    }

    @Test
    void twentyConcurrentCompletesEmitOneUploadCompleted() throws Exception {
        Gateway client = Gateway.as(unique("racer"));
        String id = client.start("race.bin", 100, null).getString("id");
        client.uploadPart(id, 1, Bytes.random(100, 2));

        for (Response answer : concurrently(20, () -> client.complete(id))) {
            assertEquals(200, answer.statusCode(), answer.asString());
        }
        backend.awaitAccepted(id, got -> got.stream().anyMatch(d -> d.type().equals("upload.completed")), WAIT);
        assertEquals(1, eventsInLedger(id, "upload.completed"), "one event in the outbox");
        String eventId = backend.acceptedOf(id).stream().filter(d -> d.type().equals("upload.completed")).findFirst().orElseThrow().id();
        backend.await("the delivery recorded", WAIT,
                () -> "delivered".equals(admin().get("/api/v1/admin/events/" + eventId).path("status")));
        // One event, delivered, so never claimed again: it went out once.
        assertEquals(1, backend.deliveriesOf(id).stream().filter(d -> d.type().equals("upload.completed")).count());
    }

    @Test
    void aCompletionRecoveredAfterACrashIsOneUploadCompleted() throws Exception {
        Gateway client = Gateway.as(unique("crashy"));
        String id = client.start("half-done.bin", 100, null).getString("id");
        client.uploadPart(id, 1, Bytes.random(100, 3));
        completeBehindTheGatewaysBack(client.get(id).path("key"));

        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
        client.complete(id).then().statusCode(200);
        backend.awaitAccepted(id, got -> got.size() == 2, WAIT);
        assertEquals(1, eventsInLedger(id, "upload.completed"));
        assertEquals(List.of("upload.created", "upload.completed"), backend.acceptedOf(id).stream().map(Delivery::type).toList());
    }

    @Test
    void anAbortThatFindsTheUploadAssembledInStorageRemovesItAndEmitsUploadAborted() throws Exception {
        // A completion storage finished but the ledger never recorded: the owner's abort still
        // removes everything the upload put in storage, and nothing is announced as completed.
        Gateway client = Gateway.as(unique("late-abort"));
        String id = client.start("done-already.bin", 100, null).getString("id");
        client.uploadPart(id, 1, Bytes.random(100, 4));
        String key = client.get(id).path("key");
        completeBehindTheGatewaysBack(key);

        client.abort(id).then().statusCode(204);
        client.get(id).then().body("state", equalTo("ABORTED"));
        assertThrows(java.util.concurrent.CompletionException.class,
                () -> s3.headObject(r -> r.bucket(TestStack.BUCKET).key(key)).join(), "the assembled object is gone");
        backend.awaitAccepted(id, got -> got.size() == 2, WAIT);
        assertEquals(List.of("upload.created", "upload.aborted"), backend.acceptedOf(id).stream().map(Delivery::type).toList());
        assertEquals(0, eventsInLedger(id, "upload.completed"));
    }

    @Test
    void twoJanitorsExpiringAtOnceEmitOneUploadExpired() throws Exception {
        Gateway client = Gateway.as(unique("idle"));
        String id = client.start("forgotten.bin", 100, null).getString("id");
        backend.awaitAccepted(id, got -> got.size() == 1, WAIT);
        TestClock.advance(Duration.ofDays(8));

        CountDownLatch start = new CountDownLatch(1);
        CompletableFuture<Janitor.SweepReport> first = CompletableFuture.supplyAsync(() -> sweepAfter(start));
        CompletableFuture<Janitor.SweepReport> second = CompletableFuture.supplyAsync(() -> sweepAfter(start));
        start.countDown();
        first.get(60, TimeUnit.SECONDS);
        second.get(60, TimeUnit.SECONDS);

        backend.awaitAccepted(id, got -> got.size() == 2, WAIT);
        assertEquals(List.of("upload.created", "upload.expired"), backend.acceptedOf(id).stream().map(Delivery::type).toList());
        assertEquals(1, eventsInLedger(id, "upload.expired"));
        // The sweep expired other tests' idle uploads too: let their events go out before time moves back.
        backend.await("an empty backlog", WAIT, () -> pendingInLedger() == 0);
    }

    @Test
    void eventsWaitWhileTheReceiverIsDownAndArriveInOrderWhenItReturns() throws Exception {
        Gateway client = Gateway.as(unique("patient"));
        String kept;
        String dropped;
        String finished;
        double failedBefore = metric(RestAssured.given().get(metricsUrl).asString(), "gateway_webhook_failed_attempts_total");
        backend.down();
        try {
            kept = client.start("kept.bin", 100, null).getString("id");
            dropped = client.start("dropped.bin", 100, null).getString("id");
            finished = client.start("finished.bin", 100, null).getString("id");
            client.abort(dropped).then().statusCode(204);
            client.uploadPart(finished, 1, Bytes.random(100, 5));
            client.complete(finished).then().statusCode(200);

            // Nothing gets through; the events wait, retried, and the backlog shows them.
            backend.await("failed attempts while the receiver is down", WAIT, () -> metric(
                    RestAssured.given().get(metricsUrl).asString(), "gateway_webhook_failed_attempts_total") >= failedBefore + 3);
            var stats = admin().get("/api/v1/admin/stats").then().statusCode(200).extract().jsonPath();
            assertTrue(stats.getBoolean("events.webhooks"));
            assertTrue(stats.getLong("events.pending") >= 5, stats.prettify());
            assertNotNull(stats.getString("events.oldestPendingAt"));
            List<Map<String, Object>> pending = admin().queryParam("status", "pending").queryParam("limit", 500)
                    .get("/api/v1/admin/events").then().statusCode(200).extract().jsonPath().getList("items");
            assertTrue(pending.stream().anyMatch(e -> kept.equals(e.get("uploadId")) && ((Integer) e.get("attempts")) >= 1
                    && e.get("lastError") != null), pending.toString());
            assertTrue(pending.stream().anyMatch(e -> finished.equals(e.get("uploadId")) && "upload.completed".equals(e.get("type"))
                    && ((Integer) e.get("attempts")) == 0), "a later event of an upload waits for the earlier one: " + pending);
        } finally {
            backend.up();
        }

        backend.awaitAccepted(kept, got -> got.size() == 1, WAIT);
        backend.awaitAccepted(dropped, got -> got.size() == 2, WAIT);
        backend.awaitAccepted(finished, got -> got.size() == 2, WAIT);
        assertEquals(List.of("upload.aborted"), typesAfterTheFirst(dropped));
        assertEquals(List.of("upload.completed"), typesAfterTheFirst(finished));
        for (String id : List.of(dropped, finished)) {
            List<Delivery> all = backend.deliveriesOf(id);
            int createdAccepted = indexOf(all, "upload.created", true);
            int laterFirstTried = all.stream().filter(d -> !d.type().equals("upload.created")).findFirst().map(all::indexOf).orElseThrow();
            assertTrue(createdAccepted < laterFirstTried, "the later event was not even tried before the created one was in: " + all);
        }
        backend.await("an empty backlog", WAIT, () -> admin().get("/api/v1/admin/stats").jsonPath().getLong("events.pending") == 0);
    }

    @Test
    void anEventUndeliveredForTheMaxAgeIsDeadUntilRedelivered() throws Exception {
        String owner = unique("unlucky");
        backend.answer(delivery -> owner.equals(delivery.event().path("data").path("owner").asText()) ? 500 : 204);
        String id = Gateway.as(owner).start("refused.bin", 100, null).getString("id");
        backend.await("refused attempts", WAIT, () -> backend.deliveriesOf(id).size() >= 2);
        String eventId = backend.deliveriesOf(id).get(0).id();
        admin().get("/api/v1/admin/events/" + eventId).then().statusCode(200).body("status", equalTo("pending"));

        TestClock.advance(Duration.ofDays(3).plusHours(1)); // past GATEWAY_WEBHOOK_MAX_AGE (P3D)
        backend.await("the event to die", WAIT, () -> "dead".equals(admin().get("/api/v1/admin/events/" + eventId).path("status")));
        List<String> dead = admin().queryParam("status", "dead").queryParam("type", "upload.created").queryParam("limit", 500)
                .get("/api/v1/admin/events").then().statusCode(200).extract().jsonPath().getList("items.id");
        assertTrue(dead.contains(eventId));
        assertTrue(admin().get("/api/v1/admin/stats").jsonPath().getLong("events.dead") >= 1);
        assertTrue(metric(RestAssured.given().get(metricsUrl).asString(), "gateway_webhook_dead_total") >= 1);
        int attemptsWhileDead = backend.deliveriesOf(id).size();
        awaitADispatchPass();
        assertEquals(attemptsWhileDead, backend.deliveriesOf(id).size(), "a dead event is not tried again");

        TestClock.reset();
        backend.answer(delivery -> 204);
        admin().post("/api/v1/admin/events/" + eventId + "/redeliver").then().statusCode(200)
                .body("status", equalTo("pending")).body("attempts", equalTo(0));
        List<Delivery> accepted = backend.awaitAccepted(id, got -> got.size() == 1, WAIT);
        assertEquals(eventId, accepted.get(0).id(), "redelivered under the same webhook-id");
        backend.await("the ledger to record it", WAIT,
                () -> "delivered".equals(admin().get("/api/v1/admin/events/" + eventId).path("status")));

        admin().post("/api/v1/admin/events/" + UUID.randomUUID() + "/redeliver").then().statusCode(404).body("code", equalTo("not_found"));
        admin().queryParam("status", "lost").get("/api/v1/admin/events").then().statusCode(400).body("code", equalTo("invalid_request"));
        admin().queryParam("after", "bogus").get("/api/v1/admin/events").then().statusCode(400).body("code", equalTo("invalid_request"));
        Gateway.as("not-an-operator").api().get("/api/v1/admin/events").then().statusCode(403).body("code", equalTo("forbidden"));
    }

    @Test
    void aClaimLeftByACrashedReplicaIsRetakenOnceItsLeaseRunsOut() throws Exception {
        // Another replica claimed this event and died mid-delivery: its lease holds for an hour.
        String upload = UUID.randomUUID().toString();
        String event = UUID.randomUUID().toString();
        try (Connection db = Ledger.connect();
             PreparedStatement insert = db.prepareStatement("insert into events (id, subject, type, payload, occurred_at,"
                     + " status, pending_since, lease_holder, lease_until) values (?::uuid, ?::uuid, 'upload.created', ?::json, now(),"
                     + " 'pending', now(), gen_random_uuid(), now() + interval '1 hour')")) {
            insert.setString(1, event);
            insert.setString(2, upload);
            insert.setString(3, "{\"type\":\"upload.created\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"data\":{\"id\":\"" + upload + "\"}}");
            insert.executeUpdate();
        }
        awaitADispatchPass();
        assertEquals(List.of(), backend.deliveriesOf(upload), "nobody sends an event another replica holds");

        TestClock.advance(Duration.ofMinutes(61));
        List<Delivery> accepted = backend.awaitAccepted(upload, got -> got.size() == 1, WAIT);
        assertEquals(event, accepted.get(0).id());
        backend.await("the ledger to record it", WAIT,
                () -> "delivered".equals(admin().get("/api/v1/admin/events/" + event).path("status")));
    }

    @Test
    void theAdminListingPagesByCursorOldestFirst() {
        Gateway client = Gateway.as(unique("paged"));
        String id = client.start("paged.bin", 100, null).getString("id");
        backend.awaitAccepted(id, got -> got.size() == 1, WAIT);
        var first = admin().queryParam("type", "upload.created").queryParam("status", "delivered").queryParam("limit", 1)
                .get("/api/v1/admin/events").then().statusCode(200).extract().jsonPath();
        assertEquals(1, first.getList("items").size());
        String cursor = first.getString("nextCursor");
        assertNotNull(cursor);
        var second = admin().queryParam("type", "upload.created").queryParam("status", "delivered").queryParam("limit", 1)
                .queryParam("after", cursor).get("/api/v1/admin/events").then().statusCode(200).extract().jsonPath();
        assertTrue(second.getLong("items[0].seq") > first.getLong("items[0].seq"));
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Waits until the dispatcher has run since now: an event written now (a new upload's, of an
     * owner of its own) reaches the receiver. Whatever the dispatcher would send of the events it
     * saw before, it has had its chance.
     */
    private void awaitADispatchPass() {
        String marker = Gateway.as(unique("marker")).start("marker.bin", 100, null).getString("id");
        backend.awaitAccepted(marker, got -> !got.isEmpty(), WAIT);
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return Gateway.withToken(Tokens.forAdmin("ops")).api();
    }

    private static String unique(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Event types accepted for the upload after its first (upload.created). */
    private List<String> typesAfterTheFirst(String uploadId) {
        List<String> types = backend.acceptedOf(uploadId).stream().map(Delivery::type).toList();
        assertEquals("upload.created", types.get(0));
        return types.subList(1, types.size());
    }

    private static int indexOf(List<Delivery> deliveries, String type, boolean accepted) {
        for (int i = 0; i < deliveries.size(); i++) {
            if (deliveries.get(i).type().equals(type) && deliveries.get(i).accepted() == accepted) {
                return i;
            }
        }
        throw new AssertionError("no " + type + " in " + deliveries);
    }

    /** A gateway completed the upload in S3 and died before its ledger heard of it. */
    private void completeBehindTheGatewaysBack(String key) {
        String s3UploadId = s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().get(0).uploadId();
        var parts = s3.listParts(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(s3UploadId)).join().parts();
        s3.completeMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(s3UploadId)
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(parts.get(0).eTag()).build()))).join();
    }

    private static long eventsInLedger(String uploadId, String type) throws Exception {
        try (Connection db = Ledger.connect();
             PreparedStatement count = db.prepareStatement("select count(*) from events where subject = ?::uuid and type = ?")) {
            count.setString(1, uploadId);
            count.setString(2, type);
            try (ResultSet rows = count.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private static long pendingInLedger() {
        try (Connection db = Ledger.connect();
             PreparedStatement count = db.prepareStatement("select count(*) from events where status = 'pending'");
             ResultSet rows = count.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Janitor.SweepReport sweepAfter(CountDownLatch start) {
        try {
            start.await();
            return VertxContextSupport.subscribeAndAwait(janitor::sweep);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static double metric(String metrics, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? (\\S+)$").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static List<Response> concurrently(int n, Callable<Response> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch ready = new CountDownLatch(1);
            List<Future<Response>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> {
                    ready.await();
                    return call.call();
                }));
            }
            ready.countDown();
            List<Response> answers = new ArrayList<>();
            for (Future<Response> f : futures) {
                answers.add(f.get(60, TimeUnit.SECONDS));
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }
}
