package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.CompletedPart;

import java.net.URL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Completion only when every part checks out against S3; completes and aborts are safe to repeat and race. */
@QuarkusTest
@WithTestResource(TestStack.class)
class CompleteAndAbortTest {

    /** Metrics are on the management interface (quarkus.management.enabled), not the API port. */
    @TestHTTPResource(value = "metrics", management = true)
    URL metrics;

    @Inject
    S3AsyncClient s3;

    private static final int MIB = 1024 * 1024;

    @Test
    void missingPartIsReportedThenTheUploadCompletesOnceItArrives() {
        Gateway client = Gateway.as("carol");
        byte[] file = Bytes.random(2 * 5 * MIB + 10, 11);
        String id = client.start("video.mov", file.length, (long) 5 * MIB).getString("id");
        client.uploadPart(id, 1, Arrays.copyOfRange(file, 0, 5 * MIB));
        client.uploadPart(id, 3, Arrays.copyOfRange(file, 10 * MIB, file.length));

        client.complete(id).then().statusCode(409).contentType("application/problem+json")
                .body("code", equalTo("parts_missing"))
                .body("status", equalTo(409))
                .body("missingParts", equalTo(List.of(2)));
        // The failed completion changed nothing.
        client.get(id).then().body("state", equalTo("UPLOADING")).body("parts", hasSize(2));

        client.uploadPart(id, 2, Arrays.copyOfRange(file, 5 * MIB, 10 * MIB));
        String etag = client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED")).extract().path("etag");

        // Retrying a completion gives the same answer.
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED")).body("etag", equalTo(etag));
    }

    @Test
    void reportedEtagThatStorageDoesNotHoldIsAMismatch() {
        Gateway client = Gateway.as("carol");
        String id = client.start("a.bin", 500, null).getString("id");
        client.uploadPart(id, 1, Bytes.random(500, 5));
        client.record(id, 1, "\"ffffffffffffffffffffffffffffffff\"").then().statusCode(200);

        client.complete(id).then().statusCode(409).body("code", equalTo("part_mismatch"))
                .body("mismatchedParts[0].partNumber", equalTo(1)).body("mismatchedParts[0].field", equalTo("etag"));
        // Adopting storage's view resolves it.
        client.sync(id).then().statusCode(200);
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
    }

    @Test
    void concurrentCompletesCompleteOnceAndAllGetTheSameAnswer() throws Exception {
        Gateway client = Gateway.as("dave");
        byte[] file = Bytes.random(5 * MIB + 100, 12);
        String id = client.start("race.bin", file.length, (long) 5 * MIB).getString("id");
        client.uploadPart(id, 1, Arrays.copyOfRange(file, 0, 5 * MIB));
        client.uploadPart(id, 2, Arrays.copyOfRange(file, 5 * MIB, file.length));

        double completedBefore = completedCount();
        List<Response> answers = concurrently(6, () -> client.complete(id));
        assertEquals(completedBefore + 1, completedCount(), "one completion, however many callers");
        String etag = answers.get(0).path("etag");
        for (Response answer : answers) {
            assertEquals(200, answer.statusCode(), answer.asString());
            assertEquals("COMPLETED", answer.path("state"));
            assertEquals(etag, answer.path("etag"));
            assertEquals(answers.get(0).path("completedAt"), (Object) answer.path("completedAt"));
        }
        String url = client.api().get("/api/v1/uploads/" + id + "/download").then().extract().path("url");
        assertEquals(Bytes.sha256(file), Bytes.sha256(Gateway.download(url).body()));
    }

    @Test
    void completionThatStorageFinishedButTheLedgerMissedIsRecorded() {
        Gateway client = Gateway.as("crashy");
        byte[] file = Bytes.random(1000, 16);
        String id = client.start("half-done.bin", file.length, null).getString("id");
        client.uploadPart(id, 1, file);
        String key = client.get(id).path("key");

        // A gateway completed the upload in S3 and died before committing the ledger.
        String s3UploadId = s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join()
                .uploads().get(0).uploadId();
        var parts = s3.listParts(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(s3UploadId)).join().parts();
        s3.completeMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(s3UploadId)
                .multipartUpload(m -> m.parts(CompletedPart.builder().partNumber(1).eTag(parts.get(0).eTag()).build()))).join();
        client.get(id).then().body("state", equalTo("UPLOADING"));

        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED")).body("size", equalTo(file.length));
        String url = client.api().get("/api/v1/uploads/" + id + "/download").then().extract().path("url");
        assertEquals(Bytes.sha256(file), Bytes.sha256(Gateway.download(url).body()));
    }

    @Test
    void abortIsIdempotentAndRaceFree() throws Exception {
        Gateway client = Gateway.as("erin");
        String id = client.start("oops.bin", 1000, null).getString("id");
        client.uploadPart(id, 1, Bytes.random(1000, 13));

        for (Response answer : concurrently(4, () -> client.abort(id))) {
            assertEquals(204, answer.statusCode(), answer.asString());
        }
        client.abort(id).then().statusCode(204);
        client.get(id).then().statusCode(200).body("state", equalTo("ABORTED"));
        client.complete(id).then().statusCode(409).body("code", equalTo("upload_not_active"));
        client.record(id, 1, "\"abc\"").then().statusCode(409).body("code", equalTo("upload_not_active"));
        client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(409).body("code", equalTo("upload_not_active"));
    }

    @Test
    void completedUploadCannotBeAborted() {
        Gateway client = Gateway.as("erin");
        String id = client.start("keep.bin", 10, null).getString("id");
        client.uploadPart(id, 1, Bytes.random(10, 14));
        client.complete(id).then().statusCode(200);
        client.abort(id).then().statusCode(409).body("code", equalTo("upload_not_active"));
        client.get(id).then().body("state", equalTo("COMPLETED"));
    }

    @Test
    void completeAndAbortRacingLeaveOneConsistentOutcome() throws Exception {
        Gateway client = Gateway.as("frank");
        String id = client.start("coin.bin", 10, null).getString("id");
        client.uploadPart(id, 1, Bytes.random(10, 15));

        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Response> complete = pool.submit(() -> client.complete(id));
            Future<Response> abort = pool.submit(() -> client.abort(id));
            int completeStatus = complete.get().statusCode();
            int abortStatus = abort.get().statusCode();
            String state = client.get(id).path("state");
            if (state.equals("COMPLETED")) {
                assertEquals(200, completeStatus);
                // The abort either ran first (impossible here, state would be ABORTED) or lost: 409.
                assertEquals(409, abortStatus);
            } else {
                assertEquals("ABORTED", state);
                assertEquals(204, abortStatus);
                assertEquals(409, completeStatus);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private double completedCount() {
        String metrics = io.restassured.RestAssured.given().get(this.metrics).then().statusCode(200).extract().asString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^gateway_uploads_completed_total(?:\\{[^}]*})? (\\S+)$")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static List<Response> concurrently(int n, Callable<Response> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Response>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(call));
            }
            List<Response> answers = new ArrayList<>();
            for (Future<Response> f : futures) {
                answers.add(f.get());
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }
}
