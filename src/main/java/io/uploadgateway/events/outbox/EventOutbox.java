package io.uploadgateway.events.outbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.config.GatewayConfig;
import io.uploadgateway.events.EventPayloads;
import io.uploadgateway.events.EventType;
import io.uploadgateway.events.EventsWritten;
import io.uploadgateway.events.WebhookSettings;
import io.uploadgateway.events.ledger.EventLedger;
import io.uploadgateway.upload.Upload;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import java.time.Instant;
import java.util.UUID;

/**
 * The transactional outbox of upload events. Use cases call {@link #record} inside the
 * transaction that changes the upload (create's insert, the finish of complete / abort / expiry):
 * the event commits or rolls back with the change, so a crash never loses one and a change that
 * rolled back never emits one. After the commit, {@link #committed} wakes this replica's dispatcher.
 */
@ApplicationScoped
public class EventOutbox {

    private final EventLedger ledger;
    private final WebhookSettings webhooks;
    private final ObjectMapper json;
    private final String bucket;
    private final Event<EventsWritten> written;

    public EventOutbox(EventLedger ledger, WebhookSettings webhooks, ObjectMapper json, GatewayConfig config,
                       Event<EventsWritten> written) {
        this.ledger = ledger;
        this.webhooks = webhooks;
        this.json = json;
        this.bucket = config.bucket();
        this.written = written;
    }

    /** Writes the event reporting the upload's current state, in the caller's transaction. */
    public Uni<Void> record(Upload upload, Instant at) {
        EventType type = EventType.reporting(upload.state);
        String payload;
        try {
            payload = json.writeValueAsString(EventPayloads.of(type, upload, bucket, at));
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(new IllegalStateException("could not write the " + type.wireName() + " event", e));
        }
        return ledger.insert(UUID.randomUUID(), upload.id, type, payload, at, webhooks.initialStatus(type));
    }

    /** The transaction that recorded events has committed: the dispatcher may send them now. */
    public void committed() {
        if (webhooks.enabled()) {
            written.fire(new EventsWritten());
        }
    }
}
