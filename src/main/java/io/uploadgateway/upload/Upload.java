package io.uploadgateway.upload;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.uploadgateway.problem.Errors;
import io.uploadgateway.storage.presign.ChecksumAlgorithm;
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
 * One upload in the ledger, of one {@link UploadKind}. A new upload comes from one of the
 * factories below, and state and counters change only through the methods below, so the
 * lifecycle of docs/api.md lives in one place.
 */
@Entity
@Table(name = "uploads")
public class Upload extends PanacheEntityBase {

    /**
     * How long after its form expires a single-request upload is left alone: a POST the browser
     * began just before the expiration (or a store whose clock lags) may still land.
     */
    public static final Duration FORM_GRACE = Duration.ofHours(1);

    @Id
    public UUID id;

    public String owner;

    @Enumerated(EnumType.STRING)
    public UploadKind kind;

    @Enumerated(EnumType.STRING)
    public UploadState state;

    /** The store (a bucket on an endpoint) the upload lives in: chosen at create, never changed. */
    public String store;

    /** Where the finished object lies; only the gateway writes here. */
    @Column(name = "object_key")
    public String key;

    /** A single-request upload's staging key, where its form writes; null for the other kinds. */
    @Column(name = "staging_key")
    public String stagingKey;

    /** The S3 multipart upload id; null for a single-request upload. */
    @Column(name = "s3_upload_id")
    public String s3UploadId;

    public String filename;

    @Column(name = "content_type")
    public String contentType;

    /** The declared size of a planned upload; the object's size once any upload completed; null before for the other kinds. */
    public Long size;

    /** A planned upload's part size; null for the other kinds. */
    @Column(name = "part_size")
    public Long partSize;

    /** A planned upload's part count; null for the other kinds. */
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

    /**
     * What the upload holds of its owner's bytes quota while open: a planned upload its size, a
     * single-request upload the most its form allows, an open-sized upload what the part URLs it got
     * allow. It may never hold more.
     */
    @Column(name = "reserved_bytes")
    public long reservedBytes;

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

    /** When the upload reached its final state, whichever it is (null while it is open). */
    @Column(name = "ended_at")
    public Instant endedAt;

    /** When the ledger's retention removed its part rows (null: they are still there). */
    @Column(name = "parts_pruned_at")
    public Instant partsPrunedAt;

    /** The gateway completes the upload itself once every planned part is in S3. */
    @Column(name = "auto_complete")
    public boolean autoComplete;

    /** When the gateway next looks whether an auto-complete upload is complete. */
    @Column(name = "next_check_at")
    public Instant nextCheckAt;

    /** The current pause between looks while parts are missing, in seconds (doubles up to a ceiling). */
    @Column(name = "check_interval_seconds")
    public Long checkIntervalSeconds;

    /** When the janitor last added up what an open-sized upload holds in storage. */
    @Column(name = "size_checked_at")
    public Instant sizeCheckedAt;

    /** What the content check detected in the object's first bytes, when it rejected the upload. */
    @Column(name = "detected_content_type")
    public String detectedContentType;

    /**
     * The additional checksum the multipart upload was created with: every part's URL is signed for
     * the client's checksum of that algorithm. Null: none.
     */
    @Enumerated(EnumType.STRING)
    @Column(name = "checksum_algorithm")
    public ChecksumAlgorithm checksumAlgorithm;

    /**
     * The processing stage's record: each step's verdict, then any operator's release or delete, in
     * order (null until a step ran).
     */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(columnDefinition = "jsonb")
    public ProcessingRecord processing;

    /** Failed attempts of the current processing step (scanner unavailable, verdict pending); 0 after a verdict. */
    @Column(name = "processing_attempts")
    public int processingAttempts;

    /** The runner that took this PROCESSING upload; its lease ends at {@link #nextCheckAt}. */
    @Column(name = "processing_token")
    public UUID processingToken;

    /** Why the upload is QUARANTINED. */
    @Column(name = "quarantine_reason")
    public String quarantineReason;

    /** Where a QUARANTINED upload's object is kept; null when it was deleted. */
    @Column(name = "quarantine_key")
    public String quarantineKey;

    /** The claim of a transition that waits on S3 (COMPLETING, ABORTING); null otherwise. */
    @Column(name = "claim_token")
    public UUID claimToken;

    @Column(name = "claimed_at")
    public Instant claimedAt;

    /** The state the claim leads to: COMPLETED, ABORTED or EXPIRED. */
    @Enumerated(EnumType.STRING)
    @Column(name = "claimed_for")
    public UploadState claimedFor;

    /** What every new upload has, whatever its kind: who, which file, and where its object will lie (store and key). */
    public record NewFile(UUID id, String owner, String store, String key, String filename, String contentType,
                          Map<String, String> metadata) {
    }

    /**
     * A planned multipart upload: its size, cut into parts by {@code plan}, reserved whole. With
     * {@code autoComplete} the gateway first looks whether it is complete {@code firstLook} from now.
     */
    public static Upload planned(NewFile file, String s3UploadId, PartPlan plan, String idempotencyKey,
                                 ChecksumAlgorithm checksum, boolean autoComplete, Duration firstLook, Instant now, Duration ttl) {
        Upload upload = begin(file, UploadKind.PLANNED, now, ttl);
        upload.s3UploadId = s3UploadId;
        upload.size = plan.size();
        upload.partSize = plan.partSize();
        upload.partCount = plan.partCount();
        upload.reservedBytes = plan.size();
        upload.idempotencyKey = idempotencyKey;
        upload.checksumAlgorithm = checksum;
        upload.autoComplete = autoComplete;
        upload.checkAt(now.plus(firstLook), firstLook);
        return upload;
    }

    /** An open-sized multipart upload: nothing reserved until it gets part URLs. */
    public static Upload openSized(NewFile file, String s3UploadId, Instant now, Duration ttl) {
        Upload upload = begin(file, UploadKind.OPEN_SIZED, now, ttl);
        upload.s3UploadId = s3UploadId;
        return upload;
    }

    /**
     * A single-request upload whose form writes {@code stagingKey}, at most {@code maxBytes} (reserved),
     * until {@code formExpiresAt}; the janitor looks at it {@link #FORM_GRACE} later.
     */
    public static Upload singleRequest(NewFile file, String stagingKey, long maxBytes, Instant formExpiresAt, Instant now,
                                       Duration ttl) {
        Upload upload = begin(file, UploadKind.SINGLE_REQUEST, now, ttl);
        upload.stagingKey = stagingKey;
        upload.reservedBytes = maxBytes;
        upload.expiresAt = formExpiresAt.plus(FORM_GRACE);
        return upload;
    }

    private static Upload begin(NewFile file, UploadKind kind, Instant now, Duration ttl) {
        Upload upload = new Upload();
        upload.id = file.id();
        upload.owner = file.owner();
        upload.kind = kind;
        upload.state = UploadState.UPLOADING;
        upload.store = file.store();
        upload.key = file.key();
        upload.filename = file.filename();
        upload.contentType = file.contentType();
        upload.metadata = file.metadata();
        upload.createdAt = now;
        upload.touch(now, ttl);
        return upload;
    }

    /** The part plan of a planned upload; {@link PartPlan#OPEN} (nothing planned) for the other kinds. */
    public PartPlan plan() {
        return kind == UploadKind.PLANNED ? new PartPlan(size, partSize, partCount) : PartPlan.OPEN;
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
            throw Errors.notUploading(id, state);
        }
    }

    /** Answers {@code 409 upload_not_active} for a single-request upload: it has no parts. */
    public void requireParts() {
        if (!kind.isMultipart()) {
            throw Errors.hasNoParts(id);
        }
    }

    /** Any sign of life from a client pushes the upload's expiry out by the TTL (a form's expiry is its own). */
    public void touch(Instant now, Duration ttl) {
        lastActivityAt = now;
        updatedAt = now;
        if (kind != UploadKind.SINGLE_REQUEST) {
            expiresAt = now.plus(ttl);
        }
    }

    /** Holds {@code bytes} of the owner's quota from now on, if that is more than it holds. */
    public void reserve(long bytes, Instant now) {
        if (bytes > reservedBytes) {
            reservedBytes = bytes;
            updatedAt = now;
        }
    }

    /** The janitor takes this open-sized upload to add up what it holds in storage, now. */
    public void sizeCheckTaken(Instant now) {
        sizeCheckedAt = now;
    }

    /**
     * The gateway takes this auto-complete upload for a look now: the next look moves out by the
     * back-off, which doubles up to {@code maxInterval} and never passes the upload's expiry.
     */
    public void lookTaken(Instant now, Duration maxInterval) {
        long interval = checkIntervalSeconds == null ? 60 : checkIntervalSeconds;
        Instant next = now.plusSeconds(interval);
        nextCheckAt = expiresAt != null && next.isAfter(expiresAt) ? expiresAt : next;
        checkIntervalSeconds = Math.min(interval * 2, maxInterval.toSeconds());
    }

    /**
     * Claims the upload for a transition to {@code target} that waits on S3: COMPLETING for
     * COMPLETED, ABORTING for ABORTED or EXPIRED. An UPLOADING upload can be claimed, and so can
     * one whose claim of the same kind died with its replica ({@link #claimIsFresh} false).
     */
    public void claim(UploadState target, UUID token, Instant now) {
        requireState(UploadState.UPLOADING, claimingFor(target));
        state = claimingFor(target);
        claimToken = token;
        claimedAt = now;
        claimedFor = target;
        updatedAt = now;
    }

    /** The claimed state of a transition to {@code target}: COMPLETING for COMPLETED, ABORTING otherwise. */
    public static UploadState claimingFor(UploadState target) {
        return target == UploadState.COMPLETED ? UploadState.COMPLETING : UploadState.ABORTING;
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

    /**
     * The claimed transition's end: the final state and what it records. Any claim may end in any
     * final state (an expiry that finds the object arrived completes it; a completion over the
     * limits aborts it).
     */
    public void end(Ending ending, Instant now) {
        requireState(UploadState.COMPLETING, UploadState.ABORTING);
        if (ending.state().isAssembled()) {
            size = ending.size();
            etag = ending.etag();
            completedAt = now;
        }
        detectedContentType = ending.detectedContentType();
        state = ending.state();
        endedAt = now;
        clearClaim();
        // A PROCESSING upload is due to the processing stage at once.
        nextCheckAt = state == UploadState.PROCESSING ? now : null;
        updatedAt = now;
        expiresAt = null;
    }

    // --- the processing stage: PROCESSING → COMPLETED or QUARANTINED (docs/api.md, "Processing")

    /** The stage's runner takes this PROCESSING upload with {@code token} until {@code leaseEnds} (then another may). */
    public void processingTaken(UUID token, Instant leaseEnds, Instant now) {
        requireState(UploadState.PROCESSING);
        processingToken = token;
        nextCheckAt = leaseEnds;
        updatedAt = now;
    }

    /** Whether {@code token} is the runner that holds this upload. */
    public boolean processedBy(UUID token) {
        return state == UploadState.PROCESSING && processingToken != null && processingToken.equals(token);
    }

    /** The processing record's outcomes in order; null before any (the views and events then leave it out). */
    public List<StepOutcome> outcomes() {
        return processing == null ? null : processing.steps();
    }

    /** The outcome {@code step} already recorded on this upload, or null: a step runs once per upload. */
    public StepOutcome outcomeOf(String step) {
        return processing == null ? null : processing.steps().stream().filter(o -> o.step().equals(step)).findFirst().orElse(null);
    }

    /** A step's verdict, recorded; the next step (or the same, after a failure: quarantine) comes next. */
    public void stepDone(StepOutcome outcome, Instant now) {
        requireState(UploadState.PROCESSING);
        record(outcome, now);
        processingAttempts = 0;
    }

    /** The current step could not give a verdict yet: the runner lets go and it is tried again at {@code at}. */
    public void stepLater(Instant at, Instant now) {
        requireState(UploadState.PROCESSING);
        processingAttempts++;
        processingToken = null;
        nextCheckAt = at;
        updatedAt = now;
    }

    /** Every step passed: the upload is served (COMPLETED). */
    public void ready(Instant now) {
        requireState(UploadState.PROCESSING);
        state = UploadState.COMPLETED;
        leaveProcessing(now);
    }

    /** A step failed it: QUARANTINED, its object kept at {@code keptAt} (null: deleted). */
    public void quarantine(String reason, String keptAt, Instant now) {
        requireState(UploadState.PROCESSING);
        state = UploadState.QUARANTINED;
        quarantineReason = reason;
        quarantineKey = keptAt;
        leaveProcessing(now);
    }

    /**
     * An operator overrides the verdict of a QUARANTINED upload whose object is back at its key
     * (with {@code etagAtKey}, a copy's own): it is served.
     */
    public void releaseFromQuarantine(String operator, String etagAtKey, Instant now) {
        requireState(UploadState.QUARANTINED);
        record(StepOutcome.of("operator", StepOutcome.Verdict.RELEASED, operator, now), now);
        state = UploadState.COMPLETED;
        etag = etagAtKey;
        quarantineKey = null;
    }

    /** The app posted its verdict for {@code outcome.step()} (a webhook step's callback): recorded once, and looked at now. */
    public void verdictArrived(StepOutcome outcome, Instant now) {
        requireState(UploadState.PROCESSING);
        if (outcomeOf(outcome.step()) == null) {
            record(outcome, now);
            processingAttempts = 0;
            nextCheckAt = now;
        }
    }

    /** An operator deleted a QUARANTINED upload's object. */
    public void quarantineDeleted(String operator, Instant now) {
        requireState(UploadState.QUARANTINED);
        record(StepOutcome.of("operator", StepOutcome.Verdict.DELETED, operator, now), now);
        quarantineKey = null;
    }

    private void record(StepOutcome outcome, Instant now) {
        processing = (processing == null ? new ProcessingRecord(List.of()) : processing).with(outcome);
        updatedAt = now;
    }

    private void leaveProcessing(Instant now) {
        processingToken = null;
        processingAttempts = 0;
        nextCheckAt = null;
        updatedAt = now;
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
