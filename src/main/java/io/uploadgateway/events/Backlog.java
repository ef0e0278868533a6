package io.uploadgateway.events;

import java.time.Instant;

/** The webhook backlog: events waiting, since when the oldest waits, and events that gave up. */
public record Backlog(long pending, Instant oldestPendingSince, long dead) {
}
