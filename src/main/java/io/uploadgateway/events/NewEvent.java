package io.uploadgateway.events;

import java.time.Instant;
import java.util.UUID;

/**
 * An event about to be written to the outbox, in the transaction that makes the change it reports:
 * its {@code payload} is the JSON exactly as delivered, its {@code status} the one it starts in
 * (pending when webhooks will deliver it, else skipped).
 */
public record NewEvent(UUID id, UUID subject, String type, String payload, Instant occurredAt, EventStatus status) {
}
