package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import io.uploadgateway.support.Tokens;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Per-owner quotas, overridden by operators in the ledger, enforced race-free across concurrent creates. */
@QuarkusTest
@WithTestResource(TestStack.class)
class QuotaTest {

    @Inject
    S3AsyncClient s3;

    private static final Gateway ADMIN = Gateway.withToken(Tokens.forAdmin("quota-operator"));

    @Test
    void openUploadsAreCappedPerOwnerAndAFinishedOneFreesItsPlace() {
        String owner = "busy-" + UUID.randomUUID();
        Gateway client = Gateway.as(owner);
        ADMIN.api().body(Map.of("maxActiveUploads", 2)).put("/api/v1/admin/quotas/" + owner).then().statusCode(200)
                .body("maxActiveUploads", equalTo(2)).body("overridden", equalTo(true));
        String first = client.start("one.bin", 100, null).getString("id");
        client.start("two.bin", 100, null);

        client.api().body(Map.of("filename", "three.bin", "size", 100)).post("/api/v1/uploads").then()
                .statusCode(429).contentType("application/problem+json")
                .header("Retry-After", notNullValue())
                .body("code", equalTo("quota_exceeded"))
                .body("quota", equalTo("maxActiveUploads")).body("limit", equalTo(2)).body("usage", equalTo(2));

        client.abort(first).then().statusCode(204);
        client.start("three.bin", 100, null);
        ADMIN.api().get("/api/v1/admin/quotas/" + owner).then().statusCode(200)
                .body("activeUploads", equalTo(2)).body("bytesInFlight", equalTo(200));
    }

    @Test
    void bytesInFlightAreCappedPerOwner() {
        String owner = "hoarder-" + UUID.randomUUID();
        Gateway client = Gateway.as(owner);
        ADMIN.api().body(Map.of("maxBytesInFlight", 1000)).put("/api/v1/admin/quotas/" + owner).then().statusCode(200);
        client.start("six-hundred.bin", 600, null);
        client.api().body(Map.of("filename", "five-hundred.bin", "size", 500)).post("/api/v1/uploads").then()
                .statusCode(429).body("quota", equalTo("maxBytesInFlight")).body("limit", equalTo(1000)).body("usage", equalTo(600));
        client.start("four-hundred.bin", 400, null);

        ADMIN.api().delete("/api/v1/admin/quotas/" + owner).then().statusCode(204);
        client.start("back-to-unlimited.bin", 5000, null);
    }

    @Test
    void concurrentCreatesAtTheLimitLeaveExactlyOneWinnerAndNothingElseInStorage() throws Exception {
        String owner = "racer-" + UUID.randomUUID();
        Gateway client = Gateway.as(owner);
        ADMIN.api().body(Map.of("maxActiveUploads", 1)).put("/api/v1/admin/quotas/" + owner).then().statusCode(200);

        int racers = 8;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            String name = "race-" + i + ".bin";
            Callable<Integer> create = () -> {
                start.await();
                Response response = client.api().body(Map.of("filename", name, "size", 100)).post("/api/v1/uploads");
                return response.statusCode();
            };
            statuses.add(pool.submit(create));
        }
        start.countDown();
        List<Integer> answers = new ArrayList<>();
        for (Future<Integer> status : statuses) {
            answers.add(status.get());
        }
        pool.shutdown();

        assertEquals(1, answers.stream().filter(s -> s == 201).count(), "answers: " + answers);
        assertEquals(racers - 1, answers.stream().filter(s -> s == 429).count(), "answers: " + answers);
        assertEquals(1, openUploadsOf(owner));
        String keyOfOwner = client.api().get("/api/v1/uploads").then().extract().path("items[0].key");
        // <prefix>/<deployment>/<owner>/<uploadId>/<filename>: everything before the upload id.
        String ownerPrefix = keyOfOwner.substring(0, keyOfOwner.lastIndexOf('/', keyOfOwner.lastIndexOf('/') - 1) + 1);
        assertEquals(1, s3.listMultipartUploads(r -> r.bucket(TestStack.BUCKET).prefix(ownerPrefix)).join().uploads().size(),
                "the losers left no multipart upload in storage");
    }

    @Test
    void operatorsSeeUsageBesideLimits() {
        String owner = "seen-" + UUID.randomUUID();
        Gateway.as(owner).start("watched.bin", 321, null);
        ADMIN.api().body(Map.of("maxActiveUploads", 5)).put("/api/v1/admin/quotas/" + owner).then().statusCode(200);
        ADMIN.api().queryParam("limit", 500).get("/api/v1/admin/usage").then().statusCode(200)
                .body("items.find { it.owner == '" + owner + "' }.activeUploads", equalTo(1))
                .body("items.find { it.owner == '" + owner + "' }.bytesInFlight", equalTo(321))
                .body("items.find { it.owner == '" + owner + "' }.maxActiveUploads", equalTo(5));
        Gateway.as(owner).api().get("/api/v1/admin/usage").then().statusCode(403);
        ADMIN.api().body(Map.of("maxActiveUploads", -1)).put("/api/v1/admin/quotas/" + owner).then().statusCode(400);
    }

    private static int openUploadsOf(String owner) throws Exception {
        try (Connection db = Ledger.connect();
             PreparedStatement q = db.prepareStatement("select count(*) from uploads where owner = ? and state = 'UPLOADING'")) {
            q.setString(1, owner);
            try (ResultSet rs = q.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
