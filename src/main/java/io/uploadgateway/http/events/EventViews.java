package io.uploadgateway.http.events;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.uploadgateway.events.StoredEvent;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

/** The JSON shapes of the events routes (docs/api.md#events). */
public final class EventViews {

    private EventViews() {
    }

    /** One event as operators see it: the payload as delivered and where its delivery stands. */
    public record AdminEventView(String id, long seq, String uploadId, String type, String status, int attempts,
                                 Instant occurredAt, Instant pendingSince, Instant nextAttemptAt, Instant lastAttemptAt,
                                 Integer lastStatus, String lastError, Instant deliveredAt, Instant deadAt,
                                 @Schema(implementation = Object.class, description = "The event as delivered: {type, timestamp, data}")
                                 @JsonRawValue String payload) {
        static AdminEventView of(StoredEvent e) {
            return new AdminEventView(e.id().toString(), e.seq(), e.subject().toString(), e.type(), e.status().wire(),
                    e.attempts(), e.occurredAt(), e.pendingSince(), e.nextAttemptAt(), e.lastAttemptAt(), e.lastStatus(),
                    e.lastError(), e.deliveredAt(), e.deadAt(), e.payload());
        }
    }

    public record AdminEventPage(List<AdminEventView> items, String nextCursor) {
    }

    /** A page of the pull feed: items {@code {id, type, timestamp, data}}, oldest first. */
    public record FeedPage(@Schema(type = SchemaType.ARRAY, implementation = Object.class,
                                   description = "Events: {id, type, timestamp, data}") List<ObjectNode> items,
                           @Schema(description = "Pass back as after; absent only before the first event") String nextCursor,
                           @Schema(description = "A full page: more events may be ready right away") boolean more) {
    }
}
