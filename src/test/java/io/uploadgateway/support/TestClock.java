package io.uploadgateway.support;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * The one clock of the tests, so time-dependent behaviour is tested without sleeping.
 * <ul>
 *   <li>In {@code @QuarkusTest}s it is the gateway's clock: real time plus an offset tests move
 *       ({@link #advance}); a test that moves it must {@link #reset()} it.</li>
 *   <li>For code tested without the application, {@link #at} is a clock of its own that stands
 *       still where it is {@link #set}.</li>
 * </ul>
 */
@Alternative
@Priority(1)
@Singleton
public class TestClock extends Clock {

    private static volatile Duration offset = Duration.ZERO;

    /** Null: the gateway's clock (real time plus the offset); else this clock's own instant. */
    private volatile Instant standing;

    public TestClock() {
    }

    /** A clock of its own at {@code start}, standing still until set. */
    public static TestClock at(Instant start) {
        TestClock clock = new TestClock();
        clock.standing = start;
        return clock;
    }

    /** Moves the gateway's clock forward. */
    public static void advance(Duration by) {
        offset = offset.plus(by);
    }

    /** The gateway's clock is real time again. */
    public static void reset() {
        offset = Duration.ZERO;
    }

    /** Sets a clock of its own ({@link #at}). */
    public void set(Instant instant) {
        if (standing == null) {
            throw new IllegalStateException("the gateway's clock moves with advance(), not set()");
        }
        standing = instant;
    }

    @Override
    public Instant instant() {
        Instant at = standing;
        return at != null ? at : Instant.now().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
