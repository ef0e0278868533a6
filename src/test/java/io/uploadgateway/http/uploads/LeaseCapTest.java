package io.uploadgateway.http.uploads;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.ExpiringCredentials;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A lease never outlives the credentials that sign it (S3 would refuse the URLs with 403 once
 * they expire, mid-way through a phone's background transfer): it is capped and says so.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = @ResourceArg(name = TestStack.CREDENTIALS, value = "expiring"))
class LeaseCapTest {

    @Test
    void aLeasePastTheCredentialsExpiryIsCappedAndSaysSo() {
        Gateway phone = Gateway.as("phone-" + UUID.randomUUID());
        byte[] file = Bytes.random(2000, 5);
        String id = phone.start("voice-memo.m4a", file.length, null).getString("id");

        Instant asked = Instant.now();
        JsonPath lease = phone.api().body(Map.of("expiresInSeconds", 6 * 3600)).post("/api/v1/uploads/" + id + "/lease")
                .then().statusCode(200).body("cappedBy", equalTo("credentials")).extract().jsonPath();
        Instant expiresAt = Instant.parse(lease.getString("expiresAt"));
        assertTrue(!expiresAt.isAfter(asked.plus(ExpiringCredentials.LIFETIME).plusSeconds(5)),
                "the lease ends with the credentials, not after 6 h: " + expiresAt);
        assertTrue(expiresAt.isAfter(asked.plus(ExpiringCredentials.LIFETIME).minusSeconds(60)), "and not much sooner: " + expiresAt);

        // The URLs, signed with the session token, work.
        List<Map<String, Object>> parts = lease.getList("parts");
        @SuppressWarnings("unchecked")
        Map<String, String> headers = (Map<String, String>) parts.get(0).get("headers");
        Gateway.S3Answer stored = Gateway.put(new Gateway.PresignedUrl((String) parts.get(0).get("url"),
                (String) parts.get(0).get("method"), headers), file);
        assertEquals(200, stored.status(), stored.body());
        phone.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));

        // Within the credentials' life, nothing caps the lease.
        String short_ = phone.start("short.bin", 10, null).getString("id");
        phone.api().body(Map.of("expiresInSeconds", 60)).post("/api/v1/uploads/" + short_ + "/lease").then()
                .statusCode(200).body("cappedBy", equalTo(null));
    }
}
