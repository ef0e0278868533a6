package io.uploadgateway.events;

import java.time.Duration;
import java.time.Instant;

/**
 * When a failed delivery is tried again: exponential backoff from {@code minBackoff}, doubled per
 * failed attempt up to {@code maxBackoff}, with ±20 % jitter (so replicas and receivers coming back
 * are not hit in lockstep), kept within [min, max]. The last attempt is made at the max age; a
 * failure at or after it makes the event dead.
 */
public record RetryPolicy(Duration minBackoff, Duration maxBackoff, Duration maxAge) {

    /**
     * The next attempt after the {@code failedAttempts}-th failure (1 for the first), or null when
     * the event is dead. {@code random} is uniform in [0, 1).
     */
    public Instant nextAttempt(int failedAttempts, Instant now, Instant pendingSince, double random) {
        Instant deadline = pendingSince.plus(maxAge);
        if (!now.isBefore(deadline)) {
            return null;
        }
        Instant next = now.plus(delay(failedAttempts, random));
        return next.isAfter(deadline) ? deadline : next;
    }

    /** The backoff after the {@code failedAttempts}-th failure. */
    public Duration delay(int failedAttempts, double random) {
        long min = Math.max(1, minBackoff.toMillis());
        long max = Math.max(min, maxBackoff.toMillis());
        int doublings = Math.max(0, Math.min(failedAttempts - 1, 40));
        double base = Math.min((double) max, min * Math.pow(2, doublings));
        long jittered = Math.round(base * (0.8 + 0.4 * random));
        return Duration.ofMillis(Math.max(min, Math.min(max, jittered)));
    }
}
