package io.uploadgateway.events;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The kinds of events the application records, by the names payloads, filters and the feed use
 * (e.g. {@code upload.completed}). The outbox knows no kind itself: the application's bean of this
 * type tells the webhook filter and the operators' listing which names exist.
 */
public interface EventTypes {

    /** Every kind's name. */
    List<String> names();

    /** The name {@code asked} spells (surrounding blanks and case ignored), if it is one. */
    default Optional<String> named(String asked) {
        String wanted = asked == null ? "" : asked.strip().toLowerCase(Locale.ROOT);
        return names().stream().filter(wanted::equals).findFirst();
    }
}
