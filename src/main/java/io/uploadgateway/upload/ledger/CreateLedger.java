package io.uploadgateway.upload.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.uploadgateway.events.NewEvent;
import io.uploadgateway.events.ledger.EventLedger;
import io.uploadgateway.ledger.NumberedParameters;
import io.uploadgateway.reactive.RunToEnd;
import io.uploadgateway.upload.Upload;
import io.uploadgateway.upload.ledger.QuotaLedger.Override;
import io.uploadgateway.upload.ledger.QuotaLedger.Usage;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * A create's ledger work, on the reactive SQL client directly (no ORM session): the first look at
 * the owner's quota (single reads of what is committed), then the upload's row and its
 * {@code upload.created} event in one statement — inside a short transaction behind the owner's
 * quota lock and usage when a limit applies. Creating is the first call of every browser and
 * phone; through Hibernate Reactive's sessions it ran several times slower than these statements
 * do (docs/benchmarks.md, "Where a create waits"). Every later change of the upload goes through the ORM, which reads the row
 * written here as any other ({@code CreateLedgerTest} checks every field).
 */
@ApplicationScoped
public class CreateLedger {

    /** The upload's row and its {@code upload.created} event, in one statement. */
    private static final NumberedParameters INSERT = EventLedger.withEvent("""
            insert into uploads (id, owner, kind, state, store, object_key, staging_key, s3_upload_id, filename, content_type, size,
                part_size, part_count, metadata, idempotency_key, parts_uploaded, bytes_uploaded, reserved_bytes, etag,
                created_at, updated_at, last_activity_at, expires_at, completed_at, ended_at, parts_pruned_at, auto_complete,
                next_check_at, check_interval_seconds, size_checked_at, detected_content_type, checksum_algorithm,
                claim_token, claimed_at, claimed_for)
            values (:uploadId, :owner, :kind, :state, :store, :key, :stagingKey, :s3UploadId, :filename, :contentType, :size,
                :partSize, :partCount, cast(cast(:metadata as text) as jsonb), :idempotencyKey, :partsUploaded, :bytesUploaded,
                :reservedBytes, :etag, :createdAt, :updatedAt, :lastActivityAt, :expiresAt, :completedAt, :endedAt,
                :partsPrunedAt, :autoComplete, :nextCheckAt, :checkIntervalSeconds, :sizeCheckedAt, :detectedContentType,
                :checksumAlgorithm, :claimToken, :claimedAt, :claimedFor)""");

    private final Pool pool;
    private final ObjectMapper json;

    public CreateLedger(Pool pool, ObjectMapper json) {
        this.pool = pool;
        this.json = json;
    }

    /** The owner's quota override, or null: one read of what is committed, outside any transaction. */
    public Uni<Override> override(String owner) {
        return QuotaLedger.override(pool, owner);
    }

    /** The owner's usage as committed, outside any transaction (the check under the lock comes later). */
    public Uni<Usage> usage(String owner) {
        return QuotaLedger.usage(pool, owner);
    }

    /**
     * The upload's row and {@code created}, its event, written together or not at all; with a
     * {@code check}, in a transaction that first decides it under the owner's quota lock. Without
     * one (the owner has no limit, nothing to race for) the row and its event are one statement,
     * atomic on its own: one round trip instead of a transaction's four. It runs to its end even
     * when the client goes away ({@link RunToEnd}).
     */
    public Uni<Upload> record(Upload upload, NewEvent created, QuotaLedger.Check check) {
        return RunToEnd.of(() -> check == null
                        ? insert(pool, upload, created)
                        : pool.withTransaction(transaction -> quota(transaction, check).chain(() -> insert(transaction, upload, created))))
                .replaceWith(upload);
    }

    private static Uni<Void> quota(SqlClient transaction, QuotaLedger.Check check) {
        return QuotaLedger.lockOwner(transaction, check.owner())
                .chain(() -> QuotaLedger.usage(transaction, check.owner()))
                .invoke(check.refuse())
                .replaceWithVoid();
    }

    private Uni<Void> insert(SqlClient client, Upload upload, NewEvent created) {
        return client.preparedQuery(INSERT.sql()).execute(EventLedger.bind(INSERT.values(), created)
                        .set("uploadId", upload.id).set("owner", upload.owner).set("kind", name(upload.kind)).set("state", name(upload.state))
                        .set("store", upload.store).set("key", upload.key).set("stagingKey", upload.stagingKey).set("s3UploadId", upload.s3UploadId)
                        .set("filename", upload.filename).set("contentType", upload.contentType).set("size", upload.size)
                        .set("partSize", upload.partSize).set("partCount", upload.partCount).set("metadata", metadata(upload))
                        .set("idempotencyKey", upload.idempotencyKey).set("partsUploaded", upload.partsUploaded)
                        .set("bytesUploaded", upload.bytesUploaded).set("reservedBytes", upload.reservedBytes).set("etag", upload.etag)
                        .set("createdAt", utc(upload.createdAt)).set("updatedAt", utc(upload.updatedAt))
                        .set("lastActivityAt", utc(upload.lastActivityAt)).set("expiresAt", utc(upload.expiresAt))
                        .set("completedAt", utc(upload.completedAt)).set("endedAt", utc(upload.endedAt))
                        .set("partsPrunedAt", utc(upload.partsPrunedAt)).set("autoComplete", upload.autoComplete)
                        .set("nextCheckAt", utc(upload.nextCheckAt)).set("checkIntervalSeconds", upload.checkIntervalSeconds)
                        .set("sizeCheckedAt", utc(upload.sizeCheckedAt)).set("detectedContentType", upload.detectedContentType)
                        .set("checksumAlgorithm", name(upload.checksumAlgorithm)).set("claimToken", upload.claimToken)
                        .set("claimedAt", utc(upload.claimedAt)).set("claimedFor", name(upload.claimedFor))
                        .tuple())
                .replaceWithVoid();
    }

    private String metadata(Upload upload) {
        if (upload.metadata == null) {
            return null;
        }
        try {
            return json.writeValueAsString(upload.metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("metadata of upload " + upload.id + " is not JSON", e);
        }
    }

    private static String name(Enum<?> value) {
        return value == null ? null : value.name();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
