package io.uploadgateway.events;

import io.uploadgateway.problem.Errors;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * A position in the pull feed: the last served event's writing transaction and sequence number,
 * the feed's sort key. Opaque to clients: pass {@code nextCursor} back unchanged; anything else is a 400.
 */
public record FeedCursor(BigInteger txid, long seq) {

    private static final String VERSION = "f1";
    /** Far above any cursor the feed issues, far below what would cost anything to decode. */
    private static final int MAX_LENGTH = 128;
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,20}");

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
            if (cursor.length() > MAX_LENGTH) {
                throw new IllegalArgumentException("too long");
            }
            String[] fields = new String(Base64.getUrlDecoder().decode(cursor.strip()), StandardCharsets.UTF_8).split(":", -1);
            if (fields.length != 3 || !VERSION.equals(fields[0]) || !DIGITS.matcher(fields[1]).matches()
                    || !DIGITS.matcher(fields[2]).matches()) {
                throw new IllegalArgumentException(cursor);
            }
            BigInteger txid = new BigInteger(fields[1]);
            long seq = Long.parseLong(fields[2]); // beyond a long: NumberFormatException, an IllegalArgumentException
            if (txid.bitLength() > 64) {
                throw new IllegalArgumentException("no transaction id is that large"); // xid8 is unsigned 64-bit
            }
            return new FeedCursor(txid, seq);
        } catch (IllegalArgumentException e) {
            throw Errors.notACursor("after");
        }
    }
}
