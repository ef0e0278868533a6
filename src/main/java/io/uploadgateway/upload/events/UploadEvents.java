package io.uploadgateway.upload.events;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.events.EventTypes;
import io.uploadgateway.events.NewEvent;
import io.uploadgateway.events.outbox.EventOutbox;
import io.uploadgateway.upload.StepOutcome;
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
        REJECTED("upload.rejected", UploadState.REJECTED),
        PROCESSING("upload.processing", UploadState.PROCESSING),
        QUARANTINED("upload.quarantined", UploadState.QUARANTINED),
        /** An operator overrode a quarantine: the upload is COMPLETED (served) now; not the event of a state. */
        RELEASED("upload.released", null),
        /** An operator deleted a quarantined upload's object; not the event of a state. */
        DELETED("upload.deleted", null);

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
            return Arrays.stream(values()).filter(type -> type.reports != null && type.reports == state).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no event reports the state " + state));
        }
    }

    @JsonPropertyOrder({"type", "timestamp", "data"})
    public record Envelope(String type, Instant timestamp, Data data) {
    }

    /**
     * The upload as it is after the change the event reports. {@code processing} (each step's verdict,
     * an operator's release or delete) and {@code quarantineReason} appear once the processing stage
     * ran ({@code null} fields are left out).
     */
    @JsonPropertyOrder({"id", "owner", "store", "bucket", "key", "filename", "size", "contentType", "etag", "metadata", "state",
            "createdAt", "completedAt", "processing", "quarantineReason"})
    public record Data(String id, String owner, String store, String bucket, String key, String filename, Long size, String contentType,
                       String etag, Map<String, String> metadata, String state, Instant createdAt, Instant completedAt,
                       @JsonInclude(JsonInclude.Include.NON_NULL) List<StepOutcome> processing,
                       @JsonInclude(JsonInclude.Include.NON_NULL) String quarantineReason) {
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
        return record(upload, Type.reporting(upload.state), at);
    }

    /** Writes the event {@code type} about the upload as it is now, in the caller's (ORM) transaction. */
    public Uni<Void> record(Upload upload, Type type, Instant at) {
        return Uni.createFrom().item(() -> event(upload, type, at)).flatMap(outbox::record);
    }

    /** The event reporting the upload's current state, for the transaction that made it so. */
    public NewEvent event(Upload upload, Instant at) {
        return event(upload, Type.reporting(upload.state), at);
    }

    private NewEvent event(Upload upload, Type type, Instant at) {
        return outbox.event(upload.id, type.wireName(), json(upload, type, at), at);
    }

    /** The JSON of the event {@code type} about the upload as it is now: what webhooks deliver (and a processing webhook is asked). */
    public String json(Upload upload, Type type, Instant at) {
        try {
            return json.writeValueAsString(envelope(type, upload, at));
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
                upload.createdAt, upload.completedAt, upload.outcomes(), upload.quarantineReason));
    }
}
