package io.uploadgateway.upload.ledger;

import io.smallrye.mutiny.Uni;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;
import io.uploadgateway.upload.PartPlan;
import io.uploadgateway.upload.Scope;
import io.uploadgateway.upload.UploadKind;
import io.uploadgateway.upload.UploadState;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

/**
 * The sign path's ledger work, on the reactive SQL client directly (no ORM session): one read by
 * primary key, and an activity touch that never waits on a row another transaction holds.
 * Parallel signs of one upload — what every browser and phone does — never queue on its row.
 */
@ApplicationScoped
public class SignLookup {

    /** What signing needs of an upload; {@code plan} is a planned upload's, {@link PartPlan#OPEN} for the other kinds. */
    public record Signable(UUID id, String owner, UploadKind kind, UploadState state, String store, String key, String s3UploadId, PartPlan plan,
                           long reservedBytes, Instant lastActivityAt, ChecksumAlgorithm checksumAlgorithm) {
    }

    private static final String BY_ID = "select id, owner, kind, state, store, object_key, s3_upload_id, size, part_size, part_count,"
            + " reserved_bytes, last_activity_at, checksum_algorithm from uploads where id = $1";
    /** The checksum each part's URL was last signed for; a later presign of the part replaces it. */
    private static final String RECORD_CHECKSUMS = "insert into part_checksums (upload_id, part_number, checksum, signed_at)"
            + " select $1, n, c, $4 from unnest($2::int[], $3::varchar[]) as t(n, c)"
            + " on conflict (upload_id, part_number) do update set checksum = excluded.checksum, signed_at = excluded.signed_at";
    private static final String CHECKSUMS = "select part_number, checksum from part_checksums where upload_id = $1";
    private static final String BY_ID_AND_OWNER = BY_ID + " and owner = $2";
    /** Touches only if the activity is older than $5, and skips (never waits for) a row another transaction holds. */
    private static final String TOUCH = "update uploads set last_activity_at = $2, updated_at = $2, expires_at = $3"
            + " where id = (select id from uploads where id = $1 and state = $4 and last_activity_at < $5 for update skip locked)";

    private final Pool pool;

    public SignLookup(Pool pool) {
        this.pool = pool;
    }

    /** The upload if the scope may see it; 404 otherwise. */
    public Uni<Signable> find(Scope scope, UUID id) {
        Uni<RowSet<Row>> rows = scope instanceof Scope.Owner owner
                ? pool.preparedQuery(BY_ID_AND_OWNER).execute(Tuple.of(id, owner.owner()))
                : pool.preparedQuery(BY_ID).execute(Tuple.of(id));
        return rows.map(result -> {
            if (result.size() == 0) {
                throw Errors.noSuchUpload(id);
            }
            Row row = result.iterator().next();
            UploadKind kind = UploadKind.valueOf(row.getString("kind"));
            String checksum = row.getString("checksum_algorithm");
            return new Signable(row.getUUID("id"), row.getString("owner"), kind, UploadState.valueOf(row.getString("state")),
                    row.getString("store"), row.getString("object_key"), row.getString("s3_upload_id"),
                    kind == UploadKind.PLANNED
                            ? new PartPlan(row.getLong("size"), row.getLong("part_size"), row.getInteger("part_count"))
                            : PartPlan.OPEN,
                    row.getLong("reserved_bytes"), row.getOffsetDateTime("last_activity_at").toInstant(),
                    checksum == null ? null : ChecksumAlgorithm.valueOf(checksum));
        });
    }

    /**
     * Keeps the checksum each part is signed for (one statement for the batch; it locks only those
     * part rows, never the upload's). Only uploads with an additional checksum pay for this write.
     */
    public Uni<Void> recordChecksums(UUID id, Integer[] partNumbers, String[] checksums, Instant now) {
        return pool.preparedQuery(RECORD_CHECKSUMS).execute(Tuple.of(id, partNumbers, checksums, utc(now))).replaceWithVoid();
    }

    /** The checksum each part's URL was last signed for, by part number. */
    public Uni<java.util.Map<Integer, String>> signedChecksums(UUID id) {
        return pool.preparedQuery(CHECKSUMS).execute(Tuple.of(id)).map(rows -> {
            java.util.Map<Integer, String> byPart = new java.util.HashMap<>();
            rows.forEach(row -> byPart.put(row.getInteger("part_number"), row.getString("checksum")));
            return byPart;
        });
    }

    /**
     * Records client activity unless it was recorded after {@code staleBefore} (at most once per
     * interval per upload), without waiting for a row lock. Answers whether a row changed.
     */
    public Uni<Boolean> touch(UUID id, Instant now, Instant expiresAt, Instant staleBefore) {
        return pool.preparedQuery(TOUCH)
                .execute(Tuple.of(id, utc(now), utc(expiresAt), UploadState.UPLOADING.name(), utc(staleBefore)))
                .map(result -> result.rowCount() > 0);
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
