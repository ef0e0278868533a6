package io.uploadgateway.events;

import io.uploadgateway.problem.Errors;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A position in the operators' event listing (the last item's sequence number); opaque to clients. */
public record ListingCursor(long seq) {

    private static final String VERSION = "l1";

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((VERSION + ":" + seq).getBytes(StandardCharsets.UTF_8));
    }

    public static ListingCursor parse(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String[] fields = new String(Base64.getUrlDecoder().decode(cursor.strip()), StandardCharsets.UTF_8).split(":");
            if (fields.length != 2 || !VERSION.equals(fields[0])) {
                throw new IllegalArgumentException(cursor);
            }
            return new ListingCursor(Long.parseLong(fields[1]));
        } catch (IllegalArgumentException e) {
            throw Errors.notACursor("after");
        }
    }
}
