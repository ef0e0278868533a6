package io.uploadgateway.problem;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/**
 * The shape of every error body ({@code application/problem+json}, RFC 9457), for the OpenAPI
 * document only: {@link ProblemMappers} builds the actual bodies.
 */
@Schema(name = "Problem", description = "RFC 9457 problem details with a stable machine-readable `code`")
public record ProblemDocument(
        @Schema(description = "URN naming the problem kind", examples = "urn:upload-gateway:problem:not_found") String type,
        @Schema(description = "Short human-readable summary", examples = "Not found") String title,
        @Schema(description = "HTTP status code", examples = "404") int status,
        @Schema(description = "What went wrong and, for a 4xx, what to change", examples = "no upload 4f1c…") String detail,
        @Schema(description = "Stable machine word", enumeration = {"invalid_request", "not_found", "upload_not_active",
                "parts_missing", "part_mismatch", "idempotency_key_reused", "storage_unavailable", "database_unavailable",
                "unauthorized", "forbidden", "too_large", "method_not_allowed", "not_acceptable", "unsupported_media_type",
                "internal_error"}) String code,
        @Schema(description = "With parts_missing: the part numbers storage does not hold yet") List<Integer> missingParts,
        @Schema(description = "With part_mismatch: per part, what differs (partNumber, field, expected, actual)")
        List<java.util.Map<String, Object>> mismatchedParts) {
}
