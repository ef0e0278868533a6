package io.uploadgateway.drills;

import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.uploadgateway.support.Bytes;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drill: PostgreSQL is up but another session holds the upload's row (a long migration, an
 * operator's open transaction). The gateway answers {@code 503 database_unavailable} with
 * {@code Retry-After} within its lock timeout instead of hanging, signing goes on meanwhile,
 * nothing is lost, and the same upload completes once the row is free.
 * <p>
 * Before this drill a lock timeout (SQLSTATE 55P03, reported by Hibernate Reactive as a
 * {@code java.sql.SQLException}) surfaced as a 500.
 */
@QuarkusTest
@WithTestResource(value = TestStack.class, initArgs = {
        @ResourceArg(name = TestStack.OWN, value = "stuck-ledger"),
        @ResourceArg(name = "gateway.ledger.statement-timeout", value = StuckLedgerDrillTest.STATEMENT_TIMEOUT),
        @ResourceArg(name = "gateway.ledger.lock-timeout", value = StuckLedgerDrillTest.LOCK_TIMEOUT),
        @ResourceArg(name = "gateway.ledger.acquire-timeout", value = StuckLedgerDrillTest.ACQUIRE_TIMEOUT)})
class StuckLedgerDrillTest {

    static final String STATEMENT_TIMEOUT = "PT2S";
    static final String LOCK_TIMEOUT = "PT1S";
    static final String ACQUIRE_TIMEOUT = "PT2S";
    /** No drill step may take longer than this, whatever the gateway does. */
    private static final Duration GIVE_UP = Duration.ofSeconds(90);

    @Test
    void aRowHeldByAnotherSessionAnswers503AndTheUploadCompletesAfterwards() throws Exception {
        Gateway client = Gateway.as("held-" + UUID.randomUUID());
        byte[] file = Bytes.random(100_000, 81);
        String id = client.start("held.bin", file.length, null).getString("id");
        Gateway.S3Answer put = Gateway.put(client.presign(id, List.of(1), null).get(1), file);
        client.record(id, 1, put.etag()).then().statusCode(200);

        String report;
        try (Connection holder = Ledger.connect()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("select id from uploads where id = ?::uuid for update")) {
                lock.setString(1, id);
                lock.executeQuery().close();
            }
            long start = System.nanoTime();
            Response complete = within(() -> client.complete(id));
            double took = Drills.millisSince(start);
            complete.then().statusCode(503).contentType("application/problem+json").body("code", equalTo("database_unavailable"));
            assertNotNull(complete.header("Retry-After"), "the client learns when to retry");
            Duration bound = Duration.parse(LOCK_TIMEOUT).plus(Drills.SLACK);
            assertTrue(took < bound.toMillis(), "complete answered within the lock timeout (+ slack): " + took + " ms");
            // Signing never queues on the row: its activity touch skips a locked row.
            within(() -> client.presignResponse(id, List.of(1), null)).then().statusCode(200);
            report = String.format("row held by another session (lock-timeout %s): complete answered 503 after %.0f ms,"
                    + " presign answered 200 meanwhile", LOCK_TIMEOUT, took);
            holder.rollback();
        }
        within(() -> client.complete(id)).then().statusCode(200).body("state", equalTo("COMPLETED"));
        Drills.report("row-held", report);
    }

    private static Response within(Supplier<Response> call) {
        return assertTimeoutPreemptively(GIVE_UP, call::get, "the gateway answered at all");
    }
}
