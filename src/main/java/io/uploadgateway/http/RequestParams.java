package io.uploadgateway.http;

import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.problem.Errors;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/** Path and query parameters parsed by hand, so a malformed one is a clear 400 (or 404 for ids). */
public final class RequestParams {

    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private RequestParams() {
    }

    /** Anything that is not a UUID cannot name an upload: answered like an unknown one. */
    public static UUID uploadId(String id) {
        if (id == null || !UUID_TEXT.matcher(id).matches()) {
            throw Errors.noSuchUpload(id);
        }
        return UUID.fromString(id);
    }

    public static Integer optionalInt(String name, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Integer.valueOf(value);
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid(name + " must be an integer, got '" + shortened(value) + "'");
        }
    }

    public static boolean flag(String name, String value) {
        if (value == null || value.isEmpty() || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        throw ApiProblem.invalid(name + " must be true or false, got '" + shortened(value) + "'");
    }

    /** An enum constant named case-insensitively: null when absent, a 400 naming the choices otherwise. */
    public static <E extends Enum<E>> E oneOf(String name, String value, Class<E> type) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.invalid(name + " must be one of " + Arrays.toString(type.getEnumConstants()) + ", got '" + shortened(value) + "'");
        }
    }

    /** A page size: {@code fallback} when absent, a 400 outside 1..max. */
    public static int limit(String value, int fallback, int max) {
        Integer limit = optionalInt("limit", value);
        if (limit == null) {
            return fallback;
        }
        if (limit < 1 || limit > max) {
            throw ApiProblem.invalid("limit must be between 1 and " + max + ", got " + limit);
        }
        return limit;
    }

    /**
     * An ISO-8601 duration such as {@code PT1H} or {@code P2D}: null when absent, a 400 when
     * malformed, negative or longer than {@code max} (a duration is subtracted from the clock, and
     * {@code PT9999999999999H} would take the result out of the range of {@code Instant}).
     */
    public static Duration duration(String name, String value, Duration max) {
        if (value == null || value.isBlank()) {
            return null;
        }
        Duration duration;
        try {
            duration = Duration.parse(value.strip());
        } catch (DateTimeParseException e) {
            throw ApiProblem.invalid(name + " must be an ISO-8601 duration such as PT1H or P2D, got '" + shortened(value) + "'");
        }
        if (duration.isNegative()) {
            throw ApiProblem.invalid(name + " must not be negative");
        }
        if (duration.compareTo(max) > 0) {
            throw ApiProblem.invalid(name + " must be at most " + max.toDays() + " days (P" + max.toDays() + "D), got " + shortened(value));
        }
        return duration;
    }

    /**
     * Free text that goes to the ledger as a query value (e.g. an owner filter): null when absent,
     * a 400 when longer than {@code maxLength} characters or holding control characters
     * (PostgreSQL refuses NUL in text, which would otherwise be a 500).
     */
    public static String text(String name, String value, int maxLength) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.codePointCount(0, value.length()) > maxLength) {
            throw ApiProblem.invalid(name + " must be at most " + maxLength + " characters");
        }
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            if (Character.getType(cp) == Character.CONTROL || Character.getType(cp) == Character.SURROGATE) {
                throw ApiProblem.invalid(String.format("%s must not contain control characters (found U+%04X)", name, cp));
            }
            i += Character.charCount(cp);
        }
        return value;
    }

    /** A client's value quoted back in a detail, cut short: a detail echoes, it does not amplify. */
    static String shortened(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "…";
    }
}
