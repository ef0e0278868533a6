package io.uploadgateway.upload.janitor;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.ledger.KeySpace;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.net.URL;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Expiry of idle uploads and the orphan sweep, against real PostgreSQL and S3; time moves, nobody sleeps. */
@QuarkusTest
@WithTestResource(TestStack.class)
class JanitorTest {

    /** Metrics are on the management interface (quarkus.management.enabled), not the API port. */
    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Inject
    Janitor janitor;

    @Inject
    S3AsyncClient s3;

    @Inject
    KeySpace keys;

    @Inject
    Stores stores;

    @AfterEach
    void resetClock() {
        TestClock.reset();
    }

    @Test
    void idleUploadsExpireAndLeaveNothingInStorage() throws Throwable {
        Gateway client = Gateway.as("forgetful-" + UUID.randomUUID());
        String idle = client.start("left-behind.bin", 100, null).getString("id");
        client.uploadPart(idle, 1, new byte[100]);
        String s3UploadId = s3UploadIdOf(idle);
        assertTrue(pendingUploadIds().contains(s3UploadId));

        TestClock.advance(Duration.ofDays(6)); // within the 7-day TTL
        String stillActive = client.start("still-going.bin", 100, null).getString("id");
        assertFalse(sweep().expired().contains(idle));

        TestClock.advance(Duration.ofDays(2)); // 'idle' is now 8 days idle, 'stillActive' 2
        Janitor.SweepReport report = sweep();
        assertTrue(report.ran());
        assertTrue(report.expired().contains(idle));
        assertFalse(report.expired().contains(stillActive));

        client.get(idle).then().statusCode(200).body("state", equalTo("EXPIRED"));
        client.get(stillActive).then().statusCode(200).body("state", equalTo("UPLOADING"));
        assertFalse(pendingUploadIds().contains(s3UploadId), "S3 no longer lists the expired multipart upload");
        client.presignResponse(idle, List.of(1), null).then().statusCode(409).body("code", equalTo("upload_not_active"));

        given().get(metrics).then().statusCode(200)
                .body(containsString("gateway_uploads_expired_total"))
                .body(containsString("gateway_janitor_runs_total"))
                .body(containsString("gateway_uploads_stalled"));
    }

    @Test
    void orphanedMultipartUploadsAreAbortedOnceOldEnough() throws Throwable {
        // A key of the gateway's own pattern (a crash between CreateMultipartUpload and the ledger insert).
        String key = ObjectKeys.forUpload(keys.root(stores.byDefault()), "crashed", UUID.randomUUID(), "half-created.bin");
        String orphan = s3.createMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(key)).join().uploadId();
        String outsidePrefix = s3.createMultipartUpload(r -> r.bucket(TestStack.BUCKET).key("elsewhere/" + UUID.randomUUID()))
                .join().uploadId();
        // The same pattern under another deployment's id (another gateway, another ledger, the same
        // bucket and prefix), and under the prefix alone (keys from before deployment ids).
        String otherDeployment = s3.createMultipartUpload(r -> r.bucket(TestStack.BUCKET)
                .key(ObjectKeys.forUpload("uploads/0123456789ab/", "theirs", UUID.randomUUID(), "live.bin"))).join().uploadId();
        String beforeDeploymentIds = s3.createMultipartUpload(r -> r.bucket(TestStack.BUCKET)
                .key(ObjectKeys.forUpload("uploads/", "older", UUID.randomUUID(), "legacy.bin"))).join().uploadId();
        Gateway client = Gateway.as("legit-" + UUID.randomUUID());
        String legit = client.start("legit.bin", 100, null).getString("id");
        String legitUploadId = s3UploadIdOf(legit);

        // Younger than the grace period: a create may still be on its way to the ledger.
        assertFalse(sweep().orphansAborted().contains(orphan));
        assertTrue(pendingUploadIds().contains(orphan));

        TestClock.advance(Duration.ofHours(2));
        Janitor.SweepReport report = sweep();
        assertTrue(report.orphansAborted().contains(orphan));
        assertFalse(report.orphansAborted().contains(legitUploadId), "a ledger-owned upload is no orphan");
        Set<String> pending = pendingUploadIds();
        assertFalse(pending.contains(orphan));
        assertTrue(pending.contains(legitUploadId));
        assertTrue(pending.contains(outsidePrefix), "uploads outside the gateway's prefix are not its business");
        assertTrue(pending.contains(otherDeployment), "another deployment's upload is not this deployment's orphan");
        assertTrue(pending.contains(beforeDeploymentIds), "a key without a deployment id is left to the bucket's lifecycle rule");
        client.get(legit).then().body("state", equalTo("UPLOADING"));
        for (String theirs : List.of(outsidePrefix, otherDeployment, beforeDeploymentIds)) {
            s3.abortMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(pendingKey(theirs)).uploadId(theirs)).join();
        }
    }

    @Test
    void twoJanitorsAtOnceExpireEachUploadExactlyOnce() throws Throwable {
        Gateway client = Gateway.as("crowd-" + UUID.randomUUID());
        Set<String> ours = new HashSet<>();
        for (int i = 0; i < 8; i++) {
            ours.add(client.start("crowd-" + i + ".bin", 100, null).getString("id"));
        }
        TestClock.advance(Duration.ofDays(8));

        CountDownLatch start = new CountDownLatch(1);
        CompletableFuture<Janitor.SweepReport> first = CompletableFuture.supplyAsync(() -> sweepAfter(start));
        CompletableFuture<Janitor.SweepReport> second = CompletableFuture.supplyAsync(() -> sweepAfter(start));
        start.countDown();
        Janitor.SweepReport a = first.get(60, TimeUnit.SECONDS);
        Janitor.SweepReport b = second.get(60, TimeUnit.SECONDS);

        Set<String> overlap = new HashSet<>(a.expired());
        overlap.retainAll(b.expired());
        assertEquals(Set.of(), overlap, "no upload expired by both janitors");
        Set<String> union = new HashSet<>(a.expired());
        union.addAll(b.expired());
        assertTrue(union.containsAll(ours), "every idle upload expired by one of them");
        for (String id : ours) {
            client.get(id).then().body("state", equalTo("EXPIRED"));
        }
    }

    @Test
    void uploadTouchedWhileTheJanitorLooksIsNotExpired() throws Throwable {
        Gateway client = Gateway.as("busy-" + UUID.randomUUID());
        String busy = client.start("busy.bin", 100, null).getString("id");
        String idle = client.start("idle.bin", 100, null).getString("id");
        TestClock.advance(Duration.ofDays(8));

        // Another replica is recording a part of 'busy' right now: it holds the row lock, and will
        // commit new activity. The janitor must skip the row instead of waiting or expiring it.
        try (Connection replica = Ledger.connect()) {
            replica.setAutoCommit(false);
            try (PreparedStatement lock = replica.prepareStatement("select id from uploads where id = ?::uuid for update")) {
                lock.setString(1, busy);
                lock.executeQuery().close();
            }
            Janitor.SweepReport report = sweep();
            assertTrue(report.expired().contains(idle));
            assertFalse(report.expired().contains(busy));
            try (PreparedStatement touch = replica.prepareStatement(
                    "update uploads set last_activity_at = ? where id = ?::uuid")) {
                touch.setObject(1, java.time.OffsetDateTime.now().plusDays(8));
                touch.setString(2, busy);
                touch.executeUpdate();
            }
            replica.commit();
        }
        assertFalse(sweep().expired().contains(busy), "fresh activity keeps it alive");
        client.get(busy).then().body("state", equalTo("UPLOADING"));
        client.get(idle).then().body("state", equalTo("EXPIRED"));
    }

    private Janitor.SweepReport sweep() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> janitor.sweep());
    }

    private Janitor.SweepReport sweepAfter(CountDownLatch start) {
        try {
            start.await();
            return sweep();
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private Set<String> pendingUploadIds() {
        Set<String> ids = new HashSet<>();
        String keyMarker = null;
        String idMarker = null;
        while (true) {
            String km = keyMarker;
            String im = idMarker;
            var page = s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).keyMarker(km).uploadIdMarker(im)).join();
            page.uploads().stream().map(MultipartUpload::uploadId).forEach(ids::add);
            if (!Boolean.TRUE.equals(page.isTruncated())) {
                return ids;
            }
            keyMarker = page.nextKeyMarker();
            idMarker = page.nextUploadIdMarker();
        }
    }

    private String pendingKey(String uploadId) {
        return s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET)).join().uploads().stream()
                .filter(u -> u.uploadId().equals(uploadId)).findFirst().orElseThrow().key();
    }

    private static String s3UploadIdOf(String id) throws Exception {
        try (Connection c = Ledger.connect();
             PreparedStatement q = c.prepareStatement("select s3_upload_id from uploads where id = ?::uuid")) {
            q.setString(1, id);
            try (ResultSet rs = q.executeQuery()) {
                assertTrue(rs.next());
                return rs.getString(1);
            }
        }
    }
}
