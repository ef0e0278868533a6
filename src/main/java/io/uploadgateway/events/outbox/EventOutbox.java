package io.uploadgateway.events.outbox;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.events.EventsWritten;
import io.uploadgateway.events.NewEvent;
import io.uploadgateway.events.WebhookSettings;
import io.uploadgateway.events.ledger.EventLedger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import java.time.Instant;
import java.util.UUID;

/**
 * The transactional outbox. The application writes an {@link #event} inside the transaction that
 * makes the change it reports ({@link #record} in an ORM transaction; a ledger on the SQL client
 * writes the change and its event as one statement, {@code EventLedger#withEvent}): the event commits or rolls back
 * with the change, so a crash never loses one and a change that rolled back never emits one. After the commit,
 * {@link #committed} wakes this replica's dispatcher. Events of one {@code subject} (the thing they
 * are about) are delivered in the order they were written.
 */
@ApplicationScoped
public class EventOutbox {

    private final EventLedger ledger;
    private final WebhookSettings webhooks;
    private final Event<EventsWritten> written;

    public EventOutbox(EventLedger ledger, WebhookSettings webhooks, Event<EventsWritten> written) {
        this.ledger = ledger;
        this.webhooks = webhooks;
        this.written = written;
    }

    /** An event of {@code type} about {@code subject}, its JSON {@code payload} exactly as delivered, ready to be written. */
    public NewEvent event(UUID subject, String type, String payload, Instant at) {
        return new NewEvent(UUID.randomUUID(), subject, type, payload, at, webhooks.initialStatus(type));
    }

    /** Writes {@code event} in the caller's transaction (its ORM session). */
    public Uni<Void> record(NewEvent event) {
        return ledger.insert(event);
    }

    /** The transaction that recorded events has committed: the dispatcher may send them now. */
    public void committed() {
        if (webhooks.enabled()) {
            written.fire(new EventsWritten());
        }
    }
}
