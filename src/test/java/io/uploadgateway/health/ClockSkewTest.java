package io.uploadgateway.health;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClockSkewTest {

    private static final Instant LOCAL = Instant.parse("2026-11-28T12:00:00Z");

    @Test
    void localClockAheadOfS3IsPositive() {
        assertEquals(OptionalLong.of(420), ClockSkew.skewSeconds(LOCAL, "Sat, 28 Nov 2026 11:53:00 GMT"));
    }

    @Test
    void localClockBehindS3IsNegative() {
        assertEquals(OptionalLong.of(-61), ClockSkew.skewSeconds(LOCAL, "Sat, 28 Nov 2026 12:01:01 GMT"));
    }

    @Test
    void missingOrMalformedDateTellsNothing() {
        assertEquals(OptionalLong.empty(), ClockSkew.skewSeconds(LOCAL, null));
        assertEquals(OptionalLong.empty(), ClockSkew.skewSeconds(LOCAL, ""));
        assertEquals(OptionalLong.empty(), ClockSkew.skewSeconds(LOCAL, "yesterday"));
    }

    @Test
    void worryingPastFiveMinutesEitherWay() {
        assertFalse(ClockSkew.worrying(300));
        assertFalse(ClockSkew.worrying(-300));
        assertTrue(ClockSkew.worrying(301));
        assertTrue(ClockSkew.worrying(-301));
    }
}
