package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.net.URL;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An app in an OS background session: it creates the upload with autoComplete, takes one lease,
 * hands every part to the OS as a file-slice upload in whatever order the OS likes, never reads an
 * ETag, never calls complete — and the gateway completes the upload itself.
 */
@QuarkusTest
@WithTestResource(TestStack.class)
@TestProfile(PhoneUploadTest.QuickLooks.class)
class PhoneUploadTest {

    /** Looks every second instead of every minute, so the test does not wait a minute. */
    public static class QuickLooks implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("gateway.auto-complete.check-interval", "PT1S", "gateway.auto-complete.poll", "PT1S",
                    "gateway.auto-complete.assumed-bytes-per-second", "1G");
        }
    }

    private static final int MIB = 1024 * 1024;

    @TestHTTPResource(value = "metrics", management = true)
    URL metricsUrl;

    @Test
    void partsUploadedFromFileSlicesInAnyOrderCompleteWithoutTheApp() {
        Gateway phone = Gateway.as("phone-" + UUID.randomUUID());
        byte[] file = Bytes.random(3 * 5 * MIB + 12_345, 77);
        String id = phone.api().body(Map.of("filename", "IMG_0042.MOV", "size", file.length, "partSize", 5 * MIB,
                        "contentType", "video/quicktime", "autoComplete", true))
                .post("/api/v1/uploads").then().statusCode(201).body("autoComplete", equalTo(true)).extract().path("id");
        double completedBefore = completedTotal();

        JsonPath lease = phone.api().body(Map.of("expiresInSeconds", 3600)).post("/api/v1/uploads/" + id + "/lease")
                .then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> parts = new ArrayList<>(lease.getList("parts"));
        assertEquals(4, parts.size());
        assertEquals(Map.of("Content-Length", String.valueOf(5 * MIB)), parts.get(0).get("headers"),
                "nothing to send but the part's length");

        Collections.shuffle(parts, new Random(7));
        boolean failedOnce = false;
        for (Map<String, Object> part : parts) {
            long offset = ((Number) part.get("offset")).longValue();
            int length = ((Number) part.get("length")).intValue();
            byte[] slice = Arrays.copyOfRange(file, (int) offset, (int) offset + length);
            Gateway.PresignedUrl url = urlOf(part);
            if (!failedOnce) {
                // The OS's first try dies mid-way: S3 refuses a body shorter than the signed length.
                // S3Proxy may answer the error or close the connection mid-answer: either way nothing is stored.
                assertNotEquals(200, statusOrFailure(url, Arrays.copyOf(slice, length / 2)));
                failedOnce = true;
            }
            Gateway.S3Answer stored = putRetryingBrokenConnection(url, slice); // the OS retries the same URL
            assertEquals(200, stored.status(), stored.body());
        }

        phone.awaitState(id, "COMPLETED", Duration.ofSeconds(60));
        String url = phone.api().get("/api/v1/uploads/" + id + "/download").then().statusCode(200).extract().path("url");
        assertEquals(Bytes.sha256(file), Bytes.sha256(Gateway.download(url).body()));
        assertEquals(completedBefore + 1, completedTotal(), "completed exactly once");
    }

    @Test
    void aLeaseAfterAPartialUploadHoldsOnlyTheMissingParts() {
        Gateway phone = Gateway.as("phone-" + UUID.randomUUID());
        byte[] file = Bytes.random(3 * 5 * MIB + 1, 78);
        String id = phone.api().body(Map.of("filename", "scan.pdf", "size", file.length, "partSize", 5 * MIB))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        List<Map<String, Object>> all = phone.api().body(Map.of()).post("/api/v1/uploads/" + id + "/lease")
                .then().statusCode(200).extract().jsonPath().getList("parts");
        for (Map<String, Object> part : all) {
            int n = ((Number) part.get("partNumber")).intValue();
            if (n == 1 || n == 3) { // the app was killed after these two
                long offset = ((Number) part.get("offset")).longValue();
                int length = ((Number) part.get("length")).intValue();
                assertEquals(200, Gateway.put(urlOf(part), Arrays.copyOfRange(file, (int) offset, (int) offset + length)).status());
            }
        }

        // The ledger never heard of them (no ETag recorded); ListParts has.
        List<Integer> fromLedger = phone.api().body(Map.of()).post("/api/v1/uploads/" + id + "/lease")
                .then().statusCode(200).extract().jsonPath().getList("parts.partNumber");
        assertEquals(List.of(1, 2, 3, 4), fromLedger);
        List<Integer> afterSync = phone.api().body(Map.of("sync", true)).post("/api/v1/uploads/" + id + "/lease")
                .then().statusCode(200).extract().jsonPath().getList("parts.partNumber");
        assertEquals(List.of(2, 4), afterSync);
    }

    @Test
    void nudgeIsForAutoCompleteUploadsOfTheCaller() {
        Gateway phone = Gateway.as("phone-" + UUID.randomUUID());
        String plain = phone.start("plain.bin", 100, null).getString("id");
        phone.api().post("/api/v1/uploads/" + plain + "/nudge").then().statusCode(400).body("code", equalTo("invalid_request"));
        String auto = phone.api().body(Map.of("filename", "auto.bin", "size", 100, "autoComplete", true))
                .post("/api/v1/uploads").then().statusCode(201).extract().path("id");
        phone.api().post("/api/v1/uploads/" + auto + "/nudge").then().statusCode(202);
        Gateway.as("someone-else").api().post("/api/v1/uploads/" + auto + "/nudge").then().statusCode(404);
    }

    private static Gateway.PresignedUrl urlOf(Map<String, Object> part) {
        @SuppressWarnings("unchecked")
        Map<String, String> headers = (Map<String, String>) part.get("headers");
        return new Gateway.PresignedUrl((String) part.get("url"), (String) part.get("method"), headers);
    }

    private double completedTotal() {
        String metrics = given().get(metricsUrl).then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("gateway_uploads_completed_total"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    /** The status S3 answered, or -1 if the connection failed before a whole answer arrived. */
    /**
     * A PUT as the OS sends it: after S3 dropped a connection mid-answer, the client's pooled
     * connection can be dead, and the OS tries the same URL again on a new one.
     */
    private static Gateway.S3Answer putRetryingBrokenConnection(Gateway.PresignedUrl url, byte[] body) {
        try {
            return Gateway.put(url, body);
        } catch (IllegalStateException connectionFailed) {
            return Gateway.put(url, body);
        }
    }

    private static int statusOrFailure(Gateway.PresignedUrl url, byte[] body) {
        try {
            return Gateway.put(url, body).status();
        } catch (IllegalStateException connectionFailed) {
            return -1;
        }
    }
}
