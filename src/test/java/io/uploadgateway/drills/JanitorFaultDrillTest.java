package io.uploadgateway.drills;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.uploadgateway.upload.janitor.Janitor;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.FaultyS3;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.upload.ObjectKeys;
import io.uploadgateway.storage.Stores;
import io.uploadgateway.upload.ledger.KeySpace;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drill: the janitor meets a storage fault, and another janitor.
 * <ul>
 *   <li>ListMultipartUploads fails (a persistent {@code 500 InternalError}, so the SDK's retries
 *       fail too) in a sweep that also has idle uploads to expire: the expiries commit and count
 *       once, the orphans stay; the next sweep, with the fault lifted, aborts the orphans. Across
 *       both sweeps each expired upload's AbortMultipartUpload reached S3 exactly once (counted at
 *       the proxy) and {@code gateway_uploads_expired_total} rose by exactly the number of uploads
 *       that became EXPIRED.</li>
 *   <li>The lease: of two overlapping sweeps (S3 hung so the first is mid-sweep) the second
 *       reports {@code ran=false}; so does a sweep while "another replica" holds an unexpired lease
 *       (set in {@code janitor_lease} with SQL); a lease that ran out is taken.</li>
 * </ul>
 * Before b706668 this drill fails: a sweep was one transaction, so the failed listing rolled back
 * expiries whose AbortMultipartUpload had already reached S3 (and been counted): the uploads stay
 * UPLOADING after the first sweep, and the second sweep aborts and counts them again (two
 * AbortMultipartUploads each, the counter up by twice their number). There was no
 * {@code janitor_lease} table either (an advisory lock held for the whole sweep).
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.S3, value = "faulty"),
        @ResourceArg(name = "gateway.storage.call-timeout", value = Drills.CALL_TIMEOUT),
        @ResourceArg(name = "gateway.storage.attempt-timeout", value = Drills.ATTEMPT_TIMEOUT),
        @ResourceArg(name = "gateway.claims.wait-for", value = Drills.CLAIMS_WAIT),
        @ResourceArg(name = "gateway.ledger.statement-timeout", value = Drills.STATEMENT_TIMEOUT),
        @ResourceArg(name = "gateway.claims.stale-after", value = Drills.STALE_AFTER)})
class JanitorFaultDrillTest {

    FaultyS3 s3;

    EmbeddedStack stack;

    @Inject
    Janitor janitor;

    @Inject
    KeySpace keys;

    @Inject
    Stores stores;

    @TestHTTPResource("/")
    URI base;

    /** Health and metrics are on the management interface (quarkus.management.enabled). */
    @TestHTTPResource(value = "", management = true)
    URI management;

    private S3Client direct;

    @BeforeEach
    void start() throws Exception {
        s3.reset();
        direct = Drills.directS3(stack);
        freeLease();
    }

    @AfterEach
    void stop() throws Exception {
        TestClock.reset();
        s3.reset();
        direct.close();
        freeLease();
    }

    @Test
    void aFailingOrphanListingNeitherUndoesNorRepeatsTheExpiries() throws Throwable {
        Gateway client = Gateway.as("idle-" + UUID.randomUUID());
        List<String> idle = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = client.start("idle-" + i + ".bin", 2000, null).getString("id");
            client.uploadPart(id, 1, Bytes.random(2000, 70 + i));
            idle.add(id);
        }
        Set<String> orphans = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            // A key the gateway would build (the janitor touches no other): created in S3, never recorded.
            String key = ObjectKeys.forUpload(keys.root(stores.byDefault()), "crashed-before-insert", UUID.randomUUID(), "orphan-" + i + ".bin");
            orphans.add(direct.createMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(key)).uploadId());
        }
        double expiredBefore = Drills.metric(management, "gateway_uploads_expired_total");
        long expiredRowsBefore = Drills.count("select count(*) from uploads where state = 'EXPIRED'");
        TestClock.advance(Duration.ofDays(8)); // past the 7-day TTL and the orphans' grace

        s3.rule(FaultyS3.kind("ListMultipartUploads"), FaultyS3.Action.error(500, "InternalError"));
        Janitor.SweepReport first = sweep();
        assertTrue(first.ran());
        assertTrue(first.expired().containsAll(idle), "the expiries went through: " + first);
        assertTrue(first.orphansAborted().isEmpty(), "no orphan aborted without a listing: " + first);
        long listings = s3.count("ListMultipartUploads");
        assertTrue(listings >= 1 && s3.requests().stream().filter(r -> r.kind().equals("ListMultipartUploads"))
                .allMatch(r -> r.outcome().equals("answered 500")), "every listing attempt failed: " + s3.requests());
        for (String id : idle) {
            client.get(id).then().body("state", equalTo("EXPIRED"));
        }
        assertTrue(pendingUploadIds().containsAll(orphans), "the orphans are still in S3");
        assertEquals(first.expired().size(), Drills.metric(management, "gateway_uploads_expired_total") - expiredBefore, 0.0001,
                "counted once each, after the commit");

        s3.clearRules();
        Janitor.SweepReport second = sweep();
        assertTrue(second.orphansAborted().containsAll(orphans), "the next sweep aborts the orphans: " + second);
        assertTrue(second.expired().stream().noneMatch(idle::contains), "expired uploads are not expired again");
        Set<String> pending = pendingUploadIds();
        assertTrue(orphans.stream().noneMatch(pending::contains), "no orphan left in S3");

        for (String id : idle) {
            assertEquals(1, s3.forwarded("AbortMultipartUpload", Drills.s3UploadId(id)),
                    "AbortMultipartUpload reached S3 exactly once for " + id);
        }
        long expiredRows = Drills.count("select count(*) from uploads where state = 'EXPIRED'") - expiredRowsBefore;
        double expiredCounted = Drills.metric(management, "gateway_uploads_expired_total") - expiredBefore;
        assertEquals(first.expired().size() + second.expired().size(), expiredRows, "every reported expiry is in the ledger");
        assertEquals(expiredRows, expiredCounted, 0.0001, "gateway_uploads_expired_total rose by exactly the uploads expired");
        Drills.report("janitor-fault", String.format("ListMultipartUploads failing (%d attempts, all 500): sweep 1 expired %d,"
                + " aborted 0 orphans; sweep 2 aborted %d orphans; 1 AbortMultipartUpload per expired upload",
                listings, first.expired().size(), second.orphansAborted().size()));
    }

    @Test
    void oneSweepAtATime() throws Throwable {
        // Two sweeps that overlap: S3 does not answer the first sweep's listing (it gives up after
        // the call timeout), and the second starts while the first waits for it, holding the lease.
        s3.rule(FaultyS3.kind("ListMultipartUploads"), FaultyS3.Action.HANG);
        CompletableFuture<Janitor.SweepReport> first = CompletableFuture.supplyAsync(this::sweepUnchecked);
        s3.await("the first sweep's listing", seen -> seen.stream().anyMatch(r -> r.kind().equals("ListMultipartUploads")),
                Duration.ofSeconds(30));
        double skippedBefore = Drills.metric(management, "gateway_janitor_skipped_total");
        Janitor.SweepReport second = sweep();
        assertFalse(second.ran(), "the overlapping sweep did not run");
        assertTrue(first.get(60, TimeUnit.SECONDS).ran(), "the first sweep ran");
        s3.clearRules();
        assertEquals(1, Drills.metric(management, "gateway_janitor_skipped_total") - skippedBefore, 0.0001);

        // Another replica holds the lease for ten more minutes.
        UUID other = UUID.randomUUID();
        Drills.update("update janitor_lease set holder = ?, until = ? where id = 1", other, OffsetDateTime.now().plusMinutes(10));
        assertFalse(sweep().ran(), "a lease held by another replica keeps this one from sweeping");
        assertEquals(other.toString(), leaseHolder(), "and it stays theirs");

        // That replica died: its lease ran out.
        Drills.update("update janitor_lease set until = ? where id = 1", OffsetDateTime.now().minusSeconds(1));
        assertTrue(sweep().ran(), "a lease that ran out is taken");
        assertEquals(null, leaseHolder(), "and given back when the sweep ends");
    }

    // ------------------------------------------------------------------ helpers

    private Janitor.SweepReport sweep() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> janitor.sweep());
    }

    private Janitor.SweepReport sweepUnchecked() {
        try {
            return sweep();
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static String leaseHolder() throws Exception {
        try (var c = io.uploadgateway.support.Ledger.connect();
             var q = c.prepareStatement("select holder from janitor_lease where id = 1");
             var rs = q.executeQuery()) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void freeLease() throws Exception {
        Drills.update("update janitor_lease set holder = null, until = '-infinity' where id = 1");
    }

    private Set<String> pendingUploadIds() {
        return direct.listMultipartUploads(r -> r.bucket(TestStack.BUCKET)).uploads().stream()
                .map(MultipartUpload::uploadId).collect(Collectors.toSet());
    }
}
