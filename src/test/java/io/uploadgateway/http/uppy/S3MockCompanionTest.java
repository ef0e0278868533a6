package io.uploadgateway.http.uppy;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Uppy's {@code /s3} routes (the Companion protocol, as {@link Companion} speaks it) against Adobe
 * S3Mock instead of S3Proxy: an open-sized multipart upload, a presigned POST (S3Mock takes POST
 * Object but checks neither its signature nor its policy), and ListParts paged past 1,000 parts
 * (S3Mock takes parts of any size until completion). Shares the application of
 * {@code S3MockUploadsTest} (same resource arguments).
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.S3, value = "s3mock"),
        @ResourceArg(name = "gateway.manage-bucket", value = "true"),
        @ResourceArg(name = "gateway.auto-complete.check-interval", value = "PT1S"),
        @ResourceArg(name = "gateway.auto-complete.poll", value = "PT1S"),
        @ResourceArg(name = "gateway.auto-complete.assumed-bytes-per-second", value = "1G")})
class S3MockCompanionTest {

    private static final int MIB = 1024 * 1024;

    @Inject
    S3AsyncClient s3;

    @Test
    void anOpenSizedMultipartUploadCompletesThroughTheS3Routes() {
        String owner = "mock-uppy-" + UUID.randomUUID();
        Companion uppy = Companion.as(owner);
        JsonPath created = uppy.create("clip + 1.bin", "application/octet-stream", Map.of("caption", "s3mock"))
                .then().statusCode(200).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");
        byte[] file = Bytes.random(5 * MIB + 4096, 201);

        String etag1 = uppy.put(id, key, 1, Arrays.copyOfRange(file, 0, 5 * MIB));
        String url2 = uppy.batch(id, key, "2").then().statusCode(200).extract().path("presignedUrls.'2'");
        Gateway.S3Answer put2 = Gateway.put(new Gateway.PresignedUrl(url2, "PUT", Map.of()), Arrays.copyOfRange(file, 5 * MIB, file.length));
        assertEquals(200, put2.status(), put2.body());
        uppy.list(id, key).then().statusCode(200).body("", hasSize(2))
                .body("[0].PartNumber", equalTo(1)).body("[0].Size", equalTo(5 * MIB)).body("[0].ETag", equalTo(etag1))
                .body("[1].PartNumber", equalTo(2)).body("[1].Size", equalTo(4096));

        uppy.complete(id, key, List.of(Map.of("PartNumber", 1, "ETag", etag1),
                        Map.of("PartNumber", 2, "ETag", put2.etag().replace("\"", ""))))
                .then().statusCode(200).body("key", equalTo(key)).body("location", equalTo("/api/v1/uploads/" + id));
        assertEquals(Bytes.sha256(file), Bytes.sha256(object(key)));
        Gateway.withToken(Tokens.forUser(owner)).get(id).then().statusCode(200)
                .body("state", equalTo("COMPLETED")).body("size", equalTo(file.length)).body("metadata.caption", equalTo("s3mock"));
        assertTrue(s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().isEmpty());
    }

    /**
     * {@code /s3/params}: the form goes to S3Mock as a browser sends it; completion copies the
     * staged object to the upload's key (CopyObject with {@code x-amz-copy-source-if-match}) and
     * deletes staging.
     */
    @Test
    void aPresignedPostStagesTheFileAndSyncCopiesItToTheUploadsKey() {
        String owner = "mock-params-" + UUID.randomUUID();
        Companion uppy = Companion.as(owner);
        JsonPath params = uppy.params("photo é.png", "image/png", Map.of("caption", "sea")).then().statusCode(200).extract().jsonPath();
        Map<String, String> fields = params.getMap("fields", String.class, String.class);
        String id = params.getString("uploadId");
        String key = params.getString("key");
        String staging = fields.get("key");

        byte[] file = Bytes.random(200_000, 202);
        CompanionParamsTest.PostAnswer posted = CompanionParamsTest.post(params.getString("url"), fields, "photo é.png", "image/png", file);
        assertTrue(posted.status() / 100 == 2, posted.toString());
        assertEquals(Bytes.sha256(file), Bytes.sha256(object(staging)));

        Gateway.withToken(Tokens.forUser(owner)).sync(id).then().statusCode(200)
                .body("state", equalTo("COMPLETED")).body("size", equalTo(file.length));
        assertEquals(Bytes.sha256(file), Bytes.sha256(object(key)));
        var head = s3.headObject(r -> r.bucket(TestStack.BUCKET).key(key)).join();
        assertEquals("image/png", head.contentType());
        assertEquals("sea", head.metadata().get("caption"));
        assertThrows(CompletionException.class, () -> object(staging), "the staging object is gone");
    }

    /**
     * S3Mock evaluates no POST policy: it stores a body over the policy's content-length-range and
     * one whose signature was tampered with. The gateway checks the size again at completion: the
     * upload is refused, nothing stays in the bucket.
     */
    @Test
    void s3MockIgnoresThePolicyAndTheGatewayRefusesWhatThePolicyForbade() {
        String owner = "mock-params-big-" + UUID.randomUUID().toString().substring(0, 8);
        Gateway.withToken(Tokens.forAdmin("mock-operator")).api().body(Map.of("maxBytesInFlight", 5000))
                .put("/api/v1/admin/quotas/" + owner).then().statusCode(200);
        JsonPath params = Companion.as(owner).params("big.png", "image/png", Map.of()).then().statusCode(200).extract().jsonPath();
        Map<String, String> fields = params.getMap("fields", String.class, String.class);
        String policy = new String(java.util.Base64.getDecoder().decode(fields.get("Policy")), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(policy.contains("[\"content-length-range\",0,5000]"), policy);

        Map<String, String> forged = new HashMap<>(fields);
        forged.put("x-amz-signature", "0".repeat(64));
        byte[] tooBig = Bytes.random(6000, 203);
        CompanionParamsTest.PostAnswer posted = CompanionParamsTest.post(params.getString("url"), forged, "big.png", "image/png", tooBig);
        assertTrue(posted.status() / 100 == 2, "S3Mock checks neither the signature nor the size range: " + posted);
        assertEquals(tooBig.length, object(fields.get("key")).length);

        String id = params.getString("uploadId");
        Gateway.withToken(Tokens.forUser(owner)).sync(id).then().statusCode(413)
                .body("code", equalTo("too_large")).body("size", equalTo(tooBig.length));
        Gateway.withToken(Tokens.forUser(owner)).get(id).then().body("state", equalTo("ABORTED"));
        assertThrows(CompletionException.class, () -> object(fields.get("key")), "the staged object was deleted");
        assertThrows(CompletionException.class, () -> object(params.getString("key")), "nothing reached the upload's key");
    }

    /**
     * An open-sized upload of 1,005 one-kilobyte parts (S3Mock refuses small parts only at
     * completion, as AWS S3 does): the gateway reads every ListParts page (S3Mock answers at most
     * 1,000 parts a page), both for Uppy's listParts and the ledger's sync; completion is refused
     * by S3Mock with EntityTooSmall and answered {@code 409 part_mismatch}; abort removes it all.
     */
    @Test
    void listPartsIsPagedPastAThousandParts() throws Exception {
        String owner = "mock-many-" + UUID.randomUUID().toString().substring(0, 8);
        Companion uppy = Companion.as(owner);
        Gateway native_ = Gateway.withToken(Tokens.forUser(owner));
        JsonPath created = uppy.create("many.bin", "application/octet-stream", null).then().statusCode(200).extract().jsonPath();
        String id = created.getString("uploadId");
        String key = created.getString("key");
        int parts = 1005;
        Map<Integer, Gateway.PresignedUrl> urls = new HashMap<>(native_.presign(id, IntStream.rangeClosed(1, 1000).boxed().toList(), null));
        urls.putAll(native_.presign(id, IntStream.rangeClosed(1001, parts).boxed().toList(), null));

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Gateway.S3Answer>> puts = new ArrayList<>();
            for (int n = 1; n <= parts; n++) {
                Gateway.PresignedUrl url = urls.get(n);
                byte[] body = Bytes.random(1024, n);
                puts.add(pool.submit(() -> Gateway.put(url, body)));
            }
            for (Future<Gateway.S3Answer> put : puts) {
                assertEquals(200, put.get().status());
            }
        } finally {
            pool.shutdownNow();
        }
        String uploadId = s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().get(0).uploadId();
        assertTrue(s3.listParts(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId)).join().isTruncated(),
                "S3Mock answers ListParts in pages");

        List<Map<String, Object>> listed = uppy.list(id, key).then().statusCode(200).extract().jsonPath().getList("");
        assertEquals(parts, listed.size());
        assertEquals(parts, ((Number) listed.get(parts - 1).get("PartNumber")).intValue());
        native_.sync(id).then().statusCode(200).body("parts.size()", equalTo(parts)).body("bytesUploaded", equalTo(parts * 1024));

        List<Map<String, Object>> all = listed.stream().map(p -> Map.of("PartNumber", p.get("PartNumber"), "ETag", p.get("ETag"))).toList();
        uppy.complete(id, key, all).then().statusCode(409).body("code", equalTo("part_mismatch"))
                .body("detail", containsString("EntityTooSmall"));
        native_.get(id).then().body("state", equalTo("UPLOADING"));
        uppy.abort(id, key).then().statusCode(200);
        assertTrue(s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().isEmpty());
    }

    private byte[] object(String key) {
        return s3.getObject(r -> r.bucket(TestStack.BUCKET).key(key), AsyncResponseTransformer.toBytes()).join().asByteArray();
    }
}
