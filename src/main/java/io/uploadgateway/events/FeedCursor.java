package io.uploadgateway.events;

import io.uploadgateway.problem.Errors;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A position in the pull feed: the last served event's writing transaction and sequence number,
 * the feed's sort key. Opaque to clients: pass {@code nextCursor} back unchanged; anything else is a 400.
 */
public record FeedCursor(BigInteger txid, long seq) {

    private static final String VERSION = "f1";

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((VERSION + ":" + txid + ":" + seq).getBytes(StandardCharsets.UTF_8));
    }

    /** Null for the start of the feed. */
    public static FeedCursor parse(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String[] fields = new String(Base64.getUrlDecoder().decode(cursor.strip()), StandardCharsets.UTF_8).split(":");
            if (fields.length != 3 || !VERSION.equals(fields[0])) {
                throw new IllegalArgumentException(cursor);
            }
            BigInteger txid = new BigInteger(fields[1]);
            long seq = Long.parseLong(fields[2]);
            if (txid.signum() < 0 || seq < 0) {
                throw new IllegalArgumentException(cursor);
            }
            return new FeedCursor(txid, seq);
        } catch (IllegalArgumentException e) {
            throw Errors.notACursor("after");
        }
    }
}
