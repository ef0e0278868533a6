package io.uploadgateway.problem;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A failure with an RFC 9457 answer: HTTP status, stable {@code code}, a {@code detail} that
 * tells the client what to change, and optional extension members (e.g. {@code missingParts}).
 */
public class ApiProblem extends RuntimeException {

    private final int status;
    private final String code;
    private final String title;
    private final Map<String, Object> extensions = new LinkedHashMap<>();

    public ApiProblem(int status, String code, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.title = title;
    }

    public static ApiProblem invalid(String detail) {
        return new ApiProblem(400, "invalid_request", "Invalid request", detail);
    }

    public static ApiProblem notFound(String detail) {
        return new ApiProblem(404, "not_found", "Not found", detail);
    }

    public static ApiProblem notActive(String detail) {
        return new ApiProblem(409, "upload_not_active", "Upload is not active", detail);
    }

    public static ApiProblem tooLarge(String detail) {
        return new ApiProblem(413, "too_large", "Upload too large", detail);
    }

    public ApiProblem with(String member, Object value) {
        extensions.put(member, value);
        return this;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }

    public Map<String, Object> extensions() {
        return extensions;
    }
}
