package io.uploadgateway.problem;

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
            throw ApiProblem.notFound("no upload " + id);
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
            throw ApiProblem.invalid(name + " must be an integer, got '" + value + "'");
        }
    }

    public static boolean flag(String name, String value) {
        if (value == null || value.isEmpty() || value.equalsIgnoreCase("false")) {
            return false;
        }
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        throw ApiProblem.invalid(name + " must be true or false, got '" + value + "'");
    }
}
