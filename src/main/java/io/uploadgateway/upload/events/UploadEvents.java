package io.uploadgateway.upload.events;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.events.EventTypes;
import io.uploadgateway.events.NewEvent;
import io.uploadgateway.events.outbox.EventOutbox;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.UploadState;
import io.uploadgateway.upload.read.UploadLocations;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The upload's events: one per state change, named by the state it reports, recorded in the
 * outbox inside the transaction that changes the upload (create's insert, the finishing write),
 * so the event commits or rolls back with the change. The JSON is what webhooks deliver and the
 * feed serves: {@code {type, timestamp, data}}, {@code data} being the upload just after the change.
 */
@ApplicationScoped
public class UploadEvents implements EventTypes {

    /** The kinds of upload events; a new kind is one more constant. */
    public enum Type {
        CREATED("upload.created", UploadState.UPLOADING),
        COMPLETED("upload.completed", UploadState.COMPLETED),
        ABORTED("upload.aborted", UploadState.ABORTED),
        EXPIRED("upload.expired", UploadState.EXPIRED),
        REJECTED("upload.rejected", UploadState.REJECTED);

        private final String wireName;
        private final UploadState reports;

        Type(String wireName, UploadState reports) {
            this.wireName = wireName;
            this.reports = reports;
        }

        /** The name in payloads, filters and the feed, e.g. {@code upload.completed}. */
        public String wireName() {
            return wireName;
        }

        /** The event that reports an upload now in {@code state}. */
        public static Type reporting(UploadState state) {
            return Arrays.stream(values()).filter(type -> type.reports == state).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no event reports the state " + state));
        }
    }

    @JsonPropertyOrder({"type", "timestamp", "data"})
    public record Envelope(String type, Instant timestamp, Data data) {
    }

    /** The upload as it is after the change the event reports. */
    @JsonPropertyOrder({"id", "owner", "store", "bucket", "key", "filename", "size", "contentType", "etag", "metadata", "state",
            "createdAt", "completedAt"})
    public record Data(String id, String owner, String store, String bucket, String key, String filename, Long size, String contentType,
                       String etag, Map<String, String> metadata, String state, Instant createdAt, Instant completedAt) {
    }

    private final EventOutbox outbox;
    private final ObjectMapper json;
    private final UploadLocations locations;

    public UploadEvents(EventOutbox outbox, ObjectMapper json, UploadLocations locations) {
        this.outbox = outbox;
        this.json = json;
        this.locations = locations;
    }

    @Override
    public List<String> names() {
        return Arrays.stream(Type.values()).map(Type::wireName).toList();
    }

    /** Writes the event reporting the upload's current state, in the caller's (ORM) transaction. */
    public Uni<Void> record(Upload upload, Instant at) {
        return Uni.createFrom().item(() -> event(upload, at)).flatMap(outbox::record);
    }

    /** The event reporting the upload's current state, for the transaction that made it so. */
    public NewEvent event(Upload upload, Instant at) {
        Type type = Type.reporting(upload.state);
        try {
            return outbox.event(upload.id, type.wireName(), json.writeValueAsString(envelope(type, upload, at)), at);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the " + type.wireName() + " event", e);
        }
    }

    /** The transaction that recorded events has committed: the dispatcher may send them now. */
    public void committed() {
        outbox.committed();
    }

    Envelope envelope(Type type, Upload upload, Instant at) {
        Map<String, String> metadata = upload.metadata == null ? Map.of() : new TreeMap<>(upload.metadata);
        return new Envelope(type.wireName(), at, new Data(upload.id.toString(), upload.owner, upload.store,
                locations.bucketOf(upload), upload.key,
                upload.filename, upload.size, upload.contentType, upload.etag, metadata, upload.state.name(),
                upload.createdAt, upload.completedAt));
    }
}
