package io.uploadgateway.events;

import java.util.Arrays;
import java.util.Locale;

/** Where an event stands with the webhook; every status is also in the pull feed. */
public enum EventStatus {
    /** To be delivered: waiting for its turn, or for its next attempt. */
    PENDING,
    /** The receiver answered 2xx. */
    DELIVERED,
    /** Not delivered within the max age; kept for operators to redeliver. */
    DEAD,
    /** Never to be sent: webhooks were off when it was written, or its type is filtered out. */
    SKIPPED;

    /** The lower-case word of the API and the database. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static EventStatus ofWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    public static String names() {
        return String.join("|", Arrays.stream(values()).map(EventStatus::wire).toList());
    }
}
