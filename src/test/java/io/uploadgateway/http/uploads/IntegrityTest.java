package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Per-part integrity against S3Proxy and the real ledger: a URL is signed for the part's
 * Content-MD5 (or additional checksum) only when the client gives it, the store then refuses
 * other bytes, and a corrected retry completes the upload with exactly the bytes sent.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class IntegrityTest {

    private static final int MIB = 1024 * 1024;

    @Test
    void urlsCarryNoChecksumParametersUnlessAsked() {
        Gateway client = Gateway.as("plain-" + UUID.randomUUID());
        byte[] body = Bytes.random(1000, 11);
        String id = client.start("plain.bin", body.length, null).getString("id");

        Gateway.PresignedUrl presigned = client.presign(id, List.of(1), null).get(1);
        assertNoChecksum(presigned.url());
        assertEquals(Map.of("Content-Length", "1000"), presigned.headers());

        JsonPath lease = client.api().body(Map.of()).post("/api/v1/uploads/" + id + "/lease")
                .then().statusCode(200).extract().jsonPath();
        assertNoChecksum(lease.getString("parts[0].url"));
        assertEquals(Map.of("Content-Length", "1000"), lease.getMap("parts[0].headers"));

        Gateway.S3Answer stored = Gateway.put(presigned, body);
        assertEquals(200, stored.status(), stored.body());
        client.complete(id).then().statusCode(200);
        String download = client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
        assertNoChecksum(download);
        assertFalse(download.contains("x-amz-checksum-mode"), download);
    }

    @Test
    void aPartWithOtherBytesThanItsSignedMd5IsRefusedAndACorrectRetryCompletes() throws Exception {
        Gateway client = Gateway.as("careful-" + UUID.randomUUID());
        byte[] file = Bytes.random(5 * MIB + 1234, 21);
        byte[] part1 = java.util.Arrays.copyOfRange(file, 0, 5 * MIB);
        byte[] part2 = java.util.Arrays.copyOfRange(file, 5 * MIB, file.length);
        String id = client.start("careful.bin", file.length, (long) 5 * MIB).getString("id");

        Map<Integer, Gateway.PresignedUrl> urls = presignWith(client, id, List.of(
                Map.of("partNumber", 1, "contentMd5", md5(part1)), Map.of("partNumber", 2, "contentMd5", md5(part2))));
        Gateway.PresignedUrl first = urls.get(1);
        assertEquals(Map.of("Content-Length", String.valueOf(part1.length), "Content-MD5", md5(part1)), first.headers());
        assertTrue(first.url().contains("X-Amz-SignedHeaders=content-length%3Bcontent-md5%3Bhost&"), first.url());
        assertFalse(first.url().toLowerCase().contains("x-amz-checksum"), first.url());

        // A bit flipped on the way: the store checks the signed MD5 and keeps nothing.
        byte[] corrupted = part1.clone();
        corrupted[12345] ^= 0x01;
        Gateway.S3Answer refused = Gateway.put(first, corrupted);
        assertEquals(400, refused.status(), refused.body());
        assertTrue(refused.body().contains("BadDigest"), refused.body());
        assertEquals(List.of(1, 2), client.sync(id).then().statusCode(200).extract().jsonPath().getList("missingParts", Integer.class));

        // The client asks again (the URL is used up in its eyes) and sends the right bytes.
        Gateway.PresignedUrl retry = presignWith(client, id, List.of(Map.of("partNumber", 1, "contentMd5", md5(part1)))).get(1);
        Gateway.S3Answer one = Gateway.put(retry, part1);
        assertEquals(200, one.status(), one.body());
        Gateway.S3Answer two = Gateway.put(urls.get(2), part2);
        assertEquals(200, two.status(), two.body());
        client.record(id, 1, one.etag()).then().statusCode(200);
        client.record(id, 2, two.etag()).then().statusCode(200);
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));

        assertEquals(Bytes.sha256(file), Bytes.sha256(downloaded(client, id)));
    }

    @Test
    void malformedDigestsAndMixedFormsAreClearBadRequests() {
        Gateway client = Gateway.as("sloppy-digests-" + UUID.randomUUID());
        String id = client.start("d.bin", 100, null).getString("id");
        String presign = "/api/v1/uploads/" + id + "/presign";

        invalid(client.api().body(Map.of("parts", List.of(Map.of("partNumber", 1, "contentMd5", "not base64!")))).post(presign),
                "contentMd5 of part 1");
        // 15 bytes, not an MD5
        invalid(client.api().body(Map.of("parts", List.of(Map.of("partNumber", 1,
                "contentMd5", Base64.getEncoder().encodeToString(new byte[15]))))).post(presign), "16-byte MD5");
        // a hex MD5 is a common mistake
        invalid(client.api().body(Map.of("parts", List.of(Map.of("partNumber", 1,
                "contentMd5", "d41d8cd98f00b204e9800998ecf8427e")))).post(presign), "base64");
        invalid(client.api().body(Map.of("partNumbers", List.of(1),
                "parts", List.of(Map.of("partNumber", 1, "contentMd5", md5(new byte[100]))))).post(presign), "not both");
        invalid(client.api().body(Map.of("parts", List.of())).post(presign), "parts must list");
        invalid(client.api().body(Map.of("parts", List.of(Map.of("contentMd5", md5(new byte[1]))))).post(presign), "part numbers");
        invalid(client.api().body(Map.of("parts", List.of(Map.of("partNumber", 1, "contentMd5", md5(new byte[1])),
                Map.of("partNumber", 1, "contentMd5", md5(new byte[2]))))).post(presign), "listed twice");
        invalid(client.api().body(Map.of("parts", List.of(Map.of("partNumber", 2, "contentMd5", md5(new byte[1]))))).post(presign),
                "outside 1..1");
        // an additional checksum needs an upload created with its algorithm
        invalid(client.api().body(Map.of("parts", List.of(Map.of("partNumber", 1,
                "checksum", sha256(new byte[100]))))).post(presign), "checksumAlgorithm");
        invalid(client.api().body(Map.of("filename", "x.bin", "size", 10, "checksumAlgorithm", "MD5")).post("/api/v1/uploads"),
                "checksumAlgorithm must be one of");
        // the lease takes the same parts
        Gateway.PresignedUrl leased = leaseWith(client, id, List.of(Map.of("partNumber", 1, "contentMd5", md5(new byte[100]))));
        assertEquals(md5(new byte[100]), leased.headers().get("Content-MD5"));
        invalid(client.api().body(Map.of("partNumbers", List.of(1), "parts", List.of(Map.of("partNumber", 1))))
                .post("/api/v1/uploads/" + id + "/lease"), "not both");
    }

    @Test
    void sha256PartsAreSignedCheckedByTheStoreAndPassedAtCompletion() throws Exception {
        Gateway client = Gateway.as("sha-" + UUID.randomUUID());
        byte[] file = Bytes.random(5 * MIB + 777, 31);
        byte[] part1 = java.util.Arrays.copyOfRange(file, 0, 5 * MIB);
        byte[] part2 = java.util.Arrays.copyOfRange(file, 5 * MIB, file.length);
        JsonPath created = client.api().body(Map.of("filename", "sha.bin", "size", file.length, "partSize", 5 * MIB,
                "checksumAlgorithm", "sha256")).post("/api/v1/uploads").then().statusCode(201).extract().jsonPath();
        assertEquals("SHA256", created.getString("checksumAlgorithm"));
        String id = created.getString("id");

        // Every part of such an upload needs its checksum (the store would refuse it without).
        invalid(client.presignResponse(id, List.of(1), null), "every part needs its checksum");
        invalid(client.api().body(Map.of()).post("/api/v1/uploads/" + id + "/lease"), "every part needs its checksum");
        invalid(client.api().body(Map.of("parts", List.of(Map.of("partNumber", 1, "checksum", md5(part1)))))
                .post("/api/v1/uploads/" + id + "/presign"), "32-byte SHA256");

        Map<Integer, Gateway.PresignedUrl> urls = presignWith(client, id, List.of(
                Map.of("partNumber", 1, "checksum", sha256(part1)), Map.of("partNumber", 2, "checksum", sha256(part2))));
        assertEquals(Map.of("Content-Length", String.valueOf(part1.length), "x-amz-checksum-sha256", sha256(part1)),
                urls.get(1).headers());
        assertTrue(urls.get(1).url().contains("X-Amz-SignedHeaders=content-length%3Bhost%3Bx-amz-checksum-sha256&"),
                urls.get(1).url());

        byte[] corrupted = part2.clone();
        corrupted[0] ^= 0x40;
        Gateway.S3Answer refused = Gateway.put(urls.get(2), corrupted);
        assertEquals(400, refused.status(), refused.body());
        assertTrue(refused.body().contains("BadDigest"), refused.body());

        assertEquals(200, Gateway.put(urls.get(1), part1).status());
        // The lease signs them the same way (an app handing the part to the OS).
        Gateway.PresignedUrl retry = leaseWith(client, id, List.of(Map.of("partNumber", 2, "checksum", sha256(part2))));
        assertEquals(sha256(part2), retry.headers().get("x-amz-checksum-sha256"));
        assertEquals(200, Gateway.put(retry, part2).status());
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED")).body("checksumAlgorithm", equalTo("SHA256"));
        assertEquals(Bytes.sha256(file), Bytes.sha256(downloaded(client, id)));
    }

    @Test
    void crc32cPartsAreSignedAndTheUploadCompletes() throws Exception {
        Gateway client = Gateway.as("crc-" + UUID.randomUUID());
        byte[] file = Bytes.random(4000, 41);
        JsonPath created = client.api().body(Map.of("filename", "crc.bin", "size", file.length, "checksumAlgorithm", "CRC32C"))
                .post("/api/v1/uploads").then().statusCode(201).extract().jsonPath();
        String id = created.getString("id");
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(file);
        String checksum = Base64.getEncoder().encodeToString(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        Gateway.PresignedUrl url = presignWith(client, id, List.of(Map.of("partNumber", 1, "checksum", checksum))).get(1);
        assertEquals(checksum, url.headers().get("x-amz-checksum-crc32c"));
        Gateway.S3Answer stored = Gateway.put(url, file);
        assertEquals(200, stored.status(), stored.body());
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
        assertEquals(Bytes.sha256(file), Bytes.sha256(downloaded(client, id)));
    }

    // ---------------------------------------------------------------- helpers

    private static void assertNoChecksum(String url) {
        String lower = url.toLowerCase();
        assertFalse(lower.contains("x-amz-checksum"), url);
        assertFalse(lower.contains("x-amz-sdk-checksum-algorithm"), url);
        assertFalse(lower.contains("content-md5"), url);
        assertTrue(url.contains("X-Amz-SignedHeaders=host&") || url.contains("X-Amz-SignedHeaders=content-length%3Bhost&"), url);
    }

    private static void invalid(Response response, String detail) {
        response.then().statusCode(400).contentType("application/problem+json").body("code", equalTo("invalid_request"))
                .body("detail", containsString(detail));
    }

    private static Map<Integer, Gateway.PresignedUrl> presignWith(Gateway client, String id, List<Map<String, Object>> parts) {
        List<Map<String, Object>> urls = client.api().body(Map.of("parts", parts)).post("/api/v1/uploads/" + id + "/presign")
                .then().statusCode(200).extract().jsonPath().getList("urls");
        Map<Integer, Gateway.PresignedUrl> byPart = new HashMap<>();
        for (Map<String, Object> url : urls) {
            @SuppressWarnings("unchecked")
            Map<String, String> headers = (Map<String, String>) url.get("headers");
            byPart.put((Integer) url.get("partNumber"), new Gateway.PresignedUrl((String) url.get("url"), (String) url.get("method"), headers));
        }
        return byPart;
    }

    private static Gateway.PresignedUrl leaseWith(Gateway client, String id, List<Map<String, Object>> parts) {
        JsonPath lease = client.api().body(Map.of("parts", new ArrayList<>(parts))).post("/api/v1/uploads/" + id + "/lease")
                .then().statusCode(200).extract().jsonPath();
        @SuppressWarnings("unchecked")
        Map<String, String> headers = (Map<String, String>) lease.getMap("parts[0]").get("headers");
        return new Gateway.PresignedUrl(lease.getString("parts[0].url"), lease.getString("parts[0].method"), headers);
    }

    private static byte[] downloaded(Gateway client, String id) {
        String url = client.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
        Gateway.Downloaded download = Gateway.download(url);
        assertEquals(200, download.status());
        return download.body();
    }

    static String md5(byte[] bytes) throws RuntimeException {
        return digest("MD5", bytes);
    }

    static String sha256(byte[] bytes) {
        return digest("SHA-256", bytes);
    }

    private static String digest(String algorithm, byte[] bytes) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
