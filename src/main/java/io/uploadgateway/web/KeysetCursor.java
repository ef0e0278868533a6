package io.uploadgateway.web;

import io.uploadgateway.problem.ApiProblem;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * An opaque keyset-pagination position: the last item's sort time and id. Clients pass
 * {@code nextCursor} back unchanged; anything else is a 400.
 */
public record KeysetCursor(Instant time, UUID id) {

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((time + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    public static KeysetCursor parse(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int bar = decoded.indexOf('|');
            return new KeysetCursor(Instant.parse(decoded.substring(0, bar)), UUID.fromString(decoded.substring(bar + 1)));
        } catch (RuntimeException e) {
            throw ApiProblem.invalid("cursor is not one this API returned; pass nextCursor unchanged");
        }
    }
}
