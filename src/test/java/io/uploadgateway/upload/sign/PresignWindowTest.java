package io.uploadgateway.upload.sign;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PresignWindowTest {

    private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
    private static final Duration MAX = Duration.ofHours(12);

    @Test
    void longLivedCredentialsLeaveTheRequestWithinTheMaximum() {
        assertEquals(Optional.of(new PresignWindow(Duration.ofMinutes(15), null)),
                PresignWindow.of(Duration.ofMinutes(15), MAX, Optional.empty(), NOW));
        assertEquals(Optional.of(new PresignWindow(MAX, PresignWindow.Cap.CONFIGURATION)),
                PresignWindow.of(Duration.ofDays(7), MAX, Optional.empty(), NOW));
    }

    @Test
    void temporaryCredentialsCapTheWindow() {
        Optional<Instant> expiresIn20Min = Optional.of(NOW.plusSeconds(1200).plusMillis(700));
        assertEquals(Optional.of(new PresignWindow(Duration.ofSeconds(1200), PresignWindow.Cap.CREDENTIALS)),
                PresignWindow.of(Duration.ofHours(1), MAX, expiresIn20Min, NOW));
        assertEquals(Optional.of(new PresignWindow(Duration.ofMinutes(5), null)),
                PresignWindow.of(Duration.ofMinutes(5), MAX, expiresIn20Min, NOW));
        assertEquals(Optional.of(new PresignWindow(Duration.ofSeconds(1200), PresignWindow.Cap.CREDENTIALS)),
                PresignWindow.of(Duration.ofDays(3), MAX, expiresIn20Min, NOW), "the tighter cap names itself");
    }

    @Test
    void expiredCredentialsSignNothing() {
        assertEquals(Optional.empty(), PresignWindow.of(Duration.ofMinutes(5), MAX, Optional.of(NOW.plusMillis(500)), NOW));
        assertEquals(Optional.empty(), PresignWindow.of(Duration.ofMinutes(5), MAX, Optional.of(NOW.minusSeconds(10)), NOW));
    }
}
