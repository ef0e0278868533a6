package io.uploadgateway.health;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.quarkus.test.common.ResourceArg;
import io.uploadgateway.embedded.EmbeddedStack;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/** Readiness follows the bucket: DOWN while S3 is stopped, UP again once it is back; liveness never moves. */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = @ResourceArg(name = TestStack.OWN, value = "readiness"))
class ReadinessTest {

    /** Health and metrics are on the management interface (quarkus.management.enabled): its /q/ root. */
    @TestHTTPResource(value = "", management = true)
    URL management;

    EmbeddedStack stack;

    @Test
    void readinessGoesDownWithS3AndComesBackWithIt() throws Exception {
        JsonPath ready = awaitReadiness(json -> "UP".equals(json.getString("status")), Duration.ofSeconds(20));
        Map<String, Object> bucket = check(ready, StorageReadiness.NAME);
        assertEquals("UP", bucket.get("status"));
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) bucket.get("data");
        assertEquals(TestStack.BUCKET, data.get("bucket"));
        assertEquals("probed: checks CRC32, CRC32C, SHA1, SHA256", data.get("checksums"), "S3Proxy refuses a wrong checksum of each");
        Number skew = (Number) data.get("clockSkewSeconds");
        assertNotNull(skew, "S3's Date header gives the clock skew: " + data);
        assertTrue(Math.abs(skew.longValue()) <= 5, "same host, same clock: " + skew);
        assertEquals("UP", check(ready, LedgerReadiness.NAME).get("status"));

        stack.stopS3();
        try {
            JsonPath down = awaitReadiness(json -> "DOWN".equals(json.getString("status")), Duration.ofSeconds(20));
            assertEquals("DOWN", check(down, StorageReadiness.NAME).get("status"));
            assertEquals("UP", check(down, LedgerReadiness.NAME).get("status"), "the ledger is still there");
            given().get(management + "health/live").then().statusCode(200);
        } finally {
            stack.restartS3();
        }

        JsonPath back = awaitReadiness(json -> "UP".equals(json.getString("status")), Duration.ofSeconds(30));
        assertEquals("UP", check(back, StorageReadiness.NAME).get("status"));
    }

    @Test
    void clockSkewIsAMetric() {
        // Readiness checks (cached for a few seconds) read S3's Date header; the gauge follows.
        java.util.regex.Pattern gauge = java.util.regex.Pattern.compile(
                "(?m)^gateway_storage_clock_skew_seconds(?:\\{[^}]*})? (\\S+)$");
        String value = await("a measured skew").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
            given().get(management + "health/ready");
            var matcher = gauge.matcher(given().get(management + "metrics").then().statusCode(200).extract().asString());
            assertTrue(matcher.find(), "gauge exported");
            return matcher.group(1);
        }, measured -> !measured.equals("NaN"));
        double skew = Double.parseDouble(value);
        assertTrue(Math.abs(skew) <= 5, "measured after readiness checks reached S3, same host, same clock: " + value);
    }

    private JsonPath awaitReadiness(Predicate<JsonPath> wanted, Duration timeout) {
        return await("readiness in the expected state").atMost(timeout).pollInterval(Duration.ofMillis(250))
                .until(() -> given().get(management + "health/ready").then().extract().jsonPath(), wanted::test);
    }

    private static Map<String, Object> check(JsonPath health, String name) {
        List<Map<String, Object>> checks = health.getList("checks");
        return checks.stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no check named " + name + " in " + checks));
    }
}
