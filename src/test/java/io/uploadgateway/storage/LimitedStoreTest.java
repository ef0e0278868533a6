package io.uploadgateway.storage;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.FaultyS3;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A store like Scality CloudServer as a user met it: it has no POST Object (declared), it takes a part whose bytes do not match its
 * signed additional checksum (here: the {@link FaultyS3} proxy takes the startup probe's part, which
 * S3Proxy would refuse), and it refuses the managed CORS rule (S3Proxy answers PutBucketCors 501).
 * The gateway learns the first at startup and never signs a checksum the store would not check (so
 * no corrupted upload can end COMPLETED on the strength of one), even with a default algorithm
 * configured; it reports the unset rule as a readiness problem until a retry sets it, on a store
 * that takes bucket rules only with Content-MD5 (as CloudServer does: a proxy rule here).
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.STORE, value = "ignores-checksums"),
        @ResourceArg(name = "gateway.manage-bucket", value = "true"),
        @ResourceArg(name = "gateway.checksum-algorithm", value = "SHA256"),
        @ResourceArg(name = "gateway.store.post-object", value = "false")})
class LimitedStoreTest {

    @TestHTTPResource(value = "", management = true)
    URL management;

    FaultyS3 s3;

    @Inject
    Stores stores;

    @Inject
    BucketBootstrap bootstrap;

    @Test
    void theProbeFindsTheStoreIgnoresChecksumsAndNoneIsSigned() throws Exception {
        StoreCapabilities capabilities = stores.byDefault().capabilities();
        assertFalse(capabilities.checksAny(), capabilities.checksums().toString());
        assertEquals("probed: none checked; ignores CRC32, CRC32C, SHA1, SHA256", capabilities.checksums().how());
        List<FaultyS3.Seen> probes = s3.requests().stream()
                .filter(seen -> seen.kind().equals("UploadPart") && seen.target().contains("/.capability-probe/")).toList();
        assertEquals(4, probes.size(), "one wrong part per algorithm: " + probes);
        assertTrue(probes.stream().allMatch(seen -> seen.outcome().equals("answered 200")), probes.toString());
        assertEquals(4, s3.requests().stream().filter(seen -> seen.kind().equals("AbortMultipartUpload")
                && seen.target().contains("/.capability-probe/")).count(), "every probe's upload aborted");

        Gateway client = Gateway.as("limited-" + UUID.randomUUID());
        client.api().body(Map.of("filename", "a.bin", "size", 1000, "checksumAlgorithm", "SHA256")).post("/api/v1/uploads")
                .then().statusCode(400).body("code", equalTo("checksums_unsupported"))
                .body("detail", containsString("ignores CRC32, CRC32C, SHA1, SHA256"));

        // The configured default (SHA256) is not applied: the upload goes without, and a checksum at presign is refused.
        byte[] body = Bytes.random(1000, 5);
        JsonPath upload = client.start("default.bin", body.length, null);
        assertNull(upload.get("checksumAlgorithm"), upload.prettify());
        String id = upload.getString("id");
        String sha256 = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
        client.api().body(Map.of("parts", List.of(Map.of("partNumber", 1, "checksum", sha256))))
                .post("/api/v1/uploads/" + id + "/presign")
                .then().statusCode(400).body("code", equalTo("checksums_unsupported"));

        // What it offers instead still holds: the part's Content-MD5, which the store checks.
        Gateway.PresignedUrl plain = client.presign(id, List.of(1), null).get(1);
        assertFalse(plain.url().toLowerCase().contains("x-amz-checksum"), plain.url());
        assertEquals(200, Gateway.put(plain, body).status());
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED")).body("checksumAlgorithm", nullValue());
    }

    @Test
    void anUnsetCorsRuleIsAReadinessProblemUntilARetrySetsItWithContentMd5() {
        List<FaultyS3.Seen> cors = s3.requests().stream().filter(FaultyS3.kind("PutBucketCors")).toList();
        assertFalse(cors.isEmpty(), "the gateway asked for the CORS rule at startup");
        assertTrue(cors.get(0).signedHeaders().contains("content-md5"),
                "Content-MD5 sent (and signed) as older stores require: " + cors.get(0));

        JsonPath down = given().get(management + "health/ready").then().statusCode(503).extract().jsonPath();
        Map<String, Object> bucket = bucket(down);
        assertEquals("DOWN", bucket.get("status"));
        assertTrue(String.valueOf(data(bucket).get("cors")).contains("HTTP 501"), bucket.toString());
        assertEquals("probed: none checked; ignores CRC32, CRC32C, SHA1, SHA256", data(bucket).get("checksums"));

        // Now the store takes bucket rules, but as Scality CloudServer does: only with Content-MD5
        // (a request without it is refused; the gateway's SDK signs every header it sends).
        s3.rule(FaultyS3.kind("PutBucketCors").and(seen -> !seen.signedHeaders().contains("content-md5")),
                FaultyS3.Action.error(400, "InvalidRequest"));
        s3.rule(FaultyS3.kind("PutBucketCors"), FaultyS3.Action.ok());
        try {
            bootstrap.retry();
            assertTrue(bootstrap.corsProblem(stores.byDefault()).isEmpty(), String.valueOf(bootstrap.corsProblem(stores.byDefault())));
            JsonPath up = org.awaitility.Awaitility.await("readiness after the rule was set")
                    .atMost(java.time.Duration.ofSeconds(10)).pollInterval(java.time.Duration.ofMillis(250))
                    .until(() -> given().get(management + "health/ready").then().extract().jsonPath(),
                            json -> "UP".equals(json.getString("status")));
            assertNull(data(bucket(up)).get("cors"));
        } finally {
            s3.clearRules();
        }
    }

    @Test
    void withoutPostObjectUppysSingleRequestRouteAnswersAProblemAndStartsNothing() {
        String owner = "limited-form-" + UUID.randomUUID();
        Gateway client = Gateway.as(owner);
        client.api().queryParam("filename", "small.txt").queryParam("type", "text/plain").get("/s3/params")
                .then().statusCode(400).body("code", equalTo("post_object_unsupported"))
                .body("detail", containsString("shouldUseMultipart"));
        client.api().get("/api/v1/uploads").then().statusCode(200).body("items", org.hamcrest.Matchers.empty());
        // Multipart through the same routes still works.
        client.api().body(Map.of("filename", "big.bin", "type", "application/octet-stream")).post("/s3/multipart")
                .then().statusCode(200).body("uploadId", org.hamcrest.Matchers.notNullValue());
    }

    private static Map<String, Object> bucket(JsonPath health) {
        List<Map<String, Object>> checks = health.getList("checks");
        return checks.stream().filter(c -> "bucket (S3)".equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no bucket check in " + checks));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> data(Map<String, Object> check) {
        return (Map<String, Object>) check.get("data");
    }
}
