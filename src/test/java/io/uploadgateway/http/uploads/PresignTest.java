package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.awaitility.Awaitility.await;

/** Each URL carries its own expiry and its part's exact length; S3 enforces both. */
@QuarkusTest
@WithTestResource(TestStack.class)
class PresignTest {

    @Test
    void lapsedUrlIsRefusedAndAFreshOneWorks() {
        Gateway client = Gateway.as("sleepy-laptop");
        byte[] body = Bytes.random(1000, 1);
        String id = client.start("lid-closed.bin", body.length, null).getString("id");

        JsonPath signed = client.presignResponse(id, List.of(1), 1L).then().statusCode(200).extract().jsonPath();
        Gateway.PresignedUrl shortLived = new Gateway.PresignedUrl(signed.getString("urls[0].url"), "PUT",
                signed.getMap("urls[0].headers", String.class, String.class));
        Instant expiresAt = Instant.parse(signed.getString("urls[0].expiresAt"));
        // The laptop sleeps past the URL's one-second window (S3Proxy's own clock decides).
        await("the URL's expiry passed").atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(expiresAt.plusSeconds(1)));
        Gateway.S3Answer refused = Gateway.put(shortLived, body);
        assertEquals(403, refused.status(), refused.body());

        Gateway.PresignedUrl fresh = client.presign(id, List.of(1), 600L).get(1);
        Gateway.S3Answer accepted = Gateway.put(fresh, body);
        assertEquals(200, accepted.status(), accepted.body());
        client.record(id, 1, accepted.etag()).then().statusCode(200);
        client.complete(id).then().statusCode(200).body("state", equalTo("COMPLETED"));
    }

    @Test
    void bodyOfTheWrongLengthIsRejectedByStorage() {
        Gateway client = Gateway.as("sloppy");
        String id = client.start("exact.bin", 1000, null).getString("id");
        Gateway.PresignedUrl url = client.presign(id, List.of(1), null).get(1);
        assertEquals("1000", url.headers().get("Content-Length"));

        assertEquals(403, Gateway.put(url, Bytes.random(999, 2)).status());
        assertEquals(403, Gateway.put(url, Bytes.random(1001, 2)).status());
        assertEquals(200, Gateway.put(url, Bytes.random(1000, 2)).status());
    }

    @Test
    void eachUrlHasItsOwnExpiryCappedByConfiguration() {
        Gateway client = Gateway.as("planner");
        String id = client.start("long.bin", 100, null).getString("id");
        Instant before = Instant.now();
        JsonPath shortOne = client.presignResponse(id, List.of(1), 60L).then().statusCode(200).extract().jsonPath();
        JsonPath longOne = client.presignResponse(id, List.of(1), 604_800L).then().statusCode(200).extract().jsonPath();

        Instant shortExpiry = Instant.parse(shortOne.getString("urls[0].expiresAt"));
        Instant cappedExpiry = Instant.parse(longOne.getString("urls[0].expiresAt"));
        assertTrue(Duration.between(before, shortExpiry).getSeconds() <= 61, shortExpiry.toString());
        // Default gateway.presign.max-expiry is 12 hours.
        long capped = Duration.between(before, cappedExpiry).getSeconds();
        assertTrue(capped > 12 * 3600 - 60 && capped <= 12 * 3600 + 1, "capped to " + capped + " s");
        assertTrue(longOne.getString("urls[0].url").contains("X-Amz-Expires=43200"), longOne.getString("urls[0].url"));
    }

    @Test
    void aThousandUrlsInOneCall() {
        Gateway client = Gateway.as("bulk");
        long partSize = 5L * 1024 * 1024;
        String id = client.start("huge.mkv", 1000 * partSize, partSize).getString("id");
        List<Integer> all = IntStream.rangeClosed(1, 1000).boxed().toList();

        JsonPath answer = client.presignResponse(id, all, null).then().statusCode(200).extract().jsonPath();
        assertEquals(1000, answer.getList("urls").size());
        assertEquals(all, answer.getList("urls.partNumber", Integer.class));
        assertEquals(1000, answer.getList("urls.url").stream().distinct().count());
    }

    @Test
    void onlyActiveUploadsArePresigned() {
        Gateway client = Gateway.as("quitter");
        String id = client.start("gone.bin", 100, null).getString("id");
        client.abort(id).then().statusCode(204);
        client.presignResponse(id, List.of(1), null).then().statusCode(409)
                .contentType("application/problem+json").body("code", equalTo("upload_not_active"));
    }
}
