package io.uploadgateway.events;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(5), Duration.ofHours(1), Duration.ofDays(3));
    private final Instant written = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void backoffDoublesFromTheMinimumWithBoundedJitterUpToTheMaximum() {
        assertEquals(Duration.ofSeconds(5), policy.delay(1, 0.0), "never below the minimum");
        assertEquals(Duration.ofSeconds(6), policy.delay(1, 1.0));
        assertEquals(Duration.ofSeconds(8), policy.delay(2, 0.0));
        assertEquals(Duration.ofSeconds(12), policy.delay(2, 1.0));
        assertEquals(Duration.ofSeconds(20), policy.delay(3, 0.5));
        assertEquals(Duration.ofMinutes(48), policy.delay(30, 0.0), "jitter below the cap");
        assertEquals(Duration.ofHours(1), policy.delay(30, 0.99), "never above the maximum");
        assertEquals(Duration.ofHours(1), policy.delay(Integer.MAX_VALUE, 0.5));
        for (int attempt = 1; attempt < 40; attempt++) {
            Duration d = policy.delay(attempt, Math.random());
            assertTrue(d.compareTo(Duration.ofSeconds(5)) >= 0 && d.compareTo(Duration.ofHours(1)) <= 0, d.toString());
        }
    }

    @Test
    void theLastAttemptIsAtTheMaxAgeAndAFailureThenIsDead() {
        Instant now = written.plusSeconds(30);
        assertEquals(now.plusSeconds(20), policy.nextAttempt(3, now, written, 0.5));

        Instant nearTheEnd = written.plus(Duration.ofDays(3)).minusSeconds(60);
        assertEquals(written.plus(Duration.ofDays(3)), policy.nextAttempt(20, nearTheEnd, written, 0.5),
                "one last attempt exactly at the max age");
        assertNull(policy.nextAttempt(21, written.plus(Duration.ofDays(3)), written, 0.5));
        assertNull(policy.nextAttempt(1, written.plus(Duration.ofDays(4)), written, 0.5));
    }
}
