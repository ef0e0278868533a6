package io.uploadgateway.events;

import java.time.Instant;
import java.util.UUID;

/** One event as the outbox holds it: the payload exactly as delivered, and where its delivery stands. */
public record StoredEvent(long seq, UUID id, UUID subject, String type, String payload, Instant occurredAt,
                          EventStatus status, int attempts, Instant pendingSince, Instant nextAttemptAt,
                          Instant lastAttemptAt, Integer lastStatus, String lastError, Instant deliveredAt, Instant deadAt) {
}
