package io.uploadgateway.storage;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.AppBackend;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.FaultyS3;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import io.uploadgateway.support.WebhookReceiver;
import io.uploadgateway.support.WebhookReceiver.HookAnswer;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.upload.janitor.Janitor;
import io.uploadgateway.upload.ledger.KeySpace;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One gateway, two stores: {@code default} (bucket {@value TestStack#BUCKET}) and {@code b} (bucket
 * {@value TestStack#BUCKET}{@code -b}, reached through a proxy of its own). The pre-create hook
 * routes one owner's uploads to {@code b} (and without the hook's word, a token's {@code tenant}
 * claim does); the bytes land in that store's bucket (checked with
 * S3's own API), downloads come from it, the janitor expires and sweeps each store, and with
 * {@code b} hung (its own 3 s call bound ends its calls), the default store's uploads keep working while
 * readiness and the metrics say which is down.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.SECOND_STORE, value = "b"),
        @ResourceArg(name = "gateway.store-claim", value = "tenant"),
        @ResourceArg(name = "gateway.store-by-claim.acme", value = "b"),
        @ResourceArg(name = "gateway.stores.b.storage.call-timeout", value = "PT3S")})
@WithTestResource(AppBackend.class)
class TwoStoresTest {

    private static final String BUCKET_B = TestStack.BUCKET + "-b";

    @TestHTTPResource(value = "", management = true)
    URL management;

    WebhookReceiver backend;

    /** The proxy in front of store b only. */
    FaultyS3 storeB;

    @Inject
    S3AsyncClient s3;

    @Inject
    Stores stores;

    @Inject
    KeySpace keys;

    @Inject
    Janitor janitor;

    @AfterEach
    void reset() {
        TestClock.reset();
        storeB.mode(FaultyS3.Action.FORWARD);
    }

    @Test
    void theHookRoutesEachOwnersUploadsToTheirStoreAndEveryStepUsesIt() {
        Gateway inDefault = Gateway.as(owner("default", null));
        Gateway inB = Gateway.as(owner("b", "b"));
        byte[] a = Bytes.random(5 * 1024 * 1024 + 10, 1);
        byte[] b = Bytes.random(5 * 1024 * 1024 + 20, 2);

        String idA = uploadWhole(inDefault, "a.bin", a);
        String idB = uploadWhole(inB, "b.bin", b);

        JsonPath viewA = inDefault.get(idA).then().statusCode(200).body("state", equalTo("COMPLETED")).extract().jsonPath();
        JsonPath viewB = inB.get(idB).then().statusCode(200).body("state", equalTo("COMPLETED")).extract().jsonPath();
        assertTrue(viewA.getString("location").startsWith("s3://" + TestStack.BUCKET + "/"), viewA.prettify());
        assertTrue(viewB.getString("location").startsWith("s3://" + BUCKET_B + "/"), viewB.prettify());

        // S3's own view: each object in its store's bucket, and only there.
        String keyA = viewA.getString("key");
        String keyB = viewB.getString("key");
        assertEquals(a.length, s3.headObject(r -> r.bucket(TestStack.BUCKET).key(keyA)).join().contentLength());
        assertEquals(b.length, s3.headObject(r -> r.bucket(BUCKET_B).key(keyB)).join().contentLength());
        assertThrows(CompletionException.class, () -> s3.headObject(r -> r.bucket(TestStack.BUCKET).key(keyB)).join());
        assertThrows(CompletionException.class, () -> s3.headObject(r -> r.bucket(BUCKET_B).key(keyA)).join());

        // Downloads are signed for the upload's store (b's through its proxy, with its own signer).
        String urlB = inB.api().get("/api/v1/uploads/" + idB + "/download").then().statusCode(200).extract().path("url");
        assertTrue(urlB.startsWith(storeB.endpoint() + "/" + BUCKET_B + "/"), urlB);
        assertArrayEquals(b, Gateway.download(urlB).body());
        String urlA = inDefault.api().get("/api/v1/uploads/" + idA + "/download").then().statusCode(200).extract().path("url");
        assertArrayEquals(a, Gateway.download(urlA).body());

        // Events name the store and its bucket.
        var completed = backend.awaitAccepted(idB, got -> got.stream()
                .anyMatch(d -> d.event().path("type").asText().equals("upload.completed")), Duration.ofSeconds(30));
        var data = completed.get(completed.size() - 1).event().path("data");
        assertEquals("b", data.path("store").asText());
        assertEquals(BUCKET_B, data.path("bucket").asText());

        // The upload counters are tagged by store.
        String metrics = given().get(management + "metrics").then().statusCode(200).extract().asString();
        assertTrue(completedIn(metrics, "b") >= 1 && completedIn(metrics, "default") >= 1, metrics.lines()
                .filter(line -> line.startsWith("gateway_uploads_completed_total")).toList().toString());
    }

    private static double completedIn(String metrics, String store) {
        var line = java.util.regex.Pattern.compile("(?m)^gateway_uploads_completed_total\\{[^}]*store=\"" + store + "\"[^}]*} (\\S+)$")
                .matcher(metrics);
        return line.find() ? Double.parseDouble(line.group(1)) : -1;
    }

    @Test
    void withoutAStoreFromTheHookTheTokensTenantClaimChoosesIt() {
        String owner = owner("tenant", null);
        Gateway acme = Gateway.withToken(Tokens.sign(Tokens.claims(owner, Set.of("user"), Instant.now().plusSeconds(3600),
                TestStack.ISSUER).audience(TestStack.AUDIENCE).claim("tenant", "acme")));
        Gateway other = Gateway.withToken(Tokens.sign(Tokens.claims(owner, Set.of("user"), Instant.now().plusSeconds(3600),
                TestStack.ISSUER).audience(TestStack.AUDIENCE).claim("tenant", "globex")));
        byte[] body = Bytes.random(2000, 4);
        String inB = uploadWhole(acme, "acme.bin", body);
        String inDefault = uploadWhole(other, "globex.bin", body);
        assertTrue(acme.get(inB).then().extract().<String>path("location").startsWith("s3://" + BUCKET_B + "/"));
        assertTrue(other.get(inDefault).then().extract().<String>path("location").startsWith("s3://" + TestStack.BUCKET + "/"));

        // The hook's answer wins over the claim.
        String routed = "stores-hook-wins-" + UUID.randomUUID();
        backend.hookAnswers(routed, HookAnswer.json(200, "{\"store\": \"default\"}"));
        Gateway hookWins = Gateway.withToken(Tokens.sign(Tokens.claims(routed, Set.of("user"), Instant.now().plusSeconds(3600),
                TestStack.ISSUER).audience(TestStack.AUDIENCE).claim("tenant", "acme")));
        String id = uploadWhole(hookWins, "hook.bin", body);
        assertTrue(hookWins.get(id).then().extract().<String>path("location").startsWith("s3://" + TestStack.BUCKET + "/"));
    }

    @Test
    void aHookNamingAStoreTheGatewayDoesNotHaveCreatesNothing() {
        String owner = owner("nowhere", "nowhere");
        Gateway client = Gateway.as(owner);
        client.api().body(Map.of("filename", "x.bin", "size", 100)).post("/api/v1/uploads")
                .then().statusCode(503).body("code", equalTo("hook_unavailable"));
        client.api().get("/api/v1/uploads").then().statusCode(200).body("items.size()", equalTo(0));
    }

    @Test
    void theJanitorExpiresAndSweepsEachStore() throws Throwable {
        Gateway inB = Gateway.as(owner("idle-b", "b"));
        String idle = inB.start("idle.bin", 100, null).getString("id");
        String idleS3 = stores.of("b").storage().listMultipartUploads(keys.root(stores.of("b"))).await().indefinitely().stream()
                .filter(p -> p.key().contains(idle)).findFirst().orElseThrow().uploadId();
        String orphanKey = ObjectKeys.forUpload(keys.root(stores.of("b")), "crashed", UUID.randomUUID(), "half.bin");
        String orphan = s3.createMultipartUpload(r -> r.bucket(BUCKET_B).key(orphanKey)).join().uploadId();
        Gateway.withToken(Tokens.forAdmin("stores-operator")).api().get("/api/v1/admin/stats").then().statusCode(200)
                .body("byStore.b.uploading", org.hamcrest.Matchers.greaterThanOrEqualTo(1));

        TestClock.advance(Duration.ofDays(8));
        Janitor.SweepReport report = VertxContextSupport.subscribeAndAwait(() -> janitor.sweep());
        assertTrue(report.expired().contains(idle), report.toString());
        assertTrue(report.orphansAborted().contains(orphan), report.toString());
        inB.get(idle).then().statusCode(200).body("state", equalTo("EXPIRED"));
        Set<String> pendingB = s3.listMultipartUploads(r -> r.bucket(BUCKET_B)).join().uploads().stream()
                .map(MultipartUpload::uploadId).collect(Collectors.toSet());
        assertFalse(pendingB.contains(idleS3), "the expired upload's multipart upload is gone from store b");
        assertFalse(pendingB.contains(orphan), "the orphan in store b is gone");
    }

    @Test
    void anUploadWhoseStoreWasRemovedIsRefusedAndHoldsUpNoSweep() throws Throwable {
        Gateway owner = Gateway.as(owner("gone", "b"));
        String gone = owner.start("gone.bin", 100, null).getString("id");
        try (var db = io.uploadgateway.support.Ledger.connect();
             var update = db.prepareStatement("update uploads set store = 'gone' where id = ?::uuid")) {
            update.setString(1, gone);
            assertEquals(1, update.executeUpdate());
        }
        owner.get(gone).then().statusCode(200).body("location", org.hamcrest.Matchers.nullValue());
        owner.presignResponse(gone, List.of(1), null).then().statusCode(409).body("code", equalTo("storage_refused"));
        owner.complete(gone).then().statusCode(409).body("code", equalTo("storage_refused"));

        Gateway other = Gateway.as(owner("idle-default", null));
        String idle = other.start("idle.bin", 100, null).getString("id");
        TestClock.advance(Duration.ofDays(8));
        Janitor.SweepReport report = VertxContextSupport.subscribeAndAwait(() -> janitor.sweep());
        assertTrue(report.expired().contains(idle), "the other uploads expire: " + report);
        assertFalse(report.expired().contains(gone), report.toString());
    }

    @Test
    void withStoreBDownTheDefaultStoreKeepsWorkingAndReadinessSaysWhich() {
        Gateway inDefault = Gateway.as(owner("fine", null));
        Gateway inB = Gateway.as(owner("stuck", "b"));
        storeB.mode(FaultyS3.Action.HANG);

        // Store b's own call bound (3 s; the gateway's is 30 s) ends the hung create.
        long started = System.nanoTime();
        inB.api().body(Map.of("filename", "b.bin", "size", 100)).post("/api/v1/uploads")
                .then().statusCode(503).body("code", equalTo("storage_unavailable"));
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "bounded by store b's call timeout, not the gateway's 30 s: " + took);
        byte[] body = Bytes.random(1000, 3);
        String id = uploadWhole(inDefault, "fine.bin", body);
        inDefault.get(id).then().body("state", equalTo("COMPLETED"));

        JsonPath ready = await("readiness sees store b down").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                .until(() -> given().get(management + "health/ready").then().extract().jsonPath(),
                        json -> String.valueOf(bucketData(json).get("store.b")).startsWith("DOWN"));
        assertEquals("UP", ready.getString("status"), "ready while one store is: " + ready.prettify());
        assertTrue(String.valueOf(bucketData(ready).get("store.default")).startsWith("UP"), ready.prettify());
        String metrics = given().get(management + "metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("gateway_storage_up{store=\"b\"} 0.0"), "the metric says which store is down");
        assertTrue(metrics.contains("gateway_storage_up{store=\"default\"} 1.0"), "and which is up");

        storeB.mode(FaultyS3.Action.FORWARD);
        String back = uploadWhole(inB, "back.bin", body);
        inB.get(back).then().body("state", equalTo("COMPLETED"));
    }

    /** A fresh owner whose uploads the hook sends to {@code store} (null: says nothing, the default store). */
    private String owner(String name, String store) {
        String owner = "stores-" + name + "-" + UUID.randomUUID();
        backend.hookAnswers(owner, HookAnswer.json(200, store == null ? "{}" : "{\"store\": \"" + store + "\"}"));
        return owner;
    }

    /** Creates, uploads every part and completes; returns the upload's id. */
    private static String uploadWhole(Gateway client, String filename, byte[] body) {
        JsonPath upload = client.start(filename, body.length, null);
        String id = upload.getString("id");
        int parts = upload.getInt("partCount");
        long partSize = upload.getLong("partSize");
        for (int n = 1; n <= parts; n++) {
            int from = (int) ((n - 1) * partSize);
            int to = (int) Math.min(body.length, n * partSize);
            client.uploadPart(id, n, java.util.Arrays.copyOfRange(body, from, to));
        }
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
        return id;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> bucketData(JsonPath health) {
        List<Map<String, Object>> checks = health.getList("checks");
        return checks.stream().filter(c -> "bucket (S3)".equals(c.get("name"))).findFirst()
                .map(c -> (Map<String, Object>) c.get("data")).orElseThrow();
    }
}
