package io.uploadgateway.http.uploads;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.S3Mock;
import io.uploadgateway.support.TestStack;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.async.AsyncResponseTransformer;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.LifecycleRule;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.zip.CRC32;

import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native API's core flows against a second, independent S3 implementation: Adobe S3Mock (a
 * separate process, {@link S3Mock}) instead of S3Proxy, on the same PostgreSQL. Real bytes go to
 * the presigned URLs; what S3Mock stored is read back through the SDK (the gateway's own client,
 * pointed at S3Mock). S3Mock checks no signature, so a few tests also prove what the gateway
 * guarantees by itself where a store checks less (docs/storage-compatibility.md).
 * {@code S3MockCompanionTest} shares this application (same resource arguments).
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.S3, value = "s3mock"),
        @ResourceArg(name = "gateway.manage-bucket", value = "true"),
        @ResourceArg(name = "gateway.auto-complete.check-interval", value = "PT1S"),
        @ResourceArg(name = "gateway.auto-complete.poll", value = "PT1S"),
        @ResourceArg(name = "gateway.auto-complete.assumed-bytes-per-second", value = "1G")})
class S3MockUploadsTest {

    private static final int MIB = 1024 * 1024;

    @Inject
    S3AsyncClient s3;

    S3Mock mock;

    @Test
    void threePartsOfRealBytesCompleteAndS3MockHoldsExactlyThem() {
        Gateway alice = Gateway.as("mock-" + UUID.randomUUID());
        byte[] file = Bytes.random(2 * 5 * MIB + 4321, 101);
        JsonPath started = alice.start("film.mp4", file.length, (long) 5 * MIB);
        String id = started.getString("id");
        String key = started.getString("key");
        assertEquals(3, started.getInt("partCount"));
        // the multipart upload exists in S3Mock
        assertEquals(1, s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().size());

        Map<Integer, Gateway.PresignedUrl> urls = alice.presign(id, List.of(1, 2, 3), 600L);
        assertTrue(urls.get(1).url().startsWith(mock.endpoint() + "/" + TestStack.BUCKET + "/"), urls.get(1).url());
        List<String> etags = new ArrayList<>();
        for (int n = 1; n <= 3; n++) {
            byte[] part = part(file, n, 5 * MIB);
            Gateway.S3Answer answer = Gateway.put(urls.get(n), part);
            assertEquals(200, answer.status(), answer.body());
            // S3Mock's part ETag: the quoted hex MD5 of the part, as AWS S3's
            assertEquals("\"" + hex("MD5", part) + "\"", answer.etag());
            etags.add(answer.etag());
            alice.record(id, n, answer.etag()).then().statusCode(200).body("size", equalTo(part.length));
        }
        alice.sync(id).then().statusCode(200).body("bytesUploaded", equalTo(file.length)).body("missingParts.size()", equalTo(0));

        String etag = alice.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"))
                .body("etag", startsWith("\"")).body("size", equalTo(file.length))
                .body("location", equalTo("s3://" + TestStack.BUCKET + "/" + key)).extract().path("etag");
        // The multipart ETag: quoted MD5 of the parts' MD5s, "-3"
        assertEquals("\"" + multipartEtag(file, 5 * MIB, 3) + "-3\"", etag);

        HeadObjectResponse head = s3.headObject(r -> r.bucket(TestStack.BUCKET).key(key)).join();
        assertEquals(file.length, head.contentLength());
        assertEquals(etag, head.eTag());
        assertEquals(Bytes.sha256(file), Bytes.sha256(object(key)));
        assertTrue(s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().isEmpty(),
                "nothing left open in S3Mock");

        String url = alice.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
        Gateway.Downloaded download = Gateway.download(url);
        assertEquals(200, download.status());
        assertEquals(Bytes.sha256(file), Bytes.sha256(download.body()));
        // Completing again answers the same completion.
        alice.complete(id).then().statusCode(200).body("etag", equalTo(etag));
    }

    /**
     * S3Mock checks no signature: it takes a part of another length than the URL signed, and a URL
     * whose signature or date was tampered with. The gateway still holds the plan: ListParts at
     * completion shows the wrong size, the upload stays open, and the right bytes complete it.
     */
    @Test
    void aPartOfAnotherLengthThanSignedPassesS3MockButNotTheGateway() {
        Gateway bob = Gateway.as("mock-" + UUID.randomUUID());
        byte[] file = Bytes.random(5 * MIB + 100, 102);
        String id = bob.start("short.bin", file.length, (long) 5 * MIB).getString("id");
        Map<Integer, Gateway.PresignedUrl> urls = bob.presign(id, List.of(1, 2), 600L);

        Gateway.S3Answer wrong = Gateway.put(urls.get(2), Arrays.copyOf(part(file, 2, 5 * MIB), 99));
        assertEquals(200, wrong.status(), "S3Mock does not check the signed Content-Length: " + wrong.body());
        Gateway.S3Answer one = Gateway.put(tampered(urls.get(1), "X-Amz-Signature=", "0"), part(file, 1, 5 * MIB));
        assertEquals(200, one.status(), "S3Mock does not check the signature: " + one.body());
        bob.record(id, 2, wrong.etag()).then().statusCode(200);

        bob.complete(id).then().statusCode(409).body("code", equalTo("part_mismatch"))
                .body("mismatchedParts[0].partNumber", equalTo(2)).body("mismatchedParts[0].field", equalTo("size"));
        bob.get(id).then().body("state", equalTo("UPLOADING"));

        Gateway.S3Answer two = Gateway.put(bob.presign(id, List.of(2), 600L).get(2), part(file, 2, 5 * MIB));
        assertEquals(200, two.status());
        bob.record(id, 2, two.etag()).then().statusCode(200); // the ledger held the wrong part's ETag
        bob.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
        assertEquals(Bytes.sha256(file), Bytes.sha256(object(bob.get(id).then().extract().path("key"))));
    }

    @Test
    void s3MockIgnoresPresignExpiry() {
        Gateway carol = Gateway.as("mock-" + UUID.randomUUID());
        byte[] body = Bytes.random(1000, 103);
        String id = carol.start("old.bin", body.length, null).getString("id");
        Gateway.PresignedUrl url = carol.presign(id, List.of(1), 60L).get(1);
        // Signed a year ago for 60 seconds: AWS S3 answers 403 AccessDenied "Request has expired".
        String lapsed = url.url().replaceFirst("X-Amz-Date=\\d{8}T", "X-Amz-Date=" + (java.time.Year.now().getValue() - 1) + "0101T");
        assertNotEquals(url.url(), lapsed);
        Gateway.S3Answer answer = Gateway.put(new Gateway.PresignedUrl(lapsed, url.method(), url.headers()), body);
        assertEquals(200, answer.status(), answer.body());
        carol.abort(id).then().statusCode(204);
    }

    @Test
    void aCorruptedPartWithASignedSha256OrCrc32IsRefusedByS3MockAndNeverCompletes() {
        for (String algorithm : List.of("SHA256", "CRC32")) {
            Gateway dan = Gateway.as("mock-" + UUID.randomUUID());
            byte[] file = Bytes.random(5 * MIB + 555, 104);
            byte[] part1 = part(file, 1, 5 * MIB);
            byte[] part2 = part(file, 2, 5 * MIB);
            String id = dan.api().body(Map.of("filename", "sum.bin", "size", file.length, "partSize", 5 * MIB,
                    "checksumAlgorithm", algorithm)).post("/api/v1/uploads").then().statusCode(201).extract().path("id");
            Map<Integer, Gateway.PresignedUrl> urls = presignWith(dan, id, List.of(
                    Map.of("partNumber", 1, "checksum", checksum(algorithm, part1)),
                    Map.of("partNumber", 2, "checksum", checksum(algorithm, part2))));
            String header = "x-amz-checksum-" + algorithm.toLowerCase();
            assertEquals(checksum(algorithm, part2), urls.get(2).headers().get(header));

            byte[] corrupted = part2.clone();
            corrupted[17] ^= 0x08;
            Gateway.S3Answer refused = Gateway.put(urls.get(2), corrupted);
            // S3Mock: 400 BadRequest "Value for x-amz-checksum-… header is invalid." (AWS S3: 400 BadDigest)
            assertEquals(400, refused.status(), algorithm + ": " + refused.body());
            assertTrue(refused.body().contains("<Code>BadRequest</Code>") && refused.body().contains(header), refused.body());
            assertEquals(200, Gateway.put(urls.get(1), part1).status());
            String key = dan.get(id).then().extract().path("key");
            String uploadId = s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().get(0).uploadId();
            var listed = s3.listParts(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId)).join().parts().get(0);
            // S3Mock reports the part's checksum in ListParts (S3Proxy 3.3.0 does not): the gateway compares it at completion
            assertEquals(checksum(algorithm, part1), "CRC32".equals(algorithm) ? listed.checksumCRC32() : listed.checksumSHA256());
            dan.sync(id).then().statusCode(200).body("missingParts", equalTo(List.of(2)));
            dan.complete(id).then().statusCode(409).body("code", equalTo("parts_missing")).body("missingParts", equalTo(List.of(2)));
            dan.get(id).then().body("state", equalTo("UPLOADING"));

            assertEquals(200, Gateway.put(urls.get(2), part2).status());
            dan.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED")).body("checksumAlgorithm", equalTo(algorithm));
            assertEquals(Bytes.sha256(file), Bytes.sha256(object(key)), algorithm);
        }
    }

    /**
     * A client that drops the signed {@code x-amz-checksum-sha256} header and sends other bytes:
     * AWS S3 refuses the request (the header is signed). S3Mock checks no signature, stores the
     * part without a checksum (ListParts reports none), and accepts the checksum the gateway passes
     * for it in CompleteMultipartUpload without comparing: the upload completes with the other
     * bytes. Pinned as a limitation of such a store (docs/storage-compatibility.md): the gateway
     * never reads the bytes, and S3Proxy 3.3.0 reports no part checksums either, so a part listed
     * without one is not evidence of tampering there.
     */
    @Test
    void onAStoreThatChecksNoSignatureDroppingTheSignedChecksumHeaderGoesUnnoticed() {
        Gateway gil = Gateway.as("mock-" + UUID.randomUUID());
        byte[] file = Bytes.random(3000, 108);
        String id = gil.api().body(Map.of("filename", "strip.bin", "size", file.length, "checksumAlgorithm", "SHA256"))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        Gateway.PresignedUrl url = presignWith(gil, id, List.of(Map.of("partNumber", 1, "checksum", checksum("SHA256", file)))).get(1);
        byte[] corrupted = file.clone();
        corrupted[5] ^= 0x20;
        Gateway.S3Answer stored = Gateway.put(new Gateway.PresignedUrl(url.url(), url.method(),
                Map.of("Content-Length", String.valueOf(file.length))), corrupted);
        assertEquals(200, stored.status(), "S3Mock checks no signature: " + stored.body());
        String key = gil.get(id).then().extract().path("key");
        String uploadId = s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().get(0).uploadId();
        assertEquals(null, s3.listParts(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId)).join().parts().get(0).checksumSHA256());

        gil.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
        assertEquals(Bytes.sha256(corrupted), Bytes.sha256(object(key)), "the bytes the client sent, not the ones it signed for");
    }

    /**
     * S3Mock ignores Content-MD5 on UploadPart (it checks it on PutObject): a part whose bytes do
     * not match its signed MD5 is stored. Pinned here so the compatibility table stays true.
     */
    @Test
    void s3MockStoresAPartWhoseBytesDoNotMatchItsSignedContentMd5() {
        Gateway erin = Gateway.as("mock-" + UUID.randomUUID());
        byte[] part = Bytes.random(2000, 105);
        String id = erin.start("md5.bin", part.length, null).getString("id");
        String md5 = Base64.getEncoder().encodeToString(digest("MD5", part));
        Gateway.PresignedUrl url = presignWith(erin, id, List.of(Map.of("partNumber", 1, "contentMd5", md5))).get(1);
        assertEquals(md5, url.headers().get("Content-MD5"));
        byte[] corrupted = part.clone();
        corrupted[0] ^= 0x01;
        Gateway.S3Answer stored = Gateway.put(url, corrupted);
        assertEquals(200, stored.status(), stored.body());
        assertEquals("\"" + hex("MD5", corrupted) + "\"", stored.etag(), "S3Mock kept the corrupted bytes");
        erin.abort(id).then().statusCode(204);
        String key = erin.get(id).then().body("state", equalTo("ABORTED")).extract().path("key");
        assertTrue(s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().isEmpty());
    }

    /** The phone flow: autoComplete, one lease, parts in any order, no ETag read, no complete call. */
    @Test
    void aLeasedUploadCompletesItselfAndALeaseWithSyncHoldsOnlyTheMissingParts() {
        Gateway phone = Gateway.as("mock-phone-" + UUID.randomUUID());
        byte[] file = Bytes.random(2 * 5 * MIB + 777, 106);
        String id = phone.api().body(Map.of("filename", "IMG_0001.MOV", "size", file.length, "partSize", 5 * MIB,
                        "contentType", "video/quicktime", "autoComplete", true))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        List<Map<String, Object>> parts = new ArrayList<>(phone.api().body(Map.of("expiresInSeconds", 3600))
                .post("/api/v1/uploads/" + id + "/lease").then().statusCode(200).extract().jsonPath().getList("parts"));
        assertEquals(3, parts.size());

        // The app is killed after part 3 went up; the ledger never heard of it, ListParts has.
        Map<String, Object> third = parts.stream().filter(p -> ((Number) p.get("partNumber")).intValue() == 3).findFirst().orElseThrow();
        assertEquals(200, Gateway.put(urlOf(third), slice(file, third)).status());
        List<Integer> missing = phone.api().body(Map.of("sync", true)).post("/api/v1/uploads/" + id + "/lease")
                .then().statusCode(200).extract().jsonPath().getList("parts.partNumber");
        assertEquals(List.of(1, 2), missing);

        List<Map<String, Object>> rest = new ArrayList<>(parts.subList(0, 2));
        Collections.shuffle(rest, new Random(3));
        for (Map<String, Object> part : rest) {
            assertEquals(200, Gateway.put(urlOf(part), slice(file, part)).status());
        }
        await("upload " + id + " completed by the gateway").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> phone.get(id).then().statusCode(200).extract().path("state"), "COMPLETED"::equals);
        String key = phone.get(id).then().extract().path("key");
        assertEquals(Bytes.sha256(file), Bytes.sha256(object(key)));
        assertEquals("video/quicktime", s3.headObject(r -> r.bucket(TestStack.BUCKET).key(key)).join().contentType());
    }

    /**
     * {@code gateway.manage-bucket=true}: S3Mock has no PutBucketCors (it answers that PUT as a
     * CreateBucket: 409 BucketAlreadyOwnedByYou), so the gateway logs a warning and starts anyway;
     * its lifecycle rules are stored and read back.
     */
    @Test
    void theGatewayStartsWithManagedBucketRulesAndItsLifecycleRulesAreStored() {
        List<String> ids = s3.getBucketLifecycleConfiguration(r -> r.bucket(TestStack.BUCKET)).join().rules().stream()
                .map(LifecycleRule::id).sorted().toList();
        assertEquals(List.of("upload-gateway-abort-incomplete-multipart", "upload-gateway-expire-staging"), ids);
    }

    /** ListParts as S3Mock answers it: pages of max-parts with a marker; what the ledger's sync reads. */
    @Test
    void s3MockPagesListParts() {
        Gateway fay = Gateway.as("mock-" + UUID.randomUUID());
        byte[] file = Bytes.random(2 * 5 * MIB + 1, 107);
        JsonPath started = fay.start("paged.bin", file.length, (long) 5 * MIB);
        String id = started.getString("id");
        String key = started.getString("key");
        for (int n = 1; n <= 3; n++) {
            assertEquals(200, Gateway.put(fay.presign(id, List.of(n), null).get(n), part(file, n, 5 * MIB)).status());
        }
        String uploadId = s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(key)).join().uploads().get(0).uploadId();
        ListPartsResponse first = s3.listParts(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId).maxParts(2)).join();
        assertTrue(first.isTruncated());
        assertEquals(List.of(1, 2), first.parts().stream().map(p -> p.partNumber()).toList());
        ListPartsResponse second = s3.listParts(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId).maxParts(2)
                .partNumberMarker(first.nextPartNumberMarker())).join();
        assertEquals(List.of(3), second.parts().stream().map(p -> p.partNumber()).toList());
        assertTrue(!second.isTruncated());
        fay.sync(id).then().statusCode(200).body("parts.size()", equalTo(3)).body("bytesUploaded", equalTo(file.length));
        fay.complete(id).then().statusCode(200);
    }

    /**
     * What S3Mock checks in CompleteMultipartUpload, straight through the SDK: part order, each
     * part's ETag, and EntityTooSmall, which it applies to every part it holds before the last one
     * it holds, listed in the request or not.
     */
    @Test
    void s3MockChecksPartOrderEtagsAndSizesAtCompletion() {
        String key = "probe/" + UUID.randomUUID() + "/order.bin";
        String uploadId = s3.createMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(key)).join().uploadId();
        byte[] big = Bytes.random(5 * MIB, 109);
        byte[] small = Bytes.random(10, 110);
        String e1 = s3.uploadPart(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId).partNumber(1),
                software.amazon.awssdk.core.async.AsyncRequestBody.fromBytes(big)).join().eTag();
        String e2 = s3.uploadPart(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId).partNumber(2),
                software.amazon.awssdk.core.async.AsyncRequestBody.fromBytes(small)).join().eTag();
        assertEquals("InvalidPartOrder", completeFails(key, uploadId, List.of(part(2, e2), part(1, e1))));
        assertEquals("InvalidPart", completeFails(key, uploadId, List.of(part(1, e1), part(2, "\"" + "0".repeat(32) + "\""))));
        assertEquals("InvalidPart", completeFails(key, uploadId, List.of(part(1, e1), part(3, e2))));

        String tiny = "probe/" + UUID.randomUUID() + "/tiny.bin";
        String tinyId = s3.createMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(tiny)).join().uploadId();
        String t1 = s3.uploadPart(r -> r.bucket(TestStack.BUCKET).key(tiny).uploadId(tinyId).partNumber(1),
                software.amazon.awssdk.core.async.AsyncRequestBody.fromBytes(small)).join().eTag();
        s3.uploadPart(r -> r.bucket(TestStack.BUCKET).key(tiny).uploadId(tinyId).partNumber(2),
                software.amazon.awssdk.core.async.AsyncRequestBody.fromBytes(small)).join();
        // Only part 1 listed, so it is the last part of the object; S3Mock still counts part 2.
        assertEquals("EntityTooSmall", completeFails(tiny, tinyId, List.of(part(1, t1))));

        String etag = s3.completeMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId)
                .multipartUpload(m -> m.parts(part(1, e1), part(2, e2)))).join().eTag();
        assertTrue(etag.matches("\"[0-9a-f]{32}-2\""), etag);
        s3.abortMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(tiny).uploadId(tinyId)).join();
    }

    // ---------------------------------------------------------------- helpers

    private static software.amazon.awssdk.services.s3.model.CompletedPart part(int n, String etag) {
        return software.amazon.awssdk.services.s3.model.CompletedPart.builder().partNumber(n).eTag(etag).build();
    }

    /** The S3 error code CompleteMultipartUpload answers with these parts. */
    private String completeFails(String key, String uploadId, List<software.amazon.awssdk.services.s3.model.CompletedPart> parts) {
        try {
            s3.completeMultipartUpload(r -> r.bucket(TestStack.BUCKET).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts))).join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof software.amazon.awssdk.services.s3.model.S3Exception s3e) {
                assertEquals(400, s3e.statusCode());
                return s3e.awsErrorDetails().errorCode();
            }
            throw e;
        }
        throw new AssertionError("S3Mock completed " + key + " with " + parts);
    }

    private byte[] object(String key) {
        return s3.getObject(r -> r.bucket(TestStack.BUCKET).key(key), AsyncResponseTransformer.toBytes()).join().asByteArray();
    }

    private static byte[] part(byte[] file, int n, int partSize) {
        return Arrays.copyOfRange(file, (n - 1) * partSize, Math.min(file.length, n * partSize));
    }

    private static byte[] slice(byte[] file, Map<String, Object> leased) {
        int offset = ((Number) leased.get("offset")).intValue();
        return Arrays.copyOfRange(file, offset, offset + ((Number) leased.get("length")).intValue());
    }

    private static Gateway.PresignedUrl urlOf(Map<String, Object> part) {
        @SuppressWarnings("unchecked")
        Map<String, String> headers = (Map<String, String>) part.get("headers");
        return new Gateway.PresignedUrl((String) part.get("url"), (String) part.get("method"), headers);
    }

    /** The URL with the value of {@code parameter} replaced by {@code value}. */
    private static Gateway.PresignedUrl tampered(Gateway.PresignedUrl url, String parameter, String value) {
        String tampered = url.url().replaceFirst(java.util.regex.Pattern.quote(parameter) + "[^&]*", parameter + value);
        assertNotEquals(url.url(), tampered);
        return new Gateway.PresignedUrl(tampered, url.method(), url.headers());
    }

    private static Map<Integer, Gateway.PresignedUrl> presignWith(Gateway client, String id, List<Map<String, Object>> parts) {
        List<Map<String, Object>> urls = client.api().body(Map.of("parts", parts)).post("/api/v1/uploads/" + id + "/presign")
                .then().statusCode(200).extract().jsonPath().getList("urls");
        Map<Integer, Gateway.PresignedUrl> byPart = new HashMap<>();
        for (Map<String, Object> url : urls) {
            byPart.put((Integer) url.get("partNumber"), urlOf(url));
        }
        return byPart;
    }

    private static String checksum(String algorithm, byte[] bytes) {
        if ("CRC32".equals(algorithm)) {
            CRC32 crc = new CRC32();
            crc.update(bytes);
            return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        }
        return Base64.getEncoder().encodeToString(digest("SHA-256", bytes));
    }

    private static String multipartEtag(byte[] file, int partSize, int parts) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            for (int n = 1; n <= parts; n++) {
                md5.update(digest("MD5", part(file, n, partSize)));
            }
            return HexFormat.of().formatHex(md5.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(String algorithm, byte[] bytes) {
        return HexFormat.of().formatHex(digest(algorithm, bytes));
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
