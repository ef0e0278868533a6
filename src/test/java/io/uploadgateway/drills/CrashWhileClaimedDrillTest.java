package io.uploadgateway.drills;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.response.Response;
import io.uploadgateway.upload.janitor.Janitor;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.FaultyS3;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.support.TestStack;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

import java.net.URI;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drill: a replica dies while it holds a claim. The upload is left the way a crash leaves it —
 * {@code COMPLETING} or {@code ABORTING} with the dead replica's {@code claim_token} and an old
 * {@code claimed_at} (set in the ledger with SQL; for a completion, S3 had already assembled the
 * object) — and the next {@code complete}, {@code DELETE} or janitor sweep finishes it exactly
 * once, towards what {@code claimed_for} says. A fresh claim (a replica still at work) makes a
 * second complete wait {@code gateway.claims.wait-for}, then answer {@code 409 upload_busy} with
 * {@code Retry-After}; once that claim is older than {@code stale-after} it is taken over.
 * <p>
 * Before b706668 this drill fails at its first step: there were no claims (no {@code COMPLETING}
 * or {@code ABORTING} state, no {@code claim_token}/{@code claimed_at}/{@code claimed_for} columns),
 * so the SQL that leaves a crashed replica's claim fails, and nothing could wait for, answer
 * {@code upload_busy} to, or take over another replica's transition.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.S3, value = "faulty"),
        @ResourceArg(name = "gateway.storage.call-timeout", value = Drills.CALL_TIMEOUT),
        @ResourceArg(name = "gateway.storage.attempt-timeout", value = Drills.ATTEMPT_TIMEOUT),
        @ResourceArg(name = "gateway.claims.wait-for", value = Drills.CLAIMS_WAIT),
        @ResourceArg(name = "gateway.ledger.statement-timeout", value = Drills.STATEMENT_TIMEOUT),
        @ResourceArg(name = "gateway.claims.stale-after", value = Drills.STALE_AFTER)})
class CrashWhileClaimedDrillTest {

    FaultyS3 s3;

    EmbeddedStack stack;

    @Inject
    Janitor janitor;

    @TestHTTPResource("/")
    URI base;

    /** Health and metrics are on the management interface (quarkus.management.enabled). */
    @TestHTTPResource(value = "", management = true)
    URI management;

    private S3Client direct;
    private final Gateway client = Gateway.as("crash-" + UUID.randomUUID());

    @BeforeEach
    void start() {
        s3.reset();
        direct = Drills.directS3(stack);
    }

    @AfterEach
    void stop() {
        TestClock.reset();
        direct.close();
    }

    @Test
    void aStaleCompletingClaimIsFinishedByTheNextCompleteOnce() throws Exception {
        byte[] bytes = Bytes.random(150_000, 61);
        String id = uploaded(bytes);
        String objectEtag = completeInStorageBehindTheGatewaysBack(id);
        leaveClaim(id, "COMPLETING", "COMPLETED", OffsetDateTime.now().minusHours(1));
        double before = Drills.metric(management, "gateway_uploads_completed_total");

        String etag = client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED")).extract().path("etag");
        assertEquals(objectEtag, etag, "the ledger records the object S3 assembled");
        assertEquals(etag, client.complete(id).then().statusCode(200).extract().path("etag"), "a repeat answers the same");
        assertEquals(1, Drills.metric(management, "gateway_uploads_completed_total") - before, 0.0001, "counted once");
        assertEquals(0, s3.forwarded("CompleteMultipartUpload", Drills.s3UploadId(id)), "S3 was not asked to complete it again");
        assertNull(Drills.column(id, "claim_token"));
        assertDownloadIs(id, bytes);
    }

    @Test
    void aStaleCompletingClaimIsFinishedByTheJanitorOnce() throws Throwable {
        byte[] bytes = Bytes.random(120_000, 62);
        String id = uploaded(bytes);
        String objectEtag = completeInStorageBehindTheGatewaysBack(id);
        leaveClaim(id, "COMPLETING", "COMPLETED", OffsetDateTime.now().minusHours(1));
        double before = Drills.metric(management, "gateway_uploads_completed_total");

        Janitor.SweepReport first = sweep();
        assertTrue(first.ran());
        assertTrue(first.recovered().contains(id), "the janitor finished the interrupted completion: " + first);
        assertFalse(sweep().recovered().contains(id), "and only once");
        client.get(id).then().statusCode(200).body("state", equalTo("COMPLETED")).body("etag", equalTo(objectEtag));
        assertEquals(1, Drills.metric(management, "gateway_uploads_completed_total") - before, 0.0001, "counted once");
        assertDownloadIs(id, bytes);
    }

    @Test
    void staleAbortingClaimsEndAsTheirClaimSays() throws Throwable {
        String aborting = uploaded(Bytes.random(1000, 63));
        String expiring = uploaded(Bytes.random(1000, 64));
        String abortedByClient = uploaded(Bytes.random(1000, 65));
        OffsetDateTime longAgo = OffsetDateTime.now().minusHours(1);
        leaveClaim(aborting, "ABORTING", "ABORTED", longAgo);
        leaveClaim(expiring, "ABORTING", "EXPIRED", longAgo);
        leaveClaim(abortedByClient, "ABORTING", "ABORTED", longAgo);
        double abortedBefore = Drills.metric(management, "gateway_uploads_aborted_total");
        double expiredBefore = Drills.metric(management, "gateway_uploads_expired_total");

        client.abort(abortedByClient).then().statusCode(204);
        client.get(abortedByClient).then().body("state", equalTo("ABORTED"));
        Janitor.SweepReport report = sweep();
        assertTrue(report.recovered().containsAll(List.of(aborting, expiring)), "the janitor finished both: " + report);
        client.get(aborting).then().body("state", equalTo("ABORTED"));
        client.get(expiring).then().body("state", equalTo("EXPIRED"));
        assertFalse(sweep().recovered().contains(aborting), "finished once");

        assertEquals(2, Drills.metric(management, "gateway_uploads_aborted_total") - abortedBefore, 0.0001);
        assertEquals(1, Drills.metric(management, "gateway_uploads_expired_total") - expiredBefore, 0.0001);
        for (String id : List.of(aborting, expiring, abortedByClient)) {
            String s3UploadId = Drills.s3UploadId(id);
            assertEquals(1, s3.forwarded("AbortMultipartUpload", s3UploadId), "one AbortMultipartUpload for " + id);
            assertTrue(direct.listMultipartUploads(r -> r.bucket(TestStack.BUCKET)).uploads().stream()
                    .map(MultipartUpload::uploadId).noneMatch(s3UploadId::equals), "S3 no longer holds " + id);
        }
    }

    @Test
    void aFreshClaimMakesASecondCompleteWaitThenAnswerBusyUntilItGoesStale() throws Exception {
        byte[] bytes = Bytes.random(90_000, 66);
        String id = uploaded(bytes);
        UUID token = leaveClaim(id, "COMPLETING", "COMPLETED", OffsetDateTime.now());

        long start = System.nanoTime();
        Response busy = client.complete(id);
        double waited = Drills.millisSince(start);
        busy.then().statusCode(409).contentType("application/problem+json").body("code", equalTo("upload_busy"));
        String retryAfter = busy.header("Retry-After");
        assertNotNull(retryAfter, "409 upload_busy carries Retry-After");
        assertEquals(Drills.WAIT.toSeconds(), Long.parseLong(retryAfter));
        assertTrue(waited >= Drills.WAIT.toMillis(), "it waited claims.wait-for (" + Drills.WAIT + ") first: " + waited + " ms");
        assertTrue(waited < Drills.WAIT.plus(Drills.SLACK).toMillis(), "then answered: " + waited + " ms");
        assertEquals(token.toString(), Drills.column(id, "claim_token"), "the claim in flight is untouched");
        assertEquals(0, s3.count("CompleteMultipartUpload"), "the waiting call never went to S3");

        // The replica never comes back: once the claim is older than stale-after, complete takes it over.
        TestClock.advance(Drills.STALE.plusSeconds(1));
        double before = Drills.metric(management, "gateway_uploads_completed_total");
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
        assertEquals(1, Drills.metric(management, "gateway_uploads_completed_total") - before, 0.0001);
        assertEquals(1, s3.forwarded("CompleteMultipartUpload", Drills.s3UploadId(id)));
        Drills.report("crash-while-claimed", String.format("a fresh claim made a second complete answer 409 upload_busy"
                + " (Retry-After %s) after %.0f ms (claims.wait-for %s)", retryAfter, waited, Drills.CLAIMS_WAIT));
        assertDownloadIs(id, bytes);
    }

    // ------------------------------------------------------------------ helpers

    /** A one-part upload with its bytes in S3 and its ETag recorded. */
    private String uploaded(byte[] bytes) {
        String id = client.start("crash.bin", bytes.length, null).getString("id");
        client.uploadPart(id, 1, bytes);
        return id;
    }

    /** What the crashed replica did before it died: S3 assembled the object. Returns the object's ETag. */
    private String completeInStorageBehindTheGatewaysBack(String id) throws Exception {
        String key = Drills.column(id, "object_key");
        String uploadId = Drills.s3UploadId(id);
        List<CompletedPart> parts = direct.listParts(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId)).parts().stream()
                .map(p -> CompletedPart.builder().partNumber(p.partNumber()).eTag(p.eTag()).build()).toList();
        direct.completeMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(parts)));
        return direct.headObject(r -> r.bucket(TestStack.BUCKET).key(key)).eTag();
    }

    /** The row as a replica that claimed it and died leaves it. Returns the dead replica's token. */
    private static UUID leaveClaim(String id, String state, String claimedFor, OffsetDateTime claimedAt) throws Exception {
        UUID token = UUID.randomUUID();
        assertEquals(1, Drills.update("update uploads set state = ?, claim_token = ?, claimed_at = ?, claimed_for = ?"
                + " where id = ?::uuid and state = 'UPLOADING'", state, token, claimedAt, claimedFor, id));
        return token;
    }

    private Janitor.SweepReport sweep() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> janitor.sweep());
    }

    private void assertDownloadIs(String id, byte[] bytes) {
        String url = client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
        Gateway.Downloaded downloaded = Gateway.download(url);
        assertEquals(200, downloaded.status());
        assertEquals(Bytes.sha256(bytes), Bytes.sha256(downloaded.body()));
    }
}
