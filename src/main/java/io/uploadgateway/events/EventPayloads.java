package io.uploadgateway.events;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.uploadgateway.upload.Upload;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/** The JSON of an upload event, as webhooks deliver it and the feed serves it: {@code {type, timestamp, data}}. */
public final class EventPayloads {

    private EventPayloads() {
    }

    @JsonPropertyOrder({"type", "timestamp", "data"})
    public record Envelope(String type, Instant timestamp, Data data) {
    }

    /** The upload as it is after the change the event reports. */
    @JsonPropertyOrder({"id", "owner", "bucket", "key", "filename", "size", "contentType", "etag", "metadata", "state",
            "createdAt", "completedAt"})
    public record Data(String id, String owner, String bucket, String key, String filename, Long size, String contentType,
                       String etag, Map<String, String> metadata, String state, Instant createdAt, Instant completedAt) {
    }

    public static Envelope of(EventType type, Upload upload, String bucket, Instant at) {
        Map<String, String> metadata = upload.metadata == null ? Map.of() : new TreeMap<>(upload.metadata);
        return new Envelope(type.wireName(), at, new Data(upload.id.toString(), upload.owner, bucket, upload.key,
                upload.filename, upload.size, upload.contentType, upload.etag, metadata, upload.state.name(),
                upload.createdAt, upload.completedAt));
    }
}
