package io.uploadgateway.upload;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.uploadgateway.problem.ApiProblem;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One multipart upload in the ledger. State changes happen only through the methods below, so
 * the lifecycle of API.md lives in one place.
 */
@Entity
@Table(name = "uploads")
public class Upload extends PanacheEntityBase {

    @Id
    public UUID id;

    public String owner;

    @Enumerated(EnumType.STRING)
    public UploadState state;

    @Column(name = "object_key")
    public String key;

    /** Null for a single-request upload ({@link #singleRequest}). */
    @Column(name = "s3_upload_id")
    public String s3UploadId;

    /**
     * A presigned POST of the whole object (Uppy's {@code /s3/params}), not a multipart upload: no
     * S3 upload id, no parts; it completes when the object is found in storage (HeadObject).
     */
    @Column(name = "single_request")
    public boolean singleRequest;

    public String filename;

    @Column(name = "content_type")
    public String contentType;

    /** The declared size; null while an open-sized upload (Uppy's {@code /s3}) runs, its assembled size once completed. */
    public Long size;

    /** Null for an open-sized upload. */
    @Column(name = "part_size")
    public Long partSize;

    /** Null for an open-sized upload. */
    @Column(name = "part_count")
    public Integer partCount;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public Map<String, String> metadata;

    @Column(name = "idempotency_key")
    public String idempotencyKey;

    @Column(name = "parts_uploaded")
    public int partsUploaded;

    @Column(name = "bytes_uploaded")
    public long bytesUploaded;

    /** ETag of the assembled object, once completed. */
    public String etag;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Column(name = "last_activity_at")
    public Instant lastActivityAt;

    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "completed_at")
    public Instant completedAt;

    /** The gateway completes the upload itself once every planned part is in S3. */
    @Column(name = "auto_complete")
    public boolean autoComplete;

    /** When the gateway next looks whether an auto-complete upload is complete. */
    @Column(name = "next_check_at")
    public Instant nextCheckAt;

    /** The current pause between looks while parts are missing, in seconds (doubles up to a ceiling). */
    @Column(name = "check_interval_seconds")
    public Long checkIntervalSeconds;

    /** What the content check detected in the object's first bytes, when it rejected the upload. */
    @Column(name = "detected_content_type")
    public String detectedContentType;

    /**
     * The additional checksum (SHA256, SHA1, CRC32, CRC32C) the multipart upload was created with:
     * every part's URL is signed for the client's checksum of that algorithm. Null: none.
     */
    @Column(name = "checksum_algorithm")
    public String checksumAlgorithm;

    /** The claim of a transition that waits on S3 (COMPLETING, ABORTING); null otherwise. */
    @Column(name = "claim_token")
    public UUID claimToken;

    @Column(name = "claimed_at")
    public Instant claimedAt;

    /** The state the claim leads to: COMPLETED, ABORTED or EXPIRED. */
    @Enumerated(EnumType.STRING)
    @Column(name = "claimed_for")
    public UploadState claimedFor;

    /** The part plan; {@link PartPlan#OPEN} for an open-sized upload that has not completed. */
    public PartPlan plan() {
        return partSize == null ? PartPlan.OPEN : new PartPlan(size, partSize, partCount);
    }

    /** Started without a size (Uppy's {@code /s3} routes): parts of any length, the total checked at completion. */
    public boolean openSized() {
        return partSize == null;
    }

    /**
     * For an auto-complete upload: look again at {@code at}, pausing {@code floor} between looks
     * from now on (a client call brings the look forward and resets the back-off).
     */
    public void checkAt(Instant at, Duration floor) {
        if (autoComplete && state == UploadState.UPLOADING) {
            nextCheckAt = at;
            checkIntervalSeconds = floor.toSeconds();
        }
    }

    /** Answers {@code 409 upload_not_active} unless the upload is UPLOADING. */
    public void requireUploading() {
        if (state != UploadState.UPLOADING) {
            throw ApiProblem.notActive("upload " + id + " is " + state + "; only UPLOADING uploads accept this");
        }
    }

    /** Answers {@code 409 upload_not_active} for a single-request upload: it has no parts. */
    public void requireMultipart() {
        if (singleRequest) {
            throw ApiProblem.notActive("upload " + id + " is a single-request upload (a presigned POST from /s3/params): it has no parts");
        }
    }

    /** The answer when S3 no longer knows this upload's multipart upload and the ledger has no completion to show. */
    public ApiProblem goneFromStorage() {
        return ApiProblem.notActive("storage no longer has the multipart upload of " + id
                + " (aborted outside the gateway or removed by a lifecycle rule); start a new upload");
    }

    /** Any sign of life from a client pushes the upload's expiry out by the TTL. */
    public void touch(Instant now, Duration ttl) {
        lastActivityAt = now;
        updatedAt = now;
        expiresAt = now.plus(ttl);
    }

    /**
     * Claims the upload for a transition to {@code target} that waits on S3: COMPLETING for
     * COMPLETED, ABORTING for ABORTED or EXPIRED. An UPLOADING upload can be claimed, and so can
     * one whose claim of the same kind died with its replica ({@link #claimIsFresh} false).
     */
    public void claim(UploadState target, UUID token, Instant now) {
        UploadState claiming = target == UploadState.COMPLETED ? UploadState.COMPLETING : UploadState.ABORTING;
        requireState(UploadState.UPLOADING, claiming);
        state = claiming;
        claimToken = token;
        claimedAt = now;
        claimedFor = target;
        updatedAt = now;
    }

    /** Whether a claim is held and younger than {@code staleAfter}: its replica is presumably still at work. */
    public boolean claimIsFresh(Instant now, Duration staleAfter) {
        return claimedAt != null && claimedAt.isAfter(now.minus(staleAfter));
    }

    /** Whether {@code token} is the claim this upload carries. */
    public boolean holds(UUID token) {
        return claimToken != null && claimToken.equals(token);
    }

    /** The claimed transition failed before S3 changed anything: the upload is UPLOADING again. */
    public void release(Instant now) {
        requireState(UploadState.COMPLETING, UploadState.ABORTING);
        state = UploadState.UPLOADING;
        clearClaim();
        updatedAt = now;
    }

    /** S3 assembled the object. Also reached from ABORTING when S3 turns out to have completed it. */
    public void markCompleted(String objectEtag, Instant now) {
        markCompleted(objectEtag, null, now);
    }

    /** As {@link #markCompleted(String, Instant)}; an open-sized upload takes {@code objectSize} as its size. */
    public void markCompleted(String objectEtag, Long objectSize, Instant now) {
        requireState(UploadState.COMPLETING, UploadState.ABORTING);
        if (size == null) {
            size = objectSize != null ? objectSize : bytesUploaded;
        }
        state = UploadState.COMPLETED;
        etag = objectEtag;
        completedAt = now;
        end(now);
    }

    /** The assembled object's bytes contradict the declared type; the object was deleted. */
    public void markRejected(String detected, Instant now) {
        requireState(UploadState.COMPLETING);
        state = UploadState.REJECTED;
        detectedContentType = detected;
        end(now);
    }

    /**
     * An open-sized upload whose parts add up to more than the gateway or the owner's quota allows:
     * its multipart upload was aborted instead of completed.
     */
    public void markRefused(Instant now) {
        requireState(UploadState.COMPLETING);
        state = UploadState.ABORTED;
        end(now);
    }

    public void markAborted(Instant now) {
        requireState(UploadState.ABORTING);
        state = UploadState.ABORTED;
        end(now);
    }

    public void markExpired(Instant now) {
        requireState(UploadState.ABORTING);
        state = UploadState.EXPIRED;
        end(now);
    }

    private void end(Instant now) {
        clearClaim();
        nextCheckAt = null;
        updatedAt = now;
        expiresAt = null;
    }

    private void clearClaim() {
        claimToken = null;
        claimedAt = null;
        claimedFor = null;
    }

    /** Sets the progress counters from the ledger's parts (only parts of exactly their planned size count). */
    public void recount(Collection<UploadPart> parts, Instant now) {
        List<UploadPart> done = PartReconciliation.counted(plan(), parts);
        partsUploaded = done.size();
        bytesUploaded = done.stream().mapToLong(p -> p.size).sum();
        updatedAt = now;
    }

    /** One more part of {@code size} bytes counts as done. */
    public void countPart(long size, Instant now) {
        partsUploaded++;
        bytesUploaded += size;
        updatedAt = now;
    }

    private void requireState(UploadState... allowed) {
        for (UploadState s : allowed) {
            if (state == s) {
                return;
            }
        }
        throw new IllegalStateException("upload " + id + " is " + state);
    }
}
