package io.uploadgateway.http.uppy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.uploadgateway.problem.ApiProblem;
import io.uploadgateway.upload.UploadRules;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON of Uppy Companion's S3 protocol, as {@code @uppy/aws-s3} 6.x speaks it, and the
 * mapping of its loose request bodies onto the gateway's strict commands.
 */
public final class CompanionViews {

    private CompanionViews() {
    }

    /** {@code POST /s3/multipart}: Uppy sends the file's name, type and its (allowed) meta fields. */
    public record CreateRequest(String filename, String type, JsonNode metadata) {
    }

    public record CreateResponse(String uploadId, String key, String bucket) {
    }

    /**
     * Companion's answer to {@code GET /s3/params}: a presigned POST ({@code method} always POST).
     * {@code uploadId} and {@code key} are the gateway's additions (Uppy ignores them): the upload's
     * id for {@code GET /api/v1/uploads/{id}?sync=true}, and its object key.
     */
    public record ParamsResponse(String method, String url, Map<String, String> fields, long expires, String uploadId, String key) {
    }

    public record SignedPartResponse(String url, long expires, Map<String, String> headers) {
    }

    public record BatchResponse(Map<String, String> presignedUrls, Map<String, Map<String, String>> headers) {
    }

    /** One part as S3's ListParts names it (Companion answers with S3's own field names). */
    public record ListedPart(int PartNumber, String ETag, long Size, String LastModified) {
    }

    public record CompleteRequest(JsonNode parts) {
    }

    public record CompleteResponse(String location, String key, String bucket, String uploadId) {
    }

    /** Meta fields Uppy always adds, which the gateway keeps elsewhere or uses as hints, not as object metadata. */
    static final Set<String> NOT_STORED = Set.of("name", "type", "relativePath", "size", "partSize");

    /** The metadata to store: Uppy's meta fields, scalars as text, nulls and Uppy's own fields left out. */
    static Map<String, String> storedMetadata(JsonNode metadata) {
        if (metadata == null || metadata.isNull()) {
            return Map.of();
        }
        if (!metadata.isObject()) {
            throw ApiProblem.invalid("metadata must be a JSON object of text values");
        }
        Map<String, String> stored = new LinkedHashMap<>();
        metadata.fields().forEachRemaining(e -> {
            JsonNode v = e.getValue();
            if (NOT_STORED.contains(e.getKey()) || v == null || v.isNull()) {
                return;
            }
            if (!v.isValueNode()) {
                throw ApiProblem.invalid("metadata." + e.getKey() + " must be text, a number or a boolean, not "
                        + v.getNodeType().name().toLowerCase());
            }
            stored.put(e.getKey(), v.asText());
        });
        String problem = UploadRules.metadataProblem(stored);
        if (problem != null) {
            throw ApiProblem.invalid(problem);
        }
        return stored;
    }

    /** A positive whole number of bytes from Uppy's metadata ({@code size}, {@code partSize}), or null. */
    static Long bytesHint(JsonNode metadata, String field) {
        JsonNode v = metadata == null || !metadata.isObject() ? null : metadata.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        String text = v.asText().strip();
        if (!text.matches("[0-9]{1,19}")) {
            throw ApiProblem.invalid("metadata." + field + " must be a whole number of bytes, got " + v);
        }
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid("metadata." + field + " is too large: " + text);
        }
    }

    /** Uppy's {@code partNumbers=1,2,3}. */
    static List<Integer> partNumbers(String csv) {
        if (csv == null || csv.isBlank()) {
            throw ApiProblem.invalid("partNumbers is required: comma-separated part numbers, e.g. partNumbers=1,2,3");
        }
        try {
            return java.util.Arrays.stream(csv.split(",")).map(String::strip).map(Integer::valueOf).toList();
        } catch (NumberFormatException e) {
            throw ApiProblem.invalid("partNumbers must be comma-separated whole numbers, got " + csv);
        }
    }

    /** {@code {parts: [{PartNumber, ETag}, …]}}: part number to ETag (quoted or not), each part once. */
    static Map<Integer, String> completedParts(CompleteRequest request) {
        if (request == null || request.parts() == null || !request.parts().isArray() || request.parts().isEmpty()) {
            throw ApiProblem.invalid("a JSON body is required: {\"parts\": [{\"PartNumber\": 1, \"ETag\": \"…\"}, …]}");
        }
        Map<Integer, String> parts = new LinkedHashMap<>();
        for (JsonNode part : request.parts()) {
            JsonNode number = part == null ? null : part.get("PartNumber");
            JsonNode etag = part == null ? null : part.get("ETag");
            boolean usable = number != null && (number.isIntegralNumber() && number.canConvertToInt()
                    || number.isTextual() && number.asText().matches("[0-9]{1,5}"));
            if (!usable) {
                throw ApiProblem.invalid("every part needs a PartNumber from 1 to 10000, got " + part);
            }
            int n = number.isTextual() ? Integer.parseInt(number.asText()) : number.intValue();
            if (n < 1 || n > 10_000) {
                throw ApiProblem.invalid("PartNumber must be from 1 to 10000, got " + n);
            }
            String problem = etag == null || !etag.isTextual() ? "every part needs its ETag as text" : UploadRules.etagProblem(etag.asText());
            if (problem != null) {
                throw ApiProblem.invalid("part " + n + ": " + problem);
            }
            if (parts.put(n, etag.asText()) != null) {
                throw ApiProblem.invalid("part " + n + " is named twice");
            }
        }
        return parts;
    }

    /** Uppy's {@code metadata[field]=value} query parameters as the JSON object a POST body would carry. */
    static ObjectNode queryMetadata(Map<String, List<String>> query) {
        ObjectNode metadata = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, List<String>> param : query.entrySet()) {
            String name = param.getKey();
            if (name.startsWith("metadata[") && name.endsWith("]") && !param.getValue().isEmpty()) {
                metadata.put(name.substring("metadata[".length(), name.length() - 1), param.getValue().get(0));
            }
        }
        return metadata;
    }
}
