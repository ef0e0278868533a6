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
    void clockSkewIsAMetric() throws InterruptedException {
        // Readiness checks (cached for a few seconds) read S3's Date header; the gauge follows.
        java.util.regex.Pattern gauge = java.util.regex.Pattern.compile(
                "(?m)^gateway_storage_clock_skew_seconds(?:\\{[^}]*})? (\\S+)$");
        String value = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            given().get(management + "health/ready");
            var matcher = gauge.matcher(given().get(management + "metrics").then().statusCode(200).extract().asString());
            assertTrue(matcher.find(), "gauge exported");
            value = matcher.group(1);
            if (!value.equals("NaN")) {
                break;
            }
            Thread.sleep(500);
        }
        double skew = Double.parseDouble(value);
        assertTrue(Math.abs(skew) <= 5, "measured after readiness checks reached S3, same host, same clock: " + value);
    }

    private JsonPath awaitReadiness(Predicate<JsonPath> wanted, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonPath last = null;
        while (System.nanoTime() < deadline) {
            last = given().get(management + "health/ready").then().extract().jsonPath();
            if (wanted.test(last)) {
                return last;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        fail("readiness never reached the expected state; last answer: " + (last == null ? null : last.prettify()));
        return null;
    }

    private static Map<String, Object> check(JsonPath health, String name) {
        List<Map<String, Object>> checks = health.getList("checks");
        return checks.stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no check named " + name + " in " + checks));
    }
}
