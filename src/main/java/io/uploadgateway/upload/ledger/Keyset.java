package io.uploadgateway.upload.ledger;

import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.Errors;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A position in a listing ordered by a time and then the id: the last row of the previous page.
 * As a cursor it is opaque ({@link #encode}): clients pass {@code nextCursor} back unchanged;
 * anything else is a 400.
 *
 * <p>A cursor is validated, not signed: it holds only a position the client was shown anyway (a
 * listed item's time and id), and every listing applies the caller's scope to it, so a forged
 * cursor can skip or repeat rows of the caller's own listing and nothing more. What it must never
 * do is reach the database with a value PostgreSQL or the JDK cannot hold, so the decoded text
 * must be exactly what {@link #encode()} writes: an ISO-8601 UTC instant with a four-digit year,
 * a bar, and a canonical UUID.
 */
public record Keyset(Instant at, UUID id) {

    /** Far above any cursor this API issues (~60 characters), far below what would cost anything to decode. */
    static final int MAX_LENGTH = 128;
    private static final Pattern DECODED = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?Z)\\|"
                    + "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");
    private static final Instant EARLIEST = Instant.EPOCH;
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999999Z");

    public String encode() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((at + "|" + id).getBytes(StandardCharsets.UTF_8));
    }

    public static Keyset parse(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        if (cursor.length() > MAX_LENGTH) {
            throw notOurs();
        }
        String decoded;
        try {
            decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw notOurs();
        }
        Matcher matcher = DECODED.matcher(decoded);
        if (!matcher.matches()) {
            throw notOurs();
        }
        Instant time;
        try {
            time = Instant.parse(matcher.group(1));
        } catch (DateTimeParseException e) {
            throw notOurs(); // e.g. month 13
        }
        if (time.isBefore(EARLIEST) || time.isAfter(LATEST)) {
            throw notOurs();
        }
        return new Keyset(time, UUID.fromString(matcher.group(2)));
    }

    private static ApiProblem notOurs() {
        return Errors.notACursor("cursor");
    }
}
