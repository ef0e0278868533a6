package io.uploadgateway.events.read;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.events.Backlog;
import io.uploadgateway.events.EventMetrics;
import io.uploadgateway.events.EventStatus;
import io.uploadgateway.events.FeedCursor;
import io.uploadgateway.events.ListingCursor;
import io.uploadgateway.events.StoredEvent;
import io.uploadgateway.events.WebhookSettings;
import io.uploadgateway.events.outbox.EventOutbox;
import io.uploadgateway.events.ledger.EventLedger;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.problem.ErrorCode;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The read side of the events and the operators' one write: listings, the pull feed, the backlog, redelivery. */
@ApplicationScoped
public class EventQueries {

    private final EventLedger ledger;
    private final WebhookSettings webhooks;
    private final EventMetrics metrics;
    private final EventOutbox outbox;
    private final ObjectMapper json;
    private final Clock clock;

    public EventQueries(EventLedger ledger, WebhookSettings webhooks, EventMetrics metrics, EventOutbox outbox, ObjectMapper json,
                        Clock clock) {
        this.ledger = ledger;
        this.webhooks = webhooks;
        this.metrics = metrics;
        this.outbox = outbox;
        this.json = json;
        this.clock = clock;
    }

    /** A page of the operators' listing, oldest first; {@code nextCursor} is null on the last page. */
    public record Listing(List<StoredEvent> items, String nextCursor) {
    }

    public Uni<Listing> list(EventStatus status, String type, String after, int limit) {
        ListingCursor cursor = ListingCursor.parse(after);
        return ledger.page(status, type, cursor == null ? null : cursor.seq(), limit + 1).map(rows -> {
            boolean more = rows.size() > limit;
            List<StoredEvent> items = more ? rows.subList(0, limit) : rows;
            return new Listing(List.copyOf(items), more ? new ListingCursor(items.get(items.size() - 1).seq()).encode() : null);
        });
    }

    /** Sends the event again (same id), due now and with a fresh max age, whatever its status. */
    public Uni<StoredEvent> redeliver(UUID id) {
        if (!webhooks.enabled()) {
            return Uni.createFrom().failure(ErrorCode.WEBHOOKS_OFF.problem(
                    "this gateway sends no webhooks (GATEWAY_WEBHOOK_URL is unset); backends can read every event from GET /api/v1/events"));
        }
        return ledger.redeliver(id, clock.instant().truncatedTo(ChronoUnit.MICROS)).map(event -> {
            if (event == null) {
                throw Errors.noSuchEvent(id);
            }
            outbox.committed();
            return event;
        });
    }

    /** An operator's look at one event. */
    public Uni<StoredEvent> find(UUID id) {
        return ledger.find(id).map(event -> {
            if (event == null) {
                throw Errors.noSuchEvent(id);
            }
            return event;
        });
    }

    /** The webhook backlog (also refreshes its gauges); zeros with webhooks off. */
    public Uni<Backlog> backlog() {
        return ledger.backlog().invoke(metrics::backlog);
    }

    public boolean webhooksOn() {
        return webhooks.enabled();
    }

    /** A page of the feed: each item {@code {id, type, timestamp, data}}; {@code nextCursor} to pass back as {@code after}. */
    public record FeedPage(List<ObjectNode> items, String nextCursor, boolean more) {
    }

    public Uni<FeedPage> feed(String after, int limit) {
        FeedCursor cursor = FeedCursor.parse(after);
        return ledger.feed(cursor, limit).map(entries -> {
            List<ObjectNode> items = new ArrayList<>();
            for (EventLedger.FeedEntry entry : entries) {
                ObjectNode item = json.createObjectNode();
                item.put("id", entry.id().toString());
                try {
                    item.setAll((ObjectNode) json.readTree(entry.payload()));
                } catch (JsonProcessingException | ClassCastException e) {
                    throw new IllegalStateException("event " + entry.id() + " holds no JSON object", e);
                }
                items.add(item);
            }
            String next = entries.isEmpty() ? (cursor == null ? null : cursor.encode())
                    : entries.get(entries.size() - 1).position().encode();
            return new FeedPage(items, next, entries.size() == limit);
        });
    }

    /** How long the oldest pending event has waited, in whole seconds (0 when none). */
    public long ageSeconds(Instant since) {
        return since == null ? 0 : Math.max(0, java.time.Duration.between(since, clock.instant()).getSeconds());
    }
}
