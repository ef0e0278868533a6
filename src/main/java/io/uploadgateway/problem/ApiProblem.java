package io.uploadgateway.problem;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure with an RFC 9457 answer: an {@link ErrorCode} from the catalogue, a {@code detail}
 * that tells the client what to change, and optional extension members (e.g.
 * {@code missingParts}) and response headers (e.g. {@code Retry-After}).
 */
public class ApiProblem extends RuntimeException {

    private final ErrorCode error;
    private final Map<String, Object> extensions = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    ApiProblem(ErrorCode error, String detail) {
        super(detail, null, false, false);
        this.error = error;
    }

    public static ApiProblem invalid(String detail) {
        return ErrorCode.INVALID_REQUEST.problem(detail);
    }

    public ApiProblem with(String member, Object value) {
        extensions.put(member, value);
        return this;
    }

    public ApiProblem withHeader(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public ErrorCode error() {
        return error;
    }

    public int status() {
        return error.status();
    }

    public String code() {
        return error.code();
    }

    public String title() {
        return error.title();
    }

    public String detail() {
        return getMessage();
    }

    public Map<String, Object> extensions() {
        return extensions;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
