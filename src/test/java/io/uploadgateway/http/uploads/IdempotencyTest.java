package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** A retried create with the same Idempotency-Key returns the upload already created. */
@QuarkusTest
@WithTestResource(TestStack.class)
class IdempotencyTest {

    private static final Map<String, Object> BODY = Map.of("filename", "retry.mp4", "size", 123456);

    @Test
    void sameKeyReturnsTheSameUpload() {
        Gateway client = Gateway.as("flaky-network");
        String key = UUID.randomUUID().toString();
        String first = client.api().header("Idempotency-Key", key).body(BODY).post("/api/v1/uploads")
                .then().statusCode(201).extract().path("id");
        client.api().header("Idempotency-Key", key).body(BODY).post("/api/v1/uploads")
                .then().statusCode(200).header("Location", endsWith("/api/v1/uploads/" + first)).body("id", equalTo(first));
        // Keys are per owner: another user with the same key gets an upload of their own.
        String other = Gateway.as("another-user").api().header("Idempotency-Key", key).body(BODY).post("/api/v1/uploads")
                .then().statusCode(201).extract().path("id");
        assertNotEquals(first, other);
    }

    @Test
    void concurrentRetriesCreateOneUpload() throws Exception {
        Gateway client = Gateway.as("flaky-network");
        String key = UUID.randomUUID().toString();
        List<Response> answers = CompleteAndAbortTest.concurrently(5,
                () -> client.api().header("Idempotency-Key", key).body(BODY).post("/api/v1/uploads"));
        String id = answers.get(0).path("id");
        int created = 0;
        for (Response answer : answers) {
            assertEquals(id, answer.path("id"), answer.asString());
            created += answer.statusCode() == 201 ? 1 : 0;
            assertEquals(true, answer.statusCode() == 201 || answer.statusCode() == 200);
        }
        assertEquals(1, created);
    }

    @Test
    void sameKeyForADifferentFileIsRefused() {
        Gateway client = Gateway.as("flaky-network");
        String key = UUID.randomUUID().toString();
        client.api().header("Idempotency-Key", key).body(BODY).post("/api/v1/uploads").then().statusCode(201);
        client.api().header("Idempotency-Key", key).body(Map.of("filename", "other.mp4", "size", 99)).post("/api/v1/uploads")
                .then().statusCode(422).contentType("application/problem+json").body("code", equalTo("idempotency_key_reused"));
    }
}
