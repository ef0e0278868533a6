package io.uploadgateway.http;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class AccessLogTest {

    @Test
    void anOwnerCannotForgeALogLine() {
        assertEquals("alice? 12:00 INFO  [io.uploadgateway.access] GET /admin 200",
                AccessLog.loggable("alice\n 12:00 INFO  [io.uploadgateway.access] GET /admin 200"));
        assertEquals("a?b?c", AccessLog.loggable("a\rb\u0000c"));
        assertEquals("auth0|123 José", AccessLog.loggable("auth0|123 José"));
        assertNull(AccessLog.loggable(null));
    }

    @Test
    void aHugeOwnerIsCut() {
        String logged = AccessLog.loggable("x".repeat(10_000));
        assertEquals(256, logged.length());
        assertEquals('…', logged.charAt(255));
    }
}
