package io.uploadgateway.http.uploads;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.uploadgateway.support.Gateway;
import io.uploadgateway.support.Ledger;
import io.uploadgateway.support.TestClock;
import io.uploadgateway.support.TestStack;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Presigning is every client's hot path: parallel signs of one upload must never queue on its row.
 * Activity is still recorded, at most once per gateway.activity-interval (1 minute by default).
 */
@QuarkusTest
@WithTestResource(TestStack.class)
class SignHotPathTest {

    @AfterEach
    void resetClock() {
        TestClock.reset();
    }

    /** Before: every presign ran an UPDATE of the row, so it waited as long as another transaction held it. */
    @Test
    void presignAnswersWhileAnotherTransactionHoldsTheUploadsRow() throws Exception {
        Gateway client = Gateway.as("parallel-" + UUID.randomUUID());
        String id = client.start("held.bin", 100, null).getString("id");
        TestClock.advance(Duration.ofMinutes(5)); // activity is stale: this presign wants to record it

        try (Connection other = Ledger.connect()) {
            other.setAutoCommit(false);
            try (PreparedStatement lock = other.prepareStatement("select id from uploads where id = ?::uuid for update")) {
                lock.setString(1, id);
                lock.executeQuery().close();
            }
            Instant before = lastActivity(id);
            // The row stays locked until this test rolls back, after the answer: a presign that
            // waited for it would have failed on the gateway's lock_timeout instead of answering.
            client.presignResponse(id, List.of(1), null).then().statusCode(200);
            other.rollback();
            assertEquals(before, lastActivity(id), "the activity write skipped the locked row");
        }
    }

    @Test
    void activityIsRecordedAtMostOncePerInterval() throws Exception {
        Gateway client = Gateway.as("chatty-" + UUID.randomUUID());
        String id = client.start("chatty.bin", 100, null).getString("id");
        Instant created = lastActivity(id);

        TestClock.advance(Duration.ofSeconds(20));
        client.presignResponse(id, List.of(1), null).then().statusCode(200);
        assertEquals(created, lastActivity(id), "within the interval: no write");

        TestClock.advance(Duration.ofSeconds(50)); // 70 s since the last recorded activity
        client.presignResponse(id, List.of(1), null).then().statusCode(200);
        Instant touched = lastActivity(id);
        assertTrue(touched.isAfter(created.plusSeconds(60)), "past the interval: recorded, got " + touched);

        client.presignResponse(id, List.of(1), null).then().statusCode(200);
        assertEquals(touched, lastActivity(id), "and again not before the next interval");
    }

    private static Instant lastActivity(String id) throws Exception {
        try (Connection db = Ledger.connect();
             PreparedStatement q = db.prepareStatement("select last_activity_at from uploads where id = ?::uuid")) {
            q.setString(1, id);
            try (ResultSet rs = q.executeQuery()) {
                assertTrue(rs.next());
                return rs.getTimestamp(1).toInstant();
            }
        }
    }
}
